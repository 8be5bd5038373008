// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {EpochManager} from "../../core/epochs/EpochManager.sol";
import {ECDSAStakeRegistry} from "../../core/registry/ECDSAStakeRegistry.sol";
import {IPermissionController} from "../../eigenlayer/IPermissionController.sol";
import {ExecutorSelection} from "./ExecutorSelection.sol";
import {IExecutorSchedule} from "./IExecutorSchedule.sol";

/// @title ExecutorSchedule
/// @notice Who executes workflows when: operators of the automation AVS activate themselves as executors (and name a
///         delegated signer, the hot key that sends their executions); once per epoch anyone arranges the executors
///         (a snapshot of the active executors registered in the AVS's stake registry at the epoch, with their stake
///         weights there, i.e. their slashable stake); from that block on, blocks are cut into slots of
///         {slotBlocks} blocks and each slot's executor is drawn in proportion to stake weight
///         ({ExecutorSelection.pick}).
/// @dev Seed: the seed an arrangement uses was committed by the arrangement before it (`block.prevrandao` then),
///      at least one epoch earlier, before this epoch's snapshot existed. The proposer of that block could only withhold
///      it (one bit of bias) without knowing which executors the seed would be applied to, and the sender of an
///      arrangement cannot pick its seed by choosing when to send it. Operators can see the next seed while the next
///      snapshot's weights are still changing; the most that buys is a different share of slots for their own stake,
///      each of which obliges them to run every due workflow or be slashed (docs/decisions/automation-0001-schedule.md).
///      Activation and deactivation take effect at the next arrangement: an active executor stays responsible for
///      its slots until then.
contract ExecutorSchedule is IExecutorSchedule {
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @notice One arrangement: the executors of an epoch from `startBlock` until the next arrangement.
    /// @param epoch The epoch it was made in (the snapshot's weights are those of this epoch).
    /// @param startBlock The block it was made in: slot 0 starts there.
    /// @param seed The seed of its slot draws (committed by the previous arrangement).
    /// @param executors The snapshot's operators, in activation order.
    /// @param cumulativeWeights Their cumulative stake weights (ExecutorSelection's input).
    struct Arrangement {
        uint32 epoch;
        uint64 startBlock;
        bytes32 seed;
        address[] executors;
        uint256[] cumulativeWeights;
    }

    /// @notice The caller cannot act for the operator (not it, nor its PermissionController admin or appointee).
    error CallerCannotActForOperator(address caller, address operator);
    /// @notice The caller is neither the operator nor its delegated signer.
    error NotOperatorOrSigner(address caller, address operator);
    /// @notice The signer is zero, an operator's own address, or already another operator's signer.
    error InvalidDelegatedSigner(address signer);
    /// @notice The operator is not registered in the AVS's stake registry now.
    error NotRegistered(address operator);
    /// @notice This epoch was already arranged.
    error AlreadyArranged(uint32 epoch);
    /// @notice The block is before the first arrangement (no executor for it).
    error NotArranged(uint256 blockNumber);
    /// @notice The slot length is zero.
    error ZeroSlotBlocks();

    /// @notice `operator` named `signer` as its delegated signer (`previous` no longer is).
    event DelegatedSignerSet(address indexed operator, address indexed signer, address previous);
    /// @notice `operator` activated as an executor (from the next arrangement).
    event ExecutorActivated(address indexed operator);
    /// @notice `operator` deactivated (from the next arrangement).
    event ExecutorDeactivated(address indexed operator);
    /// @notice Epoch `epoch` was arranged at `startBlock` with `executors` and total weight `totalWeight`.
    event ExecutorsArranged(uint32 indexed epoch, uint64 startBlock, bytes32 seed, address[] executors, uint256 totalWeight);

    /// @notice Blocks per slot.
    uint64 public immutable slotBlocks;
    /// @notice The AVS's epoch clock.
    EpochManager public immutable epochManager;
    /// @notice The AVS's stake registry (registration and stake weight per epoch).
    ECDSAStakeRegistry public immutable registry;
    /// @notice Who may act for an operator (EigenLayer PermissionController).
    IPermissionController public immutable permissionController;

    /// @notice Each operator's delegated signer.
    mapping(address operator => address signer) public delegatedSigner;
    /// @notice The operator a delegated signer signs for.
    mapping(address signer => address operator) public signerOperator;
    EnumerableSet.AddressSet private _active;
    /// @dev Arrangements in order; their start blocks increase.
    Arrangement[] private _arrangements;
    /// @notice The seed the next arrangement will use.
    bytes32 public nextSeed;

    /// @param epochManager_ The AVS's EpochManager.
    /// @param registry_ The AVS's ECDSAStakeRegistry.
    /// @param permissionController_ EigenLayer's PermissionController.
    /// @param slotBlocks_ Blocks per slot (> 0).
    constructor(
        EpochManager epochManager_,
        ECDSAStakeRegistry registry_,
        IPermissionController permissionController_,
        uint64 slotBlocks_
    ) {
        if (slotBlocks_ == 0) revert ZeroSlotBlocks();
        epochManager = epochManager_;
        registry = registry_;
        permissionController = permissionController_;
        slotBlocks = slotBlocks_;
        // The first arrangement's seed: fixed at deployment, before any executor is active.
        nextSeed = keccak256(abi.encode(block.prevrandao, block.chainid, address(this)));
    }

    // ------------------------------------------------------------------------------------------------ executors

    /// @notice Names `signer` as `operator`'s delegated signer: the key that sends its executions and may
    ///         (de)activate it. By the operator or whoever the PermissionController lets act for it.
    /// @dev Reverts {CallerCannotActForOperator} or {InvalidDelegatedSigner}. Emits {DelegatedSignerSet}.
    function setDelegatedSigner(address operator, address signer) external {
        _checkCanActFor(operator);
        if (signer == address(0) || signer == operator || signerOperator[signer] != address(0)) {
            revert InvalidDelegatedSigner(signer);
        }
        address previous = delegatedSigner[operator];
        if (previous != address(0)) delete signerOperator[previous];
        delegatedSigner[operator] = signer;
        signerOperator[signer] = operator;
        emit DelegatedSignerSet(operator, signer, previous);
    }

    /// @notice Activates `operator` as an executor from the next arrangement. By the operator or its signer.
    /// @dev Reverts {NotOperatorOrSigner} or {NotRegistered}. Emits {ExecutorActivated} (once per change).
    function activateExecutor(address operator) external {
        _checkOperatorOrSigner(operator);
        if (!registry.operatorRegistered(operator)) revert NotRegistered(operator);
        if (_active.add(operator)) emit ExecutorActivated(operator);
    }

    /// @notice Deactivates `operator` from the next arrangement (its slots until then stay its duty). By the
    ///         operator or its signer.
    /// @dev Reverts {NotOperatorOrSigner}. Emits {ExecutorDeactivated} (once per change).
    function deactivateExecutor(address operator) external {
        _checkOperatorOrSigner(operator);
        if (_active.remove(operator)) emit ExecutorDeactivated(operator);
    }

    /// @notice Whether `operator` is active (in the next arrangement if still registered then).
    function isActive(address operator) external view returns (bool) {
        return _active.contains(operator);
    }

    /// @notice The active operators.
    function activeExecutors() external view returns (address[] memory) {
        return _active.values();
    }

    // ------------------------------------------------------------------------------------------------ schedule

    /// @notice Arranges the current epoch (anyone, once per epoch): snapshots the active executors registered at the
    ///         epoch with their signing weight there (the epoch's weight lowered to the stake the operator set can
    ///         slash now: an executor's slots are worth what it can lose for skipping them; zero-weight ones left
    ///         out), starts slot 0 at this block with the seed committed by the previous arrangement, and commits the
    ///         next seed.
    /// @dev Reverts {AlreadyArranged}. Emits {ExecutorsArranged}. An empty snapshot is kept too: its slots have no
    ///      executor.
    function arrangeExecutors() external {
        uint32 epoch = epochManager.currentEpoch();
        uint256 count = _arrangements.length;
        if (count > 0 && _arrangements[count - 1].epoch >= epoch) revert AlreadyArranged(epoch);

        address[] memory candidates = _active.values();
        address[] memory executors = new address[](candidates.length);
        uint256[] memory cumulativeWeights = new uint256[](candidates.length);
        uint256 n;
        uint256 total;
        for (uint256 i; i < candidates.length; ++i) {
            uint256 weight = registry.getSigningWeightAtEpoch(candidates[i], epoch);
            if (weight == 0) continue;
            total += weight;
            executors[n] = candidates[i];
            cumulativeWeights[n] = total;
            ++n;
        }
        assembly ("memory-safe") {
            mstore(executors, n)
            mstore(cumulativeWeights, n)
        }

        bytes32 seed = nextSeed;
        Arrangement storage a = _arrangements.push();
        a.epoch = epoch;
        a.startBlock = uint64(block.number);
        a.seed = seed;
        a.executors = executors;
        a.cumulativeWeights = cumulativeWeights;
        nextSeed = keccak256(abi.encode(block.prevrandao, epoch, address(this)));
        emit ExecutorsArranged(epoch, uint64(block.number), seed, executors, total);
    }

    /// @inheritdoc IExecutorSchedule
    function isValidExecutor(uint256 blockNumber, address executor) external view returns (bool) {
        (uint256 index, bool found) = _arrangementAt(blockNumber);
        if (!found) return false;
        Arrangement storage a = _arrangements[index];
        if (a.executors.length == 0) return false;
        address scheduled = a.executors[ExecutorSelection.pick(a.seed, (blockNumber - a.startBlock) / slotBlocks, a.cumulativeWeights)];
        return executor == scheduled || signerOperator[executor] == scheduled;
    }

    /// @notice The executor (operator) of `blockNumber`'s slot, the slot's number within its arrangement, the
    ///         epoch of that arrangement, and the slot's first block. `operator` is zero when the snapshot is empty.
    /// @dev Reverts {NotArranged} for a block before the first arrangement.
    function executorAt(uint256 blockNumber)
        external
        view
        returns (address operator, uint256 slot, uint32 epoch, uint256 slotStartBlock)
    {
        (uint256 index, bool found) = _arrangementAt(blockNumber);
        if (!found) revert NotArranged(blockNumber);
        Arrangement storage a = _arrangements[index];
        slot = (blockNumber - a.startBlock) / slotBlocks;
        epoch = a.epoch;
        slotStartBlock = a.startBlock + slot * slotBlocks;
        if (a.executors.length > 0) operator = a.executors[ExecutorSelection.pick(a.seed, slot, a.cumulativeWeights)];
    }

    /// @notice How many arrangements were made.
    function arrangementCount() external view returns (uint256) {
        return _arrangements.length;
    }

    /// @notice Arrangement `index` (0 = the first).
    function arrangement(uint256 index) external view returns (Arrangement memory) {
        return _arrangements[index];
    }

    // ------------------------------------------------------------------------------------------------ internal

    /// @dev The latest arrangement whose start block is at or before `blockNumber` (binary search).
    function _arrangementAt(uint256 blockNumber) private view returns (uint256 index, bool found) {
        uint256 low;
        uint256 high = _arrangements.length;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            if (_arrangements[mid].startBlock <= blockNumber) low = mid + 1;
            else high = mid;
        }
        if (low == 0) return (0, false);
        return (low - 1, true);
    }

    function _checkCanActFor(address operator) private view {
        if (msg.sender != operator && !permissionController.canCall(operator, msg.sender, address(this), msg.sig)) {
            revert CallerCannotActForOperator(msg.sender, operator);
        }
    }

    function _checkOperatorOrSigner(address operator) private view {
        if (msg.sender != operator && delegatedSigner[operator] != msg.sender) {
            revert NotOperatorOrSigner(msg.sender, operator);
        }
    }
}
