// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title IDittoEntryPoint
/// @notice Entry point of the automation service: vaults (any contract or account) register workflows, keep a native
///         ether deposit, and the executor of the current block runs the workflows that are due, paid from the
///         deposits per {IProtocolFees}.
interface IDittoEntryPoint {
    /// @notice When a workflow is due.
    /// @dev Time: block.timestamp ≥ nextRunAt. Condition: a checker's view says so, at most once per block.
    enum TriggerKind {
        Time,
        Condition
    }

    /// @notice Life of a workflow: None (never registered), Active, Cancelled (final).
    enum WorkflowStatus {
        None,
        Active,
        Cancelled
    }

    /// @notice Outcome of one workflow in a batch.
    /// @dev NotRun (the zero value): not looked at, because the batch stopped for lack of gas. Succeeded / Failed: the
    ///      call was made and paid for. The other values are skips, for which nothing is charged and nothing called.
    enum RunStatus {
        NotRun,
        Succeeded,
        Failed,
        NotDue,
        Inactive,
        GasPriceTooHigh,
        InsufficientPrefund
    }

    /// @notice A trigger as registered.
    /// @param kind Time or Condition.
    /// @param start Time: first due time (unix seconds; may be in the past: then due at once). Condition: must be 0.
    /// @param interval Time: period (seconds, > 0). Condition: must be 0.
    /// @param checker Condition: contract whose `checker.staticcall(checkData)` returns (bool canExec, bytes
    ///        execPayload), as Gelato resolvers and Chainlink checkUpkeep do. Time: must be address(0).
    /// @param checkData Condition: calldata of the check (≤ MAX_DATA_BYTES bytes). Time: must be empty.
    struct Trigger {
        TriggerKind kind;
        uint64 start;
        uint64 interval;
        address checker;
        bytes checkData;
    }

    /// @notice What a vault registers.
    /// @param target Contract called by each run (not the entry point).
    /// @param callData Calldata of each run of a time workflow (≤ MAX_DATA_BYTES bytes); unused by a condition workflow,
    ///        which calls the target with the checker's execPayload.
    /// @param maxGasLimit Gas (units) given to the call, 1..MAX_WORKFLOW_GAS_LIMIT; also the most gas ever billed.
    /// @param maxGasPrice Highest tx.gasprice (wei per gas) at which the workflow may run, > 0.
    /// @param trigger When the workflow is due.
    struct WorkflowParams {
        address target;
        bytes callData;
        uint64 maxGasLimit;
        uint128 maxGasPrice;
        Trigger trigger;
    }

    /// @notice A registered workflow as the views return it.
    /// @param target Called contract.
    /// @param maxGasLimit Gas cap of the call (units).
    /// @param kind Trigger kind.
    /// @param status Active or Cancelled.
    /// @param maxGasPrice Highest gas price (wei per gas).
    /// @param nextRunAt Time trigger: next due time (unix seconds); 0 for a condition trigger.
    /// @param interval Time trigger: period (seconds); 0 for a condition trigger.
    /// @param checker Condition trigger: checker contract; address(0) for a time trigger.
    /// @param lastRunBlock Condition trigger: block of its last run (0 before the first), as it runs at most once a
    ///        block; 0 for a time trigger.
    /// @param callData Time trigger: calldata of each run.
    /// @param checkData Condition trigger: calldata of the check.
    struct Workflow {
        address target;
        uint64 maxGasLimit;
        TriggerKind kind;
        WorkflowStatus status;
        uint128 maxGasPrice;
        uint64 nextRunAt;
        uint64 interval;
        address checker;
        uint64 lastRunBlock;
        bytes callData;
        bytes checkData;
    }

    /// @notice Names a workflow in a batch.
    /// @param vault The vault that registered it.
    /// @param id Its id: the vault's registration counter (0, 1, 2, …).
    struct WorkflowRef {
        address vault;
        uint256 id;
    }

    /// @notice Result of one workflow in a batch.
    /// @param status What happened.
    /// @param gasUsed Gas (units) used by the call, as billed (at most maxGasLimit); 0 when not called.
    /// @param payment Wei credited to the executor from the vault's deposit; 0 when not called.
    struct RunResult {
        RunStatus status;
        uint256 gasUsed;
        uint256 payment;
    }

