// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {StateDisputeResolverFixture} from "./StateDisputeResolverFixture.sol";
import {IAllocationManagerErrors, IAllocationManagerTypes, OperatorSet} from
    "../../../src/eigenlayer/IAllocationManager.sol";
import {IPausable} from "../../../devnet/eigenlayer/IPausable.sol";
import {IStateDisputeResolver} from "../../../src/services/state-proofs/IStateDisputeResolver.sol";
import {StateDisputeResolver} from "../../../src/services/state-proofs/StateDisputeResolver.sol";
import {StateAttestation} from "../../../src/services/state-proofs/StateAttestationLib.sol";

/// @notice StateDisputeResolver's slashing after a digest is proven wrong: admission exactly when the proof verifies,
///         every signer slashable by anyone until all are (additional signers, unfinished lists, paused EigenLayer
///         slashing and retries), and the reward paid only for stake actually slashed.
contract StateDisputeResolverSlashingTest is StateDisputeResolverFixture {
    uint256 internal constant KEY = 7;
    uint256 internal constant TRUE_VALUE = 1234;
    uint256 internal constant WRONG_VALUE = 999;
    uint8 internal constant PAUSED_OPERATOR_SLASHING = 1;

    event SignerSlashFailed(
        bytes32 indexed challengeId, bytes32 indexed digest, address indexed operator, uint32 attempts, bytes reason
    );
    event SignerAdded(bytes32 indexed digest, address indexed operator, address indexed by, uint32 referenceEpoch);

    Op[] internal _ops;
    uint64 internal _block;
    address internal stranger = makeAddr("stranger");

    function setUp() public override {
        super.setUp();
        Op[] memory ops = _quorumOf(4);
        for (uint256 i; i < ops.length; ++i) {
            _ops.push(ops[i]);
        }
        _block = _writeRemote(KEY, TRUE_VALUE);
        _fundPool(10 ether);
    }

    // ---------------------------------------------------------------- helpers

    function _all() internal view returns (Op[] memory) {
        return _ops;
    }

    function _wrong(uint32 epoch) internal view returns (StateAttestation memory) {
        return _attest(REMOTE_CHAIN_ID, _block, KEY, WRONG_VALUE, true, epoch);
    }

    function _first(uint256 n) internal view returns (Op[] memory list) {
        list = new Op[](n);
        for (uint256 i; i < n; ++i) {
            list[i] = _ops[i];
        }
    }

    /// @dev Challenges `a` with `signers`' sigData at the attestation's epoch, verifies the truth, resolves.
    function _proveWrong(StateAttestation memory a, Op[] memory signers) internal returns (bytes32 id, bytes32 digest) {
        digest = serviceManager.attestationDigest(a);
        id = _challenge(a, _sigData(signers, digest, a.epoch));
        _verifyRemote(KEY, _block);
        assertEq(uint8(_resolve(id)), uint8(IStateDisputeResolver.Status.Slashed));
    }

    function _status(bytes32 digest, address operator) internal view returns (IStateDisputeResolver.SignerStatus) {
        (IStateDisputeResolver.SignerSlash memory rec,) = resolver.getSignerSlash(digest, operator);
        return rec.status;
    }

    function _pauseSlashing() internal {
        uint256 status = allocationManager.paused() | (uint256(1) << PAUSED_OPERATOR_SLASHING);
        vm.prank(elOwner);
        allocationManager.pause(status);
    }

    function _unpauseSlashing() internal {
        uint256 status = allocationManager.paused() & ~(uint256(1) << PAUSED_OPERATOR_SLASHING);
        vm.prank(elOwner);
        allocationManager.unpause(status);
    }

    // ---------------------------------------------------------------- 1. admissible exactly when it verifies

    /// @dev The attacker's proof: the quorum signs a wrong value in an attestation whose epoch field is not sigData's
    ///      reference epoch. It verifies (the registry never reads that field), so it must be challengeable.
    function test_submitChallenge_acceptsProofWhoseAttestationEpochIsNotTheReferenceEpoch() public {
        StateAttestation memory a = _wrong(9); // epoch field 9, signed at reference epoch 1
        bytes32 digest = serviceManager.attestationDigest(a);
        bytes memory sigData = _sigData(_all(), digest, 1);
        assertEq(registry.isValidSignature(digest, sigData), MAGIC, "the proof verifies");
        bytes32 id = _challenge(a, sigData);
        assertEq(resolver.getChallenge(id).referenceEpoch, 1, "timing follows sigData's reference epoch");
        _verifyRemote(KEY, _block);
        assertEq(uint8(_resolve(id)), uint8(IStateDisputeResolver.Status.Slashed));
        assertEq(_magnitude(_ops[0].addr), 1e18 - WAD_TO_SLASH);
    }

    /// @dev For any attestation epoch, reference epoch and subset of signers: submitChallenge accepts exactly the
    ///      sigData the registry's isValidSignature accepts.
    function testFuzz_submitChallenge_admissibleExactlyWhenItVerifies(uint32 attestationEpoch, uint8 refSeed, uint8 mask)
        public
    {
        _advanceTo(GENESIS + 3 * LENGTH); // epoch 3: reference epochs 1..3 are admissible, 4 is in the future
        uint32 referenceEpoch = uint32(bound(refSeed, 0, 4));
        Op[] memory signers = new Op[](_countBits(mask & 0x0f));
        uint256 k;
        for (uint256 i; i < 4; ++i) {
            if (mask & (1 << i) != 0) signers[k++] = _ops[i];
        }
        StateAttestation memory a = _wrong(attestationEpoch);
        bytes32 digest = serviceManager.attestationDigest(a);
        bytes memory sigData = _sigData(signers, digest, referenceEpoch);
        bool verifies = registry.isValidSignature(digest, sigData) == MAGIC;
        vm.prank(challenger);
        try resolver.submitChallenge{value: MIN_BOND}(a, sigData) {
            assertTrue(verifies, "accepted a proof that does not verify");
        } catch (bytes memory reason) {
            assertFalse(verifies, "refused a proof that verifies");
            assertEq(reason, abi.encodeWithSelector(IStateDisputeResolver.InvalidQuorumSignature.selector, digest));
        }
    }

    function _countBits(uint256 x) internal pure returns (uint256 n) {
        for (; x != 0; x >>= 1) {
            n += x & 1;
        }
    }

    // ---------------------------------------------------------------- 2a. signers left out of the sigData

    /// @dev The attacker's escape: a challenger (or a signer front-running it) names only a minimal quorum; the signer
    ///      left out must still be slashable, by anyone, with its own signature over the digest.
    function test_slashAdditionalSigners_slashesSignerLeftOutOfMinimalSigData() public {
        StateAttestation memory a = _wrong(1);
        (bytes32 id, bytes32 digest) = _proveWrong(a, _first(3)); // 3 of 4 carry the threshold
        Op memory left = _ops[3];
        assertEq(_magnitude(left.addr), 1e18, "not in the challenged sigData");
        assertEq(uint8(_status(digest, left.addr)), uint8(IStateDisputeResolver.SignerStatus.None));

        address[] memory ops = new address[](1);
        ops[0] = left.addr;
        bytes[] memory sigs = new bytes[](1);
        sigs[0] = _sign(left.signingPk, digest);
        vm.expectEmit(address(resolver));
        emit SignerAdded(digest, left.addr, stranger, 1);
        vm.prank(stranger);
        resolver.slashAdditionalSigners(digest, 1, ops, sigs);

        assertEq(_magnitude(left.addr), 1e18 - WAD_TO_SLASH, "slashed");
        assertEq(uint8(_status(digest, left.addr)), uint8(IStateDisputeResolver.SignerStatus.Slashed));
        IStateDisputeResolver.SlashingSummary memory s = resolver.getSlashing(digest);
        assertEq(s.challengeId, id);
        assertEq(s.signers, 4);
        assertEq(s.slashed, 4);
        assertEq(s.signersHash, keccak256(abi.encodePacked(_signersById[id])), "the challenged list is unchanged");
    }

    /// @dev Any set of signers the registry would accept, any way split between the challenged sigData and later
    ///      additions: each is slashed exactly once, and no pair can be slashed again.
    function testFuzz_slashAdditionalSigners_everySignerSlashedExactlyOnce(uint16 mask) public {
        // Ten equal operators: any 7 carry the threshold (66.67%); up to 3 (those with their bit set) are left out.
        uint256 n = 10;
        Op[] memory all = new Op[](n);
        for (uint256 i; i < 4; ++i) {
            all[i] = _ops[i];
        }
        for (uint256 i = 4; i < n; ++i) {
            all[i] = _newOperator(200 + i, STAKE);
            _register(all[i]);
            _join(all[i], 1e18);
        }
        _advanceTo(GENESIS + 2 * LENGTH);
        uint256 leftOut;
        for (uint256 i; i < n; ++i) {
            if (mask & (1 << i) != 0 && leftOut < 3) ++leftOut;
        }
        Op[] memory first = new Op[](n - leftOut);
        Op[] memory rest = new Op[](leftOut);
        (uint256 f, uint256 r) = (0, 0);
        for (uint256 i; i < n; ++i) {
            if (mask & (1 << i) != 0 && r < leftOut) rest[r++] = all[i];
            else first[f++] = all[i];
        }
        StateAttestation memory a = _wrong(2);
        bytes32 digest = serviceManager.attestationDigest(a);
        bytes32 id = _challenge(a, _sigData(first, digest, 2));
        _verifyRemote(KEY, _block);
        _resolve(id);
        if (rest.length != 0) {
            bytes[] memory sigs = new bytes[](rest.length);
            for (uint256 i; i < rest.length; ++i) {
                sigs[i] = _sign(rest[i].signingPk, digest);
            }
            resolver.slashAdditionalSigners(digest, 2, _addresses(rest), sigs);
        }
        for (uint256 i; i < n; ++i) {
            assertEq(_magnitude(all[i].addr), 1e18 - WAD_TO_SLASH, "slashed exactly once");
            address[] memory again = new address[](1);
            again[0] = all[i].addr;
            bytes[] memory sig = new bytes[](1);
            sig[0] = _sign(all[i].signingPk, digest);
            vm.expectRevert(
                abi.encodeWithSelector(
                    IStateDisputeResolver.SignerAlreadyRecorded.selector,
                    digest,
                    all[i].addr,
                    IStateDisputeResolver.SignerStatus.Slashed
                )
            );
            resolver.slashAdditionalSigners(digest, 2, again, sig);
        }
        assertEq(resolver.getSlashing(digest).slashed, n);
    }

    function test_slashAdditionalSigners_refusesSignatureOverAnotherDigest() public {
        (, bytes32 digest) = _proveWrong(_wrong(1), _first(3));
        address[] memory ops = new address[](1);
        ops[0] = _ops[3].addr;
        bytes[] memory sigs = new bytes[](1);
        sigs[0] = _sign(_ops[3].signingPk, keccak256("something else"));
        vm.expectRevert(abi.encodeWithSelector(IStateDisputeResolver.InvalidOperatorSignature.selector, _ops[3].addr, 1));
        resolver.slashAdditionalSigners(digest, 1, ops, sigs);
    }

    function test_slashAdditionalSigners_refusesSignatureByOtherKey() public {
        (, bytes32 digest) = _proveWrong(_wrong(1), _first(3));
        address[] memory ops = new address[](1);
        ops[0] = _ops[3].addr;
        bytes[] memory sigs = new bytes[](1);
        sigs[0] = _sign(_ops[0].signingPk, digest); // operator 0's key, not operator 3's
        vm.expectRevert(abi.encodeWithSelector(IStateDisputeResolver.InvalidOperatorSignature.selector, _ops[3].addr, 1));
        resolver.slashAdditionalSigners(digest, 1, ops, sigs);
    }

    /// @dev A key that signed long ago (older than the registry's proof age) cannot be used to frame its operator.
    function test_slashAdditionalSigners_refusesReferenceEpochTooOld() public {
        (, bytes32 digest) = _proveWrong(_wrong(1), _first(3));
        _advanceTo(GENESIS + (2 + uint256(MAX_AGE)) * LENGTH); // epoch 4: epoch 1 is 3 > MAX_AGE epochs old
        address[] memory ops = new address[](1);
        ops[0] = _ops[3].addr;
        bytes[] memory sigs = new bytes[](1);
        sigs[0] = _sign(_ops[3].signingPk, digest);
        vm.expectRevert(abi.encodeWithSelector(IStateDisputeResolver.InvalidOperatorSignature.selector, _ops[3].addr, 1));
        resolver.slashAdditionalSigners(digest, 1, ops, sigs);
        // At an admissible epoch where it holds the same key, it is slashed.
        resolver.slashAdditionalSigners(digest, 4, ops, sigs);
        assertEq(_magnitude(_ops[3].addr), 1e18 - WAD_TO_SLASH);
    }

    function test_slashAdditionalSigners_refusesFutureReferenceEpoch() public {
        (, bytes32 digest) = _proveWrong(_wrong(1), _first(3));
        address[] memory ops = new address[](1);
        ops[0] = _ops[3].addr;
        bytes[] memory sigs = new bytes[](1);
        sigs[0] = _sign(_ops[3].signingPk, digest);
        uint32 future = registry.currentEpoch() + 1;
        vm.expectRevert(
            abi.encodeWithSelector(IStateDisputeResolver.InvalidOperatorSignature.selector, _ops[3].addr, future)
        );
        resolver.slashAdditionalSigners(digest, future, ops, sigs);
    }

    function test_slashAdditionalSigners_refusesDigestNotProvenWrong() public {
        StateAttestation memory a = _wrong(1);
        bytes32 digest = serviceManager.attestationDigest(a);
        _challenge(a, _sigData(_first(3), digest, 1)); // open, not resolved
        address[] memory ops = new address[](1);
        ops[0] = _ops[3].addr;
        bytes[] memory sigs = new bytes[](1);
        sigs[0] = _sign(_ops[3].signingPk, digest);
        vm.expectRevert(abi.encodeWithSelector(IStateDisputeResolver.NotProvenWrong.selector, digest));
        resolver.slashAdditionalSigners(digest, 1, ops, sigs);
    }

    function test_slashAdditionalSigners_refusesLengthMismatchAndEmptyList() public {
        (, bytes32 digest) = _proveWrong(_wrong(1), _first(3));
        address[] memory ops = new address[](1);
        ops[0] = _ops[3].addr;
        vm.expectRevert(abi.encodeWithSelector(IStateDisputeResolver.LengthMismatch.selector, 1, 0));
        resolver.slashAdditionalSigners(digest, 1, ops, new bytes[](0));
        vm.expectRevert(abi.encodeWithSelector(IStateDisputeResolver.InvalidSignerCount.selector, 0, 64));
        resolver.slashAdditionalSigners(digest, 1, new address[](0), new bytes[](0));
    }

    // ---------------------------------------------------------------- 2b. slashing state per digest

    /// @dev The attacker's overwrite: with more signers than one call slashes, a second challenge of the same id (a
    ///      different wrong value) must not erase the first digest's unfinished list.
    function test_secondChallengeOfSameIdKeepsUnfinishedSlashing() public {
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
        _verifyRemote(KEY, _block);
        StateAttestation memory a1 = _wrong(2);
        bytes32 d1 = serviceManager.attestationDigest(a1);
        bytes32 id = _challenge(a1, _sigData(all, d1, 2));
        _resolve(id); // 64 slashed, 6 left

        StateAttestation memory a2 = _attest(REMOTE_CHAIN_ID, _block, KEY, WRONG_VALUE + 1, true, 2);
        bytes32 d2 = serviceManager.attestationDigest(a2);
        assertEq(_challenge(a2, _sigData(all, d2, 2)), id, "same challenge id");
        _resolve(id);

        // The first digest's 6 remaining signers are still slashable.
        _slashRemaining(d1);
        _slashRemaining(d2);
        uint256 twice = (1e18 - WAD_TO_SLASH) - Math.mulDiv(1e18 - WAD_TO_SLASH, WAD_TO_SLASH, 1e18, Math.Rounding.Ceil);
        for (uint256 i; i < n; ++i) {
            assertEq(_magnitude(all[i].addr), twice, "slashed once per wrong digest");
        }
    }

    function test_slashAdditionalSigners_refusesWhileListUnfinished() public {
        uint256 n = resolver.MAX_SLASHES_PER_CALL() + 2;
        Op[] memory all = new Op[](n);
        for (uint256 i; i < 4; ++i) {
            all[i] = _ops[i];
        }
        for (uint256 i = 4; i < n; ++i) {
            all[i] = _newOperator(1000 + i, STAKE);
            _register(all[i]);
            _join(all[i], 1e18);
        }
        Op memory extra = _newOperator(999, STAKE);
        _register(extra);
        _join(extra, 1e18);
        _advanceTo(GENESIS + 2 * LENGTH);
        StateAttestation memory a = _wrong(2);
        bytes32 digest = serviceManager.attestationDigest(a);
        bytes32 id = _challenge(a, _sigData(all, digest, 2));
        _verifyRemote(KEY, _block);
        _resolve(id);
        assertEq(resolver.getSlashing(digest).pending, 2);
        (, IStateDisputeResolver.SignerSlash[] memory recs,) = _signerSlashes(digest);
        assertEq(uint8(recs[n - 1].status), uint8(IStateDisputeResolver.SignerStatus.Pending));

        address[] memory ops = new address[](1);
        ops[0] = extra.addr;
        bytes[] memory sigs = new bytes[](1);
        sigs[0] = _sign(extra.signingPk, digest);
        vm.expectRevert(abi.encodeWithSelector(IStateDisputeResolver.SlashingUnfinished.selector, digest, 2));
        resolver.slashAdditionalSigners(digest, 2, ops, sigs);
        _slashRemaining(digest);
        resolver.slashAdditionalSigners(digest, 2, ops, sigs);
        assertEq(resolver.getSlashing(digest).slashed, n + 1);
    }

    // ---------------------------------------------------------------- 2c. failed slashes stay retryable

    /// @dev The attacker's luck: EigenLayer slashing is paused when the challenge resolves. The signers must not
    ///      escape: their slashes fail, stay retryable, and succeed (by anyone) once unpaused.
    function test_pausedSlashing_failsRetryablyAndSucceedsOnceUnpaused() public {
        _pauseSlashing();
        StateAttestation memory a = _wrong(1);
        bytes32 digest = serviceManager.attestationDigest(a);
        bytes32 id = _challenge(a, _sigData(_all(), digest, 1));
        _verifyRemote(KEY, _block);
        Op[] memory sorted = _sorted(_all());
        bytes memory paused = abi.encodeWithSelector(IPausable.CurrentlyPaused.selector);
        vm.expectEmit(address(resolver));
        emit SignerSlashFailed(id, digest, sorted[0].addr, 1, paused);
        uint256 before = challenger.balance;
        assertEq(uint8(_resolve(id)), uint8(IStateDisputeResolver.Status.Slashed));
        assertEq(challenger.balance, before + MIN_BOND, "bond back, no reward: nothing slashed yet");

        IStateDisputeResolver.SlashingSummary memory s = resolver.getSlashing(digest);
        assertEq(s.failed, 4);
        assertEq(s.slashed, 0);
        (address[] memory ops, IStateDisputeResolver.SignerSlash[] memory recs, bytes[] memory reasons) =
            _signerSlashes(digest);
        for (uint256 i; i < 4; ++i) {
            assertEq(uint8(recs[i].status), uint8(IStateDisputeResolver.SignerStatus.Failed));
            assertEq(reasons[i], paused);
            assertEq(_magnitude(ops[i]), 1e18);
        }

        // Still paused: the retry fails again, counted.
        vm.prank(stranger);
        resolver.retrySlashes(digest, ops);
        (IStateDisputeResolver.SignerSlash memory rec,) = resolver.getSignerSlash(digest, ops[0]);
        assertEq(rec.attempts, 2);
        assertEq(uint8(rec.status), uint8(IStateDisputeResolver.SignerStatus.Failed));

        _unpauseSlashing();
        vm.prank(stranger);
        resolver.retrySlashes(digest, ops);
        s = resolver.getSlashing(digest);
        assertEq(s.slashed, 4);
        assertEq(s.failed, 0);
        for (uint256 i; i < 4; ++i) {
            assertEq(_magnitude(ops[i]), 1e18 - WAD_TO_SLASH);
            (rec,) = resolver.getSignerSlash(digest, ops[i]);
            assertEq(rec.weightSlashed, STAKE * WAD_TO_SLASH / 1e18);
        }
        assertEq(challenger.balance, before + MIN_BOND + REWARD, "the reward follows the retried slashes");
        assertEq(s.rewardPaid, REWARD);
    }

    /// @dev The real core has been seen to fail a slash with an arithmetic panic: the signer stays retryable.
    function test_panickingSlash_isRetryable() public {
        bytes memory panic = abi.encodeWithSignature("Panic(uint256)", 0x11);
        vm.mockCallRevert(
            address(allocationManager), abi.encodeWithSelector(allocationManager.slashOperator.selector), panic
        );
        StateAttestation memory a = _wrong(1);
        (, bytes32 digest) = _proveWrong(a, _all());
        (address[] memory ops,, bytes[] memory reasons) = _signerSlashes(digest);
        assertEq(reasons[0], panic);
        assertEq(resolver.getSlashing(digest).failed, 4);
        vm.clearMockedCalls();
        resolver.retrySlashes(digest, ops);
        assertEq(resolver.getSlashing(digest).slashed, 4);
        assertEq(_magnitude(ops[0]), 1e18 - WAD_TO_SLASH);
    }

    /// @dev A failed signer that the set can no longer slash when retried is skipped for good, with the reason.
    function test_retrySlashes_skipsSignerNoLongerSlashable() public {
        _pauseSlashing();
        (, bytes32 digest) = _proveWrong(_wrong(1), _all());
        Op memory leaver = _ops[0];
        vm.prank(leaver.addr);
        registry.deregisterOperator();
        _leaveSet(leaver);
        vm.roll(block.number + allocationManager.DEALLOCATION_DELAY() + 1);
        _unpauseSlashing();
        address[] memory ops = new address[](1);
        ops[0] = leaver.addr;
        resolver.retrySlashes(digest, ops);
        (IStateDisputeResolver.SignerSlash memory rec, bytes memory reason) = resolver.getSignerSlash(digest, leaver.addr);
        assertEq(uint8(rec.status), uint8(IStateDisputeResolver.SignerStatus.Skipped));
        assertEq(reason, abi.encodeWithSelector(IAllocationManagerErrors.OperatorNotSlashable.selector));
        IStateDisputeResolver.SlashingSummary memory s = resolver.getSlashing(digest);
        assertEq(s.skipped, 1);
        assertEq(s.failed, 3);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStateDisputeResolver.NotRetryable.selector, digest, leaver.addr, IStateDisputeResolver.SignerStatus.Skipped
            )
        );
        resolver.retrySlashes(digest, ops);
    }

    function test_retrySlashes_refusesSignerNotFailed() public {
        (, bytes32 digest) = _proveWrong(_wrong(1), _all());
        address[] memory ops = new address[](1);
        ops[0] = _ops[0].addr;
        vm.expectRevert(
            abi.encodeWithSelector(
                IStateDisputeResolver.NotRetryable.selector, digest, _ops[0].addr, IStateDisputeResolver.SignerStatus.Slashed
            )
        );
        resolver.retrySlashes(digest, ops);
    }

    /// @dev Whatever gas a retry is given, a failed signer is either slashed or left Failed: never skipped by
    ///      starving its slash.
    function testFuzz_retrySlashes_gasStarvationNeverSkipsSigner(uint256 gasLimit) public {
        _pauseSlashing();
        (, bytes32 digest) = _proveWrong(_wrong(1), _all());
        _unpauseSlashing();
        (address[] memory ops,,) = _signerSlashes(digest);
        gasLimit = bound(gasLimit, 30_000, 800_000);
        try resolver.retrySlashes{gas: gasLimit}(digest, ops) {} catch {}
        for (uint256 i; i < 4; ++i) {
            IStateDisputeResolver.SignerStatus st = _status(digest, ops[i]);
            assertTrue(st == IStateDisputeResolver.SignerStatus.Slashed || st == IStateDisputeResolver.SignerStatus.Failed);
        }
    }

    // ---------------------------------------------------------------- 2d. reward only for stake slashed

    /// @dev The attacker's drain: signers with nothing at stake in the set sign a wrong value and challenge
    ///      themselves. They lose nothing, so they must earn nothing.
    /// @dev A slashed signer stops counting at once and leaves the registry: it cannot sign the next wrong proof.
    function test_resolveChallenge_freezesEverySlashedSigner() public {
        StateAttestation memory a = _wrong(1);
        bytes32 id = _challenge(a, _sigDataFor(_all(), a));
        _verifyRemote(KEY, _block);
        _resolve(id);
        for (uint256 i; i < 4; ++i) {
            assertTrue(registry.isFrozen(_ops[i].addr));
            assertEq(registry.slashableWeight(_ops[i].addr), 0);
            assertFalse(registry.operatorRegistered(_ops[i].addr));
        }
    }

    function test_signersWithNothingAtStakeEarnNoReward() public {
        // Operator set 1 of a second resolver: the quorum joins it without allocating (all magnitude is in set 0).
        IStateDisputeResolver.Config memory c = _config();
        c.operatorSetId = 1;
        StateDisputeResolver r = new StateDisputeResolver(c);
        IAllocationManagerTypes.CreateSetParamsV2[] memory params = new IAllocationManagerTypes.CreateSetParamsV2[](1);
        params[0] = IAllocationManagerTypes.CreateSetParamsV2({operatorSetId: 1, strategies: _strategies(), slasher: address(r)});
        vm.prank(avsOwner);
        serviceManager.createOperatorSets(params);
        uint32[] memory ids = new uint32[](1);
        ids[0] = 1;
        for (uint256 i; i < 4; ++i) {
            vm.prank(_ops[i].addr);
            allocationManager.registerForOperatorSets(
                _ops[i].addr, IAllocationManagerTypes.RegisterParams({avs: address(serviceManager), operatorSetIds: ids, data: ""})
            );
        }
        vm.deal(address(this), 5 ether);
        r.fundRewardPool{value: 5 ether}();

        address attacker = _ops[0].addr;
        vm.deal(attacker, MIN_BOND);
        StateAttestation memory a = _wrong(1);
        bytes memory sigData = _sigDataFor(_all(), a);
        vm.prank(attacker);
        bytes32 id = r.submitChallenge{value: MIN_BOND}(a, sigData);
        _noteSigners(id, serviceManager.attestationDigest(a), sigData);
        _verifyRemote(KEY, _block);
        _resolveOn(r, id);
        assertEq(attacker.balance, MIN_BOND, "bond back, no reward");
        assertEq(r.rewardPool(), 5 ether, "the pool paid nothing");
        assertEq(address(r).balance, 5 ether);
    }

    /// @dev Any allocation per signer: the reward is CHALLENGER_REWARD × weight slashed / (WAD_TO_SLASH × weight
    ///      signed), never more than CHALLENGER_REWARD, and zero when nothing is slashed.
    function testFuzz_rewardIsProportionalToStakeSlashed(uint64[4] memory magnitudes) public {
        // Four new operators with 10× the stake of the setUp quorum: they carry the threshold on their own.
        Op[] memory ops = new Op[](4);
        for (uint256 i; i < 4; ++i) {
            ops[i] = _newOperator(300 + i, 10 * STAKE);
            _register(ops[i]);
            // Registered with everything allocated (the registry admits only slashable stake), then lowered to m:
            // the checkpointed weight stays, what can be slashed follows m.
            _join(ops[i], uint64(bound(magnitudes[i], 0, 1e18)));
        }
        _advanceTo(GENESIS + 2 * LENGTH);
        StateAttestation memory a = _wrong(2);
        bytes32 digest = serviceManager.attestationDigest(a);
        bytes memory sigData = _sigData(ops, digest, 2);
        (uint256 signedWeight,) = registry.checkSignaturesAtCheckpoints(digest, sigData);
        uint256[4] memory sharesBefore;
        for (uint256 i; i < 4; ++i) {
            sharesBefore[i] = _shares(ops[i].addr);
        }
        bytes32 id = _challenge(a, sigData);
        _verifyRemote(KEY, _block);
        uint256 before = challenger.balance;
        _resolve(id);

        uint256 slashedWeight;
        for (uint256 i; i < 4; ++i) {
            slashedWeight += sharesBefore[i] - _shares(ops[i].addr); // multiplier 1×
        }
        uint256 full = Math.mulDiv(signedWeight, WAD_TO_SLASH, 1e18);
        uint256 expected = slashedWeight >= full ? REWARD : Math.mulDiv(REWARD, slashedWeight, full);
        uint256 reward = challenger.balance - before - MIN_BOND;
        assertEq(reward, expected);
        assertLe(reward, REWARD);
        if (slashedWeight == 0) assertEq(reward, 0);
        assertEq(resolver.getSlashing(digest).weightSlashed, slashedWeight);
    }

    /// @dev Later slashes pay the challenger of record, not the caller, and the total stays within CHALLENGER_REWARD.
    function test_additionalSlashesPayTheChallengerOfRecord() public {
        (, bytes32 digest) = _proveWrong(_wrong(1), _first(3));
        uint256 paid = resolver.getSlashing(digest).rewardPaid;
        assertEq(paid, REWARD, "3 of 4 fully slashed: all the weight the challenged sigData signed with");
        address[] memory ops = new address[](1);
        ops[0] = _ops[3].addr;
        bytes[] memory sigs = new bytes[](1);
        sigs[0] = _sign(_ops[3].signingPk, digest);
        uint256 strangerBefore = stranger.balance;
        uint256 pool = resolver.rewardPool();
        vm.prank(stranger);
        resolver.slashAdditionalSigners(digest, 1, ops, sigs);
        assertEq(stranger.balance, strangerBefore, "the caller earns nothing");
        assertEq(resolver.rewardPool(), pool, "the digest's reward is capped");
        assertEq(resolver.getSlashing(digest).rewardPaid, REWARD);
    }

    /// @dev A pool too small pays what it has; what was earned is paid by later slashes once the pool is refilled.
    function test_rewardCappedByPoolAndPaidLater() public {
        IStateDisputeResolver.Config memory c = _config();
        c.operatorSetId = 1;
        StateDisputeResolver r = new StateDisputeResolver(c);
        IAllocationManagerTypes.CreateSetParamsV2[] memory params = new IAllocationManagerTypes.CreateSetParamsV2[](1);
        params[0] = IAllocationManagerTypes.CreateSetParamsV2({operatorSetId: 1, strategies: _strategies(), slasher: address(r)});
        vm.prank(avsOwner);
        serviceManager.createOperatorSets(params);
        OperatorSet memory set1 = OperatorSet(address(serviceManager), 1);
        uint32[] memory ids = new uint32[](1);
        ids[0] = 1;
        for (uint256 i; i < 4; ++i) {
            vm.prank(_ops[i].addr);
            allocationManager.registerForOperatorSets(
                _ops[i].addr, IAllocationManagerTypes.RegisterParams({avs: address(serviceManager), operatorSetIds: ids, data: ""})
            );
            _allocate(_ops[i].addr, set, 0); // released after the deallocation delay
        }
        vm.roll(block.number + allocationManager.DEALLOCATION_DELAY() + 1);
        for (uint256 i; i < 4; ++i) {
            _allocate(_ops[i].addr, set1, 1e18);
        }
        vm.deal(address(this), 0.1 ether);
        r.fundRewardPool{value: 0.1 ether}();

        StateAttestation memory a = _wrong(1);
        bytes32 digest = serviceManager.attestationDigest(a);
        bytes memory sigData = _sigData(_first(3), digest, 1);
        vm.prank(challenger);
        bytes32 id = r.submitChallenge{value: MIN_BOND}(a, sigData);
        _noteSigners(id, digest, sigData);
        _verifyRemote(KEY, _block);
        uint256 before = challenger.balance;
        _resolveOn(r, id);
        assertEq(challenger.balance, before + MIN_BOND + 0.1 ether, "the whole pool");
        assertEq(r.rewardPool(), 0);

        vm.deal(address(this), 1 ether);
        r.fundRewardPool{value: 1 ether}();
        address[] memory ops = new address[](1);
        ops[0] = _ops[3].addr;
        bytes[] memory sigs = new bytes[](1);
        sigs[0] = _sign(_ops[3].signingPk, digest);
        r.slashAdditionalSigners(digest, 1, ops, sigs);
        assertEq(challenger.balance, before + MIN_BOND + REWARD, "the rest of the earned reward");
        assertEq(r.rewardPool(), 1 ether - (REWARD - 0.1 ether));
        assertEq(address(r).balance, r.rewardPool());
    }

    // ---------------------------------------------------------------- gas

    /// @dev Gas of the calls that finish a slashing: retrying 3 failed signers, and slashing 1 additional signer.
    function test_gas_retryAndAdditionalSigner() public {
        _pauseSlashing();
        (, bytes32 digest) = _proveWrong(_wrong(1), _first(3));
        _unpauseSlashing();
        (address[] memory ops,,) = _signerSlashes(digest);
        _cool();
        resolver.retrySlashes(digest, ops);
        uint256 retryGas = vm.lastCallGas().gasTotalUsed;
        address[] memory extra = new address[](1);
        extra[0] = _ops[3].addr;
        bytes[] memory sigs = new bytes[](1);
        sigs[0] = _sign(_ops[3].signingPk, digest);
        _cool();
        resolver.slashAdditionalSigners(digest, 1, extra, sigs);
        uint256 addGas = vm.lastCallGas().gasTotalUsed;
        emit log_named_uint("retrySlashes gas, 3 failed signers", retryGas);
        emit log_named_uint("slashAdditionalSigners gas, 1 signer", addGas);
        assertEq(resolver.getSlashing(digest).slashed, 4);
    }

    function _cool() internal {
        vm.cool(address(resolver));
        vm.cool(address(registry));
        vm.cool(address(serviceManager));
        vm.cool(address(allocationManager));
        vm.cool(address(delegationManager));
        vm.cool(address(strategyManager));
    }
}
