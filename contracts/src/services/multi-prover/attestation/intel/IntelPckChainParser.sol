// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {PemCertChain} from "./PemCertChain.sol";
import {X509} from "./X509.sol";

/// @title IntelPckChainParser
/// @notice Parses the PCK certificate chain a DCAP quote carries (PEM, certification data type 5): the PCK
///         certificate with its Intel SGX extension, its PCK CA, and the root. Stateless; each
///         {IntelDcapAttestationVerifier} deploys its own, which keeps the verifier under the EIP-170 code size limit.
/// @dev Parses only: the verifier checks signatures, validity periods, revocation and the root key.
contract IntelPckChainParser {
    /// @notice The three certificates of `pem` (PCK, PCK CA, root) and the PCK certificate's SGX extension.
    /// @dev Reverts PemMalformed (PemCertChain), CertificateMalformed (also when the chain does not hold exactly three
    ///      certificates) or PckExtensionMalformed (X509).
    function parsePckChain(bytes calldata pem)
        external
        pure
        returns (X509.Certificate[3] memory chain, X509.PckExtension memory pck)
    {
        bytes[] memory ders = PemCertChain.decode(pem);
        // A PCK chain is always the PCK certificate, its PCK CA (platform or processor) and the root.
        if (ders.length != 3) revert X509.CertificateMalformed();
        (chain[0], pck) = X509.parseWithPckExtension(ders[0]);
        chain[1] = X509.parse(ders[1]);
        chain[2] = X509.parse(ders[2]);
    }
}
