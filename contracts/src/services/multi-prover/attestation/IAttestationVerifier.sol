// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title IAttestationVerifier
/// @notice Verifies one TEE type's attestation (an Intel SGX DCAP quote, a TDX quote, a devnet report) from its raw
///         bytes and returns what the TEELivenessVerifier needs: the enclave's measurements and the 64 bytes of report
///         data the enclave put in it. One implementation per TEE type; the liveness verifier owner chooses which.
/// @dev Implementations revert with a custom error naming what failed (signature, certificate, TCB level, DEBUG
///      enclave, ...); they never decide whether a measurement is allowed: that is the liveness verifier's allowlist.
interface IAttestationVerifier {
    /// @notice What a measurement value measures.
    /// @dev MRENCLAVE and MRSIGNER are SGX's 32-byte values (Intel SGX report body); MRTD is TDX's 48-byte value,
    ///      given here as sha256(MRTD) so that every value is 32 bytes.
    enum MeasurementKind {
        MRENCLAVE,
        MRSIGNER,
        MRTD
    }

    /// @notice One measurement of the attested enclave or trust domain.
    /// @param kind What it measures.
    /// @param value The value (see {MeasurementKind}).
    struct Measurement {
        MeasurementKind kind;
        bytes32 value;
    }

    /// @notice The TEE type this verifier checks (the TEELivenessVerifier's TeeType, as a uint8).
    function teeType() external view returns (uint8);

    /// @notice Verifies `attestation` and returns its measurements and report data.
    /// @dev Reverts (custom error) when the attestation does not verify.
    /// @param attestation The raw attestation (layout per TEE type).
    /// @return measurements The enclave's measurements (SGX and devnet: MRENCLAVE then MRSIGNER; TDX: MRTD).
    /// @return reportData The 64 bytes of report data the enclave bound into the attestation.
    function verifyAttestation(bytes calldata attestation)
        external
        view
        returns (Measurement[] memory measurements, bytes memory reportData);
}
