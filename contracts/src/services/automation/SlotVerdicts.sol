// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {OperatorSetSlashing} from "../../core/avs/OperatorSetSlashing.sol";
import {ECDSAStakeRegistry} from "../../core/registry/ECDSAStakeRegistry.sol";
import {IAllocationManager, IAllocationManagerTypes, OperatorSet} from "../../eigenlayer/IAllocationManager.sol";
import {ExecutorSchedule} from "./ExecutorSchedule.sol";

/// @title SlotVerdicts
/// @notice The attesters' verdict on each ended slot of the automation service: did the slot's executor run what was
///         due? Operators other than the executor replay the slot from chain data and sign a `SlotVerdict` (EIP-712,
///         domain "avs-stack automation" / "1" / this chain / this contract) binding the slot, its executor, the list
///         of workflows that were due in it and the verdict. Anyone submits the signatures; a verdict is posted once per
///         slot when the signers' stake weight at the slot's epoch (lowered to what they can be slashed for now)
///         reaches the registry's threshold share of the weight of everyone but the executor. A fault verdict slashes
///         the executor's allocation to the AVS's operator set (this contract is its slasher) by WAD_TO_SLASH.
/// @dev The executor's own weight is left out of both sides of the threshold: otherwise an executor holding more than
///      (1 − threshold) of the stake could never be found at fault. Only the executor the schedule drew for the slot
///      can be named, so no one can be slashed for a slot that was not theirs.
contract SlotVerdicts is EIP712 {
    /// @notice One slot's verdict, as attesters sign it.
    /// @param slotStartBlock The slot's first block (ExecutorSchedule.executorAt).
    /// @param executor The slot's executor (an operator).
    /// @param dueWorkflows keccak256 of the ABI-encoded list of the workflows due in the slot that the executor could
    ///        have run, as the attesters found them (each (vault, workflowId)), sorted by vault then id.
    /// @param fault Whether the executor left a due workflow unrun.
    /// @param referenceEpoch The epoch of the slot's arrangement: signers and weights are read there.
    struct SlotVerdict {
        uint256 slotStartBlock;
        address executor;
        bytes32 dueWorkflows;
        bool fault;
        uint32 referenceEpoch;
    }

    /// @notice EIP-712 type of {SlotVerdict}.
    bytes32 public constant SLOT_VERDICT_TYPEHASH = keccak256(
        "SlotVerdict(uint256 slotStartBlock,address executor,bytes32 dueWorkflows,bool fault,uint32 referenceEpoch)"
    );
    /// @notice The reason AllocationManager.slashOperator emits for a fault.
    string public constant FAULT_DESCRIPTION = "avs-stack automation: left due workflows unrun in its slot";

    /// @notice The slot is not one the schedule has (no arrangement, or not a slot's first block).
    error NotASlotStart(uint256 slotStartBlock);
    /// @notice The verdict names another operator than the slot's executor (or the slot has none).
    error NotTheExecutor(address named, address scheduled);
    /// @notice The slot has not ended yet.
    error SlotNotEnded(uint256 slotStartBlock, uint256 endBlock);
    /// @notice The reference epoch is not the epoch of the slot's arrangement.
    error WrongReferenceEpoch(uint32 given, uint32 slotEpoch);
    /// @notice A verdict for this slot was posted already.
    error VerdictAlreadyPosted(uint256 slotStartBlock);
    /// @notice `operators` and `signatures` differ in length, or operators are not strictly ascending.
    error MalformedSignatures();
    /// @notice The executor signed its own verdict.
    error ExecutorCannotAttest(address executor);
    /// @notice `operator` had no signing key at the reference epoch, or its signature does not recover to it.
    error InvalidAttesterSignature(address operator);
    /// @notice The signers' weight is below the threshold share of the attesters' weight.
    error BelowThreshold(uint256 signedWeight, uint256 thresholdWeight);
    /// @notice The fraction to slash is not in (0, 1e18].
    error InvalidWadToSlash(uint256 wadToSlash);

    /// @notice A verdict was posted for the slot starting at `slotStartBlock`.
    event VerdictPosted(
        uint256 indexed slotStartBlock, address indexed executor, bool fault, bytes32 dueWorkflows, uint256 signedWeight
    );
    /// @notice `executor` was slashed for a fault verdict.
    event ExecutorSlashed(address indexed executor, uint256 indexed slotStartBlock, uint256 slashId, uint256[] shares);

    /// @notice Who executed which slot.
    ExecutorSchedule public immutable schedule;
    /// @notice The AVS's stake registry (signing keys, weights, threshold per epoch).
    ECDSAStakeRegistry public immutable registry;
    /// @notice EigenLayer's AllocationManager.
    IAllocationManager public immutable allocationManager;
    /// @notice The AVS (its ServiceManager) and the operator set slashed.
    address public immutable avs;
    uint32 public immutable operatorSetId;
    /// @notice The fraction of a faulty executor's allocation slashed in each strategy, wad in (0, 1e18].
    uint256 public immutable WAD_TO_SLASH;

    /// @notice Whether a verdict was posted for the slot starting at a block.
    mapping(uint256 slotStartBlock => bool) public verdictPosted;

    /// @param schedule_ The service's ExecutorSchedule (its registry is the one read here).
    /// @param allocationManager_ EigenLayer's AllocationManager.
    /// @param avs_ The AVS whose operator set this contract slashes (its ServiceManager).
    /// @param operatorSetId_ That operator set.
    /// @param wadToSlash The fraction slashed for a fault, wad in (0, 1e18].
    constructor(
        ExecutorSchedule schedule_,
        IAllocationManager allocationManager_,
        address avs_,
        uint32 operatorSetId_,
        uint256 wadToSlash
    ) EIP712("avs-stack automation", "1") {
        if (wadToSlash == 0 || wadToSlash > 1e18) revert InvalidWadToSlash(wadToSlash);
        schedule = schedule_;
        registry = schedule_.registry();
        allocationManager = allocationManager_;
        avs = avs_;
        operatorSetId = operatorSetId_;
        WAD_TO_SLASH = wadToSlash;
    }

    /// @notice The EIP-712 digest attesters sign for `verdict`.
    function verdictDigest(SlotVerdict calldata verdict) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    SLOT_VERDICT_TYPEHASH,
                    verdict.slotStartBlock,
                    verdict.executor,
                    verdict.dueWorkflows,
                    verdict.fault,
                    verdict.referenceEpoch
                )
            )
        );
    }

    /// @notice Posts `verdict`, signed by `operators` (strictly ascending, the executor not among them) with
    ///         `signatures` (65-byte ECDSA by each one's signing key at the reference epoch). Anyone may submit. A fault
    ///         verdict slashes the executor.
    /// @dev Reverts {NotASlotStart}, {NotTheExecutor}, {SlotNotEnded}, {WrongReferenceEpoch}, {VerdictAlreadyPosted},
    ///      {MalformedSignatures}, {ExecutorCannotAttest}, {InvalidAttesterSignature}, {BelowThreshold}, or the
    ///      AllocationManager's error. Emits {VerdictPosted}, and {ExecutorSlashed} for a fault while the executor is
    ///      slashable.
    function submitVerdict(SlotVerdict calldata verdict, address[] calldata operators, bytes[] calldata signatures)
        external
    {
        _checkSlot(verdict);
        uint256 signedWeight = _checkSignatures(verdict, operators, signatures);
        verdictPosted[verdict.slotStartBlock] = true;
        emit VerdictPosted(verdict.slotStartBlock, verdict.executor, verdict.fault, verdict.dueWorkflows, signedWeight);
        if (verdict.fault) _slash(verdict.executor, verdict.slotStartBlock);
    }

    // ------------------------------------------------------------------------------------------------ internal

    function _checkSlot(SlotVerdict calldata verdict) private view {
        (address scheduled,, uint32 epoch, uint256 slotStart) = _executorAt(verdict.slotStartBlock);
        if (slotStart != verdict.slotStartBlock) revert NotASlotStart(verdict.slotStartBlock);
        if (scheduled == address(0) || scheduled != verdict.executor) revert NotTheExecutor(verdict.executor, scheduled);
        uint256 endBlock = slotStart + schedule.slotBlocks();
        if (block.number < endBlock) revert SlotNotEnded(slotStart, endBlock);
        if (verdict.referenceEpoch != epoch) revert WrongReferenceEpoch(verdict.referenceEpoch, epoch);
        if (verdictPosted[slotStart]) revert VerdictAlreadyPosted(slotStart);
    }

    function _executorAt(uint256 blockNumber)
        private
        view
        returns (address operator, uint256 slot, uint32 epoch, uint256 slotStart)
    {
        try schedule.executorAt(blockNumber) returns (address o, uint256 s, uint32 e, uint256 start) {
            return (o, s, e, start);
        } catch {
            revert NotASlotStart(blockNumber);
        }
    }

    /// @dev Verifies every signature and returns the signers' weight, which must reach the threshold share of the
    ///      weight of everyone but the executor at the reference epoch. A signer counts its signing weight (its weight
    ///      at the epoch lowered to the stake the operator set can slash now): a verdict is worth what its signers can
    ///      lose, so an attester that deallocated or is withdrawing cannot carry one with its old weight.
    function _checkSignatures(SlotVerdict calldata verdict, address[] calldata operators, bytes[] calldata signatures)
        private
        view
        returns (uint256 signedWeight)
    {
        if (operators.length != signatures.length) revert MalformedSignatures();
        bytes32 digest = verdictDigest(verdict);
        uint32 epoch = verdict.referenceEpoch;
        address previous;
        for (uint256 i; i < operators.length; ++i) {
            address operator = operators[i];
            if (operator <= previous) revert MalformedSignatures();
            previous = operator;
            if (operator == verdict.executor) revert ExecutorCannotAttest(operator);
            address signingKey = registry.getOperatorSigningKeyAtEpoch(operator, epoch);
            (address recovered, ECDSA.RecoverError error,) = ECDSA.tryRecover(digest, signatures[i]);
            if (signingKey == address(0) || error != ECDSA.RecoverError.NoError || recovered != signingKey) {
                revert InvalidAttesterSignature(operator);
            }
            signedWeight += registry.getSigningWeightAtEpoch(operator, epoch);
        }
        uint256 attesterWeight =
            registry.getTotalWeightAtEpoch(epoch) - registry.getOperatorWeightAtEpoch(verdict.executor, epoch);
        uint256 thresholdWeight = (attesterWeight * registry.getThresholdBpsAtEpoch(epoch) + 9_999) / 10_000;
        if (thresholdWeight == 0 || signedWeight < thresholdWeight) revert BelowThreshold(signedWeight, thresholdWeight);
    }

    /// @dev Slashes WAD_TO_SLASH of the executor's allocation to the operator set in each of its strategies, if it is
    ///      still slashable by it.
    function _slash(address executor, uint256 slotStartBlock) private {
        OperatorSet memory set = OperatorSet({avs: avs, id: operatorSetId});
        if (!allocationManager.isOperatorSlashable(executor, set)) return;
        IAllocationManagerTypes.SlashingParams memory params =
            OperatorSetSlashing.params(allocationManager, set, executor, WAD_TO_SLASH, FAULT_DESCRIPTION);
        (uint256 slashId, uint256[] memory shares) = allocationManager.slashOperator(avs, params);
        emit ExecutorSlashed(executor, slotStartBlock, slashId, shares);
    }
}
