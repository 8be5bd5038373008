// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {OperatorSet} from "../../eigenlayer/IAllocationManager.sol";
import {SigDataLayout} from "../../core/signatures/SigDataLayout.sol";
import {DisputeSlashing} from "./DisputeSlashing.sol";
import {StateAttestation, StateAttestationLib} from "./StateAttestationLib.sol";
import {StateDisputeResolverStorage} from "./StateDisputeResolverStorage.sol";

/// @title StateDisputeResolver
/// @notice Challenges of state proofs on the main chain, and the slashing of their signers (decision disputes-0001).
///         1. {submitChallenge}: anyone posts a bond (>= MIN_BOND wei) against an attestation the quorum really
///            signed, alone or in a batch (decision batch-0001): admissible exactly when the stake registry accepts
///            `sigData` over the attestation's digest now (whatever the attestation's own epoch field says). The challenge id is the
///            task id: keccak256(abi.encodePacked(user, chainId, blockNumber, timestamp, key)). One open challenge per
///            id.
///         2. Anyone has the truth recorded in the MainChainVerifier (RemoteChainVerifier.verifyState on the source
///            chain, or MainChainVerifier.verifyState for the main chain, with the block's header: value and
///            timestamp; or reportUnproduced while the block does not exist) within RESOLUTION_PERIOD seconds.
///         3. {resolveChallenge} (anyone, with the signer list of ChallengeSubmitted): attestation wrong → its digest is proven wrong and its signers are slashed
///            through AllocationManager.slashOperator (this contract is the operator set's slasher) by WAD_TO_SLASH of
///            their allocation in every strategy of the set; the challenger gets the bond back plus a reward for the
///            stake actually slashed (below); attestation right → the bond goes to BOND_RECIPIENT; not verified by the
///            deadline → the bond goes back to the challenger.
///         4. Slashing is kept per digest, not per challenge, and goes on until every signer is done, by anyone:
///            {slashRemainingSigners} (beyond MAX_SLASHES_PER_CALL per call), {retrySlashes} (a slash that reverted,
///            e.g. slashing paused in EigenLayer, stays retryable), {slashAdditionalSigners} (signers the first
///            sigData left out, each with its own signature over the digest at an admissible reference epoch;
///            {slashAdditionalBatchSigners} for signatures over a batch holding the digest). A
///            (digest, operator) pair is slashed at most once; a signer the set can no longer slash is skipped for
///            good with the reason.
///
///         Reward: the challenger who proved the digest wrong earns CHALLENGER_REWARD × (registry weight slashed) /
///         (WAD_TO_SLASH × weight of the signers of the challenged sigData), at most CHALLENGER_REWARD per digest,
///         paid from the reward pool as slashes succeed (also in later calls and retries, whoever makes them), each
///         payment capped by the pool. Weight slashed = Σ shares slashOperator returned × the registry's multiplier /
///         10,000: a signer that was slashed WAD_TO_SLASH of all the stake it signed with counts in full, a signer with
///         nothing slashable earns nothing.
///
///         Timing (checked in the constructor, docs/decisions/disputes-0001.md): a challenge is accepted only while the
///         proof is valid (reference epoch at most MAX_PROOF_AGE_EPOCHS old) and decided by its deadline, so the whole
///         exposure of a signer after it starts to leave is at most EXPOSURE_WINDOW = (2 + MAX_PROOF_AGE_EPOCHS) ×
///         EPOCH_LENGTH + RESOLUTION_PERIOD seconds; with blocks at least MIN_BLOCK_TIME seconds apart that is at most
///         REQUIRED_DELAY_BLOCKS blocks, and both AllocationManager.DEALLOCATION_DELAY and
///         DelegationManager.minWithdrawalDelayBlocks must be at least that.
///
///         Funds: the contract holds open bonds, the reward pool and deferred payments, and nothing else. Payments are
///         pushed with a gas cap; a failed push is credited and paid by {withdraw}.
/// @dev No owner: every parameter is immutable. Storage per challenge: 7 slots; per challenged digest: 2 slots (the
///      signers only as the hash of their list, which the calls walking it take as calldata), 3 more once proven wrong;
///      per signer attempted: one slot (plus its reason when skipped or failed).
///      Split by concern: IStateDisputeResolver (types, errors, events), StateDisputeResolverStorage (parameters,
///      state, deployment checks), DisputePayments (reward pool, payments), DisputeSlashing (the slashing of a
///      proven-wrong digest); this contract holds the challenge lifecycle.
contract StateDisputeResolver is DisputeSlashing {
    /// @param config Deployment parameters (see {Config}). Deploy after ServiceManager.setStakeRegistry; then create
    ///        the operator set with this contract as its slasher (ServiceManager.createOperatorSets).
    constructor(Config memory config) StateDisputeResolverStorage(config) {}

    // ---------------------------------------------------------------------------------------------------------------
    // Challenges
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Opens a challenge against `attestation`, with msg.value as the bond (wei, >= MIN_BOND).
    /// @dev Admissible exactly when the proof verifies somewhere: the stake registry's checkSignaturesAtCheckpoints
    ///      (the check of isValidSignature with the checkpointed weights every replica holds at most, not lowered to
    ///      the signers' slashable stake now; it also returns the signed weight) accepts sigData over
    ///      attestationDigest(attestation) now, so signers cannot escape by deallocating after a replica used the
    ///      proof; besides, the chain must be verifiable, no challenge of the same id open, the digest not already proven
    ///      wrong, and this contract the operator set's slasher. The attestation's epoch field is not compared with
    ///      sigData's reference epoch: the registry does not read it, so neither may the challenge.
    /// @param attestation The attested state (EIP-712 StateAttestation).
    /// @param sigData abi.encode(address[] operators, bytes[] signatures, uint32 referenceEpoch), or the batched form
    ///        abi.encode(BATCH_SIGDATA_TAG, operators, signatures, referenceEpoch, bytes32[] proof), as the aggregator
    ///        published it.
    /// @return challengeId keccak256(abi.encodePacked(user, chainId, blockNumber, timestamp, key)).
    function submitChallenge(StateAttestation calldata attestation, bytes calldata sigData)
        external
        payable
        nonReentrant
        returns (bytes32 challengeId)
    {
        if (msg.value < MIN_BOND || msg.value > type(uint96).max) revert InvalidBond(msg.value, MIN_BOND);
        if (!verifier.isSupportedChain(attestation.chainId)) revert UnsupportedChain(attestation.chainId);
        challengeId = StateAttestationLib.taskId(attestation);
        Challenge storage c = _challenges[challengeId];
        if (c.status == Status.Open) revert ChallengeAlreadyOpen(challengeId);
        bytes32 digest = serviceManager.attestationDigest(attestation);
        Slashing storage s = _slashings[digest];
        if (s.challenger != address(0)) revert AttestationAlreadySlashed(digest);
        address slasher = allocationManager.getSlasher(_operatorSet());
        if (slasher != address(this)) revert NotOperatorSetSlasher(slasher);

        uint256 signedWeight;
        try stakeRegistry.checkSignaturesAtCheckpoints(digest, sigData) returns (uint256 signed, uint256) {
            signedWeight = signed;
        } catch {
            revert InvalidQuorumSignature(digest);
        }
        (address[] memory signers, uint32 referenceEpoch) = SigDataLayout.operatorsAndEpoch(sigData);

        // casting to 'uint64' is safe: unix seconds plus a uint64 period fit for 5e11 years
        // forge-lint: disable-next-line(unsafe-typecast)
        uint64 deadline = uint64(block.timestamp) + RESOLUTION_PERIOD;
        _store(c, attestation, digest, referenceEpoch, deadline);
        // The digest's record is not proven wrong (checked above): a later challenge of the same digest rewrites it.
        // casting to 'uint192' is safe: the value is capped to the type's maximum first
        // forge-lint: disable-next-line(unsafe-typecast)
        s.signedWeight = uint192(Math.min(signedWeight, type(uint192).max));
        s.referenceEpoch = referenceEpoch;
        // casting to 'uint32' is safe: the registry accepted the list, so it holds at most its MAX_OPERATORS operators
        // forge-lint: disable-next-line(unsafe-typecast)
        s.signerCount = uint32(signers.length);
        s.signersHash = _hashSigners(signers);
        totalOpenBonds += msg.value;
        emit ChallengeSubmitted(challengeId, msg.sender, digest, attestation, signers, msg.value, deadline);
    }

    /// @notice Decides the open challenge `challengeId` from the MainChainVerifier's record. Anyone may call.
    ///         Verified (at or before the deadline) and different from the attestation (value or exists): the digest is
    ///         proven wrong, its first MAX_SLASHES_PER_CALL signers are slashed and the challenger is paid bond + the
    ///         reward for the stake slashed (see the contract's NatSpec). Verified and equal: the bond goes to
    ///         BOND_RECIPIENT. Not verified by the deadline: the bond goes back.
    /// @dev Reverts with {NotYetVerified} while nothing is verified and the deadline has not passed, and with
    ///      {SignersMismatch} when the digest is proven wrong and `signers` is not its signer list. A signer the set
    ///      can no longer slash is skipped ({SignerSlashSkipped}); one whose slash reverts stays retryable
    ///      ({SignerSlashFailed}, {retrySlashes}); a slash that runs out of gas reverts the whole call
    ///      ({InsufficientGasForSlash}) so no caller can fail a signer by starving it. {SlashingIncomplete} asks for
    ///      {slashRemainingSigners}.
    /// @param challengeId The challenge.
    /// @param signers The challenge's signers, ascending, as its ChallengeSubmitted event carries them (read only
    ///        when the attestation was wrong; any list otherwise, e.g. empty).
    /// @return outcome Slashed, Rejected or Expired.
    function resolveChallenge(bytes32 challengeId, address[] calldata signers)
        external
        nonReentrant
        returns (Status outcome)
    {
        Challenge storage c = _challenges[challengeId];
        Status status = c.status;
        if (status != Status.Open) revert ChallengeNotOpen(challengeId, status);
        uint256 verifiedValue;
        bool verifiedExists;
        (outcome, verifiedValue, verifiedExists) = _outcome(c);
        if (outcome == Status.Open) revert NotYetVerified(challengeId, c.deadline);

        c.status = outcome;
        address challenger = c.challenger;
        uint256 bond = c.bond;
        totalOpenBonds -= bond;
        if (outcome == Status.Expired) {
            emit ChallengeExpired(challengeId, challenger, bond);
            _pay(challenger, bond);
        } else if (outcome == Status.Rejected) {
            emit ChallengeFailed(challengeId, BOND_RECIPIENT, bond);
            _pay(BOND_RECIPIENT, bond);
        } else {
            bytes32 digest = c.digest;
            Slashing storage s = _slashings[digest];
            _checkSigners(digest, s, signers);
            s.challenger = challenger;
            s.challengeId = challengeId;
            uint256 reward = _slashNext(digest, s, signers);
            emit ChallengeSucceeded(challengeId, challenger, verifiedValue, verifiedExists, bond, reward);
            _pay(challenger, bond + reward);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice The latest challenge with id `challengeId` (status None: never opened).
    function getChallenge(bytes32 challengeId) external view returns (Challenge memory) {
        return _challenges[challengeId];
    }

    /// @notice The status of the latest challenge with id `challengeId`.
    function challengeStatus(bytes32 challengeId) external view returns (Status) {
        return _challenges[challengeId].status;
    }

    /// @notice What {resolveChallenge} would decide now: Slashed, Rejected or Expired; Open while it would revert with
    ///         {NotYetVerified}; None (or the final status) when the challenge is not open.
    function previewResolution(bytes32 challengeId) external view returns (Status) {
        Challenge storage c = _challenges[challengeId];
        if (c.status != Status.Open) return c.status;
        (Status outcome,,) = _outcome(c);
        return outcome;
    }

    /// @notice The operator set this contract slashes: (ServiceManager, OPERATOR_SET_ID).
    function operatorSet() external view returns (OperatorSet memory) {
        return _operatorSet();
    }

    /// @notice The challenge id of `attestation` (= the aggregator's task id).
    function challengeIdOf(StateAttestation calldata attestation) external pure returns (bytes32) {
        return StateAttestationLib.taskId(attestation);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev Writes a new challenge over any earlier, resolved one of the same id.
    function _store(
        Challenge storage c,
        StateAttestation calldata attestation,
        bytes32 digest,
        uint32 referenceEpoch,
        uint64 deadline
    ) private {
        c.challenger = msg.sender;
        c.deadline = deadline;
        c.status = Status.Open;
        c.claimedExists = attestation.exists;
        c.user = attestation.user;
        // casting to 'uint96' is safe because submitChallenge checked msg.value <= type(uint96).max
        // forge-lint: disable-next-line(unsafe-typecast)
        c.bond = uint96(msg.value);
        c.blockNumber = attestation.blockNumber;
        c.timestamp = attestation.timestamp;
        c.referenceEpoch = referenceEpoch;
        c.chainId = attestation.chainId;
        c.key = attestation.key;
        c.claimedValue = attestation.value;
        c.digest = digest;
    }

    /// @dev The decision for an open challenge now (Open when undecidable yet) and the verified value. Only what the
    ///      verifier recorded by the deadline counts, so the outcome does not depend on when resolveChallenge is called.
    ///      The attestation is wrong when the verified block (a) holds another value or `exists` flag, (b) has another
    ///      timestamp, or (c) was produced after the challenge was submitted (later than submission + MAX_CLOCK_SKEW
    ///      on its chain's clock): honest operators sign only final blocks. Without a verified block, an observation
    ///      that the block did not exist at a source time after min(claimed timestamp, submission + MAX_CLOCK_SKEW)
    ///      proves (b) or (c) before the block exists (value 0, exists false are returned). Both rules agree whenever
    ///      both apply, since a block missing at source time T has a timestamp of at least T.
    function _outcome(Challenge storage c) private view returns (Status outcome, uint256 value, bool exists) {
        uint64 deadline = c.deadline;
        uint64 producedBy = deadline - RESOLUTION_PERIOD + verifier.MAX_CLOCK_SKEW();
        (bool verified, uint256 v, bool e, uint64 blockTimestamp, uint64 verifiedAt) =
            verifier.getVerifiedState(c.chainId, c.user, c.key, c.blockNumber);
        if (verified && verifiedAt <= deadline) {
            bool wrong = v != c.claimedValue || e != c.claimedExists || blockTimestamp != c.timestamp
                || blockTimestamp > producedBy;
            return (wrong ? Status.Slashed : Status.Rejected, v, e);
        }
        // Strictly after: chains may give consecutive blocks equal timestamps, so a block observed missing at T may
        // still have timestamp T. casting to 'uint48' is safe because producedBy < c.timestamp, a uint48, there.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint48 notBefore = (c.timestamp < producedBy ? c.timestamp : uint48(producedBy)) + 1;
        uint64 seenAt = verifier.unproducedRecordedAt(c.chainId, c.blockNumber, notBefore);
        if (seenAt != 0 && seenAt <= deadline) return (Status.Slashed, 0, false);
        // Deadlines are RESOLUTION_PERIOD seconds long; a proposer's few seconds of timestamp leeway do not matter.
        // forge-lint: disable-next-line(block-timestamp)
        outcome = block.timestamp > deadline ? Status.Expired : Status.Open;
    }
}
