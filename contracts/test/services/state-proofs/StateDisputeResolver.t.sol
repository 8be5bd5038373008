// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {StateDisputeResolverFixture} from "./StateDisputeResolverFixture.sol";
import {IAllocationManagerErrors, IAllocationManagerTypes, OperatorSet} from
    "../../../src/eigenlayer/IAllocationManager.sol";
import {IDelegationManager} from "../../../src/eigenlayer/IDelegationManager.sol";
import {IStrategy} from "../../../src/eigenlayer/IStrategy.sol";
import {StateProofsServiceManager} from "../../../src/services/state-proofs/StateProofsServiceManager.sol";
import {IStateDisputeResolver} from "../../../src/services/state-proofs/IStateDisputeResolver.sol";
import {IStateProofsStakeRegistry} from "../../../src/services/state-proofs/IStateProofsStakeRegistry.sol";
import {StateDisputeResolver} from "../../../src/services/state-proofs/StateDisputeResolver.sol";
import {StateAttestation} from "../../../src/services/state-proofs/StateAttestationLib.sol";

/// @notice A DelegationManager stand-in with a configurable withdrawal delay (constructor check only).
contract ShortWithdrawalDelay {
    function minWithdrawalDelayBlocks() external pure returns (uint32) {
        return 5;
    }
}

/// @notice A challenger contract that refuses ether until told otherwise.
contract RefusingChallenger {
    bool public accept;

    function setAccept(bool accept_) external {
        accept = accept_;
    }

    function challenge(StateDisputeResolver r, StateAttestation calldata a, bytes calldata sigData)
        external
        payable
        returns (bytes32)
    {
        return r.submitChallenge{value: msg.value}(a, sigData);
    }

    function withdraw(StateDisputeResolver r, address payable to) external {
        r.withdraw(to);
    }

    receive() external payable {
        require(accept, "no ether");
    }
}

