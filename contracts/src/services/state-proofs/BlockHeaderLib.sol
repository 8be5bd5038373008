// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title BlockHeaderLib
/// @notice Reads the fields the verifiers need (parent hash, number, timestamp) from an RLP-encoded Ethereum block
///         header: the list [parentHash, ommersHash, coinbase, stateRoot, transactionsRoot, receiptsRoot, logsBloom,
///         difficulty, number, gasLimit, gasUsed, timestamp, extraData, mixHash, nonce, ...], whatever fork fields
///         follow (baseFeePerGas, withdrawalsRoot, blobGasUsed, excessBlobGas, parentBeaconBlockRoot, requestsHash).
/// @dev OpenZeppelin Contracts 5.4 has no RLP decoder, hence this one. It is small on purpose: it walks the list's
///      items and decodes only three. Every read is bounds-checked against the item that contains it, and encodings
///      must be canonical, so random input can only revert with {MalformedHeader}, never read past the data. Callers
///      compare keccak256(header) with a trusted block hash, which is what makes the fields true.
library BlockHeaderLib {
    /// @notice The fields read from a header.
    /// @param parentHash Hash of the parent block.
    /// @param number Block number.
    /// @param timestamp Block timestamp, unix seconds.
    struct Header {
        bytes32 parentHash;
        uint256 number;
        uint64 timestamp;
    }

    /// @notice The header is not a canonical RLP list of at least 15 items with a 32-byte parent hash and integer
    ///         number and timestamp; `at` is the byte offset where decoding stopped.
    error MalformedHeader(uint256 at);

    uint256 private constant _PARENT_HASH = 0;
    uint256 private constant _NUMBER = 8;
    uint256 private constant _TIMESTAMP = 11;
    /// @dev Items every header has since Frontier (up to the nonce); later forks append more.
    uint256 private constant _MIN_ITEMS = 15;

    /// @notice Decodes `header`'s parent hash, number and timestamp. Reverts with {MalformedHeader} on anything that is
    ///         not a canonical header encoding.
    /// @param header RLP encoding of a block header (the preimage of the block hash).
    function decode(bytes calldata header) internal pure returns (Header memory h) {
        (uint256 offset, uint256 length, bool isList) = _item(header, 0, header.length);
        if (!isList || offset + length != header.length) revert MalformedHeader(0);
        uint256 end = header.length;
        uint256 index;
        while (offset < end) {
            (uint256 start, uint256 len, bool list) = _item(header, offset, end);
            if (index == _PARENT_HASH) {
                if (list || len != 32) revert MalformedHeader(offset);
                h.parentHash = bytes32(header[start:start + 32]);
            } else if (index == _NUMBER) {
                h.number = _uint(header, offset, start, len, list, 32);
            } else if (index == _TIMESTAMP) {
                h.timestamp = uint64(_uint(header, offset, start, len, list, 8));
            }
            offset = start + len;
            ++index;
        }
        if (index < _MIN_ITEMS) revert MalformedHeader(end);
    }

    /// @dev The item at `offset` of `data`, which must end by `end`: its payload's offset and length, and whether it is
    ///      a list. Single bytes below 0x80 are their own payload.
    function _item(bytes calldata data, uint256 offset, uint256 end)
        private
        pure
        returns (uint256 start, uint256 length, bool isList)
    {
        if (offset >= end) revert MalformedHeader(offset);
        uint8 prefix = uint8(data[offset]);
        if (prefix < 0x80) return (offset, 1, false);
        isList = prefix >= 0xc0;
        uint8 base = isList ? 0xc0 : 0x80;
        if (prefix - base < 56) {
            start = offset + 1;
            length = prefix - base;
            // Canonical: a single byte below 0x80 is never wrapped in a one-byte string.
            if (!isList && length == 1 && (start >= end || uint8(data[start]) < 0x80)) revert MalformedHeader(offset);
        } else {
            uint256 lengthOfLength = prefix - base - 55; // 1..8
            start = offset + 1 + lengthOfLength;
            if (start > end || data[offset + 1] == 0) revert MalformedHeader(offset);
            for (uint256 i = offset + 1; i < start; ++i) {
                length = (length << 8) | uint8(data[i]);
            }
            if (length < 56) revert MalformedHeader(offset);
        }
        // start <= end <= data.length, so end - start cannot underflow; length is at most 2^64.
        if (start > end || length > end - start) revert MalformedHeader(offset);
    }

    /// @dev A canonical unsigned integer of at most `maxBytes` bytes: a string without leading zeros.
    function _uint(bytes calldata data, uint256 at, uint256 start, uint256 length, bool isList, uint256 maxBytes)
        private
        pure
        returns (uint256 value)
    {
        if (isList || length > maxBytes || (length != 0 && data[start] == 0)) revert MalformedHeader(at);
        for (uint256 i = start; i < start + length; ++i) {
            value = (value << 8) | uint8(data[i]);
        }
    }
}
