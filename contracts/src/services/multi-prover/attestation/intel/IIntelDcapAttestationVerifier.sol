// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IAttestationVerifier} from "../IAttestationVerifier.sol";
import {IIntelCollateralStore} from "./IIntelCollateralStore.sol";
import {TcbStatus} from "./IntelCollateralTypes.sol";

/// @title IIntelDcapAttestationVerifier
/// @notice An {IAttestationVerifier} for Intel DCAP quotes of one TEE type: SGX (quote v3) or TDX (quote v4). It
///         checks the quote from its raw bytes against the collateral in an {IIntelCollateralStore} at this block's
///         time, then applies its deployment's policy (allowed TCB statuses, collateral age).
interface IIntelDcapAttestationVerifier is IAttestationVerifier {
    /// @notice What a verified quote says.
    /// @param teeType The quote's TEE type (0 SGX, 0x81 TDX).
    /// @param version The quote version (3 SGX, 4 or 5 TDX).
    /// @param tcbStatus Intel's verdict on the platform and quoting enclave (the worse of both).
    /// @param advisoryIds The Intel security advisories that apply (e.g. "INTEL-SA-00615").
    /// @param mrEnclave SGX MRENCLAVE (zero for TDX).
    /// @param mrSigner SGX MRSIGNER (zero for TDX).
    /// @param mrTd TDX MRTD, 48 bytes (empty for SGX).
    /// @param reportData The 64 bytes of report data.
    /// @param collateralIssuedAt The older issue date of the TCB info and QE identity used, unix seconds.
    struct QuoteVerdict {
        uint32 teeType;
        uint16 version;
        TcbStatus tcbStatus;
        string[] advisoryIds;
        bytes32 mrEnclave;
        bytes32 mrSigner;
        bytes mrTd;
        bytes reportData;
        uint64 collateralIssuedAt;
    }

    /// @notice A deployment's policy on verified quotes.
    /// @param allowedTcbStatuses Bit i set: TcbStatus(i) is accepted (e.g. UpToDate and SWHardeningNeeded: 0b11).
    /// @param maxCollateralAgeSeconds Oldest TCB info / QE identity accepted, seconds since its issue date (0: any
    ///        that is still valid). Quote freshness itself is bound by the liveness verifier's recent-block report
    ///        data: DCAP quotes carry no time.
    struct Policy {
        uint16 allowedTcbStatuses;
        uint32 maxCollateralAgeSeconds;
    }

    /// @notice The stored TCB info for the PCK certificate's FMSPC is missing.
    error TcbInfoMissing(bytes6 fmspc);
    /// @notice The TCB info is not valid at this time (before its issue date or after its next update).
    error TcbInfoExpired(uint64 issueDate, uint64 nextUpdate);
    /// @notice The TCB info is not for this TEE (SGX needs id SGX version ≥ 2; TDX needs id TDX version ≥ 3).
    error TcbInfoMismatch();
    /// @notice No QE identity is stored for this TEE's quoting enclave.
    error QeIdentityMissing();
    /// @notice The QE identity is not valid at this time.
    error QeIdentityExpired(uint64 issueDate, uint64 nextUpdate);
    /// @notice The QE identity's version is not one this TEE's quotes use.
    error QeIdentityMismatch();
    /// @notice The CRL is not valid at this time.
    error CrlExpired(uint64 thisUpdate, uint64 nextUpdate);
    /// @notice The chain's last certificate does not carry the pinned Intel SGX Root CA key.
    error UntrustedRootCertificate();
    /// @notice The PCK certificate is a CA certificate.
    error CaUsedAsEndEntity();
    /// @notice The QE report is not signed by the PCK key.
    error QeReportSignatureInvalid();
    /// @notice The QE report data does not bind the attestation key and QE authentication data.
    error QeReportDataMismatch();
    /// @notice The report body is not signed by the quote's attestation key.
    error IsvReportSignatureInvalid();
    /// @notice The TCB status is not allowed by the policy.
    error TcbStatusNotAllowed(TcbStatus status);
    /// @notice The collateral is older than the policy allows.
    error CollateralTooOld(uint64 issuedAt, uint32 maxAgeSeconds);

    /// @notice The policy changed.
    event PolicyUpdated(uint16 allowedTcbStatuses, uint32 maxCollateralAgeSeconds);

    /// @notice Where the collateral comes from.
    function collateralStore() external view returns (IIntelCollateralStore);
    /// @notice The quote TEE type checked (0 SGX, 0x81 TDX).
    function quoteTeeType() external view returns (uint32);
    /// @notice The current policy.
    function policy() external view returns (Policy memory);
    /// @notice Sets the policy (owner only). Emits {PolicyUpdated}.
    function setPolicy(Policy calldata newPolicy) external;

    /// @notice Verifies `quote` at this block's time without the policy and returns what it says.
    /// @dev Reverts with the error naming the first check that fails (quote structure, certificates, CRLs,
    ///      collateral, signatures, TCB levels, DEBUG/TD attributes).
    function verifyQuote(bytes calldata quote) external view returns (QuoteVerdict memory);
}
