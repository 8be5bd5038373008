// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {IIntelDcapAttestationVerifier} from
    "../../../../src/services/multi-prover/attestation/intel/IIntelDcapAttestationVerifier.sol";
import {IntelCollateralStore} from "../../../../src/services/multi-prover/attestation/intel/IntelCollateralStore.sol";
import {IntelDcapAttestationVerifier} from
    "../../../../src/services/multi-prover/attestation/intel/IntelDcapAttestationVerifier.sol";
import {IntelQuote} from "../../../../src/services/multi-prover/attestation/intel/IntelQuote.sol";
import {PemCertChain} from "../../../../src/services/multi-prover/attestation/intel/PemCertChain.sol";

/// @notice Real Intel DCAP quotes and collateral (test/fixtures/tee, recorded on SGX and TDX hardware) loaded into an
///         IntelCollateralStore, with an SGX and a TDX verifier on it. Times are inside / outside each fixture's
///         validity window: the latest "not before" and earliest "not after" of its TCB info, QE identity, CRLs and
///         certificates (checked with openssl and node).
abstract contract IntelDcapFixture is Test {
    /// @dev 2025-06-19T10:56:11Z (SGX TCB info issued) .. 2025-07-19T10:01:18Z (SGX QE identity next update).
    uint256 internal constant SGX_FROM = 1750330571;
    uint256 internal constant SGX_UNTIL = 1752919278;
    /// @dev 2025-06-19T10:32:27Z (TD_QE identity issued) .. 2025-07-19T10:00:35Z (PCK platform CA CRL next update).
    uint256 internal constant TDX_FROM = 1750329147;
    uint256 internal constant TDX_UNTIL = 1752919235;
    /// @dev 2026-02-18T10:58:51Z .. 2026-03-20T10:41:15Z (the outdated TDX quote's collateral).
    uint256 internal constant OUTDATED_FROM = 1771412331;
    uint256 internal constant OUTDATED_UNTIL = 1774003275;

    /// @dev All statuses but Revoked (the policy tests narrow it).
    uint16 internal constant ANY_STATUS = 0x3f;

    IntelCollateralStore internal store;
    IntelDcapAttestationVerifier internal sgxVerifier;
    IntelDcapAttestationVerifier internal tdxVerifier;
    address internal owner = makeAddr("owner");

    function setUp() public virtual {
        store = new IntelCollateralStore();
        IIntelDcapAttestationVerifier.Policy memory policy = IIntelDcapAttestationVerifier.Policy(ANY_STATUS, 0);
        sgxVerifier = new IntelDcapAttestationVerifier(owner, store, IntelQuote.TEE_TYPE_SGX, policy);
        tdxVerifier = new IntelDcapAttestationVerifier(owner, store, IntelQuote.TEE_TYPE_TDX, policy);
    }

    function _quote(string memory name) internal view returns (bytes memory) {
        return vm.readFileBinary(string.concat("../test/fixtures/tee/", name));
    }

    function _collateral(string memory name) internal view returns (string memory) {
        return vm.readFile(string.concat("../test/fixtures/tee/", name, "_collateral.json"));
    }

    function _hexField(string memory json, string memory key) internal pure returns (bytes memory) {
        return vm.parseBytes(string.concat("0x", vm.parseJsonString(json, key)));
    }

    function _firstCert(string memory json, string memory key) internal pure returns (bytes memory) {
        return PemCertChain.decode(bytes(vm.parseJsonString(json, key)))[0];
    }

    /// @dev Submits every item of a collateral bundle at the current time, root CA CRL first.
    function _submit(string memory json) internal {
        store.updateRootCaCrl(_hexField(json, ".root_ca_crl"));
        _submitSignedItems(json);
    }

    /// @dev The PCK CRL, TCB info and QE identity of a bundle (the root CA CRL must be stored already).
    function _submitSignedItems(string memory json) internal {
        store.updatePckCrl(_hexField(json, ".pck_crl"), _firstCert(json, ".pck_crl_issuer_chain"));
        store.updateTcbInfo(
            bytes(vm.parseJsonString(json, ".tcb_info")),
            _hexField(json, ".tcb_info_signature"),
            _firstCert(json, ".tcb_info_issuer_chain")
        );
        store.updateQeIdentity(
            bytes(vm.parseJsonString(json, ".qe_identity")),
            _hexField(json, ".qe_identity_signature"),
            _firstCert(json, ".qe_identity_issuer_chain")
        );
    }

    /// @dev The SGX and TDX bundles (they share the root CA CRL; the outdated one needs a store of its own: its PCK
    ///      CRL is a newer one of the TDX bundle's CA).
    function _submitSgxAndTdx() internal {
        vm.warp(TDX_FROM > SGX_FROM ? TDX_FROM : SGX_FROM);
        _submit(_collateral("sgx_quote"));
        _submitSignedItems(_collateral("tdx_quote"));
    }
}