/// @notice StateDisputeResolver: unit tests per function and error, the full dispute path on the devnet EigenLayer
///         core, fuzz tests and gas figures.
contract StateDisputeResolverTest is StateDisputeResolverFixture {
    uint256 internal constant KEY = 7;
    uint256 internal constant TRUE_VALUE = 1234;
    uint256 internal constant WRONG_VALUE = 999;

    Op[] internal _ops;
    uint64 internal _block;

    function setUp() public override {
        super.setUp();
        Op[] memory ops = _quorumOf(4);
        for (uint256 i; i < ops.length; ++i) {
            _ops.push(ops[i]);
        }
        _block = _writeRemote(KEY, TRUE_VALUE);
        _fundPool(10 ether);
    }

    function _all() internal view returns (Op[] memory) {
        return _ops;
    }

    function _wrong() internal view returns (StateAttestation memory) {
        return _attest(REMOTE_CHAIN_ID, _block, KEY, WRONG_VALUE, true, 1);
    }

    function _right() internal view returns (StateAttestation memory) {
        return _attest(REMOTE_CHAIN_ID, _block, KEY, TRUE_VALUE, true, 1);
    }

    function _challengeWrong() internal returns (bytes32 id, StateAttestation memory a) {
        a = _wrong();
        id = _challenge(a, _sigDataFor(_all(), a));
    }

    // ---------------------------------------------------------------- constructor

    function test_constructor_setsParameters() public view {
        assertEq(address(resolver.serviceManager()), address(serviceManager));
        assertEq(address(resolver.stakeRegistry()), address(registry));
        assertEq(address(resolver.verifier()), address(verifier));
        assertEq(address(resolver.allocationManager()), address(allocationManager));
        assertEq(resolver.OPERATOR_SET_ID(), SET_ID);
        assertEq(resolver.MIN_BOND(), MIN_BOND);
        assertEq(resolver.RESOLUTION_PERIOD(), RESOLUTION_PERIOD);
        assertEq(resolver.WAD_TO_SLASH(), WAD_TO_SLASH);
        assertEq(resolver.CHALLENGER_REWARD(), REWARD);
        assertEq(resolver.BOND_RECIPIENT(), treasury);
        assertEq(resolver.MIN_BLOCK_TIME(), MIN_BLOCK_TIME);
        assertEq(resolver.operatorSet().avs, address(serviceManager));
        assertEq(resolver.operatorSet().id, SET_ID);
    }

    function test_constructor_exposureWindowCoversProofAgeAndResolution() public view {
        // (2 + 2) epochs of 120 s + 120 s = 600 s = 10 blocks of 60 s.
        assertEq(resolver.EXPOSURE_WINDOW(), (2 + uint256(MAX_AGE)) * LENGTH + RESOLUTION_PERIOD);
        assertEq(resolver.EXPOSURE_WINDOW(), 600);
        assertEq(resolver.REQUIRED_DELAY_BLOCKS(), 10);
        assertLe(resolver.REQUIRED_DELAY_BLOCKS(), allocationManager.DEALLOCATION_DELAY());
        assertLe(resolver.REQUIRED_DELAY_BLOCKS(), delegationManager.minWithdrawalDelayBlocks());
    }

    function test_constructor_revertsOnZeroAddress() public {
        IStateDisputeResolver.Config memory c = _config();
        c.bondRecipient = address(0);
        vm.expectRevert(IStateDisputeResolver.ZeroAddress.selector);
        new StateDisputeResolver(c);
    }

    function test_constructor_revertsOnRegistryMismatch() public {
        IStateDisputeResolver.Config memory c = _config();
        c.stakeRegistry = IStateProofsStakeRegistry(address(0xBAD));
        vm.expectRevert(
            abi.encodeWithSelector(IStateDisputeResolver.RegistryMismatch.selector, address(0xBAD), address(registry))
        );
        new StateDisputeResolver(c);
    }

    function test_constructor_revertsOnZeroMinBond() public {
        IStateDisputeResolver.Config memory c = _config();
        c.minBond = 0;
        vm.expectRevert(abi.encodeWithSelector(IStateDisputeResolver.InvalidConfig.selector, "minBond"));
        new StateDisputeResolver(c);
    }

    function test_constructor_revertsOnZeroResolutionPeriod() public {
        IStateDisputeResolver.Config memory c = _config();
        c.resolutionPeriod = 0;
        vm.expectRevert(abi.encodeWithSelector(IStateDisputeResolver.InvalidConfig.selector, "resolutionPeriod"));
        new StateDisputeResolver(c);
    }

    function test_constructor_revertsOnWadAboveOne() public {
        IStateDisputeResolver.Config memory c = _config();
        c.wadToSlash = 1e18 + 1;
        vm.expectRevert(abi.encodeWithSelector(IStateDisputeResolver.InvalidConfig.selector, "wadToSlash"));
        new StateDisputeResolver(c);
    }

    function test_constructor_revertsOnZeroWad() public {
        IStateDisputeResolver.Config memory c = _config();
        c.wadToSlash = 0;
        vm.expectRevert(abi.encodeWithSelector(IStateDisputeResolver.InvalidConfig.selector, "wadToSlash"));
        new StateDisputeResolver(c);
    }

    function test_constructor_revertsOnZeroBlockTime() public {
        IStateDisputeResolver.Config memory c = _config();
        c.minBlockTime = 0;
        vm.expectRevert(abi.encodeWithSelector(IStateDisputeResolver.InvalidConfig.selector, "minBlockTime"));
        new StateDisputeResolver(c);
    }

    function test_constructor_revertsWhenDeallocationDelayTooShort() public {
        IStateDisputeResolver.Config memory c = _config();
        c.minBlockTime = 12; // 600 s at 12 s per block = 50 blocks > 10
        vm.expectRevert(abi.encodeWithSelector(IStateDisputeResolver.DeallocationDelayTooShort.selector, 10, 50));
        new StateDisputeResolver(c);
    }

    function test_constructor_revertsWhenResolutionPeriodOutlastsDelay() public {
        IStateDisputeResolver.Config memory c = _config();
        c.resolutionPeriod = RESOLUTION_PERIOD + 1; // 601 s: 11 blocks
        vm.expectRevert(abi.encodeWithSelector(IStateDisputeResolver.DeallocationDelayTooShort.selector, 10, 11));
        new StateDisputeResolver(c);
    }

    function test_constructor_revertsWhenWithdrawalDelayTooShort() public {
        IStateDisputeResolver.Config memory c = _config();
        c.delegationManager = IDelegationManager(address(new ShortWithdrawalDelay()));
        vm.expectRevert(abi.encodeWithSelector(IStateDisputeResolver.WithdrawalDelayTooShort.selector, 5, 10));
        new StateDisputeResolver(c);
    }

    // ---------------------------------------------------------------- submitChallenge

    function test_submitChallenge_storesChallenge() public {
        (bytes32 id, StateAttestation memory a) = _challengeWrong();
        assertEq(id, serviceManager.attestationTaskId(a));
        assertEq(id, keccak256(abi.encodePacked(a.user, a.chainId, a.blockNumber, a.timestamp, a.key)));
        IStateDisputeResolver.Challenge memory c = resolver.getChallenge(id);
        assertEq(c.challenger, challenger);
        assertEq(uint8(c.status), uint8(IStateDisputeResolver.Status.Open));
        assertEq(c.deadline, block.timestamp + RESOLUTION_PERIOD);
        assertEq(c.bond, MIN_BOND);
        assertEq(c.user, user);
        assertEq(c.chainId, REMOTE_CHAIN_ID);
        assertEq(c.key, KEY);
        assertEq(c.blockNumber, _block);
        assertEq(c.timestamp, a.timestamp);
        assertEq(c.claimedValue, WRONG_VALUE);
        assertTrue(c.claimedExists);
        assertEq(c.referenceEpoch, 1);
        assertEq(c.digest, serviceManager.attestationDigest(a));
        Op[] memory sorted = _sorted(_all());
        IStateDisputeResolver.SlashingSummary memory s = resolver.getSlashing(c.digest);
        assertEq(s.signers, 4);
        assertEq(s.signersHash, keccak256(abi.encodePacked(_addresses(sorted))), "hash of the ascending signer list");
        assertEq(s.referenceEpoch, 1);
        assertEq(s.challenger, address(0), "not proven wrong yet");
        assertEq(resolver.totalOpenBonds(), MIN_BOND);
        assertEq(address(resolver).balance, MIN_BOND + 10 ether);
    }

    function test_submitChallenge_emitsEvent() public {
        StateAttestation memory a = _wrong();
        bytes memory sigData = _sigDataFor(_all(), a);
        (address[] memory signers,,) = abi.decode(sigData, (address[], bytes[], uint32));
        vm.expectEmit(address(resolver));
        emit IStateDisputeResolver.ChallengeSubmitted(
            serviceManager.attestationTaskId(a),
            challenger,
            serviceManager.attestationDigest(a),
            a,
            signers,
            MIN_BOND,
            uint64(block.timestamp + RESOLUTION_PERIOD)
        );
        _challenge(a, sigData);
    }

    function test_submitChallenge_acceptsLargerBond() public {
        StateAttestation memory a = _wrong();
        bytes memory sigData = _sigDataFor(_all(), a);
        vm.prank(challenger);
        bytes32 id = resolver.submitChallenge{value: 3 ether}(a, sigData);
        assertEq(resolver.getChallenge(id).bond, 3 ether);
    }

    function test_submitChallenge_revertsBelowMinBond() public {
        StateAttestation memory a = _wrong();
        bytes memory sigData = _sigDataFor(_all(), a);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IStateDisputeResolver.InvalidBond.selector, MIN_BOND - 1, MIN_BOND));
        resolver.submitChallenge{value: MIN_BOND - 1}(a, sigData);
    }

    function test_submitChallenge_revertsOnUnsupportedChain() public {
        StateAttestation memory a = _attest(424242, _block, KEY, WRONG_VALUE, true, 1);
        bytes memory sigData = _sigDataFor(_all(), a);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IStateDisputeResolver.UnsupportedChain.selector, 424242));
        resolver.submitChallenge{value: MIN_BOND}(a, sigData);
    }

    function test_submitChallenge_revertsWhenAlreadyOpen() public {
        (bytes32 id, StateAttestation memory a) = _challengeWrong();
        bytes memory sigData = _sigDataFor(_all(), a);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IStateDisputeResolver.ChallengeAlreadyOpen.selector, id));
        resolver.submitChallenge{value: MIN_BOND}(a, sigData);
    }

    function test_submitChallenge_revertsOnUnsignedClaim() public {
        // Signatures over the right attestation do not cover a made-up wrong one.
        StateAttestation memory a = _wrong();
        bytes memory sigData = _sigDataFor(_all(), _right());
        vm.prank(challenger);
        vm.expectRevert(
            abi.encodeWithSelector(IStateDisputeResolver.InvalidQuorumSignature.selector, serviceManager.attestationDigest(a))
        );
        resolver.submitChallenge{value: MIN_BOND}(a, sigData);
    }

    function test_submitChallenge_revertsOnSignatureByNonOperator() public {
        StateAttestation memory a = _wrong();
        Op[] memory fake = new Op[](1);
        fake[0] = _newOperator(99, STAKE); // an EigenLayer operator, not registered with the AVS
        bytes memory sigData = _sigDataFor(fake, a);
        vm.prank(challenger);
        vm.expectRevert(
            abi.encodeWithSelector(IStateDisputeResolver.InvalidQuorumSignature.selector, serviceManager.attestationDigest(a))
        );
        resolver.submitChallenge{value: MIN_BOND}(a, sigData);
    }

    function test_submitChallenge_revertsBelowThreshold() public {
        StateAttestation memory a = _wrong();
        Op[] memory two = new Op[](2);
        two[0] = _ops[0];
        two[1] = _ops[1];
        bytes memory sigData = _sigDataFor(two, a); // 2 of 4 < 66.67%
        vm.prank(challenger);
        vm.expectRevert(
            abi.encodeWithSelector(IStateDisputeResolver.InvalidQuorumSignature.selector, serviceManager.attestationDigest(a))
        );
        resolver.submitChallenge{value: MIN_BOND}(a, sigData);
    }

    function test_submitChallenge_revertsOnEpochBeforeRegistration() public {
        StateAttestation memory a = _attest(REMOTE_CHAIN_ID, _block, KEY, WRONG_VALUE, true, 0);
        bytes memory sigData = _sigDataFor(_all(), a); // nobody was registered at epoch 0
        vm.prank(challenger);
        vm.expectRevert(
            abi.encodeWithSelector(IStateDisputeResolver.InvalidQuorumSignature.selector, serviceManager.attestationDigest(a))
        );
        resolver.submitChallenge{value: MIN_BOND}(a, sigData);
    }

    function test_submitChallenge_revertsWhenProofTooOld() public {
        StateAttestation memory a = _wrong();
        bytes memory sigData = _sigDataFor(_all(), a);
        _advanceTo(GENESIS + (2 + uint256(MAX_AGE)) * LENGTH); // epoch 4: epoch 1 is 3 > MAX_AGE epochs old
        vm.prank(challenger);
        vm.expectRevert(
            abi.encodeWithSelector(IStateDisputeResolver.InvalidQuorumSignature.selector, serviceManager.attestationDigest(a))
        );
        resolver.submitChallenge{value: MIN_BOND}(a, sigData);
    }

    function test_submitChallenge_acceptsOnLastSecondOfProofValidity() public {
        StateAttestation memory a = _wrong();
        bytes memory sigData = _sigDataFor(_all(), a);
        _advanceTo(GENESIS + (2 + uint256(MAX_AGE)) * LENGTH - 1);
        bytes32 id = _challenge(a, sigData);
        assertEq(uint8(resolver.challengeStatus(id)), uint8(IStateDisputeResolver.Status.Open));
    }

    function test_submitChallenge_revertsOnMalformedSigData() public {
        StateAttestation memory a = _wrong();
        vm.prank(challenger);
        vm.expectRevert();
        resolver.submitChallenge{value: MIN_BOND}(a, hex"1234");
    }

    function test_submitChallenge_revertsWhenNotSlasher() public {
        IStateDisputeResolver.Config memory c = _config();
        c.operatorSetId = 5; // a set that does not exist: its slasher is zero
        StateDisputeResolver other = new StateDisputeResolver(c);
        StateAttestation memory a = _wrong();
        bytes memory sigData = _sigDataFor(_all(), a);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IStateDisputeResolver.NotOperatorSetSlasher.selector, address(0)));
        other.submitChallenge{value: MIN_BOND}(a, sigData);
    }

    function test_submitChallenge_revertsForSlashedAttestation() public {
        (bytes32 id, StateAttestation memory a) = _challengeWrong();
        _verifyRemote(KEY, _block);
        _resolve(id);
        bytes memory sigData = _sigDataFor(_all(), a);
        bytes32 digest = serviceManager.attestationDigest(a);
        assertTrue(resolver.slashedDigests(digest));
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IStateDisputeResolver.AttestationAlreadySlashed.selector, digest));
        resolver.submitChallenge{value: MIN_BOND}(a, sigData);
    }

    function test_submitChallenge_reopensIdAfterResolution() public {
        StateAttestation memory right = _right();
        bytes32 id = _challenge(right, _sigDataFor(_all(), right));
        _verifyRemote(KEY, _block);
        _resolve(id);
        assertEq(uint8(resolver.challengeStatus(id)), uint8(IStateDisputeResolver.Status.Rejected));

        (bytes32 id2,) = _challengeWrong();
        assertEq(id2, id);
        assertEq(uint8(resolver.challengeStatus(id)), uint8(IStateDisputeResolver.Status.Open));
        assertEq(resolver.getChallenge(id).claimedValue, WRONG_VALUE);
        // The truth is already verified: it resolves at once.
        assertEq(uint8(_resolve(id)), uint8(IStateDisputeResolver.Status.Slashed));
    }

    // ---------------------------------------------------------------- resolveChallenge

    function test_resolveChallenge_revertsForUnknownChallenge() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IStateDisputeResolver.ChallengeNotOpen.selector, bytes32(uint256(1)), IStateDisputeResolver.Status.None
            )
        );
        _resolve(bytes32(uint256(1)));
    }

    function test_resolveChallenge_revertsWhenResolvedTwice() public {
        (bytes32 id,) = _challengeWrong();
        _verifyRemote(KEY, _block);
        _resolve(id);
        vm.expectRevert(
            abi.encodeWithSelector(IStateDisputeResolver.ChallengeNotOpen.selector, id, IStateDisputeResolver.Status.Slashed)
        );
        _resolve(id);
    }

    function test_resolveChallenge_revertsBeforeVerificationAndDeadline() public {
        (bytes32 id,) = _challengeWrong();
        uint64 deadline = resolver.getChallenge(id).deadline;
        _advanceTo(deadline);
        vm.expectRevert(abi.encodeWithSelector(IStateDisputeResolver.NotYetVerified.selector, id, deadline));
        _resolve(id);
        assertEq(uint8(resolver.previewResolution(id)), uint8(IStateDisputeResolver.Status.Open));
    }

    /// @dev The full path: a real quorum signature over a wrong attestation, challenge, verifyState on the source chain
    ///      through the bridge, resolve: every signer slashed in the AllocationManager and the DelegationManager,
    ///      challenger paid bond + reward.
    function test_resolveChallenge_slashesEverySignerOfWrongAttestation() public {
        (bytes32 id,) = _challengeWrong();
        _verifyRemote(KEY, _block);
        assertEq(uint8(resolver.previewResolution(id)), uint8(IStateDisputeResolver.Status.Slashed));

        Op[] memory sorted = _sorted(_all());
        bytes32 digest = resolver.getChallenge(id).digest;
        uint256 challengerBefore = challenger.balance;
        uint256 sharesBefore = _shares(sorted[0].addr);
        uint256[] memory expectedShares = new uint256[](1);
        expectedShares[0] = sharesBefore * WAD_TO_SLASH / 1e18;
        for (uint256 i; i < 4; ++i) {
            vm.expectEmit(address(resolver));
            emit IStateDisputeResolver.SignerSlashed(id, digest, sorted[i].addr, i + 1, _strategies(), expectedShares, expectedShares[0]);
        }
        vm.expectEmit(address(resolver));
        emit IStateDisputeResolver.ChallengerRewarded(digest, challenger, REWARD, 4 * expectedShares[0]);
        vm.expectEmit(address(resolver));
        emit IStateDisputeResolver.ChallengeSucceeded(id, challenger, TRUE_VALUE, true, MIN_BOND, REWARD);
        vm.expectEmit(address(resolver));
        emit IStateDisputeResolver.PaymentSent(challenger, MIN_BOND + REWARD);
        IStateDisputeResolver.Status outcome = _resolve(id);

        assertEq(uint8(outcome), uint8(IStateDisputeResolver.Status.Slashed));
        for (uint256 i; i < 4; ++i) {
            address op = sorted[i].addr;
            assertEq(_magnitude(op), 1e18 - WAD_TO_SLASH, "allocated magnitude");
            assertEq(allocationManager.getMaxMagnitude(op, strategy), 1e18 - WAD_TO_SLASH, "max magnitude");
            assertEq(_shares(op), STAKE - STAKE * WAD_TO_SLASH / 1e18, "delegated shares");
        }
        assertEq(challenger.balance, challengerBefore + MIN_BOND + REWARD);
        assertEq(resolver.rewardPool(), 10 ether - REWARD);
        assertEq(resolver.totalOpenBonds(), 0);
        assertEq(address(resolver).balance, 10 ether - REWARD);
    }

    function test_resolveChallenge_slashesWrongExistsFlag() public {
        // Claims an entry that does not exist (key never written), with value 0.
        StateAttestation memory a = _attest(REMOTE_CHAIN_ID, _block, KEY + 1, 0, true, 1);
        bytes32 id = _challenge(a, _sigDataFor(_all(), a));
        _verifyRemote(KEY + 1, _block);
        assertEq(uint8(_resolve(id)), uint8(IStateDisputeResolver.Status.Slashed));
        assertLt(_magnitude(_ops[0].addr), 1e18);
    }

    function test_resolveChallenge_correctAbsenceForfeitsBond() public {
        StateAttestation memory a = _attest(REMOTE_CHAIN_ID, _block, KEY + 1, 0, false, 1);
        bytes32 id = _challenge(a, _sigDataFor(_all(), a));
        _verifyRemote(KEY + 1, _block);
        assertEq(uint8(_resolve(id)), uint8(IStateDisputeResolver.Status.Rejected));
        assertEq(treasury.balance, MIN_BOND);
    }

    function test_resolveChallenge_correctAttestationForfeitsBondToRecipient() public {
        StateAttestation memory a = _right();
        bytes32 id = _challenge(a, _sigDataFor(_all(), a));
        _verifyRemote(KEY, _block);
        uint256 challengerBefore = challenger.balance;
        vm.expectEmit(address(resolver));
        emit IStateDisputeResolver.ChallengeFailed(id, treasury, MIN_BOND);
        vm.expectEmit(address(resolver));
        emit IStateDisputeResolver.PaymentSent(treasury, MIN_BOND);
        assertEq(uint8(_resolve(id)), uint8(IStateDisputeResolver.Status.Rejected));
        assertEq(treasury.balance, MIN_BOND);
        assertEq(challenger.balance, challengerBefore);
        assertEq(resolver.rewardPool(), 10 ether);
        assertEq(_magnitude(_ops[0].addr), 1e18, "nobody slashed");
        assertEq(_shares(_ops[0].addr), STAKE);
        assertFalse(resolver.slashedDigests(serviceManager.attestationDigest(a)));
    }

    function test_resolveChallenge_expiredChallengeReturnsBond() public {
        (bytes32 id,) = _challengeWrong();
        uint64 deadline = resolver.getChallenge(id).deadline;
        _advanceTo(deadline + 1);
        uint256 challengerBefore = challenger.balance;
        vm.expectEmit(address(resolver));
        emit IStateDisputeResolver.ChallengeExpired(id, challenger, MIN_BOND);
        assertEq(uint8(_resolve(id)), uint8(IStateDisputeResolver.Status.Expired));
        assertEq(challenger.balance, challengerBefore + MIN_BOND);
        assertEq(_magnitude(_ops[0].addr), 1e18, "nobody slashed");
        assertEq(address(resolver).balance, 10 ether);
    }

    function test_resolveChallenge_verificationAfterDeadlineStillExpires() public {
        (bytes32 id,) = _challengeWrong();
        _advanceTo(resolver.getChallenge(id).deadline + 1);
        _verifyRemote(KEY, _block);
        assertEq(uint8(_resolve(id)), uint8(IStateDisputeResolver.Status.Expired));
        assertEq(_magnitude(_ops[0].addr), 1e18);
    }

    function test_resolveChallenge_verificationAtDeadlineCounts() public {
        (bytes32 id,) = _challengeWrong();
        _advanceTo(resolver.getChallenge(id).deadline);
        _verifyRemote(KEY, _block);
        _advance(1000);
        assertEq(uint8(_resolve(id)), uint8(IStateDisputeResolver.Status.Slashed));
    }

    function test_resolveChallenge_verifiedBeforeChallengeResolvesAtOnce() public {
        _verifyRemote(KEY, _block);
        (bytes32 id,) = _challengeWrong();
        assertEq(uint8(_resolve(id)), uint8(IStateDisputeResolver.Status.Slashed));
    }

    function test_resolveChallenge_slashesMainChainAttestationThroughLocalPath() public {
        uint64 mainBlock = uint64(block.number);
        vm.prank(user);
        mainStateManager.setValue(KEY, 5);
        _advance(MIN_BLOCK_TIME);
        StateAttestation memory a = _attest(MAIN_CHAIN_ID, mainBlock, KEY, 6, true, 1);
        bytes32 id = _challenge(a, _sigDataFor(_all(), a));
        verifier.verifyState(user, KEY, _header(mainBlock));
        assertEq(uint8(_resolve(id)), uint8(IStateDisputeResolver.Status.Slashed));
        assertEq(_magnitude(_ops[0].addr), 1e18 - WAD_TO_SLASH);
    }

    /// @dev The worst case of the window: a signer leaves the registry in the grace period of epoch 1 (so it still
    ///      counts at epoch 2) and the operator set at once; a proof of epoch 2 challenged on the last second it is
    ///      valid and verified on the last second of the deadline still slashes it (blocks 60 s apart).
    function test_window_signerLeavingAsEarlyAsPossibleStaysSlashable() public {
        Op[] memory ops = new Op[](8);
        for (uint256 i; i < 4; ++i) {
            ops[i] = _ops[i];
            ops[4 + i] = _newOperator(101 + i, STAKE);
            _register(ops[4 + i]);
            _join(ops[4 + i], 1e18);
        }
        Op memory leaver = ops[4];
        _advanceTo(GENESIS + 2 * LENGTH - GRACE); // grace period of epoch 1
        vm.prank(leaver.addr);
        registry.deregisterOperator(); // effective at epoch 3: it signs at epoch 2
        _leaveSet(leaver);
        uint256 leftAtBlock = block.number;
        assertEq(registry.getOperatorSigningKeyAtEpoch(leaver.addr, 2), leaver.signingKey);
        assertEq(registry.getOperatorSigningKeyAtEpoch(leaver.addr, 3), address(0));

        StateAttestation memory a = _attest(REMOTE_CHAIN_ID, _block, KEY, WRONG_VALUE, true, 2);
        _advanceTo(GENESIS + (3 + uint256(MAX_AGE)) * LENGTH - 1); // last second of epoch 2 + MAX_AGE
        bytes32 id = _challenge(a, _sigDataFor(ops, a));
        _advanceTo(resolver.getChallenge(id).deadline);
        _verifyRemote(KEY, _block);
        assertLe(block.number, leftAtBlock + allocationManager.DEALLOCATION_DELAY(), "within the deallocation delay");
        assertTrue(allocationManager.isOperatorSlashable(leaver.addr, set));
        _resolve(id);
        assertEq(_magnitude(leaver.addr), 1e18 - WAD_TO_SLASH, "the leaving signer was slashed");
    }

    function test_resolveChallenge_defersPaymentToContractThatRefusesEther() public {
        RefusingChallenger rc = new RefusingChallenger();
        vm.deal(address(rc), 0);
        StateAttestation memory a = _wrong();
        bytes memory sigData = _sigDataFor(_all(), a);
        vm.deal(address(this), MIN_BOND);
        bytes32 id = rc.challenge{value: MIN_BOND}(resolver, a, sigData);
        _noteSigners(id, serviceManager.attestationDigest(a), sigData);
        _verifyRemote(KEY, _block);
        vm.expectEmit(address(resolver));
        emit IStateDisputeResolver.PaymentDeferred(address(rc), MIN_BOND + REWARD);
        _resolve(id);
        assertEq(resolver.pendingWithdrawals(address(rc)), MIN_BOND + REWARD);
        assertEq(resolver.totalPendingWithdrawals(), MIN_BOND + REWARD);
        assertEq(address(resolver).balance, resolver.rewardPool() + MIN_BOND + REWARD);

        address payable sink = payable(makeAddr("sink"));
        vm.expectEmit(address(resolver));
        emit IStateDisputeResolver.Withdrawn(address(rc), sink, MIN_BOND + REWARD);
        rc.withdraw(resolver, sink);
        assertEq(sink.balance, MIN_BOND + REWARD);
        assertEq(resolver.pendingWithdrawals(address(rc)), 0);
        assertEq(resolver.totalPendingWithdrawals(), 0);
    }

    function test_withdraw_revertsWhenTransferFails() public {
        RefusingChallenger rc = new RefusingChallenger();
        StateAttestation memory a = _wrong();
        bytes memory sigData = _sigDataFor(_all(), a);
        vm.deal(address(this), MIN_BOND);
        bytes32 id = rc.challenge{value: MIN_BOND}(resolver, a, sigData);
        _noteSigners(id, serviceManager.attestationDigest(a), sigData);
        _verifyRemote(KEY, _block);
        _resolve(id);
        vm.expectRevert(
            abi.encodeWithSelector(IStateDisputeResolver.WithdrawalFailed.selector, address(rc), MIN_BOND + REWARD)
        );
        rc.withdraw(resolver, payable(address(rc)));
        rc.setAccept(true);
        rc.withdraw(resolver, payable(address(rc)));
        assertEq(address(rc).balance, MIN_BOND + REWARD);
    }

    function test_withdraw_revertsWhenNothingPending() public {
        vm.expectRevert(IStateDisputeResolver.NothingToWithdraw.selector);
        resolver.withdraw(payable(address(this)));
    }

    function test_fundRewardPool_addsAndEmits() public {
        vm.deal(address(this), 2 ether);
        vm.expectEmit(address(resolver));
        emit IStateDisputeResolver.RewardPoolFunded(address(this), 2 ether);
        resolver.fundRewardPool{value: 2 ether}();
        assertEq(resolver.rewardPool(), 12 ether);
    }

    function test_views_challengeIdOfMatchesTaskId() public view {
        StateAttestation memory a = _wrong();
        assertEq(resolver.challengeIdOf(a), serviceManager.attestationTaskId(a));
        assertEq(uint8(resolver.previewResolution(bytes32(0))), uint8(IStateDisputeResolver.Status.None));
    }

    function test_slashRemainingSigners_finishesQuorumLargerThanOneCall() public {
        uint256 n = resolver.MAX_SLASHES_PER_CALL() + 6;
        Op[] memory all = new Op[](n);
        for (uint256 i; i < 4; ++i) {
            all[i] = _ops[i];
        }
        for (uint256 i = 4; i < n; ++i) {
            all[i] = _newOperator(1000 + i, STAKE);
            _register(all[i]);
            _join(all[i], 1e18);
        }
        _advanceTo(GENESIS + 2 * LENGTH);
        StateAttestation memory a = _attest(REMOTE_CHAIN_ID, _block, KEY, WRONG_VALUE, true, 2);
        bytes32 id = _challenge(a, _sigDataFor(all, a));
        bytes32 digest = serviceManager.attestationDigest(a);
        _verifyRemote(KEY, _block);
        Op[] memory sorted = _sorted(all);

        vm.expectEmit(address(resolver));
        emit IStateDisputeResolver.SlashingIncomplete(digest, 6);
        _resolve(id);
        IStateDisputeResolver.SlashingSummary memory s = resolver.getSlashing(digest);
        assertEq(s.slashed, n - 6);
        assertEq(s.pending, 6);
        assertEq(_magnitude(sorted[n - 7].addr), 1e18 - WAD_TO_SLASH);
        assertEq(_magnitude(sorted[n - 6].addr), 1e18, "not yet");

        _slashRemaining(digest);
        s = resolver.getSlashing(digest);
        assertEq(s.slashed, n);
        assertEq(s.pending, 0);
        for (uint256 i; i < n; ++i) {
            assertEq(_magnitude(sorted[i].addr), 1e18 - WAD_TO_SLASH);
        }
        vm.expectRevert(abi.encodeWithSelector(IStateDisputeResolver.NothingLeftToSlash.selector, digest));
        _slashRemaining(digest);
    }

    function test_slashRemainingSigners_revertsWhenAllSlashed() public {
        (bytes32 id, StateAttestation memory a) = _challengeWrong();
        bytes32 digest = serviceManager.attestationDigest(a);
        _verifyRemote(KEY, _block);
        _resolve(id);
        assertEq(resolver.getSlashing(digest).slashed, 4);
        vm.expectRevert(abi.encodeWithSelector(IStateDisputeResolver.NothingLeftToSlash.selector, digest));
        _slashRemaining(digest);
    }

    function test_slashRemainingSigners_revertsForOpenChallenge() public {
        (, StateAttestation memory a) = _challengeWrong();
        bytes32 digest = serviceManager.attestationDigest(a);
        vm.expectRevert(abi.encodeWithSelector(IStateDisputeResolver.NotProvenWrong.selector, digest));
        _slashRemaining(digest);
    }

    // ---------------------------------------------------------------- fuzz

    /// @dev Slashing happens exactly when the verified (value, exists) differs from the claim.
    function testFuzz_resolveChallenge_slashesIffClaimDiffers(uint256 claimedValue, bool claimedExists) public {
        StateAttestation memory a = _attest(REMOTE_CHAIN_ID, _block, KEY, claimedValue, claimedExists, 1);
        bytes32 id = _challenge(a, _sigDataFor(_all(), a));
        _verifyRemote(KEY, _block);
        bool wrong = claimedValue != TRUE_VALUE || !claimedExists;
        IStateDisputeResolver.Status outcome = _resolve(id);
        assertEq(uint8(outcome), uint8(wrong ? IStateDisputeResolver.Status.Slashed : IStateDisputeResolver.Status.Rejected));
        assertEq(_magnitude(_ops[0].addr), wrong ? 1e18 - WAD_TO_SLASH : 1e18);
        assertEq(treasury.balance, wrong ? 0 : MIN_BOND);
    }

    /// @dev Whatever gas the caller gives, a resolution either slashes every signer or does not happen: a slash
    ///      starved of gas reverts the call instead of being skipped.
    function testFuzz_resolveChallenge_gasStarvationNeverSkipsSigner(uint256 gasLimit) public {
        (bytes32 id,) = _challengeWrong();
        _verifyRemote(KEY, _block);
        gasLimit = bound(gasLimit, 50_000, 700_000);
        try resolver.resolveChallenge{gas: gasLimit}(id, _signersById[id]) returns (IStateDisputeResolver.Status outcome) {
            assertEq(uint8(outcome), uint8(IStateDisputeResolver.Status.Slashed));
            for (uint256 i; i < 4; ++i) {
                assertEq(_magnitude(_ops[i].addr), 1e18 - WAD_TO_SLASH, "a signer escaped");
            }
        } catch {
            assertEq(uint8(resolver.challengeStatus(id)), uint8(IStateDisputeResolver.Status.Open));
            for (uint256 i; i < 4; ++i) {
                assertEq(_magnitude(_ops[i].addr), 1e18);
            }
        }
    }

    function test_resolveChallenge_revertsWhenASlashIsStarvedOfGas() public {
        (bytes32 id,) = _challengeWrong();
        _verifyRemote(KEY, _block);
        // Find a gas limit at which a slash call fails for lack of gas: the call must revert with
        // InsufficientGasForSlash rather than skip that signer.
        bool seen;
        for (uint256 g = 150_000; g < 600_000 && !seen; g += 2_000) {
            uint256 snapshot = vm.snapshotState();
            try resolver.resolveChallenge{gas: g}(id, _signersById[id]) {}
            catch (bytes memory reason) {
                seen = reason.length >= 4 && bytes4(reason) == IStateDisputeResolver.InsufficientGasForSlash.selector;
            }
            vm.revertToState(snapshot);
        }
        assertTrue(seen, "no gas limit produced InsufficientGasForSlash");
    }

    /// @dev Any bond at or above the minimum is held and paid back in full with min(reward, pool) (every signer fully
    ///      allocated to the set, so the whole reward is earned).
    function testFuzz_bondAndRewardAccounting(uint96 bond, uint96 pool) public {
        bond = uint96(bound(bond, MIN_BOND, 1_000 ether));
        pool = uint96(bound(pool, 0, 5 ether));
        StateDisputeResolver r = _rewire();
        vm.deal(address(this), pool);
        r.fundRewardPool{value: pool}();
        StateAttestation memory a = _wrong();
        bytes memory sigData = _sigDataFor(_all(), a);
        vm.deal(challenger, bond);
        vm.prank(challenger);
        bytes32 id = r.submitChallenge{value: bond}(a, sigData);
        _noteSigners(id, serviceManager.attestationDigest(a), sigData);
        assertEq(address(r).balance, uint256(bond) + pool);
        _verifyRemote(KEY, _block);
        _resolveOn(r, id);
        uint256 reward = REWARD < pool ? REWARD : pool;
        assertEq(challenger.balance, uint256(bond) + reward);
        assertEq(address(r).balance, pool - reward);
        assertEq(r.rewardPool(), pool - reward);
    }

    /// @dev Before the deadline an unverified challenge cannot be resolved; after it, it expires.
    function testFuzz_resolveChallenge_deadline(uint32 wait) public {
        (bytes32 id,) = _challengeWrong();
        uint64 deadline = resolver.getChallenge(id).deadline;
        uint256 w = bound(wait, 0, 10 * RESOLUTION_PERIOD);
        vm.warp(block.timestamp + w);
        if (block.timestamp <= deadline) {
            vm.expectRevert(abi.encodeWithSelector(IStateDisputeResolver.NotYetVerified.selector, id, deadline));
            _resolve(id);
        } else {
            assertEq(uint8(_resolve(id)), uint8(IStateDisputeResolver.Status.Expired));
        }
    }

    /// @dev A bond below the minimum is always refused.
    function testFuzz_submitChallenge_refusesSmallBond(uint256 bond) public {
        bond = bound(bond, 0, MIN_BOND - 1);
        StateAttestation memory a = _wrong();
        bytes memory sigData = _sigDataFor(_all(), a);
        vm.deal(challenger, bond);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IStateDisputeResolver.InvalidBond.selector, bond, MIN_BOND));
        resolver.submitChallenge{value: bond}(a, sigData);
    }

    /// @dev Garbage sigData never opens a challenge.
    function testFuzz_submitChallenge_refusesArbitrarySigData(bytes calldata sigData) public {
        StateAttestation memory a = _wrong();
        vm.prank(challenger);
        try resolver.submitChallenge{value: MIN_BOND}(a, sigData) {
            revert("accepted garbage");
        } catch {}
        assertEq(uint8(resolver.challengeStatus(resolver.challengeIdOf(a))), uint8(IStateDisputeResolver.Status.None));
    }

    // ---------------------------------------------------------------- gas

    function test_gas_submitAndResolve_4signers() public {
        _measure(_all(), "4 signers");
    }

    function test_gas_submitAndResolve_10signers() public {
        Op[] memory ten = new Op[](10);
        for (uint256 i; i < 4; ++i) {
            ten[i] = _ops[i];
        }
        for (uint256 i = 4; i < 10; ++i) {
            ten[i] = _newOperator(i + 1, STAKE);
            _register(ten[i]);
            _join(ten[i], 1e18);
        }
        _advanceTo(GENESIS + 2 * LENGTH);
        _measure(ten, "10 signers");
    }

    function _measure(Op[] memory signers, string memory label) internal {
        uint32 epoch = registry.currentEpoch();
        StateAttestation memory a = _attest(REMOTE_CHAIN_ID, _block, KEY, WRONG_VALUE, true, epoch);
        bytes memory sigData = _sigDataFor(signers, a);
        _coolAll();
        vm.prank(challenger);
        bytes32 id = resolver.submitChallenge{value: MIN_BOND}(a, sigData);
        uint256 submitGas = vm.lastCallGas().gasTotalUsed;
        _noteSigners(id, serviceManager.attestationDigest(a), sigData);
        _verifyRemote(KEY, _block);
        _coolAll();
        _resolve(id);
        uint256 resolveGas = vm.lastCallGas().gasTotalUsed;
        emit log_named_uint(string.concat("submitChallenge gas, ", label), submitGas);
        emit log_named_uint(string.concat("resolveChallenge gas (slash all), ", label), resolveGas);
        for (uint256 i; i < signers.length; ++i) {
            assertEq(_magnitude(signers[i].addr), 1e18 - WAD_TO_SLASH);
        }
    }

    function _coolAll() internal {
        vm.cool(address(resolver));
        vm.cool(address(registry));
        vm.cool(address(serviceManager));
        vm.cool(address(verifier));
        vm.cool(address(allocationManager));
        vm.cool(address(delegationManager));
        vm.cool(address(strategyManager));
    }

    // ---------------------------------------------------------------- helpers

    function _registerParams(uint32[] memory ids) internal view returns (IAllocationManagerTypes.RegisterParams memory) {
        return IAllocationManagerTypes.RegisterParams({avs: address(serviceManager), operatorSetIds: ids, data: ""});
    }

    /// @dev A second resolver, slasher of a second operator set (id 1), with an empty pool. The quorum joins that set
    ///      and moves all its magnitude there from set 0 (after the deallocation delay). `set` stays set 0.
    function _rewire() internal returns (StateDisputeResolver r) {
        IStateDisputeResolver.Config memory c = _config();
        c.operatorSetId = 1;
        r = new StateDisputeResolver(c);
        IAllocationManagerTypes.CreateSetParamsV2[] memory params = new IAllocationManagerTypes.CreateSetParamsV2[](1);
        params[0] =
            IAllocationManagerTypes.CreateSetParamsV2({operatorSetId: 1, strategies: _strategies(), slasher: address(r)});
        vm.prank(avsOwner);
        serviceManager.createOperatorSets(params);
        uint32[] memory ids = new uint32[](1);
        ids[0] = 1;
        for (uint256 i; i < _ops.length; ++i) {
            vm.prank(_ops[i].addr);
            allocationManager.registerForOperatorSets(_ops[i].addr, _registerParams(ids));
            _allocate(_ops[i].addr, set, 0);
        }
        vm.roll(block.number + allocationManager.DEALLOCATION_DELAY() + 1);
        for (uint256 i; i < _ops.length; ++i) {
            _allocate(_ops[i].addr, OperatorSet(address(serviceManager), 1), 1e18);
        }
    }
}
