// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IDelegationManager} from "../../eigenlayer/IDelegationManager.sol";
import {IStrategy} from "../../eigenlayer/IStrategy.sol";
import {IStateProofsStakeRegistry} from "./IStateProofsStakeRegistry.sol";
import {MainChainVerifier} from "./MainChainVerifier.sol";
import {StateAttestation} from "./StateAttestationLib.sol";
import {StateProofsServiceManager} from "./StateProofsServiceManager.sol";

/// @title IStateDisputeResolver
/// @notice The types, custom errors and events of the StateDisputeResolver (decision disputes-0001), apart from its
///         code, so that contracts and clients that read its challenges, decode its reverts or follow its logs share
///         them without the implementation.
/// @dev The functions are documented where they are implemented: StateDisputeResolver (the challenge lifecycle),
///      DisputeSlashing (the slashing of a proven-wrong digest), DisputePayments (the reward pool and payments) and
///      StateDisputeResolverStorage (the parameters and state).
interface IStateDisputeResolver {
    /// @notice Life of a challenge. None: never opened. Open: bond held, waiting for the truth.
    ///         Slashed: the attestation was wrong, its digest proven wrong. Rejected: it was right, bond forfeited.
    ///         Expired: not verified by the deadline, bond returned.
    enum Status {
        None,
        Open,
        Slashed,
        Rejected,
        Expired
    }

    /// @notice Where the slashing of one signer of a proven-wrong digest is. None: not attempted (or not a signer).
    ///         Pending: on the challenged signer list, not attempted yet ({slashRemainingSigners}). Slashed: done (at most once). Failed: the slash
    ///         reverted (e.g. EigenLayer paused); retryable by anyone ({retrySlashes}). Skipped: the operator set can no
    ///         longer slash it (OperatorNotSlashable); final.
    enum SignerStatus {
        None,
        Pending,
        Slashed,
        Failed,
        Skipped
    }

    /// @notice One challenge (the latest for its id).
    /// @dev Slots: challenger ‖ deadline ‖ status ‖ claimedExists; user ‖ bond; blockNumber ‖ timestamp ‖
    ///      referenceEpoch; chainId; key; claimedValue; digest.
    struct Challenge {
        address challenger;
        uint64 deadline;
        Status status;
        bool claimedExists;
        address user;
        uint96 bond;
        uint64 blockNumber;
        uint48 timestamp;
        /// @dev sigData's reference epoch (the epoch whose operator set signed), not the attestation's epoch field.
        uint32 referenceEpoch;
        uint256 chainId;
        uint256 key;
        uint256 claimedValue;
        bytes32 digest;
    }

    /// @notice The slashing of one signer of a proven-wrong digest.
    /// @param status Slashed, Failed or Skipped once attempted (None before; Pending is reported by getSignerSlashes).
    /// @param attempts Slash attempts made (1 unless retried).
    /// @param lastAttemptAt Unix seconds of the last attempt.
    /// @param weightSlashed Registry weight slashed (Σ shares × multiplier / 10,000), when Slashed.
    struct SignerSlash {
        SignerStatus status;
        uint32 attempts;
        uint64 lastAttemptAt;
        uint128 weightSlashed;
    }

    /// @notice Slashing progress of a digest, for "slashed k of n" (see {getSlashing}).
    /// @param challengeId The challenge that proved the digest wrong (zero while not proven).
    /// @param challenger Who proved it wrong and earns the reward (zero while not proven).
    /// @param referenceEpoch The challenged sigData's reference epoch.
    /// @param signersHash keccak256(abi.encodePacked(the challenged sigData's signers)): the list the slashing calls take.
    /// @param signers Signers on record (the challenged sigData's, then additional ones): n.
    /// @param slashed Signers slashed: k.
    /// @param failed Signers whose last slash attempt reverted (retryable).
    /// @param skipped Signers the set could no longer slash (final).
    /// @param pending Signers not attempted yet ({slashRemainingSigners}).
    /// @param signedWeight Registry weight of the challenged sigData's signers at its reference epoch.
    /// @param weightSlashed Registry weight slashed so far.
    /// @param rewardPaid Reward paid for this digest so far, wei.
    struct SlashingSummary {
        bytes32 challengeId;
        address challenger;
        uint32 referenceEpoch;
        bytes32 signersHash;
        uint256 signers;
        uint256 slashed;
        uint256 failed;
        uint256 skipped;
        uint256 pending;
        uint256 signedWeight;
        uint256 weightSlashed;
        uint256 rewardPaid;
    }

