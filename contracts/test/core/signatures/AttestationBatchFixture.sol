// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ReplicationFixture} from "../replication/ReplicationFixture.sol";
import {AttestationBatchTree} from "./AttestationBatchTree.sol";
import {StakeRegistryVerifier} from "../../../src/core/signatures/StakeRegistryVerifier.sol";
import {StateAttestation} from "../../../src/services/state-proofs/StateAttestationLib.sol";

/// @notice Batched proofs on both kinds of registry: RegistryFixture's main ECDSAStakeRegistry with three operators
///         (all three carry the threshold) and its replica, a LightStakeRegistry that received epoch 1's
///         set; the clock at epoch 1. Every check is run on both registries, which share the verifier.
abstract contract AttestationBatchFixture is ReplicationFixture {
    Op[] internal _signers;

    function setUp() public virtual override {
        super.setUp();
        Op[] memory ops = _registerOperators(3);
        for (uint256 i; i < ops.length; ++i) {
            _signers.push(ops[i]);
        }
        _warpToGrace(0);
        _sync();
        _warpToEpoch(1);
    }

    function _three() internal view returns (Op[] memory ops) {
        ops = new Op[](3);
        for (uint256 i; i < 3; ++i) {
            ops[i] = _signers[i];
        }
    }

    /// @dev The first operator of the sorted signers (the first one a failing signature check names).
    function _firstSigner() internal view returns (address) {
        return _sorted(_three())[0].addr;
    }

    /// @dev `n` distinct attestation digests of epoch 1 (keys 1..n).
    function _digests(uint256 n) internal view returns (bytes32[] memory digests) {
        digests = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            digests[i] = _digestOfKey(i + 1);
        }
    }

    function _digestOfKey(uint256 key) internal view returns (bytes32) {
        StateAttestation memory a = _attestation(1);
        a.key = key;
        return serviceManager.attestationDigest(a);
    }

    /// @dev The three signers' batched sigData for the batch `digests`, carrying the proof of `digests[i]`.
    function _signedBatch(bytes32[] memory digests, uint256 i) internal view returns (bytes memory) {
        bytes32[] memory tree = AttestationBatchTree.build(digests);
        return _batchSigData(_three(), tree[0], 1, AttestationBatchTree.proof(tree, digests[i]));
    }

    function _assertValidOnBoth(bytes32 digest, bytes memory sigData) internal view {
        assertEq(registry.isValidSignature(digest, sigData), MAGIC, "main registry");
        assertEq(light.isValidSignature(digest, sigData), MAGIC, "light registry");
    }

    /// @dev 0xffffffff from isValidSignature, and checkSignatures reverting with `reason`, on both registries.
    function _expectInvalid(bytes32 digest, bytes memory sigData, bytes memory reason) internal {
        assertEq(registry.isValidSignature(digest, sigData), INVALID, "main registry");
        assertEq(light.isValidSignature(digest, sigData), INVALID, "light registry");
        vm.expectRevert(reason);
        registry.checkSignatures(digest, sigData);
        vm.expectRevert(reason);
        light.checkSignatures(digest, sigData);
    }

    function _expectBadSignature(bytes32 digest, bytes memory sigData) internal {
        _expectInvalid(
            digest, sigData, abi.encodeWithSelector(StakeRegistryVerifier.InvalidSignature.selector, _firstSigner())
        );
    }

    function _expectMalformed(bytes32 digest, bytes memory sigData) internal {
        _expectInvalid(digest, sigData, abi.encodeWithSelector(StakeRegistryVerifier.MalformedSigData.selector));
    }

    function _word(bytes memory data, uint256 index) internal pure returns (uint256 w) {
        assembly {
            w := mload(add(add(data, 0x20), shl(5, index)))
        }
    }

    function _setWord(bytes memory data, uint256 index, uint256 value) internal pure {
        assembly {
            mstore(add(add(data, 0x20), shl(5, index)), value)
        }
    }
}
