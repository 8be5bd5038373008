// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {ITEELivenessVerifier} from "../ITEELivenessVerifier.sol";
import {IAttestationVerifier} from "./IAttestationVerifier.sol";

/// @title DevnetAttestationVerifier
/// @notice Verifies devnet TEE attestations: an Intel SGX report body (the 384-byte REPORTBODY of the SGX
///         architecture) signed by a devnet attestation key, which stands in for Intel's quoting enclave and its
///         certificate chain. Only a TEELivenessVerifier deployed as a devnet accepts this verifier (TeeType.DEVNET).
/// @dev Attestation layout (449 bytes): reportBody (384) ‖ r (32) ‖ s (32) ‖ v (1), where (r, s, v) is the attestation
///      key's ECDSA signature (low s, v ∈ {27, 28}) over keccak256(abi.encodePacked(DEVNET_REPORT_TAG, reportBody)).
///      Report body offsets used: attributes 48 (16 bytes; flags is a little-endian uint64 whose bit 1 is DEBUG),
///      MRENCLAVE 64, MRSIGNER 128, ISVPRODID 256 (uint16 LE), ISVSVN 258 (uint16 LE), REPORTDATA 320 (64 bytes).
///      The TypeScript side is src/services/multi-prover/tee/ (reportBody.ts, devnetQuotingKey.ts).
contract DevnetAttestationVerifier is IAttestationVerifier {
    /// @notice Domain tag hashed before the report body: a devnet attestation key's signature over anything else (a
    ///         transaction, another protocol's message) is never an attestation.
    bytes32 public constant DEVNET_REPORT_TAG = keccak256("avs-stack.multi-prover.DevnetSgxReport.v1");
    /// @notice Length of an SGX report body, bytes.
    uint256 public constant REPORT_BODY_LENGTH = 384;
    /// @notice Length of an attestation: report body and a 65-byte signature, bytes.
    uint256 public constant ATTESTATION_LENGTH = REPORT_BODY_LENGTH + 65;

    uint256 internal constant ATTRIBUTES_OFFSET = 48;
    uint256 internal constant MRENCLAVE_OFFSET = 64;
    uint256 internal constant MRSIGNER_OFFSET = 128;
    uint256 internal constant REPORT_DATA_OFFSET = 320;
    /// @dev SGX_FLAGS_DEBUG: bit 1 of the flags' first (least significant) byte.
    uint8 internal constant FLAG_DEBUG = 0x02;

    /// @notice The devnet attestation key: the only signer of accepted report bodies.
    address public immutable attestationKey;

    /// @notice The attestation is not ATTESTATION_LENGTH bytes.
    error InvalidAttestationLength(uint256 length);
    /// @notice The signature is malformed (high s, bad v) or not by {attestationKey}.
    error InvalidAttestationSignature();
    /// @notice The enclave runs in DEBUG mode: its memory is readable by the host, so its keys are not its own.
    error DebugEnclaveNotAllowed();
    /// @notice The attestation key is the zero address.
    error ZeroAttestationKey();

    /// @param attestationKey_ The devnet attestation key's address (see src/services/multi-prover/tee/).
    constructor(address attestationKey_) {
        if (attestationKey_ == address(0)) revert ZeroAttestationKey();
        attestationKey = attestationKey_;
    }

    /// @inheritdoc IAttestationVerifier
    /// @dev Always uint8(TeeType.DEVNET).
    function teeType() external pure returns (uint8) {
        return uint8(ITEELivenessVerifier.TeeType.DEVNET);
    }

    /// @inheritdoc IAttestationVerifier
    /// @dev Reverts with {InvalidAttestationLength}, {InvalidAttestationSignature} or {DebugEnclaveNotAllowed}.
    ///      Returns [MRENCLAVE, MRSIGNER] and the REPORTDATA field.
    function verifyAttestation(bytes calldata attestation)
        external
        view
        returns (Measurement[] memory measurements, bytes memory reportData)
    {
        if (attestation.length != ATTESTATION_LENGTH) revert InvalidAttestationLength(attestation.length);
        bytes calldata body = attestation[:REPORT_BODY_LENGTH];
        bytes32 r = bytes32(attestation[REPORT_BODY_LENGTH:REPORT_BODY_LENGTH + 32]);
        bytes32 s = bytes32(attestation[REPORT_BODY_LENGTH + 32:REPORT_BODY_LENGTH + 64]);
        uint8 v = uint8(attestation[REPORT_BODY_LENGTH + 64]);
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(reportDigest(body), v, r, s);
        if (err != ECDSA.RecoverError.NoError || signer != attestationKey) revert InvalidAttestationSignature();
        if (uint8(body[ATTRIBUTES_OFFSET]) & FLAG_DEBUG != 0) revert DebugEnclaveNotAllowed();

        measurements = new Measurement[](2);
        measurements[0] = Measurement(MeasurementKind.MRENCLAVE, bytes32(body[MRENCLAVE_OFFSET:MRENCLAVE_OFFSET + 32]));
        measurements[1] = Measurement(MeasurementKind.MRSIGNER, bytes32(body[MRSIGNER_OFFSET:MRSIGNER_OFFSET + 32]));
        reportData = body[REPORT_DATA_OFFSET:REPORT_DATA_OFFSET + 64];
    }

    /// @notice The digest the attestation key signs: keccak256(abi.encodePacked(DEVNET_REPORT_TAG, reportBody)).
    /// @param reportBody The 384-byte report body (any length is hashed as given).
    function reportDigest(bytes calldata reportBody) public pure returns (bytes32) {
        return keccak256(abi.encodePacked(DEVNET_REPORT_TAG, reportBody));
    }
}
