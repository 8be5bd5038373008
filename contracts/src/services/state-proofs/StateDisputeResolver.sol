// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {
    IAllocationManager,
    IAllocationManagerErrors,
    IAllocationManagerTypes,
    OperatorSet
} from "../../eigenlayer/IAllocationManager.sol";
import {IDelegationManager} from "../../eigenlayer/IDelegationManager.sol";
import {IStrategy} from "../../eigenlayer/IStrategy.sol";
import {MainChainVerifier} from "./MainChainVerifier.sol";
import {StateAttestation, StateAttestationLib} from "./StateAttestationLib.sol";
import {StateProofsServiceManager} from "./StateProofsServiceManager.sol";

/// @notice A strategy the stake registry counts and its multiplier, basis points of a share (ABI of
///         ECDSAStakeRegistry.StrategyParams).
struct QuorumStrategy {
    IStrategy strategy;
    uint96 multiplier;
}

/// @notice The part of the main chain's stake registry (ECDSAStakeRegistry) the StateDisputeResolver reads.
interface IStateProofsStakeRegistry {
    /// @notice ERC-1271: 0x1626ba7e when `sigData` carries a quorum of signatures over `digest`, else 0xffffffff.
    function isValidSignature(bytes32 digest, bytes calldata sigData) external view returns (bytes4);
    /// @notice The same check as isValidSignature, reverting when it fails; returns the signers' summed weight and the
    ///         threshold weight at sigData's reference epoch (registry weight units).
    function checkSignatures(bytes32 digest, bytes calldata sigData)
        external
        view
        returns (uint256 signedWeight, uint256 thresholdWeight);
    /// @notice checkSignatures with each signer's checkpointed weight (not lowered to its slashable stake now): what a
    ///         replica on any chain may accept at most. Reverts when the proof fails.
    function checkSignaturesAtCheckpoints(bytes32 digest, bytes calldata sigData)
        external
        view
        returns (uint256 signedWeight, uint256 thresholdWeight);
    /// @notice Zeroes a slashed operator's weight at once and deregisters it; only the operator set's slasher.
    function freezeOperator(address operator) external;
    /// @notice True iff `referenceEpoch` is admissible now (the same age rule as isValidSignature), `operator` has a
    ///         signing key at `referenceEpoch` and `signature` is a 65-byte r‖s‖v (v 27/28, low s) ECDSA signature of
    ///         `digest` by that key.
    function isValidOperatorSignature(address operator, bytes32 digest, bytes calldata signature, uint32 referenceEpoch)
        external
        view
        returns (bool);
    /// @notice The strategies counted in weights and their multipliers (basis points of a share).
    function getQuorum() external view returns (QuorumStrategy[] memory);
    /// @notice Epoch length, seconds.
    function EPOCH_LENGTH() external view returns (uint64);
    /// @notice How many epochs before the current one a proof's reference epoch may be.
    function MAX_PROOF_AGE_EPOCHS() external view returns (uint32);
}

