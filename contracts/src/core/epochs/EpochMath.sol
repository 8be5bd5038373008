// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title EpochMath
/// @notice Epoch arithmetic shared by EpochManager and every stake registry (docs/architecture.md, "Epochs").
///         Times are unix seconds of block time; epochs are uint32 counters from `genesis`.
///         `epoch(t) = floor((t - genesis) / length)`. A change made at time t takes effect at `epoch(t) + 1`,
///         or at `epoch(t) + 2` when t falls in the last `grace` seconds of its epoch.
/// @dev Mirrored by src/core/epochs.ts; both are checked against test/vectors/epochs.json.
///      Callers guarantee `length > 0` and `grace < length` (EpochManager's constructor enforces it).
library EpochMath {
    /// @notice `timestamp` (seconds) is earlier than `genesis` (seconds): it belongs to no epoch.
    error TimestampBeforeGenesis(uint256 timestamp, uint256 genesis);

    /// @notice The epoch number of `timestamp` (or the epoch after it) does not fit in a uint32.
    error EpochOverflow(uint256 timestamp);

    /// @notice The epoch containing `timestamp`.
    /// @param genesis Start of epoch 0, unix seconds.
    /// @param length Epoch length, seconds (> 0).
    /// @param timestamp Unix seconds, at or after `genesis`.
    /// @return The epoch number.
    function epochAt(uint256 genesis, uint256 length, uint256 timestamp) internal pure returns (uint32) {
        if (timestamp < genesis) revert TimestampBeforeGenesis(timestamp, genesis);
        uint256 epoch = (timestamp - genesis) / length;
        if (epoch > type(uint32).max) revert EpochOverflow(timestamp);
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint32(epoch);
    }

    /// @notice Like {epochAt} but never reverts.
    /// @return ok False when `timestamp` is before genesis or its epoch does not fit in a uint32.
    /// @return epoch The epoch number (0 when not ok).
    function tryEpochAt(uint256 genesis, uint256 length, uint256 timestamp)
        internal
        pure
        returns (bool ok, uint32 epoch)
    {
        if (timestamp < genesis) return (false, 0);
        uint256 e = (timestamp - genesis) / length;
        if (e > type(uint32).max) return (false, 0);
        // forge-lint: disable-next-line(unsafe-typecast)
        return (true, uint32(e));
    }

    /// @notice Whether `timestamp` falls in the grace period (the last `grace` seconds) of its epoch.
    /// @param genesis Start of epoch 0, unix seconds.
    /// @param length Epoch length, seconds (> 0).
    /// @param grace Grace period, seconds (< length).
    /// @param timestamp Unix seconds, at or after `genesis`.
    function isInGracePeriodAt(uint256 genesis, uint256 length, uint256 grace, uint256 timestamp)
        internal
        pure
        returns (bool)
    {
        if (timestamp < genesis) revert TimestampBeforeGenesis(timestamp, genesis);
        return (timestamp - genesis) % length >= length - grace;
    }

    /// @notice The epoch at which a change made at `timestamp` takes effect: epochAt + 1, or + 2 in the grace period.
    /// @param genesis Start of epoch 0, unix seconds.
    /// @param length Epoch length, seconds (> 0).
    /// @param grace Grace period, seconds (< length).
    /// @param timestamp Unix seconds, at or after `genesis`.
    /// @return The effective epoch.
    function effectiveEpochAt(uint256 genesis, uint256 length, uint256 grace, uint256 timestamp)
        internal
        pure
        returns (uint32)
    {
        if (timestamp < genesis) revert TimestampBeforeGenesis(timestamp, genesis);
        uint256 elapsed = timestamp - genesis;
        uint256 effective = elapsed / length + (elapsed % length >= length - grace ? 2 : 1);
        if (effective > type(uint32).max) revert EpochOverflow(timestamp);
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint32(effective);
    }
}
