// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {console} from "forge-std/console.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {TEELivenessFixture} from "./TEELivenessFixture.sol";
import {TEELivenessVerifier} from "../../../src/services/multi-prover/TEELivenessVerifier.sol";
import {ITEELivenessVerifier} from "../../../src/services/multi-prover/ITEELivenessVerifier.sol";
import {IAttestationVerifier} from "../../../src/services/multi-prover/attestation/IAttestationVerifier.sol";
import {DevnetAttestationVerifier} from "../../../src/services/multi-prover/attestation/DevnetAttestationVerifier.sol";

/// @notice An attestation verifier that, while verifying, tries to re-enter submitLivenessProof (for itself as operator)
///         and answers with the right report data only if that failed: a successful outer proof shows the re-entry did.
contract ReentrantVerifier {
    TEELivenessVerifier internal immutable target;
    bytes32 internal immutable measurement;

    constructor(TEELivenessVerifier target_, bytes32 measurement_) {
        target = target_;
        measurement = measurement_;
    }

    function teeType() external pure returns (uint8) {
        return uint8(ITEELivenessVerifier.TeeType.DEVNET);
    }

    /// @dev Not `view`: it calls the liveness verifier's state-changing function.
    function verifyAttestation(bytes calldata attestation)
        external
        returns (IAttestationVerifier.Measurement[] memory measurements, bytes memory reportData)
    {
        (bool inner, bytes32 commitment) = abi.decode(attestation, (bool, bytes32));
        measurements = new IAttestationVerifier.Measurement[](1);
        measurements[0] = IAttestationVerifier.Measurement(IAttestationVerifier.MeasurementKind.MRENCLAVE, measurement);
        if (inner) return (measurements, abi.encodePacked(commitment, bytes32(0)));
        ITEELivenessVerifier.LivenessReport memory own = ITEELivenessVerifier.LivenessReport({
            proverKey: address(0xBEEF),
            operator: address(this),
            referenceBlockNumber: block.number - 1,
            referenceBlockHash: blockhash(block.number - 1)
        });
        bool reentered;
        try target.submitLivenessProof(
            ITEELivenessVerifier.TeeType.DEVNET, own, abi.encode(true, target.reportDataHash(own))
        ) {
            reentered = true;
        } catch {}
        reportData = abi.encodePacked(reentered ? bytes32(0) : commitment, bytes32(0));
    }
}

