// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IAllocationManager, OperatorSet} from "../../eigenlayer/IAllocationManager.sol";
import {IPermissionController} from "../../eigenlayer/IPermissionController.sol";
import {IStrategy} from "../../eigenlayer/IStrategy.sol";
import {ServiceManagerBase} from "../avs/ServiceManagerBase.sol";
import {EpochManager, MessageType} from "../epochs/EpochManager.sol";
import {EpochMath} from "../epochs/EpochMath.sol";
import {ECDSAKeyScheme} from "../signatures/ECDSAKeyScheme.sol";
import {StakeRegistryVerifier} from "../signatures/StakeRegistryVerifier.sol";
import {IECDSAStakeRegistry} from "./IECDSAStakeRegistry.sol";
import {OperatorCheckpoints} from "./OperatorCheckpoints.sol";
import {OperatorHistoryRegistry} from "./OperatorHistoryRegistry.sol";

/// @title ECDSAStakeRegistryStorage
/// @notice The parameters and state of the ECDSAStakeRegistry, and how weights are computed and checkpointed: an
///         operator's weight from the stake the operator set can slash, the total weight and threshold packed in one
///         checkpoint per effective epoch, and every change queued in the EpochManager for remote chains under the
///         epoch it is checkpointed at.
/// @dev Every parameter and storage variable of the registry is declared here, in one place, so that its parts
///      (ECDSAStakeRegistryOperators, ECDSAStakeRegistry) share them and the storage order does not depend on how the
///      code is split. The base order (OperatorHistoryRegistry, then Ownable) is the deployed layout's.
abstract contract ECDSAStakeRegistryStorage is IECDSAStakeRegistry, OperatorHistoryRegistry, ECDSAKeyScheme, Ownable {
    using Checkpoints for Checkpoints.Trace224;
    using EnumerableSet for EnumerableSet.AddressSet;
    using OperatorCheckpoints for OperatorCheckpoints.History;

    /// @notice Basis-point denominator of multipliers and the threshold.
    uint256 public constant BPS_DENOMINATOR = 10_000;

    /// @notice Most operators {MAX_OPERATORS} may be: what a remote LightStakeRegistry accepts in one set.
    uint256 public constant MAX_OPERATORS_LIMIT = 1228;

    /// @notice Source of slashable stake (EigenLayer AllocationManager, the ServiceManager's).
    IAllocationManager public immutable allocationManager;
    /// @notice Who may act for an operator (EigenLayer PermissionController, the ServiceManager's).
    IPermissionController public immutable permissionController;
    /// @notice The operator set (ServiceManager, OPERATOR_SET_ID) whose slashable stake is the weight.
    uint32 public immutable OPERATOR_SET_ID;
    /// @notice Most operators registered at once.
    uint256 public immutable MAX_OPERATORS;
    /// @dev AllocationManager.DEALLOCATION_DELAY, blocks: slashable stake is read this far (+1) ahead.
    uint32 private immutable _DEALLOCATION_DELAY;
    /// @notice The epoch clock and the queue of state updates for remote chains.
    EpochManager public immutable epochManager;
    /// @notice The AVS's ServiceManager (registers operators in the AVSDirectory).
    ServiceManagerBase public immutable serviceManager;
    /// @notice Grace period, seconds (copied from the EpochManager).
    uint64 public immutable GRACE_PERIOD;

    // ---- storage, in its deployed order (after OperatorHistoryRegistry's and Ownable's) ----
    /// @dev Strategies counted in the weight, strictly ascending by address, multipliers > 0.
    StrategyParams[] internal _quorum;
    /// @notice Weights below this count as 0; registration below it is refused (weight units, > 0).
    uint256 public minimumWeight;
    /// @notice Operators the operator set's slasher reported slashed: they count 0 from then on and cannot register.
    mapping(address operator => bool) public isFrozen;
    /// @dev Operators registered as of the latest change (pending deregistrations already removed).
    EnumerableSet.AddressSet internal _operators;
    /// @notice The operator that currently holds `signingKey` (keys are unique among registered operators).
    mapping(address signingKey => address operator) public signingKeyOperator;
    /// @dev effective epoch => totalWeight << 16 | thresholdBps: one lookup serves the threshold of a proof.
    Checkpoints.Trace224 internal _totalAndThresholdHistory;
    /// @dev Every operator that ever registered, in first-registration order (append-only, no duplicates): the
    ///      candidates {getOperatorSetAtEpoch} checks, since the set at an epoch can include operators that have since
    ///      deregistered. Costs one array slot on an operator's first registration only.
    address[] internal _knownOperators;

    /// @param config Deployment parameters (see {Config}).
    constructor(Config memory config)
        StakeRegistryVerifier(
            config.epochManager.GENESIS(), config.epochManager.EPOCH_LENGTH(), config.maxProofAgeEpochs
        )
        Ownable(config.owner)
    {
        if (address(config.serviceManager) == address(0)) revert ZeroAddress();
        if (config.minimumWeight == 0) revert ZeroMinimumWeight();
        if (config.maxOperators == 0 || config.maxOperators > MAX_OPERATORS_LIMIT) {
            revert InvalidMaxOperators(config.maxOperators);
        }
        epochManager = config.epochManager;
        serviceManager = config.serviceManager;
        GRACE_PERIOD = config.epochManager.GRACE_PERIOD();
        IAllocationManager allocationManager_ = config.serviceManager.allocationManager();
        allocationManager = allocationManager_;
        permissionController = config.serviceManager.permissionController();
        _DEALLOCATION_DELAY = allocationManager_.DEALLOCATION_DELAY();
        OPERATOR_SET_ID = config.operatorSetId;
        MAX_OPERATORS = config.maxOperators;

        _setQuorum(config.quorum);
        emit QuorumUpdated(new StrategyParams[](0), config.quorum);
        minimumWeight = config.minimumWeight;
        emit MinimumWeightUpdated(0, config.minimumWeight);
        _checkThresholdBps(config.thresholdBps);
        // The initial threshold holds from epoch 0; nothing is registered yet, so nothing is queued.
        _totalAndThresholdHistory.push(0, _pack(0, config.thresholdBps));
        emit ThresholdBpsUpdated(0, config.thresholdBps, 0);
    }

    /// @notice The epoch at which a change made now takes effect (current + 1, or + 2 in the grace period).
    function effectiveEpoch() public view returns (uint32) {
        return EpochMath.effectiveEpochAt(GENESIS, EPOCH_LENGTH, GRACE_PERIOD, block.timestamp);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Weights and checkpoints
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc StakeRegistryVerifier
    function _thresholdWeightAt(uint32 epoch) internal view override returns (uint256) {
        uint256 packed = _totalAndThresholdHistory.upperLookupRecent(epoch);
        // total < 2^208 and bps <= 10000: no overflow.
        return (_totalOf(packed) * _bpsOf(packed) + (BPS_DENOMINATOR - 1)) / BPS_DENOMINATOR;
    }

    /// @inheritdoc StakeRegistryVerifier
    /// @dev min(checkpointed weight, {_slashableWeight}): what the operator can lose if the proof is challenged now.
    function _signingWeight(address operator, uint256 checkpointWeight) internal view override returns (uint256) {
        if (checkpointWeight == 0) return 0;
        uint256 slashable = _slashableWeight(operator);
        return slashable < checkpointWeight ? slashable : checkpointWeight;
    }

    /// @dev The slashable weight, or 0 below the minimum weight.
    function _computeWeight(address operator) internal view returns (uint256 weight) {
        weight = _slashableWeight(operator);
        if (weight < minimumWeight) return 0;
    }

    /// @dev Σ slashableStake_i × multiplier_i / 10000 over the quorum, rounded down to 58 significant bits (a checkpoint
    ///      holds the weight beside the epoch and signing key in one slot); 0 for a frozen operator. The stake is the
    ///      minimum the operator set can slash from now until DEALLOCATION_DELAY + 1 blocks ahead, i.e. after every
    ///      deallocation already queued; the AllocationManager returns 0 for an operator the set cannot slash.
    function _slashableWeight(address operator) internal view returns (uint256 weight) {
        if (isFrozen[operator]) return 0;
        uint256 n = _quorum.length;
        IStrategy[] memory strategies = new IStrategy[](n);
        for (uint256 i; i < n; ++i) {
            strategies[i] = _quorum[i].strategy;
        }
        address[] memory operators = new address[](1);
        operators[0] = operator;
        uint256 horizon = block.number + _DEALLOCATION_DELAY + 1;
        // casting to 'uint32' is safe: the value is capped at type(uint32).max first
        // forge-lint: disable-next-line(unsafe-typecast)
        uint32 futureBlock = horizon > type(uint32).max ? type(uint32).max : uint32(horizon);
        uint256[] memory stake =
            allocationManager.getMinimumSlashableStake(_operatorSet(), operators, strategies, futureBlock)[0];
        for (uint256 i; i < n; ++i) {
            weight += stake[i] * _quorum[i].multiplier;
        }
        return OperatorCheckpoints.roundWeight(weight / BPS_DENOMINATOR);
    }

    /// @dev The operator set whose slashable stake is the weight: (ServiceManager, OPERATOR_SET_ID).
    function _operatorSet() internal view returns (OperatorSet memory) {
        return OperatorSet({avs: address(serviceManager), id: OPERATOR_SET_ID});
    }

    /// @dev Moves the total weight from `oldWeight` to `newWeight` of `operator` at `effective` (no-op when equal).
    function _updateTotal(address operator, uint256 oldWeight, uint256 newWeight, uint32 effective) internal {
        if (newWeight == oldWeight) return;
        uint256 packed = _totalAndThresholdHistory.latest();
        uint256 oldTotal = _totalOf(packed);
        uint256 newTotal = oldTotal + newWeight - oldWeight;
        if (newTotal >= 1 << 208) revert TotalWeightOverflow(newTotal);
        _totalAndThresholdHistory.push(effective, _pack(newTotal, _bpsOf(packed)));
        emit OperatorWeightUpdated(operator, oldWeight, newWeight, effective);
        emit TotalWeightUpdated(oldTotal, newTotal, effective);
    }

    /// @dev Recomputes one registered operator's weight; checkpoints and queues it when it changed.
    function _refreshWeight(address operator, uint32 effective) internal {
        uint256 newWeight = _computeWeight(operator);
        OperatorCheckpoints.History storage history = _operatorHistory[operator];
        (address signingKey, uint256 oldWeight) = history.latest();
        if (newWeight == oldWeight) return;
        history.push(effective, signingKey, newWeight);
        _updateTotal(operator, oldWeight, newWeight, effective);
        _queue(MessageType.UPDATE_WEIGHT, abi.encode(operator, newWeight), effective);
    }

    /// @dev Refreshes every registered operator (owner changes of the weight formula).
    function _refreshAll() internal {
        uint32 effective = effectiveEpoch();
        uint256 n = _operators.length();
        for (uint256 i; i < n; ++i) {
            _refreshWeight(_operators.at(i), effective);
        }
    }

    /// @dev Files the update in the EpochManager and checks it lands under the epoch checkpointed here.
    function _queue(MessageType updateType, bytes memory data, uint32 effective) internal {
        uint32 queued = epochManager.queueStateUpdate(updateType, data);
        if (queued != effective) revert EpochMismatch(queued, effective);
    }

    /// @dev totalWeight << 16 | thresholdBps; the caller guarantees totalWeight < 2^208.
    function _pack(uint256 totalWeight, uint16 bps) internal pure returns (uint224) {
        // casting to 'uint224' is safe because totalWeight < 2^208
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint224(totalWeight << 16 | bps);
    }

    /// @dev The total weight of a packed (total, threshold) checkpoint.
    function _totalOf(uint256 packed) internal pure returns (uint256) {
        return packed >> 16;
    }

    /// @dev The threshold, basis points, of a packed (total, threshold) checkpoint.
    function _bpsOf(uint256 packed) internal pure returns (uint16) {
        // casting to 'uint16' is safe because the low 16 bits hold the threshold
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint16(packed);
    }

    /// @dev Reverts unless `bps` is in (0, 10000].
    function _checkThresholdBps(uint16 bps) internal pure {
        if (bps == 0 || bps > BPS_DENOMINATOR) revert InvalidThresholdBps(bps);
    }

    /// @dev Replaces the quorum; reverts unless it is non-empty, strictly ascending by strategy and without a zero
    ///      multiplier (ascending order keeps strategies unique in one pass).
    function _setQuorum(StrategyParams[] memory quorum_) internal {
        uint256 n = quorum_.length;
        if (n == 0) revert InvalidQuorum();
        delete _quorum;
        address previous;
        for (uint256 i; i < n; ++i) {
            address strategy = address(quorum_[i].strategy);
            if (strategy <= previous || quorum_[i].multiplier == 0) revert InvalidQuorum();
            previous = strategy;
            _quorum.push(quorum_[i]);
        }
    }
}
