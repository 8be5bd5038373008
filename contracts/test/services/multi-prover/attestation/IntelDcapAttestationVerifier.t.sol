// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IAttestationVerifier} from "../../../../src/services/multi-prover/attestation/IAttestationVerifier.sol";
import {IIntelCollateralStore} from
    "../../../../src/services/multi-prover/attestation/intel/IIntelCollateralStore.sol";
import {IIntelDcapAttestationVerifier} from
    "../../../../src/services/multi-prover/attestation/intel/IIntelDcapAttestationVerifier.sol";
import {IntelCollateralStore} from "../../../../src/services/multi-prover/attestation/intel/IntelCollateralStore.sol";
import {TcbStatus} from "../../../../src/services/multi-prover/attestation/intel/IntelCollateralTypes.sol";
import {IntelDcapAttestationVerifier} from
    "../../../../src/services/multi-prover/attestation/intel/IntelDcapAttestationVerifier.sol";
import {
    IntelQuote,
    QuoteTrailingBytes,
    QuoteTruncated,
    UnsupportedQuoteVersion,
    UnsupportedTeeType
} from "../../../../src/services/multi-prover/attestation/intel/IntelQuote.sol";
import {TcbLevelNotFound} from "../../../../src/services/multi-prover/attestation/intel/IntelTcb.sol";
import {IntelDcapFixture} from "./IntelDcapFixture.sol";

