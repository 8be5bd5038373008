// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Bytes} from "@openzeppelin/contracts/utils/Bytes.sol";

/// @notice The enclave or trust domain runs in DEBUG mode (its memory is readable by the host): never trusted.
error DebugEnclave();
/// @notice The TD attributes set reserved bits or leave SEPT_VE_DISABLE clear.
error TdAttributesInvalid();

/// @title IntelReports
/// @notice Fields of the SGX enclave report body (384 bytes: the ISV enclave's and the quoting enclave's) and of the
///         TDX 1.0 TD report body (584 bytes; TDX 1.5 appends TEE_TCB_SVN2 and MRSERVICETD: 648 bytes), and the attribute checks every accepted report passes.
/// @dev Source: Intel SGX Developer Reference (REPORTBODY), Intel TDX Module ABI (TDREPORT / TDINFO, TDATTRIBUTES).
///      Integers are little-endian.
library IntelReports {
    // SGX report body offsets.
    uint256 internal constant SGX_MISCSELECT = 16;
    uint256 internal constant SGX_ATTRIBUTES = 48;
    uint256 internal constant SGX_MRENCLAVE = 64;
    uint256 internal constant SGX_MRSIGNER = 128;
    uint256 internal constant SGX_ISVPRODID = 256;
    uint256 internal constant SGX_ISVSVN = 258;
    uint256 internal constant SGX_REPORTDATA = 320;
    // TD report body offsets.
    uint256 internal constant TD_TEE_TCB_SVN = 0;
    uint256 internal constant TD_ATTRIBUTES = 120;
    uint256 internal constant TD_MRTD = 136;
    uint256 internal constant TD_REPORTDATA = 520;
    uint256 internal constant TD15_MRSERVICETD = 600;

    /// @notice Reverts {DebugEnclave} if an SGX report's ATTRIBUTES.FLAGS has DEBUG (bit 1) set.
    function checkSgxAttributes(bytes memory report) internal pure {
        if (uint8(report[SGX_ATTRIBUTES]) & 0x02 != 0) revert DebugEnclave();
    }

    /// @notice Reverts {DebugEnclave} if a TD report's TUD byte (byte 0 of TDATTRIBUTES: DEBUG and other
    ///         "TD under debug" bits) is non-zero, {TdAttributesInvalid} if reserved SEC bits (bits 8-27, 29) or
    ///         reserved OTHER bits (32-62) are set, or SEPT_VE_DISABLE (bit 28) is clear.
    function checkTdAttributes(bytes memory report) internal pure {
        uint64 attributes = uint64(bytes8(Bytes.slice(report, TD_ATTRIBUTES, TD_ATTRIBUTES + 8)));
        // Bytes were read big-endian: byte i of TDATTRIBUTES is bits (56 - 8i) .. (63 - 8i) of `attributes`.
        if (uint8(attributes >> 56) != 0) revert DebugEnclave();
        uint8 b1 = uint8(attributes >> 48);
        uint8 b2 = uint8(attributes >> 40);
        uint8 b3 = uint8(attributes >> 32);
        uint8 b4 = uint8(attributes >> 24);
        uint8 b5 = uint8(attributes >> 16);
        uint8 b6 = uint8(attributes >> 8);
        uint8 b7 = uint8(attributes);
        if (b1 != 0 || b2 != 0 || b3 & 0x0f != 0 || b3 & 0x20 != 0) revert TdAttributesInvalid();
        if (b4 != 0 || b5 != 0 || b6 != 0 || b7 & 0x7f != 0) revert TdAttributesInvalid();
        if (b3 & 0x10 == 0) revert TdAttributesInvalid();
    }

    /// @notice Reverts {TdAttributesInvalid} unless a TDX 1.5 TD report's MRSERVICETD (its last 48 bytes) is zero: no
    ///         service TD may have bound itself to the trust domain.
    function checkTd15(bytes memory report) internal pure {
        for (uint256 i = TD15_MRSERVICETD; i < TD15_MRSERVICETD + 48; ++i) {
            if (report[i] != 0) revert TdAttributesInvalid();
        }
    }

    /// @notice A little-endian u16 at `at`.
    function u16(bytes memory data, uint256 at) internal pure returns (uint16) {
        return uint16(uint8(data[at])) | (uint16(uint8(data[at + 1])) << 8);
    }

    /// @notice 32 bytes at `at` (callers pass report bodies of fixed length and constant offsets within them).
    function word(bytes memory data, uint256 at) internal pure returns (bytes32) {
        return bytes32(Bytes.slice(data, at, at + 32));
    }
}
