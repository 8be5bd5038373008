// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IPermissionController} from "../../src/eigenlayer/IPermissionController.sol";
import {TEELivenessVerifier} from "../../src/services/multi-prover/TEELivenessVerifier.sol";

/// @title RecordedQuoteLivenessVerifier
/// @notice TESTS ONLY, never deploy on a real network: a {TEELivenessVerifier} whose liveness proofs must carry one
///         fixed 64-byte report data instead of the commitment to the liveness report. A quote recorded on real Intel
///         hardware binds whatever report data its enclave chose (not our prover key, operator and recent block), so
///         this is how a test drives the real SGX/TDX attestation verifiers with such a quote through the liveness
///         verifier's every other check (attestation verifier, measurement allowlist, replay, PermissionController).
/// @dev Everything but {_checkReportData} is the production contract's; a liveness proof here proves nothing about the
///      prover key it names, which is why the contract is devnet-only (it also forces `isDevnet`).
contract RecordedQuoteLivenessVerifier is TEELivenessVerifier {
    /// @notice The report data every accepted attestation must carry (first half).
    bytes32 public immutable expectedReportDataHead;
    /// @notice The report data every accepted attestation must carry (second half).
    bytes32 public immutable expectedReportDataTail;

    /// @param initialOwner As {TEELivenessVerifier}.
    /// @param permissionController_ As {TEELivenessVerifier}.
    /// @param attestValiditySeconds_ As {TEELivenessVerifier}.
    /// @param expectedReportData The 64 bytes every accepted attestation must carry.
    constructor(
        address initialOwner,
        IPermissionController permissionController_,
        uint64 attestValiditySeconds_,
        bytes memory expectedReportData
    ) TEELivenessVerifier(initialOwner, permissionController_, true, attestValiditySeconds_) {
        if (expectedReportData.length != 64) revert ReportDataMismatch(bytes32(0), expectedReportData);
        (expectedReportDataHead, expectedReportDataTail) = _halves(expectedReportData);
    }

    /// @dev Reverts unless `reportData` is exactly the expected report data.
    function _checkReportData(bytes32 commitment, bytes memory reportData) internal view override {
        (bytes32 head, bytes32 tail) = _halves(reportData);
        if (reportData.length != 64 || head != expectedReportDataHead || tail != expectedReportDataTail) {
            revert ReportDataMismatch(commitment, reportData);
        }
    }
}
