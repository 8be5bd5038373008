// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AttestationBatch} from "./AttestationBatch.sol";

/// @title SigDataLayout
/// @notice Where the parts of a stake registry's sigData sit, in either of its two forms:
///         - single: `abi.encode(address[] operators, S signatures, uint32 referenceEpoch)`, signatures over the digest;
///         - batched: `abi.encode(bytes32 BATCH_SIGDATA_TAG, address[] operators, S signatures, uint32 referenceEpoch,
///           bytes32[] proof)`, signatures over AttestationBatch.batchDigest of the root `proof` leads to from the
///           digest's leaf.
///         S is the key scheme's signature type (ECDSAKeyScheme: bytes[]). The first word tells the forms apart: the
///         single form's is the offset of `operators`, which is below the length of sigData and never the tag.
/// @dev {decode} reads the head in place from calldata with explicit bounds checks and never reverts: every part's
///      first word, and every word of the operators' and the proof's heads, must lie inside sigData. Non-canonical
///      encodings that point inside the bounds are accepted (validity depends only on the decoded values). The key
///      scheme reads its signatures from `section` on.
library SigDataLayout {
    /// @notice The decoded head of a sigData (absolute calldata offsets).
    /// @param opsPtr Where operators[0] is.
    /// @param count operators.length.
    /// @param section Where the signatures' first word is (checked to lie inside sigData; the rest is the scheme's).
    /// @param signatures Left 0 here: for the verifier to keep what its key scheme made of the signatures.
    /// @param end Just past sigData.
    /// @param referenceEpoch The reference epoch.
    /// @param batched Whether sigData has the batched form.
    /// @param proofPtr Where proof[0] is (batched form).
    /// @param proofLength proof.length (batched form; 0 otherwise).
    struct Head {
        uint256 opsPtr;
        uint256 count;
        uint256 section;
        uint256 signatures;
        uint256 end;
        uint32 referenceEpoch;
        bool batched;
        uint256 proofPtr;
        uint256 proofLength;
    }

    /// @notice Whether `sigData` has the batched form (its first word is the tag).
    function isBatched(bytes calldata sigData) internal pure returns (bool batched) {
        bytes32 tag = AttestationBatch.BATCH_SIGDATA_TAG;
        assembly ("memory-safe") {
            batched := and(iszero(lt(sigData.length, 0x20)), eq(calldataload(sigData.offset), tag))
        }
    }

    /// @notice Reads the head of `sigData` (either form) without reverting.
    /// @return wellFormed Whether every part lies inside sigData and the epoch is a clean uint32.
    /// @return head The parts (meaningless when not well-formed).
    function decode(bytes calldata sigData) internal pure returns (bool wellFormed, Head memory head) {
        bool batched = isBatched(sigData);
        head.batched = batched;
        // Fields are written in place (Head's order: opsPtr, count, section, signatures, end, referenceEpoch, batched,
        // proofPtr, proofLength; one word each), which keeps the stack small.
        assembly ("memory-safe") {
            let base := sigData.offset
            let len := sigData.length
            mstore(add(head, 0x80), add(base, len))
            // The batched head is the single one after the tag, with the proof's offset at its end.
            let at := add(base, shl(5, batched))
            wellFormed := iszero(lt(len, add(0x60, shl(6, batched))))
            if wellFormed {
                let opsRel := calldataload(at)
                let sigsRel := calldataload(add(at, 0x20))
                let ref := calldataload(add(at, 0x40))
                let proofRel := mul(calldataload(add(at, 0x60)), batched)
                let maxRel := sub(len, 0x20)
                // Each part needs its first word inside sigData; the epoch must be a clean uint32.
                wellFormed := iszero(
                    or(or(gt(ref, 0xffffffff), gt(proofRel, maxRel)), or(gt(opsRel, maxRel), gt(sigsRel, maxRel)))
                )
                if wellFormed {
                    let count := calldataload(add(base, opsRel))
                    mstore(head, add(add(base, opsRel), 0x20))
                    mstore(add(head, 0x20), count)
                    mstore(add(head, 0x40), add(base, sigsRel))
                    mstore(add(head, 0xa0), ref)
                    // Every word of the operators' (and the proof's) head must lie inside sigData.
                    wellFormed := iszero(gt(count, shr(5, sub(maxRel, opsRel))))
                    if batched {
                        let proofLength := calldataload(add(base, proofRel))
                        mstore(add(head, 0xe0), add(add(base, proofRel), 0x20))
                        mstore(add(head, 0x100), proofLength)
                        wellFormed := and(wellFormed, iszero(gt(proofLength, shr(5, sub(maxRel, proofRel)))))
                    }
                }
            }
        }
    }

    /// @notice The hash the operators signed: `digest` itself (single form), or AttestationBatch.batchDigest of the
    ///         root `head`'s proof leads to from `digest`'s leaf (batched form). `head` must be well-formed.
    function signedHash(Head memory head, bytes32 digest) internal pure returns (bytes32) {
        if (!head.batched) return digest;
        bytes32[] calldata proof;
        uint256 proofPtr = head.proofPtr;
        uint256 proofLength = head.proofLength;
        assembly ("memory-safe") {
            proof.offset := proofPtr
            proof.length := proofLength
        }
        return AttestationBatch.batchDigest(AttestationBatch.root(digest, proof));
    }

    /// @notice The operators and reference epoch of a sigData (either form) that a stake registry accepted. Reverts on
    ///         one it could not have (abi.decode's checks).
    function operatorsAndEpoch(bytes calldata sigData)
        internal
        pure
        returns (address[] memory operators, uint32 referenceEpoch)
    {
        // The signatures' and the proof's offsets are read as plain words: only the operators and the epoch are needed.
        if (isBatched(sigData)) {
            (, operators,, referenceEpoch,) = abi.decode(sigData, (bytes32, address[], uint256, uint32, uint256));
        } else {
            (operators,, referenceEpoch) = abi.decode(sigData, (address[], uint256, uint32));
        }
    }
}
