// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Base64} from "solady/utils/Base64.sol";

/// @title PEM certificate chains of Intel DCAP quotes
/// @notice Splits the PEM text of a DCAP quote's certification data (type 5: PCK certificate, then its CA, then the
///         root CA) into DER certificates, accepting exactly one text per chain.
/// @dev The PEM text is not covered by any signature, so it must be canonical: a fuzzer mutating any byte of it must
///      either be refused or change a decoded DER (which then fails its signature check). Accepted form:
///      - one or more blocks back to back, each "-----BEGIN CERTIFICATE-----\n", base64 lines of exactly 64
///        characters and "\n" except the block's last line (1 to 64 characters and "\n"), then
///        "-----END CERTIFICATE-----\n";
///      - after the last block, only 0x00 bytes (the quotes end with "\n\0");
///      - each block's base64 canonical (RFC 4648): alphabet A-Z a-z 0-9 + /, '=' padding only at the end and exactly
///        as needed, unused low bits of the last symbol zero. Checked 32 characters at a time before decoding.
library PemCertChain {
    /// @notice The text is not a chain of PEM certificates in the accepted form.
    error PemMalformed();

    /// @dev "-----BEGIN CERTIFICATE-----\n": 28 bytes.
    bytes32 private constant _BEGIN = "-----BEGIN CERTIFICATE-----\n";
    /// @dev "-----END CERTIFICATE-----\n": 26 bytes.
    bytes32 private constant _END = "-----END CERTIFICATE-----\n";
    /// @dev Smallest block: begin line, one 4-character base64 line and its "\n", end line.
    uint256 private constant _MIN_BLOCK = 28 + 5 + 26;

    /// @notice Splits a PEM chain into its DER certificates, in the text's order.
    /// @param pem The PEM text, possibly followed by 0x00 bytes.
    /// @return ders The DER encoding of each certificate (not parsed: see `X509.parse`).
    function decode(bytes memory pem) internal pure returns (bytes[] memory ders) {
        uint256 len = pem.length;
        ders = new bytes[](len / _MIN_BLOCK);
        // Scratch for one block's base64 without line breaks; 64 spare bytes for the two-word line copies.
        bytes memory b64 = new bytes(len + 64);
        uint256 p;
        uint256 count;
        while (_startsWith(pem, p, 28, _BEGIN)) {
            uint256 n;
            (p, n) = _readBlockBody(pem, p + 28, b64);
            assembly ("memory-safe") {
                mstore(b64, n)
            }
            // Canonical form first: Solady's decoder does not validate.
            if (!_isCanonicalBase64(b64)) revert PemMalformed();
            ders[count++] = Base64.decode(string(b64));
        }
        if (count == 0 || !_zeroTail(pem, p)) revert PemMalformed();
        assembly ("memory-safe") {
            mstore(ders, count)
        }
    }

    /// @dev Copies the base64 lines starting at `p` into `b64` (without line breaks) up to and including the end line.
    ///      Returns the position after the end line and the number of base64 characters copied. Characters are not
    ///      checked here (the canonical check refuses anything outside the alphabet, line breaks and dashes included).
    function _readBlockBody(bytes memory pem, uint256 p, bytes memory b64) private pure returns (uint256, uint256 n) {
        uint256 len = pem.length;
        bytes32 endLine = _END;
        bool ok;
        assembly ("memory-safe") {
            // Whether no byte of `w` is "\n": exact per-byte test, the top bit of ((x & 0x7f..) + 0x7f..) | x is set
            // iff the byte x != 0, with x = w ^ 0x0a.. (no carries between bytes).
            function noNewline(w) -> r {
                let x := xor(w, 0x0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a)
                let m := 0x7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f
                r := eq(and(or(add(and(x, m), m), x), not(m)), not(m))
            }
            // Whether the 26-byte end line is at `q` (inside the text).
            function isEndLine(src, q, l, e) -> r {
                r := and(iszero(gt(add(q, 26), l)), eq(shr(48, mload(add(src, q))), shr(48, e)))
            }
            let src := add(pem, 0x20)
            for {} 1 {} {
                let w1 := mload(add(src, p))
                let w2 := mload(add(src, add(p, 32)))
                // A full line: 64 characters, none of them "\n", then "\n".
                if lt(add(p, 64), len) {
                    if and(eq(byte(0, mload(add(src, add(p, 64)))), 0x0a), and(noNewline(w1), noNewline(w2))) {
                        mstore(add(add(b64, 0x20), n), w1)
                        mstore(add(add(b64, 0x40), n), w2)
                        n := add(n, 64)
                        p := add(p, 65)
                        if isEndLine(src, p, len, endLine) {
                            p := add(p, 26)
                            ok := 1
                            break
                        }
                        continue
                    }
                }
                // Otherwise the block's last line: 1 to 63 characters, "\n", the end line.
                let k := 0
                for {} and(lt(k, 64), lt(add(p, k), len)) { k := add(k, 1) } {
                    if eq(byte(0, mload(add(src, add(p, k)))), 0x0a) { break }
                }
                if or(iszero(k), iszero(lt(k, 64))) { break }
                if iszero(isEndLine(src, add(add(p, k), 1), len, endLine)) { break }
                mstore(add(add(b64, 0x20), n), w1)
                mstore(add(add(b64, 0x40), n), w2)
                n := add(n, k)
                p := add(add(p, k), 27)
                ok := 1
                break
            }
        }
        if (!ok) revert PemMalformed();
        return (p, n);
    }

    /// @dev Whether `b64` is the canonical RFC 4648 encoding of some bytes: length a non-zero multiple of 4, all
    ///      characters in A-Z a-z 0-9 + / except one or two final '=', and the unused low bits of the symbol before
    ///      the padding zero (so no two accepted texts decode to the same bytes).
    function _isCanonicalBase64(bytes memory b64) private pure returns (bool ok) {
        assembly ("memory-safe") {
            // The alphabet value of base64 character c (the caller has checked c is in the alphabet).
            function symbolValue(c) -> v {
                switch lt(c, 0x41)
                case 1 {
                    switch c
                    case 0x2b { v := 62 }
                    case 0x2f { v := 63 }
                    default { v := add(c, 4) } // '0'..'9' -> 52..61
                }
                default {
                    switch lt(c, 0x61)
                    case 1 { v := sub(c, 0x41) }
                    default { v := sub(c, 71) } // 'a'..'z' -> 26..51
                }
            }
            let n := mload(b64)
            let data := add(b64, 0x20)
            ok := and(iszero(and(n, 3)), gt(n, 3))
            // Final '=' count; a '=' before a non-'=' last character is counted but then fails the alphabet check.
            let pad := 0
            if ok {
                pad := add(eq(byte(0, mload(add(data, sub(n, 1)))), 0x3d), eq(byte(0, mload(add(data, sub(n, 2)))), 0x3d))
            }
            let chars := sub(n, pad)
            let hi := 0x8080808080808080808080808080808080808080808080808080808080808080
            let ones := 0x0101010101010101010101010101010101010101010101010101010101010101
            // Per byte x < 0x80: top bit of x + (0x80 - lo) is set iff x >= lo, of x + (0x7f - hi) iff x > hi; no
            // carries cross bytes. A byte is valid iff it falls in one of the five ranges.
            for { let i := 0 } and(ok, lt(i, chars)) { i := add(i, 32) } {
                let w := mload(add(data, i))
                let left := sub(chars, i)
                if lt(left, 32) {
                    // Past the characters, fill with 'A' (valid) so only the real characters are judged.
                    let keep := shl(shl(3, sub(32, left)), not(0))
                    w := or(and(w, keep), and(mul(0x41, ones), not(keep)))
                }
                let valid := 0
                valid := or(valid, and(add(w, mul(0x3f, ones)), not(add(w, mul(0x25, ones))))) // 'A'..'Z'
                valid := or(valid, and(add(w, mul(0x1f, ones)), not(add(w, mul(0x05, ones))))) // 'a'..'z'
                valid := or(valid, and(add(w, mul(0x50, ones)), not(add(w, mul(0x46, ones))))) // '0'..'9'
                valid := or(valid, and(add(w, mul(0x55, ones)), not(add(w, mul(0x54, ones))))) // '+'
                valid := or(valid, and(add(w, mul(0x51, ones)), not(add(w, mul(0x50, ones))))) // '/'
                ok := and(iszero(and(w, hi)), eq(and(valid, hi), hi))
            }
            // With padding, the last symbol carries 2 (pad 1) or 4 (pad 2) unused low bits, which must be zero.
            if mul(ok, pad) {
                let last := symbolValue(byte(0, mload(add(data, sub(chars, 1)))))
                ok := iszero(and(last, sub(shl(shl(1, pad), 1), 1)))
            }
        }
    }

    /// @dev Whether the `l` bytes (l <= 32) of `pem` at `p` exist and equal the left-aligned `expected`.
    function _startsWith(bytes memory pem, uint256 p, uint256 l, bytes32 expected) private pure returns (bool r) {
        assembly ("memory-safe") {
            let mask := not(shr(shl(3, l), not(0)))
            r := and(iszero(gt(add(p, l), mload(pem))), eq(and(mload(add(add(pem, 0x20), p)), mask), expected))
        }
    }

    /// @dev Whether every byte of `pem` from `p` on is 0x00.
    function _zeroTail(bytes memory pem, uint256 p) private pure returns (bool r) {
        uint256 len = pem.length;
        assembly ("memory-safe") {
            let acc := 0
            let src := add(pem, 0x20)
            for {} lt(p, len) { p := add(p, 32) } {
                let w := mload(add(src, p))
                let left := sub(len, p)
                if lt(left, 32) { w := shr(shl(3, sub(32, left)), w) }
                acc := or(acc, w)
            }
            r := iszero(acc)
        }
    }
}
