// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title DevnetCounter
/// @notice DEVNET ONLY: a workflow target for demos and tests of the automation service. Counts the calls to
///         {increment} and remembers who made the last one and in which block.
contract DevnetCounter {
    /// @notice How many times {increment} was called.
    uint256 public count;
    /// @notice The caller of the latest {increment} (the DittoEntryPoint when a workflow runs it).
    address public lastCaller;
    /// @notice The block of the latest {increment}.
    uint256 public lastBlock;

    /// @notice {increment} was called by `caller`, bringing the count to `count`.
    event Incremented(address indexed caller, uint256 count);

    /// @notice Adds one to {count}.
    function increment() external {
        uint256 next = ++count;
        lastCaller = msg.sender;
        lastBlock = block.number;
        emit Incremented(msg.sender, next);
    }
}
