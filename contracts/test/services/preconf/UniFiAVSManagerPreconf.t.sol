// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {IUniFiAVSManagerTypes} from "../../../src/services/preconf/IUniFiAVSManager.sol";
import {UniFiAVSManager} from "../../../src/services/preconf/UniFiAVSManager.sol";
import {UniFiFixture} from "./UniFiFixture.sol";

/// @notice A contract delegate key: accepts exactly one digest, or reverts on every check when `reverts`.
contract DigestSigner is IERC1271 {
    /// @notice Raised by every check while `reverts` is set.
    error SignerReverts();

    bytes32 public accepted;
    bool public reverts;

    function accept(bytes32 digest) external {
        accepted = digest;
    }

    function setReverts(bool value) external {
        reverts = value;
    }

    function isValidSignature(bytes32 digest, bytes memory) external view returns (bytes4) {
        if (reverts) revert SignerReverts();
        return digest == accepted ? IERC1271.isValidSignature.selector : bytes4(0xffffffff);
    }
}

/// @notice Preconfirmations: the EIP-712 digest (also against the shared vectors TypeScript is tested with) and
///         isValidPreconfirmation, true only for the delegate key's signature of a registered, stake-backed
///         validator on one of its operator's chains, and false (never a revert) for everything else.
contract UniFiAVSManagerPreconfTest is UniFiFixture {
    string internal constant PRECONF_VECTORS = "/../test/vectors/preconf.json";

    bytes32[] internal hashes;

    function setUp() public override {
        super.setUp();
        hashes = _ready(2);
    }

    function _preconf(uint256 chainId, bytes32 blsPubKeyHash)
        internal
        pure
        returns (IUniFiAVSManagerTypes.Preconfirmation memory)
    {
        return IUniFiAVSManagerTypes.Preconfirmation({
            chainId: chainId, slot: 12_345, txHash: keccak256("a signed transaction"), blsPubKeyHash: blsPubKeyHash
        });
    }

    function _sign(uint256 key, IUniFiAVSManagerTypes.Preconfirmation memory p) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, unifi.preconfirmationDigest(p));
        return abi.encodePacked(r, s, v);
    }

    function test_preconfirmationDigest_isTheEIP712TypedDataHash() public view {
        IUniFiAVSManagerTypes.Preconfirmation memory p = _preconf(CHAIN_2, hashes[0]);
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("UniFiAVSManager"),
                keccak256("1"),
                block.chainid,
                address(unifi)
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Preconfirmation(uint256 chainId,uint64 slot,bytes32 txHash,bytes32 blsPubKeyHash)"),
                p.chainId,
                p.slot,
                p.txHash,
                p.blsPubKeyHash
            )
        );
        assertEq(unifi.domainSeparator(), domain);
        assertEq(unifi.preconfirmationDigest(p), keccak256(abi.encodePacked("\x19\x01", domain, structHash)));
    }

    function test_isValidPreconfirmation_trueForTheDelegateKeySignature() public view {
        IUniFiAVSManagerTypes.Preconfirmation memory p = _preconf(CHAIN_1, hashes[0]);
        assertTrue(unifi.isValidPreconfirmation(p, _sign(DELEGATE_KEY, p)));
        IUniFiAVSManagerTypes.Preconfirmation memory q = _preconf(CHAIN_2, hashes[1]);
        assertTrue(unifi.isValidPreconfirmation(q, _sign(DELEGATE_KEY, q)));
    }

    function test_isValidPreconfirmation_falseForAnotherSigner() public view {
        IUniFiAVSManagerTypes.Preconfirmation memory p = _preconf(CHAIN_1, hashes[0]);
        assertFalse(unifi.isValidPreconfirmation(p, _sign(OPERATOR_KEY, p)), "the operator is not the delegate key");
    }

    function test_isValidPreconfirmation_falseForASignatureOfOtherFields() public view {
        IUniFiAVSManagerTypes.Preconfirmation memory p = _preconf(CHAIN_1, hashes[0]);
        bytes memory sig = _sign(DELEGATE_KEY, p);
        p.slot += 1;
        assertFalse(unifi.isValidPreconfirmation(p, sig));
    }

    function test_isValidPreconfirmation_falseForAChainOutsideTheCommitment() public view {
        IUniFiAVSManagerTypes.Preconfirmation memory p = _preconf(CHAIN_5, hashes[0]);
        assertFalse(unifi.isValidPreconfirmation(p, _sign(DELEGATE_KEY, p)), "mapped, bit not set");
        p = _preconf(137, hashes[0]);
        assertFalse(unifi.isValidPreconfirmation(p, _sign(DELEGATE_KEY, p)), "unmapped chain");
        p = _preconf(0, hashes[0]);
        assertFalse(unifi.isValidPreconfirmation(p, _sign(DELEGATE_KEY, p)), "chain id 0");
    }

    function test_isValidPreconfirmation_falseForAnUnknownValidator() public view {
        IUniFiAVSManagerTypes.Preconfirmation memory p = _preconf(CHAIN_1, _pubkeyHash(_validatorPubkey(77)));
        assertFalse(unifi.isValidPreconfirmation(p, _sign(DELEGATE_KEY, p)));
    }

    function test_isValidPreconfirmation_untilTheDeregistrationDelayPasses() public {
        vm.prank(operator);
        unifi.deregisterValidators(_one(hashes[0]));
        IUniFiAVSManagerTypes.Preconfirmation memory p = _preconf(CHAIN_1, hashes[0]);
        bytes memory sig = _sign(DELEGATE_KEY, p);
        vm.roll(block.number + DELAY - 1);
        assertTrue(unifi.isValidPreconfirmation(p, sig), "still liable");
        vm.roll(block.number + 1);
        assertFalse(unifi.isValidPreconfirmation(p, sig), "past its delay");
    }

    function test_isValidPreconfirmation_falseOnceThePodOwnerUndelegated() public {
        IUniFiAVSManagerTypes.Preconfirmation memory p = _preconf(CHAIN_1, hashes[0]);
        bytes memory sig = _sign(DELEGATE_KEY, p);
        _undelegate(podOwner);
        assertFalse(unifi.isValidPreconfirmation(p, sig));
    }

    function test_isValidPreconfirmation_falseOnceTheValidatorIsWithdrawn() public {
        IUniFiAVSManagerTypes.Preconfirmation memory p = _preconf(CHAIN_1, hashes[0]);
        bytes memory sig = _sign(DELEGATE_KEY, p);
        _withdrawValidator(hashes[0]);
        assertFalse(unifi.isValidPreconfirmation(p, sig));
        IUniFiAVSManagerTypes.Preconfirmation memory q = _preconf(CHAIN_1, hashes[1]);
        assertTrue(unifi.isValidPreconfirmation(q, _sign(DELEGATE_KEY, q)), "the other validator still is");
    }

    function test_isValidPreconfirmation_falseForGarbageSignatures() public view {
        IUniFiAVSManagerTypes.Preconfirmation memory p = _preconf(CHAIN_1, hashes[0]);
        bytes memory good = _sign(DELEGATE_KEY, p);
        assertFalse(unifi.isValidPreconfirmation(p, ""));
        assertFalse(unifi.isValidPreconfirmation(p, hex"01"));
        assertFalse(unifi.isValidPreconfirmation(p, abi.encodePacked(good, uint8(0))), "66 bytes");
        bytes memory badV = bytes.concat(good);
        badV[64] = bytes1(uint8(29));
        assertFalse(unifi.isValidPreconfirmation(p, badV), "v not 27/28");
        assertFalse(unifi.isValidPreconfirmation(p, new bytes(65)), "all zero");
    }

    function test_isValidPreconfirmation_followsTheDelegateKeyInForce() public {
        uint256 nextKey = 0x4E47;
        vm.prank(operator);
        unifi.setOperatorCommitment(_commitment(vm.addr(nextKey), BITMAP_1_2));
        IUniFiAVSManagerTypes.Preconfirmation memory p = _preconf(CHAIN_1, hashes[0]);
        assertTrue(unifi.isValidPreconfirmation(p, _sign(DELEGATE_KEY, p)), "old key until the delay passes");
        assertFalse(unifi.isValidPreconfirmation(p, _sign(nextKey, p)));
        vm.roll(block.number + DELAY);
        assertFalse(unifi.isValidPreconfirmation(p, _sign(DELEGATE_KEY, p)));
        assertTrue(unifi.isValidPreconfirmation(p, _sign(nextKey, p)), "new key once matured");
    }

    function test_isValidPreconfirmation_falseForADelegateKeyThatIsNotAnAddress() public {
        IUniFiAVSManagerTypes.OperatorCommitment memory blsKey =
            IUniFiAVSManagerTypes.OperatorCommitment({delegateKey: new bytes(48), chainIDBitMap: BITMAP_1_2});
        blsKey.delegateKey[0] = 0x01;
        vm.prank(operator);
        unifi.setOperatorCommitment(blsKey);
        vm.roll(block.number + DELAY);
        IUniFiAVSManagerTypes.Preconfirmation memory p = _preconf(CHAIN_1, hashes[0]);
        assertFalse(unifi.isValidPreconfirmation(p, _sign(DELEGATE_KEY, p)));
        assertTrue(unifi.isValidatorInChainId(hashes[0], CHAIN_1), "still registered for the chain");
    }

    function test_isValidPreconfirmation_checksAContractDelegateKeyWithERC1271() public {
        DigestSigner signer = new DigestSigner();
        vm.prank(operator);
        unifi.setOperatorCommitment(_commitment(address(signer), BITMAP_1_2));
        vm.roll(block.number + DELAY);
        IUniFiAVSManagerTypes.Preconfirmation memory p = _preconf(CHAIN_1, hashes[0]);
        assertFalse(unifi.isValidPreconfirmation(p, hex"1234"));
        signer.accept(unifi.preconfirmationDigest(p));
        assertTrue(unifi.isValidPreconfirmation(p, hex"1234"));
        signer.setReverts(true);
        assertFalse(unifi.isValidPreconfirmation(p, hex"1234"), "a reverting signer is a false, not a revert");
    }

    /// @notice Whatever the preconfirmation and signature bytes, isValidPreconfirmation returns.
    function testFuzz_isValidPreconfirmation_neverReverts(
        uint256 chainId,
        uint64 slot,
        bytes32 txHash,
        uint8 which,
        bytes calldata signature
    ) public view {
        bytes32 hash = which % 3 == 2 ? keccak256(abi.encode(which)) : hashes[which % 3];
        // Mostly a committed chain, so the signature check is reached.
        if (which & 8 != 0) chainId = CHAIN_1;
        IUniFiAVSManagerTypes.Preconfirmation memory p =
            IUniFiAVSManagerTypes.Preconfirmation({chainId: chainId, slot: slot, txHash: txHash, blsPubKeyHash: hash});
        (bool ok, bytes memory ret) =
            address(unifi).staticcall(abi.encodeCall(UniFiAVSManager.isValidPreconfirmation, (p, signature)));
        assertTrue(ok, "never reverts");
        assertFalse(abi.decode(ret, (bool)), "random bytes are not the delegate key's signature");
    }

    // ------------------------------------------------------------------------------------------------ vectors

    /// @notice The digests TypeScript computes (test/vectors/preconf.json) equal the contract's, with this registry's
    ///         code at the vectors' registry address and chain id; and each blsPubKeyHash is sha256(pubkey ‖ bytes16(0)).
    function test_preconfirmationDigest_matchesSharedVectors() public {
        string memory json = vm.readFile(string.concat(vm.projectRoot(), PRECONF_VECTORS));
        address where = vm.parseJsonAddress(json, ".registry");
        vm.chainId(vm.parseJsonUint(json, ".registryChainId"));
        vm.etch(where, address(unifi).code);
        UniFiAVSManager at = UniFiAVSManager(where);
        uint256 checked;
        for (uint256 i; vm.keyExistsJson(json, string.concat(".cases[", vm.toString(i), "]")); ++i) {
            string memory k = string.concat(".cases[", vm.toString(i), "]");
            bytes memory pubkey = vm.parseJsonBytes(json, string.concat(k, ".pubkey"));
            bytes32 blsPubKeyHash = vm.parseJsonBytes32(json, string.concat(k, ".blsPubKeyHash"));
            assertEq(pubkey.length, 48, k);
            assertEq(sha256(abi.encodePacked(pubkey, bytes16(0))), blsPubKeyHash, k);
            IUniFiAVSManagerTypes.Preconfirmation memory p = IUniFiAVSManagerTypes.Preconfirmation({
                chainId: vm.parseUint(vm.parseJsonString(json, string.concat(k, ".chainId"))),
                slot: uint64(vm.parseUint(vm.parseJsonString(json, string.concat(k, ".slot")))),
                txHash: vm.parseJsonBytes32(json, string.concat(k, ".txHash")),
                blsPubKeyHash: blsPubKeyHash
            });
            assertEq(at.preconfirmationDigest(p), vm.parseJsonBytes32(json, string.concat(k, ".digest")), k);
            ++checked;
        }
        assertGt(checked, 0, "no vectors");
    }
}
