// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {DerReader} from "./DerReader.sol";
import {X509} from "./X509.sol";

/// @title X.509 certificate revocation lists of Intel's SGX/TDX PKI
/// @notice Parses a DER X.509 v2 CRL (RFC 5280 section 5) signed with ECDSA P-256/SHA-256, as Intel publishes the
///         Root CA CRL and the PCK Processor/Platform CA CRLs. Parsing only: the caller checks the signature against
///         the issuer's key and the update window.
/// @dev Strict DER as in `X509`: version v2 and nextUpdate required, a present revoked list is non-empty, entry and
///      CRL extensions walked structurally, nothing after the CRL. Anything else reverts `CrlMalformed()`.
library X509Crl {
    /// @notice The CRL is not a strict DER X.509 v2 CRL of the supported shape.
    error CrlMalformed();

    /// @notice What a verifier needs from a CRL.
    /// @param tbsHash sha256 of the TBSCertList's full DER (tag, length and content): what the issuer signed.
    /// @param thisUpdate Issue time, unix seconds.
    /// @param nextUpdate Time by which the next CRL is issued, unix seconds.
    /// @param revokedSerialHashes keccak256 of each revoked userCertificate INTEGER's content bytes (as DER-encoded,
    ///        sign byte included, so comparable with `X509.Certificate.serialHash`), in the CRL's order.
    /// @param signatureR The issuer's ECDSA signature over `tbsHash`, r.
    /// @param signatureS The issuer's ECDSA signature over `tbsHash`, s (not low-s normalised).
    struct Crl {
        bytes32 tbsHash;
        uint64 thisUpdate;
        uint64 nextUpdate;
        bytes32[] revokedSerialHashes;
        bytes32 signatureR;
        bytes32 signatureS;
    }

    /// @dev `INTEGER 1` (v2): 3 bytes.
    bytes32 private constant _VERSION_2 = hex"020101";
    /// @dev Smallest revoked entry: SEQUENCE header (2) + INTEGER (3) + UTCTime (15).
    uint256 private constant _MIN_ENTRY_SIZE = 20;

    /// @notice Parses a DER CRL.
    /// @param der The CRL's DER encoding, nothing before or after it.
    /// @return crl The fields a verifier needs.
    function parse(bytes memory der) internal pure returns (Crl memory crl) {
        bytes4 err = CrlMalformed.selector;
        (uint256 tbs, uint256 end) = DerReader.expect(der, 0, der.length, DerReader.TAG_SEQUENCE, err);
        if (end != der.length) revert CrlMalformed();
        (uint256 p, uint256 tbsStop) = DerReader.expect(der, tbs, end, DerReader.TAG_SEQUENCE, err);
        crl.tbsHash = DerReader.sha256At(der, tbs, tbsStop - tbs);

        if (!DerReader.elementEquals(der, p, tbsStop, 3, _VERSION_2)) revert CrlMalformed();
        p = X509.checkEcdsaWithSha256(der, p + 3, tbsStop, err);
        uint256 s;
        (s, p) = DerReader.expect(der, p, tbsStop, DerReader.TAG_SEQUENCE, err); // issuer
        DerReader.walk(der, s, p, err);
        (crl.thisUpdate, p) = X509.readTime(der, p, tbsStop, err);
        (crl.nextUpdate, p) = X509.readTime(der, p, tbsStop, err);
        if (p < tbsStop && DerReader.byteAt(der, p) == DerReader.TAG_SEQUENCE) {
            (crl.revokedSerialHashes, p) = _parseRevoked(der, p, tbsStop);
        }
        if (p < tbsStop) {
            // crlExtensions [0] EXPLICIT Extensions, last in the TBSCertList.
            (s, p) = DerReader.expect(der, p, tbsStop, 0xa0, err);
            DerReader.walk(der, s, p, err);
        }
        if (p != tbsStop) revert CrlMalformed();

        p = X509.checkEcdsaWithSha256(der, tbsStop, end, err);
        (crl.signatureR, crl.signatureS, p) = X509.readEcdsaSignature(der, p, end, err);
        if (p != end) revert CrlMalformed();
    }

    /// @dev Parses revokedCertificates at `p` (a non-empty SEQUENCE OF SEQUENCE { INTEGER, Time, Extensions OPTIONAL })
    ///      and returns the serial hashes and the list's end.
    function _parseRevoked(bytes memory der, uint256 p, uint256 stop)
        private
        pure
        returns (bytes32[] memory hashes, uint256 next)
    {
        bytes4 err = CrlMalformed.selector;
        uint256 s;
        (p, next) = DerReader.expect(der, p, stop, DerReader.TAG_SEQUENCE, err);
        if (p == next) revert CrlMalformed();
        // Sized for the most entries that fit, then shortened to the count found.
        hashes = new bytes32[]((next - p) / _MIN_ENTRY_SIZE);
        uint256 count;
        while (p < next) {
            uint256 e;
            (s, e) = DerReader.expect(der, p, next, DerReader.TAG_SEQUENCE, err);
            p = e;
            uint256 serialStop;
            (s, serialStop) = DerReader.expect(der, s, e, DerReader.TAG_INTEGER, err);
            DerReader.unsignedInteger(der, s, serialStop, err);
            if (serialStop - s > 21) revert CrlMalformed();
            hashes[count++] = DerReader.keccakAt(der, s, serialStop - s);
            (, s) = X509.readTime(der, serialStop, e, err); // revocationDate
            if (s < e) {
                // crlEntryExtensions
                uint256 extStop;
                (s, extStop) = DerReader.expect(der, s, e, DerReader.TAG_SEQUENCE, err);
                if (extStop != e) revert CrlMalformed();
                DerReader.walk(der, s, e, err);
            }
        }
        assembly ("memory-safe") {
            mstore(hashes, count)
        }
    }
}
