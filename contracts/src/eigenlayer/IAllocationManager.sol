// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IStrategy} from "./IStrategy.sol";
import {IAVSRegistrar} from "./IAVSRegistrar.sol";

/// @notice An operator set: an AVS address and an id the AVS chose. ABI tuple (address avs, uint32 id).
struct OperatorSet {
    address avs;
    uint32 id;
}

/// @title Helpers for OperatorSet
library OperatorSetLib {
    /// @notice A unique key for an operator set: the avs address in the high 160 bits, the id in the low 96.
    function key(OperatorSet memory operatorSet) internal pure returns (bytes32) {
        return bytes32(abi.encodePacked(operatorSet.avs, uint96(operatorSet.id)));
    }

    /// @notice Inverse of `key`.
    function decode(bytes32 _key) internal pure returns (OperatorSet memory) {
        return OperatorSet({avs: address(uint160(uint256(_key) >> 96)), id: uint32(uint256(_key) & type(uint96).max)});
    }
}

/// @title Errors raised by the AllocationManager
interface IAllocationManagerErrors {
    /// @notice The caller may not act for this operator or AVS.
    error InvalidCaller();
    /// @notice The address is not a registered operator in the DelegationManager.
    error InvalidOperator();
    /// @notice The operator set does not exist.
    error InvalidOperatorSet();
    /// @notice The operator set id is already used by this AVS.
    error InvalidOperatorSetId();
    /// @notice The AVS must call updateAVSMetadataURI before creating operator sets.
    error NonexistentAVSMetadata();
    /// @notice The registrar does not support the AVS.
    error InvalidAVSRegistrar();
    /// @notice The operator is already a member of the operator set.
    error AlreadyMemberOfSet();
    /// @notice The operator is not a member of the operator set.
    error NotMemberOfSet();
    /// @notice Array arguments differ in length.
    error InputArrayLengthMismatch();
    /// @notice The caller is not the operator set's slasher.
    error InvalidSlasher();
    /// @notice The operator is neither registered nor within the deallocation delay after deregistering.
    error OperatorNotSlashable();
    /// @notice A wad to slash is zero or above 1e18.
    error InvalidWadToSlash();
    /// @notice Strategies are not strictly ascending.
    error StrategiesMustBeInAscendingOrder();
    /// @notice The strategy is not part of the operator set.
    error StrategyNotInOperatorSet();
    /// @notice The strategy is already part of the operator set.
    error StrategyAlreadyInOperatorSet();
    /// @notice The operator's allocation delay is not set (or not yet in effect).
    error UninitializedAllocationDelay();
    /// @notice An allocation change for this operator set and strategy is still pending.
    error ModificationAlreadyPending();
    /// @notice The new magnitude equals the current one.
    error SameMagnitude();
    /// @notice The allocation would exceed the operator's max magnitude.
    error InsufficientMagnitude();
    /// @notice A dependency address was zero.
    error InvalidAddressZero();
}

/// @title Types used by the AllocationManager
interface IAllocationManagerTypes {
    /// @notice An operator's allocation to one operator set in one strategy.
    /// @param currentMagnitude Slashable magnitude now (wad; 1e18 = all of the operator's shares).
    /// @param pendingDiff Change that takes effect at `effectBlock` (negative: deallocation).
    /// @param effectBlock Block number from which `pendingDiff` applies (0: nothing pending).
    struct Allocation {
        uint64 currentMagnitude;
        int128 pendingDiff;
        uint32 effectBlock;
    }

    /// @notice Parameters of `modifyAllocations`.
    /// @param operatorSet The operator set.
    /// @param strategies Strategies to allocate in.
    /// @param newMagnitudes New magnitude per strategy (wad).
    struct AllocateParams {
        OperatorSet operatorSet;
        IStrategy[] strategies;
        uint64[] newMagnitudes;
    }

    /// @notice Parameters of `registerForOperatorSets`.
    /// @param avs The AVS.
    /// @param operatorSetIds Operator sets to join.
    /// @param data Passed to the AVS registrar.
    struct RegisterParams {
        address avs;
        uint32[] operatorSetIds;
        bytes data;
    }

    /// @notice Parameters of `deregisterFromOperatorSets`.
    /// @param operator The operator.
    /// @param avs The AVS.
    /// @param operatorSetIds Operator sets to leave.
    struct DeregisterParams {
        address operator;
        address avs;
        uint32[] operatorSetIds;
    }

    /// @notice Parameters of `createOperatorSets`.
    /// @param operatorSetId Id of the new set.
    /// @param strategies Strategies whose stake the set uses.
    /// @param slasher The only address allowed to slash the set.
    struct CreateSetParamsV2 {
        uint32 operatorSetId;
        IStrategy[] strategies;
        address slasher;
    }

