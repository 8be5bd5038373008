// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IAllocationManager, OperatorSet} from "../../eigenlayer/IAllocationManager.sol";
import {IStateDisputeResolver} from "./IStateDisputeResolver.sol";
import {IStateProofsStakeRegistry} from "./IStateProofsStakeRegistry.sol";
import {MainChainVerifier} from "./MainChainVerifier.sol";
import {StateProofsServiceManager} from "./StateProofsServiceManager.sol";

/// @title StateDisputeResolverStorage
/// @notice The parameters and state of the StateDisputeResolver, and the deployment checks that tie its timing to
///         EigenLayer's delays (see StateDisputeResolver and docs/decisions/disputes-0001.md).
/// @dev Every parameter and storage variable of the resolver is declared here, in one place, so that its parts
///      (DisputePayments, DisputeSlashing, StateDisputeResolver) share them and the storage order does not depend on
///      how the code is split. No owner: every parameter is immutable.
abstract contract StateDisputeResolverStorage is IStateDisputeResolver {
    /// @dev Per digest. Slots 0 and 1 are written by submitChallenge (again by a later challenge of the same digest,
    ///      until it is proven wrong), the rest once it is proven wrong. The signers are not stored, only the hash of
    ///      the challenged sigData's list ({_hashSigners}): the calls that walk the list take it as calldata, checked
    ///      against the hash, and ChallengeSubmitted carries it. `signerCount` counts the list, then the additional
    ///      signers (always attempted: they need no list). Slot 3 packs the failed count, the reward paid (wei, at most
    ///      the ether this contract holds) and the weight slashed (saturating; a registry weight is below 2^122).
    struct Slashing {
        uint192 signedWeight;
        uint32 referenceEpoch;
        uint32 signerCount;
        bytes32 signersHash;
        address challenger;
        uint32 attempted;
        uint32 slashed;
        uint32 skipped;
        uint32 failed;
        uint96 rewardPaid;
        uint128 weightSlashed;
        bytes32 challengeId;
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

    // ---- storage, in its deployed order ----
    /// @dev challengeId => the latest challenge of that id.
    mapping(bytes32 challengeId => Challenge) internal _challenges;
    /// @dev digest => its signers and slashing progress.
    mapping(bytes32 digest => Slashing) internal _slashings;
    /// @dev digest => operator => its slashing.
    mapping(bytes32 digest => mapping(address operator => SignerSlash)) internal _signerSlashes;
    /// @dev digest => operator => the AllocationManager's revert data of its last failed or skipped slash.
    mapping(bytes32 digest => mapping(address operator => bytes)) internal _slashReasons;
    /// @notice Payments that could not be pushed, wei, claimable with {withdraw}.
    mapping(address account => uint256) public pendingWithdrawals;
    /// @notice Wei available for challenger rewards.
    uint256 public rewardPool;
    /// @notice Sum of the bonds of open challenges, wei.
    uint256 public totalOpenBonds;
    /// @notice Sum of {pendingWithdrawals}, wei.
    uint256 public totalPendingWithdrawals;

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

    /// @dev The operator set this contract slashes: (ServiceManager, OPERATOR_SET_ID).
    function _operatorSet() internal view returns (OperatorSet memory) {
        return OperatorSet({avs: address(serviceManager), id: OPERATOR_SET_ID});
    }

    /// @dev keccak256(abi.encodePacked(signers)): keccak256 of the addresses as 32-byte words, back to back.
    function _hashSigners(address[] memory signers) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            h := keccak256(add(signers, 0x20), shl(5, mload(signers)))
        }
    }

    /// @dev {_hashSigners} of a calldata list (copied to free memory, not reserved).
    function _hashSignersCalldata(address[] calldata signers) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            let size := shl(5, signers.length)
            calldatacopy(p, signers.offset, size)
            h := keccak256(p, size)
        }
    }

    /// @dev Reverts with {SignersMismatch} unless `signers` is the challenged sigData's signer list on record for
    ///      `digest` (the list ChallengeSubmitted carried).
    function _checkSigners(bytes32 digest, Slashing storage s, address[] calldata signers) internal view {
        if (_hashSignersCalldata(signers) != s.signersHash) revert SignersMismatch(digest);
    }
}
