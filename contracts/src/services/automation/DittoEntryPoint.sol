// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {LibBytes} from "solady/utils/LibBytes.sol";
import {IDittoEntryPoint} from "./IDittoEntryPoint.sol";
import {IExecutorSchedule} from "./IExecutorSchedule.sol";
import {IProtocolFees} from "./IProtocolFees.sol";
import {FeeFormula} from "./ProtocolFees.sol";
import {WorkflowTriggers} from "./WorkflowTriggers.sol";

/// @title DittoEntryPoint
/// @notice Entry point of the automation service. Vaults register workflows and keep an ether deposit here; in each
///         block the executor named by the {IExecutorSchedule} runs the due workflows with {runMultipleWorkflows}
///         and is credited per {IProtocolFees} out of the prefund reserved from the vault's deposit.
/// @dev Money: the entry point's balance is the sum of the vault deposits and the executor credits (ether forced in
///      by selfdestruct aside). Ether only leaves through {withdraw} and {withdrawCredit}, which are pull payments
///      behind the same reentrancy lock as {runMultipleWorkflows}: no workflow call can take ether out mid-batch.
///      Per run a vault pays at most maxGasLimit × tx.gasprice + fixedReward ≤ maxGasLimit × maxGasPrice +
///      fixedReward, and fixedReward is capped by ProtocolFees.MAX_FIXED_REWARD.
contract DittoEntryPoint is WorkflowTriggers, ReentrancyGuardTransient {
    using LibBytes for LibBytes.BytesStorage;

    /// @notice Gas (units) required on top of maxGasLimit × 64/63 before a workflow is started: the prefund and
    ///         schedule writes before the call, the call's own cost (cold account, memory) and the settlement after
    ///         it. With less left the batch stops there, so an executor cannot starve a call into failing and still
    ///         be paid for the failure (EIP-150 would otherwise forward only 63/64 of what is left).
    uint256 public constant CALL_GAS_RESERVE = 60_000;

    /// @notice Who may run workflows in a block.
    IExecutorSchedule public immutable executorSchedule;
    /// @notice The fee rules.
    IProtocolFees public immutable protocolFees;

    mapping(address vault => uint256) internal _deposits;
    mapping(address executor => uint256) internal _credits;

    /// @param executorSchedule_ The executor schedule of the automation service.
    /// @param protocolFees_ The fee rules.
    constructor(IExecutorSchedule executorSchedule_, IProtocolFees protocolFees_) {
        executorSchedule = executorSchedule_;
        protocolFees = protocolFees_;
    }

    /// @inheritdoc IDittoEntryPoint
    /// @dev msg.sender is the vault; the id is its registration counter. A workflow's cost per run is bounded by
    ///      maxGasLimit × maxGasPrice + the protocol's fixed reward, whatever the executor does.
    function registerWorkflow(WorkflowParams calldata params) external returns (uint256 id) {
        return _storeWorkflow(params);
    }

    /// @inheritdoc IDittoEntryPoint
    /// @dev Final: a cancelled workflow is reported Inactive by every later batch and never called nor charged.
    function cancelWorkflow(uint256 id) external {
        StoredWorkflow storage w = _workflows[msg.sender][id];
        if (w.status == WorkflowStatus.None) revert UnknownWorkflow(msg.sender, id);
        if (w.status == WorkflowStatus.Cancelled) revert WorkflowAlreadyCancelled(msg.sender, id);
        w.status = WorkflowStatus.Cancelled;
        emit WorkflowCancelled(msg.sender, id);
    }

    /// @inheritdoc IDittoEntryPoint
    /// @dev Anyone may fund any vault. Allowed during a batch (a workflow may top up its vault).
    function deposit(address vault) external payable {
        if (msg.value == 0) revert ZeroAmount();
        _deposits[vault] += msg.value;
        emit Deposited(vault, msg.sender, msg.value);
    }

    /// @inheritdoc IDittoEntryPoint
    /// @dev The prefund of a run in progress is already out of the deposit, so it cannot be withdrawn; the lock also
    ///      refuses any withdrawal during a batch.
    function withdraw(uint256 amount, address payable to) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 available = _deposits[msg.sender];
        if (amount > available) revert InsufficientDeposit(available, amount);
        _deposits[msg.sender] = available - amount;
        emit Withdrawn(msg.sender, to, amount);
        _send(to, amount);
    }

    /// @inheritdoc IDittoEntryPoint
    /// @dev Credits go to the address that called {runMultipleWorkflows} (operator or its delegated signer).
    function withdrawCredit(address payable to) external nonReentrant {
        uint256 amount = _credits[msg.sender];
        if (amount == 0) revert NothingToWithdraw();
        _credits[msg.sender] = 0;
        emit CreditWithdrawn(msg.sender, to, amount);
        _send(to, amount);
    }

    /// @inheritdoc IDittoEntryPoint
    function depositOf(address vault) external view returns (uint256) {
        return _deposits[vault];
    }

    /// @inheritdoc IDittoEntryPoint
    function creditOf(address executor) external view returns (uint256) {
        return _credits[executor];
    }

    /// @inheritdoc IDittoEntryPoint
    /// @dev For each ref in order: Inactive if not active; GasPriceTooHigh if tx.gasprice > maxGasPrice; NotDue if the
    ///      trigger does not hold now (re-checked here, whatever the executor saw off-chain); InsufficientPrefund if
    ///      the deposit is below the prefund. None of these is charged. Otherwise the prefund is reserved, the
    ///      schedule advanced, the target called with exactly maxGasLimit gas (no return data copied), and the
    ///      executor credited the success or failure compensation (never more than the prefund), the rest returning
    ///      to the deposit. A failing call does not revert the batch. When the gas left cannot give a workflow its
    ///      full budget, the batch stops: that ref and all after it stay NotRun, uncharged.
    function runMultipleWorkflows(WorkflowRef[] calldata refs)
        external
        nonReentrant
        returns (RunResult[] memory results)
    {
        if (!executorSchedule.isValidExecutor(block.number, msg.sender)) revert NotValidExecutor(msg.sender);
        IProtocolFees.FeeParams memory fees = protocolFees.feeParams();
        uint256 n = refs.length;
        results = new RunResult[](n);
        for (uint256 i; i < n; ++i) {
            RunResult memory r = _run(refs[i].vault, refs[i].id, fees);
            if (r.status == RunStatus.NotRun) {
                emit BatchCutShort(msg.sender, i, gasleft());
                break;
            }
            results[i] = r;
        }
    }

    /// @dev One workflow of a batch; returns NotRun (and changes nothing) when the gas left is not enough.
    function _run(address vault, uint256 id, IProtocolFees.FeeParams memory fees)
        private
        returns (RunResult memory r)
    {
        StoredWorkflow storage w = _workflows[vault][id];
        if (w.status != WorkflowStatus.Active) return _skip(vault, id, RunStatus.Inactive);
        if (tx.gasprice > w.maxGasPrice) return _skip(vault, id, RunStatus.GasPriceTooHigh);
        uint256 gasLimit = w.maxGasLimit;
        uint256 callGasNeeded = gasLimit + gasLimit / 63 + CALL_GAS_RESERVE;

        bytes memory data;
        if (w.kind == TriggerKind.Time) {
            if (block.timestamp < w.nextRunAt) return _skip(vault, id, RunStatus.NotDue);
            data = w.callData.get();
        } else {
            if (block.number <= w.lastRunBlock) return _skip(vault, id, RunStatus.NotDue);
            bytes memory checkData = w.checkData.get();
            // A starved check would only read "not due", but stopping here keeps NotDue truthful.
            if (gasleft() < CHECK_GAS_LIMIT + CHECK_GAS_LIMIT / 63 + CHECK_GAS_RESERVE + callGasNeeded) return r;
            bool canExec;
            (canExec, data) = _checkCondition(w.checker, checkData);
            if (!canExec) return _skip(vault, id, RunStatus.NotDue);
        }

        uint256 prefund = FeeFormula.prefund(fees, gasLimit, tx.gasprice);
        uint256 available = _deposits[vault];
        if (available < prefund) return _skip(vault, id, RunStatus.InsufficientPrefund);
        if (gasleft() < callGasNeeded) return r;

        // Effects before the call: the prefund leaves the deposit and the schedule moves on, so a re-entering target
        // can neither withdraw it nor find the workflow due again in this block.
        _payPrefund(vault, id, available, prefund);
        if (w.kind == TriggerKind.Time) w.nextRunAt = _followingRunAt(w.nextRunAt, w.interval);
        else w.lastRunBlock = uint64(block.number);

        (bool success, uint256 gasUsed) = _call(w.target, gasLimit, data);
        r = _settle(vault, id, fees, success, gasUsed, prefund);
    }

    /// @dev payPrefund: moves `prefund` wei out of `vault`'s deposit (`available` wei) into the reserve of the run.
    function _payPrefund(address vault, uint256 id, uint256 available, uint256 prefund) private {
        _deposits[vault] = available - prefund;
        emit PrefundPaid(vault, id, prefund);
    }

    /// @dev Calls `target` with exactly `gasLimit` gas (the caller checked that much is left) and no return data
    ///      copied, so the target cannot make the batch pay for a large answer. `gasUsed` is measured around the
    ///      call and capped at `gasLimit`: a vault is never billed beyond its registered maximum.
    function _call(address target, uint256 gasLimit, bytes memory data)
        private
        returns (bool success, uint256 gasUsed)
    {
        uint256 before = gasleft();
        assembly ("memory-safe") {
            success := call(gasLimit, target, 0, add(data, 0x20), mload(data), 0, 0)
        }
        gasUsed = before - gasleft();
        if (gasUsed > gasLimit) gasUsed = gasLimit;
    }

    /// @dev Credits the executor its compensation (capped at the prefund) and returns the rest to the vault.
    ///      Reads the deposit afresh: the target may have deposited for the vault during the call.
    function _settle(
        address vault,
        uint256 id,
        IProtocolFees.FeeParams memory fees,
        bool success,
        uint256 gasUsed,
        uint256 prefund
    ) private returns (RunResult memory r) {
        uint256 payment = success
            ? FeeFormula.success(fees, gasUsed, tx.gasprice)
            : FeeFormula.failure(fees, gasUsed, tx.gasprice);
        if (payment > prefund) payment = prefund;
        uint256 refund = prefund - payment;
        _credits[msg.sender] += payment;
        if (refund != 0) _deposits[vault] += refund;
        r = RunResult(success ? RunStatus.Succeeded : RunStatus.Failed, gasUsed, payment);
        emit WorkflowRun(vault, id, msg.sender, r.status, gasUsed, payment, refund);
    }

    /// @dev Reports a workflow skipped with `status`: nothing called, nothing charged.
    function _skip(address vault, uint256 id, RunStatus status) private returns (RunResult memory r) {
        r.status = status;
        emit WorkflowRun(vault, id, msg.sender, status, 0, 0, 0);
    }

    /// @dev Sends `amount` wei to `to` with all gas (the caller chose `to`; state is already updated).
    function _send(address payable to, uint256 amount) private {
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed(to, amount);
    }
}
