// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IAttestationVerifier} from "./attestation/IAttestationVerifier.sol";

/// @title ITEELivenessVerifier
/// @notice Types, errors, events and the read side of the TEELivenessVerifier: which operator's prover is live, in
///         which TEE type, with which enclave-held key, until when.
interface ITEELivenessVerifier {
    /// @notice TEE types. DEVNET is accepted only by a deployment constructed as a devnet.
    enum TeeType {
        NONE,
        DEVNET,
        INTEL_SGX,
        INTEL_TDX
    }

    /// @notice What a liveness proof's report data commits to. The attestation's 64-byte report data must equal
    ///         abi.encodePacked({reportDataHash}(report), bytes32(0)).
    /// @param proverKey The address of the secp256k1 key the prover generated inside the enclave (it signs states).
    /// @param operator The operator the prover serves.
    /// @param referenceBlockNumber A recent block of this chain (at most MAX_REFERENCE_BLOCK_AGE blocks old).
    /// @param referenceBlockHash That block's hash (checked with blockhash).
    struct LivenessReport {
        address proverKey;
        address operator;
        uint256 referenceBlockNumber;
        bytes32 referenceBlockHash;
    }

    /// @notice An operator's prover in one TEE type.
    /// @param proverKey The enclave-held key attested last.
    /// @param attestedAt When its liveness proof was accepted, unix seconds.
    /// @param liveUntil attestedAt + attestValiditySeconds at that time, unix seconds (live while block.timestamp < it).
    struct Prover {
        address proverKey;
        uint64 attestedAt;
        uint64 liveUntil;
    }

    /// @notice The TEE type has no attestation verifier.
    error UnsupportedTeeType(TeeType teeType);
    /// @notice A DEVNET verifier on a deployment that is not a devnet, or a verifier whose teeType() differs.
    error VerifierNotAllowed(TeeType teeType, address verifier);
    /// @notice msg.sender may not act for `operator` (neither it nor a PermissionController admin or appointee).
    error CallerCannotActForOperator(address caller, address operator);
    /// @notice The reference block is in the future, older than MAX_REFERENCE_BLOCK_AGE, or its hash differs.
    error StaleOrUnknownReferenceBlock(uint256 blockNumber, bytes32 blockHash);
    /// @notice The attestation's report data is not the commitment to the given LivenessReport.
    error ReportDataMismatch(bytes32 expected, bytes reportData);
    /// @notice This attestation (by keccak256 of its bytes) was already used.
    error AttestationAlreadyUsed(bytes32 attestationHash);
    /// @notice This report data (the commitment {reportDataHash}) was already used, by another attestation of it.
    error ReportDataAlreadyUsed(bytes32 reportDataHash);
    /// @notice `proverKey` was attested for another operator: an enclave key serves one operator, forever.
    error ProverKeyInUse(address proverKey, address operator);
    /// @notice `operator` has no prover of `teeType` live now (nothing to revoke).
    error ProverNotLive(address operator, TeeType teeType);
    /// @notice None of the attestation's measurements is on the allowlist of its TEE type.
    error MeasurementNotAllowed(TeeType teeType);
    /// @notice The prover key is the zero address.
    error ZeroProverKey();
    /// @notice The validity period is 0 or above MAX_ATTEST_VALIDITY_SECONDS.
    error InvalidAttestValidity(uint64 attestValiditySeconds);

    /// @notice `operator`'s prover of `teeType` with enclave key `proverKey` is live until `liveUntil` (unix seconds).
    event LivenessProofSubmitted(
        address indexed operator,
        TeeType indexed teeType,
        address indexed proverKey,
        bytes32 attestationHash,
        uint64 liveUntil
    );
    /// @notice `operator` (or one acting for it) ended its prover's liveness in `teeType` early.
    event ProverRevoked(address indexed operator, TeeType indexed teeType);
    /// @notice `teeType`'s attestations are verified by `verifier` from now on (zero: not accepted).
    event AttestationVerifierSet(TeeType indexed teeType, address verifier);
    /// @notice `value` of kind `kind` is (or is no longer) an allowed measurement of `teeType`.
    event MeasurementAllowlistUpdated(
        TeeType indexed teeType, IAttestationVerifier.MeasurementKind kind, bytes32 indexed value, bool allowed
    );
    /// @notice A liveness proof accepted from now on keeps a prover live for `attestValiditySeconds`.
    event AttestValiditySecondsSet(uint64 attestValiditySeconds);

    /// @notice The commitment a prover's attestation must carry in the first 32 bytes of its report data:
    ///         keccak256(abi.encode(LIVENESS_TYPEHASH, proverKey, operator, referenceBlockNumber, referenceBlockHash,
    ///         block.chainid, this contract)).
    /// @param report What the report data commits to.
    function reportDataHash(LivenessReport calldata report) external view returns (bytes32);

    /// @notice `operator`'s prover of `teeType` (all zero when it never attested).
    function getProver(address operator, TeeType teeType) external view returns (Prover memory);

    /// @notice Whether `operator`'s prover of `teeType` is live at `timestamp` (attestedAt <= timestamp < liveUntil).
    function isProverLive(address operator, TeeType teeType, uint256 timestamp) external view returns (bool);
}
