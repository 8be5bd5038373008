// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IStrategy} from "../../eigenlayer/IStrategy.sol";
import {ServiceManagerBase} from "../avs/ServiceManagerBase.sol";
import {EpochManager} from "../epochs/EpochManager.sol";

/// @title IECDSAStakeRegistry
/// @notice The types, custom errors and events of the ECDSAStakeRegistry, apart from its code, so that contracts and
///         clients that configure it, decode its reverts or follow its logs share them without the implementation.
/// @dev The functions are documented where they are implemented: ECDSAStakeRegistry (owner configuration and views),
///      ECDSAStakeRegistryOperators (the operator entry points), ECDSAStakeRegistryStorage (parameters, state and
///      weights), and the quorum check it inherits (StakeRegistryVerifier, OperatorHistoryRegistry).
interface IECDSAStakeRegistry {
    /// @notice A strategy counted in the weight and its multiplier, in basis points of a share (10000 = 1×).
    struct StrategyParams {
        IStrategy strategy;
        uint96 multiplier;
    }

    /// @notice Deployment parameters.
    /// @param epochManager The AVS's EpochManager; its clock (genesis, length, grace) is copied into immutables.
    /// @param serviceManager The AVS's ServiceManager (its AllocationManager is the source of slashable stake).
    /// @param owner Owner (quorum, threshold, minimum weight); a TimelockController in deployments.
    /// @param quorum Strategies counted, strictly ascending by address, multipliers > 0 (basis points of a share).
    /// @param thresholdBps Share of the total weight a proof must carry, basis points in (0, 10000]; rounded up.
    /// @param minimumWeight Weights below this count as 0 and registration below it is refused (weight units, > 0).
    /// @param maxProofAgeEpochs How many epochs before the current one a proof's reference epoch may be.
    /// @param operatorSetId The ServiceManager's operator set whose slashable stake is the weight.
    /// @param maxOperators Most operators registered at once, in (0, MAX_OPERATORS_LIMIT].
    struct Config {
        EpochManager epochManager;
        ServiceManagerBase serviceManager;
        address owner;
        StrategyParams[] quorum;
        uint16 thresholdBps;
        uint256 minimumWeight;
        uint32 maxProofAgeEpochs;
        uint32 operatorSetId;
        uint256 maxOperators;
    }

    /// @notice msg.sender is already registered.
    error OperatorAlreadyRegistered(address operator);
    /// @notice `operator` is not registered.
    error OperatorNotRegistered(address operator);
    /// @notice A signing key may not be zero.
    error ZeroSigningKey();
    /// @notice `signingKey` is already the signing key of `operator`.
    error SigningKeyInUse(address signingKey, address operator);
    /// @notice The threshold must be in (0, 10000] basis points.
    error InvalidThresholdBps(uint16 thresholdBps);
    /// @notice The quorum is empty, not strictly ascending by strategy, or has a zero multiplier.
    error InvalidQuorum();
    /// @notice The total weight would not fit in 208 bits.
    error TotalWeightOverflow(uint256 totalWeight);
    /// @notice The EpochManager filed an update under `queued` while this registry checkpointed it at `expected`.
    error EpochMismatch(uint32 queued, uint32 expected);
    /// @notice A dependency address was zero.
    error ZeroAddress();
    /// @notice The minimum weight must be above zero (a zero-stake operator must not register).
    error ZeroMinimumWeight();
    /// @notice `maxOperators` is zero or above MAX_OPERATORS_LIMIT.
    error InvalidMaxOperators(uint256 maxOperators);
    /// @notice `operator` is not a member of the AVS's operator set in the AllocationManager: join it first.
    error NotInOperatorSet(address operator);
    /// @notice `operator`'s slashable stake gives weight `weight`, below `minimumWeight`: allocate more first.
    error InsufficientSlashableStake(address operator, uint256 weight, uint256 minimumWeight);
    /// @notice MAX_OPERATORS `maxOperators` operators are registered already.
    error OperatorSetFull(uint256 maxOperators);
    /// @notice `operator` was slashed and frozen: it cannot register again.
    error OperatorIsFrozen(address operator);
    /// @notice `caller` is not the operator set's slasher.
    error OnlySlasher(address caller);
    /// @notice `operator` still has weight `weight` ≥ `minimumWeight`: it cannot be ejected.
    error OperatorNotEjectable(address operator, uint256 weight, uint256 minimumWeight);
    /// @notice The PermissionController does not let `caller` call this function for `operator`.
    error CallerCannotActForOperator(address caller, address operator);

    /// @notice `operator` registered with `signingKey` and `weight`, effective at `effectiveEpoch`.
    event OperatorRegistered(
        address indexed operator, address indexed signingKey, uint256 weight, uint32 effectiveEpoch
    );
    /// @notice `operator` deregistered, effective at `effectiveEpoch` (it counts until then).
    event OperatorDeregistered(address indexed operator, uint32 effectiveEpoch);
    /// @notice `operator`'s signing key changes from `oldSigningKey` to `newSigningKey` at `effectiveEpoch`.
    event SigningKeyUpdated(
        address indexed operator, address indexed newSigningKey, address oldSigningKey, uint32 effectiveEpoch
    );
    /// @notice `operator`'s weight changes from `oldWeight` to `newWeight` at `effectiveEpoch`.
    event OperatorWeightUpdated(address indexed operator, uint256 oldWeight, uint256 newWeight, uint32 effectiveEpoch);
    /// @notice The total weight changes from `oldTotalWeight` to `newTotalWeight` at `effectiveEpoch`.
    event TotalWeightUpdated(uint256 oldTotalWeight, uint256 newTotalWeight, uint32 effectiveEpoch);
    /// @notice The threshold changes from `oldThresholdBps` to `newThresholdBps` (basis points) at `effectiveEpoch`.
    event ThresholdBpsUpdated(uint16 oldThresholdBps, uint16 newThresholdBps, uint32 effectiveEpoch);
    /// @notice The minimum weight changed (weight units; applies to weights computed from now on).
    event MinimumWeightUpdated(uint256 oldMinimumWeight, uint256 newMinimumWeight);
    /// @notice `operator` was slashed: it counts 0 from now on, and is deregistered (effective at `effectiveEpoch`).
    event OperatorFrozen(address indexed operator, uint32 effectiveEpoch);
    /// @notice `operator`'s slashable stake (weight `weight`) fell below the minimum; `caller` ejected it.
    event OperatorEjected(address indexed operator, address indexed caller, uint256 weight, uint32 effectiveEpoch);
    /// @notice The quorum changed (applies to weights computed from now on).
    event QuorumUpdated(StrategyParams[] oldQuorum, StrategyParams[] newQuorum);
}
