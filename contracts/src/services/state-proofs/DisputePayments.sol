// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {StateDisputeResolverStorage} from "./StateDisputeResolverStorage.sol";

/// @title DisputePayments
/// @notice The ether of the StateDisputeResolver besides open bonds: the reward pool, which anyone may fund, and the
///         payments that could not be pushed, which their recipients withdraw.
/// @dev Bonds and rewards are pushed with PUSH_GAS_LIMIT gas and no return data, so that no recipient can make a
///      resolution or a slash fail or cost more; a failed push is credited for {withdraw}. The reentrancy guard of
///      every entry point that moves ether is inherited from here.
abstract contract DisputePayments is StateDisputeResolverStorage, ReentrancyGuardTransient {
    /// @notice Adds msg.value to the reward pool.
    receive() external payable {
        _fund();
    }

    /// @notice Adds msg.value (wei) to the reward pool. Anyone may fund it; it only pays challenger rewards.
    function fundRewardPool() external payable {
        _fund();
    }

    /// @notice Sends msg.sender's deferred payments ({pendingWithdrawals}) to `to`.
    /// @param to Recipient (msg.sender itself, or another address if msg.sender cannot receive ether).
    function withdraw(address payable to) external nonReentrant {
        uint256 amount = pendingWithdrawals[msg.sender];
        if (amount == 0) revert NothingToWithdraw();
        pendingWithdrawals[msg.sender] = 0;
        totalPendingWithdrawals -= amount;
        emit Withdrawn(msg.sender, to, amount);
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert WithdrawalFailed(to, amount);
    }

    /// @dev Adds msg.value to the reward pool.
    function _fund() internal {
        rewardPool += msg.value;
        emit RewardPoolFunded(msg.sender, msg.value);
    }

    /// @dev Pushes `amount` wei to `to` with PUSH_GAS_LIMIT gas; credits it for {withdraw} when that fails.
    function _pay(address to, uint256 amount) internal {
        if (amount == 0) return;
        bool ok;
        uint256 gasLimit = PUSH_GAS_LIMIT;
        assembly ("memory-safe") {
            // No return data is copied: a recipient cannot make this call expensive for the caller.
            ok := call(gasLimit, to, amount, 0, 0, 0, 0)
        }
        if (ok) {
            emit PaymentSent(to, amount);
        } else {
            pendingWithdrawals[to] += amount;
            totalPendingWithdrawals += amount;
            emit PaymentDeferred(to, amount);
        }
    }
}
