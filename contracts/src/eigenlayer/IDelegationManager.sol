// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IStrategy} from "./IStrategy.sol";
import {ISignatureUtilsMixin} from "./ISignatureUtilsMixin.sol";

/// @title Errors raised by the DelegationManager
interface IDelegationManagerErrors {
    /// @notice The caller is not the StrategyManager.
    error OnlyStrategyManager();
    /// @notice The caller is not the AllocationManager.
    error OnlyAllocationManager();
    /// @notice The caller may not act for this staker or operator.
    error CallerCannotUndelegate();
    /// @notice The caller is not the operator.
    error OnlyOperator();
    /// @notice The staker is already delegated.
    error ActivelyDelegated();
    /// @notice The staker is not delegated.
    error NotActivelyDelegated();
    /// @notice The address is not a registered operator.
    error OperatorNotRegistered();
    /// @notice Operators are always delegated to themselves and cannot undelegate.
    error OperatorsCannotUndelegate();
    /// @notice The delegation approver's salt was used before.
    error SaltSpent();
    /// @notice Array arguments differ in length.
    error InputArrayLengthMismatch();
    /// @notice An array argument was empty.
    error InputArrayLengthZero();
    /// @notice The withdrawal is not pending.
    error WithdrawalNotQueued();
    /// @notice The withdrawal delay has not passed yet.
    error WithdrawalDelayNotElapsed();
    /// @notice Only the withdrawal's withdrawer may complete it.
    error WithdrawerNotCaller();
    /// @notice The token passed does not match the strategy's underlying token.
    error InvalidToken();
    /// @notice The operator has been slashed to zero magnitude in this strategy; no new shares can be delegated.
    error FullySlashed();
    /// @notice A deposit-share amount was zero or above the staker's balance.
    error InvalidShares();
    /// @notice `initialize` was called twice or by someone other than the deployer.
    error AlreadyInitialized();
    /// @notice A dependency address was zero.
    error InvalidAddressZero();
}

/// @title Types used by the DelegationManager
interface IDelegationManagerTypes {
    /// @notice A queued withdrawal. Its root is keccak256(abi.encode(withdrawal)).
    /// @param staker Whose shares are withdrawn.
    /// @param delegatedTo The operator the staker was delegated to when queueing (zero if none).
    /// @param withdrawer Who may complete it (always the staker).
    /// @param nonce The staker's withdrawal counter when queued.
    /// @param startBlock Block number when queued.
    /// @param strategies Strategies withdrawn from.
    /// @param scaledShares Shares scaled to a max magnitude of 1e18 (the operator's later slashing still applies
    ///        until the withdrawal delay has passed).
    struct Withdrawal {
        address staker;
        address delegatedTo;
        address withdrawer;
        uint256 nonce;
        uint32 startBlock;
        IStrategy[] strategies;
        uint256[] scaledShares;
    }

    /// @notice Parameters of `queueWithdrawals`.
    /// @param strategies Strategies to withdraw from.
    /// @param depositShares Deposit shares to withdraw from each.
    /// @param __deprecated_withdrawer Ignored (the withdrawer is always the staker).
    struct QueuedWithdrawalParams {
        IStrategy[] strategies;
        uint256[] depositShares;
        address __deprecated_withdrawer;
    }
}

