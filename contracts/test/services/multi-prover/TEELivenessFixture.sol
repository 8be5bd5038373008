// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {PermissionController} from "../../../devnet/eigenlayer/PermissionController.sol";
import {IPermissionController} from "../../../src/eigenlayer/IPermissionController.sol";
import {TEELivenessVerifier} from "../../../src/services/multi-prover/TEELivenessVerifier.sol";
import {ITEELivenessVerifier} from "../../../src/services/multi-prover/ITEELivenessVerifier.sol";
import {IAttestationVerifier} from "../../../src/services/multi-prover/attestation/IAttestationVerifier.sol";
import {DevnetAttestationVerifier} from "../../../src/services/multi-prover/attestation/DevnetAttestationVerifier.sol";

/// @notice A devnet TEELivenessVerifier with the real devnet PermissionController and DevnetAttestationVerifier, and
///         helpers that build SGX report bodies and sign them with the devnet attestation key (vm.sign).
abstract contract TEELivenessFixture is Test {
    uint64 internal constant VALIDITY = 3600;
    uint64 internal constant SGX_FLAGS_PROD = 0x05; // INITTED | MODE64BIT
    uint64 internal constant SGX_FLAGS_DEBUG = 0x02;
    bytes32 internal constant MRENCLAVE = keccak256("prover build 1");
    bytes32 internal constant MRSIGNER = keccak256("prover signer");

    ITEELivenessVerifier.TeeType internal constant DEVNET = ITEELivenessVerifier.TeeType.DEVNET;

    PermissionController internal permissionController;
    DevnetAttestationVerifier internal devnetVerifier;
    TEELivenessVerifier internal liveness;
    uint256 internal attestationKeyPk = uint256(keccak256("devnet attestation key"));
    address internal owner = makeAddr("owner");
    address internal operator = makeAddr("operator");
    address internal proverKey = makeAddr("proverKey");

    function setUp() public virtual {
        vm.roll(10_000);
        vm.warp(1_700_000_000);
        permissionController = new PermissionController();
        devnetVerifier = new DevnetAttestationVerifier(vm.addr(attestationKeyPk));
        liveness = _deploy(true);
        vm.startPrank(owner);
        liveness.setAttestationVerifier(DEVNET, devnetVerifier);
        liveness.setMeasurementAllowed(DEVNET, IAttestationVerifier.MeasurementKind.MRENCLAVE, MRENCLAVE, true);
        vm.stopPrank();
    }

    function _deploy(bool isDevnet) internal returns (TEELivenessVerifier) {
        return new TEELivenessVerifier(owner, IPermissionController(address(permissionController)), isDevnet, VALIDITY);
    }

    /// @dev A report of `key` for `op` against the block `age` blocks back (its hash set to a known value).
    function _report(address key, address op, uint256 age)
        internal
        returns (ITEELivenessVerifier.LivenessReport memory r)
    {
        uint256 number = block.number - age;
        bytes32 hash = keccak256(abi.encode("block", number));
        vm.setBlockhash(number, hash);
        r = ITEELivenessVerifier.LivenessReport({
            proverKey: key,
            operator: op,
            referenceBlockNumber: number,
            referenceBlockHash: hash
        });
    }

    function _report() internal returns (ITEELivenessVerifier.LivenessReport memory) {
        return _report(proverKey, operator, 1);
    }

    /// @dev The report data `liveness` expects for `r`: commitment ‖ 32 zero bytes.
    function _reportData(ITEELivenessVerifier.LivenessReport memory r) internal view returns (bytes memory) {
        return abi.encodePacked(liveness.reportDataHash(r), bytes32(0));
    }

    /// @dev An SGX report body (zeros elsewhere; `isvSvn` lets two bodies with the same report data differ).
    function _body(bytes32 mrEnclave, bytes32 mrSigner, uint64 flags, uint16 isvSvn, bytes memory reportData)
        internal
        pure
        returns (bytes memory body)
    {
        require(reportData.length == 64, "report data is 64 bytes");
        body = new bytes(384);
        for (uint256 i; i < 8; ++i) body[48 + i] = bytes1(uint8(flags >> (8 * i)));
        body[258] = bytes1(uint8(isvSvn));
        body[259] = bytes1(uint8(isvSvn >> 8));
        assembly ("memory-safe") {
            mstore(add(body, add(0x20, 64)), mrEnclave)
            mstore(add(body, add(0x20, 128)), mrSigner)
            mstore(add(body, add(0x20, 320)), mload(add(reportData, 0x20)))
            mstore(add(body, add(0x20, 352)), mload(add(reportData, 0x40)))
        }
    }

    /// @dev `body` signed by the key `pk` as a devnet attestation.
    function _sign(bytes memory body, uint256 pk) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) =
            vm.sign(pk, keccak256(abi.encodePacked(keccak256("avs-stack.multi-prover.DevnetSgxReport.v1"), body)));
        return abi.encodePacked(body, r, s, v);
    }

    /// @dev A valid devnet attestation of `reportData` by the allowlisted enclave.
    function _attest(bytes memory reportData) internal view returns (bytes memory) {
        return _sign(_body(MRENCLAVE, MRSIGNER, SGX_FLAGS_PROD, 0, reportData), attestationKeyPk);
    }

    /// @dev A valid devnet attestation of `r` for `liveness`.
    function _attest(ITEELivenessVerifier.LivenessReport memory r) internal view returns (bytes memory) {
        return _attest(_reportData(r));
    }

    /// @dev Submits a valid proof of `r` as its operator.
    function _submit(ITEELivenessVerifier.LivenessReport memory r) internal {
        bytes memory attestation = _attest(r);
        vm.prank(r.operator);
        liveness.submitLivenessProof(DEVNET, r, attestation);
    }
}
