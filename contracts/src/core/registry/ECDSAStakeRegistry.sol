// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {OperatorSet} from "../../eigenlayer/IAllocationManager.sol";
import {MessageType} from "../epochs/EpochManager.sol";
import {IOperatorSetRegistry} from "../replication/IRegistryReplication.sol";
import {AddressSort} from "./AddressSort.sol";
import {ECDSAStakeRegistryOperators} from "./ECDSAStakeRegistryOperators.sol";
import {ECDSAStakeRegistryStorage} from "./ECDSAStakeRegistryStorage.sol";
import {OperatorCheckpoints} from "./OperatorCheckpoints.sol";

/// @title ECDSAStakeRegistry
/// @notice The main-chain operator registry of an AVS: operators register with a signing key (through the
///         ServiceManager into the AVSDirectory), their weight is the stake the AVS's operator set can slash, and a
///         quorum of their ECDSA signatures is checked by {isValidSignature} (ERC-1271, see {StakeRegistryVerifier}
///         and {ECDSAKeyScheme}).
///
///         Weight is slashable stake. An operator registers only once it is a member of the operator set
///         (AllocationManager) and the stake allocated to it reaches `minimumWeight`; its weight is
///         Σ_i slashableStake_i × multiplier_i / 10000, where slashableStake_i is
///         AllocationManager.getMinimumSlashableStake in strategy i at DEALLOCATION_DELAY + 1 blocks ahead (so a pending
///         deallocation, a queued withdrawal or a slash counts at once). The checkpointed weight of an epoch is what a
///         signature counts for at most; {isValidSignature} also lowers it to what the operator can be slashed for now,
///         so deallocation, withdrawal and slashing reach proofs on this chain without anyone calling
///         {updateOperators}. Operators the set's slasher reports slashed ({freezeOperator}) count 0 at once and are
///         deregistered. Operators whose stake falls below `minimumWeight` can be ejected by anyone ({ejectOperator}).
///         At most MAX_OPERATORS are registered, a set one bridge message carries to every remote chain.
///         An operator acts itself or through whoever EigenLayer's PermissionController lets act for it: the
///         functions taking an `operator` argument serve its admins and appointees (appointed for this contract and
///         that function's selector), as the core's own functions do.
///
///         Every change takes effect at an epoch boundary: at the current epoch + 1, or + 2 when made in the grace
///         period. Signing keys and weights per operator, total weight and threshold are checkpointed by that
///         effective epoch, and each change is also queued in the EpochManager for remote chains. A lookup at epoch E
///         returns the latest checkpoint at or before E, so an epoch never written carries the previous state forward;
///         an operator that deregisters keeps its key and weight until its deregistration takes effect.
///
///         Units: weight = Σ_i shares_i × multiplier_i / 10000 over the quorum's strategies (multiplier in basis points
///         of a share), counted as 0 below `minimumWeight`, then rounded down to 58 significant bits (exact below
///         2^58 ≈ 2.9e17; relative error < 2^-58 above; at most OperatorCheckpoints.MAX_WEIGHT ≈ 2.7e36) so that it
///         fits in one storage slot with the epoch and signing key. Every weight the registry reports, checkpoints,
///         sums into the total and queues for remote chains is the rounded one. Threshold in basis points of the total.
/// @dev Weights refresh only when someone calls {updateOperators} (anyone; the epoch publisher does it each epoch),
///      or on registration and owner changes of the quorum or minimum weight (which refresh every operator).
///      Storage: per operator an {OperatorCheckpoints.History} (one slot per checkpoint: epoch, signing key, weight;
///      the latest and the previous at fixed places, so a signer costs one cold slot read, two while a change of
///      its is pending); total weight and threshold packed in one
///      OpenZeppelin Checkpoints.Trace224 (total << 16 | bps), one lookup per proof. All keyed by effective epoch,
///      which never decreases over time. An append-only list of every operator that ever registered lets
///      {getOperatorSetAtEpoch} list the complete set of any epoch for remote chains. Not upgradeable.
///      Split by concern: IECDSAStakeRegistry (types, errors, events), ECDSAStakeRegistryStorage (parameters, state,
///      weights and checkpoints), ECDSAStakeRegistryOperators (the operator entry points); this contract holds the
///      owner's configuration and the views.
contract ECDSAStakeRegistry is ECDSAStakeRegistryOperators, IOperatorSetRegistry {
    using Checkpoints for Checkpoints.Trace224;
    using EnumerableSet for EnumerableSet.AddressSet;
    using OperatorCheckpoints for OperatorCheckpoints.History;

    /// @param config Deployment parameters (see {Config}).
    constructor(Config memory config) ECDSAStakeRegistryStorage(config) {}

    // ---------------------------------------------------------------------------------------------------------------
    // Owner
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Replaces the quorum and refreshes every registered operator's weight. Owner only.
    /// @param quorum_ Strategies, strictly ascending by address, multipliers > 0 (basis points of a share).
    function updateQuorumConfig(StrategyParams[] calldata quorum_) external onlyOwner {
        StrategyParams[] memory old = _quorum;
        _setQuorum(quorum_);
        emit QuorumUpdated(old, quorum_);
        _refreshAll();
    }

    /// @notice Sets the threshold, effective at {effectiveEpoch}. Owner only.
    /// @param thresholdBps_ Share of the total weight a proof must carry, basis points in (0, 10000].
    function updateThresholdBps(uint16 thresholdBps_) external onlyOwner {
        _checkThresholdBps(thresholdBps_);
        uint32 effective = effectiveEpoch();
        uint256 packed = _totalAndThresholdHistory.latest();
        _totalAndThresholdHistory.push(effective, _pack(_totalOf(packed), thresholdBps_));
        emit ThresholdBpsUpdated(_bpsOf(packed), thresholdBps_, effective);
        _queue(MessageType.UPDATE_THRESHOLD, abi.encode(thresholdBps_), effective);
    }

    /// @notice Sets the minimum weight and refreshes every registered operator's weight. Owner only.
    /// @param minimumWeight_ Weights below this count as 0 (weight units).
    function updateMinimumWeight(uint256 minimumWeight_) external onlyOwner {
        if (minimumWeight_ == 0) revert ZeroMinimumWeight();
        emit MinimumWeightUpdated(minimumWeight, minimumWeight_);
        minimumWeight = minimumWeight_;
        _refreshAll();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Whether `operator` is registered as of the latest change (true right after registering, false right
    ///         after deregistering, whatever the effective epoch). See {isOperatorRegisteredAtEpoch} for proofs.
    function operatorRegistered(address operator) external view returns (bool) {
        return _operators.contains(operator);
    }

    /// @notice Whether `operator` is registered at `epoch` (has a signing key then).
    function isOperatorRegisteredAtEpoch(address operator, uint32 epoch) external view returns (bool) {
        (address signingKey,) = _operatorHistory[operator].lookup(epoch);
        return signingKey != address(0);
    }

    /// @notice Operators registered as of the latest change, in no particular order.
    function getOperators() external view returns (address[] memory) {
        return _operators.values();
    }

    /// @notice Number of operators registered as of the latest change.
    function getOperatorCount() external view returns (uint256) {
        return _operators.length();
    }

    /// @inheritdoc IOperatorSetRegistry
    /// @dev The set a remote chain needs for `epoch`: each operator registered then, with its checkpointed weight
    ///      lowered to what it can be slashed for now ({getSigningWeightAtEpoch}); operators whose weight is then zero
    ///      (frozen, fully deallocated, withdrawn) are left out, so no one ships stakeless operators to every chain.
    ///      Total and threshold weights are the checkpointed ones (≥ the sum of the weights sent; a replica never
    ///      accepts a proof this registry would not). Reads one checkpoint per operator that ever registered
    ///      ({getKnownOperatorCount}) and the AllocationManager once per registered one, then sorts them by address
    ///      (heapsort in memory). For EpochManager.sendStateUpdates and off-chain readers.
    function getOperatorSetAtEpoch(uint32 epoch)
        external
        view
        returns (
            address[] memory operators,
            address[] memory signingKeys,
            uint256[] memory weights,
            uint256 totalWeight,
            uint256 thresholdWeight
        )
    {
        uint256 known = _knownOperators.length;
        operators = new address[](known);
        uint256 count;
        for (uint256 i; i < known; ++i) {
            address operator = _knownOperators[i];
            (address signingKey, uint256 weight) = _operatorHistory[operator].lookup(epoch);
            if (signingKey != address(0) && _signingWeight(operator, weight) != 0) operators[count++] = operator;
        }
        assembly ("memory-safe") {
            mstore(operators, count) // shrink to the operators that carry weight
        }
        AddressSort.sort(operators);
        signingKeys = new address[](count);
        weights = new uint256[](count);
        for (uint256 i; i < count; ++i) {
            uint256 weight;
            (signingKeys[i], weight) = _operatorHistory[operators[i]].lookup(epoch);
            weights[i] = _signingWeight(operators[i], weight);
        }
        totalWeight = _totalOf(_totalAndThresholdHistory.upperLookupRecent(epoch));
        thresholdWeight = _thresholdWeightAt(epoch);
    }

    /// @notice Number of operators that ever registered (the work {getOperatorSetAtEpoch} does grows with it).
    function getKnownOperatorCount() external view returns (uint256) {
        return _knownOperators.length;
    }

    /// @notice The quorum: strategies and multipliers (basis points of a share).
    function getQuorum() external view returns (StrategyParams[] memory) {
        return _quorum;
    }

    /// @notice The weight `operator` would get from its slashable stake now (before any refresh), rounded as stored;
    ///         0 below `minimumWeight`.
    function computeOperatorWeight(address operator) external view returns (uint256) {
        return _computeWeight(operator);
    }

    /// @notice The weight the stake the operator set can slash gives `operator` now, before the minimum: Σ over the
    ///         quorum of AllocationManager.getMinimumSlashableStake (DEALLOCATION_DELAY + 1 blocks ahead) ×
    ///         multiplier / 10000, rounded as stored (weight units). Zero once frozen or not slashable.
    function slashableWeight(address operator) external view returns (uint256) {
        return _slashableWeight(operator);
    }

    /// @notice The weight a signature of `operator` with reference epoch `epoch` counts for in {isValidSignature} now:
    ///         its checkpointed weight at `epoch`, lowered to {slashableWeight}; zero when frozen or not registered then.
    function getSigningWeightAtEpoch(address operator, uint32 epoch) external view returns (uint256) {
        (address signingKey, uint256 weight) = _operatorHistory[operator].lookup(epoch);
        return signingKey == address(0) ? 0 : _signingWeight(operator, weight);
    }

    /// @notice The operator set whose slashable stake is the weight: (ServiceManager, OPERATOR_SET_ID).
    function operatorSet() external view returns (OperatorSet memory) {
        return _operatorSet();
    }

    /// @notice `operator`'s signing key at `epoch` (zero when not registered then).
    function getOperatorSigningKeyAtEpoch(address operator, uint32 epoch) external view returns (address) {
        (address signingKey,) = _operatorHistory[operator].lookup(epoch);
        return signingKey;
    }

    /// @notice `operator`'s weight at `epoch` (weight units).
    function getOperatorWeightAtEpoch(address operator, uint32 epoch) external view returns (uint256) {
        (, uint256 weight) = _operatorHistory[operator].lookup(epoch);
        return weight;
    }

    /// @notice Total weight of the operators registered at `epoch` (weight units).
    function getTotalWeightAtEpoch(uint32 epoch) external view returns (uint256) {
        return _totalOf(_totalAndThresholdHistory.upperLookupRecent(epoch));
    }

    /// @notice Total weight as of the latest change (weight units).
    function getLatestTotalWeight() external view returns (uint256) {
        return _totalOf(_totalAndThresholdHistory.latest());
    }

    /// @notice The threshold at `epoch`, basis points of the total weight.
    function getThresholdBpsAtEpoch(uint32 epoch) external view returns (uint16) {
        return _bpsOf(_totalAndThresholdHistory.upperLookupRecent(epoch));
    }

    /// @notice The threshold as of the latest change, basis points.
    function thresholdBps() external view returns (uint16) {
        return _bpsOf(_totalAndThresholdHistory.latest());
    }

    /// @notice The signed weight a proof at `epoch` needs: ceil(totalWeight × thresholdBps / 10000); 0 (no proof
    ///         valid) when nothing is registered then.
    function getThresholdWeightAtEpoch(uint32 epoch) external view returns (uint256) {
        return _thresholdWeightAt(epoch);
    }
}
