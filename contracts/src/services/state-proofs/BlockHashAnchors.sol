// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Blockhash} from "@openzeppelin/contracts/utils/Blockhash.sol";
import {BlockHeaderLib} from "./BlockHeaderLib.sol";

/// @title BlockHashAnchors
/// @notice Trusted hashes of this chain's past blocks, so that a block header can be checked for any past block:
///         - the last 256 blocks from BLOCKHASH, the last 8191 from the EIP-2935 history contract where the chain
///           has it (OpenZeppelin's Blockhash; without it, only 256 blocks), and
///         - any older block once someone has anchored its hash with {anchorBlockHash}, by walking parent hashes
///           back from a block whose hash is known, in as many transactions as needed.
/// @dev Anchored hashes are derived only from known hashes through parent links, so they are as trustworthy as
///      BLOCKHASH itself; nobody can write one directly.
abstract contract BlockHashAnchors {
    /// @dev Block number => hash anchored by {anchorBlockHash}.
    mapping(uint256 blockNumber => bytes32) private _anchored;

    /// @notice No trusted hash is known for block `blockNumber`: anchor it first ({anchorBlockHash}).
    error UnknownBlockHash(uint256 blockNumber);
    /// @notice keccak256 of the header for block `blockNumber` is not that block's hash.
    error HeaderHashMismatch(uint256 blockNumber, bytes32 headerHash, bytes32 blockHash);
    /// @notice headers[`index`] is not the parent of headers[`index` - 1].
    error NotParentHeader(uint256 index);
    /// @notice {anchorBlockHash} needs at least one header.
    error NoHeaders();

    /// @notice The hash of block `blockNumber` is now trusted (walked back from a known block).
    event BlockHashAnchored(uint256 indexed blockNumber, bytes32 blockHash);

    /// @notice Anchors the hash of an old block: `headers[0]` is the header of a block whose hash is known
    ///         ({blockHashOf} is not zero), and each next header is the parent of the one before. The hash of the last
    ///         header is stored. Anyone may call; to reach a block N blocks older, call it repeatedly with batches
    ///         (about 27,000 gas of execution per header plus its ~700 bytes of calldata, some 40,000 in all: about
    ///         700 headers fit in a 30M-gas block), each batch starting at the previous batch's last block.
    /// @param headers RLP-encoded headers, newest first, consecutive.
    /// @return blockNumber The block whose hash was anchored.
    function anchorBlockHash(bytes[] calldata headers) external returns (uint256 blockNumber) {
        uint256 n = headers.length;
        if (n == 0) revert NoHeaders();
        BlockHeaderLib.Header memory h = _verifiedHeader(headers[0]);
        for (uint256 i = 1; i < n; ++i) {
            bytes32 hash = keccak256(headers[i]);
            if (hash != h.parentHash) revert NotParentHeader(i);
            BlockHeaderLib.Header memory parent = BlockHeaderLib.decode(headers[i]);
            if (parent.number + 1 != h.number) revert NotParentHeader(i);
            h = parent;
        }
        blockNumber = h.number;
        bytes32 anchored = keccak256(headers[n - 1]);
        _anchored[blockNumber] = anchored;
        emit BlockHashAnchored(blockNumber, anchored);
    }

    /// @notice The trusted hash of this chain's block `blockNumber`: BLOCKHASH or EIP-2935 history when available,
    ///         else an anchored hash, else zero (also for the current and future blocks).
    function blockHashOf(uint256 blockNumber) public view returns (bytes32 hash) {
        hash = Blockhash.blockHash(blockNumber);
        if (hash == bytes32(0)) hash = _anchored[blockNumber];
    }

    /// @dev Decodes `header` and checks that its hash is the trusted hash of the block it names.
    function _verifiedHeader(bytes calldata header) internal view returns (BlockHeaderLib.Header memory h) {
        h = BlockHeaderLib.decode(header);
        bytes32 trusted = blockHashOf(h.number);
        if (trusted == bytes32(0)) revert UnknownBlockHash(h.number);
        bytes32 hash = keccak256(header);
        if (hash != trusted) revert HeaderHashMismatch(h.number, hash, trusted);
    }
}
