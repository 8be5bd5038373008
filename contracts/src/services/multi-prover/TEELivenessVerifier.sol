// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IPermissionController} from "../../eigenlayer/IPermissionController.sol";
import {IAttestationVerifier} from "./attestation/IAttestationVerifier.sol";
import {ITEELivenessVerifier} from "./ITEELivenessVerifier.sol";

/// @title TEELivenessVerifier
/// @notice Keeps each operator's prover "live" per TEE type: the operator (or whoever EigenLayer's PermissionController
///         lets act for it) submits an attestation of its prover's enclave whose 64-byte report data commits to the
///         prover's enclave-held secp256k1 key, the operator, a recent block of this chain, the chain and this
///         contract. An accepted proof keeps that key live for {attestValiditySeconds}.
/// @dev Trust: the owner chooses one attestation verifier per TEE type and the allowlist of measurements (which
///      enclave code counts as a prover). Each attestation and each report data is accepted once. The verifier is
///      called with STATICCALL (its function is `view`), after every check on the inputs and before any write, so it
///      can neither re-enter a state-changing function nor see a half-written state. See
///      docs/decisions/multi-prover-0001-liveness.md.
contract TEELivenessVerifier is ITEELivenessVerifier, Ownable {
    /// @notice Type hash of the report data commitment (see {reportDataHash}).
    bytes32 public constant LIVENESS_TYPEHASH = keccak256(
        "avs-stack.multi-prover.LivenessReport(address proverKey,address operator,uint256 referenceBlockNumber,bytes32 referenceBlockHash,uint256 chainId,address verifier)"
    );
    /// @notice Oldest reference block accepted, in blocks before the current one. The BLOCKHASH opcode sees 256 blocks;
    ///         200 bounds how long before submission an attestation may have been made (40 min at 12 s blocks, under
    ///         7 min at 2 s) while leaving time to quote, sign and get included under congestion.
    uint256 public constant MAX_REFERENCE_BLOCK_AGE = 200;
    /// @notice Longest {attestValiditySeconds} the owner may set, seconds.
    uint64 public constant MAX_ATTEST_VALIDITY_SECONDS = 7 days;

    /// @notice Who may act for an operator (EigenLayer PermissionController).
    IPermissionController public immutable permissionController;
    /// @notice Whether this deployment is a devnet: only then may a DEVNET attestation verifier be set.
    bool public immutable isDevnet;

    /// @dev An operator's prover in one slot: timestamps as uint48 seconds (good for millions of years).
    struct StoredProver {
        address proverKey;
        uint48 attestedAt;
        uint48 liveUntil;
    }

    // ---- storage (after Ownable's owner) ----
    /// @notice How long an accepted liveness proof keeps a prover live, seconds (0 < it <= MAX_ATTEST_VALIDITY_SECONDS).
    uint64 public attestValiditySeconds;
    /// @dev The attestation verifier of each TEE type (zero: the type is not accepted).
    mapping(TeeType teeType => IAttestationVerifier) private _verifiers;
    /// @dev Allowed measurements: (TEE type, kind, value) → allowed.
    mapping(TeeType teeType => mapping(IAttestationVerifier.MeasurementKind kind => mapping(bytes32 value => bool)))
        private _allowedMeasurements;
    /// @notice Whether an attestation (keccak256 of its bytes) was accepted.
    mapping(bytes32 attestationHash => bool) public attestationUsed;
    /// @notice Whether a report data commitment ({reportDataHash}) was accepted.
    mapping(bytes32 reportDataHash => bool) public reportDataUsed;
    /// @notice The operator each prover key was first attested for (a key serves that operator only, forever).
    mapping(address proverKey => address operator) public proverKeyOperator;
    /// @dev Each operator's prover per TEE type.
    mapping(address operator => mapping(TeeType teeType => StoredProver)) private _provers;

    /// @param initialOwner Sets verifiers, the allowlist and the validity period.
    /// @param permissionController_ EigenLayer's PermissionController (who may act for an operator).
    /// @param isDevnet_ Whether DEVNET attestations may be accepted (never true on a real network).
    /// @param attestValiditySeconds_ Initial {attestValiditySeconds}, seconds (deployers use 3600).
    constructor(
        address initialOwner,
        IPermissionController permissionController_,
        bool isDevnet_,
        uint64 attestValiditySeconds_
    ) Ownable(initialOwner) {
        permissionController = permissionController_;
        isDevnet = isDevnet_;
        _setAttestValiditySeconds(attestValiditySeconds_);
    }

    // ------------------------------------------------------------------------------------------------ operators

    /// @notice Makes `report.operator`'s prover of `teeType` live with key `report.proverKey` until now +
    ///         {attestValiditySeconds}, replacing its previous record. Called by the operator or by an admin or
    ///         appointee of it in the PermissionController (for this contract and this selector).
    /// @dev Reverts with {CallerCannotActForOperator}, {ZeroProverKey}, {StaleOrUnknownReferenceBlock} (reference block
    ///      not before this one, older than MAX_REFERENCE_BLOCK_AGE, or hash differs), {UnsupportedTeeType}, the
    ///      verifier's own error when the attestation does not verify, {ReportDataMismatch}, {MeasurementNotAllowed},
    ///      {AttestationAlreadyUsed}, {ReportDataAlreadyUsed} or {ProverKeyInUse}. Emits {LivenessProofSubmitted}.
    /// @param teeType The TEE type of `attestation` (selects the verifier and the allowlist).
    /// @param report What the attestation's report data commits to (see {reportDataHash}).
    /// @param attestation The raw attestation, in the layout of `teeType`'s verifier.
    function submitLivenessProof(TeeType teeType, LivenessReport calldata report, bytes calldata attestation)
        external
    {
        address operator = report.operator;
        _checkCanActFor(operator);
        if (report.proverKey == address(0)) revert ZeroProverKey();
        _checkReferenceBlock(report.referenceBlockNumber, report.referenceBlockHash);
        IAttestationVerifier verifier = _verifiers[teeType];
        if (address(verifier) == address(0)) revert UnsupportedTeeType(teeType);
        bytes32 commitment = reportDataHash(report);
        bytes32 attestationHash = keccak256(attestation);
        // Replay checks need only the inputs: done before the external call, so that a reverting replay costs little.
        if (attestationUsed[attestationHash]) revert AttestationAlreadyUsed(attestationHash);
        if (reportDataUsed[commitment]) revert ReportDataAlreadyUsed(commitment);
        address keyOperator = proverKeyOperator[report.proverKey];
        if (keyOperator != address(0) && keyOperator != operator) revert ProverKeyInUse(report.proverKey, keyOperator);

        // STATICCALL: the verifier cannot change any state, ours included.
        (IAttestationVerifier.Measurement[] memory measurements, bytes memory reportData) =
            verifier.verifyAttestation(attestation);
        _checkReportData(commitment, reportData);
        _checkMeasurements(teeType, measurements);

        attestationUsed[attestationHash] = true;
        reportDataUsed[commitment] = true;
        if (keyOperator == address(0)) proverKeyOperator[report.proverKey] = operator;
        uint48 liveUntil = uint48(block.timestamp + attestValiditySeconds);
        _provers[operator][teeType] =
            StoredProver({proverKey: report.proverKey, attestedAt: uint48(block.timestamp), liveUntil: liveUntil});
        emit LivenessProofSubmitted(operator, teeType, report.proverKey, attestationHash, liveUntil);
    }

    /// @notice Ends `operator`'s prover of `teeType`'s liveness now (its record keeps the key; {isProverLive} is false
    ///         from this timestamp on). Called by the operator or by an admin or appointee of it (this selector).
    /// @dev Reverts with {CallerCannotActForOperator} or {ProverNotLive}. Emits {ProverRevoked}.
    /// @param operator The operator whose prover stops.
    /// @param teeType The prover's TEE type.
    function revokeProver(address operator, TeeType teeType) external {
        _checkCanActFor(operator);
        StoredProver storage p = _provers[operator][teeType];
        if (block.timestamp >= p.liveUntil) revert ProverNotLive(operator, teeType);
        p.liveUntil = uint48(block.timestamp);
        emit ProverRevoked(operator, teeType);
    }

    // ------------------------------------------------------------------------------------------------ owner

    /// @notice Sets the attestation verifier of `teeType`; the zero address stops accepting that type (provers already
    ///         live stay live until their liveUntil). Owner only.
    /// @dev Reverts with Ownable's OwnableUnauthorizedAccount, or {VerifierNotAllowed} for TeeType.NONE, for DEVNET on a
    ///      deployment that is not a devnet, or when `verifier.teeType()` is not `teeType`. Emits {AttestationVerifierSet}.
    /// @param teeType The TEE type.
    /// @param verifier An {IAttestationVerifier} whose teeType() is `teeType`, or zero.
    function setAttestationVerifier(TeeType teeType, IAttestationVerifier verifier) external onlyOwner {
        if (address(verifier) != address(0)) {
            if (teeType == TeeType.NONE || (teeType == TeeType.DEVNET && !isDevnet)) {
                revert VerifierNotAllowed(teeType, address(verifier));
            }
            if (verifier.teeType() != uint8(teeType)) revert VerifierNotAllowed(teeType, address(verifier));
        }
        _verifiers[teeType] = verifier;
        emit AttestationVerifierSet(teeType, address(verifier));
    }

    /// @notice Allows (or stops allowing) measurement `value` of kind `kind` for `teeType`: an attestation is accepted
    ///         when at least one of its measurements is allowed. Allowing an MRSIGNER trusts every enclave its signer
    ///         signs, later versions included; an MRENCLAVE trusts one build. Owner only.
    /// @dev Reverts with Ownable's OwnableUnauthorizedAccount. Emits {MeasurementAllowlistUpdated}. Provers already live
    ///      stay live until their liveUntil.
    /// @param teeType The TEE type.
    /// @param kind What `value` measures.
    /// @param value The measurement (see {IAttestationVerifier.MeasurementKind}).
    /// @param allowed Whether it is allowed from now on.
    function setMeasurementAllowed(
        TeeType teeType,
        IAttestationVerifier.MeasurementKind kind,
        bytes32 value,
        bool allowed
    ) external onlyOwner {
        _allowedMeasurements[teeType][kind][value] = allowed;
        emit MeasurementAllowlistUpdated(teeType, kind, value, allowed);
    }

    /// @notice Sets how long a liveness proof accepted from now on keeps a prover live. Owner only.
    /// @dev Reverts with Ownable's OwnableUnauthorizedAccount or {InvalidAttestValidity}. Emits {AttestValiditySecondsSet}.
    /// @param attestValiditySeconds_ Seconds, 0 < it <= MAX_ATTEST_VALIDITY_SECONDS.
    function setAttestValiditySeconds(uint64 attestValiditySeconds_) external onlyOwner {
        _setAttestValiditySeconds(attestValiditySeconds_);
    }

    // ------------------------------------------------------------------------------------------------ views

    /// @inheritdoc ITEELivenessVerifier
    function reportDataHash(LivenessReport calldata report) public view returns (bytes32) {
        return keccak256(
            abi.encode(
                LIVENESS_TYPEHASH,
                report.proverKey,
                report.operator,
                report.referenceBlockNumber,
                report.referenceBlockHash,
                block.chainid,
                address(this)
            )
        );
    }

    /// @inheritdoc ITEELivenessVerifier
    function getProver(address operator, TeeType teeType) external view returns (Prover memory) {
        StoredProver storage p = _provers[operator][teeType];
        return Prover({proverKey: p.proverKey, attestedAt: p.attestedAt, liveUntil: p.liveUntil});
    }

    /// @inheritdoc ITEELivenessVerifier
    function isProverLive(address operator, TeeType teeType, uint256 timestamp) external view returns (bool) {
        StoredProver storage p = _provers[operator][teeType];
        return p.attestedAt <= timestamp && timestamp < p.liveUntil;
    }

    /// @notice Whether `value` of kind `kind` is an allowed measurement of `teeType`.
    function isMeasurementAllowed(TeeType teeType, IAttestationVerifier.MeasurementKind kind, bytes32 value)
        external
        view
        returns (bool)
    {
        return _allowedMeasurements[teeType][kind][value];
    }

    /// @notice The attestation verifier of `teeType` (zero when the type is not accepted).
    function attestationVerifier(TeeType teeType) external view returns (IAttestationVerifier) {
        return _verifiers[teeType];
    }

    // ------------------------------------------------------------------------------------------------ internal

    /// @dev Reverts unless the PermissionController lets msg.sender call this function (msg.sig) for `operator`. Only the
    ///      operator decides which key is its prover: anyone else could otherwise pin it to a key of theirs.
    function _checkCanActFor(address operator) internal view {
        if (!permissionController.canCall(operator, msg.sender, address(this), msg.sig)) {
            revert CallerCannotActForOperator(msg.sender, operator);
        }
    }

    /// @dev Reverts unless `number` is one of the MAX_REFERENCE_BLOCK_AGE blocks before this one and its hash is `hash`:
    ///      the attestation was made after that block was known, so it is at most that old.
    function _checkReferenceBlock(uint256 number, bytes32 hash) internal view {
        if (
            number >= block.number || block.number - number > MAX_REFERENCE_BLOCK_AGE || hash == bytes32(0)
                || blockhash(number) != hash
        ) revert StaleOrUnknownReferenceBlock(number, hash);
    }

    /// @dev Reverts unless `reportData` is exactly `commitment` followed by 32 zero bytes.
    function _checkReportData(bytes32 commitment, bytes memory reportData) internal view virtual {
        (bytes32 head, bytes32 tail) = _halves(reportData);
        if (reportData.length != 64 || head != commitment || tail != bytes32(0)) {
            revert ReportDataMismatch(commitment, reportData);
        }
    }

    /// @dev The two 32-byte words of 64 bytes of report data. Loads past a shorter array read other memory: callers
    ///      check the length, which makes them irrelevant.
    function _halves(bytes memory reportData) internal pure returns (bytes32 head, bytes32 tail) {
        assembly ("memory-safe") {
            head := mload(add(reportData, 0x20))
            tail := mload(add(reportData, 0x40))
        }
    }

    /// @dev Reverts unless at least one of `measurements` is allowed for `teeType`.
    function _checkMeasurements(TeeType teeType, IAttestationVerifier.Measurement[] memory measurements)
        internal
        view
    {
        uint256 n = measurements.length;
        for (uint256 i; i < n; ++i) {
            if (_allowedMeasurements[teeType][measurements[i].kind][measurements[i].value]) return;
        }
        revert MeasurementNotAllowed(teeType);
    }

    function _setAttestValiditySeconds(uint64 value) internal {
        if (value == 0 || value > MAX_ATTEST_VALIDITY_SECONDS) revert InvalidAttestValidity(value);
        attestValiditySeconds = value;
        emit AttestValiditySecondsSet(value);
    }
}
