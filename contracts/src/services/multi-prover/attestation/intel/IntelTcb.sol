// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {QeIdentity, QeTcbLevel, TcbInfo, TcbLevel, TcbStatus} from "./IntelCollateralTypes.sol";
import {IntelReports} from "./IntelReports.sol";

/// @notice No TCB level of the TCB info has all components at or below the platform's (PCK certificate CPUSVN and
///         PCESVN, and for TDX the TD report's TEE_TCB_SVN).
error TcbLevelNotFound();
/// @notice The quoting enclave's ISVSVN is below every level of its QE identity.
error QeTcbLevelNotFound(uint16 isvSvn);
/// @notice The quoting enclave's report does not match Intel's QE identity (MRSIGNER, ISVPRODID, MISCSELECT or
///         ATTRIBUTES under their masks).
error QeIdentityPolicyMismatch();
/// @notice The platform's or the quoting enclave's TCB level is revoked.
error TcbRevoked();

/// @title IntelTcb
/// @notice Intel's TCB evaluation of a quote: the platform's TCB level from the TCB info, the quoting enclave's from
///         the QE identity, and their merge (the worse status, advisories of both).
/// @dev Source: Intel SGX/TDX DCAP Quote Verification (TCB level matching), as Intel's QVL and @phala/dcap-qvl do it.
library IntelTcb {
    /// @notice The status of the first (best) level whose every SGX component, PCESVN and (TDX) every TDX component is
    ///         at most the platform's, and that level's advisories.
    /// @param cpuSvn The PCK certificate's CPUSVN (16 component SVNs).
    /// @param pceSvn The PCK certificate's PCESVN.
    /// @param teeTcbSvn The TD report's TEE_TCB_SVN (TDX), ignored when `isTdx` is false.
    /// @dev Reverts {TcbLevelNotFound}.
    function matchPlatform(TcbInfo memory info, bytes16 cpuSvn, uint16 pceSvn, bool isTdx, bytes16 teeTcbSvn)
        internal
        pure
        returns (TcbStatus, string[] memory)
    {
        uint256 count = info.tcbLevels.length;
        for (uint256 i; i < count; ++i) {
            TcbLevel memory level = info.tcbLevels[i];
            if (pceSvn < level.pceSvn) continue;
            if (!_atLeast(cpuSvn, level.sgxComponents)) continue;
            if (isTdx && !_atLeast(teeTcbSvn, level.tdxComponents)) continue;
            return (level.status, level.advisoryIds);
        }
        revert TcbLevelNotFound();
    }

    /// @notice Checks the quoting enclave's report against Intel's QE identity and returns its TCB level's status and
    ///         advisories.
    /// @dev Reverts {QeIdentityPolicyMismatch}, DebugEnclave (a debug QE) or {QeTcbLevelNotFound}.
    function matchQuotingEnclave(bytes memory qeReport, QeIdentity memory identity)
        internal
        pure
        returns (TcbStatus, string[] memory)
    {
        if (IntelReports.word(qeReport, IntelReports.SGX_MRSIGNER) != identity.mrsigner) {
            revert QeIdentityPolicyMismatch();
        }
        if (IntelReports.u16(qeReport, IntelReports.SGX_ISVPRODID) != identity.isvProdId) {
            revert QeIdentityPolicyMismatch();
        }
        IntelReports.checkSgxAttributes(qeReport);
        bytes4 miscselect = bytes4(IntelReports.word(qeReport, IntelReports.SGX_MISCSELECT));
        if (miscselect & identity.miscselectMask != identity.miscselect & identity.miscselectMask) {
            revert QeIdentityPolicyMismatch();
        }
        bytes16 attributes = bytes16(IntelReports.word(qeReport, IntelReports.SGX_ATTRIBUTES));
        if (attributes & identity.attributesMask != identity.attributes & identity.attributesMask) {
            revert QeIdentityPolicyMismatch();
        }
        uint16 isvSvn = IntelReports.u16(qeReport, IntelReports.SGX_ISVSVN);
        uint256 count = identity.tcbLevels.length;
        for (uint256 i; i < count; ++i) {
            QeTcbLevel memory level = identity.tcbLevels[i];
            if (isvSvn >= level.isvSvn) return (level.status, level.advisoryIds);
        }
        revert QeTcbLevelNotFound(isvSvn);
    }

    /// @notice The worse of two statuses and the advisories of both (first `a`'s, then `b`'s not already listed).
    /// @dev Reverts {TcbRevoked} if the worse status is Revoked.
    function merge(TcbStatus a, string[] memory aAdvisories, TcbStatus b, string[] memory bAdvisories)
        internal
        pure
        returns (TcbStatus status, string[] memory advisories)
    {
        status = uint8(b) > uint8(a) ? b : a;
        if (status == TcbStatus.Revoked) revert TcbRevoked();
        advisories = new string[](aAdvisories.length + bAdvisories.length);
        uint256 n;
        for (uint256 i; i < aAdvisories.length; ++i) {
            advisories[n++] = aAdvisories[i];
        }
        for (uint256 i; i < bAdvisories.length; ++i) {
            if (!_contains(aAdvisories, bAdvisories[i])) advisories[n++] = bAdvisories[i];
        }
        assembly ("memory-safe") {
            mstore(advisories, n)
        }
    }

    /// @dev Whether every byte of `actual` is at least the same byte of `required`.
    function _atLeast(bytes16 actual, bytes16 required) private pure returns (bool) {
        for (uint256 i; i < 16; ++i) {
            if (uint8(actual[i]) < uint8(required[i])) return false;
        }
        return true;
    }

    function _contains(string[] memory list, string memory item) private pure returns (bool) {
        bytes32 h = keccak256(bytes(item));
        for (uint256 i; i < list.length; ++i) {
            if (keccak256(bytes(list[i])) == h) return true;
        }
        return false;
    }
}