    /// @notice Deployment parameters.
    /// @param serviceManager The AVS (EIP-712 domain of attestations; the operator set's AVS).
    /// @param stakeRegistry The main chain's ECDSAStakeRegistry (must be the ServiceManager's stake registry).
    /// @param verifier The MainChainVerifier.
    /// @param delegationManager EigenLayer DelegationManager (its withdrawal delay is checked).
    /// @param operatorSetId The AVS operator set whose slasher is this contract.
    /// @param minBond Smallest bond, wei (> 0).
    /// @param resolutionPeriod Seconds after submission by which the truth must be verified (> 0).
    /// @param wadToSlash Fraction of each signer's allocation slashed per strategy, wad in (0, 1e18].
    /// @param challengerReward Reward for proving a digest wrong when all the stake its signers signed with is slashed,
    ///        wei (less in proportion to the stake actually slashed).
    /// @param bondRecipient Receives the bonds of failed challenges (e.g. the AVS treasury).
    /// @param minBlockTime Shortest time between two blocks of the main chain the deployment assumes, seconds (> 0;
    ///        Ethereum: 12).
    struct Config {
        StateProofsServiceManager serviceManager;
        IStateProofsStakeRegistry stakeRegistry;
        MainChainVerifier verifier;
        IDelegationManager delegationManager;
        uint32 operatorSetId;
        uint256 minBond;
        uint64 resolutionPeriod;
        uint64 wadToSlash;
        uint256 challengerReward;
        address bondRecipient;
        uint32 minBlockTime;
    }

    /// @notice A dependency address was zero, or the bond recipient is this contract.
    error ZeroAddress();
    /// @notice The stake registry is not the ServiceManager's.
    error RegistryMismatch(address stakeRegistry, address serviceManagerRegistry);
    /// @notice A configuration value is out of range (`name` says which).
    error InvalidConfig(string name);
    /// @notice AllocationManager.DEALLOCATION_DELAY (`delayBlocks`) is below REQUIRED_DELAY_BLOCKS.
    error DeallocationDelayTooShort(uint32 delayBlocks, uint256 requiredBlocks);
    /// @notice DelegationManager.minWithdrawalDelayBlocks (`delayBlocks`) is below REQUIRED_DELAY_BLOCKS.
    error WithdrawalDelayTooShort(uint32 delayBlocks, uint256 requiredBlocks);
    /// @notice The bond `bond` (wei) is below MIN_BOND `minBond` (wei), or above 2^96 - 1.
    error InvalidBond(uint256 bond, uint256 minBond);
    /// @notice The MainChainVerifier cannot verify values of `chainId`.
    error UnsupportedChain(uint256 chainId);
    /// @notice This contract is not (yet) the slasher of the operator set: no challenge could slash.
    error NotOperatorSetSlasher(address slasher);
    /// @notice A challenge with id `challengeId` is already open.
    error ChallengeAlreadyOpen(bytes32 challengeId);
    /// @notice The attestation with `digest` was already proven wrong (its signers are slashed, or being slashed).
    error AttestationAlreadySlashed(bytes32 digest);
    /// @notice The stake registry does not accept sigData over `digest` now: not a quorum signature, or too old.
    error InvalidQuorumSignature(bytes32 digest);
    /// @notice No challenge with id `challengeId` is open (its status is `status`).
    error ChallengeNotOpen(bytes32 challengeId, Status status);
    /// @notice The truth is not verified yet and the deadline `deadline` (unix seconds) has not passed.
    error NotYetVerified(bytes32 challengeId, uint64 deadline);
    /// @notice `digest` was not proven wrong: nothing of it can be slashed.
    error NotProvenWrong(bytes32 digest);
    /// @notice Every signer on record of `digest` was attempted already.
    error NothingLeftToSlash(bytes32 digest);
    /// @notice `remaining` signers on record of `digest` are not attempted yet: {slashRemainingSigners} first.
    error SlashingUnfinished(bytes32 digest, uint256 remaining);
    /// @notice A call names `count` signers: none, or more than MAX_SLASHES_PER_CALL (`max`).
    error InvalidSignerCount(uint256 count, uint256 max);
    /// @notice The signer list given is not the challenged sigData's signers on record for `digest` (the list of its
    ///         ChallengeSubmitted event, in order).
    error SignersMismatch(bytes32 digest);
    /// @notice `operators` and `signatures` lengths differ.
    error LengthMismatch(uint256 operators, uint256 signatures);
    /// @notice `operator` is already on record for `digest` (`status`): each pair is slashed at most once.
    error SignerAlreadyRecorded(bytes32 digest, address operator, SignerStatus status);
    /// @notice The registry does not accept `operator`'s signature over the digest (or its batch) at `referenceEpoch`
    ///         now.
    error InvalidOperatorSignature(address operator, uint32 referenceEpoch);
    /// @notice `operator`'s slash for `digest` is not Failed (`status`): nothing to retry.
    error NotRetryable(bytes32 digest, address operator, SignerStatus status);
    /// @notice A slash ran out of the gas this transaction gave it: retry with more gas.
    error InsufficientGasForSlash(address operator);
    /// @notice msg.sender has nothing to withdraw.
    error NothingToWithdraw();
    /// @notice Sending `amount` wei to `to` failed.
    error WithdrawalFailed(address to, uint256 amount);

