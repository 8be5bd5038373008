// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {JSONParserLib} from "solady/utils/JSONParserLib.sol";
import {DateTimeLib} from "solady/utils/DateTimeLib.sol";
import {LibString} from "solady/utils/LibString.sol";
import {
    TcbInfo,
    TcbInfoId,
    TcbLevel,
    TcbStatus,
    QeIdentity,
    QeIdentityId,
    QeTcbLevel
} from "./IntelCollateralTypes.sol";

/// @title IntelCollateralJson
/// @notice Turns Intel's signed TCB info ("tcbInfo" v3, SGX or TDX) and QE identity ("enclaveIdentity" v2) JSON text
///         into {TcbInfo} and {QeIdentity}. The caller has already checked Intel's signature over these exact bytes.
/// @dev Strict where a wrong reading could change a verdict: required keys must be present once, with the JSON type
///      Intel uses; hex strings have an exact length (either case); numbers are plain decimal integers in range; dates
///      are exactly "YYYY-MM-DDTHH:MM:SSZ". Unknown keys (e.g. "tdxModule", "category") are ignored. A text that is not
///      JSON reverts with Solady's `JSONParserLib.ParsingFailed()`; every other defect reverts with
///      {CollateralJsonMalformed} or {UnknownTcbStatus}, whose path string is only built on that revert path.
library IntelCollateralJson {
    using JSONParserLib for JSONParserLib.Item;

    /// @notice The value at `field` (a path such as "tcbLevels[3].tcb.pcesvn"; "$" is the whole document) is missing,
    ///         repeated, of the wrong JSON type, a hex string of the wrong length, a number out of range or not an
    ///         integer, or a date not in the form "YYYY-MM-DDTHH:MM:SSZ".
    error CollateralJsonMalformed(string field);

    /// @notice The "tcbStatus" at `field` is a string but none of the seven statuses Intel defines.
    error UnknownTcbStatus(string field);

    // Keys and string values as JSONParserLib returns them: double-quoted, exactly as written in the JSON.
    bytes32 private constant _K_ID = keccak256('"id"');
    bytes32 private constant _K_VERSION = keccak256('"version"');
    bytes32 private constant _K_ISSUE_DATE = keccak256('"issueDate"');
    bytes32 private constant _K_NEXT_UPDATE = keccak256('"nextUpdate"');
    bytes32 private constant _K_FMSPC = keccak256('"fmspc"');
    bytes32 private constant _K_PCE_ID = keccak256('"pceId"');
    bytes32 private constant _K_TCB_TYPE = keccak256('"tcbType"');
    bytes32 private constant _K_TCB_EVAL = keccak256('"tcbEvaluationDataNumber"');
    bytes32 private constant _K_TCB_LEVELS = keccak256('"tcbLevels"');
    bytes32 private constant _K_MISCSELECT = keccak256('"miscselect"');
    bytes32 private constant _K_MISCSELECT_MASK = keccak256('"miscselectMask"');
    bytes32 private constant _K_ATTRIBUTES = keccak256('"attributes"');
    bytes32 private constant _K_ATTRIBUTES_MASK = keccak256('"attributesMask"');
    bytes32 private constant _K_MRSIGNER = keccak256('"mrsigner"');
    bytes32 private constant _K_ISVPRODID = keccak256('"isvprodid"');
    bytes32 private constant _K_TCB = keccak256('"tcb"');
    bytes32 private constant _K_TCB_DATE = keccak256('"tcbDate"');
    bytes32 private constant _K_TCB_STATUS = keccak256('"tcbStatus"');
    bytes32 private constant _K_ADVISORY_IDS = keccak256('"advisoryIDs"');
    bytes32 private constant _K_SGX_COMPONENTS = keccak256('"sgxtcbcomponents"');
    bytes32 private constant _K_PCESVN = keccak256('"pcesvn"');
    bytes32 private constant _K_TDX_COMPONENTS = keccak256('"tdxtcbcomponents"');
    bytes32 private constant _K_ISVSVN = keccak256('"isvsvn"');
    bytes32 private constant _K_SVN = keccak256('"svn"');

    bytes32 private constant _V_SGX = keccak256('"SGX"');
    bytes32 private constant _V_TDX = keccak256('"TDX"');
    bytes32 private constant _V_QE = keccak256('"QE"');
    bytes32 private constant _V_TD_QE = keccak256('"TD_QE"');

    /// @dev Why one of the 16-component arrays was rejected, besides a component index: not an array of 16.
    uint256 private constant _BAD_ARRAY = type(uint256).max;

    // ------------------------------------------------------------------------------------------------------------
    // TCB info
    // ------------------------------------------------------------------------------------------------------------

    /// @notice Parses a TCB info ("tcbInfo" object, v3) for an SGX or TDX platform.
    /// @dev For SGX, "tdxtcbcomponents" is ignored and each level's `tdxComponents` is zero; for TDX it is required.
    /// @param json The "tcbInfo" object's JSON text, as Intel signed it.
    /// @return info The parsed TCB info (dates in unix seconds; levels in Intel's order).
    function parseTcbInfo(bytes memory json) internal pure returns (TcbInfo memory info) {
        JSONParserLib.Item memory root = JSONParserLib.parse(string(json));
        bytes32[] memory keys = new bytes32[](9);
        (keys[0], keys[1], keys[2], keys[3]) = (_K_ID, _K_VERSION, _K_ISSUE_DATE, _K_NEXT_UPDATE);
        (keys[4], keys[5], keys[6], keys[7], keys[8]) = (_K_FMSPC, _K_PCE_ID, _K_TCB_TYPE, _K_TCB_EVAL, _K_TCB_LEVELS);
        JSONParserLib.Item[] memory f = _pick(root, keys);
        if (f.length == 0) revert CollateralJsonMalformed("$");

        bytes32 id = f[0].isString() ? keccak256(bytes(f[0].value())) : bytes32(0);
        if (id == _V_SGX) info.id = TcbInfoId.SGX;
        else if (id == _V_TDX) info.id = TcbInfoId.TDX;
        else revert CollateralJsonMalformed("id");
        info.version = uint32(_uint(f[1], type(uint32).max, "version"));
        info.issueDate = _date(f[2], "issueDate");
        info.nextUpdate = _date(f[3], "nextUpdate");
        info.fmspc = bytes6(_hex(f[4], 12, "fmspc"));
        info.pceId = bytes2(_hex(f[5], 4, "pceId"));
        info.tcbType = uint32(_uint(f[6], type(uint32).max, "tcbType"));
        info.tcbEvaluationDataNumber = uint32(_uint(f[7], type(uint32).max, "tcbEvaluationDataNumber"));

        JSONParserLib.Item[] memory levels = _levels(f[8]);
        bytes32[] memory levelKeys = _levelKeys();
        bytes32[] memory tcbKeys = new bytes32[](3);
        (tcbKeys[0], tcbKeys[1], tcbKeys[2]) = (_K_SGX_COMPONENTS, _K_PCESVN, _K_TDX_COMPONENTS);
        bool tdx = info.id == TcbInfoId.TDX;
        info.tcbLevels = new TcbLevel[](levels.length);
        for (uint256 i; i < levels.length; ++i) {
            info.tcbLevels[i] = _tcbLevel(levels[i], i, tdx, levelKeys, tcbKeys);
        }
    }

    /// @dev One element of a TCB info's "tcbLevels"; `i` is its index, for error paths.
    function _tcbLevel(
        JSONParserLib.Item memory item,
        uint256 i,
        bool tdx,
        bytes32[] memory levelKeys,
        bytes32[] memory tcbKeys
    ) private pure returns (TcbLevel memory level) {
        JSONParserLib.Item[] memory g = _pick(item, levelKeys);
        if (g.length == 0) _failLevel(i, "");
        JSONParserLib.Item[] memory t = _pick(g[0], tcbKeys);
        if (t.length == 0) _failLevel(i, ".tcb");

        uint256 bad;
        (level.sgxComponents, bad) = _components(t[0]);
        if (bad != 0) _failComponents(i, ".tcb.sgxtcbcomponents", bad);
        (uint256 pceSvn, bool ok) = _tryUint(t[1], type(uint16).max);
        if (!ok) _failLevel(i, ".tcb.pcesvn");
        level.pceSvn = uint16(pceSvn);
        if (tdx) {
            (level.tdxComponents, bad) = _components(t[2]);
            if (bad != 0) _failComponents(i, ".tcb.tdxtcbcomponents", bad);
        }
        (level.tcbDate, level.status, level.advisoryIds) = _levelCommon(g, i);
    }

    // ------------------------------------------------------------------------------------------------------------
    // QE identity
    // ------------------------------------------------------------------------------------------------------------

    /// @notice Parses a QE identity ("enclaveIdentity" object, v2) for the SGX QE or the TDX TD_QE.
    /// @param json The "enclaveIdentity" object's JSON text, as Intel signed it.
    /// @return identity The parsed identity (hex fields in the byte order the hex gives; dates in unix seconds).
    function parseQeIdentity(bytes memory json) internal pure returns (QeIdentity memory identity) {
        JSONParserLib.Item memory root = JSONParserLib.parse(string(json));
        bytes32[] memory keys = new bytes32[](12);
        (keys[0], keys[1], keys[2], keys[3]) = (_K_ID, _K_VERSION, _K_ISSUE_DATE, _K_NEXT_UPDATE);
        (keys[4], keys[5], keys[6], keys[7]) = (_K_TCB_EVAL, _K_MISCSELECT, _K_MISCSELECT_MASK, _K_ATTRIBUTES);
        (keys[8], keys[9], keys[10], keys[11]) = (_K_ATTRIBUTES_MASK, _K_MRSIGNER, _K_ISVPRODID, _K_TCB_LEVELS);
        JSONParserLib.Item[] memory f = _pick(root, keys);
        if (f.length == 0) revert CollateralJsonMalformed("$");

        bytes32 id = f[0].isString() ? keccak256(bytes(f[0].value())) : bytes32(0);
        if (id == _V_QE) identity.id = QeIdentityId.QE;
        else if (id == _V_TD_QE) identity.id = QeIdentityId.TD_QE;
        else revert CollateralJsonMalformed("id");
        identity.version = uint32(_uint(f[1], type(uint32).max, "version"));
        identity.issueDate = _date(f[2], "issueDate");
        identity.nextUpdate = _date(f[3], "nextUpdate");
        identity.tcbEvaluationDataNumber = uint32(_uint(f[4], type(uint32).max, "tcbEvaluationDataNumber"));
        identity.miscselect = bytes4(_hex(f[5], 8, "miscselect"));
        identity.miscselectMask = bytes4(_hex(f[6], 8, "miscselectMask"));
        identity.attributes = bytes16(_hex(f[7], 32, "attributes"));
        identity.attributesMask = bytes16(_hex(f[8], 32, "attributesMask"));
        identity.mrsigner = _hex(f[9], 64, "mrsigner");
        identity.isvProdId = uint16(_uint(f[10], type(uint16).max, "isvprodid"));

        JSONParserLib.Item[] memory levels = _levels(f[11]);
        bytes32[] memory levelKeys = _levelKeys();
        bytes32[] memory tcbKeys = new bytes32[](1);
        tcbKeys[0] = _K_ISVSVN;
        identity.tcbLevels = new QeTcbLevel[](levels.length);
        for (uint256 i; i < levels.length; ++i) {
            JSONParserLib.Item[] memory g = _pick(levels[i], levelKeys);
            if (g.length == 0) _failLevel(i, "");
            JSONParserLib.Item[] memory t = _pick(g[0], tcbKeys);
            if (t.length == 0) _failLevel(i, ".tcb");
            (uint256 isvSvn, bool ok) = _tryUint(t[0], type(uint16).max);
            if (!ok) _failLevel(i, ".tcb.isvsvn");
            QeTcbLevel memory level = identity.tcbLevels[i];
            level.isvSvn = uint16(isvSvn);
            (level.tcbDate, level.status, level.advisoryIds) = _levelCommon(g, i);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Shared pieces
    // ------------------------------------------------------------------------------------------------------------

    /// @dev A non-empty "tcbLevels" array's elements.
    function _levels(JSONParserLib.Item memory item) private pure returns (JSONParserLib.Item[] memory levels) {
        levels = item.children();
        if (!item.isArray() || levels.length == 0) revert CollateralJsonMalformed("tcbLevels");
    }

    /// @dev "tcbDate", "tcbStatus" and the optional "advisoryIDs" of level `i`, found by `_pick` with the level keys.
    function _levelCommon(JSONParserLib.Item[] memory g, uint256 i)
        private
        pure
        returns (uint64 tcbDate, TcbStatus status, string[] memory advisoryIds)
    {
        bool ok;
        (tcbDate, ok) = _tryDate(g[1]);
        if (!ok) _failLevel(i, ".tcbDate");
        status = _status(g[2], i);
        if (g[3].isUndefined()) return (tcbDate, status, advisoryIds);
        JSONParserLib.Item[] memory ids = g[3].children();
        if (!g[3].isArray()) _failLevel(i, ".advisoryIDs");
        advisoryIds = new string[](ids.length);
        for (uint256 j; j < ids.length; ++j) {
            if (!ids[j].isString()) _failLevel(i, ".advisoryIDs");
            advisoryIds[j] = _stringContent(ids[j].value());
        }
    }

    /// @dev The content of a double-quoted JSON string: copied between the quotes when it has no escape (Intel's
    ///      advisory ids never do), decoded by JSONParserLib otherwise.
    function _stringContent(string memory quoted) private pure returns (string memory out) {
        bool escaped;
        assembly ("memory-safe") {
            let n := sub(mload(quoted), 2)
            let p := add(quoted, 0x21)
            let ones := div(not(0), 0xff) // 0x0101...01
            // A word at a time: XOR with '\\' turns backslashes into zero bytes; bytes past the end are
            // set to 0xff (the mask is zero while 32 or more remain); then the classic zero-byte test.
            for { let i := 0 } lt(i, n) { i := add(i, 0x20) } {
                let w := or(xor(mload(add(p, i)), mul(0x5c, ones)), shr(shl(3, sub(n, i)), not(0)))
                if and(and(sub(w, ones), not(w)), shl(7, ones)) {
                    escaped := 1
                    break
                }
            }
            if iszero(escaped) {
                out := mload(0x40)
                mstore(out, n)
                mcopy(add(out, 0x20), p, n)
                mstore(add(add(out, 0x20), n), 0) // Zero the tail of the last word.
                mstore(0x40, add(out, and(add(n, 0x3f), not(0x1f))))
            }
        }
        if (escaped) out = JSONParserLib.decodeString(quoted);
    }

    /// @dev Level `i`'s "tcbStatus". A non-string is malformed; an unknown string is {UnknownTcbStatus}.
    function _status(JSONParserLib.Item memory item, uint256 i) private pure returns (TcbStatus) {
        if (!item.isString()) _failLevel(i, ".tcbStatus");
        bytes32 h = keccak256(bytes(item.value()));
        if (h == keccak256('"UpToDate"')) return TcbStatus.UpToDate;
        if (h == keccak256('"SWHardeningNeeded"')) return TcbStatus.SWHardeningNeeded;
        if (h == keccak256('"ConfigurationNeeded"')) return TcbStatus.ConfigurationNeeded;
        if (h == keccak256('"ConfigurationAndSWHardeningNeeded"')) return TcbStatus.ConfigurationAndSWHardeningNeeded;
        if (h == keccak256('"OutOfDate"')) return TcbStatus.OutOfDate;
        if (h == keccak256('"OutOfDateConfigurationNeeded"')) return TcbStatus.OutOfDateConfigurationNeeded;
        if (h == keccak256('"Revoked"')) return TcbStatus.Revoked;
        revert UnknownTcbStatus(string.concat("tcbLevels[", LibString.toString(i), "].tcbStatus"));
    }

    /// @dev A "sgxtcbcomponents"/"tdxtcbcomponents" array: exactly 16 objects whose "svn" (0..255) become the 16
    ///      bytes, first component first. `bad` is 0 when valid, 1 + the index of a bad component, or `_BAD_ARRAY`.
    function _components(JSONParserLib.Item memory item) private pure returns (bytes16 svns, uint256 bad) {
        JSONParserLib.Item[] memory parts = item.children();
        if (!item.isArray() || parts.length != 16) return (0, _BAD_ARRAY);
        uint256 acc;
        for (uint256 j; j < 16; ++j) {
            (uint256 svn, bool ok) = _svnFast(parts[j]);
            if (!ok) (svn, ok) = _tryUint(_svnOf(parts[j]), type(uint8).max);
            if (!ok) return (0, j + 1);
            acc = (acc << 8) | svn;
        }
        svns = bytes16(uint128(acc));
    }

    /// @dev The SVN of a component object written exactly `{"svn":N}` (N at most 255), read from its raw text in one
    ///      library call; `ok` is false for any other text, which {_svnOf} then reads member by member.
    function _svnFast(JSONParserLib.Item memory obj) private pure returns (uint256 svn, bool ok) {
        if (!obj.isObject()) return (0, false);
        bytes memory s = bytes(obj.value());
        uint256 n = s.length;
        if (n < 9 || n > 11 || s[n - 1] != "}") return (0, false);
        bytes32 head;
        assembly ("memory-safe") {
            head := mload(add(s, 0x20)) // n >= 9: the first 7 bytes are the text's.
        }
        if (bytes7(head) != bytes7('{"svn":')) return (0, false);
        (svn, ok) = _decimal(s, 7, n - 8);
        ok = ok && svn <= type(uint8).max;
    }

    /// @dev The "svn" member of a component object; an undefined item when it is not an object or has no single "svn".
    function _svnOf(JSONParserLib.Item memory obj) private pure returns (JSONParserLib.Item memory svn) {
        JSONParserLib.Item[] memory members = obj.children();
        if (!obj.isObject()) return svn;
        bool found;
        for (uint256 k; k < members.length; ++k) {
            if (keccak256(bytes(members[k].key())) != _K_SVN) continue;
            if (found) return JSONParserLib.Item(0);
            (svn, found) = (members[k], true);
        }
    }

    /// @dev `obj`'s members under `keys` (keccak256 of the double-quoted names), in that order; an absent key gives
    ///      an undefined item. Returns an empty array when `obj` is not an object or repeats one of these keys (JSON
    ///      leaves repeats undefined; Intel never writes them).
    function _pick(JSONParserLib.Item memory obj, bytes32[] memory keys)
        private
        pure
        returns (JSONParserLib.Item[] memory found)
    {
        if (!obj.isObject()) return found;
        uint256 n = keys.length;
        found = new JSONParserLib.Item[](n);
        JSONParserLib.Item[] memory members = obj.children();
        uint256 seen;
        for (uint256 m; m < members.length; ++m) {
            bytes32 h = keccak256(bytes(members[m].key()));
            uint256 k;
            while (k < n && keys[k] != h) ++k;
            if (k == n) continue; // A key this caller does not read.
            if (seen & (1 << k) != 0) return new JSONParserLib.Item[](0);
            seen |= 1 << k;
            found[k] = members[m];
        }
    }

    /// @dev A number at top level `field`, at most `max`, or a revert naming `field`.
    function _uint(JSONParserLib.Item memory item, uint256 max, string memory field) private pure returns (uint256 v) {
        bool ok;
        (v, ok) = _tryUint(item, max);
        if (!ok) revert CollateralJsonMalformed(field);
    }

    /// @dev A JSON number written as a plain decimal integer (no sign, fraction or exponent) at most `max` (< 2^64).
    function _tryUint(JSONParserLib.Item memory item, uint256 max) private pure returns (uint256 v, bool ok) {
        if (!item.isNumber()) return (0, false);
        bytes memory s = bytes(item.value());
        (v, ok) = _decimal(s, 0, s.length);
        ok = ok && v <= max;
    }

    /// @dev A date at top level `field`, or a revert naming `field`.
    function _date(JSONParserLib.Item memory item, string memory field) private pure returns (uint64 v) {
        bool ok;
        (v, ok) = _tryDate(item);
        if (!ok) revert CollateralJsonMalformed(field);
    }

    /// @dev A JSON string exactly "YYYY-MM-DDTHH:MM:SSZ" (a valid UTC date and time from 1970 on), in unix seconds.
    function _tryDate(JSONParserLib.Item memory item) private pure returns (uint64, bool) {
        if (!item.isString()) return (0, false);
        bytes memory s = bytes(item.value()); // Quotes included: the date is s[1..20].
        if (s.length != 22) return (0, false);
        if (s[5] != "-" || s[8] != "-" || s[11] != "T" || s[14] != ":" || s[17] != ":" || s[20] != "Z") {
            return (0, false);
        }
        (uint256 year, bool okY) = _decimal(s, 1, 4);
        (uint256 month, bool okMo) = _decimal(s, 6, 2);
        (uint256 day, bool okD) = _decimal(s, 9, 2);
        (uint256 hour, bool okH) = _decimal(s, 12, 2);
        (uint256 minute, bool okMi) = _decimal(s, 15, 2);
        (uint256 second, bool okS) = _decimal(s, 18, 2);
        if (!(okY && okMo && okD && okH && okMi && okS)) return (0, false);
        if (!DateTimeLib.isSupportedDateTime(year, month, day, hour, minute, second)) return (0, false);
        return (uint64(DateTimeLib.dateTimeToTimestamp(year, month, day, hour, minute, second)), true);
    }

    /// @dev The `len` decimal digits of `s` from `from` (the caller keeps them inside `s`); `ok` is false if `len` is
    ///      zero or more than 20, or if any byte is not '0'..'9'.
    function _decimal(bytes memory s, uint256 from, uint256 len) private pure returns (uint256 v, bool ok) {
        assembly ("memory-safe") {
            ok := and(iszero(iszero(len)), lt(len, 21)) // At most 20 digits: no overflow.
            let p := add(add(s, 0x20), from)
            for { let i := 0 } and(ok, lt(i, len)) { i := add(i, 1) } {
                let d := sub(byte(0, mload(add(p, i))), 48) // Wraps for bytes below '0'.
                ok := lt(d, 10)
                v := add(mul(v, 10), d)
            }
            v := mul(v, ok)
        }
    }

    /// @dev A JSON string of exactly `nChars` (<= 64) hex digits, either case, as bytes (left-aligned), or a revert
    ///      naming `field`.
    function _hex(JSONParserLib.Item memory item, uint256 nChars, string memory field) private pure returns (bytes32) {
        if (item.isString()) {
            bytes memory s = bytes(item.value()); // Quotes included: the digits are s[1..nChars].
            if (s.length == nChars + 2) {
                uint256 acc;
                bool ok = true;
                assembly ("memory-safe") {
                    let p := add(s, 0x21)
                    for { let i := 0 } and(ok, lt(i, nChars)) { i := add(i, 1) } {
                        let c := byte(0, mload(add(p, i)))
                        let d := sub(c, 48) // '0'..'9' give 0..9; smaller bytes wrap.
                        if gt(d, 9) {
                            d := add(sub(or(c, 0x20), 97), 10) // 'a'..'f', 'A'..'F' give 10..15.
                            ok := and(gt(d, 9), lt(d, 16))
                        }
                        acc := or(shl(4, acc), d)
                    }
                }
                if (ok) return bytes32(acc << (256 - 4 * nChars));
            }
        }
        revert CollateralJsonMalformed(field);
    }

    /// @dev The keys of a TCB level (TCB info and QE identity alike), for {_pick}.
    function _levelKeys() private pure returns (bytes32[] memory keys) {
        keys = new bytes32[](4);
        (keys[0], keys[1], keys[2], keys[3]) = (_K_TCB, _K_TCB_DATE, _K_TCB_STATUS, _K_ADVISORY_IDS);
    }

    /// @dev Reverts naming "tcbLevels[i]" followed by `suffix`.
    function _failLevel(uint256 i, string memory suffix) private pure {
        revert CollateralJsonMalformed(string.concat("tcbLevels[", LibString.toString(i), "]", suffix));
    }

    /// @dev Reverts naming level `i`'s component array `suffix`, and the component when `bad` names one.
    function _failComponents(uint256 i, string memory suffix, uint256 bad) private pure {
        string memory path = string.concat("tcbLevels[", LibString.toString(i), "]", suffix);
        if (bad != _BAD_ARRAY) path = string.concat(path, "[", LibString.toString(bad - 1), "].svn");
        revert CollateralJsonMalformed(path);
    }
}
