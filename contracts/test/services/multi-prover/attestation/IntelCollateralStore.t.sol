// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {console} from "forge-std/console.sol";
import {SSTORE2} from "solady/utils/SSTORE2.sol";
import {IIntelCollateralStore} from
    "../../../../src/services/multi-prover/attestation/intel/IIntelCollateralStore.sol";
import {
    QeIdentity,
    QeIdentityId,
    TcbInfo,
    TcbInfoId
} from "../../../../src/services/multi-prover/attestation/intel/IntelCollateralTypes.sol";
import {IntelDcapFixture} from "./IntelDcapFixture.sol";

/// @notice The collateral store on Intel's real collateral: what it keeps, that only Intel-signed and newer items get
///         in, and the gas of each update.
contract IntelCollateralStoreTest is IntelDcapFixture {
    string internal sgx;
    string internal tdx;

    function setUp() public override {
        super.setUp();
        sgx = _collateral("sgx_quote");
        tdx = _collateral("tdx_quote");
        vm.warp(SGX_FROM + 1 days);
    }

    function test_updateRootCaCrl_keepsItsDates() public {
        vm.expectEmit(address(store));
        emit IIntelCollateralStore.RootCaCrlUpdated(1742469717, 1775215317, 0);
        store.updateRootCaCrl(_hexField(sgx, ".root_ca_crl"));
        IIntelCollateralStore.CrlRecord memory crl = store.rootCaCrl();
        // thisUpdate 2025-03-20T11:21:57Z, nextUpdate 2026-04-03T11:21:57Z, no serial revoked.
        assertEq(crl.thisUpdate, 1742469717);
        assertEq(crl.nextUpdate, 1775215317);
        assertEq(crl.revokedCount, 0);
        assertGt(crl.generation, 0);
    }

    function test_updateRootCaCrl_refusesTheSameCrlTwice() public {
        bytes memory crl = _hexField(sgx, ".root_ca_crl");
        store.updateRootCaCrl(crl);
        vm.expectRevert(abi.encodeWithSelector(IIntelCollateralStore.StaleCollateral.selector, 1742469717, 1742469717));
        store.updateRootCaCrl(crl);
    }

    function test_updateRootCaCrl_refusesACrlWhoseSignatureWasChanged() public {
        bytes memory crl = _hexField(sgx, ".root_ca_crl");
        crl[crl.length - 5] ^= 0x01; // inside s
        vm.expectRevert(IIntelCollateralStore.CollateralSignatureInvalid.selector);
        store.updateRootCaCrl(crl);
    }

    function test_updatePckCrl_needsTheRootCrlFirst() public {
        vm.expectRevert(IIntelCollateralStore.CrlMissing.selector);
        store.updatePckCrl(_hexField(tdx, ".pck_crl"), _firstCert(tdx, ".pck_crl_issuer_chain"));
    }

    function test_updatePckCrl_keepsTheRevokedSerials() public {
        store.updateRootCaCrl(_hexField(tdx, ".root_ca_crl"));
        bytes memory issuer = _firstCert(tdx, ".pck_crl_issuer_chain");
        store.updatePckCrl(_hexField(tdx, ".pck_crl"), issuer);
        (bytes32 x, bytes32 y) = _keyOf(issuer);
        IIntelCollateralStore.CrlRecord memory crl = store.pckCrl(keccak256(abi.encodePacked(x, y)));
        assertEq(crl.revokedCount, 44);
        assertEq(crl.thisUpdate, 1750327235); // 2025-06-19T10:00:35Z
    }

    function test_updatePckCrl_refusesAnIssuerThatIsNotACa() public {
        store.updateRootCaCrl(_hexField(tdx, ".root_ca_crl"));
        vm.expectRevert(IIntelCollateralStore.CrlIssuerNotCa.selector);
        store.updatePckCrl(_hexField(tdx, ".pck_crl"), _firstCert(tdx, ".tcb_info_issuer_chain"));
    }

    function test_updatePckCrl_refusesACrlOfAnotherCa() public {
        store.updateRootCaCrl(_hexField(tdx, ".root_ca_crl"));
        // The SGX quote's CRL is the processor CA's; the TDX bundle's issuer is the platform CA.
        vm.expectRevert(IIntelCollateralStore.CollateralSignatureInvalid.selector);
        store.updatePckCrl(_hexField(sgx, ".pck_crl"), _firstCert(tdx, ".pck_crl_issuer_chain"));
    }

    function test_updateTcbInfo_keepsTheParsedTcbInfo() public {
        store.updateRootCaCrl(_hexField(sgx, ".root_ca_crl"));
        vm.expectEmit(address(store));
        emit IIntelCollateralStore.TcbInfoUpdated(TcbInfoId.SGX, bytes6(0x00a067110000), 1750330571, 1752922571, 17);
        store.updateTcbInfo(
            bytes(vm.parseJsonString(sgx, ".tcb_info")),
            _hexField(sgx, ".tcb_info_signature"),
            _firstCert(sgx, ".tcb_info_issuer_chain")
        );
        IIntelCollateralStore.CollateralRecord memory record = store.tcbInfoRecord(TcbInfoId.SGX, bytes6(0x00a067110000));
        assertEq(record.issueDate, 1750330571);
        assertEq(record.nextUpdate, 1752922571);
        assertEq(record.signerNotAfter, 1967448300); // the TCB Signing certificate: 2032-05-06T09:25:00Z
        TcbInfo memory info = abi.decode(SSTORE2.read(record.data), (TcbInfo));
        assertEq(info.tcbLevels.length, 11);
        assertEq(info.fmspc, bytes6(0x00a067110000));
    }

    function test_updateTcbInfo_refusesAChangedDocument() public {
        store.updateRootCaCrl(_hexField(sgx, ".root_ca_crl"));
        bytes memory json = bytes(vm.parseJsonString(sgx, ".tcb_info"));
        json[json.length - 3] = json[json.length - 3] == bytes1("a") ? bytes1("b") : bytes1("a");
        bytes memory signature = _hexField(sgx, ".tcb_info_signature");
        bytes memory signer = _firstCert(sgx, ".tcb_info_issuer_chain");
        vm.expectRevert(IIntelCollateralStore.CollateralSignatureInvalid.selector);
        store.updateTcbInfo(json, signature, signer);
    }

    function test_updateTcbInfo_refusesASignatureThatIsNot64Bytes() public {
        store.updateRootCaCrl(_hexField(sgx, ".root_ca_crl"));
        bytes memory json = bytes(vm.parseJsonString(sgx, ".tcb_info"));
        bytes memory signer = _firstCert(sgx, ".tcb_info_issuer_chain");
        vm.expectRevert(IIntelCollateralStore.CollateralSignatureMalformed.selector);
        store.updateTcbInfo(json, new bytes(63), signer);
    }

    function test_updateTcbInfo_refusesASignerNotIssuedByTheRoot() public {
        store.updateRootCaCrl(_hexField(sgx, ".root_ca_crl"));
        bytes memory json = bytes(vm.parseJsonString(sgx, ".tcb_info"));
        bytes memory signature = _hexField(sgx, ".tcb_info_signature");
        // The SGX quote's own PCK certificate: issued by the PCK processor CA, not by the root.
        bytes memory pck = _pckCertificateOfTheSgxQuote();
        vm.expectRevert(IIntelCollateralStore.CertificateSignatureInvalid.selector);
        store.updateTcbInfo(json, signature, pck);
    }

    function test_updateTcbInfo_refusesAnExpiredSigner() public {
        store.updateRootCaCrl(_hexField(sgx, ".root_ca_crl"));
        bytes memory json = bytes(vm.parseJsonString(sgx, ".tcb_info"));
        bytes memory signature = _hexField(sgx, ".tcb_info_signature");
        bytes memory signer = _firstCert(sgx, ".tcb_info_issuer_chain");
        vm.warp(1967448301);
        vm.expectRevert(abi.encodeWithSelector(IIntelCollateralStore.CertificateExpired.selector, 1746523500, 1967448300));
        store.updateTcbInfo(json, signature, signer);
    }

    function test_updateQeIdentity_replacesOnlyWithANewerOne() public {
        store.updateRootCaCrl(_hexField(sgx, ".root_ca_crl"));
        bytes memory json = bytes(vm.parseJsonString(sgx, ".qe_identity"));
        bytes memory signature = _hexField(sgx, ".qe_identity_signature");
        bytes memory signer = _firstCert(sgx, ".qe_identity_issuer_chain");
        store.updateQeIdentity(json, signature, signer);
        IIntelCollateralStore.CollateralRecord memory record = store.qeIdentityRecord(QeIdentityId.QE);
        assertEq(record.issueDate, 1750327278);
        QeIdentity memory identity = abi.decode(SSTORE2.read(record.data), (QeIdentity));
        assertEq(uint8(identity.id), uint8(QeIdentityId.QE));
        vm.expectRevert(abi.encodeWithSelector(IIntelCollateralStore.StaleCollateral.selector, 1750327278, 1750327278));
        store.updateQeIdentity(json, signature, signer);
    }

    /// @notice Logs the gas of each update (read by `npm run bench -- intel`).
    function test_gas_collateralUpdates() public {
        _logGas("root CA CRL", address(store), abi.encodeCall(store.updateRootCaCrl, (_hexField(sgx, ".root_ca_crl"))));
        _logGas(
            "PCK CRL (44 revoked)",
            address(store),
            abi.encodeCall(store.updatePckCrl, (_hexField(tdx, ".pck_crl"), _firstCert(tdx, ".pck_crl_issuer_chain")))
        );
        _logGas(
            "SGX TCB info (11 levels)",
            address(store),
            abi.encodeCall(
                store.updateTcbInfo,
                (
                    bytes(vm.parseJsonString(sgx, ".tcb_info")),
                    _hexField(sgx, ".tcb_info_signature"),
                    _firstCert(sgx, ".tcb_info_issuer_chain")
                )
            )
        );
        _logGas(
            "TDX TCB info (2 levels)",
            address(store),
            abi.encodeCall(
                store.updateTcbInfo,
                (
                    bytes(vm.parseJsonString(tdx, ".tcb_info")),
                    _hexField(tdx, ".tcb_info_signature"),
                    _firstCert(tdx, ".tcb_info_issuer_chain")
                )
            )
        );
        _logGas(
            "SGX QE identity",
            address(store),
            abi.encodeCall(
                store.updateQeIdentity,
                (
                    bytes(vm.parseJsonString(sgx, ".qe_identity")),
                    _hexField(sgx, ".qe_identity_signature"),
                    _firstCert(sgx, ".qe_identity_issuer_chain")
                )
            )
        );
    }

    function _logGas(string memory what, address target, bytes memory data) internal {
        uint256 before = gasleft();
        (bool ok,) = target.call(data);
        uint256 used = before - gasleft();
        assertTrue(ok, what);
        console.log(string.concat("gas: update ", what), used);
    }

    function _keyOf(bytes memory der) internal pure returns (bytes32 x, bytes32 y) {
        // The last 64 bytes before the signature algorithm are not fixed; find the uncompressed point marker after
        // the id-ecPublicKey / prime256v1 identifiers instead.
        bytes memory marker = hex"2a8648ce3d030107034200";
        for (uint256 i; i + marker.length + 65 <= der.length; ++i) {
            bool found = true;
            for (uint256 j; j < marker.length && found; ++j) {
                found = der[i + j] == marker[j];
            }
            if (found) {
                uint256 at = i + marker.length + 1; // skip 0x04
                assembly ("memory-safe") {
                    x := mload(add(add(der, 0x20), at))
                    y := mload(add(add(der, 0x20), add(at, 32)))
                }
                return (x, y);
            }
        }
        revert("no P-256 key");
    }

    function _pckCertificateOfTheSgxQuote() internal view returns (bytes memory) {
        bytes memory quote = _quote("sgx_quote");
        // The PEM chain runs from byte 1052 to the end of the quote.
        bytes memory pem = new bytes(quote.length - 1052);
        for (uint256 i; i < pem.length; ++i) {
            pem[i] = quote[1052 + i];
        }
        return PemCertChainReader.first(pem);
    }
}

import {PemCertChain} from "../../../../src/services/multi-prover/attestation/intel/PemCertChain.sol";

library PemCertChainReader {
    function first(bytes memory pem) internal pure returns (bytes memory) {
        return PemCertChain.decode(pem)[0];
    }
}
