// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {LibBytes} from "solady/utils/LibBytes.sol";
import {IDittoEntryPoint} from "./IDittoEntryPoint.sol";

/// @title WorkflowTriggers
/// @notice Workflow storage of the DittoEntryPoint, the validation of registrations and the trigger rules: when a
///         workflow is due, which calldata its run sends, and when a time workflow is due next.
/// @dev Workflow ids are a per-vault counter (0, 1, 2, …), so that a node lists a vault's workflows with
///      {workflowCount} and {workflow} without reading logs, and an id can never be reused.
abstract contract WorkflowTriggers is IDittoEntryPoint {
    using LibBytes for LibBytes.BytesStorage;

    /// @notice Highest maxGasLimit (gas units): a workflow must fit well inside a block with the batch around it.
    uint256 public constant MAX_WORKFLOW_GAS_LIMIT = 15_000_000;
    /// @notice Longest callData and checkData (bytes). Reading them from storage is work the executor does before a
    ///         run and is not billed per byte, so it is bounded.
    uint256 public constant MAX_DATA_BYTES = 4096;
    /// @notice Gas (units) given to a condition checker's staticcall; a checker needing more is never due on-chain.
    uint256 public constant CHECK_GAS_LIMIT = 150_000;
    /// @notice Longest checker return data (bytes) read: a 4 KiB execPayload with its ABI head. Longer answers, which
    ///         the caller would pay to copy, count as "not due".
    uint256 public constant MAX_CHECK_RETURN_BYTES = MAX_DATA_BYTES + 96;
    /// @notice Gas (units) kept on top of a check's CHECK_GAS_LIMIT × 64/63, for copying and decoding its answer.
    uint256 internal constant CHECK_GAS_RESERVE = 10_000;

    /// @dev Storage form of a workflow: three packed slots, then the two byte strings.
    struct StoredWorkflow {
        address target;
        uint64 maxGasLimit;
        TriggerKind kind;
        WorkflowStatus status;
        uint128 maxGasPrice;
        uint64 nextRunAt;
        uint64 interval;
        address checker;
        uint64 lastRunBlock;
        LibBytes.BytesStorage callData;
        LibBytes.BytesStorage checkData;
    }

    mapping(address vault => mapping(uint256 id => StoredWorkflow)) internal _workflows;
    mapping(address vault => uint256) internal _workflowCount;

    /// @inheritdoc IDittoEntryPoint
    function workflow(address vault, uint256 id) external view returns (Workflow memory w) {
        StoredWorkflow storage s = _workflows[vault][id];
        w = Workflow({
            target: s.target,
            maxGasLimit: s.maxGasLimit,
            kind: s.kind,
            status: s.status,
            maxGasPrice: s.maxGasPrice,
            nextRunAt: s.nextRunAt,
            interval: s.interval,
            checker: s.checker,
            lastRunBlock: s.lastRunBlock,
            callData: s.callData.get(),
            checkData: s.checkData.get()
        });
    }

    /// @inheritdoc IDittoEntryPoint
    function workflowCount(address vault) external view returns (uint256) {
        return _workflowCount[vault];
    }

    /// @inheritdoc IDittoEntryPoint
    function isDue(address vault, uint256 id) external view returns (bool due, bytes memory callData) {
        StoredWorkflow storage w = _workflows[vault][id];
        if (w.status != WorkflowStatus.Active) return (false, "");
        if (w.kind == TriggerKind.Time) {
            if (block.timestamp < w.nextRunAt) return (false, "");
            return (true, w.callData.get());
        }
        if (block.number <= w.lastRunBlock) return (false, "");
        return _checkCondition(w.checker, w.checkData.get());
    }

    /// @dev Validates `p` and stores it as msg.sender's next workflow. Reverts on any field that does not fit.
    function _storeWorkflow(WorkflowParams calldata p) internal returns (uint256 id) {
        if (p.target == address(0) || p.target == address(this)) revert InvalidTarget(p.target);
        if (p.maxGasLimit == 0 || p.maxGasLimit > MAX_WORKFLOW_GAS_LIMIT) revert InvalidGasLimit(p.maxGasLimit);
        if (p.maxGasPrice == 0) revert InvalidGasPrice();
        if (p.callData.length > MAX_DATA_BYTES) revert DataTooLong(p.callData.length);
        Trigger calldata t = p.trigger;
        if (t.kind == TriggerKind.Time) {
            // A zero interval would make "the next start + k·interval after now" undefined.
            if (t.interval == 0 || t.checker != address(0) || t.checkData.length != 0) revert InvalidTrigger();
        } else {
            // The checker may not be the entry point: its views are not conditions.
            if (t.checker == address(0) || t.checker == address(this) || t.start != 0 || t.interval != 0) {
                revert InvalidTrigger();
            }
            if (t.checkData.length > MAX_DATA_BYTES) revert DataTooLong(t.checkData.length);
        }

        id = _workflowCount[msg.sender]++;
        StoredWorkflow storage w = _workflows[msg.sender][id];
        w.target = p.target;
        w.maxGasLimit = p.maxGasLimit;
        w.kind = t.kind;
        w.status = WorkflowStatus.Active;
        w.maxGasPrice = p.maxGasPrice;
        if (t.kind == TriggerKind.Time) {
            w.nextRunAt = t.start;
            w.interval = t.interval;
            if (p.callData.length != 0) w.callData.setCalldata(p.callData);
        } else {
            w.checker = t.checker;
            if (t.checkData.length != 0) w.checkData.setCalldata(t.checkData);
        }
        emit WorkflowRegistered(msg.sender, id, p);
    }

    /// @dev The first start + k·interval strictly after now, given `nextRunAt` (itself start + j·interval) ≤ now:
    ///      periods missed while no executor ran the workflow are skipped, not run back to back. Saturates at
    ///      type(uint64).max, a time that never comes.
    function _followingRunAt(uint256 nextRunAt, uint256 interval) internal view returns (uint64) {
        uint256 next = nextRunAt + ((block.timestamp - nextRunAt) / interval + 1) * interval;
        // forge-lint: disable-next-line(unsafe-typecast)
        return next > type(uint64).max ? type(uint64).max : uint64(next); // checked on the left
    }

    /// @dev Calls `checker` with `checkData` (staticcall, CHECK_GAS_LIMIT gas) and decodes (bool canExec, bytes
    ///      execPayload) defensively: a revert, an answer longer than MAX_CHECK_RETURN_BYTES, a canExec other than
    ///      exactly 1 or a malformed encoding all mean "not due" rather than reverting the batch.
    function _checkCondition(address checker, bytes memory checkData)
        internal
        view
        returns (bool canExec, bytes memory execPayload)
    {
        bytes memory ret;
        bool ok;
        uint256 maxReturn = MAX_CHECK_RETURN_BYTES;
        uint256 checkGas = CHECK_GAS_LIMIT;
        assembly ("memory-safe") {
            // Return data is not copied by the call itself, so its size is checked before paying to copy it.
            ok := staticcall(checkGas, checker, add(checkData, 0x20), mload(checkData), 0, 0)
            let size := returndatasize()
            if gt(size, maxReturn) { ok := 0 }
            if ok {
                ret := mload(0x40)
                mstore(ret, size)
                returndatacopy(add(ret, 0x20), 0, size)
                mstore(0x40, add(add(ret, 0x20), and(add(size, 0x1f), not(0x1f))))
            }
        }
        if (!ok || ret.length < 0x60) return (false, "");
        if (uint256(LibBytes.load(ret, 0)) != 1) return (false, "");
        uint256 offset = uint256(LibBytes.load(ret, 0x20));
        if (offset > ret.length - 0x20) return (false, "");
        uint256 length = uint256(LibBytes.load(ret, offset));
        if (length > ret.length - 0x20 - offset) return (false, "");
        return (true, LibBytes.slice(ret, offset + 0x20, offset + 0x20 + length));
    }
}
