// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {LibBytes} from "solady/utils/LibBytes.sol";
import {X509} from "../../../../src/services/multi-prover/attestation/intel/X509.sol";
import {IntelX509TestBase} from "./IntelX509Harness.sol";

/// @notice X509.parse and X509.parsePckExtension on the real PCK chains. Expected values come from openssl
///         (`x509 -text`, `asn1parse`, `date -d ... +%s`, sha256 of the TBSCertificate bytes), not from the parser.
contract X509Test is IntelX509TestBase {
    /// @dev Intel SGX Root CA public key (openssl x509 -pubkey of the chain's last certificate).
    bytes32 internal constant ROOT_X = 0x0ba9c4c0c0c86193a3fe23d6b02cda10a8bbd4e88e48b4458561a36e705525f5;
    bytes32 internal constant ROOT_Y = 0x67918e2edc88e40d860bd0cc4ee26aacc988e505a953558c453f6b0904ae7394;

    function test_parse_sgxPckCertificate() public view {
        X509.Certificate memory c = harness.parseCertificate(sgxDers()[0]);
        assertEq(c.tbsHash, 0x8710d7fb91c27f8995be272bd63a2626c0d91c17389c120e114c819d08b96cf7);
        // serial 81B7...D8D6: DER content carries a 0x00 sign byte.
        assertEq(c.serialHash, keccak256(hex"0081b77732b761e98eb9b963a4abd1e5b9bf5dd8d6"));
        assertEq(c.notBefore, 1695246823); // 2023-09-20 21:53:43 UTC
        assertEq(c.notAfter, 1916171623); // 2030-09-20 21:53:43 UTC
        assertEq(c.publicKeyX, 0x920984ecddc3f91b29c9a099d98a034cb0c2ba1e699ef02ee1cacf9f6b801ae8);
        assertEq(c.publicKeyY, 0xeaf6d3a0c14f3fcbb8edb5284207ad3753aafe87d6b23a4da767d8dec24db996);
        assertFalse(c.isCa);
        assertEq(c.signatureR, 0x6648c644b654048e766019ad7dd96dc0ae76778b263a72433fb13b17c4246626);
        assertEq(c.signatureS, 0x2dfdb4b591cdc376b56f7d490d239613ac1eb31a009937aa24646a665eb6d6a2);
    }

    function test_parse_sgxProcessorCa() public view {
        X509.Certificate memory c = harness.parseCertificate(sgxDers()[1]);
        assertEq(c.tbsHash, 0xf7c35bd005f64984376fe47c3ffed8077e1c3e14008cc94ed73ddf0da8da99b1);
        assertEq(c.serialHash, keccak256(hex"00d0e8aada75d7f92e4917983c7b1465d0d5f2594d"));
        assertEq(c.notBefore, 1526899810); // 2018-05-21 10:50:10 UTC
        assertEq(c.notAfter, 2000285410); // 2033-05-21 10:50:10 UTC
        assertEq(c.publicKeyX, 0xbf6af8d329d883a0b5d9756e4fee599e7e4c6426f1a0a2f33efc7ecf9f282437);
        assertEq(c.publicKeyY, 0x77eb83cd79d54c04f66610c289fc88b89c2f377c0d069f621c1492309309ac13);
        assertTrue(c.isCa);
        assertEq(c.signatureR, 0x898136ed56a3b26759b78ea8805cce9061aeabe6c592e32fc6ef2f2e2091b177);
        assertEq(c.signatureS, 0x46a3ef0522b3cd06a004b42ae6ce40ef4a5da2269127ccffd2e0f3e0d815f759);
    }

    function test_parse_rootCaWithPinnedKeyAndUtcTime2049() public view {
        X509.Certificate memory c = harness.parseCertificate(sgxDers()[2]);
        assertEq(c.tbsHash, 0x0e1c8ad1fad9254ad1d0bc362c4c83dad27f32fc903cbb9cda58349ec2a4626a);
        assertEq(c.serialHash, keccak256(hex"22650cd65a9d3489f383b49552bf501b392706ac"));
        assertEq(c.publicKeyX, ROOT_X);
        assertEq(c.publicKeyY, ROOT_Y);
        assertTrue(c.isCa);
        assertEq(c.notBefore, 1526899510); // 2018-05-21 10:45:10 UTC
        assertEq(c.notAfter, 2524607999); // UTCTime 491231235959Z = 2049-12-31 23:59:59 UTC
        assertEq(c.signatureR, 0xe5bfe50911f92f428920dc368a302ee3d12ec5867ff622ec6497f78060c13c20);
        assertEq(c.signatureS, 0xe09d25ac7a0cb3e5e8e68fec5fa3bd416c47440bd950639d450edcbea4576aa2);
    }

    function test_parse_tdxPckAndPlatformCa() public view {
        bytes[] memory ders = tdxDers();
        X509.Certificate memory pck = harness.parseCertificate(ders[0]);
        assertEq(pck.tbsHash, 0x504501ea2c2013ec9e2f8b4f78773c63675899d73f2036e0671c4a3e73ed6a9f);
        assertEq(pck.serialHash, keccak256(hex"3c16ed54eacbb4ced072be72630c85788cf46e36"));
        assertEq(pck.notBefore, 1738884351); // 2025-02-06 23:25:51 UTC
        assertEq(pck.notAfter, 1959722751); // 2032-02-06 23:25:51 UTC
        assertEq(pck.publicKeyX, 0x1720fa04edef8680bfb748fd965af93d61a417a8f1f29910e8b88b3666dfff6d);
        assertEq(pck.publicKeyY, 0x2b2660f3288f203356f90253a7f6f76616e24212c22cfcc3e66d681f971c9769);
        assertFalse(pck.isCa);
        X509.Certificate memory ca = harness.parseCertificate(ders[1]);
        assertEq(ca.tbsHash, 0x581d1ff77ba97123a71722be563b50238f861198a174eb3e2d32cd8d5b710e70);
        assertEq(ca.publicKeyX, 0x35207feeddb595748ed82bb3a71c3be1e241ef61320c6816e6b5c2b71dad5532);
        assertEq(ca.publicKeyY, 0xeaea12a4eb3f948916429ea47ba6c3af82a15e4b19664e52657939a2d96633de);
        assertTrue(ca.isCa);
        assertEq(ca.notBefore, 1526899810);
        assertEq(ca.notAfter, 2000285410);
    }

    function test_parse_tcbSigningCertificateIsNotCa() public view {
        bytes[] memory ders =
            harness.decodePem(bytes(collateralString("tdx_quote_collateral", "tcb_info_issuer_chain")));
        X509.Certificate memory c = harness.parseCertificate(ders[0]);
        assertFalse(c.isCa);
        assertEq(c.notBefore, 1746523500); // 2025-05-06 09:25:00 UTC
        assertEq(c.notAfter, 1967448300); // 2032-05-06 09:25:00 UTC
        assertTrue(verifyP256(c.tbsHash, c.signatureR, c.signatureS, ROOT_X, ROOT_Y));
    }

    function test_verify_sgxChainSignaturesWithParsedKeys() public view {
        _assertChainVerifies(sgxDers());
    }

    function test_verify_tdxChainSignaturesWithParsedKeys() public view {
        _assertChainVerifies(tdxDers());
    }

    function test_verify_failsAgainstWrongIssuer() public view {
        bytes[] memory ders = sgxDers();
        X509.Certificate memory pck = harness.parseCertificate(ders[0]);
        assertFalse(verifyP256(pck.tbsHash, pck.signatureR, pck.signatureS, ROOT_X, ROOT_Y));
    }

    function test_parsePckExtension_sgx() public view {
        X509.PckExtension memory e = harness.parsePckExtension(sgxDers()[0]);
        assertEq(e.fmspc, bytes6(hex"00a067110000"));
        assertEq(e.pceId, bytes2(hex"0000"));
        assertEq(e.cpuSvn, bytes16(hex"0b0b0202ff0100000000000000000000"));
        assertEq(e.pceSvn, 13);
    }

    function test_parsePckExtension_tdx() public view {
        X509.PckExtension memory e = harness.parsePckExtension(tdxDers()[0]);
        assertEq(e.fmspc, bytes6(hex"b0c06f000000"));
        assertEq(e.pceId, bytes2(hex"0000"));
        assertEq(e.cpuSvn, bytes16(hex"03030202040100050000000000000000"));
        assertEq(e.pceSvn, 11);
    }

    function test_RevertWhen_pckExtensionOfCaCertificate() public {
        bytes memory ca = sgxDers()[1];
        vm.expectRevert(X509.PckExtensionMalformed.selector);
        harness.parsePckExtension(ca);
    }

    function test_RevertWhen_pckExtensionFmspcTooShort() public {
        bytes memory der = sgxDers()[0];
        // FMSPC entry: OID ...1.13.1.4 then OCTET STRING 04 06: shorten the declared length to 5 (then 1 byte left).
        uint256 i = indexOf(der, hex"060a2a864886f84d010d01040406") + 13;
        der = withByte(der, i, 5);
        vm.expectRevert(X509.PckExtensionMalformed.selector);
        harness.parsePckExtension(der);
    }

    function test_RevertWhen_derTruncated() public {
        bytes memory der = sgxDers()[0];
        bytes memory truncated = LibBytes.slice(der, 0, der.length - 1);
        vm.expectRevert(X509.CertificateMalformed.selector);
        harness.parseCertificate(truncated);
    }

    function test_RevertWhen_extraTrailingByte() public {
        bytes memory der = bytes.concat(sgxDers()[0], hex"00");
        vm.expectRevert(X509.CertificateMalformed.selector);
        harness.parseCertificate(der);
    }

    function test_RevertWhen_outerSignatureAlgorithmNotEcdsaSha256() public {
        bytes memory der = sgxDers()[0];
        // The outer AlgorithmIdentifier is the last occurrence of ecdsa-with-SHA256: make it ecdsa-with-SHA384.
        uint256 i = LibBytes.lastIndexOf(der, hex"06082a8648ce3d040302") + 9;
        der = withByte(der, i, 0x03);
        vm.expectRevert(X509.CertificateMalformed.selector);
        harness.parseCertificate(der);
    }

    function test_RevertWhen_tbsSignatureAlgorithmNotEcdsaSha256() public {
        bytes memory der = sgxDers()[0];
        uint256 i = indexOf(der, hex"06082a8648ce3d040302") + 9;
        der = withByte(der, i, 0x03);
        vm.expectRevert(X509.CertificateMalformed.selector);
        harness.parseCertificate(der);
    }

    function test_RevertWhen_lengthNotMinimal() public {
        bytes memory der = sgxDers()[0];
        // 30 82 LL LL -> 30 83 00 LL LL: same length, one byte too many.
        bytes memory padded = bytes.concat(hex"308300", LibBytes.slice(der, 2));
        vm.expectRevert(X509.CertificateMalformed.selector);
        harness.parseCertificate(padded);
    }

    function test_RevertWhen_indefiniteLength() public {
        bytes memory der = sgxDers()[0];
        bytes memory indefinite = bytes.concat(hex"3080", LibBytes.slice(der, 4), hex"0000");
        vm.expectRevert(X509.CertificateMalformed.selector);
        harness.parseCertificate(indefinite);
    }

    function test_RevertWhen_publicKeyCompressed() public {
        bytes memory der = sgxDers()[0];
        uint256 i = indexOf(der, hex"03420004") + 3;
        der = withByte(der, i, 0x02);
        vm.expectRevert(X509.CertificateMalformed.selector);
        harness.parseCertificate(der);
    }

    function test_RevertWhen_validityMonthThirteen() public {
        bytes memory der = sgxDers()[0];
        // notBefore UTCTime "230920215343Z": month "09" -> "13".
        uint256 i = indexOf(der, "230920215343Z");
        der = withByte(withByte(der, i + 2, uint8(bytes1("1"))), i + 3, uint8(bytes1("3")));
        vm.expectRevert(X509.CertificateMalformed.selector);
        harness.parseCertificate(der);
    }

    /// @dev Changing one byte of a certificate is refused or changes what the signature covers or is.
    function testFuzz_parse_oneChangedByteNeverSameSignedContent(uint256 index, uint8 value) public view {
        bytes memory der = sgxDers()[0];
        index = bound(index, 0, der.length - 1);
        vm.assume(uint8(der[index]) != value);
        X509.Certificate memory c = harness.parseCertificate(der);
        try harness.parseCertificate(withByte(der, index, value)) returns (X509.Certificate memory m) {
            assertTrue(m.tbsHash != c.tbsHash || m.signatureR != c.signatureR || m.signatureS != c.signatureS);
        } catch {}
    }

    function test_parse_gasPerCertificate() public {
        bytes[] memory sgx = sgxDers();
        bytes[] memory tdx = tdxDers();
        emit log_named_uint("X509.parse gas, SGX PCK (1169 bytes)", harness.parseCertificateGas(sgx[0]));
        emit log_named_uint("X509.parse gas, SGX Processor CA", harness.parseCertificateGas(sgx[1]));
        emit log_named_uint("X509.parse gas, Root CA", harness.parseCertificateGas(sgx[2]));
        emit log_named_uint("X509.parse gas, TDX PCK", harness.parseCertificateGas(tdx[0]));
        emit log_named_uint("X509.parsePckExtension gas, SGX PCK", harness.parsePckExtensionGas(sgx[0]));
        emit log_named_uint("X509.parsePckExtension gas, TDX PCK", harness.parsePckExtensionGas(tdx[0]));
    }

    /// @dev Each certificate verifies under the next one's parsed key; the root under its own (self-signed).
    function _assertChainVerifies(bytes[] memory ders) internal view {
        X509.Certificate[3] memory c;
        for (uint256 i; i < 3; ++i) {
            c[i] = harness.parseCertificate(ders[i]);
        }
        for (uint256 i; i < 3; ++i) {
            X509.Certificate memory issuer = c[i < 2 ? i + 1 : 2];
            assertTrue(
                verifyP256(c[i].tbsHash, c[i].signatureR, c[i].signatureS, issuer.publicKeyX, issuer.publicKeyY)
            );
        }
        assertEq(c[2].publicKeyX, ROOT_X);
        assertEq(c[2].publicKeyY, ROOT_Y);
    }
}
