// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Base64} from "solady/utils/Base64.sol";
import {LibBytes} from "solady/utils/LibBytes.sol";
import {PemCertChain} from "../../../../src/services/multi-prover/attestation/intel/PemCertChain.sol";
import {IntelX509TestBase} from "./IntelX509Harness.sol";

/// @notice PemCertChain.decode on the real PCK chains of the SGX and TDX quotes and the collateral issuer chains;
///         expected DER digests computed with `openssl x509 -outform DER | sha256sum`.
contract PemCertChainTest is IntelX509TestBase {
    bytes32 internal constant SGX_PCK_DER_SHA256 = 0x97b134e032949394ac953ac8b21a9f207102f8ac52afae2b239e2e96123a7b74;
    bytes32 internal constant SGX_PROCESSOR_CA_DER_SHA256 =
        0x13b2dccef8fc4ec977ee5249743b0f758ebd1e28d768b2e1e12bc348adaa09fb;
    bytes32 internal constant ROOT_CA_DER_SHA256 = 0x44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3;
    bytes32 internal constant TDX_PCK_DER_SHA256 = 0xc2fb4124d84998cc005c38e13766843777e1c47a1e0b89ad720fd70c2e90927e;
    bytes32 internal constant PLATFORM_CA_DER_SHA256 =
        0x22eb770dca215b607b5ccfc21a672b1da5cc660b1ad0365020567979edcaa0e1;
    bytes32 internal constant TCB_SIGNING_DER_SHA256 =
        0xc0575e76d0303b61d09cde8cbdb70db34a74f38318300d7c0e6ba8cf4bf45aea;

    function test_decode_sgxQuoteChainGivesPckProcessorCaAndRoot() public view {
        bytes[] memory ders = sgxDers();
        assertEq(ders.length, 3);
        assertEq(sha256(ders[0]), SGX_PCK_DER_SHA256);
        assertEq(sha256(ders[1]), SGX_PROCESSOR_CA_DER_SHA256);
        assertEq(sha256(ders[2]), ROOT_CA_DER_SHA256);
    }

    function test_decode_tdxQuoteChainGivesPckPlatformCaAndRoot() public view {
        bytes[] memory ders = tdxDers();
        assertEq(ders.length, 3);
        assertEq(sha256(ders[0]), TDX_PCK_DER_SHA256);
        assertEq(sha256(ders[1]), PLATFORM_CA_DER_SHA256);
        assertEq(sha256(ders[2]), ROOT_CA_DER_SHA256);
    }

    function test_decode_collateralIssuerChainsWithoutTrailingZeros() public view {
        bytes[] memory ders =
            harness.decodePem(bytes(collateralString("tdx_quote_collateral", "pck_crl_issuer_chain")));
        assertEq(ders.length, 2);
        assertEq(sha256(ders[0]), PLATFORM_CA_DER_SHA256);
        assertEq(sha256(ders[1]), ROOT_CA_DER_SHA256);
        ders = harness.decodePem(bytes(collateralString("tdx_quote_collateral", "tcb_info_issuer_chain")));
        assertEq(ders.length, 2);
        assertEq(sha256(ders[0]), TCB_SIGNING_DER_SHA256);
        assertEq(sha256(ders[1]), ROOT_CA_DER_SHA256);
    }

    function test_decode_gasOfSgxAndTdxChains() public {
        emit log_named_uint("PemCertChain.decode gas, SGX chain (3548 bytes)", harness.decodePemGas(sgxPem()));
        emit log_named_uint("PemCertChain.decode gas, TDX chain (3678 bytes)", harness.decodePemGas(tdxPem()));
    }

    function test_RevertWhen_base64CharacterOutsideAlphabet() public {
        bytes memory pem = withByte(sgxPem(), 40, uint8(bytes1("*")));
        vm.expectRevert(PemCertChain.PemMalformed.selector);
        harness.decodePem(pem);
    }

    function test_RevertWhen_lineOneCharacterShorter() public {
        bytes memory pem = sgxPem();
        // Swap the first line's "\n" (at 28 + 64) with its last character: a 63- then a 65-character line.
        (pem[91], pem[92]) = (pem[92], pem[91]);
        vm.expectRevert(PemCertChain.PemMalformed.selector);
        harness.decodePem(pem);
    }

    function test_RevertWhen_carriageReturnBeforeNewline() public {
        bytes memory pem = sgxPem();
        bytes memory crlf = bytes.concat(LibBytes.slice(pem, 0, 92), "\r", LibBytes.slice(pem, 92));
        vm.expectRevert(PemCertChain.PemMalformed.selector);
        harness.decodePem(crlf);
    }

    function test_RevertWhen_trailingByteNotZero() public {
        bytes memory pem = sgxPem();
        pem = withByte(pem, pem.length - 1, 1);
        vm.expectRevert(PemCertChain.PemMalformed.selector);
        harness.decodePem(pem);
    }

    function test_RevertWhen_paddingInsideText() public {
        bytes memory pem = withByte(sgxPem(), 40, uint8(bytes1("=")));
        vm.expectRevert(PemCertChain.PemMalformed.selector);
        harness.decodePem(pem);
    }

    function test_RevertWhen_paddingMissing() public {
        bytes memory pem = sgxPem();
        // The chain ends "...aqI=\n-----END CERTIFICATE-----\n\0": drop the "=".
        uint256 eq = pem.length - 29;
        assertEq(pem[eq], bytes1("="));
        bytes memory unpadded = bytes.concat(LibBytes.slice(pem, 0, eq), LibBytes.slice(pem, eq + 1));
        vm.expectRevert(PemCertChain.PemMalformed.selector);
        harness.decodePem(unpadded);
    }

    function test_RevertWhen_paddingTooLong() public {
        bytes memory pem = sgxPem();
        // "aqI=" into "aq==": one byte fewer, and 'q' then has non-zero unused bits.
        pem = withByte(pem, pem.length - 30, uint8(bytes1("=")));
        vm.expectRevert(PemCertChain.PemMalformed.selector);
        harness.decodePem(pem);
    }

    function test_RevertWhen_lastSymbolHasUnusedBitsSet() public {
        bytes memory pem = sgxPem();
        // "aqI=" and "aqJ=" decode to the same two bytes; only 'I' (low two bits zero) is canonical.
        uint256 i = pem.length - 30;
        assertEq(pem[i], bytes1("I"));
        pem = withByte(pem, i, uint8(bytes1("J")));
        vm.expectRevert(PemCertChain.PemMalformed.selector);
        harness.decodePem(pem);
    }

    function test_RevertWhen_emptyLineBeforeEndLine() public {
        bytes memory pem = sgxPem();
        uint256 endLine = pem.length - 27;
        bytes memory withEmptyLine = bytes.concat(LibBytes.slice(pem, 0, endLine), "\n", LibBytes.slice(pem, endLine));
        vm.expectRevert(PemCertChain.PemMalformed.selector);
        harness.decodePem(withEmptyLine);
    }

    function test_RevertWhen_endLineTruncated() public {
        bytes memory pem = sgxPem();
        vm.expectRevert(PemCertChain.PemMalformed.selector);
        harness.decodePem(LibBytes.slice(pem, 0, pem.length - 2));
    }

    function test_RevertWhen_onlyZeroBytes() public {
        vm.expectRevert(PemCertChain.PemMalformed.selector);
        harness.decodePem(new bytes(100));
    }

    function test_RevertWhen_empty() public {
        vm.expectRevert(PemCertChain.PemMalformed.selector);
        harness.decodePem("");
    }

    function test_RevertWhen_textBetweenBlocks() public {
        bytes memory pem = sgxPem();
        uint256 second = indexOf(LibBytes.slice(pem, 1), "-----BEGIN") + 1;
        bytes memory gap = bytes.concat(LibBytes.slice(pem, 0, second), "\n", LibBytes.slice(pem, second));
        vm.expectRevert(PemCertChain.PemMalformed.selector);
        harness.decodePem(gap);
    }

    /// @dev Any byte string, wrapped as this decoder requires, comes back unchanged (last lines of 4 to 64 chars).
    function testFuzz_decode_roundTripsWrappedBase64(bytes memory a, bytes memory b) public view {
        vm.assume(a.length > 0 && b.length > 0 && a.length < 400 && b.length < 400);
        bytes[] memory ders = harness.decodePem(bytes.concat(_wrap(a), _wrap(b), hex"0000"));
        assertEq(ders.length, 2);
        assertEq(ders[0], a);
        assertEq(ders[1], b);
    }

    /// @dev The PEM text is unsigned: changing any one byte must be refused or change a DER (so its signature fails).
    function testFuzz_decode_oneChangedByteNeverGivesSameDers(uint256 index, uint8 value, bool tdx) public view {
        bytes memory pem = tdx ? tdxPem() : sgxPem();
        index = bound(index, 0, pem.length - 1);
        vm.assume(uint8(pem[index]) != value);
        bytes32 original = keccak256(abi.encode(harness.decodePem(pem)));
        try harness.decodeAndParse(withByte(pem, index, value)) returns (bytes[] memory ders) {
            assertTrue(keccak256(abi.encode(ders)) != original, "same DERs from a different text");
        } catch {}
    }

    /// @dev Every base64 symbol that is not the original, at every position of the last line, is refused or changes
    ///      the DER (exhaustive over the final "aqI=").
    function test_decode_lastGroupEveryAlternativeRefusedOrDifferent() public view {
        bytes memory pem = sgxPem();
        bytes32 original = keccak256(abi.encode(harness.decodePem(pem)));
        bytes memory alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
        for (uint256 i = pem.length - 32; i < pem.length - 28; ++i) {
            for (uint256 j; j < alphabet.length; ++j) {
                if (alphabet[j] == pem[i]) continue;
                try harness.decodePem(withByte(pem, i, uint8(alphabet[j]))) returns (bytes[] memory ders) {
                    assertTrue(keccak256(abi.encode(ders)) != original, "same DERs from a different text");
                } catch {}
            }
        }
    }

    /// @dev Differential check of the canonical-form test on one 4-character group (drawn from the alphabet, '=' and
    ///      a few outsiders): accepted exactly when every character is legal and re-encoding gives the same text.
    function testFuzz_decode_acceptsExactlyCanonicalGroups(uint256 seed) public view {
        bytes memory symbols = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/====-_*";
        bytes memory group = new bytes(4);
        for (uint256 i; i < 4; ++i) {
            group[i] = symbols[uint8(seed >> (8 * i)) % symbols.length];
        }
        bool legal = true;
        for (uint256 i; i < 4; ++i) {
            bytes1 c = group[i];
            bool inAlphabet = (c >= "A" && c <= "Z") || (c >= "a" && c <= "z") || (c >= "0" && c <= "9") || c == "+"
                || c == "/";
            // '=' only as the last one or two characters.
            bool padding = c == "=" && (i == 3 || (i == 2 && group[3] == "="));
            legal = legal && (inAlphabet || padding);
        }
        bool canonical = legal && keccak256(bytes(Base64.encode(Base64.decode(string(group))))) == keccak256(group);
        bytes memory pem = bytes.concat("-----BEGIN CERTIFICATE-----\n", group, "\n-----END CERTIFICATE-----\n");
        try harness.decodePem(pem) returns (bytes[] memory ders) {
            assertTrue(canonical, "non-canonical group accepted");
            assertEq(ders[0], Base64.decode(string(group)));
        } catch {
            assertFalse(canonical, "canonical group refused");
        }
    }

    /// @dev `data` as one PEM block, 64-character lines.
    function _wrap(bytes memory data) internal pure returns (bytes memory pem) {
        bytes memory b64 = bytes(Base64.encode(data));
        pem = "-----BEGIN CERTIFICATE-----\n";
        for (uint256 i; i < b64.length; i += 64) {
            uint256 end = i + 64 < b64.length ? i + 64 : b64.length;
            pem = bytes.concat(pem, LibBytes.slice(b64, i, end), "\n");
        }
        pem = bytes.concat(pem, "-----END CERTIFICATE-----\n");
    }
}
