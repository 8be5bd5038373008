// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IStrategy} from "../../src/eigenlayer/IStrategy.sol";
import {IAVSRegistrar} from "../../src/eigenlayer/IAVSRegistrar.sol";
import {IDelegationManager} from "../../src/eigenlayer/IDelegationManager.sol";
import {IAllocationManager, OperatorSet, OperatorSetLib} from "../../src/eigenlayer/IAllocationManager.sol";
import {IPausable} from "./IPausable.sol";
import {IPermissionController} from "../../src/eigenlayer/IPermissionController.sol";
import {PermissionControllerMixin} from "./PermissionControllerMixin.sol";

/// @title AllocationManager: operator sets, allocations of slashable stake, and slashing
/// @notice Model (all magnitudes are wads, 1e18 = 100%):
///         - Each operator has, per strategy, a *max magnitude* (1e18 until slashed) and allocates parts of it to
///           operator sets. The sum of allocations (plus pending increases and not-yet-effective decreases), the
///           *encumbered magnitude*, never exceeds the max magnitude.
///         - The stake an operator set can slash in a strategy is operatorShares × allocation / maxMagnitude.
///         - Slashing `wad` of an allocation removes `allocation × wad` magnitude from both the allocation and the
///           max magnitude, and the DelegationManager removes the same fraction of the max magnitude from the
///           operator's delegated shares (so every operator set's stake shrinks only by what was slashed).
///         Timing is in blocks: an increase takes effect `allocationDelay` blocks after it is made (0 = at once);
///         a decrease takes effect DEALLOCATION_DELAY + 1 blocks later (at once if the operator set cannot slash
///         the operator); a deregistered operator stays slashable for DEALLOCATION_DELAY blocks, and cannot rejoin
///         the set until then.
///         Pausing as v1.12.0 ({IPausable}): flag 0 pauses modifyAllocations, flag 1 slashOperator, flag 2
///         registerForOperatorSets and deregisterFromOperatorSets; each reverts with CurrentlyPaused() while its flag
///         is set. One pauser address (set at construction) pauses and unpauses.
///         Who may act for an operator or an AVS is the PermissionController's answer, as v1.12.0: the account itself
///         while it has no admins, else its admins, or an appointee for that one function; otherwise
///         InvalidPermissions().
contract AllocationManager is IAllocationManager, IPausable, ReentrancyGuard, PermissionControllerMixin {
    using EnumerableSet for EnumerableSet.AddressSet;
    using EnumerableSet for EnumerableSet.Bytes32Set;
    using EnumerableSet for EnumerableSet.UintSet;
    using Checkpoints for Checkpoints.Trace224;
    using OperatorSetLib for OperatorSet;

    uint64 internal constant WAD = 1e18;
    /// @dev v1.12.0's pause flags (bit indexes).
    uint8 internal constant PAUSED_MODIFY_ALLOCATIONS = 0;
    uint8 internal constant PAUSED_OPERATOR_SLASHING = 1;
    uint8 internal constant PAUSED_OPERATOR_SET_REGISTRATION_AND_DEREGISTRATION = 2;

    struct RegistrationStatus {
        bool registered;
        uint32 slashableUntil;
    }

    struct AllocationDelayInfo {
        uint32 delay;
        bool isSet;
        uint32 pendingDelay;
        uint32 effectBlock;
    }

    /// @notice The DelegationManager.
    IDelegationManager public immutable delegation;
    /// @inheritdoc IAllocationManager
    uint32 public immutable DEALLOCATION_DELAY;
    /// @inheritdoc IAllocationManager
    uint32 public immutable ALLOCATION_CONFIGURATION_DELAY;
    /// @inheritdoc IPausable
    address public immutable pauser;

    /// @dev Pause flags (bit i set: flag i paused).
    uint256 private _paused;

    mapping(address avs => bool) internal _avsRegisteredMetadata;
    mapping(address avs => IAVSRegistrar) internal _avsRegistrar;
    mapping(address avs => EnumerableSet.UintSet) internal _operatorSetIds;
    mapping(bytes32 setKey => EnumerableSet.AddressSet) internal _setStrategies;
    mapping(bytes32 setKey => EnumerableSet.AddressSet) internal _setMembers;
    mapping(bytes32 setKey => address) internal _slasher;
    /// @dev A slasher change queued by {updateSlasher} and the block from which it applies (0: none).
    mapping(bytes32 setKey => address) internal _pendingSlasher;
    mapping(bytes32 setKey => uint32) internal _pendingSlasherEffectBlock;
    mapping(bytes32 setKey => uint256) internal _slashCount;

    mapping(address operator => EnumerableSet.Bytes32Set) internal _registeredSets;
    mapping(address operator => mapping(bytes32 setKey => RegistrationStatus)) internal _registrationStatus;
    mapping(address operator => AllocationDelayInfo) internal _allocationDelay;

    mapping(address operator => mapping(IStrategy strategy => Checkpoints.Trace224)) internal _maxMagnitudeHistory;
    mapping(address operator => mapping(IStrategy strategy => uint64)) internal _encumberedMagnitude;
    /// @dev Operator sets with a non-zero or pending allocation, per operator and strategy.
    mapping(address operator => mapping(IStrategy strategy => EnumerableSet.Bytes32Set)) internal _allocatedSets;
    mapping(address operator => mapping(bytes32 setKey => mapping(IStrategy strategy => Allocation))) internal
        _allocations;

    /// @param _delegation The DelegationManager.
    /// @param permissionController_ The PermissionController that says who may act for operators and AVSs.
    /// @param deallocationDelay Blocks a deallocation or deregistration stays slashable.
    /// @param allocationConfigurationDelay Blocks before an operator's changed allocation delay applies.
    /// @param pauser_ May pause and unpause ({IPausable}); not zero. Nothing is paused at deployment.
    constructor(
        IDelegationManager _delegation,
        IPermissionController permissionController_,
        uint32 deallocationDelay,
        uint32 allocationConfigurationDelay,
        address pauser_
    ) PermissionControllerMixin(permissionController_) {
        if (address(_delegation) == address(0) || address(permissionController_) == address(0)) {
            revert InvalidAddressZero();
        }
        if (pauser_ == address(0)) revert InputAddressZero();
        pauser = pauser_;
        delegation = _delegation;
        DEALLOCATION_DELAY = deallocationDelay;
        ALLOCATION_CONFIGURATION_DELAY = allocationConfigurationDelay;
    }

    modifier onlyWhenNotPaused(uint8 index) {
        if (paused(index)) revert CurrentlyPaused();
        _;
    }

    // ---------------------------------------------------------------- pausing

    /// @inheritdoc IPausable
    function pause(uint256 newPausedStatus) external {
        if (msg.sender != pauser) revert OnlyPauser();
        // Only sets bits: every flag already set stays set.
        if (_paused & newPausedStatus != _paused) revert InvalidNewPausedStatus();
        _paused = newPausedStatus;
        emit Paused(msg.sender, newPausedStatus);
    }

    /// @inheritdoc IPausable
    function pauseAll() external {
        if (msg.sender != pauser) revert OnlyPauser();
        _paused = type(uint256).max;
        emit Paused(msg.sender, type(uint256).max);
    }

    /// @inheritdoc IPausable
    function unpause(uint256 newPausedStatus) external {
        if (msg.sender != pauser) revert OnlyUnpauser();
        // Only clears bits: no flag that is clear gets set.
        if (~_paused & ~newPausedStatus != ~_paused) revert InvalidNewPausedStatus();
        _paused = newPausedStatus;
        emit Unpaused(msg.sender, newPausedStatus);
    }

    /// @inheritdoc IPausable
    function paused() external view returns (uint256) {
        return _paused;
    }

    /// @inheritdoc IPausable
    function paused(uint8 index) public view returns (bool) {
        uint256 mask = uint256(1) << index;
        return _paused & mask == mask;
    }

    // ---------------------------------------------------------------- AVS configuration

    /// @inheritdoc IAllocationManager
    function updateAVSMetadataURI(address avs, string calldata metadataURI) external {
        _checkCanCall(avs);
        _avsRegisteredMetadata[avs] = true;
        emit AVSMetadataURIUpdated(avs, metadataURI);
    }

    /// @inheritdoc IAllocationManager
    function setAVSRegistrar(address avs, IAVSRegistrar registrar) external {
        _checkCanCall(avs);
        if (!registrar.supportsAVS(avs)) revert InvalidAVSRegistrar();
        _avsRegistrar[avs] = registrar;
        emit AVSRegistrarSet(avs, registrar);
    }

    /// @inheritdoc IAllocationManager
    /// @dev Takes effect ALLOCATION_CONFIGURATION_DELAY + 1 blocks later (v1.12.0 uses its SLASHER_CONFIGURATION_DELAY;
    ///      the devnet has one configuration delay for both).
    function updateSlasher(OperatorSet memory operatorSet, address slasher) external {
        _checkCanCall(operatorSet.avs);
        _checkOperatorSet(operatorSet);
        if (slasher == address(0)) revert InvalidAddressZero();
        bytes32 setKey = operatorSet.key();
        _slasher[setKey] = getSlasher(operatorSet); // apply a matured change first
        uint32 effectBlock = uint32(block.number) + ALLOCATION_CONFIGURATION_DELAY + 1;
        _pendingSlasher[setKey] = slasher;
        _pendingSlasherEffectBlock[setKey] = effectBlock;
        emit SlasherUpdated(operatorSet, slasher, effectBlock);
    }

    /// @inheritdoc IAllocationManager
    function createOperatorSets(address avs, CreateSetParamsV2[] calldata params) external {
        _checkCanCall(avs);
        if (!_avsRegisteredMetadata[avs]) revert NonexistentAVSMetadata();
        for (uint256 i = 0; i < params.length; ++i) {
            OperatorSet memory operatorSet = OperatorSet(avs, params[i].operatorSetId);
            if (!_operatorSetIds[avs].add(params[i].operatorSetId)) revert InvalidOperatorSetId();
            if (params[i].slasher == address(0)) revert InvalidAddressZero();
            bytes32 setKey = operatorSet.key();
            emit OperatorSetCreated(operatorSet);
            _slasher[setKey] = params[i].slasher;
            emit SlasherUpdated(operatorSet, params[i].slasher, uint32(block.number));
            _addStrategies(operatorSet, setKey, params[i].strategies);
        }
    }

    /// @inheritdoc IAllocationManager
    function addStrategiesToOperatorSet(address avs, uint32 operatorSetId, IStrategy[] calldata strategies) external {
        _checkCanCall(avs);
        OperatorSet memory operatorSet = OperatorSet(avs, operatorSetId);
        _checkOperatorSet(operatorSet);
        _addStrategies(operatorSet, operatorSet.key(), strategies);
    }

    /// @inheritdoc IAllocationManager
    function removeStrategiesFromOperatorSet(address avs, uint32 operatorSetId, IStrategy[] calldata strategies)
        external
    {
        _checkCanCall(avs);
        OperatorSet memory operatorSet = OperatorSet(avs, operatorSetId);
        _checkOperatorSet(operatorSet);
        bytes32 setKey = operatorSet.key();
        for (uint256 i = 0; i < strategies.length; ++i) {
            if (!_setStrategies[setKey].remove(address(strategies[i]))) revert StrategyNotInOperatorSet();
            emit StrategyRemovedFromOperatorSet(operatorSet, strategies[i]);
        }
    }

    // ---------------------------------------------------------------- registration

    /// @inheritdoc IAllocationManager
    function registerForOperatorSets(address operator, RegisterParams calldata params)
        external
        nonReentrant
        onlyWhenNotPaused(PAUSED_OPERATOR_SET_REGISTRATION_AND_DEREGISTRATION)
    {
        _checkCanCall(operator);
        if (!delegation.isOperator(operator)) revert InvalidOperator();
        for (uint256 i = 0; i < params.operatorSetIds.length; ++i) {
            OperatorSet memory operatorSet = OperatorSet(params.avs, params.operatorSetIds[i]);
            _checkOperatorSet(operatorSet);
            // As v1.12.0: a member, or a former member still slashable (within DEALLOCATION_DELAY of leaving), cannot
            // (re)join; rejoining would end the slashable window it left with.
            if (isOperatorSlashable(operator, operatorSet)) revert AlreadyMemberOfSet();
            bytes32 setKey = operatorSet.key();
            _registeredSets[operator].add(setKey);
            _setMembers[setKey].add(operator);
            _registrationStatus[operator][setKey] = RegistrationStatus({registered: true, slashableUntil: 0});
            emit OperatorAddedToOperatorSet(operator, operatorSet);
        }
        getAVSRegistrar(params.avs).registerOperator(operator, params.avs, params.operatorSetIds, params.data);
    }

    /// @inheritdoc IAllocationManager
    function deregisterFromOperatorSets(DeregisterParams calldata params)
        external
        nonReentrant
        onlyWhenNotPaused(PAUSED_OPERATOR_SET_REGISTRATION_AND_DEREGISTRATION)
    {
        if (!_canCall(params.operator) && !_canCall(params.avs)) revert InvalidCaller();
        for (uint256 i = 0; i < params.operatorSetIds.length; ++i) {
            OperatorSet memory operatorSet = OperatorSet(params.avs, params.operatorSetIds[i]);
            _checkOperatorSet(operatorSet);
            bytes32 setKey = operatorSet.key();
            if (!_registeredSets[params.operator].remove(setKey)) revert NotMemberOfSet();
            _setMembers[setKey].remove(params.operator);
            _registrationStatus[params.operator][setKey] =
                RegistrationStatus({registered: false, slashableUntil: uint32(block.number) + DEALLOCATION_DELAY});
            emit OperatorRemovedFromOperatorSet(params.operator, operatorSet);
        }
        getAVSRegistrar(params.avs).deregisterOperator(params.operator, params.avs, params.operatorSetIds);
    }

    // ---------------------------------------------------------------- allocations

    /// @inheritdoc IAllocationManager
    function setAllocationDelay(address operator, uint32 delay) external {
        AllocationDelayInfo memory info = _currentDelayInfo(operator);
        uint32 effectBlock;
        if (msg.sender == address(delegation)) {
            // Set at operator registration: effective at once.
            info = AllocationDelayInfo({delay: delay, isSet: true, pendingDelay: 0, effectBlock: 0});
            effectBlock = uint32(block.number);
        } else {
            _checkCanCall(operator);
            if (!delegation.isOperator(operator)) revert InvalidOperator();
            effectBlock = uint32(block.number) + ALLOCATION_CONFIGURATION_DELAY;
            info.pendingDelay = delay;
            info.effectBlock = effectBlock;
        }
        _allocationDelay[operator] = info;
        emit AllocationDelaySet(operator, delay, effectBlock);
    }

    /// @inheritdoc IAllocationManager
    function modifyAllocations(address operator, AllocateParams[] calldata params)
        external
        nonReentrant
        onlyWhenNotPaused(PAUSED_MODIFY_ALLOCATIONS)
    {
        _checkCanCall(operator);
        (bool isSet, uint32 delay) = getAllocationDelay(operator);
        if (!isSet) revert UninitializedAllocationDelay();
        for (uint256 i = 0; i < params.length; ++i) {
            AllocateParams calldata p = params[i];
            if (p.strategies.length != p.newMagnitudes.length) revert InputArrayLengthMismatch();
            _checkOperatorSet(p.operatorSet);
            bytes32 setKey = p.operatorSet.key();
            bool slashable = isOperatorSlashable(operator, p.operatorSet);
            for (uint256 j = 0; j < p.strategies.length; ++j) {
                _modifyAllocation(
                    operator, p.operatorSet, setKey, p.strategies[j], p.newMagnitudes[j], slashable, delay
                );
            }
        }
    }

    // ---------------------------------------------------------------- slashing

    /// @inheritdoc IAllocationManager
    function slashOperator(address avs, SlashingParams calldata params)
        external
        nonReentrant
        onlyWhenNotPaused(PAUSED_OPERATOR_SLASHING)
        returns (uint256 slashId, uint256[] memory shares)
    {
        OperatorSet memory operatorSet = OperatorSet(avs, params.operatorSetId);
        _checkOperatorSet(operatorSet);
        bytes32 setKey = operatorSet.key();
        if (msg.sender != getSlasher(operatorSet)) revert InvalidSlasher();
        if (params.strategies.length != params.wadsToSlash.length) revert InputArrayLengthMismatch();
        if (!isOperatorSlashable(params.operator, operatorSet)) revert OperatorNotSlashable();

        slashId = ++_slashCount[setKey];
        shares = new uint256[](params.strategies.length);
        uint256[] memory wadSlashed = new uint256[](params.strategies.length);
        for (uint256 i = 0; i < params.strategies.length; ++i) {
            IStrategy strategy = params.strategies[i];
            if (i > 0 && uint160(address(strategy)) <= uint160(address(params.strategies[i - 1]))) {
                revert StrategiesMustBeInAscendingOrder();
            }
            uint256 wad = params.wadsToSlash[i];
            if (wad == 0 || wad > WAD) revert InvalidWadToSlash();
            if (!_setStrategies[setKey].contains(address(strategy))) revert StrategyNotInOperatorSet();
            (wadSlashed[i], shares[i]) = _slash(params.operator, operatorSet, setKey, strategy, wad);
        }
        emit OperatorSlashed(params.operator, operatorSet, params.strategies, wadSlashed, params.description);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IAllocationManager
    function getMembers(OperatorSet memory operatorSet) external view returns (address[] memory) {
        return _setMembers[operatorSet.key()].values();
    }

    /// @inheritdoc IAllocationManager
    function getMemberCount(OperatorSet memory operatorSet) external view returns (uint256) {
        return _setMembers[operatorSet.key()].length();
    }

    /// @inheritdoc IAllocationManager
    function isMemberOfOperatorSet(address operator, OperatorSet memory operatorSet) external view returns (bool) {
        return _registeredSets[operator].contains(operatorSet.key());
    }

    /// @inheritdoc IAllocationManager
    function isOperatorSet(OperatorSet memory operatorSet) public view returns (bool) {
        return _operatorSetIds[operatorSet.avs].contains(operatorSet.id);
    }

    /// @inheritdoc IAllocationManager
    function getOperatorSetCount(address avs) external view returns (uint256) {
        return _operatorSetIds[avs].length();
    }

    /// @inheritdoc IAllocationManager
    function getStrategiesInOperatorSet(OperatorSet memory operatorSet) external view returns (IStrategy[] memory out) {
        address[] memory values = _setStrategies[operatorSet.key()].values();
        out = new IStrategy[](values.length);
        for (uint256 i = 0; i < values.length; ++i) {
            out[i] = IStrategy(values[i]);
        }
    }

    /// @inheritdoc IAllocationManager
    function getRegisteredSets(address operator) external view returns (OperatorSet[] memory out) {
        bytes32[] memory keys = _registeredSets[operator].values();
        out = new OperatorSet[](keys.length);
        for (uint256 i = 0; i < keys.length; ++i) {
            out[i] = OperatorSetLib.decode(keys[i]);
        }
    }

    /// @inheritdoc IAllocationManager
    function isOperatorSlashable(address operator, OperatorSet memory operatorSet) public view returns (bool) {
        RegistrationStatus memory status = _registrationStatus[operator][operatorSet.key()];
        return status.registered || block.number <= status.slashableUntil;
    }

    /// @inheritdoc IAllocationManager
    function getSlasher(OperatorSet memory operatorSet) public view returns (address) {
        bytes32 setKey = operatorSet.key();
        uint32 effectBlock = _pendingSlasherEffectBlock[setKey];
        if (effectBlock != 0 && block.number >= effectBlock) return _pendingSlasher[setKey];
        return _slasher[setKey];
    }

    /// @inheritdoc IAllocationManager
    function getAVSRegistrar(address avs) public view returns (IAVSRegistrar) {
        IAVSRegistrar registrar = _avsRegistrar[avs];
        return address(registrar) == address(0) ? IAVSRegistrar(avs) : registrar;
    }

    /// @inheritdoc IAllocationManager
    function getAllocationDelay(address operator) public view returns (bool isSet, uint32 delay) {
        AllocationDelayInfo memory info = _currentDelayInfo(operator);
        return (info.isSet, info.delay);
    }

    /// @inheritdoc IAllocationManager
    function getAllocation(address operator, OperatorSet memory operatorSet, IStrategy strategy)
        public
        view
        returns (Allocation memory)
    {
        return _matured(_allocations[operator][operatorSet.key()][strategy]);
    }

    /// @inheritdoc IAllocationManager
    function getMaxMagnitude(address operator, IStrategy strategy) public view returns (uint64) {
        Checkpoints.Trace224 storage history = _maxMagnitudeHistory[operator][strategy];
        return history.length() == 0 ? WAD : uint64(history.latest());
    }

    /// @inheritdoc IAllocationManager
    function getMaxMagnitudes(address operator, IStrategy[] memory strategies)
        external
        view
        returns (uint64[] memory out)
    {
        out = new uint64[](strategies.length);
        for (uint256 i = 0; i < strategies.length; ++i) {
            out[i] = getMaxMagnitude(operator, strategies[i]);
        }
    }

    /// @inheritdoc IAllocationManager
    function getMaxMagnitudesAtBlock(address operator, IStrategy[] memory strategies, uint32 blockNumber)
        external
        view
        returns (uint64[] memory out)
    {
        out = new uint64[](strategies.length);
        for (uint256 i = 0; i < strategies.length; ++i) {
            Checkpoints.Trace224 storage history = _maxMagnitudeHistory[operator][strategies[i]];
            if (history.length() == 0 || blockNumber < history.at(0)._key) {
                out[i] = WAD;
            } else {
                out[i] = uint64(history.upperLookupRecent(blockNumber));
            }
        }
    }

    /// @inheritdoc IAllocationManager
    function getEncumberedMagnitude(address operator, IStrategy strategy) public view returns (uint64 encumbered) {
        encumbered = _encumberedMagnitude[operator][strategy];
        bytes32[] memory keys = _allocatedSets[operator][strategy].values();
        for (uint256 i = 0; i < keys.length; ++i) {
            Allocation memory a = _allocations[operator][keys[i]][strategy];
            if (a.effectBlock != 0 && block.number >= a.effectBlock && a.pendingDiff < 0) {
                encumbered -= uint64(uint128(-a.pendingDiff));
            }
        }
    }

    /// @inheritdoc IAllocationManager
    function getAllocatableMagnitude(address operator, IStrategy strategy) external view returns (uint64) {
        return getMaxMagnitude(operator, strategy) - getEncumberedMagnitude(operator, strategy);
    }

    /// @inheritdoc IAllocationManager
    function getAllocatedStake(
        OperatorSet memory operatorSet,
        address[] memory operators,
        IStrategy[] memory strategies
    ) external view returns (uint256[][] memory slashableStake) {
        bytes32 setKey = operatorSet.key();
        slashableStake = new uint256[][](operators.length);
        for (uint256 i = 0; i < operators.length; ++i) {
            slashableStake[i] = new uint256[](strategies.length);
            for (uint256 j = 0; j < strategies.length; ++j) {
                Allocation memory a = _matured(_allocations[operators[i]][setKey][strategies[j]]);
                slashableStake[i][j] = _stake(operators[i], strategies[j], a.currentMagnitude);
            }
        }
    }

    /// @inheritdoc IAllocationManager
    function getMinimumSlashableStake(
        OperatorSet memory operatorSet,
        address[] memory operators,
        IStrategy[] memory strategies,
        uint32 futureBlock
    ) external view returns (uint256[][] memory slashableStake) {
        bytes32 setKey = operatorSet.key();
        slashableStake = new uint256[][](operators.length);
        for (uint256 i = 0; i < operators.length; ++i) {
            slashableStake[i] = new uint256[](strategies.length);
            if (!isOperatorSlashable(operators[i], operatorSet)) continue;
            for (uint256 j = 0; j < strategies.length; ++j) {
                Allocation memory a = _matured(_allocations[operators[i]][setKey][strategies[j]]);
                uint64 magnitude = a.currentMagnitude;
                if (a.pendingDiff < 0 && futureBlock >= a.effectBlock) {
                    magnitude -= uint64(uint128(-a.pendingDiff));
                }
                slashableStake[i][j] = _stake(operators[i], strategies[j], magnitude);
            }
        }
    }

    // ---------------------------------------------------------------- internals

    function _checkOperatorSet(OperatorSet memory operatorSet) internal view {
        if (!isOperatorSet(operatorSet)) revert InvalidOperatorSet();
    }

    function _addStrategies(OperatorSet memory operatorSet, bytes32 setKey, IStrategy[] calldata strategies) internal {
        for (uint256 i = 0; i < strategies.length; ++i) {
            if (!_setStrategies[setKey].add(address(strategies[i]))) revert StrategyAlreadyInOperatorSet();
            emit StrategyAddedToOperatorSet(operatorSet, strategies[i]);
        }
    }

    function _currentDelayInfo(address operator) internal view returns (AllocationDelayInfo memory info) {
        info = _allocationDelay[operator];
        if (info.effectBlock != 0 && block.number >= info.effectBlock) {
            info.delay = info.pendingDelay;
            info.isSet = true;
            info.pendingDelay = 0;
            info.effectBlock = 0;
        }
    }

    /// @dev The allocation with a pending change applied once its effect block is reached.
    function _matured(Allocation memory a) internal view returns (Allocation memory) {
        if (a.effectBlock != 0 && block.number >= a.effectBlock) {
            a.currentMagnitude = uint64(uint128(int128(uint128(a.currentMagnitude)) + a.pendingDiff));
            a.pendingDiff = 0;
            a.effectBlock = 0;
        }
        return a;
    }

    /// @dev Applies every matured pending change of `operator` in `strategy`, releasing deallocated magnitude.
    function _clearMatured(address operator, IStrategy strategy) internal {
        EnumerableSet.Bytes32Set storage sets = _allocatedSets[operator][strategy];
        bytes32[] memory keys = sets.values();
        for (uint256 i = 0; i < keys.length; ++i) {
            Allocation storage a = _allocations[operator][keys[i]][strategy];
            if (a.effectBlock == 0 || block.number < a.effectBlock) continue;
            if (a.pendingDiff < 0) {
                uint64 released = uint64(uint128(-a.pendingDiff));
                _encumberedMagnitude[operator][strategy] -= released;
                emit EncumberedMagnitudeUpdated(operator, strategy, _encumberedMagnitude[operator][strategy]);
            }
            Allocation memory m = _matured(a);
            a.currentMagnitude = m.currentMagnitude;
            a.pendingDiff = 0;
            a.effectBlock = 0;
            if (m.currentMagnitude == 0) sets.remove(keys[i]);
        }
    }

    function _modifyAllocation(
        address operator,
        OperatorSet memory operatorSet,
        bytes32 setKey,
        IStrategy strategy,
        uint64 newMagnitude,
        bool slashable,
        uint32 allocationDelay
    ) internal {
        _clearMatured(operator, strategy);
        Allocation storage a = _allocations[operator][setKey][strategy];
        if (a.effectBlock != 0) revert ModificationAlreadyPending();
        uint64 current = a.currentMagnitude;
        if (newMagnitude == current) revert SameMagnitude();

        uint64 encumbered = _encumberedMagnitude[operator][strategy];
        uint32 effectBlock;
        if (newMagnitude > current) {
            uint64 increase = newMagnitude - current;
            if (uint256(encumbered) + increase > getMaxMagnitude(operator, strategy)) revert InsufficientMagnitude();
            encumbered += increase;
            effectBlock = uint32(block.number) + allocationDelay;
            a.pendingDiff = int128(uint128(increase));
            a.effectBlock = effectBlock;
            _allocatedSets[operator][strategy].add(setKey);
            if (allocationDelay == 0) {
                // Effective in this block: apply now so that later calls see a settled allocation.
                a.currentMagnitude = newMagnitude;
                a.pendingDiff = 0;
                a.effectBlock = 0;
            }
        } else {
            uint64 decrease = current - newMagnitude;
            if (slashable) {
                effectBlock = uint32(block.number) + DEALLOCATION_DELAY + 1;
                a.pendingDiff = -int128(uint128(decrease));
                a.effectBlock = effectBlock;
            } else {
                // Not slashable by this set: nothing to protect, the magnitude is released at once.
                effectBlock = uint32(block.number);
                encumbered -= decrease;
                a.currentMagnitude = newMagnitude;
                if (newMagnitude == 0) _allocatedSets[operator][strategy].remove(setKey);
            }
        }
        _encumberedMagnitude[operator][strategy] = encumbered;
        emit EncumberedMagnitudeUpdated(operator, strategy, encumbered);
        emit AllocationUpdated(operator, operatorSet, strategy, newMagnitude, effectBlock);
    }

    /// @dev Slashes one strategy; returns the fraction of the max magnitude taken and the shares slashed.
    function _slash(address operator, OperatorSet memory operatorSet, bytes32 setKey, IStrategy strategy, uint256 wad)
        internal
        returns (uint256 wadSlashed, uint256 sharesSlashed)
    {
        _clearMatured(operator, strategy);
        uint64 slashed = _slashAllocation(operator, operatorSet, setKey, strategy, wad);
        if (slashed == 0) return (0, 0);

        uint64 encumbered = _encumberedMagnitude[operator][strategy] - slashed;
        _encumberedMagnitude[operator][strategy] = encumbered;
        emit EncumberedMagnitudeUpdated(operator, strategy, encumbered);

        uint64 prevMax = getMaxMagnitude(operator, strategy);
        uint64 newMax = prevMax - slashed;
        _maxMagnitudeHistory[operator][strategy].push(uint32(block.number), newMax);
        emit MaxMagnitudeUpdated(operator, strategy, newMax);

        wadSlashed = Math.mulDiv(slashed, WAD, prevMax);
        sharesSlashed = delegation.slashOperatorShares(operator, strategy, prevMax, newMax);
    }

    /// @dev Takes `wad` of the current allocation (rounded up) and of any pending deallocation; returns the
    ///      magnitude taken from the current allocation.
    function _slashAllocation(
        address operator,
        OperatorSet memory operatorSet,
        bytes32 setKey,
        IStrategy strategy,
        uint256 wad
    ) internal returns (uint64 slashed) {
        Allocation storage a = _allocations[operator][setKey][strategy];
        uint64 current = a.currentMagnitude;
        if (current == 0) return 0;
        slashed = uint64(Math.mulDiv(current, wad, WAD, Math.Rounding.Ceil));
        current -= slashed;
        a.currentMagnitude = current;
        emit AllocationUpdated(operator, operatorSet, strategy, current, uint32(block.number));
        if (a.pendingDiff < 0) {
            // A pending deallocation shrinks in the same proportion.
            uint64 pending = uint64(uint128(-a.pendingDiff));
            pending -= uint64(Math.mulDiv(pending, wad, WAD, Math.Rounding.Ceil));
            a.pendingDiff = -int128(uint128(pending));
            emit AllocationUpdated(operator, operatorSet, strategy, current - pending, a.effectBlock);
        } else if (current == 0 && a.effectBlock == 0) {
            _allocatedSets[operator][strategy].remove(setKey);
        }
    }

    function _stake(address operator, IStrategy strategy, uint64 magnitude) internal view returns (uint256) {
        if (magnitude == 0) return 0;
        uint64 maxMagnitude = getMaxMagnitude(operator, strategy);
        if (maxMagnitude == 0) return 0;
        return Math.mulDiv(delegation.operatorShares(operator, strategy), magnitude, maxMagnitude);
    }
}
