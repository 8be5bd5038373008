// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AttestationBatchFixture} from "./AttestationBatchFixture.sol";
import {AttestationBatchTree} from "./AttestationBatchTree.sol";
import {AttestationBatch} from "../../../src/core/signatures/AttestationBatch.sol";

/// @notice The batched form against an attacker holding a real batch signature of the quorum: no digest outside the
///         signed tree, no path that does not lead to the signed root, no mix of the two forms passes; every such
///         sigData gives 0xffffffff (never a revert) on the main registry and its replica, and checkSignatures names the
///         reason. Sigdata layout (batched, three signers): words 0 tag, 1 operators' offset, 2 signatures' offset,
///         3 epoch, 4 proof's offset, 5 operator count, 6-8 operators, 9 signature count, 10-12 their offsets,
///         13-24 the signatures (length word + 3 words each), 25 proof length, 26.. the proof.
contract AttestationBatchAttacksTest is AttestationBatchFixture {
    uint256 internal constant PROOF_LENGTH_WORD = 25;

    // ---------------------------------------------------------------------------------------------------------------
    // a path that does not lead to the signed root
    // ---------------------------------------------------------------------------------------------------------------

    function test_batched_rejectsDigestNotInTheSignedTree() public {
        bytes memory sigData = _signedBatch(_digests(8), 3);
        _expectBadSignature(_digestOfKey(100), sigData);
    }

    function test_batched_rejectsProofOfAnotherDigest() public {
        bytes32[] memory batch = _digests(8);
        bytes memory sigData = _signedBatch(batch, 3);
        _expectBadSignature(batch[2], sigData);
    }

    /// @dev An inner node with its path to the root: it would pass if leaves were hashed once like inner nodes.
    function test_batched_rejectsInnerNodePassedAsLeaf() public {
        bytes32[] memory tree = AttestationBatchTree.build(_digests(8));
        bytes32[] memory path = new bytes32[](1);
        path[0] = tree[2];
        bytes memory sigData = _batchSigData(_three(), tree[0], 1, path);
        assertEq(AttestationBatchTree.hashPair(tree[1], tree[2]), tree[0], "tree[1] is the root's child");
        _expectBadSignature(tree[1], sigData);
    }

    /// @dev A leaf hash passed as the digest, with the leaf's own path: the leaf is hashed again.
    function test_batched_rejectsLeafHashPassedAsDigest() public {
        bytes32[] memory batch = _digests(8);
        bytes32[] memory tree = AttestationBatchTree.build(batch);
        bytes memory sigData = _batchSigData(_three(), tree[0], 1, AttestationBatchTree.proof(tree, batch[5]));
        _expectBadSignature(AttestationBatch.leaf(batch[5]), sigData);
    }

    function test_batched_rejectsGarbageProof() public {
        bytes32[] memory batch = _digests(8);
        bytes memory sigData = _signedBatch(batch, 4);
        for (uint256 i; i < 3; ++i) {
            _setWord(sigData, PROOF_LENGTH_WORD + 1 + i, uint256(keccak256(abi.encode("garbage", i))));
        }
        _expectBadSignature(batch[4], sigData);
    }

    function test_batched_rejectsPathOneLevelShort() public {
        bytes32[] memory batch = _digests(8);
        bytes32[] memory tree = AttestationBatchTree.build(batch);
        bytes32[] memory path = AttestationBatchTree.proof(tree, batch[1]);
        assertEq(path.length, 3);
        assembly {
            mstore(path, 2)
        }
        _expectBadSignature(batch[1], _batchSigData(_three(), tree[0], 1, path));
    }

    function test_batched_rejectsPathOneLevelLong() public {
        bytes32[] memory batch = _digests(8);
        bytes32[] memory tree = AttestationBatchTree.build(batch);
        bytes32[] memory path = AttestationBatchTree.proof(tree, batch[1]);
        bytes32[] memory longer = new bytes32[](4);
        for (uint256 i; i < 3; ++i) {
            longer[i] = path[i];
        }
        longer[3] = tree[0];
        _expectBadSignature(batch[1], _batchSigData(_three(), tree[0], 1, longer));
    }

    /// @dev A one-digest batch signs leaf(digest) as its root: the empty path is its only path.
    function test_batched_rejectsEmptyPathForLargerBatch() public {
        bytes32[] memory batch = _digests(8);
        bytes32 root = AttestationBatchTree.root(batch);
        _expectBadSignature(batch[0], _batchSigData(_three(), root, 1, new bytes32[](0)));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // the two forms mixed
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev Signatures over the digest itself (single form) carried in a batched sigData.
    function test_batched_rejectsSingleFormSignatures() public {
        bytes32 digest = _digestOfKey(1);
        (address[] memory operators, bytes[] memory signatures,) =
            abi.decode(_sigData(_three(), digest, 1), (address[], bytes[], uint32));
        bytes memory sigData =
            abi.encode(AttestationBatch.BATCH_SIGDATA_TAG, operators, signatures, uint32(1), new bytes32[](0));
        _expectBadSignature(digest, sigData);
    }

    /// @dev Batch signatures (of the one-digest batch of `digest`) carried in a single-form sigData.
    function test_single_rejectsBatchSignatures() public {
        bytes32 digest = _digestOfKey(1);
        bytes memory batched = _batchSigData(_three(), AttestationBatch.leaf(digest), 1, new bytes32[](0));
        assertEq(registry.isValidSignature(digest, batched), MAGIC, "valid as a batch");
        (, address[] memory operators, bytes[] memory signatures,,) =
            abi.decode(batched, (bytes32, address[], bytes[], uint32, bytes32[]));
        _expectBadSignature(digest, abi.encode(operators, signatures, uint32(1)));
    }

    /// @dev A single-form sigData whose first word is the tag is read as batched: its words do not fit that layout.
    function test_single_rejectsFirstWordEqualToTag() public {
        bytes32 digest = _digestOfKey(1);
        bytes memory sigData = _sigData(_three(), digest, 1);
        _setWord(sigData, 0, uint256(AttestationBatch.BATCH_SIGDATA_TAG));
        _expectMalformed(digest, sigData);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // malformed batched sigData
    // ---------------------------------------------------------------------------------------------------------------

    function test_batched_rejectsTruncatedProof() public {
        bytes32[] memory batch = _digests(8);
        bytes memory sigData = _signedBatch(batch, 0);
        assembly {
            mstore(sigData, sub(mload(sigData), 32)) // drops the proof's last element
        }
        _expectMalformed(batch[0], sigData);
    }

    function test_batched_rejectsProofLengthBeyondSigData() public {
        bytes32[] memory batch = _digests(8);
        bytes memory sigData = _signedBatch(batch, 0);
        _setWord(sigData, PROOF_LENGTH_WORD, 1 << 250);
        _expectMalformed(batch[0], sigData);
    }

    function test_batched_rejectsProofOffsetOutOfBounds() public {
        bytes32[] memory batch = _digests(8);
        bytes memory sigData = _signedBatch(batch, 0);
        _setWord(sigData, 4, sigData.length);
        _expectMalformed(batch[0], sigData);
    }

    function test_batched_rejectsOperatorsOffsetOutOfBounds() public {
        bytes32[] memory batch = _digests(8);
        bytes memory sigData = _signedBatch(batch, 0);
        _setWord(sigData, 1, type(uint256).max - 31);
        _expectMalformed(batch[0], sigData);
    }

    function test_batched_rejectsReferenceEpochAboveUint32() public {
        bytes32[] memory batch = _digests(8);
        bytes memory sigData = _signedBatch(batch, 0);
        _setWord(sigData, 3, uint256(type(uint32).max) + 2);
        _expectMalformed(batch[0], sigData);
    }

    /// @dev The tag and three head words: the proof's offset is missing.
    function test_batched_rejectsShortHead() public {
        bytes memory sigData =
            abi.encodePacked(AttestationBatch.BATCH_SIGDATA_TAG, uint256(0x60), uint256(0x60), uint256(1));
        _expectMalformed(_digestOfKey(1), sigData);
    }

    function test_batched_rejectsTagAlone() public {
        _expectMalformed(_digestOfKey(1), abi.encodePacked(AttestationBatch.BATCH_SIGDATA_TAG));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // fuzz: never a revert
    // ---------------------------------------------------------------------------------------------------------------

    function testFuzz_batched_neverRevertsOnArbitraryBytesAfterTheTag(bytes32 digest, bytes calldata junk) public view {
        bytes memory sigData = abi.encodePacked(AttestationBatch.BATCH_SIGDATA_TAG, junk);
        assertEq(registry.isValidSignature(digest, sigData), INVALID);
        assertEq(light.isValidSignature(digest, sigData), INVALID);
    }

    /// @dev Any byte flipped in a valid batched proof: never a revert; invalid whenever it is in the head, the
    ///      operators or the proof (the signatures' padding may change freely).
    function testFuzz_batched_neverRevertsOnMutatedProof(uint256 position, uint8 xor) public view {
        bytes32[] memory batch = _digests(8);
        bytes memory sigData = _signedBatch(batch, 6);
        position = bound(position, 0, sigData.length - 1);
        sigData[position] = bytes1(uint8(sigData[position]) ^ xor);
        bytes4 onMain = registry.isValidSignature(batch[6], sigData);
        assertEq(light.isValidSignature(batch[6], sigData), onMain, "same answer on both");
        assertTrue(onMain == MAGIC || onMain == INVALID);
        bool fixedBytes = position < 9 * 32 || position >= PROOF_LENGTH_WORD * 32;
        if (xor != 0 && fixedBytes) assertEq(onMain, INVALID);
    }

    /// @dev Any path other than the real one fails, whatever its length and siblings.
    function testFuzz_batched_rejectsAnyOtherPath(bytes32[] memory path) public view {
        bytes32[] memory batch = _digests(8);
        bytes32[] memory tree = AttestationBatchTree.build(batch);
        bytes32[] memory real = AttestationBatchTree.proof(tree, batch[6]);
        vm.assume(keccak256(abi.encode(path)) != keccak256(abi.encode(real)));
        bytes memory sigData = _batchSigData(_three(), tree[0], 1, path);
        assertEq(registry.isValidSignature(batch[6], sigData), INVALID);
        assertEq(light.isValidSignature(batch[6], sigData), INVALID);
    }

    /// @dev Any digest outside the batch fails with any member's path.
    function testFuzz_batched_rejectsDigestOutsideTheBatch(bytes32 digest, uint8 member) public view {
        bytes32[] memory batch = _digests(8);
        uint256 i = member % 8;
        vm.assume(digest != batch[i]);
        bytes memory sigData = _signedBatch(batch, i);
        assertEq(registry.isValidSignature(digest, sigData), INVALID);
        assertEq(light.isValidSignature(digest, sigData), INVALID);
    }
}
