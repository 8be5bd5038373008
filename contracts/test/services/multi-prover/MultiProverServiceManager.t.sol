// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {BLSSignerSetChecker} from "../../../src/core/signatures/BLSSignerSetChecker.sol";
import {BN254} from "../../../src/core/signatures/BN254.sol";
import {IMultiProverServiceManager} from "../../../src/services/multi-prover/IMultiProverServiceManager.sol";
import {ITEELivenessVerifier} from "../../../src/services/multi-prover/ITEELivenessVerifier.sol";
import {MultiProverFixture} from "./MultiProverFixture.sol";

/// @notice MultiProverServiceManager.confirmState: the attacks first (replay on another chain or deployment, a caller
///         choosing the threshold or the quorums, duplicated or foreign keys, non-live or frozen signers), then the
///         rules and events. Four operators in both quorums (25 % of each quorum's weight each; 3 are needed).
contract MultiProverServiceManagerTest is MultiProverFixture {
    Op[] internal ops;
    bytes internal constant META = "chain 10, block 100";
    bytes internal constant STATE = "state root A";

    function setUp() public virtual override {
        super.setUp();
        Op[] memory created = _newMembers(0, 4, _quorums(SGX_Q, TDX_Q));
        for (uint256 i; i < created.length; ++i) {
            ops.push(created[i]);
        }
        _warpToEpoch(1);
    }

    function _signers(uint256 a, uint256 b, uint256 c) internal view returns (uint256[][] memory signers) {
        signers = new uint256[][](2);
        for (uint256 q; q < 2; ++q) {
            signers[q] = new uint256[](3);
            (signers[q][0], signers[q][1], signers[q][2]) = (ops[a].index, ops[b].index, ops[c].index);
        }
    }

    function _signed(IMultiProverServiceManager.StateHeader memory header, uint256[][] memory signers)
        internal
        returns (IMultiProverServiceManager.StateSignature memory)
    {
        return _aggregate(sm.hashStateHeader(header), signers);
    }

    // ---- attacks ----

    function test_attack_signatureForAnotherChain_isRefused() public {
        IMultiProverServiceManager.StateHeader memory header = _header(BOTH, META, STATE, 1);
        IMultiProverServiceManager.StateSignature memory signature = _signed(header, _signers(0, 1, 2));
        vm.chainId(block.chainid + 1);
        _expectInvalid(BLSSignerSetChecker.SignerSetStatus.InvalidSignature, 2);
        sm.confirmState(header, signature);
    }

    function test_attack_signatureForAnotherDeployment_isRefused() public {
        IMultiProverServiceManager.StateHeader memory header = _header(BOTH, META, STATE, 1);
        IMultiProverServiceManager.StateSignature memory signature = _signed(header, _signers(0, 1, 2));
        // A second deployment with the same operators, keys, quorums and committees: only verifyingContract differs.
        _deployStack();
        for (uint256 i; i < ops.length; ++i) {
            _joinAvs(ops[i], _quorums(SGX_Q, TDX_Q));
        }
        _warpToEpoch(2);
        header.referenceEpoch = 2;
        assertTrue(sm.hashStateHeader(header) != bytes32(0));
        _expectInvalid(BLSSignerSetChecker.SignerSetStatus.InvalidSignature, 2);
        sm.confirmState(header, signature);
        // The same operators' signature for this deployment goes through: the refusal was the domain.
        sm.confirmState(header, _signed(header, _signers(0, 1, 2)));
    }

    function test_attack_callerCannotDropAQuorumOfTheCommittee() public {
        IMultiProverServiceManager.StateHeader memory header = _header(BOTH, META, STATE, 1);
        header.quorumNumbers = hex"00";
        uint256[][] memory signers = new uint256[][](1);
        signers[0] = _signers(0, 1, 2)[0];
        IMultiProverServiceManager.StateSignature memory signature = _signed(header, signers);
        vm.expectRevert(
            abi.encodeWithSelector(IMultiProverServiceManager.QuorumNumbersMismatch.selector, hex"0001", hex"00")
        );
        sm.confirmState(header, signature);
    }

    function test_attack_thresholdIsTheCheckpointedOne_notTheCallers() public {
        // Two of four signers (50 %) are below the 66.67 % threshold; nothing the caller passes changes that.
        uint256[][] memory signers = new uint256[][](2);
        for (uint256 q; q < 2; ++q) {
            signers[q] = new uint256[](2);
            (signers[q][0], signers[q][1]) = (ops[0].index, ops[1].index);
        }
        IMultiProverServiceManager.StateHeader memory header = _header(BOTH, META, STATE, 1);
        IMultiProverServiceManager.StateSignature memory signature = _signed(header, signers);
        _expectInvalid(BLSSignerSetChecker.SignerSetStatus.InsufficientSignedWeight, 0);
        sm.confirmState(header, signature);
        // A lower threshold set now applies from the next effective epoch only, never to reference epoch 1.
        vm.prank(avsOwner);
        registry.setQuorumThreshold(SGX_Q, 5000);
        _expectInvalid(BLSSignerSetChecker.SignerSetStatus.InsufficientSignedWeight, 0);
        sm.confirmState(header, signature);
    }

    function test_attack_duplicatedSignerKey_isRefused() public {
        IMultiProverServiceManager.StateHeader memory header = _header(BOTH, META, STATE, 1);
        uint256[][] memory signers = _signers(0, 1, 2);
        signers[0][2] = signers[0][1]; // operator 1 listed twice in quorum 0 (its weight would count twice)
        IMultiProverServiceManager.StateSignature memory signature = _signed(header, signers);
        _expectInvalid(BLSSignerSetChecker.SignerSetStatus.SignersNotSorted, 0);
        sm.confirmState(header, signature);
    }

    function test_attack_signerOfAnotherQuorum_isRefused() public {
        Op memory sgxOnly = _newMember(10, _quorums(SGX_Q));
        _warpToEpoch(2);
        IMultiProverServiceManager.StateHeader memory header = _header(BOTH, META, STATE, 2);
        uint256[][] memory signers = _signers(0, 1, 2);
        signers[0] = new uint256[](4);
        (signers[0][0], signers[0][1], signers[0][2], signers[0][3]) =
            (ops[0].index, ops[1].index, ops[2].index, sgxOnly.index);
        signers[1][2] = sgxOnly.index; // listed in quorum 1 (TDX), of which it is not a member
        IMultiProverServiceManager.StateSignature memory signature = _signed(header, signers);
        _expectInvalid(BLSSignerSetChecker.SignerSetStatus.SignerNotMember, 1);
        sm.confirmState(header, signature);
    }

    function test_attack_unregisteredRogueKey_isRefused() public {
        // Vector key 50 never registered: listing it is refused (an unregistered key could cancel members' keys).
        IMultiProverServiceManager.StateHeader memory header = _header(BOTH, META, STATE, 1);
        uint256[][] memory signers = _signers(0, 1, 2);
        signers[0][2] = 50;
        IMultiProverServiceManager.StateSignature memory signature = _signed(header, signers);
        _expectInvalid(BLSSignerSetChecker.SignerSetStatus.SignerNotMember, 0);
        sm.confirmState(header, signature);
    }

    function test_attack_nonLiveSignerDoesNotCount() public {
        IMultiProverServiceManager.StateHeader memory header = _header(BOTH, META, STATE, 1);
        IMultiProverServiceManager.StateSignature memory signature = _signed(header, _signers(0, 1, 2));
        _setLive(ops[2].addr, ITEELivenessVerifier.TeeType.INTEL_TDX, false);
        _expectInvalid(BLSSignerSetChecker.SignerSetStatus.InsufficientSignedWeight, 1);
        sm.confirmState(header, signature);
    }

    function test_attack_proverExpiringBeforeTheConfirmationBlock_doesNotCount() public {
        IMultiProverServiceManager.StateHeader memory header = _header(BOTH, META, STATE, 1);
        IMultiProverServiceManager.StateSignature memory signature = _signed(header, _signers(0, 1, 2));
        // Live when the signature was made, expired by the block that confirms: the block's time decides.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint64 now_ = uint64(block.timestamp);
        liveness.setProver(ops[2].addr, ITEELivenessVerifier.TeeType.INTEL_SGX, now_ - 100, now_ + 10);
        assertEq(uint8(_status(header, signature)), uint8(BLSSignerSetChecker.SignerSetStatus.Valid));
        vm.warp(block.timestamp + 10);
        _expectInvalid(BLSSignerSetChecker.SignerSetStatus.InsufficientSignedWeight, 0);
        sm.confirmState(header, signature);
    }

    function _status(
        IMultiProverServiceManager.StateHeader memory header,
        IMultiProverServiceManager.StateSignature memory signature
    ) internal view returns (BLSSignerSetChecker.SignerSetStatus) {
        (, BLSSignerSetChecker.SignerSetResult memory result) = sm.confirmationStatus(header, signature);
        return result.status;
    }

    function test_attack_frozenSignerDoesNotCount_fromTheMomentItIsFrozen() public {
        IMultiProverServiceManager.StateHeader memory header = _header(BOTH, META, STATE, 1);
        IMultiProverServiceManager.StateSignature memory signature = _signed(header, _signers(0, 1, 2));
        // Its checkpointed weight at epoch 1 stays; the freeze alone removes it.
        vm.prank(address(slasher));
        registry.freezeOperator(ops[2].addr);
        assertGt(registry.getOperatorWeightAt(SGX_Q, ops[2].addr, 1), 0);
        _expectInvalid(BLSSignerSetChecker.SignerSetStatus.InsufficientSignedWeight, 0);
        sm.confirmState(header, signature);
    }

    // ---- confirmation ----

    function test_confirmState_storesTheStateAndEmits() public {
        IMultiProverServiceManager.StateHeader memory header = _header(BOTH, META, STATE, 1);
        IMultiProverServiceManager.StateSignature memory signature = _signed(header, _signers(0, 1, 2));
        bytes32 digest = sm.hashStateHeader(header);
        uint256[] memory weights = new uint256[](2);
        (weights[0], weights[1]) = (75 ether, 75 ether);
        vm.expectEmit(address(sm));
        emit IMultiProverServiceManager.StateConfirmed(BOTH, keccak256(META), digest, META, STATE, 1, weights);
        sm.confirmState(header, signature);
        IMultiProverServiceManager.ConfirmedState memory confirmed = sm.getConfirmedState(BOTH, META);
        assertEq(confirmed.stateHash, keccak256(STATE));
        assertEq(confirmed.digest, digest);
        assertEq(confirmed.confirmedAt, block.timestamp);
        assertEq(confirmed.referenceEpoch, 1);
        assertTrue(sm.isStateConfirmed(BOTH, META, STATE));
        assertFalse(sm.isStateConfirmed(BOTH, META, "state root B"));
    }

    function test_confirmState_secondConfirmationOfTheSameState_reverts() public {
        IMultiProverServiceManager.StateHeader memory header = _header(BOTH, META, STATE, 1);
        IMultiProverServiceManager.StateSignature memory signature = _signed(header, _signers(0, 1, 2));
        sm.confirmState(header, signature);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMultiProverServiceManager.StateAlreadyConfirmed.selector, BOTH, keccak256(META), keccak256(STATE)
            )
        );
        sm.confirmState(header, signature);
    }

    function test_confirmState_anotherStateForAConfirmedMetadata_revertsAndKeepsTheFirst() public {
        IMultiProverServiceManager.StateHeader memory header = _header(BOTH, META, STATE, 1);
        sm.confirmState(header, _signed(header, _signers(0, 1, 2)));
        IMultiProverServiceManager.StateHeader memory other = _header(BOTH, META, "state root B", 1);
        IMultiProverServiceManager.StateSignature memory otherSignature = _signed(other, _signers(1, 2, 3));
        vm.expectRevert(
            abi.encodeWithSelector(
                IMultiProverServiceManager.StateAlreadyConfirmed.selector, BOTH, keccak256(META), keccak256(STATE)
            )
        );
        sm.confirmState(other, otherSignature);
        assertTrue(sm.isStateConfirmed(BOTH, META, STATE));
    }

    function test_confirmState_singleQuorumCommittee() public {
        IMultiProverServiceManager.StateHeader memory header = _header(SGX_ONLY, META, STATE, 1);
        uint256[][] memory signers = new uint256[][](1);
        signers[0] = _signers(0, 1, 3)[0];
        sm.confirmState(header, _signed(header, signers));
        assertTrue(sm.isStateConfirmed(SGX_ONLY, META, STATE));
        assertFalse(sm.isStateConfirmed(BOTH, META, STATE));
    }

    function test_confirmState_unknownCommittee_reverts() public {
        IMultiProverServiceManager.StateHeader memory header = _header(BOTH, META, STATE, 1);
        IMultiProverServiceManager.StateSignature memory signature = _signed(header, _signers(0, 1, 2));
        header.committeeId = 7;
        vm.expectRevert(abi.encodeWithSelector(IMultiProverServiceManager.CommitteeNotFound.selector, 7));
        sm.confirmState(header, signature);
    }

    function test_confirmState_wrongSigma_reverts() public {
        IMultiProverServiceManager.StateHeader memory header = _header(BOTH, META, STATE, 1);
        IMultiProverServiceManager.StateSignature memory signature = _signed(header, _signers(0, 1, 2));
        signature.sigma = _signWith(_secret(0), sm.hashStateHeader(header));
        _expectInvalid(BLSSignerSetChecker.SignerSetStatus.InvalidSignature, 2);
        sm.confirmState(header, signature);
    }

    function test_confirmState_tooOldReferenceEpoch_reverts() public {
        IMultiProverServiceManager.StateHeader memory header = _header(BOTH, META, STATE, 1);
        IMultiProverServiceManager.StateSignature memory signature = _signed(header, _signers(0, 1, 2));
        _warpToEpoch(1 + MAX_AGE + 1);
        _expectInvalid(BLSSignerSetChecker.SignerSetStatus.ProofTooOld, 2);
        sm.confirmState(header, signature);
    }

    function test_confirmState_futureReferenceEpoch_reverts() public {
        IMultiProverServiceManager.StateHeader memory header = _header(BOTH, META, STATE, 2);
        IMultiProverServiceManager.StateSignature memory signature = _signed(header, _signers(0, 1, 2));
        _expectInvalid(BLSSignerSetChecker.SignerSetStatus.ReferenceEpochInFuture, 2);
        sm.confirmState(header, signature);
    }

    function test_confirmationStatus_saysWhyWithoutReverting() public {
        IMultiProverServiceManager.StateHeader memory header = _header(BOTH, META, STATE, 1);
        IMultiProverServiceManager.StateSignature memory signature = _signed(header, _signers(0, 1, 2));
        (IMultiProverServiceManager.ConfirmationStatus status, BLSSignerSetChecker.SignerSetResult memory result) =
            sm.confirmationStatus(header, signature);
        assertEq(uint8(status), uint8(IMultiProverServiceManager.ConfirmationStatus.Valid));
        assertEq(result.signedWeights[1], 75 ether);
        assertEq(result.thresholdWeights[1], 66.67 ether);
        signature.signerKeys[0][0] = BN254.G1Point(1, 3); // off the curve
        (status, result) = sm.confirmationStatus(header, signature);
        assertEq(uint8(status), uint8(IMultiProverServiceManager.ConfirmationStatus.InvalidSignature));
        assertEq(uint8(result.status), uint8(BLSSignerSetChecker.SignerSetStatus.SignerNotMember));
        sm.confirmState(header, _signed(header, _signers(0, 1, 2)));
        (status,) = sm.confirmationStatus(header, signature);
        assertEq(uint8(status), uint8(IMultiProverServiceManager.ConfirmationStatus.AlreadyConfirmed));
    }
}
