// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {AddressSort} from "./AddressSort.sol";
import {IDelegationManager} from "../eigenlayer/interfaces/IDelegationManager.sol";
import {ISignatureUtilsMixinTypes} from "../eigenlayer/interfaces/ISignatureUtilsMixin.sol";
import {IStrategy} from "../eigenlayer/interfaces/IStrategy.sol";
import {EpochManager, MessageType} from "./EpochManager.sol";
import {EpochMath} from "./EpochMath.sol";
import {IOperatorSetRegistry} from "./IRegistryReplication.sol";
import {OperatorCheckpoints} from "./OperatorCheckpoints.sol";
import {ServiceManagerBase} from "./ServiceManagerBase.sol";
import {StakeRegistryVerifier} from "./StakeRegistryVerifier.sol";

/// @title ECDSAStakeRegistry
/// @notice The main-chain operator registry of an AVS: operators register with a signing key (through the
///         ServiceManager into the AVSDirectory), their weight follows their delegated shares, and a quorum of their
///         ECDSA signatures is checked by {isValidSignature} (ERC-1271, see {StakeRegistryVerifier}).
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
/// @dev Weights refresh only when someone calls {updateOperators} (anyone; the epoch keeper does it each epoch),
///      or on registration and owner changes of the quorum or minimum weight (which refresh every operator).
///      Storage: per operator an {OperatorCheckpoints.History} (one slot per checkpoint: epoch, signing key, weight;
///      the latest and the previous at fixed places, so a signer costs one cold slot read, two while a change of
///      its is pending); total weight and threshold packed in one
///      OpenZeppelin Checkpoints.Trace224 (total << 16 | bps), one lookup per proof. All keyed by effective epoch,
///      which never decreases over time. An append-only list of every operator that ever registered lets
///      {getOperatorSetAtEpoch} list the complete set of any epoch for remote chains. Not upgradeable.
contract ECDSAStakeRegistry is StakeRegistryVerifier, Ownable, IOperatorSetRegistry {
    using Checkpoints for Checkpoints.Trace224;
    using EnumerableSet for EnumerableSet.AddressSet;
    using OperatorCheckpoints for OperatorCheckpoints.History;

    /// @notice A strategy counted in the weight and its multiplier, in basis points of a share (10000 = 1×).
    struct StrategyParams {
        IStrategy strategy;
        uint96 multiplier;
    }

    /// @notice Basis-point denominator of multipliers and the threshold.
    uint256 public constant BPS_DENOMINATOR = 10_000;

    /// @notice Source of operators' delegated shares.
    IDelegationManager public immutable delegationManager;
    /// @notice The epoch clock and the queue of state updates for remote chains.
    EpochManager public immutable epochManager;
    /// @notice The AVS's ServiceManager (registers operators in the AVSDirectory).
    ServiceManagerBase public immutable serviceManager;
    /// @notice Grace period, seconds (copied from the EpochManager).
    uint64 public immutable GRACE_PERIOD;

    // ---- storage ----
    /// @dev Strategies counted in the weight, strictly ascending by address, multipliers > 0.
    StrategyParams[] private _quorum;
    /// @notice Weights below this count as 0 (weight units).
    uint256 public minimumWeight;
    /// @dev Operators registered as of the latest change (pending deregistrations already removed).
    EnumerableSet.AddressSet private _operators;
    /// @notice The operator that currently holds `signingKey` (keys are unique among registered operators).
    mapping(address signingKey => address operator) public signingKeyOperator;
    /// @dev operator => effective epoch => (signing key, weight); signing key 0 = not registered.
    mapping(address operator => OperatorCheckpoints.History) private _operatorHistory;
    /// @dev effective epoch => totalWeight << 16 | thresholdBps: one lookup serves the threshold of a proof.
    Checkpoints.Trace224 private _totalAndThresholdHistory;
    /// @dev Every operator that ever registered, in first-registration order (append-only, no duplicates): the
    ///      candidates {getOperatorSetAtEpoch} checks, since the set at an epoch can include operators that have since
    ///      deregistered. Costs one array slot on an operator's first registration only.
    address[] private _knownOperators;

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

    /// @notice `operator` registered with `signingKey` and `weight`, effective at `effectiveEpoch`.
    event OperatorRegistered(address indexed operator, address indexed signingKey, uint256 weight, uint32 effectiveEpoch);
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
    /// @notice The quorum changed (applies to weights computed from now on).
    event QuorumUpdated(StrategyParams[] oldQuorum, StrategyParams[] newQuorum);

    /// @param delegationManager_ EigenLayer DelegationManager (source of delegated shares).
    /// @param epochManager_ The AVS's EpochManager; its clock (genesis, length, grace) is copied into immutables.
    /// @param serviceManager_ The AVS's ServiceManager.
    /// @param owner_ Owner (quorum, threshold, minimum weight).
    /// @param quorum_ Strategies counted, strictly ascending by address, multipliers > 0 (basis points of a share).
    /// @param thresholdBps_ Share of the total weight a proof must carry, basis points in (0, 10000]; rounded up.
    /// @param minimumWeight_ Weights below this count as 0 (weight units).
    /// @param maxProofAgeEpochs_ How many epochs before the current one a proof's reference epoch may be.
    constructor(
        IDelegationManager delegationManager_,
        EpochManager epochManager_,
        ServiceManagerBase serviceManager_,
        address owner_,
        StrategyParams[] memory quorum_,
        uint16 thresholdBps_,
        uint256 minimumWeight_,
        uint32 maxProofAgeEpochs_
    )
        StakeRegistryVerifier(epochManager_.GENESIS(), epochManager_.EPOCH_LENGTH(), maxProofAgeEpochs_)
        Ownable(owner_)
    {
        if (address(delegationManager_) == address(0) || address(serviceManager_) == address(0)) revert ZeroAddress();
        delegationManager = delegationManager_;
        epochManager = epochManager_;
        serviceManager = serviceManager_;
        GRACE_PERIOD = epochManager_.GRACE_PERIOD();

        _setQuorum(quorum_);
        emit QuorumUpdated(new StrategyParams[](0), quorum_);
        minimumWeight = minimumWeight_;
        emit MinimumWeightUpdated(0, minimumWeight_);
        _checkThresholdBps(thresholdBps_);
        // The initial threshold holds from epoch 0; nothing is registered yet, so nothing is queued.
        _totalAndThresholdHistory.push(0, _pack(0, thresholdBps_));
        emit ThresholdBpsUpdated(0, thresholdBps_, 0);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Operators
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Registers msg.sender as an operator of this AVS with `signingKey`, effective at {effectiveEpoch}.
    ///         Also registers it to the AVS in the AVSDirectory (through the ServiceManager).
    /// @param operatorSignature msg.sender's EIP-712 signature over
    ///        AVSDirectory.calculateOperatorAVSRegistrationDigestHash(msg.sender, serviceManager, salt, expiry).
    /// @param signingKey The key (EOA, or ERC-1271 contract) that signs attestations for msg.sender; unique.
    function registerOperatorWithSignature(
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory operatorSignature,
        address signingKey
    ) external {
        address operator = msg.sender;
        if (_operators.contains(operator)) revert OperatorAlreadyRegistered(operator);
        _checkNewSigningKey(signingKey);
        uint32 effective = effectiveEpoch();
        uint256 weight = _computeWeight(operator);

        _operators.add(operator);
        signingKeyOperator[signingKey] = operator;
        OperatorCheckpoints.History storage history = _operatorHistory[operator];
        // A history is never emptied, so a first checkpoint means a first registration.
        if (history.length() == 0) _knownOperators.push(operator);
        history.push(effective, signingKey, weight);
        emit OperatorRegistered(operator, signingKey, weight, effective);
        _updateTotal(operator, 0, weight, effective);

        _queue(MessageType.REGISTER, abi.encode(operator, signingKey, weight), effective);
        serviceManager.registerOperator(operator, operatorSignature);
    }

    /// @notice Deregisters msg.sender, effective at {effectiveEpoch}; it keeps its key and weight until then.
    ///         Also deregisters it from the AVS in the AVSDirectory (through the ServiceManager).
    function deregisterOperator() external {
        address operator = msg.sender;
        if (!_operators.contains(operator)) revert OperatorNotRegistered(operator);
        uint32 effective = effectiveEpoch();

        OperatorCheckpoints.History storage history = _operatorHistory[operator];
        (address signingKey, uint256 weight) = history.latest();
        _operators.remove(operator);
        delete signingKeyOperator[signingKey];
        history.push(effective, address(0), 0);
        emit OperatorDeregistered(operator, effective);
        _updateTotal(operator, weight, 0, effective);

        _queue(MessageType.DEREGISTER, abi.encode(operator), effective);
        serviceManager.deregisterOperator(operator);
    }

    /// @notice Replaces msg.sender's signing key, effective at {effectiveEpoch}; the old key signs until then.
    /// @param newSigningKey The new key; non-zero and not held by any registered operator (msg.sender included).
    function updateOperatorSigningKey(address newSigningKey) external {
        address operator = msg.sender;
        if (!_operators.contains(operator)) revert OperatorNotRegistered(operator);
        _checkNewSigningKey(newSigningKey);
        uint32 effective = effectiveEpoch();

        OperatorCheckpoints.History storage history = _operatorHistory[operator];
        (address oldSigningKey, uint256 weight) = history.latest();
        delete signingKeyOperator[oldSigningKey];
        signingKeyOperator[newSigningKey] = operator;
        history.push(effective, newSigningKey, weight);
        emit SigningKeyUpdated(operator, newSigningKey, oldSigningKey, effective);

        _queue(MessageType.UPDATE_SIGNING_KEY, abi.encode(operator, newSigningKey), effective);
    }

    /// @notice Recomputes the weights of `operators` from the DelegationManager, effective at {effectiveEpoch}.
    ///         Anyone may call. Unregistered addresses and unchanged weights are skipped.
    /// @param operators Addresses to refresh (any order).
    function updateOperators(address[] calldata operators) external {
        uint32 effective = effectiveEpoch();
        uint256 n = operators.length;
        for (uint256 i; i < n; ++i) {
            if (_operators.contains(operators[i])) _refreshWeight(operators[i], effective);
        }
    }

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
        emit MinimumWeightUpdated(minimumWeight, minimumWeight_);
        minimumWeight = minimumWeight_;
        _refreshAll();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice The epoch at which a change made now takes effect (current + 1, or + 2 in the grace period).
    function effectiveEpoch() public view returns (uint32) {
        return EpochMath.effectiveEpochAt(GENESIS, EPOCH_LENGTH, GRACE_PERIOD, block.timestamp);
    }

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
    /// @dev Reads one checkpoint per operator that ever registered ({getKnownOperatorCount}), then sorts the
    ///      registered ones by address (heapsort in memory). For EpochManager.sendStateUpdates and off-chain readers.
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
            (address signingKey,) = _operatorHistory[operator].lookup(epoch);
            if (signingKey != address(0)) operators[count++] = operator;
        }
        assembly ("memory-safe") {
            mstore(operators, count) // shrink to the registered ones
        }
        AddressSort.sort(operators);
        signingKeys = new address[](count);
        weights = new uint256[](count);
        for (uint256 i; i < count; ++i) {
            (signingKeys[i], weights[i]) = _operatorHistory[operators[i]].lookup(epoch);
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

    /// @notice The weight `operator` would get from its delegated shares now (before any refresh), rounded as stored.
    function computeOperatorWeight(address operator) external view returns (uint256) {
        return _computeWeight(operator);
    }

    /// @notice `operator`'s signing key at `epoch` (zero when not registered then).
    function getOperatorSigningKeyAtEpoch(address operator, uint32 epoch) external view returns (address) {
        (address signingKey,) = _operatorHistory[operator].lookup(epoch);
        return signingKey;
    }

    /// @notice `operator`'s signing key as of the latest change (zero when not registered).
    function getLatestOperatorSigningKey(address operator) external view returns (address) {
        (address signingKey,) = _operatorHistory[operator].latest();
        return signingKey;
    }

    /// @notice `operator`'s weight at `epoch` (weight units).
    function getOperatorWeightAtEpoch(address operator, uint32 epoch) external view returns (uint256) {
        (, uint256 weight) = _operatorHistory[operator].lookup(epoch);
        return weight;
    }

    /// @notice `operator`'s weight as of the latest change (weight units).
    function getLatestOperatorWeight(address operator) external view returns (uint256) {
        (, uint256 weight) = _operatorHistory[operator].latest();
        return weight;
    }

    /// @notice Number of checkpoints of `operator` (one per effective epoch it changed at).
    function getOperatorCheckpointCount(address operator) external view returns (uint256) {
        return _operatorHistory[operator].length();
    }

    /// @notice The `index`-th checkpoint of `operator`, oldest first (its `count` field is 0).
    function getOperatorCheckpoint(address operator, uint256 index)
        external
        view
        returns (OperatorCheckpoints.Checkpoint memory)
    {
        return _operatorHistory[operator].at(index);
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

    // ---------------------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc StakeRegistryVerifier
    function _operatorAt(address operator, uint32 epoch)
        internal
        view
        override
        returns (address signingKey, uint256 weight)
    {
        return _operatorHistory[operator].lookup(epoch);
    }

    /// @inheritdoc StakeRegistryVerifier
    function _thresholdWeightAt(uint32 epoch) internal view override returns (uint256) {
        uint256 packed = _totalAndThresholdHistory.upperLookupRecent(epoch);
        // total < 2^208 and bps <= 10000: no overflow.
        return (_totalOf(packed) * _bpsOf(packed) + (BPS_DENOMINATOR - 1)) / BPS_DENOMINATOR;
    }

    /// @dev Σ shares_i × multiplier_i / 10000, or 0 below the minimum weight; rounded down to 58 significant bits.
    function _computeWeight(address operator) internal view returns (uint256 weight) {
        uint256 n = _quorum.length;
        IStrategy[] memory strategies = new IStrategy[](n);
        for (uint256 i; i < n; ++i) {
            strategies[i] = _quorum[i].strategy;
        }
        uint256[] memory shares = delegationManager.getOperatorShares(operator, strategies);
        for (uint256 i; i < n; ++i) {
            weight += shares[i] * _quorum[i].multiplier;
        }
        weight /= BPS_DENOMINATOR;
        if (weight < minimumWeight) return 0;
        // A checkpoint holds the weight beside the epoch and signing key in one slot: 58 significant bits.
        return OperatorCheckpoints.roundWeight(weight);
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
    function _pack(uint256 totalWeight, uint16 bps) private pure returns (uint224) {
        // casting to 'uint224' is safe because totalWeight < 2^208
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint224(totalWeight << 16 | bps);
    }

    function _totalOf(uint256 packed) private pure returns (uint256) {
        return packed >> 16;
    }

    function _bpsOf(uint256 packed) private pure returns (uint16) {
        // casting to 'uint16' is safe because the low 16 bits hold the threshold
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint16(packed);
    }

    function _checkNewSigningKey(address signingKey) internal view {
        if (signingKey == address(0)) revert ZeroSigningKey();
        address holder = signingKeyOperator[signingKey];
        if (holder != address(0)) revert SigningKeyInUse(signingKey, holder);
    }

    function _checkThresholdBps(uint16 bps) internal pure {
        if (bps == 0 || bps > BPS_DENOMINATOR) revert InvalidThresholdBps(bps);
    }

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
