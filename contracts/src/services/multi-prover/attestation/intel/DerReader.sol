// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title Strict ASN.1 DER reader
/// @notice Reads DER TLVs (tag, length, value) from a `bytes memory` buffer by offset, accepting only the distinguished
///         encoding: one-byte tags, definite lengths in their shortest form, every element inside its parent's bounds.
/// @dev Every function takes the caller's error selector `err` and reverts with it (as a bare custom error), so that
///      a certificate parser reverts `CertificateMalformed()` and a CRL parser `CrlMalformed()` on any encoding fault.
///      Offsets are byte indices into the buffer's content (0 = first byte after the length word).
library DerReader {
    uint256 internal constant TAG_BOOLEAN = 0x01;
    uint256 internal constant TAG_INTEGER = 0x02;
    uint256 internal constant TAG_BIT_STRING = 0x03;
    uint256 internal constant TAG_OCTET_STRING = 0x04;
    uint256 internal constant TAG_OID = 0x06;
    uint256 internal constant TAG_ENUMERATED = 0x0a;
    uint256 internal constant TAG_UTC_TIME = 0x17;
    uint256 internal constant TAG_GENERALIZED_TIME = 0x18;
    uint256 internal constant TAG_SEQUENCE = 0x30;
    uint256 internal constant TAG_SET = 0x31;

    /// @notice Reverts with the bare custom error whose selector is `err`.
    /// @param err The 4-byte selector of a parameterless custom error.
    function fail(bytes4 err) internal pure {
        assembly ("memory-safe") {
            mstore(0x00, err)
            revert(0x00, 0x04)
        }
    }

    /// @notice The byte at `offset` of `der` (the caller has checked `offset < der.length`).
    /// @param der The buffer.
    /// @param offset Index of the byte.
    /// @return b The byte, as a number.
    function byteAt(bytes memory der, uint256 offset) internal pure returns (uint256 b) {
        assembly ("memory-safe") {
            b := byte(0, mload(add(add(der, 0x20), offset)))
        }
    }

    /// @notice Reads the header of the element starting at `offset`, which must end by `end`.
    /// @dev Accepts one-byte tags only (no high tag numbers: X.509 and CRLs use none), and lengths up to 0xffffff in
    ///      the shortest form (short form below 0x80; 0x81 only for 0x80..0xff; and so on).
    /// @param der The buffer.
    /// @param offset Start of the element (its tag byte).
    /// @param end End (exclusive) of the enclosing element's content; `end <= der.length`.
    /// @param err Error selector to revert with.
    /// @return tag The tag byte.
    /// @return start Start of the element's content.
    /// @return contentEnd End (exclusive) of the element's content, which is also where the next sibling starts.
    function header(bytes memory der, uint256 offset, uint256 end, bytes4 err)
        internal
        pure
        returns (uint256 tag, uint256 start, uint256 contentEnd)
    {
        assembly ("memory-safe") {
            let w := mload(add(add(der, 0x20), offset))
            tag := byte(0, w)
            let first := byte(1, w)
            // High-tag-number form (low five bits all set) is not used by X.509.
            let bad := or(gt(add(offset, 2), end), eq(and(tag, 0x1f), 0x1f))
            switch lt(first, 0x80)
            case 1 {
                start := add(offset, 2)
                contentEnd := add(start, first)
            }
            default {
                // n == 0 is the indefinite form (BER only); more than 3 length bytes is beyond any input here.
                let n := sub(first, 0x80)
                bad := or(bad, or(iszero(n), gt(n, 3)))
                start := add(add(offset, 2), n)
                let len := shr(sub(256, shl(3, n)), shl(16, w))
                // Shortest form: the long form only from 0x80, and no leading zero length byte.
                bad := or(bad, or(lt(len, 0x80), iszero(shr(shl(3, sub(n, 1)), len))))
                bad := or(bad, gt(start, end))
                contentEnd := add(start, len)
            }
            if or(bad, gt(contentEnd, end)) {
                mstore(0x00, err)
                revert(0x00, 0x04)
            }
        }
    }

    /// @notice Reads the header of the element at `offset` and requires its tag to be `tag`.
    /// @param der The buffer.
    /// @param offset Start of the element.
    /// @param end End (exclusive) of the enclosing content.
    /// @param tag The required tag byte.
    /// @param err Error selector to revert with.
    /// @return start Start of the element's content.
    /// @return stop End (exclusive) of the element's content.
    function expect(bytes memory der, uint256 offset, uint256 end, uint256 tag, bytes4 err)
        internal
        pure
        returns (uint256 start, uint256 stop)
    {
        uint256 t;
        (t, start, stop) = header(der, offset, end, err);
        if (t != tag) fail(err);
    }

    /// @notice Checks that `[start, stop)` is a well-formed series of DER elements, recursively for constructed ones
    ///         (tag bit 0x20), so that fields a parser ignores (names, extensions) are still walked structurally.
    /// @param der The buffer.
    /// @param start Start of the content to walk.
    /// @param stop End (exclusive) of the content to walk.
    /// @param err Error selector to revert with.
    function walk(bytes memory der, uint256 start, uint256 stop, bytes4 err) internal pure {
        uint256 offset = start;
        while (offset < stop) {
            (uint256 tag, uint256 s, uint256 e) = header(der, offset, stop, err);
            if (tag & 0x20 != 0) walk(der, s, e, err);
            offset = e;
        }
    }

    /// @notice Checks that the content `[start, stop)` of an INTEGER is a minimal, non-negative encoding, and returns
    ///         its value's length once a single leading 0x00 (present when the top bit would be set) is dropped.
    /// @param der The buffer.
    /// @param start Start of the INTEGER's content.
    /// @param stop End (exclusive) of the INTEGER's content.
    /// @param err Error selector to revert with.
    /// @return valueStart Start of the value bytes (after a leading 0x00 sign byte, if any).
    function unsignedInteger(bytes memory der, uint256 start, uint256 stop, bytes4 err)
        internal
        pure
        returns (uint256 valueStart)
    {
        if (stop <= start) fail(err);
        uint256 b0 = byteAt(der, start);
        if (b0 >= 0x80) fail(err); // negative
        valueStart = start;
        if (b0 == 0 && stop - start > 1) {
            // A leading zero is only allowed (and then required) before a byte with the top bit set.
            if (byteAt(der, start + 1) < 0x80) fail(err);
            valueStart = start + 1;
        }
    }

    /// @notice Reads a non-negative INTEGER at `offset` that must fit in `maxBytes` bytes (after its sign byte).
    /// @param der The buffer.
    /// @param offset Start of the INTEGER element.
    /// @param end End (exclusive) of the enclosing content.
    /// @param maxBytes Largest value size accepted, at most 32.
    /// @param err Error selector to revert with.
    /// @return value The integer.
    /// @return stop End (exclusive) of the INTEGER element.
    function readUint(bytes memory der, uint256 offset, uint256 end, uint256 maxBytes, bytes4 err)
        internal
        pure
        returns (uint256 value, uint256 stop)
    {
        uint256 start;
        (start, stop) = expect(der, offset, end, TAG_INTEGER, err);
        uint256 valueStart = unsignedInteger(der, start, stop, err);
        uint256 n = stop - valueStart;
        if (n > maxBytes) fail(err);
        assembly ("memory-safe") {
            value := shr(sub(256, shl(3, n)), mload(add(add(der, 0x20), valueStart)))
        }
    }

    /// @notice Whether the `len` bytes of `der` at `offset` equal the left-aligned constant `expected` (`len <= 32`).
    /// @param der The buffer.
    /// @param offset Start of the compared bytes (the caller has checked `offset + len <= der.length`).
    /// @param len Number of bytes compared.
    /// @param expected The expected bytes, left-aligned.
    /// @return equal True if they match.
    function bytesEqual(bytes memory der, uint256 offset, uint256 len, bytes32 expected)
        internal
        pure
        returns (bool equal)
    {
        assembly ("memory-safe") {
            let mask := not(shr(shl(3, len), not(0)))
            equal := eq(and(mload(add(add(der, 0x20), offset)), mask), and(expected, mask))
        }
    }

    /// @notice Whether the element at `[offset, offset + len)` is exactly `expected` (tag, length and content).
    /// @param der The buffer.
    /// @param offset Start of the element.
    /// @param end End (exclusive) of the enclosing content.
    /// @param len The element's total size in bytes (at most 32).
    /// @param expected The expected encoding, left-aligned.
    /// @return equal True if the element is there and matches.
    function elementEquals(bytes memory der, uint256 offset, uint256 end, uint256 len, bytes32 expected)
        internal
        pure
        returns (bool equal)
    {
        return offset + len <= end && bytesEqual(der, offset, len, expected);
    }

    /// @notice sha256 of the `len` bytes of `der` at `offset`.
    /// @dev Hashes in place: the word before the bytes briefly holds `len`, so that they read as a `bytes` array for
    ///      the `sha256` builtin (which keeps this function pure), then gets its value back.
    /// @param der The buffer.
    /// @param offset Start of the hashed bytes (`offset + len <= der.length`).
    /// @param len Number of bytes hashed.
    /// @return digest The SHA-256 digest.
    function sha256At(bytes memory der, uint256 offset, uint256 len) internal pure returns (bytes32 digest) {
        bytes memory slice;
        uint256 saved;
        assembly ("memory-safe") {
            slice := add(der, offset)
            saved := mload(slice)
            mstore(slice, len)
        }
        digest = sha256(slice);
        assembly ("memory-safe") {
            mstore(slice, saved)
        }
    }

    /// @notice keccak256 of the `len` bytes of `der` at `offset`.
    /// @param der The buffer.
    /// @param offset Start of the hashed bytes.
    /// @param len Number of bytes hashed.
    /// @return digest The Keccak-256 digest.
    function keccakAt(bytes memory der, uint256 offset, uint256 len) internal pure returns (bytes32 digest) {
        assembly ("memory-safe") {
            digest := keccak256(add(add(der, 0x20), offset), len)
        }
    }

    /// @notice The 32 bytes of `der` at `offset`, as they lie (left-aligned: cast to `bytesN` to keep the first N).
    /// @param der The buffer.
    /// @param offset Start of the bytes.
    /// @return word The bytes.
    function wordAt(bytes memory der, uint256 offset) internal pure returns (bytes32 word) {
        assembly ("memory-safe") {
            word := mload(add(add(der, 0x20), offset))
        }
    }

    /// @notice The 32 bytes of `der` at `offset`, right-aligned to `len` bytes (`len <= 32`) as a big-endian number.
    /// @param der The buffer.
    /// @param offset Start of the bytes.
    /// @param len Number of bytes read.
    /// @return value The number.
    function readBytes(bytes memory der, uint256 offset, uint256 len) internal pure returns (bytes32 value) {
        assembly ("memory-safe") {
            value := shr(sub(256, shl(3, len)), mload(add(add(der, 0x20), offset)))
        }
    }
}
