// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IStrategy} from "../../src/eigenlayer/IStrategy.sol";
import {IStrategyManager} from "./IStrategyManager.sol";
import {IRewardsCoordinator} from "../../src/eigenlayer/IRewardsCoordinator.sol";
import {IPermissionController} from "../../src/eigenlayer/IPermissionController.sol";
import {PermissionControllerMixin} from "./PermissionControllerMixin.sol";

/// @title RewardsCoordinator (devnet): AVSs escrow rewards for their operators and stakers
/// @notice Validates and records rewards submissions the way EigenLayer does and holds the tokens.
///         Devnet simplification: there is no off-chain calculation, no distribution root and no claiming, so
///         tokens paid in stay in this contract. All times are Unix seconds.
///         Operator-directed submissions are made by the AVS or whoever the PermissionController lets act for it.
contract RewardsCoordinator is IRewardsCoordinator, ReentrancyGuard, PermissionControllerMixin {
    using SafeERC20 for IERC20;

    /// @notice Largest amount one submission may carry (1e38 - 1).
    uint256 public constant MAX_REWARDS_AMOUNT = 1e38 - 1;

    /// @notice The StrategyManager, whose deposit whitelist decides which strategies may be rewarded.
    IStrategyManager public immutable strategyManager;
    /// @inheritdoc IRewardsCoordinator
    uint32 public immutable CALCULATION_INTERVAL_SECONDS;
    /// @inheritdoc IRewardsCoordinator
    uint32 public immutable MAX_REWARDS_DURATION;
    /// @inheritdoc IRewardsCoordinator
    uint32 public immutable MAX_RETROACTIVE_LENGTH;
    /// @inheritdoc IRewardsCoordinator
    uint32 public immutable MAX_FUTURE_LENGTH;
    /// @inheritdoc IRewardsCoordinator
    uint32 public immutable GENESIS_REWARDS_TIMESTAMP;

    /// @inheritdoc IRewardsCoordinator
    mapping(address avs => uint256) public submissionNonce;
    /// @inheritdoc IRewardsCoordinator
    mapping(address avs => mapping(bytes32 hash => bool)) public isAVSRewardsSubmissionHash;
    /// @inheritdoc IRewardsCoordinator
    mapping(address avs => mapping(bytes32 hash => bool)) public isOperatorDirectedAVSRewardsSubmissionHash;

    /// @param _strategyManager The StrategyManager.
    /// @param permissionController_ The PermissionController that says who may act for an AVS.
    /// @param calculationIntervalSeconds Granularity of start times and durations (seconds, > 0; mainnet 86400).
    /// @param maxRewardsDuration Longest duration (seconds, a multiple of the interval).
    /// @param maxRetroactiveLength How far back a start may be (seconds).
    /// @param maxFutureLength How far ahead a start may be (seconds).
    /// @param genesisRewardsTimestamp Earliest start (seconds, a multiple of the interval).
    constructor(
        IStrategyManager _strategyManager,
        IPermissionController permissionController_,
        uint32 calculationIntervalSeconds,
        uint32 maxRewardsDuration,
        uint32 maxRetroactiveLength,
        uint32 maxFutureLength,
        uint32 genesisRewardsTimestamp
    ) PermissionControllerMixin(permissionController_) {
        if (address(_strategyManager) == address(0) || address(permissionController_) == address(0)) {
            revert InvalidAddressZero();
        }
        if (
            calculationIntervalSeconds == 0 || genesisRewardsTimestamp % calculationIntervalSeconds != 0
                || maxRewardsDuration % calculationIntervalSeconds != 0
        ) revert InvalidCalculationIntervalSecondsRemainder();
        strategyManager = _strategyManager;
        CALCULATION_INTERVAL_SECONDS = calculationIntervalSeconds;
        MAX_REWARDS_DURATION = maxRewardsDuration;
        MAX_RETROACTIVE_LENGTH = maxRetroactiveLength;
        MAX_FUTURE_LENGTH = maxFutureLength;
        GENESIS_REWARDS_TIMESTAMP = genesisRewardsTimestamp;
    }

    /// @inheritdoc IRewardsCoordinator
    /// @dev Each submission: amount in (0, MAX_REWARDS_AMOUNT]; duration in (0, MAX_REWARDS_DURATION] and a
    ///      multiple of the interval; start a multiple of the interval, not before GENESIS_REWARDS_TIMESTAMP nor
    ///      MAX_RETROACTIVE_LENGTH ago, nor more than MAX_FUTURE_LENGTH ahead; strategies non-empty, whitelisted
    ///      and strictly ascending.
    function createAVSRewardsSubmission(RewardsSubmission[] calldata rewardsSubmissions) external nonReentrant {
        address avs = msg.sender;
        for (uint256 i = 0; i < rewardsSubmissions.length; ++i) {
            RewardsSubmission calldata submission = rewardsSubmissions[i];
            if (submission.amount == 0) revert AmountIsZero();
            if (submission.amount > MAX_REWARDS_AMOUNT) revert AmountExceedsMax();
            _validateCommon(submission.strategiesAndMultipliers, submission.startTimestamp, submission.duration);
            if (uint256(submission.startTimestamp) > block.timestamp + MAX_FUTURE_LENGTH) {
                revert StartTimestampTooFarInFuture();
            }

            uint256 nonce = submissionNonce[avs];
            bytes32 hash = keccak256(abi.encode(avs, nonce, submission));
            submissionNonce[avs] = nonce + 1;
            isAVSRewardsSubmissionHash[avs][hash] = true;
            emit AVSRewardsSubmissionCreated(avs, nonce, hash, submission);
            submission.token.safeTransferFrom(msg.sender, address(this), submission.amount);
        }
    }

    /// @inheritdoc IRewardsCoordinator
    /// @dev As createAVSRewardsSubmission, plus: operators non-empty, non-zero and strictly ascending, each amount
    ///      > 0, total ≤ MAX_REWARDS_AMOUNT, and the period must have ended (start + duration < now).
    function createOperatorDirectedAVSRewardsSubmission(
        address avs,
        OperatorDirectedRewardsSubmission[] calldata operatorDirectedRewardsSubmissions
    ) external nonReentrant {
        _checkCanCall(avs);
        for (uint256 i = 0; i < operatorDirectedRewardsSubmissions.length; ++i) {
            OperatorDirectedRewardsSubmission calldata submission = operatorDirectedRewardsSubmissions[i];
            uint256 total = _validateOperatorRewards(submission.operatorRewards);
            _validateCommon(submission.strategiesAndMultipliers, submission.startTimestamp, submission.duration);
            if (uint256(submission.startTimestamp) + submission.duration >= block.timestamp) {
                revert SubmissionNotRetroactive();
            }

            uint256 nonce = submissionNonce[avs];
            bytes32 hash = keccak256(abi.encode(avs, nonce, submission));
            submissionNonce[avs] = nonce + 1;
            isOperatorDirectedAVSRewardsSubmissionHash[avs][hash] = true;
            emit OperatorDirectedAVSRewardsSubmissionCreated(msg.sender, avs, hash, nonce, submission);
            submission.token.safeTransferFrom(msg.sender, address(this), total);
        }
    }

    function _validateOperatorRewards(OperatorReward[] calldata operatorRewards) internal pure returns (uint256 total) {
        if (operatorRewards.length == 0) revert InputArrayLengthZero();
        address previous;
        for (uint256 j = 0; j < operatorRewards.length; ++j) {
            address operator = operatorRewards[j].operator;
            if (operator == address(0)) revert InvalidAddressZero();
            if (operator <= previous) revert OperatorsNotInAscendingOrder();
            if (operatorRewards[j].amount == 0) revert AmountIsZero();
            total += operatorRewards[j].amount;
            if (total > MAX_REWARDS_AMOUNT) revert AmountExceedsMax();
            previous = operator;
        }
    }

    function _validateCommon(StrategyAndMultiplier[] calldata strategies, uint32 startTimestamp, uint32 duration)
        internal
        view
    {
        if (strategies.length == 0) revert InputArrayLengthZero();
        if (duration == 0) revert DurationIsZero();
        if (duration > MAX_REWARDS_DURATION) revert DurationExceedsMax();
        if (duration % CALCULATION_INTERVAL_SECONDS != 0) revert InvalidDurationRemainder();
        if (startTimestamp % CALCULATION_INTERVAL_SECONDS != 0) revert InvalidStartTimestampRemainder();
        if (
            startTimestamp < GENESIS_REWARDS_TIMESTAMP
                || uint256(startTimestamp) + MAX_RETROACTIVE_LENGTH < block.timestamp
        ) revert StartTimestampTooFarInPast();
        address previous;
        for (uint256 j = 0; j < strategies.length; ++j) {
            IStrategy strategy = strategies[j].strategy;
            if (!strategyManager.strategyIsWhitelistedForDeposit(strategy)) revert StrategyNotWhitelisted();
            if (j > 0 && address(strategy) <= previous) revert StrategiesNotInAscendingOrder();
            previous = address(strategy);
        }
    }
}
