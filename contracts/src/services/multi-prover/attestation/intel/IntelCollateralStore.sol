// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {SSTORE2} from "solady/utils/SSTORE2.sol";
import {IIntelCollateralStore} from "./IIntelCollateralStore.sol";
import {IntelCollateralJsonParser} from "./IntelCollateralJsonParser.sol";
import {QeIdentity, QeIdentityId, TcbInfo, TcbInfoId} from "./IntelCollateralTypes.sol";
import {IntelSignature} from "./IntelSignature.sol";
import {X509} from "./X509.sol";
import {X509Crl} from "./X509Crl.sol";

/// @title IntelCollateralStore
/// @notice Keeps Intel's DCAP collateral on-chain for the SGX and TDX quote verifiers. Permissionless: anyone may
///         submit an item fetched from Intel's PCS (or a PCCS cache); Intel's signature chain up to the pinned Intel SGX
///         Root CA key decides whether it is accepted, and an item replaces the stored one only if it is newer.
/// @dev Parsing happens once, here, at update time (a TCB info costs a few million gas to parse); quote verification
///      then reads the parsed form from an SSTORE2 pointer. The signer's certificate serial and expiry are kept with
///      each TCB info and QE identity so that a quote check can refuse items whose signer was revoked since.
contract IntelCollateralStore is IIntelCollateralStore {
    /// @inheritdoc IIntelCollateralStore
    bytes32 public constant ROOT_CA_KEY_X = 0x0ba9c4c0c0c86193a3fe23d6b02cda10a8bbd4e88e48b4458561a36e705525f5;
    /// @inheritdoc IIntelCollateralStore
    bytes32 public constant ROOT_CA_KEY_Y = 0x67918e2edc88e40d860bd0cc4ee26aacc988e505a953558c453f6b0904ae7394;

    /// @notice Parses the TCB info and QE identity JSON (deployed with the store).
    IntelCollateralJsonParser public immutable jsonParser;

    /// @dev Last CRL generation handed out (generation 0 is never used: it marks "no CRL").
    uint32 private _generations;
    CrlRecord private _rootCaCrl;
    mapping(bytes32 issuerKeyHash => CrlRecord) private _pckCrls;
    mapping(uint32 generation => mapping(bytes32 serialHash => bool)) private _revoked;
    mapping(TcbInfoId id => mapping(bytes6 fmspc => CollateralRecord)) private _tcbInfos;
    mapping(QeIdentityId id => CollateralRecord) private _qeIdentities;

    constructor() {
        jsonParser = new IntelCollateralJsonParser();
    }

    /// @inheritdoc IIntelCollateralStore
    function updateRootCaCrl(bytes calldata crlDer) external {
        X509Crl.Crl memory crl = X509Crl.parse(crlDer);
        if (!IntelSignature.verify(crl.tbsHash, crl.signatureR, crl.signatureS, ROOT_CA_KEY_X, ROOT_CA_KEY_Y)) {
            revert CollateralSignatureInvalid();
        }
        _rootCaCrl = _storeCrl(_rootCaCrl, crl);
        emit RootCaCrlUpdated(crl.thisUpdate, crl.nextUpdate, uint32(crl.revokedSerialHashes.length));
    }

    /// @inheritdoc IIntelCollateralStore
    function updatePckCrl(bytes calldata crlDer, bytes calldata issuerCertDer) external {
        X509.Certificate memory issuer = _rootSignedCertificate(issuerCertDer);
        if (!issuer.isCa) revert CrlIssuerNotCa();
        X509Crl.Crl memory crl = X509Crl.parse(crlDer);
        if (!IntelSignature.verify(crl.tbsHash, crl.signatureR, crl.signatureS, issuer.publicKeyX, issuer.publicKeyY))
        {
            revert CollateralSignatureInvalid();
        }
        bytes32 issuerKeyHash = keccak256(abi.encodePacked(issuer.publicKeyX, issuer.publicKeyY));
        _pckCrls[issuerKeyHash] = _storeCrl(_pckCrls[issuerKeyHash], crl);
        emit PckCrlUpdated(issuerKeyHash, crl.thisUpdate, crl.nextUpdate, uint32(crl.revokedSerialHashes.length));
    }

    /// @inheritdoc IIntelCollateralStore
    function updateTcbInfo(bytes calldata tcbInfoJson, bytes calldata signature, bytes calldata signingCertDer)
        external
    {
        X509.Certificate memory signer = _checkSignedCollateral(tcbInfoJson, signature, signingCertDer);
        TcbInfo memory info = jsonParser.parseTcbInfo(tcbInfoJson);
        CollateralRecord storage stored = _tcbInfos[info.id][info.fmspc];
        _checkNewer(stored.issueDate, info.issueDate);
        _tcbInfos[info.id][info.fmspc] = _record(info.issueDate, info.nextUpdate, signer, abi.encode(info));
        emit TcbInfoUpdated(info.id, info.fmspc, info.issueDate, info.nextUpdate, info.tcbEvaluationDataNumber);
    }

    /// @inheritdoc IIntelCollateralStore
    function updateQeIdentity(bytes calldata qeIdentityJson, bytes calldata signature, bytes calldata signingCertDer)
        external
    {
        X509.Certificate memory signer = _checkSignedCollateral(qeIdentityJson, signature, signingCertDer);
        QeIdentity memory identity = jsonParser.parseQeIdentity(qeIdentityJson);
        _checkNewer(_qeIdentities[identity.id].issueDate, identity.issueDate);
        _qeIdentities[identity.id] = _record(identity.issueDate, identity.nextUpdate, signer, abi.encode(identity));
        emit QeIdentityUpdated(identity.id, identity.issueDate, identity.nextUpdate, identity.tcbEvaluationDataNumber);
    }

    /// @inheritdoc IIntelCollateralStore
    function rootCaCrl() external view returns (CrlRecord memory) {
        return _rootCaCrl;
    }

    /// @inheritdoc IIntelCollateralStore
    function pckCrl(bytes32 issuerKeyHash) external view returns (CrlRecord memory) {
        return _pckCrls[issuerKeyHash];
    }

    /// @inheritdoc IIntelCollateralStore
    function isRevoked(uint32 generation, bytes32 serialHash) external view returns (bool) {
        return _revoked[generation][serialHash];
    }

    /// @inheritdoc IIntelCollateralStore
    function tcbInfoRecord(TcbInfoId id, bytes6 fmspc) external view returns (CollateralRecord memory) {
        return _tcbInfos[id][fmspc];
    }

    /// @inheritdoc IIntelCollateralStore
    function qeIdentityRecord(QeIdentityId id) external view returns (CollateralRecord memory) {
        return _qeIdentities[id];
    }

    // ------------------------------------------------------------------------------------------------ internal

    /// @dev A certificate signed by the Intel root key, valid now and not on the stored root CA CRL.
    function _rootSignedCertificate(bytes calldata der) private view returns (X509.Certificate memory cert) {
        cert = X509.parse(der);
        if (!IntelSignature.verify(cert.tbsHash, cert.signatureR, cert.signatureS, ROOT_CA_KEY_X, ROOT_CA_KEY_Y)) {
            revert CertificateSignatureInvalid();
        }
        if (block.timestamp < cert.notBefore || block.timestamp > cert.notAfter) {
            revert CertificateExpired(cert.notBefore, cert.notAfter);
        }
        CrlRecord memory rootCrl = _rootCaCrl;
        if (rootCrl.generation == 0) revert CrlMissing();
        if (_revoked[rootCrl.generation][cert.serialHash]) revert CertificateRevoked(cert.serialHash);
    }

    /// @dev The signer certificate checks, then Intel's signature over the exact JSON bytes.
    function _checkSignedCollateral(bytes calldata json, bytes calldata signature, bytes calldata signingCertDer)
        private
        view
        returns (X509.Certificate memory signer)
    {
        signer = _rootSignedCertificate(signingCertDer);
        if (signature.length != 64) revert CollateralSignatureMalformed();
        bool valid = IntelSignature.verify(
            sha256(json), bytes32(signature[:32]), bytes32(signature[32:]), signer.publicKeyX, signer.publicKeyY
        );
        if (!valid) revert CollateralSignatureInvalid();
    }

    /// @dev Replaces `stored` by `crl` if newer: a fresh generation holds its revoked serials.
    function _storeCrl(CrlRecord memory stored, X509Crl.Crl memory crl) private returns (CrlRecord memory record) {
        _checkNewer(stored.thisUpdate, crl.thisUpdate);
        uint32 generation = ++_generations;
        uint256 count = crl.revokedSerialHashes.length;
        for (uint256 i; i < count; ++i) {
            _revoked[generation][crl.revokedSerialHashes[i]] = true;
        }
        record = CrlRecord({
            thisUpdate: crl.thisUpdate,
            nextUpdate: crl.nextUpdate,
            generation: generation,
            revokedCount: uint32(count)
        });
    }

    function _record(uint64 issueDate, uint64 nextUpdate, X509.Certificate memory signer, bytes memory encoded)
        private
        returns (CollateralRecord memory)
    {
        return CollateralRecord({
            issueDate: issueDate,
            nextUpdate: nextUpdate,
            signerNotAfter: signer.notAfter,
            data: SSTORE2.write(encoded),
            signerSerialHash: signer.serialHash
        });
    }

    /// @dev Only newer replaces. An item issued "in the future" is still Intel's: quote checks refuse it until then.
    function _checkNewer(uint64 stored, uint64 given) private pure {
        if (given <= stored) revert StaleCollateral(stored, given);
    }
}
