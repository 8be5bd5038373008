// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {LibBytes} from "solady/utils/LibBytes.sol";
import {X509} from "../../../../src/services/multi-prover/attestation/intel/X509.sol";
import {X509Crl} from "../../../../src/services/multi-prover/attestation/intel/X509Crl.sol";
import {IntelX509TestBase} from "./IntelX509Harness.sol";

/// @notice X509Crl.parse on Intel's real Root CA CRL and PCK CRLs from the collateral fixtures. Expected values come
///         from `openssl crl -inform DER -text`, `asn1parse` and sha256 of the TBSCertList bytes.
contract X509CrlTest is IntelX509TestBase {
    function test_parse_rootCaCrlHasNoRevocationsAndIsSignedByRoot() public view {
        X509Crl.Crl memory crl = harness.parseCrl(collateralHex("tdx_quote_collateral", "root_ca_crl"));
        assertEq(crl.tbsHash, 0x5895df52eec3d1a87bc887b16b70992a4fc23b6a92b9ee76ae22ddb37878d5a3);
        assertEq(crl.thisUpdate, 1742469717); // 2025-03-20 11:21:57 UTC
        assertEq(crl.nextUpdate, 1775215317); // 2026-04-03 11:21:57 UTC
        assertEq(crl.revokedSerialHashes.length, 0);
        X509.Certificate memory root = harness.parseCertificate(tdxDers()[2]);
        assertTrue(verifyP256(crl.tbsHash, crl.signatureR, crl.signatureS, root.publicKeyX, root.publicKeyY));
    }

    function test_parse_sgxPckCrlSignedByProcessorCa() public view {
        X509Crl.Crl memory crl = harness.parseCrl(collateralHex("sgx_quote_collateral", "pck_crl"));
        assertEq(crl.tbsHash, 0x053affbc5e5734261b74c13e65b69ccc4c4cf340c225e04baf63bf4c98747dc4);
        assertEq(crl.thisUpdate, 1750328598); // 2025-06-19 10:23:18 UTC
        assertEq(crl.nextUpdate, 1752920598); // 2025-07-19 10:23:18 UTC
        assertEq(crl.revokedSerialHashes.length, 0);
        X509.Certificate memory ca = harness.parseCertificate(sgxDers()[1]);
        assertTrue(verifyP256(crl.tbsHash, crl.signatureR, crl.signatureS, ca.publicKeyX, ca.publicKeyY));
    }

    function test_parse_tdxPckCrlHas44RevocationsAndIsSignedByPlatformCa() public view {
        X509Crl.Crl memory crl = harness.parseCrl(collateralHex("tdx_quote_collateral", "pck_crl"));
        assertEq(crl.tbsHash, 0x550733759514cfb0605af12621602ded83cc8a9e48dd86ff75838c03e49f35b9);
        assertEq(crl.thisUpdate, 1750327235); // 2025-06-19 10:00:35 UTC
        assertEq(crl.nextUpdate, 1752919235); // 2025-07-19 10:00:35 UTC
        assertEq(crl.revokedSerialHashes.length, 44);
        // First, second and last serials in the CRL's order; those with the top bit set carry a 0x00 sign byte.
        assertEq(crl.revokedSerialHashes[0], keccak256(hex"6fc34e5023e728923435d61aa4b83c618166ad35"));
        assertEq(crl.revokedSerialHashes[1], keccak256(hex"00efae6e9715fca13b87e333e8261ed6d990a926ad"));
        assertEq(crl.revokedSerialHashes[43], keccak256(hex"00a17c51722ec1e0c3278fe8bdf052059cbec4e648"));
        X509.Certificate memory ca = harness.parseCertificate(tdxDers()[1]);
        assertTrue(verifyP256(crl.tbsHash, crl.signatureR, crl.signatureS, ca.publicKeyX, ca.publicKeyY));
    }

    function test_parse_tdxPckCrlDoesNotListTheQuotePck() public view {
        X509Crl.Crl memory crl = harness.parseCrl(collateralHex("tdx_quote_collateral", "pck_crl"));
        bytes32 serial = harness.parseCertificate(tdxDers()[0]).serialHash;
        for (uint256 i; i < crl.revokedSerialHashes.length; ++i) {
            assertTrue(crl.revokedSerialHashes[i] != serial);
        }
    }

    function test_RevertWhen_crlTruncated() public {
        bytes memory der = collateralHex("tdx_quote_collateral", "pck_crl");
        bytes memory truncated = LibBytes.slice(der, 0, der.length - 1);
        vm.expectRevert(X509Crl.CrlMalformed.selector);
        harness.parseCrl(truncated);
    }

    function test_RevertWhen_crlExtraTrailingByte() public {
        bytes memory der = bytes.concat(collateralHex("tdx_quote_collateral", "pck_crl"), hex"00");
        vm.expectRevert(X509Crl.CrlMalformed.selector);
        harness.parseCrl(der);
    }

    function test_RevertWhen_crlOuterSignatureAlgorithmNotEcdsaSha256() public {
        bytes memory der = collateralHex("tdx_quote_collateral", "root_ca_crl");
        uint256 i = LibBytes.lastIndexOf(der, hex"06082a8648ce3d040302") + 9;
        der = withByte(der, i, 0x03);
        vm.expectRevert(X509Crl.CrlMalformed.selector);
        harness.parseCrl(der);
    }

    function test_RevertWhen_crlVersionNotV2() public {
        bytes memory der = collateralHex("tdx_quote_collateral", "root_ca_crl");
        // TBSCertList starts at 4 with a 3-byte header (30 81 c8): version INTEGER 1 at 7..9.
        assertEq(der[9], bytes1(0x01));
        der = withByte(der, 9, 0x00);
        vm.expectRevert(X509Crl.CrlMalformed.selector);
        harness.parseCrl(der);
    }

    /// @dev Changing one byte of a CRL is refused or changes what the signature covers or is.
    function testFuzz_parse_oneChangedByteNeverSameSignedContent(uint256 index, uint8 value) public view {
        bytes memory der = collateralHex("tdx_quote_collateral", "pck_crl");
        index = bound(index, 0, der.length - 1);
        vm.assume(uint8(der[index]) != value);
        X509Crl.Crl memory c = harness.parseCrl(der);
        try harness.parseCrl(withByte(der, index, value)) returns (X509Crl.Crl memory m) {
            assertTrue(m.tbsHash != c.tbsHash || m.signatureR != c.signatureR || m.signatureS != c.signatureS);
        } catch {}
    }

    function test_parse_gas() public {
        emit log_named_uint(
            "X509Crl.parse gas, root CA CRL (292 bytes)",
            harness.parseCrlGas(collateralHex("tdx_quote_collateral", "root_ca_crl"))
        );
        emit log_named_uint(
            "X509Crl.parse gas, TDX PCK CRL (2663 bytes, 44 entries)",
            harness.parseCrlGas(collateralHex("tdx_quote_collateral", "pck_crl"))
        );
    }
}