    /// @notice Parameters of `slashOperator`.
    /// @param operator The operator to slash.
    /// @param operatorSetId The operator set (of the calling AVS) it is slashed in.
    /// @param strategies Strategies, strictly ascending.
    /// @param wadsToSlash Fraction of the allocated magnitude to slash per strategy, each in (0, 1e18].
    /// @param description Reason (emitted).
    struct SlashingParams {
        address operator;
        uint32 operatorSetId;
        IStrategy[] strategies;
        uint256[] wadsToSlash;
        string description;
    }
}

/// @title Events emitted by the AllocationManager
interface IAllocationManagerEvents is IAllocationManagerTypes {
    /// @notice The operator's allocation delay (blocks) will be `delay` from `effectBlock`.
    event AllocationDelaySet(address operator, uint32 delay, uint32 effectBlock);
    /// @notice An allocation becomes `magnitude` at `effectBlock`.
    event AllocationUpdated(
        address operator, OperatorSet operatorSet, IStrategy strategy, uint64 magnitude, uint32 effectBlock
    );
    /// @notice The operator's encumbered (allocated or pending) magnitude in `strategy` changed.
    event EncumberedMagnitudeUpdated(address operator, IStrategy strategy, uint64 encumberedMagnitude);
    /// @notice The operator's max magnitude in `strategy` changed (only slashing lowers it).
    event MaxMagnitudeUpdated(address operator, IStrategy strategy, uint64 maxMagnitude);
    /// @notice An operator was slashed; `wadSlashed` is the fraction of its total stake taken per strategy.
    event OperatorSlashed(
        address operator, OperatorSet operatorSet, IStrategy[] strategies, uint256[] wadSlashed, string description
    );
    /// @notice An AVS published a metadata URI.
    event AVSMetadataURIUpdated(address indexed avs, string metadataURI);
    /// @notice An AVS named its registrar.
    event AVSRegistrarSet(address avs, IAVSRegistrar registrar);
    /// @notice An operator set was created.
    event OperatorSetCreated(OperatorSet operatorSet);
    /// @notice An operator set's slasher was set.
    event SlasherUpdated(OperatorSet operatorSet, address slasher, uint32 effectBlock);
    /// @notice An operator joined an operator set.
    event OperatorAddedToOperatorSet(address indexed operator, OperatorSet operatorSet);
    /// @notice An operator left an operator set.
    event OperatorRemovedFromOperatorSet(address indexed operator, OperatorSet operatorSet);
    /// @notice A strategy was added to an operator set.
    event StrategyAddedToOperatorSet(OperatorSet operatorSet, IStrategy strategy);
    /// @notice A strategy was removed from an operator set.
    event StrategyRemovedFromOperatorSet(OperatorSet operatorSet, IStrategy strategy);
}

/// @title AllocationManager: operator sets, allocations of slashable magnitude, and slashing
/// @notice ABI-compatible with eigenlayer-contracts v1.12.0 for the functions below.
///         Units: magnitudes are wads (1e18 = 100% of the operator's delegated shares in a strategy);
///         delays and effect times are block numbers.
interface IAllocationManager is IAllocationManagerErrors, IAllocationManagerEvents {
    /// @notice Emits `avs`'s metadata URI; required once before createOperatorSets. Caller must be `avs`.
    function updateAVSMetadataURI(address avs, string calldata metadataURI) external;

    /// @notice Names the contract called on operator (de)registration. Caller must be `avs`; the registrar must
    ///         return true from supportsAVS(avs). Unset, the AVS itself is the registrar.
    function setAVSRegistrar(address avs, IAVSRegistrar registrar) external;

    /// @notice Names `slasher` the slasher of `operatorSet`, from a configuration delay later (blocks). Caller must be
    ///         the set's AVS.
    function updateSlasher(OperatorSet memory operatorSet, address slasher) external;

    /// @notice Creates operator sets for `avs`. Caller must be `avs`.
    function createOperatorSets(address avs, CreateSetParamsV2[] calldata params) external;

    /// @notice Adds strategies to an operator set. Caller must be `avs`.
    function addStrategiesToOperatorSet(address avs, uint32 operatorSetId, IStrategy[] calldata strategies) external;

    /// @notice Removes strategies from an operator set. Caller must be `avs`.
    function removeStrategiesFromOperatorSet(address avs, uint32 operatorSetId, IStrategy[] calldata strategies)
        external;

    /// @notice Registers `operator` for operator sets of `params.avs`, then calls the AVS registrar's
    ///         registerOperator(operator, avs, ids, data). Caller must be `operator`.
    function registerForOperatorSets(address operator, RegisterParams calldata params) external;

    /// @notice Removes `params.operator` from operator sets, then calls the AVS registrar's deregisterOperator.
    ///         Caller must be the operator or the AVS. The operator stays slashable for DEALLOCATION_DELAY blocks.
    function deregisterFromOperatorSets(DeregisterParams calldata params) external;

