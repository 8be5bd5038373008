// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title IExecutorSchedule
/// @notice Who may execute automation workflows in a given block. Blocks are grouped in fixed-size slots and each slot
///         has one executor, drawn from the restaked operators of the automation service.
interface IExecutorSchedule {
    /// @notice Whether `executor` is the executor of `blockNumber`.
    /// @param blockNumber A block number (the entry point asks about block.number).
    /// @param executor The operator's address or the signer it delegated to; the schedule resolves both.
    /// @return True when `executor` may run workflows in `blockNumber`.
    function isValidExecutor(uint256 blockNumber, address executor) external view returns (bool);
}