/// @notice TEELivenessVerifier: who may submit, what the report data must bind, replay, the allowlist, expiry,
///         revocation and the owner's settings, with the real devnet PermissionController and devnet verifier.
contract TEELivenessVerifierTest is TEELivenessFixture {
    address internal stranger = makeAddr("stranger");
    address internal appointee = makeAddr("appointee");

    // ---------------------------------------------------------------- construction

    function test_constructor_setsParameters() public view {
        assertEq(liveness.owner(), owner);
        assertEq(address(liveness.permissionController()), address(permissionController));
        assertTrue(liveness.isDevnet());
        assertEq(liveness.attestValiditySeconds(), VALIDITY);
        assertEq(address(liveness.attestationVerifier(DEVNET)), address(devnetVerifier));
    }

    function test_constructor_revertsOnZeroOrTooLongValidity() public {
        vm.expectRevert(abi.encodeWithSelector(ITEELivenessVerifier.InvalidAttestValidity.selector, 0));
        new TEELivenessVerifier(owner, permissionController, false, 0);
        uint64 tooLong = liveness.MAX_ATTEST_VALIDITY_SECONDS() + 1;
        vm.expectRevert(abi.encodeWithSelector(ITEELivenessVerifier.InvalidAttestValidity.selector, tooLong));
        new TEELivenessVerifier(owner, permissionController, false, tooLong);
    }

    function test_typehash_matchesTypeString() public view {
        assertEq(
            liveness.LIVENESS_TYPEHASH(),
            keccak256(
                "avs-stack.multi-prover.LivenessReport(address proverKey,address operator,uint256 referenceBlockNumber,bytes32 referenceBlockHash,uint256 chainId,address verifier)"
            )
        );
    }

    function test_reportDataHash_isTheDocumentedEncoding() public {
        ITEELivenessVerifier.LivenessReport memory r = _report();
        bytes32 expected = keccak256(
            abi.encode(
                liveness.LIVENESS_TYPEHASH(),
                r.proverKey,
                r.operator,
                r.referenceBlockNumber,
                r.referenceBlockHash,
                block.chainid,
                address(liveness)
            )
        );
        assertEq(liveness.reportDataHash(r), expected);
    }

    // ---------------------------------------------------------------- submitting

    function test_submit_makesProverLiveForTheValidityPeriod() public {
        ITEELivenessVerifier.LivenessReport memory r = _report();
        bytes memory attestation = _attest(r);
        vm.expectEmit(address(liveness));
        emit ITEELivenessVerifier.LivenessProofSubmitted(
            operator, DEVNET, proverKey, keccak256(attestation), uint64(block.timestamp + VALIDITY)
        );
        vm.prank(operator);
        liveness.submitLivenessProof(DEVNET, r, attestation);

        ITEELivenessVerifier.Prover memory p = liveness.getProver(operator, DEVNET);
        assertEq(p.proverKey, proverKey);
        assertEq(p.attestedAt, block.timestamp);
        assertEq(p.liveUntil, block.timestamp + VALIDITY);
        assertTrue(liveness.isProverLive(operator, DEVNET, block.timestamp));
        assertTrue(liveness.attestationUsed(keccak256(attestation)));
        assertTrue(liveness.reportDataUsed(liveness.reportDataHash(r)));
        assertEq(liveness.proverKeyOperator(proverKey), operator);
        assertFalse(liveness.isProverLive(operator, ITEELivenessVerifier.TeeType.INTEL_SGX, block.timestamp));
    }

    function test_submit_byAnAppointeeOfTheOperator() public {
        vm.prank(operator);
        permissionController.setAppointee(
            operator, appointee, address(liveness), TEELivenessVerifier.submitLivenessProof.selector
        );
        ITEELivenessVerifier.LivenessReport memory r = _report();
        bytes memory attestation = _attest(r);
        vm.prank(appointee);
        liveness.submitLivenessProof(DEVNET, r, attestation);
        assertTrue(liveness.isProverLive(operator, DEVNET, block.timestamp));
    }

    /// @dev An attacker submitting a valid attestation naming me, to pin my prover to a key of its choosing or at a
    ///      moment of its choosing: only I (or whom I appoint) decide.
    function test_submit_revertsWhenCallerCannotActForTheOperator() public {
        ITEELivenessVerifier.LivenessReport memory r = _report();
        bytes memory attestation = _attest(r);
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(ITEELivenessVerifier.CallerCannotActForOperator.selector, stranger, operator)
        );
        liveness.submitLivenessProof(DEVNET, r, attestation);
    }

    /// @dev Another operator's attestation submitted as mine: its report data names the other operator.
    function test_submit_revertsForAnotherOperatorsAttestation() public {
        ITEELivenessVerifier.LivenessReport memory theirs = _report(proverKey, stranger, 1);
        bytes memory attestation = _attest(theirs);
        ITEELivenessVerifier.LivenessReport memory mine = ITEELivenessVerifier.LivenessReport({
            proverKey: theirs.proverKey,
            operator: operator,
            referenceBlockNumber: theirs.referenceBlockNumber,
            referenceBlockHash: theirs.referenceBlockHash
        });
        _expectSubmitRevert(
            mine,
            attestation,
            abi.encodeWithSelector(
                ITEELivenessVerifier.ReportDataMismatch.selector, liveness.reportDataHash(mine), _reportData(theirs)
            )
        );
    }

    /// @dev A report claiming another key than the one the attestation commits to.
    function test_submit_revertsWhenTheReportNamesAnotherKey() public {
        ITEELivenessVerifier.LivenessReport memory r = _report();
        bytes memory attestation = _attest(r);
        r.proverKey = makeAddr("someone else's key");
        vm.prank(operator);
        vm.expectPartialRevert(ITEELivenessVerifier.ReportDataMismatch.selector);
        liveness.submitLivenessProof(DEVNET, r, attestation);
    }

    function test_submit_revertsForZeroProverKey() public {
        ITEELivenessVerifier.LivenessReport memory r = _report(address(0), operator, 1);
        bytes memory attestation = _attest(r);
        vm.prank(operator);
        vm.expectRevert(ITEELivenessVerifier.ZeroProverKey.selector);
        liveness.submitLivenessProof(DEVNET, r, attestation);
    }

    function test_submit_acceptsTheOldestReferenceBlock() public {
        _submit(_report(proverKey, operator, liveness.MAX_REFERENCE_BLOCK_AGE()));
        assertTrue(liveness.isProverLive(operator, DEVNET, block.timestamp));
    }

    function test_submit_revertsForAStaleReferenceBlock() public {
        ITEELivenessVerifier.LivenessReport memory r = _report(proverKey, operator, liveness.MAX_REFERENCE_BLOCK_AGE() + 1);
        _expectSubmitRevert(
            r,
            _attest(r),
            abi.encodeWithSelector(
                ITEELivenessVerifier.StaleOrUnknownReferenceBlock.selector, r.referenceBlockNumber, r.referenceBlockHash
            )
        );
    }

    /// @dev The current block's hash is unknown (blockhash gives 0) and a future block's cannot be known.
    function testFuzz_submit_revertsForACurrentOrFutureReferenceBlock(uint256 ahead, bytes32 hash) public {
        ahead = bound(ahead, 0, 1e9);
        ITEELivenessVerifier.LivenessReport memory r = ITEELivenessVerifier.LivenessReport({
            proverKey: proverKey,
            operator: operator,
            referenceBlockNumber: block.number + ahead,
            referenceBlockHash: hash
        });
        _expectSubmitRevert(
            r, _attest(r), abi.encodeWithSelector(ITEELivenessVerifier.StaleOrUnknownReferenceBlock.selector, r.referenceBlockNumber, hash)
        );
    }

    function testFuzz_submit_revertsForAWrongReferenceBlockHash(bytes32 hash) public {
        ITEELivenessVerifier.LivenessReport memory r = _report();
        vm.assume(hash != r.referenceBlockHash);
        r.referenceBlockHash = hash;
        _expectSubmitRevert(
            r, _attest(r), abi.encodeWithSelector(ITEELivenessVerifier.StaleOrUnknownReferenceBlock.selector, r.referenceBlockNumber, hash)
        );
    }

    /// @dev A block whose hash the chain no longer gives (0) is not matched by a zero hash.
    function test_submit_revertsForAZeroReferenceBlockHash() public {
        ITEELivenessVerifier.LivenessReport memory r = _report();
        vm.setBlockhash(r.referenceBlockNumber, bytes32(0));
        r.referenceBlockHash = bytes32(0);
        _expectSubmitRevert(
            r, _attest(r), abi.encodeWithSelector(ITEELivenessVerifier.StaleOrUnknownReferenceBlock.selector, r.referenceBlockNumber, bytes32(0))
        );
    }

    function test_submit_revertsForATeeTypeWithoutVerifier() public {
        ITEELivenessVerifier.LivenessReport memory r = _report();
        bytes memory attestation = _attest(r);
        vm.prank(operator);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITEELivenessVerifier.UnsupportedTeeType.selector, ITEELivenessVerifier.TeeType.INTEL_SGX
            )
        );
        liveness.submitLivenessProof(ITEELivenessVerifier.TeeType.INTEL_SGX, r, attestation);
    }

    /// @dev Report data made for another chain: the same deployment address there must not make it valid here.
    function test_submit_revertsForReportDataOfAnotherChain() public {
        ITEELivenessVerifier.LivenessReport memory r = _report();
        uint256 here = block.chainid;
        vm.chainId(here + 1);
        bytes memory reportData = _reportData(r);
        vm.chainId(here);
        _expectSubmitRevert(
            r,
            _attest(reportData),
            abi.encodeWithSelector(ITEELivenessVerifier.ReportDataMismatch.selector, liveness.reportDataHash(r), reportData)
        );
    }

    /// @dev Report data made for another TEELivenessVerifier on this chain.
    function test_submit_revertsForReportDataOfAnotherVerifierContract() public {
        TEELivenessVerifier other = _deploy(true);
        ITEELivenessVerifier.LivenessReport memory r = _report();
        bytes memory reportData = abi.encodePacked(other.reportDataHash(r), bytes32(0));
        _expectSubmitRevert(
            r,
            _attest(reportData),
            abi.encodeWithSelector(ITEELivenessVerifier.ReportDataMismatch.selector, liveness.reportDataHash(r), reportData)
        );
    }

    function testFuzz_submit_revertsWhenTheSecondHalfOfReportDataIsNotZero(bytes32 tail) public {
        vm.assume(tail != bytes32(0));
        ITEELivenessVerifier.LivenessReport memory r = _report();
        bytes memory reportData = abi.encodePacked(liveness.reportDataHash(r), tail);
        _expectSubmitRevert(
            r,
            _attest(reportData),
            abi.encodeWithSelector(ITEELivenessVerifier.ReportDataMismatch.selector, liveness.reportDataHash(r), reportData)
        );
    }

    function test_submit_revertsForADebugEnclave() public {
        ITEELivenessVerifier.LivenessReport memory r = _report();
        bytes memory attestation =
            _sign(_body(MRENCLAVE, MRSIGNER, SGX_FLAGS_PROD | SGX_FLAGS_DEBUG, 0, _reportData(r)), attestationKeyPk);
        _expectSubmitRevert(r, attestation, abi.encodeWithSelector(DevnetAttestationVerifier.DebugEnclaveNotAllowed.selector));
    }

    function test_submit_revertsForAnAttestationNotSignedByTheAttestationKey() public {
        ITEELivenessVerifier.LivenessReport memory r = _report();
        bytes memory attestation =
            _sign(_body(MRENCLAVE, MRSIGNER, SGX_FLAGS_PROD, 0, _reportData(r)), uint256(keccak256("not the key")));
        _expectSubmitRevert(
            r, attestation, abi.encodeWithSelector(DevnetAttestationVerifier.InvalidAttestationSignature.selector)
        );
    }

    // ---------------------------------------------------------------- allowlist

    function testFuzz_submit_revertsForAMeasurementNotOnTheAllowlist(bytes32 mrEnclave, bytes32 mrSigner) public {
        vm.assume(mrEnclave != MRENCLAVE);
        ITEELivenessVerifier.LivenessReport memory r = _report();
        bytes memory attestation = _sign(_body(mrEnclave, mrSigner, SGX_FLAGS_PROD, 0, _reportData(r)), attestationKeyPk);
        _expectSubmitRevert(r, attestation, abi.encodeWithSelector(ITEELivenessVerifier.MeasurementNotAllowed.selector, DEVNET));
        assertFalse(liveness.isProverLive(operator, DEVNET, block.timestamp));
    }

    function test_submit_acceptsAnAllowedMrSigner() public {
        bytes32 otherBuild = keccak256("prover build 2");
        vm.prank(owner);
        liveness.setMeasurementAllowed(DEVNET, IAttestationVerifier.MeasurementKind.MRSIGNER, MRSIGNER, true);
        ITEELivenessVerifier.LivenessReport memory r = _report();
        bytes memory attestation = _sign(_body(otherBuild, MRSIGNER, SGX_FLAGS_PROD, 0, _reportData(r)), attestationKeyPk);
        vm.prank(operator);
        liveness.submitLivenessProof(DEVNET, r, attestation);
        assertTrue(liveness.isProverLive(operator, DEVNET, block.timestamp));
    }

    /// @dev The kind counts: an MRSIGNER value allowed as an MRENCLAVE does not admit enclaves of that signer.
    function test_submit_revertsWhenTheValueIsAllowedUnderAnotherKind() public {
        vm.prank(owner);
        liveness.setMeasurementAllowed(DEVNET, IAttestationVerifier.MeasurementKind.MRENCLAVE, MRSIGNER, true);
        ITEELivenessVerifier.LivenessReport memory r = _report();
        bytes memory attestation =
            _sign(_body(keccak256("prover build 2"), MRSIGNER, SGX_FLAGS_PROD, 0, _reportData(r)), attestationKeyPk);
        _expectSubmitRevert(r, attestation, abi.encodeWithSelector(ITEELivenessVerifier.MeasurementNotAllowed.selector, DEVNET));
    }

    function test_submit_revertsOnceTheMeasurementIsRemoved() public {
        vm.prank(owner);
        liveness.setMeasurementAllowed(DEVNET, IAttestationVerifier.MeasurementKind.MRENCLAVE, MRENCLAVE, false);
        ITEELivenessVerifier.LivenessReport memory r = _report();
        _expectSubmitRevert(r, _attest(r), abi.encodeWithSelector(ITEELivenessVerifier.MeasurementNotAllowed.selector, DEVNET));
    }

    function test_setMeasurementAllowed_emitsAndIsOwnerOnly() public {
        bytes32 value = keccak256("x");
        vm.expectEmit(address(liveness));
        emit ITEELivenessVerifier.MeasurementAllowlistUpdated(DEVNET, IAttestationVerifier.MeasurementKind.MRSIGNER, value, true);
        vm.prank(owner);
        liveness.setMeasurementAllowed(DEVNET, IAttestationVerifier.MeasurementKind.MRSIGNER, value, true);
        assertTrue(liveness.isMeasurementAllowed(DEVNET, IAttestationVerifier.MeasurementKind.MRSIGNER, value));
        assertFalse(liveness.isMeasurementAllowed(DEVNET, IAttestationVerifier.MeasurementKind.MRENCLAVE, value));

        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        liveness.setMeasurementAllowed(DEVNET, IAttestationVerifier.MeasurementKind.MRSIGNER, value, false);
    }

    // ---------------------------------------------------------------- replay

    function test_submit_revertsForAReplayedAttestation() public {
        ITEELivenessVerifier.LivenessReport memory r = _report();
        bytes memory attestation = _attest(r);
        vm.prank(operator);
        liveness.submitLivenessProof(DEVNET, r, attestation);
        vm.warp(block.timestamp + VALIDITY);
        _expectSubmitRevert(
            r, attestation, abi.encodeWithSelector(ITEELivenessVerifier.AttestationAlreadyUsed.selector, keccak256(attestation))
        );
        assertFalse(liveness.isProverLive(operator, DEVNET, block.timestamp), "the replay did not renew it");
    }

    /// @dev The same report data in another attestation (another report body, or another signature of the same one).
    function test_submit_revertsForReusedReportDataInAnotherAttestation() public {
        ITEELivenessVerifier.LivenessReport memory r = _report();
        _submit(r);
        bytes memory again = _sign(_body(MRENCLAVE, MRSIGNER, SGX_FLAGS_PROD, 1, _reportData(r)), attestationKeyPk);
        _expectSubmitRevert(
            r, again, abi.encodeWithSelector(ITEELivenessVerifier.ReportDataAlreadyUsed.selector, liveness.reportDataHash(r))
        );
    }

    /// @dev One enclave key serving two operators would make two "independent" provers one machine.
    function test_submit_revertsForAProverKeyOfAnotherOperator() public {
        _submit(_report(proverKey, stranger, 1));
        ITEELivenessVerifier.LivenessReport memory r = _report();
        _expectSubmitRevert(
            r, _attest(r), abi.encodeWithSelector(ITEELivenessVerifier.ProverKeyInUse.selector, proverKey, stranger)
        );
    }

    function test_submit_renewsAndRotatesTheKey() public {
        _submit(_report());
        vm.roll(block.number + 10);
        vm.warp(block.timestamp + 100);
        address newKey = makeAddr("newKey");
        _submit(_report(newKey, operator, 1));
        ITEELivenessVerifier.Prover memory p = liveness.getProver(operator, DEVNET);
        assertEq(p.proverKey, newKey);
        assertEq(p.attestedAt, block.timestamp);
        assertEq(p.liveUntil, block.timestamp + VALIDITY);
        // The same key renews itself with a fresh reference block.
        vm.roll(block.number + 1);
        _submit(_report(newKey, operator, 1));
        assertEq(liveness.getProver(operator, DEVNET).proverKey, newKey);
    }

    // ---------------------------------------------------------------- expiry and revocation

    function test_isProverLive_untilExactlyLiveUntil() public {
        _submit(_report());
        uint256 attestedAt = block.timestamp;
        uint256 liveUntil = attestedAt + VALIDITY;
        assertFalse(liveness.isProverLive(operator, DEVNET, attestedAt - 1));
        assertTrue(liveness.isProverLive(operator, DEVNET, attestedAt));
        assertTrue(liveness.isProverLive(operator, DEVNET, liveUntil - 1));
        assertFalse(liveness.isProverLive(operator, DEVNET, liveUntil));
        vm.warp(liveUntil);
        assertFalse(liveness.isProverLive(operator, DEVNET, block.timestamp));
    }

    function test_isProverLive_falseWithoutAProof() public view {
        assertFalse(liveness.isProverLive(operator, DEVNET, 0));
        assertFalse(liveness.isProverLive(operator, DEVNET, block.timestamp));
    }

    function test_revokeProver_endsLivenessAtOnce() public {
        _submit(_report());
        vm.warp(block.timestamp + 10);
        vm.expectEmit(address(liveness));
        emit ITEELivenessVerifier.ProverRevoked(operator, DEVNET);
        vm.prank(operator);
        liveness.revokeProver(operator, DEVNET);
        assertFalse(liveness.isProverLive(operator, DEVNET, block.timestamp));
        assertEq(liveness.getProver(operator, DEVNET).liveUntil, block.timestamp);
        assertEq(liveness.getProver(operator, DEVNET).proverKey, proverKey, "the record keeps the key");
    }

    function test_revokeProver_byAnAppointee() public {
        _submit(_report());
        vm.prank(operator);
        permissionController.setAppointee(operator, appointee, address(liveness), TEELivenessVerifier.revokeProver.selector);
        vm.prank(appointee);
        liveness.revokeProver(operator, DEVNET);
        assertFalse(liveness.isProverLive(operator, DEVNET, block.timestamp));
    }

    function test_revokeProver_revertsForAStranger() public {
        _submit(_report());
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(ITEELivenessVerifier.CallerCannotActForOperator.selector, stranger, operator)
        );
        liveness.revokeProver(operator, DEVNET);
    }

    function test_revokeProver_revertsWhenNotLive() public {
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(ITEELivenessVerifier.ProverNotLive.selector, operator, DEVNET));
        liveness.revokeProver(operator, DEVNET);
        _submit(_report());
        vm.warp(block.timestamp + VALIDITY);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(ITEELivenessVerifier.ProverNotLive.selector, operator, DEVNET));
        liveness.revokeProver(operator, DEVNET);
    }

    function test_submit_afterRevocationMakesItLiveAgain() public {
        _submit(_report());
        vm.prank(operator);
        liveness.revokeProver(operator, DEVNET);
        vm.roll(block.number + 1);
        _submit(_report());
        assertTrue(liveness.isProverLive(operator, DEVNET, block.timestamp));
    }

    // ---------------------------------------------------------------- owner settings

    function test_setAttestValiditySeconds_appliesToLaterProofs() public {
        _submit(_report());
        vm.expectEmit(address(liveness));
        emit ITEELivenessVerifier.AttestValiditySecondsSet(60);
        vm.prank(owner);
        liveness.setAttestValiditySeconds(60);
        assertEq(liveness.getProver(operator, DEVNET).liveUntil, block.timestamp + VALIDITY, "earlier proof unchanged");
        vm.roll(block.number + 1);
        _submit(_report());
        assertEq(liveness.getProver(operator, DEVNET).liveUntil, block.timestamp + 60);
    }

    function test_setAttestValiditySeconds_revertsOutOfRangeOrForAStranger() public {
        uint64 max = liveness.MAX_ATTEST_VALIDITY_SECONDS();
        vm.startPrank(owner);
        vm.expectRevert(abi.encodeWithSelector(ITEELivenessVerifier.InvalidAttestValidity.selector, 0));
        liveness.setAttestValiditySeconds(0);
        vm.expectRevert(abi.encodeWithSelector(ITEELivenessVerifier.InvalidAttestValidity.selector, max + 1));
        liveness.setAttestValiditySeconds(max + 1);
        liveness.setAttestValiditySeconds(max);
        vm.stopPrank();
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        liveness.setAttestValiditySeconds(60);
    }

    function test_setAttestationVerifier_refusesDevnetOnANonDevnetDeployment() public {
        TEELivenessVerifier production = _deploy(false);
        vm.prank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(ITEELivenessVerifier.VerifierNotAllowed.selector, DEVNET, address(devnetVerifier))
        );
        production.setAttestationVerifier(DEVNET, devnetVerifier);
    }

    /// @dev A devnet verifier registered under a production TEE type would let anyone forge "SGX" attestations.
    function test_setAttestationVerifier_refusesAVerifierOfAnotherTeeType() public {
        TEELivenessVerifier production = _deploy(false);
        vm.prank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITEELivenessVerifier.VerifierNotAllowed.selector, ITEELivenessVerifier.TeeType.INTEL_SGX, address(devnetVerifier)
            )
        );
        production.setAttestationVerifier(ITEELivenessVerifier.TeeType.INTEL_SGX, devnetVerifier);
    }

    function test_setAttestationVerifier_refusesTeeTypeNone() public {
        vm.prank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITEELivenessVerifier.VerifierNotAllowed.selector, ITEELivenessVerifier.TeeType.NONE, address(devnetVerifier)
            )
        );
        liveness.setAttestationVerifier(ITEELivenessVerifier.TeeType.NONE, devnetVerifier);
    }

    function test_setAttestationVerifier_zeroUnsetsAndKeepsLiveProvers() public {
        _submit(_report());
        vm.expectEmit(address(liveness));
        emit ITEELivenessVerifier.AttestationVerifierSet(DEVNET, address(0));
        vm.prank(owner);
        liveness.setAttestationVerifier(DEVNET, IAttestationVerifier(address(0)));
        assertTrue(liveness.isProverLive(operator, DEVNET, block.timestamp));
        vm.roll(block.number + 1);
        ITEELivenessVerifier.LivenessReport memory r = _report();
        _expectSubmitRevert(r, _attest(r), abi.encodeWithSelector(ITEELivenessVerifier.UnsupportedTeeType.selector, DEVNET));
    }

    function test_setAttestationVerifier_revertsForAStranger() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        liveness.setAttestationVerifier(DEVNET, devnetVerifier);
    }

    // ---------------------------------------------------------------- a hostile verifier

    /// @dev The verifier is called with STATICCALL: its attempt to submit a proof of its own during verification fails,
    ///      so it answers with the right report data and the outer proof goes through, alone.
    function test_submit_aVerifierCannotReenter() public {
        ReentrantVerifier hostile = new ReentrantVerifier(liveness, MRENCLAVE);
        vm.prank(owner);
        liveness.setAttestationVerifier(DEVNET, IAttestationVerifier(address(hostile)));
        ITEELivenessVerifier.LivenessReport memory r = _report();
        bytes memory attestation = abi.encode(false, liveness.reportDataHash(r));
        vm.prank(operator);
        liveness.submitLivenessProof(DEVNET, r, attestation);
        assertTrue(liveness.isProverLive(operator, DEVNET, block.timestamp));
        assertEq(liveness.getProver(address(hostile), DEVNET).proverKey, address(0), "the re-entry changed nothing");
        assertEq(liveness.proverKeyOperator(address(0xBEEF)), address(0));
    }

    /// @dev The control of the test above: called with a plain CALL, the same verifier does re-enter.
    function test_reentrantVerifier_reentersWhenNotCalledStatically() public {
        ReentrantVerifier hostile = new ReentrantVerifier(liveness, MRENCLAVE);
        vm.prank(owner);
        liveness.setAttestationVerifier(DEVNET, IAttestationVerifier(address(hostile)));
        _report();
        (, bytes memory reportData) = hostile.verifyAttestation(abi.encode(false, keccak256("anything")));
        assertEq(bytes32(reportData), bytes32(0), "it reports the re-entry");
        assertEq(liveness.getProver(address(hostile), DEVNET).proverKey, address(0xBEEF));
    }

    // ---------------------------------------------------------------- gas

    /// @dev Logs the gas of submitLivenessProof with the devnet verifier: a first proof (new key) and a renewal.
    function test_gas_submitLivenessProof() public {
        ITEELivenessVerifier.LivenessReport memory r = _report();
        bytes memory attestation = _attest(r);
        vm.prank(operator);
        uint256 before = gasleft();
        liveness.submitLivenessProof(DEVNET, r, attestation);
        uint256 first = before - gasleft();

        vm.roll(block.number + 1);
        vm.warp(block.timestamp + 1800);
        r = _report();
        attestation = _attest(r);
        vm.prank(operator);
        before = gasleft();
        liveness.submitLivenessProof(DEVNET, r, attestation);
        uint256 renewal = before - gasleft();

        console.log("submitLivenessProof (devnet verifier), first proof:", first);
        console.log("submitLivenessProof (devnet verifier), renewal:", renewal);
        assertLt(first, 150_000);
        assertLt(renewal, first);
    }

    function _expectSubmitRevert(
        ITEELivenessVerifier.LivenessReport memory r,
        bytes memory attestation,
        bytes memory revertData
    ) internal {
        vm.prank(r.operator);
        vm.expectRevert(revertData);
        liveness.submitLivenessProof(DEVNET, r, attestation);
    }
}
