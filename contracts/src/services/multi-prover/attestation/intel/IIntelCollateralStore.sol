// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {QeIdentityId, TcbInfoId} from "./IntelCollateralTypes.sol";

/// @title IIntelCollateralStore
/// @notice Intel's DCAP collateral on-chain: the root CA's CRL, each PCK CA's CRL, the TCB info of each platform
///         family (FMSPC) and the QE identities. Anyone may update an item; it is accepted only with Intel's signature
///         chain up to the Intel SGX Root CA (whose key is pinned) and only if newer than the stored one.
/// @dev Source: Intel SGX/TDX DCAP, PCS API v4 (collateral), RFC 5280 (certificates and CRLs).
interface IIntelCollateralStore {
    /// @notice A stored CRL. Revoked serials are kept under `generation` (a new CRL gets a new generation).
    /// @param thisUpdate The CRL's thisUpdate, unix seconds (0: none stored).
    /// @param nextUpdate Its nextUpdate, unix seconds: not to be used after it.
    /// @param generation Where its revoked serials are kept (see {isRevoked}).
    /// @param revokedCount How many serials it revokes.
    struct CrlRecord {
        uint64 thisUpdate;
        uint64 nextUpdate;
        uint32 generation;
        uint32 revokedCount;
    }

    /// @notice A stored TCB info or QE identity.
    /// @param issueDate Its issueDate, unix seconds (0: none stored).
    /// @param nextUpdate Its nextUpdate, unix seconds.
    /// @param signerNotAfter When the Intel TCB Signing certificate that signed it expires, unix seconds.
    /// @param data SSTORE2 pointer to abi.encode(TcbInfo) or abi.encode(QeIdentity).
    /// @param signerSerialHash keccak256 of that certificate's serial number (checked against the root CA's CRL).
    struct CollateralRecord {
        uint64 issueDate;
        uint64 nextUpdate;
        uint64 signerNotAfter;
        address data;
        bytes32 signerSerialHash;
    }

    /// @notice The certificate is not signed by its issuer's key.
    error CertificateSignatureInvalid();
    /// @notice The certificate is not valid at this block's time.
    error CertificateExpired(uint64 notBefore, uint64 notAfter);
    /// @notice The certificate's serial is on its issuer's CRL.
    error CertificateRevoked(bytes32 serialHash);
    /// @notice The CRL issuer is not a CA certificate.
    error CrlIssuerNotCa();
    /// @notice A CRL the check needs is not stored.
    error CrlMissing();
    /// @notice The collateral item's (CRL, TCB info, QE identity) signature by its Intel signer does not verify.
    error CollateralSignatureInvalid();
    /// @notice The signature is not 64 bytes (r || s).
    error CollateralSignatureMalformed();
    /// @notice The item is not newer than the stored one (its issueDate or thisUpdate is not later).
    error StaleCollateral(uint64 stored, uint64 given);

    /// @notice The root CA's CRL was replaced.
    event RootCaCrlUpdated(uint64 thisUpdate, uint64 nextUpdate, uint32 revokedCount);
    /// @notice The CRL of the PCK CA with key hash `issuerKeyHash` was replaced.
    event PckCrlUpdated(bytes32 indexed issuerKeyHash, uint64 thisUpdate, uint64 nextUpdate, uint32 revokedCount);
    /// @notice The TCB info of (`id`, `fmspc`) was replaced.
    event TcbInfoUpdated(
        TcbInfoId indexed id, bytes6 indexed fmspc, uint64 issueDate, uint64 nextUpdate, uint32 tcbEvaluationDataNumber
    );
    /// @notice The QE identity `id` was replaced.
    event QeIdentityUpdated(QeIdentityId indexed id, uint64 issueDate, uint64 nextUpdate, uint32 tcbEvaluationDataNumber);

    /// @notice The Intel SGX Root CA's P-256 public key, x (pinned).
    function ROOT_CA_KEY_X() external view returns (bytes32);
    /// @notice The Intel SGX Root CA's P-256 public key, y (pinned).
    function ROOT_CA_KEY_Y() external view returns (bytes32);

    /// @notice Stores the Intel SGX Root CA's CRL (DER), signed by the root key.
    /// @dev Reverts CrlMalformed, {CollateralSignatureInvalid}, {StaleCollateral}.
    function updateRootCaCrl(bytes calldata crlDer) external;

    /// @notice Stores a PCK CA's CRL (DER) with the CA's certificate (DER; signed by the root, valid now, not revoked by
    ///         the stored root CA CRL).
    /// @dev Reverts CertificateMalformed, {CertificateSignatureInvalid}, {CertificateExpired}, {CrlMissing},
    ///      {CertificateRevoked} (the issuer), {CrlIssuerNotCa}, CrlMalformed, {CollateralSignatureInvalid} (the CRL),
    ///      {StaleCollateral}.
    function updatePckCrl(bytes calldata crlDer, bytes calldata issuerCertDer) external;

    /// @notice Stores a TCB info: its exact JSON text (the "tcbInfo" object Intel signs), Intel's 64-byte signature
    ///         (r || s) over it and the TCB Signing certificate (DER; signed by the root, valid now, not revoked).
    /// @dev Reverts as {updatePckCrl} for the certificate, then {CollateralSignatureInvalid},
    ///      CollateralJsonMalformed, {StaleCollateral}.
    function updateTcbInfo(bytes calldata tcbInfoJson, bytes calldata signature, bytes calldata signingCertDer)
        external;

    /// @notice Stores a QE identity ("enclaveIdentity" JSON text), as {updateTcbInfo}.
    function updateQeIdentity(bytes calldata qeIdentityJson, bytes calldata signature, bytes calldata signingCertDer)
        external;

    /// @notice The stored root CA CRL.
    function rootCaCrl() external view returns (CrlRecord memory);
    /// @notice The stored CRL of the PCK CA whose key hash (keccak256(x || y)) is `issuerKeyHash`.
    function pckCrl(bytes32 issuerKeyHash) external view returns (CrlRecord memory);
    /// @notice Whether the CRL of `generation` revokes the serial whose keccak256 is `serialHash`.
    function isRevoked(uint32 generation, bytes32 serialHash) external view returns (bool);
    /// @notice The stored TCB info record of (`id`, `fmspc`).
    function tcbInfoRecord(TcbInfoId id, bytes6 fmspc) external view returns (CollateralRecord memory);
    /// @notice The stored QE identity record `id`.
    function qeIdentityRecord(QeIdentityId id) external view returns (CollateralRecord memory);
}
