// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IStrategy} from "./IStrategy.sol";

/// @title Errors raised by the RewardsCoordinator
interface IRewardsCoordinatorErrors {
    /// @notice The caller may not submit for this AVS.
    error InvalidCaller();
    /// @notice An amount was zero.
    error AmountIsZero();
    /// @notice An amount exceeds MAX_REWARDS_AMOUNT.
    error AmountExceedsMax();
    /// @notice The duration was zero.
    error DurationIsZero();
    /// @notice The duration exceeds MAX_REWARDS_DURATION.
    error DurationExceedsMax();
    /// @notice The duration is not a multiple of CALCULATION_INTERVAL_SECONDS.
    error InvalidDurationRemainder();
    /// @notice The start timestamp is not a multiple of CALCULATION_INTERVAL_SECONDS.
    error InvalidStartTimestampRemainder();
    /// @notice The start is before GENESIS_REWARDS_TIMESTAMP or more than MAX_RETROACTIVE_LENGTH ago.
    error StartTimestampTooFarInPast();
    /// @notice The start is more than MAX_FUTURE_LENGTH ahead.
    error StartTimestampTooFarInFuture();
    /// @notice An operator-directed submission's period must have ended.
    error SubmissionNotRetroactive();
    /// @notice An array argument was empty.
    error InputArrayLengthZero();
    /// @notice A strategy is not whitelisted in the StrategyManager.
    error StrategyNotWhitelisted();
    /// @notice Strategies are not strictly ascending.
    error StrategiesNotInAscendingOrder();
    /// @notice Operators are not strictly ascending.
    error OperatorsNotInAscendingOrder();
    /// @notice An address argument was zero.
    error InvalidAddressZero();
    /// @notice A constructor parameter is inconsistent.
    error InvalidCalculationIntervalSecondsRemainder();
}

/// @title Types used by the RewardsCoordinator
interface IRewardsCoordinatorTypes {
    /// @notice A strategy and its reward weight.
    /// @param strategy The strategy.
    /// @param multiplier Weight of the strategy's shares in the reward split.
    struct StrategyAndMultiplier {
        IStrategy strategy;
        uint96 multiplier;
    }

    /// @notice A reward paid to the stakers of an AVS over a period, split by stake.
    /// @param strategiesAndMultipliers Strategies counted (ascending) and their weights.
    /// @param token Reward token.
    /// @param amount Token units.
    /// @param startTimestamp Period start (seconds; a multiple of CALCULATION_INTERVAL_SECONDS).
    /// @param duration Period length (seconds; a multiple of CALCULATION_INTERVAL_SECONDS).
    struct RewardsSubmission {
        StrategyAndMultiplier[] strategiesAndMultipliers;
        IERC20 token;
        uint256 amount;
        uint32 startTimestamp;
        uint32 duration;
    }

    /// @notice A reward amount for one operator.
    struct OperatorReward {
        address operator;
        uint256 amount;
    }

    /// @notice Rewards the AVS directs to specific operators for a past period.
    /// @param strategiesAndMultipliers Strategies (ascending) whose stakers share each operator's reward.
    /// @param token Reward token.
    /// @param operatorRewards Operators (strictly ascending) and their amounts.
    /// @param startTimestamp Period start (seconds; a multiple of CALCULATION_INTERVAL_SECONDS).
    /// @param duration Period length (seconds; a multiple of CALCULATION_INTERVAL_SECONDS); must have ended.
    /// @param description Free text.
    struct OperatorDirectedRewardsSubmission {
        StrategyAndMultiplier[] strategiesAndMultipliers;
        IERC20 token;
        OperatorReward[] operatorRewards;
        uint32 startTimestamp;
        uint32 duration;
        string description;
    }
}

/// @title Events emitted by the RewardsCoordinator
interface IRewardsCoordinatorEvents is IRewardsCoordinatorTypes {
    /// @notice An AVS created a rewards submission.
    event AVSRewardsSubmissionCreated(
        address indexed avs,
        uint256 indexed submissionNonce,
        bytes32 indexed rewardsSubmissionHash,
        RewardsSubmission rewardsSubmission
    );

    /// @notice An operator-directed rewards submission was created for `avs` by `caller`.
    event OperatorDirectedAVSRewardsSubmissionCreated(
        address indexed caller,
        address indexed avs,
        bytes32 indexed operatorDirectedRewardsSubmissionHash,
        uint256 submissionNonce,
        OperatorDirectedRewardsSubmission operatorDirectedRewardsSubmission
    );
}

/// @title RewardsCoordinator: AVSs fund rewards for their operators and stakers
/// @notice ABI-compatible with eigenlayer-contracts v1.12.0 for the functions below. The devnet version records
///         and escrows submissions; it does not calculate or distribute them (no Merkle roots or claims).
interface IRewardsCoordinator is IRewardsCoordinatorErrors, IRewardsCoordinatorEvents {
    /// @notice Creates rewards submissions for msg.sender as the AVS and pulls each `amount` of `token` from it.
    ///         Hash of each: keccak256(abi.encode(avs, nonce, submission)).
    function createAVSRewardsSubmission(RewardsSubmission[] calldata rewardsSubmissions) external;

    /// @notice Creates operator-directed rewards submissions for `avs` (caller must be `avs`) and pulls the sum of
    ///         each submission's operator amounts from the caller.
    function createOperatorDirectedAVSRewardsSubmission(
        address avs,
        OperatorDirectedRewardsSubmission[] calldata operatorDirectedRewardsSubmissions
    ) external;

    /// @notice Whether `hash` is a rewards submission of `avs`.
    function isAVSRewardsSubmissionHash(address avs, bytes32 hash) external view returns (bool);

    /// @notice Whether `hash` is an operator-directed rewards submission of `avs`.
    function isOperatorDirectedAVSRewardsSubmissionHash(address avs, bytes32 hash) external view returns (bool);

    /// @notice Number of submissions `avs` has created (the next submission's nonce).
    function submissionNonce(address avs) external view returns (uint256);

    /// @notice Length of a rewards calculation interval (seconds).
    function CALCULATION_INTERVAL_SECONDS() external view returns (uint32);

    /// @notice Longest allowed duration (seconds).
    function MAX_REWARDS_DURATION() external view returns (uint32);

    /// @notice How far back a submission may start (seconds).
    function MAX_RETROACTIVE_LENGTH() external view returns (uint32);

    /// @notice How far ahead a submission may start (seconds).
    function MAX_FUTURE_LENGTH() external view returns (uint32);

    /// @notice Earliest allowed start (seconds).
    function GENESIS_REWARDS_TIMESTAMP() external view returns (uint32);
}
