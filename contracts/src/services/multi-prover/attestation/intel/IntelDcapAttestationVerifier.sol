// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Bytes} from "@openzeppelin/contracts/utils/Bytes.sol";
import {SSTORE2} from "solady/utils/SSTORE2.sol";
import {IAttestationVerifier} from "../IAttestationVerifier.sol";
import {IIntelCollateralStore} from "./IIntelCollateralStore.sol";
import {IIntelDcapAttestationVerifier} from "./IIntelDcapAttestationVerifier.sol";
import {QeIdentity, QeIdentityId, TcbInfo, TcbInfoId, TcbStatus} from "./IntelCollateralTypes.sol";
import {IntelQuote, UnsupportedTeeType} from "./IntelQuote.sol";
import {IntelReports} from "./IntelReports.sol";
import {IntelSignature} from "./IntelSignature.sol";
import {IntelTcb} from "./IntelTcb.sol";
import {IntelPckChainParser} from "./IntelPckChainParser.sol";
import {X509} from "./X509.sol";

/// @title IntelDcapAttestationVerifier
/// @notice Verifies Intel DCAP quotes of one TEE type (SGX quote v3 or TDX quote v4) from their raw bytes, on-chain:
///         the PCK certificate chain up to the pinned Intel SGX Root CA with validity periods and CRLs, the quoting
///         enclave's report (signed by the PCK key, bound to the attestation key, matching Intel's QE identity), the
///         report body's signature by the attestation key, the platform's TCB level from Intel's TCB info, and the
///         DEBUG / TD attributes. Collateral comes from an {IIntelCollateralStore}; the owner sets the policy.
/// @dev Checks run in the order of Intel's QVL as @phala/dcap-qvl implements it, so that the off-chain verifier of this
///      repository names the same first failure. P-256 through OpenZeppelin's P256 (EIP-7951 precompile at 0x100).
contract IntelDcapAttestationVerifier is IIntelDcapAttestationVerifier, Ownable {
    /// @dev TeeType values of the liveness verifier (ITEELivenessVerifier.TeeType).
    uint8 private constant LIVENESS_TEE_SGX = 2;
    uint8 private constant LIVENESS_TEE_TDX = 3;

    /// @inheritdoc IIntelDcapAttestationVerifier
    IIntelCollateralStore public immutable collateralStore;
    /// @inheritdoc IIntelDcapAttestationVerifier
    uint32 public immutable quoteTeeType;
    /// @notice Parses the quotes' PCK certificate chains (deployed with the verifier).
    IntelPckChainParser public immutable pckChainParser;

    Policy private _policy;

    /// @param initialOwner Sets the policy.
    /// @param store The collateral store.
    /// @param teeType_ IntelQuote.TEE_TYPE_SGX (0) or IntelQuote.TEE_TYPE_TDX (0x81).
    /// @param initialPolicy The first policy.
    constructor(address initialOwner, IIntelCollateralStore store, uint32 teeType_, Policy memory initialPolicy)
        Ownable(initialOwner)
    {
        if (teeType_ != IntelQuote.TEE_TYPE_SGX && teeType_ != IntelQuote.TEE_TYPE_TDX) {
            revert UnsupportedTeeType(teeType_);
        }
        collateralStore = store;
        quoteTeeType = teeType_;
        pckChainParser = new IntelPckChainParser();
        _setPolicy(initialPolicy);
    }

    /// @inheritdoc IAttestationVerifier
    function teeType() external view returns (uint8) {
        return quoteTeeType == IntelQuote.TEE_TYPE_SGX ? LIVENESS_TEE_SGX : LIVENESS_TEE_TDX;
    }

    /// @inheritdoc IIntelDcapAttestationVerifier
    function policy() external view returns (Policy memory) {
        return _policy;
    }

    /// @inheritdoc IIntelDcapAttestationVerifier
    function setPolicy(Policy calldata newPolicy) external onlyOwner {
        _setPolicy(newPolicy);
    }

    /// @inheritdoc IAttestationVerifier
    /// @dev {verifyQuote}, then the policy: reverts {TcbStatusNotAllowed} or {CollateralTooOld}.
    function verifyAttestation(bytes calldata attestation)
        external
        view
        returns (Measurement[] memory measurements, bytes memory reportData)
    {
        QuoteVerdict memory verdict = verifyQuote(attestation);
        Policy memory p = _policy;
        if (p.allowedTcbStatuses & (uint16(1) << uint8(verdict.tcbStatus)) == 0) {
            revert TcbStatusNotAllowed(verdict.tcbStatus);
        }
        if (p.maxCollateralAgeSeconds != 0 && block.timestamp - verdict.collateralIssuedAt > p.maxCollateralAgeSeconds)
        {
            revert CollateralTooOld(verdict.collateralIssuedAt, p.maxCollateralAgeSeconds);
        }
        if (verdict.teeType == IntelQuote.TEE_TYPE_SGX) {
            measurements = new Measurement[](2);
            measurements[0] = Measurement(MeasurementKind.MRENCLAVE, verdict.mrEnclave);
            measurements[1] = Measurement(MeasurementKind.MRSIGNER, verdict.mrSigner);
        } else {
            measurements = new Measurement[](1);
            measurements[0] = Measurement(MeasurementKind.MRTD, sha256(verdict.mrTd));
        }
        reportData = verdict.reportData;
    }

    /// @inheritdoc IIntelDcapAttestationVerifier
    function verifyQuote(bytes calldata quote) public view returns (QuoteVerdict memory verdict) {
        IntelQuote.Quote memory q = IntelQuote.parse(quote);
        if (q.teeType != quoteTeeType) revert UnsupportedTeeType(q.teeType);
        Evidence memory e = _collateralAndChain(q);
        (TcbStatus qeStatus, string[] memory qeAdvisories) = _checkQuotingEnclave(q, e);
        if (!IntelSignature.verify(
                q.signedHash, q.isvSignatureR, q.isvSignatureS, q.attestationKeyX, q.attestationKeyY
            )) revert IsvReportSignatureInvalid();
        (TcbStatus platformStatus, string[] memory platformAdvisories) = _matchPlatform(q, e);
        (verdict.tcbStatus, verdict.advisoryIds) =
            IntelTcb.merge(platformStatus, platformAdvisories, qeStatus, qeAdvisories);
        verdict.teeType = q.teeType;
        verdict.version = q.version;
        verdict.collateralIssuedAt = e.collateralIssuedAt;
        _readReport(q, verdict);
    }

    // ------------------------------------------------------------------------------------------------ steps

    /// @dev What the quote's chain and the stored collateral give the later checks.
    struct Evidence {
        X509.PckExtension pck;
        TcbInfo tcbInfo;
        QeIdentity qeIdentity;
        bytes32 pckKeyX;
        bytes32 pckKeyY;
        uint64 collateralIssuedAt;
    }

    /// @dev In the order of the off-chain verifier: the chain's shape and root key, the CRLs and revocation, the TCB
    ///      info (selected by the PCK certificate's FMSPC) and QE identity, then the chain's signatures and validity.
    function _collateralAndChain(IntelQuote.Quote memory q) private view returns (Evidence memory e) {
        bool isTdx = q.teeType == IntelQuote.TEE_TYPE_TDX;
        X509.Certificate[3] memory chain;
        (chain, e.pck) = pckChainParser.parsePckChain(q.pemChain);
        bytes32 rootX = collateralStore.ROOT_CA_KEY_X();
        bytes32 rootY = collateralStore.ROOT_CA_KEY_Y();
        if (chain[2].publicKeyX != rootX || chain[2].publicKeyY != rootY) revert UntrustedRootCertificate();
        _checkRevocation(chain);
        uint64 tcbIssued;
        uint64 qeIssued;
        (e.tcbInfo, tcbIssued) = _tcbInfo(isTdx, e.pck.fmspc);
        (e.qeIdentity, qeIssued) = _qeIdentity(isTdx);
        e.collateralIssuedAt = tcbIssued < qeIssued ? tcbIssued : qeIssued;
        _checkSignaturesAndValidity(chain, rootX, rootY);
        (e.pckKeyX, e.pckKeyY) = (chain[0].publicKeyX, chain[0].publicKeyY);
    }

    /// @dev The QE report: signed by the PCK key, binding the attestation key, matching Intel's QE identity.
    function _checkQuotingEnclave(IntelQuote.Quote memory q, Evidence memory e)
        private
        view
        returns (TcbStatus, string[] memory)
    {
        if (!IntelSignature.verify(sha256(q.qeReport), q.qeReportSignatureR, q.qeReportSignatureS, e.pckKeyX, e.pckKeyY))
        {
            revert QeReportSignatureInvalid();
        }
        bytes32 binding = sha256(abi.encodePacked(q.attestationKeyX, q.attestationKeyY, q.qeAuthData));
        if (IntelReports.word(q.qeReport, IntelReports.SGX_REPORTDATA) != binding) revert QeReportDataMismatch();
        return IntelTcb.matchQuotingEnclave(q.qeReport, e.qeIdentity);
    }

    /// @dev The platform's TCB level (TDX also compares the TD report's TEE_TCB_SVN).
    function _matchPlatform(IntelQuote.Quote memory q, Evidence memory e)
        private
        pure
        returns (TcbStatus, string[] memory)
    {
        bool isTdx = q.teeType == IntelQuote.TEE_TYPE_TDX;
        TcbInfo memory info = e.tcbInfo;
        bool matchesTee =
            isTdx ? info.id == TcbInfoId.TDX && info.version >= 3 : info.id == TcbInfoId.SGX && info.version >= 2;
        if (!matchesTee) revert TcbInfoMismatch();
        bytes16 teeTcbSvn = isTdx ? bytes16(IntelReports.word(q.report, IntelReports.TD_TEE_TCB_SVN)) : bytes16(0);
        return IntelTcb.matchPlatform(info, e.pck.cpuSvn, e.pck.pceSvn, isTdx, teeTcbSvn);
    }

    /// @dev The attribute checks and the measurements and report data of the report body.
    function _readReport(IntelQuote.Quote memory q, QuoteVerdict memory verdict) private pure {
        if (q.teeType == IntelQuote.TEE_TYPE_TDX) {
            if (q.report.length == IntelQuote.TD15_REPORT_LENGTH) IntelReports.checkTd15(q.report);
            IntelReports.checkTdAttributes(q.report);
            verdict.mrTd = Bytes.slice(q.report, IntelReports.TD_MRTD, IntelReports.TD_MRTD + 48);
            verdict.reportData = Bytes.slice(q.report, IntelReports.TD_REPORTDATA, IntelReports.TD_REPORTDATA + 64);
        } else {
            IntelReports.checkSgxAttributes(q.report);
            verdict.mrEnclave = IntelReports.word(q.report, IntelReports.SGX_MRENCLAVE);
            verdict.mrSigner = IntelReports.word(q.report, IntelReports.SGX_MRSIGNER);
            verdict.reportData = Bytes.slice(q.report, IntelReports.SGX_REPORTDATA, IntelReports.SGX_REPORTDATA + 64);
        }
    }

    // ------------------------------------------------------------------------------------------------ internal

    /// @dev The stored TCB info for `fmspc`, valid now, signed by a signer still valid and not revoked.
    function _tcbInfo(bool isTdx, bytes6 fmspc) private view returns (TcbInfo memory info, uint64 issueDate) {
        IIntelCollateralStore.CollateralRecord memory record =
            collateralStore.tcbInfoRecord(isTdx ? TcbInfoId.TDX : TcbInfoId.SGX, fmspc);
        if (record.issueDate == 0) revert TcbInfoMissing(fmspc);
        if (block.timestamp < record.issueDate || block.timestamp > record.nextUpdate) {
            revert TcbInfoExpired(record.issueDate, record.nextUpdate);
        }
        _checkCollateralSigner(record);
        info = abi.decode(SSTORE2.read(record.data), (TcbInfo));
        issueDate = record.issueDate;
    }

    /// @dev The stored QE identity of this TEE's quoting enclave, valid now, of a version its quotes use.
    function _qeIdentity(bool isTdx) private view returns (QeIdentity memory identity, uint64 issueDate) {
        IIntelCollateralStore.CollateralRecord memory record =
            collateralStore.qeIdentityRecord(isTdx ? QeIdentityId.TD_QE : QeIdentityId.QE);
        if (record.issueDate == 0) revert QeIdentityMissing();
        if (block.timestamp < record.issueDate || block.timestamp > record.nextUpdate) {
            revert QeIdentityExpired(record.issueDate, record.nextUpdate);
        }
        _checkCollateralSigner(record);
        identity = abi.decode(SSTORE2.read(record.data), (QeIdentity));
        if (identity.version != 2 && !(isTdx && identity.version == 3)) revert QeIdentityMismatch();
        issueDate = record.issueDate;
    }

    /// @dev The Intel TCB Signing certificate that signed a collateral item is still valid and not revoked.
    function _checkCollateralSigner(IIntelCollateralStore.CollateralRecord memory record) private view {
        if (block.timestamp > record.signerNotAfter) {
            revert IIntelCollateralStore.CertificateExpired(0, record.signerNotAfter);
        }
        IIntelCollateralStore.CrlRecord memory rootCrl = _freshCrl(collateralStore.rootCaCrl());
        if (collateralStore.isRevoked(rootCrl.generation, record.signerSerialHash)) {
            revert IIntelCollateralStore.CertificateRevoked(record.signerSerialHash);
        }
    }

    /// @dev The root CA CRL and the PCK CA's CRL are stored and valid now; the PCK CA is not on the first, the PCK
    ///      certificate not on the second.
    function _checkRevocation(X509.Certificate[3] memory chain) private view {
        IIntelCollateralStore.CrlRecord memory rootCrl = _freshCrl(collateralStore.rootCaCrl());
        bytes32 issuerKeyHash = keccak256(abi.encodePacked(chain[1].publicKeyX, chain[1].publicKeyY));
        IIntelCollateralStore.CrlRecord memory pckCrl = _freshCrl(collateralStore.pckCrl(issuerKeyHash));
        if (collateralStore.isRevoked(pckCrl.generation, chain[0].serialHash)) {
            revert IIntelCollateralStore.CertificateRevoked(chain[0].serialHash);
        }
        if (collateralStore.isRevoked(rootCrl.generation, chain[1].serialHash)) {
            revert IIntelCollateralStore.CertificateRevoked(chain[1].serialHash);
        }
    }

    /// @dev Each certificate signed by the next one's key and the root by the pinned key; all valid now; the PCK
    ///      certificate not a CA.
    function _checkSignaturesAndValidity(X509.Certificate[3] memory chain, bytes32 rootX, bytes32 rootY) private view {
        for (uint256 i; i < 3; ++i) {
            X509.Certificate memory cert = chain[i];
            (bytes32 x, bytes32 y) = i < 2 ? (chain[i + 1].publicKeyX, chain[i + 1].publicKeyY) : (rootX, rootY);
            if (!IntelSignature.verify(cert.tbsHash, cert.signatureR, cert.signatureS, x, y)) {
                revert IIntelCollateralStore.CertificateSignatureInvalid();
            }
            if (block.timestamp < cert.notBefore || block.timestamp > cert.notAfter) {
                revert IIntelCollateralStore.CertificateExpired(cert.notBefore, cert.notAfter);
            }
        }
        if (chain[0].isCa) revert CaUsedAsEndEntity();
    }

    /// @dev `crl`, if stored and valid now.
    function _freshCrl(IIntelCollateralStore.CrlRecord memory crl)
        private
        view
        returns (IIntelCollateralStore.CrlRecord memory)
    {
        if (crl.generation == 0) revert IIntelCollateralStore.CrlMissing();
        if (block.timestamp < crl.thisUpdate || block.timestamp > crl.nextUpdate) {
            revert CrlExpired(crl.thisUpdate, crl.nextUpdate);
        }
        return crl;
    }

    function _setPolicy(Policy memory newPolicy) private {
        _policy = newPolicy;
        emit PolicyUpdated(newPolicy.allowedTcbStatuses, newPolicy.maxCollateralAgeSeconds);
    }
}