/// @title Events emitted by the DelegationManager
interface IDelegationManagerEvents is IDelegationManagerTypes {
    /// @notice An address registered as an operator.
    event OperatorRegistered(address indexed operator, address delegationApprover);
    /// @notice An operator changed its delegation approver (zero: anyone may delegate without a signature).
    event DelegationApproverUpdated(address indexed operator, address newDelegationApprover);
    /// @notice An operator published a new metadata URI.
    event OperatorMetadataURIUpdated(address indexed operator, string metadataURI);
    /// @notice An operator's delegated shares grew.
    event OperatorSharesIncreased(address indexed operator, address staker, IStrategy strategy, uint256 shares);
    /// @notice An operator's delegated shares shrank.
    event OperatorSharesDecreased(address indexed operator, address staker, IStrategy strategy, uint256 shares);
    /// @notice An operator's delegated shares in `strategy` were slashed by `totalSlashedShares`.
    event OperatorSharesSlashed(address indexed operator, IStrategy strategy, uint256 totalSlashedShares);
    /// @notice A staker delegated to an operator.
    event StakerDelegated(address indexed staker, address indexed operator);
    /// @notice A staker undelegated from an operator.
    event StakerUndelegated(address indexed staker, address indexed operator);
    /// @notice A staker was undelegated by its operator or the operator's approver.
    event StakerForceUndelegated(address indexed staker, address indexed operator);
    /// @notice A staker's deposit scaling factor changed (wad).
    event DepositScalingFactorUpdated(address staker, IStrategy strategy, uint256 newDepositScalingFactor);
    /// @notice A withdrawal was queued; `sharesToWithdraw` are the withdrawable shares at queue time.
    event SlashingWithdrawalQueued(bytes32 withdrawalRoot, Withdrawal withdrawal, uint256[] sharesToWithdraw);
    /// @notice A queued withdrawal was completed.
    event SlashingWithdrawalCompleted(bytes32 withdrawalRoot);
}

/// @title DelegationManager: operators, delegation of stakers' shares, and withdrawals
/// @notice ABI-compatible with eigenlayer-contracts v1.12.0 for the functions below.
///         Units: shares are strategy shares; magnitudes and scaling factors are wads (1e18 = 100%);
///         the withdrawal delay is in blocks.
interface IDelegationManager is ISignatureUtilsMixin, IDelegationManagerErrors, IDelegationManagerEvents {
    /// @notice Registers msg.sender as an operator delegated to itself.
    /// @param initDelegationApprover Address whose EIP-712 signature stakers need to delegate (zero: none needed).
    /// @param allocationDelay Blocks an allocation takes to become slashable (forwarded to the AllocationManager).
    /// @param metadataURI Operator metadata URI (emitted only).
    function registerAsOperator(address initDelegationApprover, uint32 allocationDelay, string calldata metadataURI)
        external;

    /// @notice Changes the delegation approver of `operator`. Operator only.
    function modifyOperatorDetails(address operator, address newDelegationApprover) external;

    /// @notice Emits a new metadata URI for `operator`. Operator only.
    function updateOperatorMetadataURI(address operator, string calldata metadataURI) external;

    /// @notice Delegates all of msg.sender's shares to `operator`.
    /// @param operator A registered operator.
    /// @param approverSignatureAndExpiry The approver's signature over `calculateDelegationApprovalDigestHash`
    ///        (ignored if the operator has no approver or msg.sender is the approver).
    /// @param approverSalt The approver's single-use salt.
    function delegateTo(
        address operator,
        ISignatureUtilsMixin.SignatureWithExpiry memory approverSignatureAndExpiry,
        bytes32 approverSalt
    ) external;

    /// @notice Undelegates `staker` and queues a withdrawal of each of its strategies (one root per strategy).
    ///         Callable by the staker, its operator or the operator's delegation approver.
    /// @param staker A delegated staker that is not an operator.
    /// @return withdrawalRoots Roots of the queued withdrawals.
    function undelegate(address staker) external returns (bytes32[] memory withdrawalRoots);

    /// @notice Queues withdrawals of msg.sender's deposit shares.
    /// @return Roots of the queued withdrawals, one per params entry.
    function queueWithdrawals(QueuedWithdrawalParams[] calldata params) external returns (bytes32[] memory);

    /// @notice Completes a queued withdrawal once more than `minWithdrawalDelayBlocks()` blocks have passed.
    /// @param withdrawal The withdrawal as emitted in SlashingWithdrawalQueued.
    /// @param tokens The underlying token of each strategy, one per strategy (checked only when receiving tokens).
    /// @param receiveAsTokens True: receive tokens; false: receive deposit shares again (delegated to the
    ///        staker's current operator, if any).
    function completeQueuedWithdrawal(Withdrawal calldata withdrawal, IERC20[] calldata tokens, bool receiveAsTokens)
        external;

    /// @notice Hook of the StrategyManager after a deposit: adds the new shares to the staker's operator.
    function increaseDelegatedShares(address staker, IStrategy strategy, uint256 prevDepositShares, uint256 addedShares)
        external;

