// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AttestationBatch} from "../../../src/core/signatures/AttestationBatch.sol";

/// @notice Test helper: the OpenZeppelin StandardMerkleTree of `bytes32` digests (what `StandardMerkleTree.of(
///         digests.map((d) => [d]), ["bytes32"])` builds in TypeScript): leaves sorted ascending, laid out as a complete
///         binary tree in one array (root at 0, children of i at 2i + 1 and 2i + 2, leaf k at length - 1 - k), inner
///         nodes the keccak256 of the sorted pair.
library AttestationBatchTree {
    /// @notice The tree of `digests` (2n - 1 nodes; n >= 1).
    function build(bytes32[] memory digests) internal pure returns (bytes32[] memory tree) {
        uint256 n = digests.length;
        bytes32[] memory leaves = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            leaves[i] = AttestationBatch.leaf(digests[i]);
        }
        for (uint256 i = 1; i < n; ++i) {
            for (uint256 j = i; j > 0 && leaves[j - 1] > leaves[j]; --j) {
                (leaves[j - 1], leaves[j]) = (leaves[j], leaves[j - 1]);
            }
        }
        tree = new bytes32[](2 * n - 1);
        for (uint256 k; k < n; ++k) {
            tree[tree.length - 1 - k] = leaves[k];
        }
        for (uint256 i = n - 1; i > 0; --i) {
            tree[i - 1] = hashPair(tree[2 * i - 1], tree[2 * i]);
        }
    }

    /// @notice The root of the tree of `digests`.
    function root(bytes32[] memory digests) internal pure returns (bytes32) {
        return build(digests)[0];
    }

    /// @notice The Merkle path of `digest` in `tree` (siblings from the leaf up). Reverts when it is not a leaf.
    function proof(bytes32[] memory tree, bytes32 digest) internal pure returns (bytes32[] memory path) {
        uint256 j = indexOf(tree, AttestationBatch.leaf(digest));
        uint256 depth;
        for (uint256 k = j; k > 0; k = (k - 1) / 2) {
            ++depth;
        }
        path = new bytes32[](depth);
        for (uint256 d; j > 0; ++d) {
            path[d] = tree[j % 2 == 1 ? j + 1 : j - 1];
            j = (j - 1) / 2;
        }
    }

    /// @notice Where `node` is among the leaves of `tree` (the last (length + 1) / 2 entries).
    function indexOf(bytes32[] memory tree, bytes32 node) internal pure returns (uint256) {
        for (uint256 i = tree.length / 2; i < tree.length; ++i) {
            if (tree[i] == node) return i;
        }
        revert("not a leaf of the tree");
    }

    /// @notice keccak256 of the sorted pair (OpenZeppelin Hashes.commutativeKeccak256).
    function hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encode(a, b)) : keccak256(abi.encode(b, a));
    }
}
