// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IStrategy} from "../../eigenlayer/IStrategy.sol";

/// @title IMultiProverRegistry
/// @notice Types, errors and events of the MultiProverRegistry (BN254 BLS keys, per-quorum weights from the stake the
///         ServiceManager's operator set of the same number can slash).
/// @dev The functions are documented where they are implemented (MultiProverRegistry, MultiProverRegistryStorage and
///      the core's BLSApkRegistry and BLSSignerSetChecker).
interface IMultiProverRegistry {
    /// @notice A strategy counted in a quorum's weight and its multiplier, in basis points of a share (10000 = 1×).
    struct StrategyParams {
        IStrategy strategy;
        uint96 multiplier;
    }

    /// @notice A quorum's weight formula.
    /// @param strategies Strategies counted, strictly ascending by address, multipliers > 0.
    /// @param minimumWeight Weights below this count as 0: registration is refused and a refresh removes the operator
    ///        (weight units, > 0).
    struct QuorumConfig {
        StrategyParams[] strategies;
        uint256 minimumWeight;
    }

    /// @notice A dependency address was zero.
    error ZeroAddress();
    /// @notice `maxOperators` is zero.
    error InvalidMaxOperators(uint256 maxOperators);
    /// @notice The two-argument createQuorum is disabled: a quorum needs strategies and a minimum weight.
    error QuorumNeedsStrategies();
    /// @notice The ServiceManager has no operator set `quorum`: create it first.
    error OperatorSetDoesNotExist(uint8 quorum);
    /// @notice Strategies empty, not strictly ascending by address, or with a zero multiplier.
    error InvalidStrategies();
    /// @notice A minimum weight must be above zero (a stakeless operator must not count).
    error ZeroMinimumWeight();
    /// @notice No quorum was named.
    error NoQuorums();
    /// @notice The PermissionController does not let `caller` call this function for `operator`.
    error CallerCannotActForOperator(address caller, address operator);
    /// @notice `operator` was slashed and frozen: it cannot register again.
    error OperatorIsFrozen(address operator);
    /// @notice `operator` is already registered in `quorum`.
    error OperatorAlreadyRegistered(address operator, uint8 quorum);
    /// @notice `operator` is not registered in `quorum`.
    error OperatorNotRegistered(address operator, uint8 quorum);
    /// @notice `operator` is not a member of operator set `quorum` in the AllocationManager: join it first.
    error NotInOperatorSet(address operator, uint8 quorum);
    /// @notice `operator`'s slashable stake gives weight `weight` in `quorum`, below `minimumWeight`.
    error InsufficientSlashableStake(address operator, uint8 quorum, uint256 weight, uint256 minimumWeight);
    /// @notice `quorum` already has MAX_OPERATORS `maxOperators` operators.
    error OperatorSetFull(uint8 quorum, uint256 maxOperators);
    /// @notice `caller` is not the slasher of any of this registry's operator sets.
    error OnlySlasher(address caller);

    /// @notice `quorum`'s strategies and minimum weight are `config` from now on (weights computed from now on).
    event QuorumConfigSet(uint8 indexed quorum, QuorumConfig config);
    /// @notice `operator` registered in `quorum` with `weight`, effective at `effectiveEpoch`.
    event OperatorRegistered(address indexed operator, uint8 indexed quorum, uint256 weight, uint32 effectiveEpoch);
    /// @notice `operator` left `quorum` (by its own request, below the minimum weight, or frozen), effective at
    ///         `effectiveEpoch` (it counts until then, unless frozen).
    event OperatorDeregistered(address indexed operator, uint8 indexed quorum, uint32 effectiveEpoch);
    /// @notice `operator` was slashed: it never counts as a signer again and leaves its quorums at `effectiveEpoch`.
    event OperatorFrozen(address indexed operator, address indexed slasher, uint32 effectiveEpoch);
}
