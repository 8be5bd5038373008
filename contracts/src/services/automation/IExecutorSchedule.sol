// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title IExecutorSchedule
/// @notice Who may execute the automation service's workflows at a block: the slot's executor (an operator drawn in
///         proportion to stake) or its delegated signer.
interface IExecutorSchedule {
    /// @notice Whether `executor` (an operator, or an operator's delegated signer) is the executor of the slot holding
    ///         `blockNumber`. False before the first arrangement and for a slot without executor.
    function isValidExecutor(uint256 blockNumber, address executor) external view returns (bool);
}
