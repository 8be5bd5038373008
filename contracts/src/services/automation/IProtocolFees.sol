// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title IProtocolFees
/// @notice The rules by which the automation entry point pays an executor for running a workflow, out of the prefund
///         reserved from the workflow's vault. See docs/automation-fees.md for the formulas and a worked example.
interface IProtocolFees {
    /// @notice The fee parameters, packed in one storage slot.
    /// @param fixedReward Paid (wei) on top of the gas cost for each successful run; at most MAX_FIXED_REWARD.
    /// @param failureCompensationBps Share (basis points, 1/10_000) of the gas cost paid for a failed run; at most
    ///        MAX_FAILURE_COMPENSATION_BPS (100 %).
    /// @param gasOverhead Gas (units) added to the gas used by each workflow call, for the entry point's own per-workflow
    ///        work (checks, storage, events) that the call's measurement does not see; at most MAX_GAS_OVERHEAD.
    struct FeeParams {
        uint96 fixedReward;
        uint16 failureCompensationBps;
        uint32 gasOverhead;
    }

    /// @notice The fixed reward was changed (wei).
    event FixedRewardSet(uint256 previousReward, uint256 newReward);
    /// @notice The failure compensation was changed (basis points).
    event FailureCompensationBpsSet(uint256 previousBps, uint256 newBps);
    /// @notice The per-workflow gas overhead was changed (gas units).
    event GasOverheadSet(uint256 previousOverhead, uint256 newOverhead);

    /// @notice `reward` (wei) exceeds `max`.
    error FixedRewardTooHigh(uint256 reward, uint256 max);
    /// @notice `bps` exceeds `max`.
    error FailureCompensationTooHigh(uint256 bps, uint256 max);
    /// @notice `overhead` (gas) exceeds `max`.
    error GasOverheadTooHigh(uint256 overhead, uint256 max);

    /// @notice The current parameters (read once per batch by the entry point).
    function feeParams() external view returns (FeeParams memory);

    /// @notice Sets the fixed reward (wei). Only the owner.
    function setFixedReward(uint256 reward) external;

    /// @notice Sets the failure compensation (basis points). Only the owner.
    function setFailureCompensationBps(uint256 bps) external;

    /// @notice Sets the per-workflow gas overhead (gas units). Only the owner.
    function setGasOverhead(uint256 overhead) external;

    /// @notice Pay for a successful run: (gasUsed + gasOverhead) × gasPrice + fixedReward, in wei.
    /// @param gasUsed Gas used by the workflow call (units).
    /// @param gasPrice Effective gas price of the run (wei per gas; the entry point uses tx.gasprice).
    function successCompensation(uint256 gasUsed, uint256 gasPrice) external view returns (uint256);

    /// @notice Pay for a failed run: (gasUsed + gasOverhead) × gasPrice × failureCompensationBps / 10_000, in wei
    ///         (rounded down). No fixed reward: a failed run earns only a share of its cost.
    /// @param gasUsed Gas used by the workflow call (units).
    /// @param gasPrice Effective gas price of the run (wei per gas).
    function failureCompensation(uint256 gasUsed, uint256 gasPrice) external view returns (uint256);

    /// @notice The prefund reserved before a run: maxGasLimit × gasPrice + fixedReward, in wei. No payment exceeds it.
    /// @param maxGasLimit The workflow's gas cap (units).
    /// @param gasPrice Effective gas price of the run (wei per gas).
    function maxCompensation(uint256 maxGasLimit, uint256 gasPrice) external view returns (uint256);
}