    /// @notice A challenge was opened against `attestation`, signed (digest `digest`, alone or in a batch) by `signers`
    ///         (ascending: the list resolveChallenge and slashRemainingSigners take); `bond` wei held until resolution;
    ///         the truth must be verified by `deadline` (unix seconds).
    event ChallengeSubmitted(
        bytes32 indexed challengeId,
        address indexed challenger,
        bytes32 indexed digest,
        StateAttestation attestation,
        address[] signers,
        uint256 bond,
        uint64 deadline
    );
    /// @notice The attestation was wrong (the truth is `verifiedValue`, `verifiedExists`): its digest is proven wrong,
    ///         signers slashed, challenger paid `bond` + `reward` wei (the reward for the stake slashed in this call).
    event ChallengeSucceeded(
        bytes32 indexed challengeId,
        address indexed challenger,
        uint256 verifiedValue,
        bool verifiedExists,
        uint256 bond,
        uint256 reward
    );
    /// @notice The attestation was right: the `bond` wei went to `bondRecipient`.
    event ChallengeFailed(bytes32 indexed challengeId, address indexed bondRecipient, uint256 bond);
    /// @notice The truth was not verified by the deadline: the `bond` wei went back to `challenger`.
    event ChallengeExpired(bytes32 indexed challengeId, address indexed challenger, uint256 bond);
    /// @notice The stake registry refused to freeze slashed `operator` (its weight still falls with the slashed stake).
    event SignerFreezeFailed(bytes32 indexed digest, address indexed operator, bytes reason);
    /// @notice Signer `operator` of `digest` (proven wrong by challenge `challengeId`) was slashed (AllocationManager
    ///         slash `slashId`): `shares` delegated shares per strategy, `weight` registry weight in all.
    event SignerSlashed(
        bytes32 indexed challengeId,
        bytes32 indexed digest,
        address indexed operator,
        uint256 slashId,
        IStrategy[] strategies,
        uint256[] shares,
        uint256 weight
    );
    /// @notice Signer `operator` of `digest` cannot be slashed by the set any more: skipped for good. `reason` is
    ///         IAllocationManagerErrors.OperatorNotSlashable.
    event SignerSlashSkipped(
        bytes32 indexed challengeId, bytes32 indexed digest, address indexed operator, bytes reason
    );
    /// @notice The slash of signer `operator` of `digest` reverted with `reason` (attempt `attempts`): retryable by
    ///         anyone with {retrySlashes}.
    event SignerSlashFailed(
        bytes32 indexed challengeId, bytes32 indexed digest, address indexed operator, uint32 attempts, bytes reason
    );
    /// @notice `by` added `operator`, whose signature over `digest` (or a batch holding it) at `referenceEpoch` the
    ///         registry accepted, to the signers of the proven-wrong `digest`.
    event SignerAdded(bytes32 indexed digest, address indexed operator, address indexed by, uint32 referenceEpoch);
    /// @notice `remaining` signers of `digest` are still to be attempted ({slashRemainingSigners}).
    event SlashingIncomplete(bytes32 indexed digest, uint256 remaining);
    /// @notice `challenger` earned `amount` wei from the pool for `digest`, whose slashed weight is now `weightSlashed`.
    event ChallengerRewarded(bytes32 indexed digest, address indexed challenger, uint256 amount, uint256 weightSlashed);
    /// @notice `from` added `amount` wei to the reward pool.
    event RewardPoolFunded(address indexed from, uint256 amount);
    /// @notice `amount` wei were sent to `to`.
    event PaymentSent(address indexed to, uint256 amount);
    /// @notice Sending `amount` wei to `to` failed; it is credited to {pendingWithdrawals}.
    event PaymentDeferred(address indexed to, uint256 amount);
    /// @notice `account` withdrew `amount` wei of deferred payments to `to`.
    event Withdrawn(address indexed account, address indexed to, uint256 amount);
}
