// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @notice The quote is shorter than the structure its header and length fields declare, or its lengths do not nest.
error QuoteTruncated();
/// @notice Bytes after the quote's signature data are not all zero (quoting libraries pad TDX quotes with zeros only),
///         or a length field declares more than its contents use.
error QuoteTrailingBytes();
/// @notice The quote's version is not 3 (SGX) or 4 or 5 (TDX), or does not match its TEE type.
error UnsupportedQuoteVersion(uint16 version);
/// @notice The attestation key type is not ECDSA-256 with P-256 (2).
error UnsupportedAttestationKeyType(uint16 keyType);
/// @notice The quote's TEE type is not the one the verifier checks (0 SGX, 0x81 TDX), or a version 5 quote's body
///         type is not a TD report (2: TDX 1.0, 3: TDX 1.5).
error UnsupportedTeeType(uint32 teeType);
/// @notice The certification data is not what the quote version needs (v3: a PEM chain, type 5; v4: a QE report, type
///         6, holding a PEM chain, type 5).
error UnsupportedCertificationDataType(uint16 certType);

/// @title IntelQuote
/// @notice Reads an Intel DCAP quote, version 3 (SGX) or 4 or 5 (TDX), from its raw bytes: the header, the report body, the
///         attestation key's signature over both, the quoting enclave's (QE) report and its signature by the PCK key,
///         the QE authentication data and the PCK certificate chain.
/// @dev Source: Intel SGX ECDSA Quote Library API (quote format v3) and Intel TDX DCAP Quoting Library API (quote
///      formats v4 and v5; v5 puts a u16 body type and u32 body size before the body, both signed). Little-endian
///      integers. Every length field must fit and nest exactly; anything after the signature
///      data must be zero bytes.
library IntelQuote {
    /// @notice SGX TEE type in the header.
    uint32 internal constant TEE_TYPE_SGX = 0;
    /// @notice TDX TEE type in the header.
    uint32 internal constant TEE_TYPE_TDX = 0x81;
    /// @notice ECDSA-256-with-P-256 attestation key type.
    uint16 internal constant ATTESTATION_KEY_TYPE_ECDSA_P256 = 2;
    /// @notice Header length, bytes.
    uint256 internal constant HEADER_LENGTH = 48;
    /// @notice SGX enclave report body length, bytes.
    uint256 internal constant SGX_REPORT_LENGTH = 384;
    /// @notice TDX 1.0 TD report body length, bytes.
    uint256 internal constant TD_REPORT_LENGTH = 584;
    /// @notice TDX 1.5 TD report body length, bytes (TDX 1.0's, then TEE_TCB_SVN2 and MRSERVICETD).
    uint256 internal constant TD15_REPORT_LENGTH = 648;
    /// @notice Version 5 body types of TD reports.
    uint16 internal constant BODY_TD_REPORT10 = 2;
    uint16 internal constant BODY_TD_REPORT15 = 3;
    /// @notice Certification data type: PCK certificate chain, PEM.
    uint16 internal constant CERT_TYPE_PCK_CHAIN = 5;
    /// @notice Certification data type: QE report certification data (v4).
    uint16 internal constant CERT_TYPE_QE_REPORT = 6;

    /// @notice The parts of a quote the verifier checks.
    /// @param version Quote version (3 or 4).
    /// @param teeType TEE_TYPE_SGX or TEE_TYPE_TDX.
    /// @param signedHash sha256(header || report body): what the attestation key signed.
    /// @param report The report body (384 bytes for SGX, 584 for a TDX 1.0 TD report, 648 for TDX 1.5).
    /// @param isvSignatureR The attestation key's signature over `signedHash`, r.
    /// @param isvSignatureS Same, s.
    /// @param attestationKeyX The attestation key, P-256, x.
    /// @param attestationKeyY Same, y.
    /// @param qeReport The quoting enclave's report body (384 bytes, SGX layout).
    /// @param qeReportSignatureR The PCK key's signature over sha256(qeReport), r.
    /// @param qeReportSignatureS Same, s.
    /// @param qeAuthData The QE authentication data (hashed with the attestation key into the QE report data).
    /// @param pemChain The PCK certificate chain, PEM, as the quote carries it.
    struct Quote {
        uint16 version;
        uint32 teeType;
        bytes32 signedHash;
        bytes report;
        bytes32 isvSignatureR;
        bytes32 isvSignatureS;
        bytes32 attestationKeyX;
        bytes32 attestationKeyY;
        bytes qeReport;
        bytes32 qeReportSignatureR;
        bytes32 qeReportSignatureS;
        bytes qeAuthData;
        bytes pemChain;
    }

    /// @notice Parses `raw`.
    /// @dev Reverts {QuoteTruncated}, {QuoteTrailingBytes}, {UnsupportedQuoteVersion}, {UnsupportedAttestationKeyType},
    ///      {UnsupportedTeeType} or {UnsupportedCertificationDataType}.
    function parse(bytes calldata raw) internal pure returns (Quote memory q) {
        if (raw.length < HEADER_LENGTH) revert QuoteTruncated();
        q.version = _u16(raw, 0);
        uint16 keyType = _u16(raw, 2);
        q.teeType = _u32(raw, 4);
        if (q.teeType == TEE_TYPE_SGX) {
            if (q.version != 3) revert UnsupportedQuoteVersion(q.version);
        } else if (q.teeType == TEE_TYPE_TDX) {
            if (q.version != 4 && q.version != 5) revert UnsupportedQuoteVersion(q.version);
        } else {
            revert UnsupportedTeeType(q.teeType);
        }
        if (keyType != ATTESTATION_KEY_TYPE_ECDSA_P256) revert UnsupportedAttestationKeyType(keyType);

        (uint256 bodyStart, uint256 bodyLength) = _body(raw, q);
        uint256 offset = bodyStart + bodyLength;
        _need(raw, offset + 4);
        q.report = raw[bodyStart:offset];
        q.signedHash = sha256(raw[:offset]);
        uint256 end = offset + 4 + _u32(raw, offset);
        _need(raw, end);
        _checkPadding(raw, end);
        offset += 4;

        _need(raw, offset + 128);
        q.isvSignatureR = bytes32(raw[offset:offset + 32]);
        q.isvSignatureS = bytes32(raw[offset + 32:offset + 64]);
        q.attestationKeyX = bytes32(raw[offset + 64:offset + 96]);
        q.attestationKeyY = bytes32(raw[offset + 96:offset + 128]);
        offset += 128;

        if (q.version == 3) {
            offset = _qeReportAndChain(raw, offset, end, q);
        } else {
            (uint16 certType, uint256 start, uint256 stop) = _certificationData(raw, offset, end);
            if (certType != CERT_TYPE_QE_REPORT) revert UnsupportedCertificationDataType(certType);
            if (_qeReportAndChain(raw, start, stop, q) != stop) revert QuoteTrailingBytes();
            offset = stop;
        }
        if (offset != end) revert QuoteTrailingBytes();
    }

    /// @dev Where the report body starts and how long it is: after the header, and for v5 after its u16 type and u32
    ///      size, whose size must be its type's.
    function _body(bytes calldata raw, Quote memory q) private pure returns (uint256 start, uint256 length) {
        if (q.version != 5) return (HEADER_LENGTH, q.teeType == TEE_TYPE_SGX ? SGX_REPORT_LENGTH : TD_REPORT_LENGTH);
        _need(raw, HEADER_LENGTH + 6);
        uint16 bodyType = _u16(raw, HEADER_LENGTH);
        if (bodyType == BODY_TD_REPORT10) length = TD_REPORT_LENGTH;
        else if (bodyType == BODY_TD_REPORT15) length = TD15_REPORT_LENGTH;
        else revert UnsupportedTeeType(q.teeType);
        if (_u32(raw, HEADER_LENGTH + 2) != length) revert QuoteTruncated();
        start = HEADER_LENGTH + 6;
    }

    /// @dev QE report, its signature, the QE auth data and the PEM chain (type 5), within [offset, end). Returns the
    ///      offset after the chain.
    function _qeReportAndChain(bytes calldata raw, uint256 offset, uint256 end, Quote memory q)
        private
        pure
        returns (uint256)
    {
        if (offset + SGX_REPORT_LENGTH + 66 > end) revert QuoteTruncated();
        q.qeReport = raw[offset:offset + SGX_REPORT_LENGTH];
        offset += SGX_REPORT_LENGTH;
        q.qeReportSignatureR = bytes32(raw[offset:offset + 32]);
        q.qeReportSignatureS = bytes32(raw[offset + 32:offset + 64]);
        offset += 64;
        uint256 authEnd = offset + 2 + _u16(raw, offset);
        if (authEnd > end) revert QuoteTruncated();
        q.qeAuthData = raw[offset + 2:authEnd];
        (uint16 certType, uint256 start, uint256 stop) = _certificationData(raw, authEnd, end);
        if (certType != CERT_TYPE_PCK_CHAIN) revert UnsupportedCertificationDataType(certType);
        q.pemChain = raw[start:stop];
        return stop;
    }

    /// @dev A certification data entry at `offset`: u16 type, u32 size, data. Returns the data's bounds.
    function _certificationData(bytes calldata raw, uint256 offset, uint256 end)
        private
        pure
        returns (uint16 certType, uint256 start, uint256 stop)
    {
        if (offset + 6 > end) revert QuoteTruncated();
        certType = _u16(raw, offset);
        start = offset + 6;
        stop = start + _u32(raw, offset + 2);
        if (stop > end) revert QuoteTruncated();
    }

    function _checkPadding(bytes calldata raw, uint256 end) private pure {
        for (uint256 i = end; i < raw.length; ++i) {
            if (raw[i] != 0) revert QuoteTrailingBytes();
        }
    }

    function _need(bytes calldata raw, uint256 length) private pure {
        if (raw.length < length) revert QuoteTruncated();
    }

    function _u16(bytes calldata raw, uint256 at) private pure returns (uint16) {
        return uint16(uint8(raw[at])) | (uint16(uint8(raw[at + 1])) << 8);
    }

    function _u32(bytes calldata raw, uint256 at) private pure returns (uint32) {
        return uint32(_u16(raw, at)) | (uint32(_u16(raw, at + 2)) << 16);
    }
}
