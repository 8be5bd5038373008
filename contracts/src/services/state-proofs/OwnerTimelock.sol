// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title OwnerTimelock
/// @notice OpenZeppelin's TimelockController, unchanged, under a name of this repository so its bytecode is built and
///         exported with the other contracts. The deployment makes it the owner of every owned state-proofs contract on
///         its chain, with a minimum delay of at least the StateDisputeResolver's EXPOSURE_WINDOW (seconds): any change
///         of a route, registry or operator-set parameter is announced (CallScheduled) that long before it can run, so
///         operators who disagree can leave and stop being slashable before it takes effect.
/// @dev Roles: proposers and executors are the AVS owner (e.g. its multisig); the admin is the timelock itself (pass
///      address(0)), so changing roles or the delay also waits for the delay.
contract OwnerTimelock is TimelockController {
    /// @param minDelay Smallest delay between scheduling and executing an operation, seconds.
    /// @param proposers Accounts that may schedule (and cancel) operations.
    /// @param executors Accounts that may execute ready operations (address(0) in the list: anyone).
    /// @param admin Optional extra admin for the initial setup (address(0): none).
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {}
}