    /// @notice Hook of the AllocationManager after slashing `operator` in `strategy`: reduces the operator's
    ///         delegated shares by (1 - newMaxMagnitude / prevMaxMagnitude) and marks them for burning.
    /// @return totalSlashedShares Strategy shares taken from the operator's delegated shares.
    function slashOperatorShares(address operator, IStrategy strategy, uint64 prevMaxMagnitude, uint64 newMaxMagnitude)
        external
        returns (uint256 totalSlashedShares);

    /// @notice Whether `operator` is a registered operator.
    function isOperator(address operator) external view returns (bool);

    /// @notice Whether `staker` is delegated to an operator.
    function isDelegated(address staker) external view returns (bool);

    /// @notice The operator `staker` is delegated to (zero if none).
    function delegatedTo(address staker) external view returns (address);

    /// @notice The delegation approver of `operator`.
    function delegationApprover(address operator) external view returns (address);

    /// @notice Whether `delegationApprover` already used `salt`.
    function delegationApproverSaltIsSpent(address delegationApprover, bytes32 salt) external view returns (bool);

    /// @notice Shares delegated to `operator` in `strategy`.
    function operatorShares(address operator, IStrategy strategy) external view returns (uint256);

    /// @notice Shares delegated to `operator` in each of `strategies`.
    function getOperatorShares(address operator, IStrategy[] memory strategies)
        external
        view
        returns (uint256[] memory);

    /// @notice Shares delegated to each operator in each strategy, indexed [operator][strategy].
    function getOperatorsShares(address[] memory operators, IStrategy[] memory strategies)
        external
        view
        returns (uint256[][] memory);

    /// @notice The shares `staker` could withdraw now (after slashing) and its deposit shares, per strategy.
    function getWithdrawableShares(address staker, IStrategy[] memory strategies)
        external
        view
        returns (uint256[] memory withdrawableShares, uint256[] memory depositShares);

    /// @notice `staker`'s deposit scaling factor in `strategy` (wad).
    function depositScalingFactor(address staker, IStrategy strategy) external view returns (uint256);

    /// @notice A pending withdrawal and the shares it would pay now.
    function getQueuedWithdrawal(bytes32 withdrawalRoot)
        external
        view
        returns (Withdrawal memory withdrawal, uint256[] memory shares);

    /// @notice `staker`'s pending withdrawals and the shares each would pay now.
    function getQueuedWithdrawals(address staker)
        external
        view
        returns (Withdrawal[] memory withdrawals, uint256[][] memory shares);

    /// @notice Roots of `staker`'s pending withdrawals.
    function getQueuedWithdrawalRoots(address staker) external view returns (bytes32[] memory);

    /// @notice Whether `withdrawalRoot` is pending.
    function pendingWithdrawals(bytes32 withdrawalRoot) external view returns (bool);

    /// @notice Number of withdrawals `staker` has queued (the next withdrawal's nonce).
    function cumulativeWithdrawalsQueued(address staker) external view returns (uint256);

    /// @notice keccak256(abi.encode(withdrawal)).
    function calculateWithdrawalRoot(Withdrawal memory withdrawal) external pure returns (bytes32);

    /// @notice Blocks that must pass after queueing before a withdrawal can be completed.
    function minWithdrawalDelayBlocks() external view returns (uint32);

    /// @notice The EIP-712 digest a delegation approver signs to let `staker` delegate to `operator`.
    /// @param staker The staker.
    /// @param operator The operator.
    /// @param approver The operator's delegation approver.
    /// @param approverSalt Single-use salt.
    /// @param expiry Unix timestamp (seconds).
    function calculateDelegationApprovalDigestHash(
        address staker,
        address operator,
        address approver,
        bytes32 approverSalt,
        uint256 expiry
    ) external view returns (bytes32);

    /// @notice keccak256("DelegationApproval(address delegationApprover,address staker,address operator,bytes32 salt,uint256 expiry)").
    function DELEGATION_APPROVAL_TYPEHASH() external view returns (bytes32);
}
