// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IAllocationManager, IAllocationManagerErrors, IAllocationManagerTypes, OperatorSet} from
    "../eigenlayer/interfaces/IAllocationManager.sol";
import {IDelegationManager} from "../eigenlayer/interfaces/IDelegationManager.sol";
import {IStrategy} from "../eigenlayer/interfaces/IStrategy.sol";
import {MainChainVerifier} from "./MainChainVerifier.sol";
import {StateAttestation, StateAttestationLib} from "./StateAttestationLib.sol";
import {StateProofsServiceManager} from "./StateProofsServiceManager.sol";

/// @notice The part of the main chain's stake registry (ECDSAStakeRegistry) the StateDisputeResolver reads.
interface IStateProofsStakeRegistry {
    /// @notice ERC-1271: 0x1626ba7e when `sigData` carries a quorum of signatures over `digest`, else 0xffffffff.
    function isValidSignature(bytes32 digest, bytes calldata sigData) external view returns (bytes4);
    /// @notice Epoch length, seconds.
    function EPOCH_LENGTH() external view returns (uint64);
    /// @notice How many epochs before the current one a proof's reference epoch may be.
    function MAX_PROOF_AGE_EPOCHS() external view returns (uint32);
}

/// @title StateDisputeResolver
/// @notice Challenges of state proofs on the main chain, and the slashing of their signers (seed 001, section 4).
///         1. {submitChallenge}: anyone posts a bond (>= MIN_BOND wei) against an attestation the quorum really
///            signed (the stake registry's isValidSignature accepts `sigData` over its digest, with reference epoch =
///            attestation.epoch). The challenge id is the seed's: keccak256(abi.encodePacked(user, chainId,
///            blockNumber, timestamp, key)). One open challenge per id.
///         2. Anyone has the truth recorded in the MainChainVerifier (RemoteChainVerifier.verifyState on the source
///            chain, or MainChainVerifier.verifyState for the main chain, with the block's header: value and
///            timestamp; or reportUnproduced while the block does not exist) within RESOLUTION_PERIOD seconds.
///         3. {resolveChallenge} (anyone): attestation wrong → every signer is slashed through
///            AllocationManager.slashOperator (this contract is the operator set's slasher) by WAD_TO_SLASH of its
///            allocation in every strategy of the set, and the challenger gets the bond back plus
///            min(CHALLENGER_REWARD, reward pool); attestation right → the bond goes to BOND_RECIPIENT; not verified
///            by the deadline → the bond goes back to the challenger. Signers beyond MAX_SLASHES_PER_CALL are slashed
///            by further calls ({slashRemainingSigners}), so no signer count can make a resolution exceed a block.
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
/// @dev No owner: every parameter is immutable. Storage per challenge: 8 slots plus one per signer.
contract StateDisputeResolver is ReentrancyGuardTransient {
    /// @notice Life of a challenge. None: never opened. Open: bond held, waiting for the truth.
    ///         Slashed: the attestation was wrong, signers slashed. Rejected: it was right, bond forfeited.
    ///         Expired: not verified by the deadline, bond returned.
    enum Status {
        None,
        Open,
        Slashed,
        Rejected,
        Expired
    }

    /// @notice One challenge (the latest for its id).
    /// @dev Slots: challenger ‖ deadline ‖ status ‖ claimedExists; user ‖ bond; blockNumber ‖ timestamp ‖
    ///      referenceEpoch ‖ slashProgress; chainId; key; claimedValue; digest; signers.
    struct Challenge {
        address challenger;
        uint64 deadline;
        Status status;
        bool claimedExists;
        address user;
        uint96 bond;
        uint64 blockNumber;
        uint48 timestamp;
        uint32 referenceEpoch;
        uint32 slashProgress;
        uint256 chainId;
        uint256 key;
        uint256 claimedValue;
        bytes32 digest;
        address[] signers;
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
    /// @param challengerReward Reward paid from the pool on a successful challenge, wei.
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

    /// @dev ERC-1271 magic value.
    bytes4 internal constant _MAGIC_VALUE = 0x1626ba7e;
    /// @dev 1e18 = 100% (wads).
    uint256 internal constant _WAD = 1e18;
    /// @notice Gas given to a pushed payment; a recipient that needs more is paid through {withdraw}.
    uint256 public constant PUSH_GAS_LIMIT = 50_000;
    /// @notice Signers slashed per call (about 110,000 gas each on the devnet core); the rest by {slashRemainingSigners}.
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
    /// @notice Reward for a successful challenge, wei (paid up to the pool's balance).
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
    /// @notice Attestation digests whose signers were slashed (a digest is punished once).
    mapping(bytes32 digest => bool) public slashedDigests;
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
    /// @notice The signers of the attestation with `digest` were already slashed.
    error AttestationAlreadySlashed(bytes32 digest);
    /// @notice sigData's reference epoch `referenceEpoch` differs from the attestation's epoch `attestationEpoch`.
    error ReferenceEpochMismatch(uint32 referenceEpoch, uint32 attestationEpoch);
    /// @notice The stake registry does not accept sigData over `digest` now: not a quorum signature, or too old.
    error InvalidQuorumSignature(bytes32 digest);
    /// @notice No challenge with id `challengeId` is open (its status is `status`).
    error ChallengeNotOpen(bytes32 challengeId, Status status);
    /// @notice Challenge `challengeId` has no signers left to slash (not Slashed, or all done).
    error NothingLeftToSlash(bytes32 challengeId);
    /// @notice The truth is not verified yet and the deadline `deadline` (unix seconds) has not passed.
    error NotYetVerified(bytes32 challengeId, uint64 deadline);
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
    /// @notice The attestation was wrong (the truth is `verifiedValue`, `verifiedExists`): signers slashed, challenger
    ///         paid `bond` + `reward` wei.
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
    /// @notice Signer `operator` was slashed (AllocationManager slash `slashId`): `shares` delegated shares per strategy.
    event SignerSlashed(
        bytes32 indexed challengeId, address indexed operator, uint256 slashId, IStrategy[] strategies, uint256[] shares
    );
    /// @notice Signer `operator` could not be slashed; `reason` is the AllocationManager's revert data
    ///         (IAllocationManagerErrors.OperatorNotSlashable when it is no longer slashable by the set).
    event SignerSlashSkipped(bytes32 indexed challengeId, address indexed operator, bytes reason);
    /// @notice `remaining` signers of challenge `challengeId` are still to be slashed ({slashRemainingSigners}).
    event SlashingIncomplete(bytes32 indexed challengeId, uint256 remaining);
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
        if (smRegistry != address(config.stakeRegistry)) revert RegistryMismatch(address(config.stakeRegistry), smRegistry);
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
    /// @dev Accepted only if the stake registry's isValidSignature(attestationDigest(attestation), sigData) returns
    ///      0x1626ba7e now (a quorum signed it and the proof is not too old) and sigData's reference epoch equals
    ///      attestation.epoch, the chain is verifiable, no challenge of the same id is open, the attestation was not
    ///      already punished, and this contract is the operator set's slasher.
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
        if (slashedDigests[digest]) revert AttestationAlreadySlashed(digest);
        address slasher = allocationManager.getSlasher(_operatorSet());
        if (slasher != address(this)) revert NotOperatorSetSlasher(slasher);

        // Only the signers and the epoch are needed: the signatures' head word is read as a plain uint256.
        (address[] memory signers,, uint32 referenceEpoch) = abi.decode(sigData, (address[], uint256, uint32));
        if (referenceEpoch != attestation.epoch) revert ReferenceEpochMismatch(referenceEpoch, attestation.epoch);
        if (stakeRegistry.isValidSignature(digest, sigData) != _MAGIC_VALUE) revert InvalidQuorumSignature(digest);

        // casting to 'uint64' is safe: unix seconds plus a uint64 period fit for 5e11 years
        // forge-lint: disable-next-line(unsafe-typecast)
        uint64 deadline = uint64(block.timestamp) + RESOLUTION_PERIOD;
        _store(c, attestation, digest, signers, deadline);
        totalOpenBonds += msg.value;
        emit ChallengeSubmitted(challengeId, msg.sender, digest, attestation, signers, msg.value, deadline);
    }

    /// @notice Decides the open challenge `challengeId` from the MainChainVerifier's record. Anyone may call.
    ///         Verified (at or before the deadline) and different from the attestation (value or exists): every signer
    ///         still slashable is slashed and the challenger is paid bond + min(CHALLENGER_REWARD, pool).
    ///         Verified and equal: the bond goes to BOND_RECIPIENT. Not verified by the deadline: the bond goes back.
    /// @dev Reverts with {NotYetVerified} while nothing is verified and the deadline has not passed. A signer the set can
    ///      no longer slash, or whose slash reverts, is skipped with {SignerSlashSkipped}; a slash that runs out of gas
    ///      reverts the whole call ({InsufficientGasForSlash}) so no caller can skip a signer by starving it. At most
    ///      MAX_SLASHES_PER_CALL signers are slashed here; {SlashingIncomplete} then asks for {slashRemainingSigners}.
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
            slashedDigests[c.digest] = true;
            uint256 reward = CHALLENGER_REWARD < rewardPool ? CHALLENGER_REWARD : rewardPool;
            rewardPool -= reward;
            emit ChallengeSucceeded(challengeId, challenger, verifiedValue, verifiedExists, bond, reward);
            _slashNext(challengeId, c);
            _pay(challenger, bond + reward);
        }
    }

    /// @notice Slashes the next MAX_SLASHES_PER_CALL signers of a Slashed challenge whose signers did not all fit in
    ///         {resolveChallenge}. Anyone may call; call it at once, before the signers' slashable window ends.
    /// @param challengeId A challenge resolved as Slashed with signers left ({SlashingIncomplete}).
    function slashRemainingSigners(bytes32 challengeId) external nonReentrant {
        Challenge storage c = _challenges[challengeId];
        if (c.status != Status.Slashed || c.slashProgress >= c.signers.length) revert NothingLeftToSlash(challengeId);
        _slashNext(challengeId, c);
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

    /// @notice The signers of the latest challenge with id `challengeId`, ascending.
    function getSigners(bytes32 challengeId) external view returns (address[] memory) {
        return _challenges[challengeId].signers;
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
        address[] memory signers,
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
        c.referenceEpoch = attestation.epoch;
        c.slashProgress = 0;
        c.chainId = attestation.chainId;
        c.key = attestation.key;
        c.claimedValue = attestation.value;
        c.digest = digest;
        c.signers = signers;
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

    /// @dev Slashes the next MAX_SLASHES_PER_CALL signers of `c` that the operator set can still slash, WAD_TO_SLASH in
    ///      each of the set's strategies, and advances `c.slashProgress`.
    function _slashNext(bytes32 challengeId, Challenge storage c) private {
        address[] storage signers = c.signers;
        uint256 start = c.slashProgress;
        uint256 n = signers.length;
        uint256 end = n - start > MAX_SLASHES_PER_CALL ? start + MAX_SLASHES_PER_CALL : n;
        // casting to 'uint32' is safe because end <= signers.length, far below 2^32 (calldata bounds it)
        // forge-lint: disable-next-line(unsafe-typecast)
        c.slashProgress = uint32(end);
        if (end < n) emit SlashingIncomplete(challengeId, n - end);

        OperatorSet memory set = _operatorSet();
        IAllocationManagerTypes.SlashingParams memory params;
        params.operatorSetId = OPERATOR_SET_ID;
        params.strategies = _sortedStrategies(allocationManager.getStrategiesInOperatorSet(set));
        params.wadsToSlash = new uint256[](params.strategies.length);
        for (uint256 i; i < params.wadsToSlash.length; ++i) {
            params.wadsToSlash[i] = WAD_TO_SLASH;
        }
        params.description = "avs-stack state-proofs: signed a wrong attestation";

        for (uint256 i = start; i < end; ++i) {
            address operator = signers[i];
            if (!allocationManager.isOperatorSlashable(operator, set)) {
                emit SignerSlashSkipped(
                    challengeId, operator, abi.encodeWithSelector(IAllocationManagerErrors.OperatorNotSlashable.selector)
                );
                continue;
            }
            params.operator = operator;
            uint256 gasBefore = gasleft();
            try allocationManager.slashOperator(address(serviceManager), params) returns (
                uint256 slashId, uint256[] memory shares
            ) {
                emit SignerSlashed(challengeId, operator, slashId, params.strategies, shares);
            } catch (bytes memory reason) {
                // The AllocationManager refuses with custom errors. No revert data, or all but 1/64 of the gas used up,
                // means the call ran out of gas (possibly in a nested call): not a refusal, so do not skip the signer.
                if (reason.length == 0 || gasleft() <= gasBefore / 63) revert InsufficientGasForSlash(operator);
                emit SignerSlashSkipped(challengeId, operator, reason);
            }
        }
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