    /// @notice Sets the operator's allocation delay (blocks). Caller: the operator, or the DelegationManager at
    ///         registration (then effective at once); otherwise effective after ALLOCATION_CONFIGURATION_DELAY blocks.
    function setAllocationDelay(address operator, uint32 delay) external;

    /// @notice Changes the operator's allocations. Increases take effect after the operator's allocation delay;
    ///         decreases after DEALLOCATION_DELAY blocks (at once if the operator is not slashable by the set).
    ///         Caller must be `operator`.
    function modifyAllocations(address operator, AllocateParams[] calldata params) external;

    /// @notice Slashes `params.operator` in an operator set of `avs`: for each strategy, takes
    ///         wadsToSlash[i] of the allocated magnitude and the same number of shares' worth of delegated stake.
    ///         Caller must be the operator set's slasher.
    /// @return slashId Per-operator-set counter, starting at 1.
    /// @return shares Delegated shares slashed per strategy.
    function slashOperator(address avs, SlashingParams calldata params)
        external
        returns (uint256 slashId, uint256[] memory shares);

    /// @notice Members of an operator set.
    function getMembers(OperatorSet memory operatorSet) external view returns (address[] memory);

    /// @notice Number of members of an operator set.
    function getMemberCount(OperatorSet memory operatorSet) external view returns (uint256);

    /// @notice Whether `operator` is a member of `operatorSet`.
    function isMemberOfOperatorSet(address operator, OperatorSet memory operatorSet) external view returns (bool);

    /// @notice Whether `operatorSet` exists.
    function isOperatorSet(OperatorSet memory operatorSet) external view returns (bool);

    /// @notice Number of operator sets `avs` created.
    function getOperatorSetCount(address avs) external view returns (uint256);

    /// @notice Strategies of an operator set.
    function getStrategiesInOperatorSet(OperatorSet memory operatorSet) external view returns (IStrategy[] memory);

    /// @notice Operator sets `operator` is registered for.
    function getRegisteredSets(address operator) external view returns (OperatorSet[] memory);

    /// @notice Whether `operator` can be slashed by `operatorSet` now (registered, or deregistered less than
    ///         DEALLOCATION_DELAY blocks ago).
    function isOperatorSlashable(address operator, OperatorSet memory operatorSet) external view returns (bool);

    /// @notice The address allowed to slash `operatorSet`.
    function getSlasher(OperatorSet memory operatorSet) external view returns (address);

    /// @notice The registrar called for `avs` (the AVS itself unless set).
    function getAVSRegistrar(address avs) external view returns (IAVSRegistrar);

    /// @notice The operator's allocation delay: whether it is set and in effect, and its value (blocks).
    function getAllocationDelay(address operator) external view returns (bool isSet, uint32 delay);

    /// @notice The operator's allocation to `operatorSet` in `strategy`, with matured changes applied.
    function getAllocation(address operator, OperatorSet memory operatorSet, IStrategy strategy)
        external
        view
        returns (Allocation memory);

    /// @notice The operator's max magnitude in `strategy` (wad; 1e18 until slashed).
    function getMaxMagnitude(address operator, IStrategy strategy) external view returns (uint64);

    /// @notice The operator's max magnitude in each strategy.
    function getMaxMagnitudes(address operator, IStrategy[] memory strategies)
        external
        view
        returns (uint64[] memory);

    /// @notice The operator's max magnitudes as of block `blockNumber`.
    function getMaxMagnitudesAtBlock(address operator, IStrategy[] memory strategies, uint32 blockNumber)
        external
        view
        returns (uint64[] memory);

    /// @notice Magnitude allocated or pending allocation (wad), with matured deallocations released.
    function getEncumberedMagnitude(address operator, IStrategy strategy) external view returns (uint64);

    /// @notice Max magnitude minus encumbered magnitude (wad).
    function getAllocatableMagnitude(address operator, IStrategy strategy) external view returns (uint64);

    /// @notice Delegated shares allocated (slashable) to `operatorSet`, indexed [operator][strategy]:
    ///         operatorShares × currentMagnitude / maxMagnitude.
    function getAllocatedStake(OperatorSet memory operatorSet, address[] memory operators, IStrategy[] memory strategies)
        external
        view
        returns (uint256[][] memory slashableStake);

    /// @notice The least slashable stake between now and `futureBlock`, indexed [operator][strategy]: pending
    ///         increases are ignored, pending decreases effective by `futureBlock` are applied; zero for operators
    ///         the set cannot slash.
    function getMinimumSlashableStake(
        OperatorSet memory operatorSet,
        address[] memory operators,
        IStrategy[] memory strategies,
        uint32 futureBlock
    ) external view returns (uint256[][] memory slashableStake);

    /// @notice Blocks a deallocation (or deregistration) stays slashable.
    function DEALLOCATION_DELAY() external view returns (uint32);

    /// @notice Blocks before a changed allocation delay takes effect.
    function ALLOCATION_CONFIGURATION_DELAY() external view returns (uint32);
}
