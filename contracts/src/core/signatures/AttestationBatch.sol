// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @title AttestationBatch
/// @notice Batched attestations (decision batch-0001): operators sign one EIP-712 message per batch of digests instead
///         of one signature per digest. The digests are the leaves of an OpenZeppelin StandardMerkleTree of type
///         `bytes32` (leaf = keccak256(bytes.concat(keccak256(abi.encode(digest)))), inner nodes the keccak256 of the
///         sorted pair of children), and each operator signs
///         `batchDigest(root) = keccak256("\x19\x01" ‖ BATCH_DOMAIN_SEPARATOR ‖ keccak256(abi.encode(
///         ATTESTATION_BATCH_TYPEHASH, root)))`. A digest is proven signed by a Merkle path from its leaf to a signed
///         root: sigData = abi.encode(BATCH_SIGDATA_TAG, address[] operators, bytes[] signatures, uint32 referenceEpoch,
///         bytes32[] proof).
/// @dev The domain has no chainId and no verifyingContract on purpose: every leaf is already an EIP-712 digest bound to
///      its own chain and contract, and one batch signature must verify on every chain where its leaves do. The leaf
///      is hashed twice so that no inner node (the hash of 64 bytes) can pass for a leaf (the hash of a 32-byte hash).
///      The constants are written out (a test recomputes them) so that no call pays for hashing them.
library AttestationBatch {
    /// @notice First word of a batched sigData: keccak256("avs-stack.sigdata.batched.v1"). The single form's first word
    ///         is an offset into sigData, far below this value, so the first word tells the two forms apart.
    bytes32 internal constant BATCH_SIGDATA_TAG = 0x7165191f4aa8e32bcf5c41d31ec3665ae6785408db6904d29b76721d9dee1629;

    /// @notice keccak256("AttestationBatch(bytes32 root)").
    bytes32 internal constant ATTESTATION_BATCH_TYPEHASH =
        0x6c2b02a65712523eb9b8b5c4b44d700a91620d6ad81daee863d16c4e0a4bd291;

    /// @notice keccak256(abi.encode(keccak256("EIP712Domain(string name,string version)"),
    ///         keccak256("avs-stack attestation batch"), keccak256("1"))).
    bytes32 internal constant BATCH_DOMAIN_SEPARATOR =
        0xcf571f008f66b250ec12bd11d61e6cce72c00920d699cfacf29fc63a68ec03b9;

    /// @notice The Merkle leaf of `digest`: keccak256(bytes.concat(keccak256(abi.encode(digest)))).
    function leaf(bytes32 digest) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            mstore(0x00, digest)
            mstore(0x00, keccak256(0x00, 0x20))
            h := keccak256(0x00, 0x20)
        }
    }

    /// @notice The root `proof` leads to from `digest`'s leaf (sorted-pair keccak256; an empty proof: the leaf).
    function root(bytes32 digest, bytes32[] calldata proof) internal pure returns (bytes32) {
        return MerkleProof.processProofCalldata(proof, leaf(digest));
    }

    /// @notice The EIP-712 digest operators sign for the batch whose Merkle root is `root_`.
    function batchDigest(bytes32 root_) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            // keccak256(abi.encode(TYPEHASH, root)) in scratch space, then "\x19\x01" ‖ domain ‖ struct hash from
            // the free memory pointer on (read back, not reserved).
            mstore(0x00, ATTESTATION_BATCH_TYPEHASH)
            mstore(0x20, root_)
            let structHash := keccak256(0x00, 0x40)
            let p := mload(0x40)
            mstore(p, hex"1901")
            mstore(add(p, 0x02), BATCH_DOMAIN_SEPARATOR)
            mstore(add(p, 0x22), structHash)
            h := keccak256(p, 0x42)
        }
    }
}
