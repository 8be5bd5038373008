// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {LibBytes} from "solady/utils/LibBytes.sol";
import {P256} from "@openzeppelin/contracts/utils/cryptography/P256.sol";
import {PemCertChain} from "../../../../src/services/multi-prover/attestation/intel/PemCertChain.sol";
import {X509} from "../../../../src/services/multi-prover/attestation/intel/X509.sol";
import {X509Crl} from "../../../../src/services/multi-prover/attestation/intel/X509Crl.sol";

/// @notice Exposes the internal PEM, X.509 and CRL parsers as external calls, so that tests can expect their reverts
///         and measure their gas.
contract IntelX509Harness {
    /// @notice `PemCertChain.decode`.
    function decodePem(bytes memory pem) external pure returns (bytes[] memory) {
        return PemCertChain.decode(pem);
    }

    /// @notice Gas of `PemCertChain.decode` alone (no call or ABI overhead).
    function decodePemGas(bytes memory pem) external view returns (uint256 gasUsed) {
        gasUsed = gasleft();
        PemCertChain.decode(pem);
        gasUsed -= gasleft();
    }

    /// @notice Gas of `X509.parse` alone.
    function parseCertificateGas(bytes memory der) external view returns (uint256 gasUsed) {
        gasUsed = gasleft();
        X509.parse(der);
        gasUsed -= gasleft();
    }

    /// @notice Gas of `X509.parsePckExtension` alone.
    function parsePckExtensionGas(bytes memory der) external view returns (uint256 gasUsed) {
        gasUsed = gasleft();
        X509.parsePckExtension(der);
        gasUsed -= gasleft();
    }

    /// @notice Gas of `X509Crl.parse` alone.
    function parseCrlGas(bytes memory der) external view returns (uint256 gasUsed) {
        gasUsed = gasleft();
        X509Crl.parse(der);
        gasUsed -= gasleft();
    }

    /// @notice `PemCertChain.decode`, then `X509.parse` of every certificate; returns the DERs.
    function decodeAndParse(bytes memory pem) external pure returns (bytes[] memory ders) {
        ders = PemCertChain.decode(pem);
        for (uint256 i; i < ders.length; ++i) {
            X509.parse(ders[i]);
        }
    }

    /// @notice `X509.parse`.
    function parseCertificate(bytes memory der) external pure returns (X509.Certificate memory) {
        return X509.parse(der);
    }

    /// @notice `X509.parsePckExtension`.
    function parsePckExtension(bytes memory der) external pure returns (X509.PckExtension memory) {
        return X509.parsePckExtension(der);
    }

    /// @notice `X509Crl.parse`.
    function parseCrl(bytes memory der) external pure returns (X509Crl.Crl memory) {
        return X509Crl.parse(der);
    }
}

/// @notice Fixture loading and signature checking shared by the PEM, X.509 and CRL tests.
abstract contract IntelX509TestBase is Test {
    /// @dev Order n of the P-256 group, for turning Intel's high-s signatures into the low-s form OZ P256 wants.
    uint256 internal constant P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551;
    string internal constant FIXTURES = "../test/fixtures/tee/";

    IntelX509Harness internal harness;

    function setUp() public virtual {
        harness = new IntelX509Harness();
    }

    /// @dev The SGX quote's certification data: PEM from byte 1052 to the end of the file (4600).
    function sgxPem() internal view returns (bytes memory) {
        bytes memory quote = vm.readFileBinary(string.concat(FIXTURES, "sgx_quote"));
        assertEq(quote.length, 4600);
        return LibBytes.slice(quote, 1052, 4600);
    }

    /// @dev The TDX quote's certification data: PEM from byte 1258 to 4936 (70 zero bytes follow, outside it).
    function tdxPem() internal view returns (bytes memory) {
        bytes memory quote = vm.readFileBinary(string.concat(FIXTURES, "tdx_quote"));
        assertEq(quote.length, 5006);
        return LibBytes.slice(quote, 1258, 4936);
    }

    /// @dev A string field of a collateral JSON file (`name` is e.g. "tdx_quote_collateral").
    function collateralString(string memory name, string memory key) internal view returns (string memory) {
        string memory json = vm.readFile(string.concat(FIXTURES, name, ".json"));
        return vm.parseJsonString(json, string.concat(".", key));
    }

    /// @dev A hex field of a collateral JSON file, as bytes.
    function collateralHex(string memory name, string memory key) internal view returns (bytes memory) {
        return vm.parseBytes(string.concat("0x", collateralString(name, key)));
    }

    /// @dev The DER certificates of the SGX quote's chain (PCK, Processor CA, Root CA).
    function sgxDers() internal view returns (bytes[] memory) {
        return harness.decodePem(sgxPem());
    }

    /// @dev The DER certificates of the TDX quote's chain (PCK, Platform CA, Root CA).
    function tdxDers() internal view returns (bytes[] memory) {
        return harness.decodePem(tdxPem());
    }

    /// @dev OZ P256.verify after normalising s to the low half (Intel signs with either half).
    function verifyP256(bytes32 h, bytes32 r, bytes32 s, bytes32 x, bytes32 y) internal view returns (bool) {
        if (uint256(s) > P256_N / 2) s = bytes32(P256_N - uint256(s));
        return P256.verify(h, r, s, x, y);
    }

    /// @dev A copy of `b` with byte `i` set to `v`.
    function withByte(bytes memory b, uint256 i, uint8 v) internal pure returns (bytes memory c) {
        c = LibBytes.slice(b, 0, b.length);
        c[i] = bytes1(v);
    }

    /// @dev Index of the first occurrence of `needle` in `b` (reverts if absent).
    function indexOf(bytes memory b, bytes memory needle) internal pure returns (uint256) {
        uint256 i = LibBytes.indexOf(b, needle);
        require(i != LibBytes.NOT_FOUND, "needle not found");
        return i;
    }
}
