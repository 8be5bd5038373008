// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IPermissionControllerMixin} from "../../../src/eigenlayer/IPermissionController.sol";
import {Test} from "forge-std/Test.sol";
import {StateAttestation, StateAttestationLib} from "../../../src/services/state-proofs/StateAttestationLib.sol";
import {StateProofsServiceManager} from "../../../src/services/state-proofs/StateProofsServiceManager.sol";

/// @notice Solidity against test/vectors/state-attestation.json, the vectors TypeScript
///         (src/services/state-proofs/attestation.ts) is tested with.
contract StateAttestationVectorsTest is Test {
    string internal json;

    function setUp() public {
        json = vm.readFile(string.concat(vm.projectRoot(), "/../test/vectors/state-attestation.json"));
    }

    function _attestation(string memory k) internal view returns (StateAttestation memory a) {
        a.user = vm.parseJsonAddress(json, string.concat(k, ".user"));
        a.chainId = vm.parseUint(vm.parseJsonString(json, string.concat(k, ".chainId")));
        a.blockNumber = uint64(vm.parseUint(vm.parseJsonString(json, string.concat(k, ".blockNumber"))));
        a.timestamp = uint48(vm.parseUint(vm.parseJsonString(json, string.concat(k, ".timestamp"))));
        a.key = vm.parseUint(vm.parseJsonString(json, string.concat(k, ".key")));
        a.value = vm.parseUint(vm.parseJsonString(json, string.concat(k, ".value")));
        a.exists = vm.parseJsonBool(json, string.concat(k, ".exists"));
        a.epoch = uint32(vm.parseJsonUint(json, string.concat(k, ".epoch")));
    }

    function _deployAtVectorDomain() internal returns (StateProofsServiceManager sm) {
        assertEq(vm.parseJsonString(json, ".domain.name"), "avs-stack state-proofs");
        assertEq(vm.parseJsonString(json, ".domain.version"), "1");
        vm.chainId(vm.parseJsonUint(json, ".domain.chainId"));
        address at = vm.parseJsonAddress(json, ".domain.verifyingContract");
        // Only the domain matters here; the constructor asks the AllocationManager for its PermissionController.
        vm.mockCall(
            address(0xA3),
            abi.encodeWithSelector(IPermissionControllerMixin.permissionController.selector),
            abi.encode(address(0xA4))
        );
        deployCodeTo(
            "StateProofsServiceManager.sol:StateProofsServiceManager",
            abi.encode(address(0xA1), address(0xA2), address(0xA3), address(this)),
            at
        );
        sm = StateProofsServiceManager(at);
    }

    function test_typehash_matchesTypeString() public pure {
        assertEq(
            StateAttestationLib.STATE_ATTESTATION_TYPEHASH,
            keccak256(
                "StateAttestation(address user,uint256 chainId,uint64 blockNumber,uint48 timestamp,uint256 key,uint256 value,bool exists,uint32 epoch)"
            )
        );
    }

    function test_structHashAndTaskId_matchSharedVectors() public view {
        uint256 n;
        for (; vm.keyExistsJson(json, string.concat(".cases[", vm.toString(n), "]")); ++n) {
            string memory k = string.concat(".cases[", vm.toString(n), "]");
            StateAttestation memory a = _attestation(string.concat(k, ".attestation"));
            assertEq(StateAttestationLib.hash(a), vm.parseJsonBytes32(json, string.concat(k, ".structHash")), k);
            assertEq(StateAttestationLib.taskId(a), vm.parseJsonBytes32(json, string.concat(k, ".taskId")), k);
        }
        assertGt(n, 0, "no vectors");
    }

    function test_attestationDigest_matchesSharedVectors() public {
        StateProofsServiceManager sm = _deployAtVectorDomain();
        uint256 n;
        for (; vm.keyExistsJson(json, string.concat(".cases[", vm.toString(n), "]")); ++n) {
            string memory k = string.concat(".cases[", vm.toString(n), "]");
            StateAttestation memory a = _attestation(string.concat(k, ".attestation"));
            assertEq(sm.attestationDigest(a), vm.parseJsonBytes32(json, string.concat(k, ".digest")), k);
            assertEq(sm.attestationTaskId(a), vm.parseJsonBytes32(json, string.concat(k, ".taskId")), k);
        }
        assertGt(n, 0, "no vectors");
    }

    function test_attestationDigest_equalsExplicitEip712() public {
        StateProofsServiceManager sm = _deployAtVectorDomain();
        StateAttestation memory a = _attestation(".cases[0].attestation");
        bytes32 domainSeparator = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("avs-stack state-proofs"),
                keccak256("1"),
                block.chainid,
                address(sm)
            )
        );
        assertEq(sm.domainSeparator(), domainSeparator);
        assertEq(
            sm.attestationDigest(a),
            keccak256(abi.encodePacked("\x19\x01", domainSeparator, StateAttestationLib.hash(a)))
        );
    }

    function test_attestationDigest_bindsChainAndContract() public {
        StateProofsServiceManager sm = _deployAtVectorDomain();
        StateAttestation memory a = _attestation(".cases[0].attestation");
        bytes32 digest = sm.attestationDigest(a);
        vm.chainId(block.chainid + 1);
        assertTrue(sm.attestationDigest(a) != digest);
    }

    function testFuzz_taskId_ignoresAnswerAndEpoch(StateAttestation memory a, uint256 value, bool exists, uint32 epoch)
        public
        pure
    {
        bytes32 id = StateAttestationLib.taskId(a);
        bytes32 h = StateAttestationLib.hash(a);
        StateAttestation memory b = a;
        b.value = value;
        b.exists = exists;
        b.epoch = epoch;
        assertEq(StateAttestationLib.taskId(b), id);
        if (value != a.value || exists != a.exists || epoch != a.epoch) assertTrue(StateAttestationLib.hash(b) != h);
    }

    function testFuzz_taskId_isPackedWithExactWidths(StateAttestation memory a) public pure {
        bytes memory packed = abi.encodePacked(a.user, a.chainId, a.blockNumber, a.timestamp, a.key);
        assertEq(packed.length, 20 + 32 + 8 + 6 + 32);
        assertEq(StateAttestationLib.taskId(a), keccak256(packed));
    }
}
