// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {StateDisputeResolverFixture} from "./StateDisputeResolverFixture.sol";
import {IStateDisputeResolver} from "../../../src/services/state-proofs/IStateDisputeResolver.sol";
import {StateAttestation} from "../../../src/services/state-proofs/StateAttestationLib.sol";

/// @notice What the verifiers let a dispute establish, end to end through the resolver: the attested block's timestamp
///         (not only its value), claims about blocks that did not exist yet, and that neither can be used to frame an
///         honest quorum.
contract ChainVerifiersDisputesTest is StateDisputeResolverFixture {
    uint256 internal constant KEY = 7;

    Op[] internal _ops;

    function setUp() public override {
        super.setUp();
        Op[] memory ops = _quorumOf(4);
        for (uint256 i; i < ops.length; ++i) {
            _ops.push(ops[i]);
        }
    }

    function _signedChallenge(StateAttestation memory a) internal returns (bytes32) {
        return _challenge(a, _sigDataFor(_ops, a));
    }

    function _status(bytes32 id) internal view returns (uint8) {
        return uint8(resolver.previewResolution(id));
    }

    uint8 internal constant OPEN = uint8(IStateDisputeResolver.Status.Open);
    uint8 internal constant SLASHED = uint8(IStateDisputeResolver.Status.Slashed);
    uint8 internal constant REJECTED = uint8(IStateDisputeResolver.Status.Rejected);
    uint8 internal constant EXPIRED = uint8(IStateDisputeResolver.Status.Expired);

    // ---------------------------------------------------------------- the timestamp is checked

    /// @dev The attack: a quorum pairs an old block's (true) value with a later block's timestamp. The value matches,
    ///      the timestamp does not: the challenger wins.
    function test_timestamp_oldValueWithLaterTimestampIsSlashed() public {
        uint64 oldBlock = _writeRemote(KEY, 1);
        _writeRemote(KEY, 2);
        StateAttestation memory a = _attest(REMOTE_CHAIN_ID, oldBlock, KEY, 1, true, 1);
        a.timestamp = uint48(block.timestamp - 1); // when the value was already 2
        bytes32 id = _signedChallenge(a);
        _verifyRemote(KEY, oldBlock);
        assertEq(resolver.getChallenge(id).timestamp, a.timestamp);
        assertEq(uint8(_resolve(id)), SLASHED);
        assertLt(_magnitude(_ops[0].addr), 1e18);
    }

    function test_timestamp_oneSecondOffIsSlashed() public {
        uint64 b = _writeRemote(KEY, 1);
        StateAttestation memory a = _attest(REMOTE_CHAIN_ID, b, KEY, 1, true, 1);
        a.timestamp += 1;
        bytes32 id = _signedChallenge(a);
        _verifyRemote(KEY, b);
        assertEq(_status(id), SLASHED);
    }

    function test_timestamp_rightValueAndTimestampIsRejected() public {
        uint64 b = _writeRemote(KEY, 1);
        bytes32 id = _signedChallenge(_attest(REMOTE_CHAIN_ID, b, KEY, 1, true, 1));
        _verifyRemote(KEY, b);
        assertEq(uint8(_resolve(id)), REJECTED);
        assertEq(_magnitude(_ops[0].addr), 1e18);
    }

    function test_timestamp_mainChainLocalPathChecksTimestamp() public {
        uint64 b = uint64(block.number);
        vm.prank(user);
        mainStateManager.setValue(KEY, 5);
        _advance(MIN_BLOCK_TIME);
        StateAttestation memory a = _attest(MAIN_CHAIN_ID, b, KEY, 5, true, 1);
        a.timestamp -= 1;
        bytes32 id = _signedChallenge(a);
        verifier.verifyState(user, KEY, _header(b));
        assertEq(_status(id), SLASHED);
    }

    // ---------------------------------------------------------------- blocks that did not exist yet

    /// @dev The attack: a quorum signs a value for a block far in the future (with a plausible future timestamp). Once
    ///      the source chain's clock passes the challenge's submission (plus the skew allowance) without the block,
    ///      a report of that is enough to slash.
    function test_unproduced_futureBlockIsSlashed() public {
        uint64 future = uint64(block.number + 100);
        StateAttestation memory a = _attest(REMOTE_CHAIN_ID, future, KEY, 1, true, 1);
        bytes32 id = _signedChallenge(a);
        uint256 submitted = block.timestamp;
        _advance(CLOCK_SKEW + 1);
        _reportUnproducedRemote(future);
        assertEq(verifier.latestUnproduced(REMOTE_CHAIN_ID, future), submitted + CLOCK_SKEW + 1);
        assertEq(uint8(_resolve(id)), SLASHED);
        assertLt(_magnitude(_ops[0].addr), 1e18);
    }

    /// @dev A claimed timestamp already past on the source chain while the block does not exist: slashable at once.
    function test_unproduced_claimedTimestampAlreadyPassedIsSlashedAtOnce() public {
        uint64 future = uint64(block.number + 100);
        StateAttestation memory a = _attest(REMOTE_CHAIN_ID, future, KEY, 1, true, 1);
        a.timestamp = uint48(block.timestamp - 10);
        bytes32 id = _signedChallenge(a);
        _reportUnproducedRemote(future);
        assertEq(_status(id), SLASHED);
    }

    /// @dev A report made too soon (not after submission + skew, nor after the claimed timestamp) proves nothing.
    function test_unproduced_earlyReportDoesNotCount() public {
        uint64 future = uint64(block.number + 100);
        bytes32 id = _signedChallenge(_attest(REMOTE_CHAIN_ID, future, KEY, 1, true, 1));
        _advance(CLOCK_SKEW);
        _reportUnproducedRemote(future);
        assertEq(_status(id), OPEN);
        _advanceTo(resolver.getChallenge(id).deadline + 1);
        assertEq(uint8(_resolve(id)), EXPIRED);
    }

    /// @dev Only a report recorded by the deadline counts: a later one does not turn an expired challenge into a slash.
    function test_unproduced_reportAfterDeadlineDoesNotCount() public {
        uint64 future = uint64(block.number + 100);
        bytes32 id = _signedChallenge(_attest(REMOTE_CHAIN_ID, future, KEY, 1, true, 1));
        _advanceTo(resolver.getChallenge(id).deadline + 1);
        _reportUnproducedRemote(future);
        assertEq(uint8(_resolve(id)), EXPIRED);
    }

    /// @dev The block gets produced after the challenge, with exactly the value and timestamp the quorum guessed: it
    ///      still signed a block that did not exist (its timestamp is after submission + skew), so it is slashed, and
    ///      a report made before the block appeared agrees.
    function test_unproduced_luckyGuessVerifiedLaterIsSlashed() public {
        _writeRemote(KEY, 1);
        uint64 next = uint64(block.number + 1);
        StateAttestation memory a = _attest(REMOTE_CHAIN_ID, next, KEY, 1, true, 1);
        a.timestamp = uint48(block.timestamp + CLOCK_SKEW + 1);
        bytes32 id = _signedChallenge(a);
        _advance(2 * MIN_BLOCK_TIME);
        _verifyRemoteHeader(KEY, _headerAt(next, a.timestamp));
        assertEq(_status(id), SLASHED);
    }

    /// @dev Within the skew allowance, a block slightly "after" the submission on the source clock is not held against
    ///      the signers: clocks of two chains may differ by that much.
    function test_unproduced_blockWithinSkewIsNotPremature() public {
        _writeRemote(KEY, 1);
        uint64 next = uint64(block.number + 1);
        StateAttestation memory a = _attest(REMOTE_CHAIN_ID, next, KEY, 1, true, 1);
        a.timestamp = uint48(block.timestamp + CLOCK_SKEW);
        bytes32 id = _signedChallenge(a);
        _advance(2 * MIN_BLOCK_TIME);
        _verifyRemoteHeader(KEY, _headerAt(next, a.timestamp));
        assertEq(_status(id), REJECTED);
    }

    function test_unproduced_mainChainLocalReport() public {
        uint64 future = uint64(block.number + 100);
        bytes32 id = _signedChallenge(_attest(MAIN_CHAIN_ID, future, KEY, 1, true, 1));
        _advance(CLOCK_SKEW + 1);
        verifier.reportUnproduced(future);
        assertEq(_status(id), SLASHED);
    }

    // ---------------------------------------------------------------- framing attempts

    /// @dev The framing attempt: an attacker records, before block B exists, that B was not produced (as late as
    ///      possible). Later an honest quorum signs B once final, and the attacker challenges it at once. The old
    ///      observation is older than B's timestamp and than the challenge: it counts for nothing; the truth rejects
    ///      the challenge, and without it the challenge expires. Nobody is slashed.
    function test_framing_earlyObservationNeverSlashesHonestQuorum() public {
        uint64 b = uint64(block.number + 2);
        _reportUnproducedRemote(b);
        _advance(MIN_BLOCK_TIME);
        _reportUnproducedRemote(b); // the last second before B
        _writeRemote(KEY, 9); // a write in block b - 1 or b
        _advanceTo(_timestampOf(b + 2)); // B is final (two blocks on)
        StateAttestation memory honest = _attest(REMOTE_CHAIN_ID, b, KEY, 9, true, 1);
        bytes32 id = _signedChallenge(honest);
        assertEq(_status(id), OPEN, "the observation does not count");
        _advanceTo(resolver.getChallenge(id).deadline + 1);
        assertEq(_status(id), EXPIRED, "and never starts to");
        _verifyRemote(KEY, b);
        assertEq(uint8(_resolve(id)), EXPIRED);

        // The record is not write-once poison: a new challenge of the same query is decided by the truth.
        bytes32 again = _signedChallenge(honest);
        assertEq(again, id);
        assertEq(uint8(_resolve(again)), REJECTED);
        assertEq(_magnitude(_ops[0].addr), 1e18, "nobody slashed");
    }

    /// @dev Chains (anvil among them) may give consecutive blocks the same timestamp: an observation made in the same
    ///      second as block B, just before B, has T equal to B's timestamp. It must not count against an honest
    ///      attestation of B, even one challenged long before submission + skew.
    function test_framing_observationInTheSecondOfTheBlockNeverCounts() public {
        uint64 b = uint64(block.number + 1);
        uint256 t = block.timestamp;
        _reportUnproducedRemote(b); // T = t, in block b - 1
        StateAttestation memory honest = _attest(REMOTE_CHAIN_ID, b, KEY, 0, false, 1);
        honest.timestamp = uint48(t); // block b mined in the same second
        _advance(2 * MIN_BLOCK_TIME);
        bytes32 id = _signedChallenge(honest);
        assertEq(_status(id), OPEN, "T == claimed timestamp proves nothing");
        _verifyRemoteHeader(KEY, _headerAt(b, t));
        assertEq(uint8(_resolve(id)), REJECTED);
    }

    /// @dev A report cannot be made about a block once it exists, so nobody can observe "not produced" late.
    function test_framing_reportOfProducedBlockReverts() public {
        uint64 b = _writeRemote(KEY, 9);
        vm.chainId(REMOTE_CHAIN_ID);
        vm.expectRevert();
        remoteVerifier.reportUnproduced{value: BRIDGE_FEE}(b);
        vm.chainId(MAIN_CHAIN_ID);
    }

    /// @dev A lying quorum signed future block B and was slashed by a report; when B exists and an honest quorum signs
    ///      it, the same (user, key, block) with the true timestamp is not slashable by that old report.
    function test_framing_slashOfLieDoesNotPoisonLaterHonestAttestation() public {
        uint64 b = uint64(block.number + 3);
        StateAttestation memory lie = _attest(REMOTE_CHAIN_ID, b, KEY, 5, true, 1);
        lie.timestamp = uint48(block.timestamp - 1);
        bytes32 lieId = _signedChallenge(lie);
        _reportUnproducedRemote(b);
        assertEq(uint8(_resolve(lieId)), SLASHED);

        _advanceTo(_timestampOf(b + 2));
        StateAttestation memory honest = _attest(REMOTE_CHAIN_ID, b, KEY, 0, false, 1);
        honest.epoch = lie.epoch;
        bytes32 id = _signedChallenge(honest);
        assertEq(_status(id), OPEN);
        _verifyRemote(KEY, b);
        assertEq(uint8(_resolve(id)), REJECTED);
    }

    /// @dev Fuzzed framing: whenever an observation was made before the block (source time < its timestamp) and the
    ///      honest attestation carries the block's timestamp and is challenged after the block exists, the challenge is
    ///      never Slashed.
    function testFuzz_framing_observationBeforeBlockNeverCounts(uint8 blocksAhead, uint8 waitBlocks) public {
        uint64 b = uint64(block.number + 1 + blocksAhead % 3);
        _reportUnproducedRemote(b);
        _advanceTo(_timestampOf(b + 1 + waitBlocks % 2));
        bytes32 id = _signedChallenge(_attest(REMOTE_CHAIN_ID, b, KEY, 0, false, 1));
        assertTrue(_status(id) != SLASHED);
        _verifyRemote(KEY, b);
        assertEq(_status(id), REJECTED);
    }
}
