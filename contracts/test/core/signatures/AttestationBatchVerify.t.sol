// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AttestationBatchFixture} from "./AttestationBatchFixture.sol";
import {AttestationBatchTree} from "./AttestationBatchTree.sol";
import {AttestationBatch} from "../../../src/core/signatures/AttestationBatch.sol";
import {StakeRegistryVerifier} from "../../../src/core/signatures/StakeRegistryVerifier.sol";

/// @notice Valid batched proofs (1, 2 and 64 digests) verify on the main registry and its replica with the weights of
///         the single form; the single form's rules hold in the batched one, each failure named by checkSignatures;
///         isValidOperatorBatchSignature for disputes.
contract AttestationBatchVerifyTest is AttestationBatchFixture {
    // ---------------------------------------------------------------------------------------------------------------
    // valid batches
    // ---------------------------------------------------------------------------------------------------------------

    function test_batched_oneDigestBatchWithEmptyProofVerifies() public view {
        bytes32[] memory batch = _digests(1);
        bytes memory sigData = _signedBatch(batch, 0);
        (,,,, bytes32[] memory proof) = abi.decode(sigData, (bytes32, address[], bytes[], uint32, bytes32[]));
        assertEq(proof.length, 0);
        assertEq(AttestationBatchTree.root(batch), AttestationBatch.leaf(batch[0]), "root = leaf");
        _assertValidOnBoth(batch[0], sigData);
    }

    function test_batched_twoDigestBatchVerifiesEachDigest() public view {
        bytes32[] memory batch = _digests(2);
        for (uint256 i; i < 2; ++i) {
            _assertValidOnBoth(batch[i], _signedBatch(batch, i));
        }
    }

    function test_batched_sixtyFourDigestBatchVerifiesEveryDigest() public view {
        bytes32[] memory batch = _digests(64);
        bytes32[] memory tree = AttestationBatchTree.build(batch);
        // One signature per operator for the whole batch.
        bytes memory first = _batchSigData(_three(), tree[0], 1, AttestationBatchTree.proof(tree, batch[0]));
        (, address[] memory operators, bytes[] memory signatures,,) =
            abi.decode(first, (bytes32, address[], bytes[], uint32, bytes32[]));
        for (uint256 i; i < 64; ++i) {
            bytes32[] memory proof = AttestationBatchTree.proof(tree, batch[i]);
            assertEq(proof.length, 6);
            bytes memory sigData =
                abi.encode(AttestationBatch.BATCH_SIGDATA_TAG, operators, signatures, uint32(1), proof);
            _assertValidOnBoth(batch[i], sigData);
        }
    }

    /// @dev An uneven batch (OpenZeppelin's tree is complete, not perfect: leaves at two depths).
    function test_batched_unevenBatchVerifiesEveryDigest() public view {
        bytes32[] memory batch = _digests(5);
        for (uint256 i; i < 5; ++i) {
            _assertValidOnBoth(batch[i], _signedBatch(batch, i));
        }
    }

    function test_batched_checkSignaturesReturnsTheSingleFormWeights() public view {
        bytes32[] memory batch = _digests(4);
        bytes memory batched = _signedBatch(batch, 2);
        bytes memory single = _sigData(_three(), batch[2], 1);
        (uint256 signed, uint256 threshold) = registry.checkSignatures(batch[2], batched);
        (uint256 signedSingle, uint256 thresholdSingle) = registry.checkSignatures(batch[2], single);
        assertEq(signed, signedSingle);
        assertEq(threshold, thresholdSingle);
        assertEq(signed, 3 * STAKE);
        (signed, threshold) = light.checkSignatures(batch[2], batched);
        assertEq(signed, signedSingle);
        assertEq(threshold, thresholdSingle);
        (signed,) = registry.checkSignaturesAtCheckpoints(batch[2], batched);
        assertEq(signed, 3 * STAKE);
        assertEq(registry.isValidSignatureAtCheckpoints(batch[2], batched), MAGIC);
    }

    /// @dev The batch digest binds no chain: the same batch signature verifies on every chain its digests verify on.
    function test_batchDigest_isTheSameOnEveryChain() public {
        bytes32 root = AttestationBatchTree.root(_digests(4));
        bytes32 here = registry.batchDigest(root);
        vm.chainId(999_999);
        assertEq(registry.batchDigest(root), here);
        assertEq(light.batchDigest(root), here);
    }

    function test_views_exposeTheLibraryConstants() public view {
        assertEq(registry.BATCH_SIGDATA_TAG(), AttestationBatch.BATCH_SIGDATA_TAG);
        assertEq(light.BATCH_SIGDATA_TAG(), AttestationBatch.BATCH_SIGDATA_TAG);
        bytes32 root = keccak256("root");
        assertEq(registry.batchDigest(root), AttestationBatch.batchDigest(root));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // the single form's rules, batched: each failure named
    // ---------------------------------------------------------------------------------------------------------------

    function test_batched_rejectsInsufficientWeight() public {
        bytes32[] memory batch = _digests(4);
        bytes32[] memory tree = AttestationBatchTree.build(batch);
        Op[] memory two = new Op[](2);
        (two[0], two[1]) = (_signers[0], _signers[1]);
        bytes memory sigData = _batchSigData(two, tree[0], 1, AttestationBatchTree.proof(tree, batch[0]));
        uint256 threshold = (3 * STAKE * THRESHOLD_BPS + 9999) / 10_000;
        _expectInvalid(
            batch[0],
            sigData,
            abi.encodeWithSelector(StakeRegistryVerifier.InsufficientSignedWeight.selector, 2 * STAKE, threshold)
        );
    }

    function test_batched_rejectsUnknownSigner() public {
        Op memory stranger = _newOperator(40, STAKE); // not registered with the AVS
        Op[] memory four = new Op[](4);
        for (uint256 i; i < 3; ++i) {
            four[i] = _signers[i];
        }
        four[3] = stranger;
        bytes32[] memory batch = _digests(4);
        bytes32[] memory tree = AttestationBatchTree.build(batch);
        bytes memory sigData = _batchSigData(four, tree[0], 1, AttestationBatchTree.proof(tree, batch[0]));
        _expectInvalid(
            batch[0], sigData, abi.encodeWithSelector(StakeRegistryVerifier.NotRegistered.selector, stranger.addr)
        );
    }

    function test_batched_rejectsSignersNotAscending() public {
        bytes32[] memory batch = _digests(4);
        bytes memory sigData = _signedBatch(batch, 0);
        (, address[] memory operators, bytes[] memory signatures, uint32 epoch, bytes32[] memory proof) =
            abi.decode(sigData, (bytes32, address[], bytes[], uint32, bytes32[]));
        (operators[0], operators[1]) = (operators[1], operators[0]);
        (signatures[0], signatures[1]) = (signatures[1], signatures[0]);
        _expectInvalid(
            batch[0],
            abi.encode(AttestationBatch.BATCH_SIGDATA_TAG, operators, signatures, epoch, proof),
            abi.encodeWithSelector(StakeRegistryVerifier.SignersNotAscending.selector)
        );
    }

    function test_batched_rejectsLengthMismatch() public {
        bytes32[] memory batch = _digests(4);
        (, address[] memory operators, bytes[] memory signatures, uint32 epoch, bytes32[] memory proof) =
            abi.decode(_signedBatch(batch, 0), (bytes32, address[], bytes[], uint32, bytes32[]));
        bytes[] memory fewer = new bytes[](2);
        (fewer[0], fewer[1]) = (signatures[0], signatures[1]);
        _expectInvalid(
            batch[0],
            abi.encode(AttestationBatch.BATCH_SIGDATA_TAG, operators, fewer, epoch, proof),
            abi.encodeWithSelector(StakeRegistryVerifier.LengthMismatch.selector, 3, 2)
        );
    }

    function test_batched_rejectsFutureReferenceEpoch() public {
        bytes32[] memory batch = _digests(4);
        bytes32[] memory tree = AttestationBatchTree.build(batch);
        bytes memory sigData = _batchSigData(_three(), tree[0], 2, AttestationBatchTree.proof(tree, batch[0]));
        _expectInvalid(
            batch[0],
            sigData,
            abi.encodeWithSelector(StakeRegistryVerifier.ReferenceEpochInFuture.selector, uint32(2), uint32(1))
        );
    }

    function test_batched_rejectsProofOlderThanMaxAge() public {
        bytes32[] memory batch = _digests(4);
        bytes memory sigData = _signedBatch(batch, 0);
        _warpToEpoch(2 + MAX_AGE);
        _expectInvalid(
            batch[0],
            sigData,
            abi.encodeWithSelector(StakeRegistryVerifier.ProofTooOld.selector, uint32(1), uint32(2 + MAX_AGE), MAX_AGE)
        );
    }

    /// @dev Epoch 0: nothing registered on the main registry, nothing received on the replica.
    function test_batched_rejectsEpochWithZeroThreshold() public {
        bytes32[] memory batch = _digests(4);
        bytes32[] memory tree = AttestationBatchTree.build(batch);
        bytes memory sigData = _batchSigData(_three(), tree[0], 0, AttestationBatchTree.proof(tree, batch[0]));
        _expectInvalid(
            batch[0], sigData, abi.encodeWithSelector(StakeRegistryVerifier.ZeroThreshold.selector, uint32(0))
        );
    }

    // ---------------------------------------------------------------------------------------------------------------
    // isValidOperatorBatchSignature
    // ---------------------------------------------------------------------------------------------------------------

    function _operatorBatchSignature(uint256 i, bytes32[] memory batch)
        internal
        view
        returns (bytes memory signature, bytes32[] memory tree)
    {
        tree = AttestationBatchTree.build(batch);
        signature = _sign(_signers[i].signingPk, AttestationBatch.batchDigest(tree[0]));
    }

    function test_isValidOperatorBatchSignature_acceptsSignerOfTheBatch() public view {
        bytes32[] memory batch = _digests(16);
        (bytes memory signature, bytes32[] memory tree) = _operatorBatchSignature(0, batch);
        bytes32[] memory proof = AttestationBatchTree.proof(tree, batch[9]);
        assertTrue(registry.isValidOperatorBatchSignature(_signers[0].addr, batch[9], signature, 1, proof));
        assertTrue(light.isValidOperatorBatchSignature(_signers[0].addr, batch[9], signature, 1, proof));
    }

    function test_isValidOperatorBatchSignature_refusesPathOfAnotherDigest() public view {
        bytes32[] memory batch = _digests(16);
        (bytes memory signature, bytes32[] memory tree) = _operatorBatchSignature(0, batch);
        bytes32[] memory proof = AttestationBatchTree.proof(tree, batch[8]);
        assertFalse(registry.isValidOperatorBatchSignature(_signers[0].addr, batch[9], signature, 1, proof));
    }

    function test_isValidOperatorBatchSignature_refusesAnotherOperator() public view {
        bytes32[] memory batch = _digests(16);
        (bytes memory signature, bytes32[] memory tree) = _operatorBatchSignature(0, batch);
        bytes32[] memory proof = AttestationBatchTree.proof(tree, batch[9]);
        assertFalse(registry.isValidOperatorBatchSignature(_signers[1].addr, batch[9], signature, 1, proof));
    }

    function test_isValidOperatorBatchSignature_refusesReferenceEpochTooOld() public {
        bytes32[] memory batch = _digests(16);
        (bytes memory signature, bytes32[] memory tree) = _operatorBatchSignature(0, batch);
        bytes32[] memory proof = AttestationBatchTree.proof(tree, batch[9]);
        _warpToEpoch(2 + MAX_AGE);
        assertFalse(registry.isValidOperatorBatchSignature(_signers[0].addr, batch[9], signature, 1, proof));
    }

    /// @dev A signature over the digest itself is the single form's: it is no batch signature, and the reverse.
    function test_operatorSignatureChecks_doNotMixTheForms() public view {
        bytes32[] memory batch = _digests(1);
        bytes memory single = _sign(_signers[0].signingPk, batch[0]);
        (bytes memory ofBatch,) = _operatorBatchSignature(0, batch);
        bytes32[] memory none = new bytes32[](0);
        address op = _signers[0].addr;
        assertTrue(registry.isValidOperatorSignature(op, batch[0], single, 1));
        assertTrue(registry.isValidOperatorBatchSignature(op, batch[0], ofBatch, 1, none));
        assertFalse(registry.isValidOperatorBatchSignature(op, batch[0], single, 1, none));
        assertFalse(registry.isValidOperatorSignature(op, batch[0], ofBatch, 1));
    }
}
