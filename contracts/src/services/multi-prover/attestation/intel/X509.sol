// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {DateTimeLib} from "solady/utils/DateTimeLib.sol";
import {DerReader} from "./DerReader.sol";

/// @title X.509 certificates of Intel's SGX/TDX PCK chain
/// @notice Parses a DER X.509 v3 certificate (RFC 5280) signed with ECDSA P-256/SHA-256 over a P-256 subject key, as
///         Intel issues them (PCK certificate, PCK Processor/Platform CA, SGX Root CA), and reads the Intel SGX
///         extension of a PCK certificate. Parsing only: the caller checks signatures, validity and revocation.
/// @dev Strict: every element is walked (names and extensions the parser ignores included), the encoding must be
///      DER, and nothing may follow the certificate. Anything else reverts `CertificateMalformed()`.
library X509 {
    /// @notice The certificate is not a strict DER X.509 v3 certificate of the supported shape.
    error CertificateMalformed();
    /// @notice The Intel SGX extension of a PCK certificate is missing, repeated or malformed.
    error PckExtensionMalformed();

    /// @notice What a verifier needs from a certificate.
    /// @param tbsHash sha256 of the TBSCertificate's full DER (tag, length and content): what the issuer signed.
    /// @param serialHash keccak256 of the serial number INTEGER's content bytes, as DER-encoded (sign byte included).
    /// @param notBefore Start of validity, unix seconds.
    /// @param notAfter End of validity, unix seconds.
    /// @param publicKeyX The subject's P-256 public key, x coordinate.
    /// @param publicKeyY The subject's P-256 public key, y coordinate.
    /// @param isCa Whether basicConstraints is present with cA TRUE.
    /// @param signatureR The issuer's ECDSA signature over `tbsHash`, r (not range-checked here).
    /// @param signatureS The issuer's ECDSA signature over `tbsHash`, s (not range-checked, nor low-s).
    struct Certificate {
        bytes32 tbsHash;
        bytes32 serialHash;
        uint64 notBefore;
        uint64 notAfter;
        bytes32 publicKeyX;
        bytes32 publicKeyY;
        bool isCa;
        bytes32 signatureR;
        bytes32 signatureS;
    }

    /// @notice The fields of the Intel SGX extension (OID 1.2.840.113741.1.13.1) a quote verifier needs.
    /// @param fmspc The platform family, 6 bytes (…13.1.4).
    /// @param pceId The PCE id, 2 bytes (…13.1.3).
    /// @param cpuSvn The CPU SVN, 16 bytes (…13.1.2.18).
    /// @param pceSvn The PCE SVN (…13.1.2.17).
    struct PckExtension {
        bytes6 fmspc;
        bytes2 pceId;
        bytes16 cpuSvn;
        uint16 pceSvn;
    }

    /// @dev AlgorithmIdentifier ecdsa-with-SHA256 (1.2.840.10045.4.3.2), parameters absent (RFC 5758): 12 bytes.
    bytes32 private constant _ECDSA_WITH_SHA256 = hex"300a06082a8648ce3d040302";
    /// @dev `[0] EXPLICIT INTEGER 2` (v3): 5 bytes.
    bytes32 private constant _VERSION_3 = hex"a003020102";
    /// @dev SubjectPublicKeyInfo up to the point's coordinates: SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 },
    ///      BIT STRING (0 unused bits) 0x04 || X || Y }: 27 bytes, then 64 bytes of X and Y.
    bytes32 private constant _P256_SPKI_PREFIX = hex"3059301306072a8648ce3d020106082a8648ce3d03010703420004";
    /// @dev OID 2.5.29.19 (basicConstraints) element: 5 bytes.
    bytes32 private constant _OID_BASIC_CONSTRAINTS = hex"0603551d13";
    /// @dev OID 1.2.840.113741.1.13.1 (Intel SGX extension) element: 11 bytes.
    bytes32 private constant _OID_SGX = hex"06092a864886f84d010d01";
    /// @dev First 11 bytes of an OID element 1.2.840.113741.1.13.1.<n> (12 bytes, n < 128).
    bytes32 private constant _OID_SGX_CHILD = hex"060a2a864886f84d010d01";
    /// @dev First 12 bytes of an OID element 1.2.840.113741.1.13.1.2.<n> (13 bytes, n < 128).
    bytes32 private constant _OID_SGX_TCB_CHILD = hex"060b2a864886f84d010d0102";
    /// @dev BOOLEAN TRUE, the only DER encoding of a present DEFAULT FALSE boolean: 3 bytes.
    bytes32 private constant _TRUE = hex"0101ff";

    /// @notice Parses a DER certificate.
    /// @param der The certificate's DER encoding, nothing before or after it.
    /// @return cert The fields a verifier needs.
    function parse(bytes memory der) internal pure returns (Certificate memory cert) {
        (cert,,) = _parse(der);
    }

    /// @notice Reads the Intel SGX extension of a PCK certificate, after checking the whole certificate as `parse`.
    /// @dev Exactly one SGX extension; in it exactly one FMSPC, PCE-ID and TCB, and in the TCB exactly one PCESVN and
    ///      CPUSVN. Other entries are walked structurally and ignored.
    /// @param der The certificate's DER encoding.
    /// @return ext The extension's fields.
    function parsePckExtension(bytes memory der) internal pure returns (PckExtension memory ext) {
        (, ext) = parseWithPckExtension(der);
    }

    /// @notice `parse` and `parsePckExtension` in one pass.
    /// @param der The PCK certificate's DER encoding.
    /// @return cert The fields a verifier needs.
    /// @return ext The SGX extension's fields.
    function parseWithPckExtension(bytes memory der)
        internal
        pure
        returns (Certificate memory cert, PckExtension memory ext)
    {
        uint256 start;
        uint256 stop;
        (cert, start, stop) = _parse(der);
        if (start == 0) revert PckExtensionMalformed();
        ext = _parseSgxExtension(der, start, stop);
    }

    /// @notice Checks that the element at `offset` is the AlgorithmIdentifier ecdsa-with-SHA256 (no parameters).
    /// @param der The buffer.
    /// @param offset Start of the element.
    /// @param end End (exclusive) of the enclosing content.
    /// @param err Error selector to revert with.
    /// @return next End of the element.
    function checkEcdsaWithSha256(bytes memory der, uint256 offset, uint256 end, bytes4 err)
        internal
        pure
        returns (uint256 next)
    {
        if (!DerReader.elementEquals(der, offset, end, 12, _ECDSA_WITH_SHA256)) DerReader.fail(err);
        next = offset + 12;
    }

    /// @notice Reads an ECDSA signature value: BIT STRING (0 unused bits) holding SEQUENCE { INTEGER r, INTEGER s },
    ///         each a minimal non-negative INTEGER of at most 32 bytes after its sign byte.
    /// @param der The buffer.
    /// @param offset Start of the BIT STRING.
    /// @param end End (exclusive) of the enclosing content.
    /// @param err Error selector to revert with.
    /// @return r The signature's r.
    /// @return s The signature's s.
    /// @return next End of the BIT STRING.
    function readEcdsaSignature(bytes memory der, uint256 offset, uint256 end, bytes4 err)
        internal
        pure
        returns (bytes32 r, bytes32 s, uint256 next)
    {
        uint256 start;
        (start, next) = DerReader.expect(der, offset, end, DerReader.TAG_BIT_STRING, err);
        if (start >= next || DerReader.byteAt(der, start) != 0) DerReader.fail(err);
        (uint256 seqStart, uint256 seqStop) = DerReader.expect(der, start + 1, next, DerReader.TAG_SEQUENCE, err);
        if (seqStop != next) DerReader.fail(err);
        (uint256 rValue, uint256 p) = DerReader.readUint(der, seqStart, seqStop, 32, err);
        (uint256 sValue, uint256 q) = DerReader.readUint(der, p, seqStop, 32, err);
        if (q != seqStop) DerReader.fail(err);
        (r, s) = (bytes32(rValue), bytes32(sValue));
    }

    /// @notice Reads a Time (RFC 5280 4.1.2.5): UTCTime YYMMDDHHMMSSZ for years 1950-2049 (YY >= 50 means 19YY),
    ///         GeneralizedTime YYYYMMDDHHMMSSZ from 2050 on; before 1970 is refused.
    /// @param der The buffer.
    /// @param offset Start of the element.
    /// @param end End (exclusive) of the enclosing content.
    /// @param err Error selector to revert with.
    /// @return timestamp Unix seconds.
    /// @return next End of the element.
    function readTime(bytes memory der, uint256 offset, uint256 end, bytes4 err)
        internal
        pure
        returns (uint64 timestamp, uint256 next)
    {
        (uint256 tag, uint256 p, uint256 stop) = DerReader.header(der, offset, end, err);
        next = stop;
        uint256 len = stop - p;
        if (!((tag == DerReader.TAG_UTC_TIME && len == 13) || (tag == DerReader.TAG_GENERALIZED_TIME && len == 15))) {
            DerReader.fail(err);
        }
        (uint256 year, uint256 month, uint256 day, uint256 secs, bool ok) = _timeFields(der, p, len);
        if (!ok || !DateTimeLib.isSupportedDate(year, month, day)) DerReader.fail(err);
        timestamp = uint64(DateTimeLib.dateToEpochDay(year, month, day) * 86400 + secs);
    }

    /// @dev The date and the seconds into the day of the UTCTime (`len` 13) or GeneralizedTime (`len` 15) content at
    ///      `p`, and whether its digits, time of day, 'Z' and (GeneralizedTime) year >= 2050 are valid.
    function _timeFields(bytes memory der, uint256 p, uint256 len)
        private
        pure
        returns (uint256 year, uint256 month, uint256 day, uint256 secs, bool ok)
    {
        ok = true;
        assembly ("memory-safe") {
            // Two ASCII digits at byte i of word; a byte below '0' wraps around, so one comparison covers both sides.
            function twoDigits(word, i) -> v, good {
                let a := sub(byte(i, word), 0x30)
                let b := sub(byte(add(i, 1), word), 0x30)
                good := and(lt(a, 10), lt(b, 10))
                v := add(mul(a, 10), b)
            }
            let w := mload(add(add(der, 0x20), p))
            let g := 0
            year, g := twoDigits(w, 0)
            ok := and(ok, g)
            let i := 2
            switch len
            case 13 {
                // UTCTime: YY >= 50 means 19YY.
                year := add(year, sub(2000, mul(100, iszero(lt(year, 50)))))
            }
            default {
                let lo := 0
                lo, g := twoDigits(w, 2)
                year := add(mul(year, 100), lo)
                // GeneralizedTime only from 2050 (RFC 5280).
                ok := and(ok, and(g, iszero(lt(year, 2050))))
                i := 4
            }
            month, g := twoDigits(w, i)
            ok := and(ok, g)
            day, g := twoDigits(w, add(i, 2))
            ok := and(ok, g)
            let v := 0
            v, g := twoDigits(w, add(i, 4))
            ok := and(ok, and(g, lt(v, 24)))
            secs := mul(v, 3600)
            v, g := twoDigits(w, add(i, 6))
            ok := and(ok, and(g, lt(v, 60)))
            secs := add(secs, mul(v, 60))
            v, g := twoDigits(w, add(i, 8))
            ok := and(ok, and(g, lt(v, 60)))
            secs := add(secs, v)
            ok := and(ok, eq(byte(add(i, 10), w), 0x5a)) // 'Z'
        }
    }

    /// @dev Parses the certificate; returns where the SGX extension's OCTET STRING content lies (0, 0 if absent).
    function _parse(bytes memory der) private pure returns (Certificate memory cert, uint256 sgxStart, uint256 sgxStop) {
        bytes4 err = CertificateMalformed.selector;
        (uint256 tbs, uint256 end) = DerReader.expect(der, 0, der.length, DerReader.TAG_SEQUENCE, err);
        if (end != der.length) revert CertificateMalformed();
        (uint256 tbsStart, uint256 tbsStop) = DerReader.expect(der, tbs, end, DerReader.TAG_SEQUENCE, err);
        cert.tbsHash = DerReader.sha256At(der, tbs, tbsStop - tbs);
        (sgxStart, sgxStop) = _parseTbs(der, tbsStart, tbsStop, cert);
        uint256 p = checkEcdsaWithSha256(der, tbsStop, end, err);
        (cert.signatureR, cert.signatureS, p) = readEcdsaSignature(der, p, end, err);
        if (p != end) revert CertificateMalformed();
    }

    /// @dev Parses the TBSCertificate's content `[p, stop)` into `cert`.
    function _parseTbs(bytes memory der, uint256 p, uint256 stop, Certificate memory cert)
        private
        pure
        returns (uint256 sgxStart, uint256 sgxStop)
    {
        bytes4 err = CertificateMalformed.selector;
        if (!DerReader.elementEquals(der, p, stop, 5, _VERSION_3)) revert CertificateMalformed();
        (uint256 s, uint256 e) = DerReader.expect(der, p + 5, stop, DerReader.TAG_INTEGER, err);
        DerReader.unsignedInteger(der, s, e, err);
        // RFC 5280: at most 20 value bytes, so 21 with a sign byte.
        if (e - s > 21) revert CertificateMalformed();
        cert.serialHash = DerReader.keccakAt(der, s, e - s);
        p = checkEcdsaWithSha256(der, e, stop, err);
        p = _walkSequence(der, p, stop); // issuer
        (s, e) = DerReader.expect(der, p, stop, DerReader.TAG_SEQUENCE, err); // validity
        (cert.notBefore, p) = readTime(der, s, e, err);
        (cert.notAfter, p) = readTime(der, p, e, err);
        if (p != e) revert CertificateMalformed();
        p = _walkSequence(der, e, stop); // subject
        if (!DerReader.elementEquals(der, p, stop, 27, _P256_SPKI_PREFIX) || p + 91 > stop) {
            revert CertificateMalformed();
        }
        cert.publicKeyX = DerReader.wordAt(der, p + 27);
        cert.publicKeyY = DerReader.wordAt(der, p + 59);
        p += 91;
        // No issuerUniqueID/subjectUniqueID (RFC 5280 CAs must not issue them); extensions are optional.
        if (p != stop) (sgxStart, sgxStop) = _parseExtensions(der, p, stop, cert);
    }

    /// @dev Parses `[3] EXPLICIT Extensions` at `p`, which must end the TBSCertificate at `stop`.
    function _parseExtensions(bytes memory der, uint256 p, uint256 stop, Certificate memory cert)
        private
        pure
        returns (uint256 sgxStart, uint256 sgxStop)
    {
        bytes4 err = CertificateMalformed.selector;
        (uint256 s, uint256 e) = DerReader.expect(der, p, stop, 0xa3, err);
        if (e != stop) revert CertificateMalformed();
        (p, e) = DerReader.expect(der, s, stop, DerReader.TAG_SEQUENCE, err);
        // SEQUENCE SIZE (1..MAX) OF Extension
        if (e != stop || p == e) revert CertificateMalformed();
        bool basicConstraintsSeen;
        while (p < stop) {
            (s, e) = DerReader.expect(der, p, stop, DerReader.TAG_SEQUENCE, err);
            p = e;
            (, uint256 oidStop) = DerReader.expect(der, s, e, DerReader.TAG_OID, err);
            uint256 q = oidStop;
            // critical BOOLEAN DEFAULT FALSE: DER encodes it only when TRUE.
            if (q < e && DerReader.byteAt(der, q) == DerReader.TAG_BOOLEAN) {
                if (!DerReader.elementEquals(der, q, e, 3, _TRUE)) revert CertificateMalformed();
                q += 3;
            }
            (uint256 vs, uint256 ve) = DerReader.expect(der, q, e, DerReader.TAG_OCTET_STRING, err);
            if (ve != e) revert CertificateMalformed();
            if (DerReader.elementEquals(der, s, oidStop, 5, _OID_BASIC_CONSTRAINTS)) {
                if (basicConstraintsSeen) revert CertificateMalformed();
                basicConstraintsSeen = true;
                cert.isCa = _parseBasicConstraints(der, vs, ve);
            } else if (DerReader.elementEquals(der, s, oidStop, 11, _OID_SGX)) {
                if (sgxStart != 0) revert PckExtensionMalformed();
                (sgxStart, sgxStop) = (vs, ve);
            }
        }
    }

    /// @dev BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }.
    function _parseBasicConstraints(bytes memory der, uint256 p, uint256 stop) private pure returns (bool isCa) {
        bytes4 err = CertificateMalformed.selector;
        (uint256 s, uint256 e) = DerReader.expect(der, p, stop, DerReader.TAG_SEQUENCE, err);
        if (e != stop) revert CertificateMalformed();
        if (DerReader.elementEquals(der, s, e, 3, _TRUE)) {
            isCa = true;
            s += 3;
        }
        if (s != e) (, s) = DerReader.readUint(der, s, e, 32, err);
        if (s != e) revert CertificateMalformed();
    }

    /// @dev Parses the SGX extension's value `[p, stop)`: SEQUENCE OF SEQUENCE { OID, value }.
    function _parseSgxExtension(bytes memory der, uint256 p, uint256 stop) private pure returns (PckExtension memory ext) {
        bytes4 err = PckExtensionMalformed.selector;
        uint256 e;
        (p, e) = DerReader.expect(der, p, stop, DerReader.TAG_SEQUENCE, err);
        if (e != stop) revert PckExtensionMalformed();
        uint256 seen; // bit n: entry 1.13.1.n found
        while (p < stop) {
            uint256 s;
            (s, e) = DerReader.expect(der, p, stop, DerReader.TAG_SEQUENCE, err);
            p = e;
            (, uint256 v) = DerReader.expect(der, s, e, DerReader.TAG_OID, err);
            uint256 id = (v - s == 12 && DerReader.bytesEqual(der, s, 11, _OID_SGX_CHILD)) ? DerReader.byteAt(der, s + 11) : 0;
            if (id == 2 || id == 3 || id == 4) {
                if (seen & (1 << id) != 0) revert PckExtensionMalformed();
                seen |= 1 << id;
            }
            if (id == 2) {
                (ext.cpuSvn, ext.pceSvn) = _parseTcb(der, v, e);
            } else if (id == 3) {
                ext.pceId = bytes2(_octetString(der, v, e, 2));
            } else if (id == 4) {
                ext.fmspc = bytes6(_octetString(der, v, e, 6));
            } else {
                DerReader.walk(der, v, e, err);
            }
        }
        if (seen != (1 << 2) | (1 << 3) | (1 << 4)) revert PckExtensionMalformed();
    }

    /// @dev Parses the TCB entry's value `[p, stop)`: SEQUENCE OF SEQUENCE { OID 1.13.1.2.n, value }.
    function _parseTcb(bytes memory der, uint256 p, uint256 stop) private pure returns (bytes16 cpuSvn, uint16 pceSvn) {
        bytes4 err = PckExtensionMalformed.selector;
        uint256 e;
        (p, e) = DerReader.expect(der, p, stop, DerReader.TAG_SEQUENCE, err);
        if (e != stop) revert PckExtensionMalformed();
        uint256 seen;
        while (p < stop) {
            uint256 s;
            (s, e) = DerReader.expect(der, p, stop, DerReader.TAG_SEQUENCE, err);
            p = e;
            (, uint256 v) = DerReader.expect(der, s, e, DerReader.TAG_OID, err);
            uint256 id =
                (v - s == 13 && DerReader.bytesEqual(der, s, 12, _OID_SGX_TCB_CHILD)) ? DerReader.byteAt(der, s + 12) : 0;
            if (id == 17) {
                if (seen & 1 != 0) revert PckExtensionMalformed();
                seen |= 1;
                (uint256 value, uint256 next) = DerReader.readUint(der, v, e, 2, err);
                if (next != e) revert PckExtensionMalformed();
                pceSvn = uint16(value);
            } else if (id == 18) {
                if (seen & 2 != 0) revert PckExtensionMalformed();
                seen |= 2;
                cpuSvn = bytes16(_octetString(der, v, e, 16));
            } else {
                DerReader.walk(der, v, e, err);
            }
        }
        if (seen != 3) revert PckExtensionMalformed();
    }

    /// @dev Reads an OCTET STRING of exactly `len` bytes filling `[p, stop)`; returns its bytes left-aligned.
    function _octetString(bytes memory der, uint256 p, uint256 stop, uint256 len) private pure returns (bytes32 value) {
        (uint256 s, uint256 e) = DerReader.expect(der, p, stop, DerReader.TAG_OCTET_STRING, PckExtensionMalformed.selector);
        if (e != stop || e - s != len) revert PckExtensionMalformed();
        value = DerReader.wordAt(der, s);
    }

    /// @dev Checks the SEQUENCE at `p` structurally (a Name); returns its end.
    function _walkSequence(bytes memory der, uint256 p, uint256 stop) private pure returns (uint256 next) {
        uint256 s;
        (s, next) = DerReader.expect(der, p, stop, DerReader.TAG_SEQUENCE, CertificateMalformed.selector);
        DerReader.walk(der, s, next, CertificateMalformed.selector);
    }
}