/// @title StateDisputeResolver
/// @notice Challenges of state proofs on the main chain, and the slashing of their signers (decision disputes-0001).
///         1. {submitChallenge}: anyone posts a bond (>= MIN_BOND wei) against an attestation the quorum really
///            signed: admissible exactly when the stake registry's isValidSignature accepts `sigData` over the
///            attestation's digest now (whatever the attestation's own epoch field says). The challenge id is the
///            task id: keccak256(abi.encodePacked(user, chainId, blockNumber, timestamp, key)). One open challenge per
///            id.
///         2. Anyone has the truth recorded in the MainChainVerifier (RemoteChainVerifier.verifyState on the source
///            chain, or MainChainVerifier.verifyState for the main chain, with the block's header: value and
///            timestamp; or reportUnproduced while the block does not exist) within RESOLUTION_PERIOD seconds.
///         3. {resolveChallenge} (anyone): attestation wrong → its digest is proven wrong and its signers are slashed
///            through AllocationManager.slashOperator (this contract is the operator set's slasher) by WAD_TO_SLASH of
///            their allocation in every strategy of the set; the challenger gets the bond back plus a reward for the
///            stake actually slashed (below); attestation right → the bond goes to BOND_RECIPIENT; not verified by the
///            deadline → the bond goes back to the challenger.
///         4. Slashing is kept per digest, not per challenge, and goes on until every signer is done, by anyone:
///            {slashRemainingSigners} (beyond MAX_SLASHES_PER_CALL per call), {retrySlashes} (a slash that reverted,
///            e.g. slashing paused in EigenLayer, stays retryable), {slashAdditionalSigners} (signers the first
///            sigData left out, each with its own signature over the digest at an admissible reference epoch). A
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
/// @dev No owner: every parameter is immutable. Storage per challenge: 7 slots; per challenged digest: 2 slots plus one
///      per signer, 3 more once proven wrong; per signer attempted: one slot (plus its reason when skipped or failed).
contract StateDisputeResolver is ReentrancyGuardTransient {
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

    /// @notice Where the slashing of one signer of a proven-wrong digest is. None: not a signer on record. Pending: on
    ///         the list, not attempted yet ({slashRemainingSigners}). Slashed: done (at most once). Failed: the slash
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
    /// @param status Slashed, Failed or Skipped once attempted (Pending or None are reported by the views only).
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
        uint256 signers;
        uint256 slashed;
        uint256 failed;
        uint256 skipped;
        uint256 pending;
        uint256 signedWeight;
        uint256 weightSlashed;
        uint256 rewardPaid;
    }

    /// @dev Per digest. Slot 0 is written by submitChallenge (again by a later challenge of the same digest, until it
    ///      is proven wrong), the rest once it is proven wrong. Slot 2 packs the failed count, the reward paid (wei,
    ///      at most the ether this contract holds) and the weight slashed (saturating; a registry weight is below
    ///      2^122).
    struct Slashing {
        uint224 signedWeight;
        uint32 referenceEpoch;
        address challenger;
        uint32 attempted;
        uint32 slashed;
        uint32 skipped;
        uint32 failed;
        uint96 rewardPaid;
        uint128 weightSlashed;
        bytes32 challengeId;
        address[] signers;
    }

    /// @dev What every slash of one call shares.
    struct SlashContext {
        bytes32 digest;
        bytes32 challengeId;
        OperatorSet set;
        IAllocationManagerTypes.SlashingParams params;
        uint256[] multipliers;
        uint256 weightSlashed;
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

    /// @dev 1e18 = 100% (wads).
    uint256 internal constant _WAD = 1e18;
    /// @dev Basis-point denominator of the registry's multipliers.
    uint256 internal constant _BPS = 10_000;
    /// @notice Gas given to a pushed payment; a recipient that needs more is paid through {withdraw}.
    uint256 public constant PUSH_GAS_LIMIT = 50_000;
    /// @notice Signers slashed per call (about 130,000 gas each on the devnet core); the rest by further calls.
    uint256 public constant MAX_SLASHES_PER_CALL = 64;

    /// @notice The AVS (ServiceManager).
    StateProofsServiceManager public immutable serviceManager;
    /// @notice The main chain's stake registry.
    IStateProofsStakeRegistry public immutable stakeRegistry;
    /// @notice The MainChainVerifier.
    MainChainVerifier public immutable verifier;
    /// @notice EigenLayer AllocationManager (from the ServiceManager).
    IAllocationManager public immutable allocationManager;
    /// @notice The operator set whose slasher is this contract.
    uint32 public immutable OPERATOR_SET_ID;
    /// @notice Smallest bond, wei.
    uint256 public immutable MIN_BOND;
    /// @notice Seconds after submission by which the truth must be verified.
    uint64 public immutable RESOLUTION_PERIOD;
    /// @notice Fraction of each signer's allocation slashed per strategy, wad.
    uint256 public immutable WAD_TO_SLASH;
    /// @notice Reward for a proven-wrong digest whose signers lose WAD_TO_SLASH of all the stake they signed with, wei
    ///         (in proportion to the stake actually slashed; each payment up to the pool's balance).
    uint256 public immutable CHALLENGER_REWARD;
    /// @notice Receives the bonds of failed challenges.
    address public immutable BOND_RECIPIENT;
    /// @notice Assumed shortest main-chain block time, seconds.
    uint32 public immutable MIN_BLOCK_TIME;
    /// @notice Longest time, seconds, from a signer's first step out (leaving the registry, withdrawing or
    ///         deallocating) to the deadline of the last challenge that can slash it: (2 + maxAge) × epochLength +
    ///         RESOLUTION_PERIOD.
    uint256 public immutable EXPOSURE_WINDOW;
    /// @notice ceil(EXPOSURE_WINDOW / MIN_BLOCK_TIME): blocks a leaving signer's stake must stay slashable.
    uint256 public immutable REQUIRED_DELAY_BLOCKS;

    // ---- storage ----
    /// @dev challengeId => the latest challenge of that id.
    mapping(bytes32 challengeId => Challenge) private _challenges;
    /// @dev digest => its signers and slashing progress.
    mapping(bytes32 digest => Slashing) private _slashings;
    /// @dev digest => operator => its slashing.
    mapping(bytes32 digest => mapping(address operator => SignerSlash)) private _signerSlashes;
    /// @dev digest => operator => the AllocationManager's revert data of its last failed or skipped slash.
    mapping(bytes32 digest => mapping(address operator => bytes)) private _slashReasons;
    /// @notice Payments that could not be pushed, wei, claimable with {withdraw}.
    mapping(address account => uint256) public pendingWithdrawals;
    /// @notice Wei available for challenger rewards.
    uint256 public rewardPool;
    /// @notice Sum of the bonds of open challenges, wei.
    uint256 public totalOpenBonds;
    /// @notice Sum of {pendingWithdrawals}, wei.
    uint256 public totalPendingWithdrawals;

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
    /// @notice `operators` and `signatures` lengths differ.
    error LengthMismatch(uint256 operators, uint256 signatures);
    /// @notice `operator` is already on record for `digest` (`status`): each pair is slashed at most once.
    error SignerAlreadyRecorded(bytes32 digest, address operator, SignerStatus status);
    /// @notice The registry does not accept `operator`'s signature over the digest at `referenceEpoch` now.
    error InvalidOperatorSignature(address operator, uint32 referenceEpoch);
    /// @notice `operator`'s slash for `digest` is not Failed (`status`): nothing to retry.
    error NotRetryable(bytes32 digest, address operator, SignerStatus status);
    /// @notice A slash ran out of the gas this transaction gave it: retry with more gas.
    error InsufficientGasForSlash(address operator);
    /// @notice msg.sender has nothing to withdraw.
    error NothingToWithdraw();
    /// @notice Sending `amount` wei to `to` failed.
    error WithdrawalFailed(address to, uint256 amount);

    /// @notice A challenge was opened against `attestation`, signed (digest `digest`) by `signers`; `bond` wei held until
    ///         resolution; the truth must be verified by `deadline` (unix seconds).
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
    /// @notice `by` added `operator`, whose signature over `digest` at `referenceEpoch` the registry accepted, to the
    ///         signers of the proven-wrong `digest`.
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

    /// @param config Deployment parameters (see {Config}). Deploy after ServiceManager.setStakeRegistry; then create
    ///        the operator set with this contract as its slasher (ServiceManager.createOperatorSets).
    constructor(Config memory config) {
        if (
            address(config.serviceManager) == address(0) || address(config.stakeRegistry) == address(0)
                || address(config.verifier) == address(0) || address(config.delegationManager) == address(0)
                || config.bondRecipient == address(0) || config.bondRecipient == address(this)
        ) revert ZeroAddress();
        address smRegistry = config.serviceManager.stakeRegistry();
        if (smRegistry != address(config.stakeRegistry)) {
            revert RegistryMismatch(address(config.stakeRegistry), smRegistry);
        }
        if (config.minBond == 0) revert InvalidConfig("minBond");
        if (config.resolutionPeriod == 0) revert InvalidConfig("resolutionPeriod");
        if (config.wadToSlash == 0 || config.wadToSlash > _WAD) revert InvalidConfig("wadToSlash");
        if (config.minBlockTime == 0) revert InvalidConfig("minBlockTime");

        serviceManager = config.serviceManager;
        stakeRegistry = config.stakeRegistry;
        verifier = config.verifier;
        allocationManager = config.serviceManager.allocationManager();
        OPERATOR_SET_ID = config.operatorSetId;
        MIN_BOND = config.minBond;
        RESOLUTION_PERIOD = config.resolutionPeriod;
        WAD_TO_SLASH = config.wadToSlash;
        CHALLENGER_REWARD = config.challengerReward;
        BOND_RECIPIENT = config.bondRecipient;
        MIN_BLOCK_TIME = config.minBlockTime;

        // A signer's old state counts in proofs up to the epoch after the one it starts leaving in (deregistration,
        // or a weight refresh, takes effect at the next epoch; the one after in the grace period, which ends no later);
        // such a proof is challengeable until its reference epoch is maxAge old, and decided RESOLUTION_PERIOD later.
        uint256 window = (2 + uint256(config.stakeRegistry.MAX_PROOF_AGE_EPOCHS()))
            * config.stakeRegistry.EPOCH_LENGTH() + config.resolutionPeriod;
        uint256 requiredBlocks = (window + config.minBlockTime - 1) / config.minBlockTime;
        EXPOSURE_WINDOW = window;
        REQUIRED_DELAY_BLOCKS = requiredBlocks;
        uint32 deallocationDelay = allocationManager.DEALLOCATION_DELAY();
        if (deallocationDelay < requiredBlocks) revert DeallocationDelayTooShort(deallocationDelay, requiredBlocks);
        uint32 withdrawalDelay = config.delegationManager.minWithdrawalDelayBlocks();
        if (withdrawalDelay < requiredBlocks) revert WithdrawalDelayTooShort(withdrawalDelay, requiredBlocks);
    }

    /// @notice Adds msg.value to the reward pool.
    receive() external payable {
        _fund();
    }

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
    /// @param sigData abi.encode(address[] operators, bytes[] signatures, uint32 referenceEpoch), as the aggregator
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
        // Only the signers and the epoch are needed: the signatures' head word is read as a plain uint256.
        (address[] memory signers,, uint32 referenceEpoch) = abi.decode(sigData, (address[], uint256, uint32));

        // casting to 'uint64' is safe: unix seconds plus a uint64 period fit for 5e11 years
        // forge-lint: disable-next-line(unsafe-typecast)
        uint64 deadline = uint64(block.timestamp) + RESOLUTION_PERIOD;
        _store(c, attestation, digest, referenceEpoch, deadline);
        // The digest's record is not proven wrong (checked above): a later challenge of the same digest rewrites it.
        // casting to 'uint224' is safe: the value is capped to the type's maximum first
        // forge-lint: disable-next-line(unsafe-typecast)
        s.signedWeight = uint224(Math.min(signedWeight, type(uint224).max));
        s.referenceEpoch = referenceEpoch;
        s.signers = signers;
        totalOpenBonds += msg.value;
        emit ChallengeSubmitted(challengeId, msg.sender, digest, attestation, signers, msg.value, deadline);
    }

    /// @notice Decides the open challenge `challengeId` from the MainChainVerifier's record. Anyone may call.
    ///         Verified (at or before the deadline) and different from the attestation (value or exists): the digest is
    ///         proven wrong, its first MAX_SLASHES_PER_CALL signers are slashed and the challenger is paid bond + the
    ///         reward for the stake slashed (see the contract's NatSpec). Verified and equal: the bond goes to
    ///         BOND_RECIPIENT. Not verified by the deadline: the bond goes back.
    /// @dev Reverts with {NotYetVerified} while nothing is verified and the deadline has not passed. A signer the set can
    ///      no longer slash is skipped ({SignerSlashSkipped}); one whose slash reverts stays retryable
    ///      ({SignerSlashFailed}, {retrySlashes}); a slash that runs out of gas reverts the whole call
    ///      ({InsufficientGasForSlash}) so no caller can fail a signer by starving it. {SlashingIncomplete} asks for
    ///      {slashRemainingSigners}.
    /// @param challengeId The challenge.
    /// @return outcome Slashed, Rejected or Expired.
    function resolveChallenge(bytes32 challengeId) external nonReentrant returns (Status outcome) {
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
            s.challenger = challenger;
            s.challengeId = challengeId;
            uint256 reward = _slashNext(digest, s);
            emit ChallengeSucceeded(challengeId, challenger, verifiedValue, verifiedExists, bond, reward);
            _pay(challenger, bond + reward);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Slashing of a proven-wrong digest (anyone, until every signer is done)
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Attempts the next MAX_SLASHES_PER_CALL signers of `digest` not attempted yet. Anyone may call; call it
    ///         at once, before the signers' slashable window ends. Pays the challenger of record its reward for the
    ///         stake slashed.
    /// @param digest A digest proven wrong with signers pending ({SlashingIncomplete}).
    function slashRemainingSigners(bytes32 digest) external nonReentrant {
        Slashing storage s = _proven(digest);
        if (s.attempted >= s.signers.length) revert NothingLeftToSlash(digest);
        _pay(s.challenger, _slashNext(digest, s));
    }

    /// @notice Tries again the slashes of `operators` of `digest` that reverted (Failed: e.g. EigenLayer slashing was
    ///         paused, or its arithmetic failed). Anyone may call, as often as needed. Pays the challenger of record its
    ///         reward for the stake slashed.
    /// @dev A retry that reverts again stays Failed (attempts counted); one the set can no longer slash becomes Skipped.
    ///      Out of gas reverts the call ({InsufficientGasForSlash}).
    /// @param digest A proven-wrong digest.
    /// @param operators Signers of `digest` whose status is Failed (1 to MAX_SLASHES_PER_CALL of them).
    function retrySlashes(bytes32 digest, address[] calldata operators) external nonReentrant {
        Slashing storage s = _proven(digest);
        _checkCount(operators.length);
        SlashContext memory ctx = _context(digest, s);
        for (uint256 i; i < operators.length; ++i) {
            address operator = operators[i];
            SignerSlash storage rec = _signerSlashes[digest][operator];
            if (rec.status != SignerStatus.Failed) revert NotRetryable(digest, operator, rec.status);
            _slashOne(s, ctx, rec, operator);
        }
        _pay(s.challenger, _reward(digest, s, ctx.weightSlashed));
    }

    /// @notice Slashes signers of the proven-wrong `digest` that the challenged sigData left out. Such a call needs no
    ///         quorum (the digest is proven wrong and its quorum was checked at the challenge): each operator needs
    ///         only its own signature over `digest` that the registry accepts at `referenceEpoch` now
    ///         (isValidOperatorSignature: the epoch not in the future nor older than MAX_PROOF_AGE_EPOCHS, so a key
    ///         rotated out long ago cannot frame its operator). Anyone may call. The reward for the stake slashed goes
    ///         to the challenger of record, not the caller: the digest was proven wrong at its risk, and a reward for
    ///         supplying signers would let the wrong signers race to supply each other and win back part of it.
    /// @dev Every signer on record must have been attempted ({SlashingUnfinished}), so a listed signer is never added
    ///      twice; an operator already on record is refused ({SignerAlreadyRecorded}).
    /// @param digest A proven-wrong digest.
    /// @param referenceEpoch The epoch at whose signing keys the signatures are checked.
    /// @param operators The additional signers (1 to MAX_SLASHES_PER_CALL of them).
    /// @param signatures Their 65-byte r‖s‖v signatures over `digest`.
    function slashAdditionalSigners(
        bytes32 digest,
        uint32 referenceEpoch,
        address[] calldata operators,
        bytes[] calldata signatures
    ) external nonReentrant {
        Slashing storage s = _proven(digest);
        uint256 n = s.signers.length;
        if (s.attempted < n) revert SlashingUnfinished(digest, n - s.attempted);
        _checkCount(operators.length);
        if (signatures.length != operators.length) revert LengthMismatch(operators.length, signatures.length);
        SlashContext memory ctx = _context(digest, s);
        for (uint256 i; i < operators.length; ++i) {
            _addSigner(s, ctx, referenceEpoch, operators[i], signatures[i]);
        }
        // casting to 'uint32' is safe: one signer per call slot of at most MAX_SLASHES_PER_CALL, far below 2^32
        // forge-lint: disable-next-line(unsafe-typecast)
        s.attempted = uint32(n + operators.length);
        _pay(s.challenger, _reward(digest, s, ctx.weightSlashed));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Funds
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Adds msg.value (wei) to the reward pool. Anyone may fund it; it only pays challenger rewards.
    function fundRewardPool() external payable {
        _fund();
    }

    /// @notice Sends msg.sender's deferred payments ({pendingWithdrawals}) to `to`.
    /// @param to Recipient (msg.sender itself, or another address if msg.sender cannot receive ether).
    function withdraw(address payable to) external nonReentrant {
        uint256 amount = pendingWithdrawals[msg.sender];
        if (amount == 0) revert NothingToWithdraw();
        pendingWithdrawals[msg.sender] = 0;
        totalPendingWithdrawals -= amount;
        emit Withdrawn(msg.sender, to, amount);
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert WithdrawalFailed(to, amount);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice The latest challenge with id `challengeId` (status None: never opened).
    function getChallenge(bytes32 challengeId) external view returns (Challenge memory) {
        return _challenges[challengeId];
    }

    /// @notice The signers on record of the latest challenge with id `challengeId`'s digest: the challenged sigData's
    ///         (ascending), then any added later.
    function getSigners(bytes32 challengeId) external view returns (address[] memory) {
        return _slashings[_challenges[challengeId].digest].signers;
    }

    /// @notice The status of the latest challenge with id `challengeId`.
    function challengeStatus(bytes32 challengeId) external view returns (Status) {
        return _challenges[challengeId].status;
    }

    /// @notice Whether `digest` was proven wrong (its signers are slashed, or being slashed, and it cannot be challenged
    ///         again).
    function slashedDigests(bytes32 digest) external view returns (bool) {
        return _slashings[digest].challenger != address(0);
    }

    /// @notice Slashing progress of `digest`: "slashed `slashed` of `signers`", with failed, skipped and pending counts,
    ///         weights and the reward paid. All zero for a digest never challenged.
    function getSlashing(bytes32 digest) external view returns (SlashingSummary memory summary) {
        Slashing storage s = _slashings[digest];
        uint256 n = s.signers.length;
        summary = SlashingSummary({
            challengeId: s.challengeId,
            challenger: s.challenger,
            referenceEpoch: s.referenceEpoch,
            signers: n,
            slashed: s.slashed,
            failed: s.failed,
            skipped: s.skipped,
            pending: n - s.attempted,
            signedWeight: s.signedWeight,
            weightSlashed: s.weightSlashed,
            rewardPaid: s.rewardPaid
        });
    }

    /// @notice Every signer on record of `digest`, its slashing (status Pending until attempted; None while the digest
    ///         is not proven wrong) and the
    ///         AllocationManager's revert data of its last failed or skipped attempt (empty otherwise). For clients.
    function getSignerSlashes(bytes32 digest)
        external
        view
        returns (address[] memory operators, SignerSlash[] memory records, bytes[] memory reasons)
    {
        operators = _slashings[digest].signers;
        records = new SignerSlash[](operators.length);
        reasons = new bytes[](operators.length);
        for (uint256 i; i < operators.length; ++i) {
            (records[i], reasons[i]) = getSignerSlash(digest, operators[i]);
        }
    }

    /// @notice The slashing of `operator` as a signer of `digest` and the revert data of its last failed or skipped
    ///         attempt. Status None: not on record; Pending: on record, not attempted yet.
    function getSignerSlash(bytes32 digest, address operator)
        public
        view
        returns (SignerSlash memory record, bytes memory reason)
    {
        record = _signerSlashes[digest][operator];
        reason = _slashReasons[digest][operator];
        if (
            record.status == SignerStatus.None && _slashings[digest].challenger != address(0)
                && _isListed(digest, operator)
        ) {
            record.status = SignerStatus.Pending;
        }
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

    function _operatorSet() internal view returns (OperatorSet memory) {
        return OperatorSet({avs: address(serviceManager), id: OPERATOR_SET_ID});
    }

    function _fund() internal {
        rewardPool += msg.value;
        emit RewardPoolFunded(msg.sender, msg.value);
    }

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

    /// @dev The slashing record of `digest`, which must be proven wrong.
    function _proven(bytes32 digest) private view returns (Slashing storage s) {
        s = _slashings[digest];
        if (s.challenger == address(0)) revert NotProvenWrong(digest);
    }

    function _checkCount(uint256 count) private pure {
        if (count == 0 || count > MAX_SLASHES_PER_CALL) revert InvalidSignerCount(count, MAX_SLASHES_PER_CALL);
    }

    /// @dev Whether `operator` is on `digest`'s signer list (only asked for operators without a record, i.e. pending
    ///      ones, which are all in the challenged sigData's ascending part: a binary search over it).
    function _isListed(bytes32 digest, address operator) private view returns (bool) {
        Slashing storage s = _slashings[digest];
        address[] storage signers = s.signers;
        // Pending signers are the unattempted tail of the ascending list; additional signers are always attempted.
        uint256 lo = s.attempted;
        uint256 hi = signers.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            address at = signers[mid];
            if (at == operator) return true;
            if (at < operator) lo = mid + 1;
            else hi = mid;
        }
        return false;
    }

    /// @dev The parameters every slash of this call shares: WAD_TO_SLASH in each of the set's strategies (ascending, as
    ///      slashOperator requires) and the registry's multiplier of each (0 for a strategy it does not count).
    function _context(bytes32 digest, Slashing storage s) private view returns (SlashContext memory ctx) {
        ctx.digest = digest;
        ctx.challengeId = s.challengeId;
        ctx.set = _operatorSet();
        ctx.params.operatorSetId = OPERATOR_SET_ID;
        IStrategy[] memory strategies = _sortedStrategies(allocationManager.getStrategiesInOperatorSet(ctx.set));
        ctx.params.strategies = strategies;
        ctx.params.wadsToSlash = new uint256[](strategies.length);
        ctx.params.description = "avs-stack state-proofs: signed a wrong attestation";
        ctx.multipliers = new uint256[](strategies.length);
        QuorumStrategy[] memory quorum = stakeRegistry.getQuorum();
        for (uint256 i; i < strategies.length; ++i) {
            ctx.params.wadsToSlash[i] = WAD_TO_SLASH;
            for (uint256 j; j < quorum.length; ++j) {
                if (quorum[j].strategy == strategies[i]) ctx.multipliers[i] = quorum[j].multiplier;
            }
        }
    }

    /// @dev Attempts the next MAX_SLASHES_PER_CALL signers of `digest` not attempted yet; returns the reward due.
    function _slashNext(bytes32 digest, Slashing storage s) private returns (uint256 reward) {
        address[] storage signers = s.signers;
        uint256 start = s.attempted;
        uint256 n = signers.length;
        uint256 end = n - start > MAX_SLASHES_PER_CALL ? start + MAX_SLASHES_PER_CALL : n;
        // casting to 'uint32' is safe because end <= signers.length, far below 2^32 (calldata bounds it)
        // forge-lint: disable-next-line(unsafe-typecast)
        s.attempted = uint32(end);
        if (end < n) emit SlashingIncomplete(digest, n - end);
        SlashContext memory ctx = _context(digest, s);
        for (uint256 i = start; i < end; ++i) {
            address operator = signers[i];
            _slashOne(s, ctx, _signerSlashes[digest][operator], operator);
        }
        return _reward(digest, s, ctx.weightSlashed);
    }

    /// @dev One slash attempt of `operator` (status None or Failed): Slashed, Failed (retryable) or Skipped (the set can
    ///      no longer slash it). Adds the weight slashed to `ctx.weightSlashed`.
    function _slashOne(Slashing storage s, SlashContext memory ctx, SignerSlash storage rec, address operator) private {
        bool wasFailed = rec.status == SignerStatus.Failed;
        uint32 attempts = rec.attempts + 1;
        rec.attempts = attempts;
        // casting to 'uint64' is safe: unix seconds fit for 5e11 years
        // forge-lint: disable-next-line(unsafe-typecast)
        rec.lastAttemptAt = uint64(block.timestamp);
        bytes32 digest = ctx.digest;
        if (!allocationManager.isOperatorSlashable(operator, ctx.set)) {
            _skip(
                s,
                ctx,
                rec,
                operator,
                wasFailed,
                abi.encodeWithSelector(IAllocationManagerErrors.OperatorNotSlashable.selector)
            );
            return;
        }
        ctx.params.operator = operator;
        uint256 gasBefore = gasleft();
        try allocationManager.slashOperator(address(serviceManager), ctx.params) returns (
            uint256 slashId, uint256[] memory shares
        ) {
            uint256 weight;
            for (uint256 i; i < shares.length; ++i) {
                weight += shares[i] * ctx.multipliers[i] / _BPS;
            }
            rec.status = SignerStatus.Slashed;
            // casting to 'uint128' is safe: the value is capped to the type's maximum first
            // forge-lint: disable-next-line(unsafe-typecast)
            rec.weightSlashed = uint128(Math.min(weight, type(uint128).max));
            ++s.slashed;
            if (wasFailed) {
                --s.failed;
                delete _slashReasons[digest][operator];
            }
            ctx.weightSlashed += weight;
            emit SignerSlashed(ctx.challengeId, digest, operator, slashId, ctx.params.strategies, shares, weight);
            // Its weight goes to 0 at once and it leaves the registry. The slash above stands whatever happens here: a
            // registry that refuses (this contract is not the slasher of the registry's own operator set) is reported.
            try stakeRegistry.freezeOperator(operator) {}
            catch (bytes memory freezeError) {
                emit SignerFreezeFailed(digest, operator, freezeError);
            }
        } catch (bytes memory reason) {
            // The AllocationManager refuses with custom errors (or, on the real core, a panic). No revert data, or all
            // but 1/64 of the gas used up, means the call ran out of gas (possibly in a nested call): not a refusal, so
            // do not fail the signer.
            if (reason.length == 0 || gasleft() <= gasBefore / 63) revert InsufficientGasForSlash(operator);
            // casting to 'bytes4' is safe because reason has exactly 4 bytes here
            // forge-lint: disable-next-line(unsafe-typecast)
            if (reason.length == 4 && bytes4(reason) == IAllocationManagerErrors.OperatorNotSlashable.selector) {
                _skip(s, ctx, rec, operator, wasFailed, reason);
                return;
            }
            rec.status = SignerStatus.Failed;
            if (!wasFailed) ++s.failed;
            _slashReasons[digest][operator] = reason;
            emit SignerSlashFailed(ctx.challengeId, digest, operator, attempts, reason);
        }
    }

    /// @dev Checks and records one additional signer of `ctx.digest`, then attempts its slash.
    function _addSigner(
        Slashing storage s,
        SlashContext memory ctx,
        uint32 referenceEpoch,
        address operator,
        bytes calldata signature
    ) private {
        bytes32 digest = ctx.digest;
        SignerSlash storage rec = _signerSlashes[digest][operator];
        if (rec.status != SignerStatus.None) revert SignerAlreadyRecorded(digest, operator, rec.status);
        if (!stakeRegistry.isValidOperatorSignature(operator, digest, signature, referenceEpoch)) {
            revert InvalidOperatorSignature(operator, referenceEpoch);
        }
        s.signers.push(operator);
        emit SignerAdded(digest, operator, msg.sender, referenceEpoch);
        _slashOne(s, ctx, rec, operator);
    }

    function _skip(
        Slashing storage s,
        SlashContext memory ctx,
        SignerSlash storage rec,
        address operator,
        bool wasFailed,
        bytes memory reason
    ) private {
        rec.status = SignerStatus.Skipped;
        ++s.skipped;
        if (wasFailed) --s.failed;
        _slashReasons[ctx.digest][operator] = reason;
        emit SignerSlashSkipped(ctx.challengeId, ctx.digest, operator, reason);
    }

    /// @dev Adds `weightAdded` to the weight slashed for `digest` and takes from the pool what the challenger of record
    ///      has earned and not been paid: CHALLENGER_REWARD × weight slashed / (WAD_TO_SLASH × signed weight), at most
    ///      CHALLENGER_REWARD in all, each payment at most the pool. Returns the amount (to be paid by the caller).
    function _reward(bytes32 digest, Slashing storage s, uint256 weightAdded) private returns (uint256 amount) {
        uint256 total = s.weightSlashed;
        if (weightAdded != 0) {
            total = Math.min(total + weightAdded, type(uint128).max);
            // casting to 'uint128' is safe: the value is capped to the type's maximum first
            // forge-lint: disable-next-line(unsafe-typecast)
            s.weightSlashed = uint128(total);
        }
        if (total == 0) return 0;
        uint256 full = Math.mulDiv(s.signedWeight, WAD_TO_SLASH, _WAD);
        uint256 earned = total >= full ? CHALLENGER_REWARD : Math.mulDiv(CHALLENGER_REWARD, total, full);
        uint256 paid = s.rewardPaid;
        if (earned <= paid) return 0;
        amount = Math.min(earned - paid, rewardPool);
        if (amount == 0) return 0;
        rewardPool -= amount;
        // casting to 'uint96' is safe: paid + amount is ether this contract held, far below 2^96 wei
        // forge-lint: disable-next-line(unsafe-typecast)
        s.rewardPaid = uint96(paid + amount);
        emit ChallengerRewarded(digest, s.challenger, amount, total);
    }

    /// @dev The set's strategies ascending by address, as slashOperator requires (insertion sort: sets are small).
    function _sortedStrategies(IStrategy[] memory strategies) private pure returns (IStrategy[] memory) {
        for (uint256 i = 1; i < strategies.length; ++i) {
            IStrategy s = strategies[i];
            uint256 j = i;
            while (j > 0 && address(strategies[j - 1]) > address(s)) {
                strategies[j] = strategies[j - 1];
                --j;
            }
            strategies[j] = s;
        }
        return strategies;
    }

    /// @dev Pushes `amount` wei to `to` with PUSH_GAS_LIMIT gas; credits it for {withdraw} when that fails.
    function _pay(address to, uint256 amount) private {
        if (amount == 0) return;
        bool ok;
        uint256 gasLimit = PUSH_GAS_LIMIT;
        assembly ("memory-safe") {
            // No return data is copied: a recipient cannot make this call expensive for the caller.
            ok := call(gasLimit, to, amount, 0, 0, 0, 0)
        }
        if (ok) {
            emit PaymentSent(to, amount);
        } else {
            pendingWithdrawals[to] += amount;
            totalPendingWithdrawals += amount;
            emit PaymentDeferred(to, amount);
        }
    }
}
