// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {AddressSort} from "./AddressSort.sol";
import {IAllocationManager, OperatorSet} from "../../eigenlayer/IAllocationManager.sol";
import {ISignatureUtilsMixinTypes} from "../../eigenlayer/ISignatureUtilsMixin.sol";
import {IPermissionController} from "../../eigenlayer/IPermissionController.sol";
import {IStrategy} from "../../eigenlayer/IStrategy.sol";
import {EpochManager, MessageType} from "../epochs/EpochManager.sol";
import {EpochMath} from "../epochs/EpochMath.sol";
import {IOperatorSetRegistry} from "../replication/IRegistryReplication.sol";
import {OperatorCheckpoints} from "./OperatorCheckpoints.sol";
import {OperatorHistoryRegistry} from "./OperatorHistoryRegistry.sol";
import {ServiceManagerBase} from "../avs/ServiceManagerBase.sol";
import {ECDSAKeyScheme} from "../signatures/ECDSAKeyScheme.sol";
import {StakeRegistryVerifier} from "../signatures/StakeRegistryVerifier.sol";

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
contract ECDSAStakeRegistry is OperatorHistoryRegistry, ECDSAKeyScheme, Ownable, IOperatorSetRegistry {
    using Checkpoints for Checkpoints.Trace224;
    using EnumerableSet for EnumerableSet.AddressSet;
    using OperatorCheckpoints for OperatorCheckpoints.History;

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

    // ---- storage ----
    /// @dev Strategies counted in the weight, strictly ascending by address, multipliers > 0.
    StrategyParams[] private _quorum;
    /// @notice Weights below this count as 0; registration below it is refused (weight units, > 0).
    uint256 public minimumWeight;
    /// @notice Operators the operator set's slasher reported slashed: they count 0 from then on and cannot register.
    mapping(address operator => bool) public isFrozen;
    /// @dev Operators registered as of the latest change (pending deregistrations already removed).
    EnumerableSet.AddressSet private _operators;
    /// @notice The operator that currently holds `signingKey` (keys are unique among registered operators).
    mapping(address signingKey => address operator) public signingKeyOperator;
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

    // ---------------------------------------------------------------------------------------------------------------
    // Operators
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Registers msg.sender as an operator of this AVS with `signingKey`, effective at {effectiveEpoch}.
    ///         Also registers it to the AVS in the AVSDirectory (through the ServiceManager). msg.sender must already be
    ///         a member of the operator set with allocated stake worth at least `minimumWeight` (allocations count
    ///         once their allocation delay has passed).
    /// @dev Reverts with {NotInOperatorSet}, {InsufficientSlashableStake}, {OperatorSetFull}, {OperatorIsFrozen},
    ///      {OperatorAlreadyRegistered}, {ZeroSigningKey}, {SigningKeyInUse}, or {CallerCannotActForOperator} when
    ///      msg.sender has PermissionController admins and is not one of them.
    /// @param operatorSignature msg.sender's EIP-712 signature over
    ///        AVSDirectory.calculateOperatorAVSRegistrationDigestHash(msg.sender, serviceManager, salt, expiry).
    /// @param signingKey The EOA that signs attestations for msg.sender (plain ECDSA); unique.
    function registerOperatorWithSignature(
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory operatorSignature,
        address signingKey
    ) external {
        _register(msg.sender, operatorSignature, signingKey);
    }

    /// @notice As {registerOperatorWithSignature}, for `operator`, called by it or by an admin or appointee of it in the
    ///         PermissionController (for this contract and this function's selector).
    /// @dev Reverts as the other form; {CallerCannotActForOperator} when msg.sender may not act for `operator`.
    /// @param operator The EigenLayer operator registered.
    /// @param operatorSignature `operator`'s EIP-712 signature over
    ///        AVSDirectory.calculateOperatorAVSRegistrationDigestHash(operator, serviceManager, salt, expiry)
    ///        (an ERC-1271 signature when `operator` is a contract).
    /// @param signingKey The EOA that signs attestations for `operator` (plain ECDSA); unique.
    function registerOperatorWithSignature(
        address operator,
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory operatorSignature,
        address signingKey
    ) external {
        _register(operator, operatorSignature, signingKey);
    }

    function _register(
        address operator,
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory operatorSignature,
        address signingKey
    ) internal {
        _checkCanActFor(operator);
        if (_operators.contains(operator)) revert OperatorAlreadyRegistered(operator);
        if (isFrozen[operator]) revert OperatorIsFrozen(operator);
        if (_operators.length() >= MAX_OPERATORS) revert OperatorSetFull(MAX_OPERATORS);
        _checkNewSigningKey(signingKey);
        if (!allocationManager.isMemberOfOperatorSet(operator, _operatorSet())) revert NotInOperatorSet(operator);
        uint32 effective = effectiveEpoch();
        uint256 weight = _computeWeight(operator);
        if (weight == 0) revert InsufficientSlashableStake(operator, _slashableWeight(operator), minimumWeight);

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
    /// @dev Reverts with {OperatorNotRegistered}, or {CallerCannotActForOperator} (see {registerOperatorWithSignature}).
    function deregisterOperator() external {
        _deregisterFor(msg.sender);
    }

    /// @notice As {deregisterOperator}, for `operator`, called by it or by an admin or appointee of it.
    /// @param operator A registered operator.
    function deregisterOperator(address operator) external {
        _deregisterFor(operator);
    }

    function _deregisterFor(address operator) internal {
        _checkCanActFor(operator);
        if (!_operators.contains(operator)) revert OperatorNotRegistered(operator);
        _deregister(operator, effectiveEpoch());
    }

    /// @notice Zeroes `operator`'s weight at once (every proof verified on this chain from now on counts it 0) and
    ///         deregisters it (effective at {effectiveEpoch}, so remote chains drop it with that epoch's set); it can
    ///         never register again. Only the operator set's slasher (AllocationManager.getSlasher), after slashing it.
    /// @param operator The slashed operator (no-op when already frozen).
    function freezeOperator(address operator) external {
        if (msg.sender != allocationManager.getSlasher(_operatorSet())) revert OnlySlasher(msg.sender);
        if (isFrozen[operator]) return;
        isFrozen[operator] = true;
        uint32 effective = effectiveEpoch();
        emit OperatorFrozen(operator, effective);
        if (_operators.contains(operator)) _deregister(operator, effective);
    }

    /// @notice Deregisters `operator` (effective at {effectiveEpoch}) because the stake the operator set can slash
    ///         gives it less than `minimumWeight`. Anyone may call.
    /// @dev Reverts with {OperatorNotRegistered} or {OperatorNotEjectable}.
    /// @param operator A registered operator.
    function ejectOperator(address operator) external {
        if (!_operators.contains(operator)) revert OperatorNotRegistered(operator);
        uint256 weight = _slashableWeight(operator);
        if (weight >= minimumWeight) revert OperatorNotEjectable(operator, weight, minimumWeight);
        uint32 effective = effectiveEpoch();
        emit OperatorEjected(operator, msg.sender, weight, effective);
        _deregister(operator, effective);
    }

    /// @dev Reverts unless the PermissionController lets msg.sender call this function (msg.sig) for `operator`.
    function _checkCanActFor(address operator) internal view {
        if (!permissionController.canCall(operator, msg.sender, address(this), msg.sig)) {
            revert CallerCannotActForOperator(msg.sender, operator);
        }
    }

    /// @dev Removes `operator` at `effective`: key and weight count until then. Also leaves the AVSDirectory.
    function _deregister(address operator, uint32 effective) internal {
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
    /// @dev Reverts with {OperatorNotRegistered}, {ZeroSigningKey}, {SigningKeyInUse} or {CallerCannotActForOperator}.
    /// @param newSigningKey The new key; non-zero and not held by any registered operator (msg.sender included).
    function updateOperatorSigningKey(address newSigningKey) external {
        _updateSigningKey(msg.sender, newSigningKey);
    }

    /// @notice As {updateOperatorSigningKey}, for `operator`, called by it or by an admin or appointee of it.
    /// @param operator A registered operator.
    /// @param newSigningKey The new key.
    function updateOperatorSigningKey(address operator, address newSigningKey) external {
        _updateSigningKey(operator, newSigningKey);
    }

    function _updateSigningKey(address operator, address newSigningKey) internal {
        _checkCanActFor(operator);
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

    /// @notice Recomputes the weights of `operators` from their slashable stake, effective at {effectiveEpoch}.
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
        if (minimumWeight_ == 0) revert ZeroMinimumWeight();
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

    // ---------------------------------------------------------------------------------------------------------------
    // Internals
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