/// @notice The SGX and TDX quote verifiers on real Intel quotes and collateral: the verdicts inside the validity
///         window (the same ones the dcap-qvl reference and the repository's TypeScript verifier give), refusals outside it,
///         the outdated TDX quote, tampered quotes, the policy, and a fuzz test that never sees a mutated quote pass.
contract IntelDcapAttestationVerifierTest is IntelDcapFixture {
    bytes internal sgxQuote;
    bytes internal tdxQuote;

    function setUp() public override {
        super.setUp();
        sgxQuote = _quote("sgx_quote");
        tdxQuote = _quote("tdx_quote");
        _submitSgxAndTdx();
    }

    function test_sgxQuote_verifiesInsideItsWindow() public {
        vm.warp(SGX_FROM + 1 days);
        IIntelDcapAttestationVerifier.QuoteVerdict memory v = sgxVerifier.verifyQuote(sgxQuote);
        assertEq(v.teeType, 0);
        assertEq(v.version, 3);
        assertEq(uint8(v.tcbStatus), uint8(TcbStatus.ConfigurationAndSWHardeningNeeded));
        assertEq(v.advisoryIds.length, 2);
        assertEq(v.advisoryIds[0], "INTEL-SA-00289");
        assertEq(v.advisoryIds[1], "INTEL-SA-00615");
        assertEq(v.mrEnclave, 0x33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb);
        assertEq(v.mrSigner, 0x815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6);
        assertEq(v.mrTd.length, 0);
        assertEq(v.reportData, abi.encodePacked("Hello, world!", new bytes(51)));
        assertEq(v.collateralIssuedAt, 1750327278); // the QE identity's issue date, 2025-06-19T10:01:18Z
    }

    function test_tdxQuote_verifiesInsideItsWindow() public {
        vm.warp(TDX_FROM + 1 days);
        IIntelDcapAttestationVerifier.QuoteVerdict memory v = tdxVerifier.verifyQuote(tdxQuote);
        assertEq(v.teeType, 0x81);
        assertEq(v.version, 4);
        assertEq(uint8(v.tcbStatus), uint8(TcbStatus.UpToDate));
        assertEq(v.advisoryIds.length, 0);
        assertEq(
            v.mrTd,
            hex"91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7"
        );
        assertEq(
            v.reportData,
            hex"9a9d48e7f6799642d3d1b34e1e5e1742d4bb02dd6ddd551862c1211d35c304f9eca3efdbb481601c163cf52493d6e44aed55d51ec39b7e518fadb92c2b523f20"
        );
    }

    function test_quotes_verifyAtBothEndsOfTheirWindows() public {
        vm.warp(SGX_FROM);
        sgxVerifier.verifyQuote(sgxQuote);
        vm.warp(SGX_UNTIL);
        sgxVerifier.verifyQuote(sgxQuote);
        vm.warp(TDX_FROM);
        tdxVerifier.verifyQuote(tdxQuote);
        vm.warp(TDX_UNTIL);
        tdxVerifier.verifyQuote(tdxQuote);
    }

    function test_sgxQuote_revertsBeforeTheTcbInfoIsIssued() public {
        vm.warp(SGX_FROM - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IIntelDcapAttestationVerifier.TcbInfoExpired.selector, SGX_FROM, SGX_FROM + 30 days)
        );
        sgxVerifier.verifyQuote(sgxQuote);
    }

    function test_sgxQuote_revertsWhenItsQeIdentityExpired() public {
        vm.warp(SGX_UNTIL + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IIntelDcapAttestationVerifier.QeIdentityExpired.selector, SGX_UNTIL - 30 days, SGX_UNTIL
            )
        );
        sgxVerifier.verifyQuote(sgxQuote);
    }

    function test_tdxQuote_revertsWhenThePckCrlExpired() public {
        vm.warp(TDX_UNTIL + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IIntelDcapAttestationVerifier.CrlExpired.selector, TDX_UNTIL - 30 days, TDX_UNTIL
            )
        );
        tdxVerifier.verifyQuote(tdxQuote);
    }

    function test_outdatedTdxQuote_revertsWithNoMatchingTcbLevel() public {
        IntelCollateralStore outdatedStore = new IntelCollateralStore();
        store = outdatedStore;
        vm.warp(OUTDATED_FROM + 1 days);
        _submit(_collateral("tdx_quote_outdated"));
        IntelDcapAttestationVerifier verifier = new IntelDcapAttestationVerifier(
            owner, outdatedStore, IntelQuote.TEE_TYPE_TDX, IIntelDcapAttestationVerifier.Policy(ANY_STATUS, 0)
        );
        vm.expectRevert(TcbLevelNotFound.selector);
        verifier.verifyQuote(_quote("tdx_quote_outdated"));
    }

    function test_verifier_refusesTheOtherTeeType() public {
        vm.warp(SGX_FROM + 1 days);
        vm.expectRevert(abi.encodeWithSelector(UnsupportedTeeType.selector, uint32(0)));
        tdxVerifier.verifyQuote(sgxQuote);
    }

    function test_headerByteFlipped_revertsIsvReportSignatureInvalid() public {
        vm.warp(SGX_FROM + 1 days);
        bytes memory q = bytes.concat(sgxQuote);
        q[10] ^= 0x01;
        vm.expectRevert(IIntelDcapAttestationVerifier.IsvReportSignatureInvalid.selector);
        sgxVerifier.verifyQuote(q);
    }

    function test_reportBodyByteFlipped_revertsIsvReportSignatureInvalid() public {
        vm.warp(SGX_FROM + 1 days);
        bytes memory q = bytes.concat(sgxQuote);
        q[100] ^= 0x01;
        vm.expectRevert(IIntelDcapAttestationVerifier.IsvReportSignatureInvalid.selector);
        sgxVerifier.verifyQuote(q);
    }

    function test_versionChanged_revertsUnsupportedQuoteVersion() public {
        vm.warp(SGX_FROM + 1 days);
        bytes memory q = bytes.concat(sgxQuote);
        q[0] = 0x02;
        vm.expectRevert(abi.encodeWithSelector(UnsupportedQuoteVersion.selector, uint16(2)));
        sgxVerifier.verifyQuote(q);
    }

    function test_truncatedQuote_revertsQuoteTruncated() public {
        vm.warp(SGX_FROM + 1 days);
        bytes memory q = bytes.concat(sgxQuote);
        assembly ("memory-safe") {
            mstore(q, sub(mload(q), 100))
        }
        vm.expectRevert(QuoteTruncated.selector);
        sgxVerifier.verifyQuote(q);
    }

    function test_extendedQuote_revertsQuoteTrailingBytes() public {
        vm.warp(SGX_FROM + 1 days);
        vm.expectRevert(QuoteTrailingBytes.selector);
        sgxVerifier.verifyQuote(bytes.concat(sgxQuote, hex"01"));
    }

    function test_zeroPaddedQuote_stillVerifies() public {
        vm.warp(SGX_FROM + 1 days);
        sgxVerifier.verifyQuote(bytes.concat(sgxQuote, new bytes(64)));
    }

    function test_verifyAttestation_returnsSgxMeasurementsAndReportData() public {
        vm.warp(SGX_FROM + 1 days);
        (IAttestationVerifier.Measurement[] memory m, bytes memory reportData) = sgxVerifier.verifyAttestation(sgxQuote);
        assertEq(m.length, 2);
        assertEq(uint8(m[0].kind), uint8(IAttestationVerifier.MeasurementKind.MRENCLAVE));
        assertEq(m[0].value, 0x33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb);
        assertEq(uint8(m[1].kind), uint8(IAttestationVerifier.MeasurementKind.MRSIGNER));
        assertEq(reportData.length, 64);
    }

    function test_verifyAttestation_returnsTheTdxMrTdHash() public {
        vm.warp(TDX_FROM + 1 days);
        (IAttestationVerifier.Measurement[] memory m,) = tdxVerifier.verifyAttestation(tdxQuote);
        assertEq(m.length, 1);
        assertEq(uint8(m[0].kind), uint8(IAttestationVerifier.MeasurementKind.MRTD));
        assertEq(
            m[0].value,
            sha256(
                hex"91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7"
            )
        );
        assertEq(sgxVerifier.teeType(), 2);
        assertEq(tdxVerifier.teeType(), 3);
    }

    function test_policy_refusesATcbStatusItDoesNotAllow() public {
        vm.prank(owner);
        // UpToDate and SWHardeningNeeded only.
        sgxVerifier.setPolicy(IIntelDcapAttestationVerifier.Policy(0x03, 0));
        vm.warp(SGX_FROM + 1 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IIntelDcapAttestationVerifier.TcbStatusNotAllowed.selector, TcbStatus.ConfigurationAndSWHardeningNeeded
            )
        );
        sgxVerifier.verifyAttestation(sgxQuote);
    }

    function test_policy_refusesCollateralOlderThanItsMaximumAge() public {
        vm.prank(owner);
        tdxVerifier.setPolicy(IIntelDcapAttestationVerifier.Policy(ANY_STATUS, 1 days));
        // The TDX TCB info was issued at 2025-06-19T10:16:03Z, 984 s before the QE identity.
        uint64 issued = uint64(TDX_FROM - 984);
        vm.warp(issued + 1 days);
        tdxVerifier.verifyAttestation(tdxQuote);
        vm.warp(issued + 1 days + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IIntelDcapAttestationVerifier.CollateralTooOld.selector, issued, uint32(1 days))
        );
        tdxVerifier.verifyAttestation(tdxQuote);
    }

    function test_setPolicy_onlyOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        sgxVerifier.setPolicy(IIntelDcapAttestationVerifier.Policy(1, 0));
    }

    function test_setPolicy_emitsPolicyUpdated() public {
        vm.expectEmit(address(sgxVerifier));
        emit IIntelDcapAttestationVerifier.PolicyUpdated(0x03, 3600);
        vm.prank(owner);
        sgxVerifier.setPolicy(IIntelDcapAttestationVerifier.Policy(0x03, 3600));
        assertEq(sgxVerifier.policy().maxCollateralAgeSeconds, 3600);
    }

    function test_quote_revertsWithoutStoredCollateral() public {
        IntelCollateralStore empty = new IntelCollateralStore();
        IntelDcapAttestationVerifier verifier = new IntelDcapAttestationVerifier(
            owner, empty, IntelQuote.TEE_TYPE_SGX, IIntelDcapAttestationVerifier.Policy(ANY_STATUS, 0)
        );
        vm.warp(SGX_FROM + 1 days);
        vm.expectRevert(IIntelCollateralStore.CrlMissing.selector);
        verifier.verifyQuote(sgxQuote);
    }

    /// @notice One byte of a genuine quote changed (anywhere, to anything else) never verifies.
    function testFuzz_mutatedSgxQuote_neverVerifies(uint256 index, uint8 xor) public {
        vm.assume(xor != 0);
        vm.warp(SGX_FROM + 1 days);
        bytes memory q = bytes.concat(sgxQuote);
        index = bound(index, 0, q.length - 1);
        q[index] ^= bytes1(xor);
        try sgxVerifier.verifyQuote(q) {
            revert("a mutated quote verified");
        } catch {}
    }

    /// @notice The same for the TDX quote, its zero padding included.
    function testFuzz_mutatedTdxQuote_neverVerifies(uint256 index, uint8 xor) public {
        vm.assume(xor != 0);
        vm.warp(TDX_FROM + 1 days);
        bytes memory q = bytes.concat(tdxQuote);
        index = bound(index, 0, q.length - 1);
        q[index] ^= bytes1(xor);
        try tdxVerifier.verifyQuote(q) {
            revert("a mutated quote verified");
        } catch {}
    }
}