    /// @notice `amount` wei were added to `vault`'s deposit by `from`.
    event Deposited(address indexed vault, address indexed from, uint256 amount);
    /// @notice `vault` withdrew `amount` wei of its deposit to `to`.
    event Withdrawn(address indexed vault, address indexed to, uint256 amount);
    /// @notice `vault` registered workflow `id`; `params` hold all a node needs to tell when it is due.
    event WorkflowRegistered(address indexed vault, uint256 indexed id, WorkflowParams params);
    /// @notice `vault` cancelled workflow `id`; it will never run again.
    event WorkflowCancelled(address indexed vault, uint256 indexed id);
    /// @notice `amount` wei were reserved from `vault`'s deposit before running workflow `id`.
    event PrefundPaid(address indexed vault, uint256 indexed id, uint256 amount);
    /// @notice Workflow `id` of `vault` was considered by `executor` with outcome `status`; for a run, `gasUsed` gas was
    ///         billed, `payment` wei credited to the executor and `refund` wei of the prefund returned to the vault.
    event WorkflowRun(
        address indexed vault,
        uint256 indexed id,
        address indexed executor,
        RunStatus status,
        uint256 gasUsed,
        uint256 payment,
        uint256 refund
    );
    /// @notice The batch stopped at index `firstNotRun` because less gas was left (`gasLeft`) than its workflow needs.
    event BatchCutShort(address indexed executor, uint256 firstNotRun, uint256 gasLeft);
    /// @notice `executor` withdrew its `amount` wei of credit to `to`.
    event CreditWithdrawn(address indexed executor, address indexed to, uint256 amount);

    /// @notice msg.sender is not a valid executor of the current block.
    error NotValidExecutor(address caller);
    /// @notice The target is address(0) or the entry point.
    error InvalidTarget(address target);
    /// @notice maxGasLimit is 0 or above MAX_WORKFLOW_GAS_LIMIT.
    error InvalidGasLimit(uint256 maxGasLimit);
    /// @notice maxGasPrice is 0.
    error InvalidGasPrice();
    /// @notice The trigger's fields do not fit its kind (see {Trigger}).
    error InvalidTrigger();
    /// @notice callData or checkData is longer than MAX_DATA_BYTES.
    error DataTooLong(uint256 length);
    /// @notice The vault has no workflow `id`.
    error UnknownWorkflow(address vault, uint256 id);
    /// @notice Workflow `id` is already cancelled.
    error WorkflowAlreadyCancelled(address vault, uint256 id);
    /// @notice Zero ether deposited or withdrawn.
    error ZeroAmount();
    /// @notice The withdrawal exceeds the deposit.
    error InsufficientDeposit(uint256 available, uint256 requested);
    /// @notice The executor has no credit.
    error NothingToWithdraw();
    /// @notice Sending `amount` wei to `to` failed.
    error TransferFailed(address to, uint256 amount);

    /// @notice Registers a workflow for msg.sender (the vault). Returns its id, the vault's counter before the call.
    function registerWorkflow(WorkflowParams calldata params) external returns (uint256 id);

    /// @notice Cancels msg.sender's workflow `id`, for good.
    function cancelWorkflow(uint256 id) external;

    /// @notice Runs the workflows of `refs` that are due, each isolated; only the executor of the current block.
    function runMultipleWorkflows(WorkflowRef[] calldata refs) external returns (RunResult[] memory results);

    /// @notice Adds msg.value to `vault`'s deposit.
    function deposit(address vault) external payable;

    /// @notice Sends `amount` wei of msg.sender's deposit to `to`.
    function withdraw(uint256 amount, address payable to) external;

    /// @notice Sends all of msg.sender's executor credit to `to`.
    function withdrawCredit(address payable to) external;

    /// @notice Workflow `id` of `vault` (status None if never registered).
    function workflow(address vault, uint256 id) external view returns (Workflow memory);

    /// @notice Number of workflows `vault` ever registered: its ids are 0 … count − 1.
    function workflowCount(address vault) external view returns (uint256);

    /// @notice Whether workflow `id` of `vault` is due now, and the calldata its run would send to the target.
    /// @dev Ignores gas price and deposit, which depend on the run's transaction.
    function isDue(address vault, uint256 id) external view returns (bool due, bytes memory callData);

    /// @notice Wei held for `vault`.
    function depositOf(address vault) external view returns (uint256);

    /// @notice Wei credited to `executor`.
    function creditOf(address executor) external view returns (uint256);
}
