// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title OperatorCheckpoints
/// @notice The history of one operator's registry state (signing key and weight) keyed by effective epoch, laid out
///         for the signature check: the latest checkpoint sits at a fixed place with the checkpoint count packed
///         beside it, so a lookup at or after the latest epoch reads two storage slots and a lookup one change back
///         reads three. A lookup returns the latest checkpoint at or before the epoch asked for (carry-forward).
/// @dev Measured against two OpenZeppelin Checkpoints.Trace224 (one for keys, one for weights), which cost four cold
///      slot reads plus two binary searches per signer (docs/decisions/contracts-state-proofs.md).
///      Epochs pushed must not decrease; a push at the latest epoch overwrites that checkpoint.
library OperatorCheckpoints {
    /// @notice A checkpoint at `epoch` would precede the latest one, at `latestEpoch`.
    error UnorderedCheckpoint(uint32 epoch, uint32 latestEpoch);
    /// @notice `index` is not below the number of checkpoints, `length`.
    error CheckpointIndexOutOfBounds(uint256 index, uint256 length);

    /// @notice The operator's state from `epoch` on (until the next checkpoint).
    /// @param epoch Effective epoch.
    /// @param signingKey Signing key; zero when the operator is not registered.
    /// @param count In `History.head` only: the number of checkpoints written, head included. Zero in `past`.
    /// @param weight Weight (registry weight units).
    struct Checkpoint {
        uint32 epoch;
        address signingKey;
        uint64 count;
        uint256 weight;
    }

    /// @notice All checkpoints of one operator.
    /// @param head The latest checkpoint (slot 0: epoch ‖ signingKey ‖ count; slot 1: weight).
    /// @param past Earlier checkpoints, oldest first: indices 0 .. head.count - 2.
    struct History {
        Checkpoint head;
        mapping(uint256 index => Checkpoint) past;
    }

    /// @notice Records the state from `epoch` on.
    /// @dev Reverts with {UnorderedCheckpoint} when `epoch` is before the latest checkpoint's epoch.
    function push(History storage self, uint32 epoch, address signingKey, uint256 weight) internal {
        Checkpoint storage head = self.head;
        uint64 count = head.count;
        if (count != 0) {
            uint32 headEpoch = head.epoch;
            if (epoch < headEpoch) revert UnorderedCheckpoint(epoch, headEpoch);
            if (epoch == headEpoch) {
                head.signingKey = signingKey;
                head.weight = weight;
                return;
            }
            self.past[count - 1] = Checkpoint({epoch: headEpoch, signingKey: head.signingKey, count: 0, weight: head.weight});
        }
        self.head = Checkpoint({epoch: epoch, signingKey: signingKey, count: count + 1, weight: weight});
    }

    /// @notice The state at `epoch`: the latest checkpoint at or before it; (0, 0) when there is none.
    function lookup(History storage self, uint32 epoch) internal view returns (address signingKey, uint256 weight) {
        Checkpoint storage head = self.head;
        (uint32 headEpoch, address headKey, uint256 count) = _load(head);
        if (count == 0) return (address(0), 0);
        if (headEpoch <= epoch) return (headKey, _weight(head));

        // Past checkpoints 0 .. count - 2, ascending by epoch. The previous one is the usual answer (a change is
        // pending for the next epoch), so look there first, then binary-search the rest.
        uint256 high = count - 1;
        if (high == 0) return (address(0), 0);
        Checkpoint storage found = self.past[high - 1];
        (uint32 foundEpoch, address foundKey,) = _load(found);
        if (foundEpoch <= epoch) return (foundKey, _weight(found));
        high -= 1;
        uint256 low = 0;
        while (low < high) {
            uint256 mid = (low + high) >> 1;
            if (self.past[mid].epoch > epoch) high = mid;
            else low = mid + 1;
        }
        if (low == 0) return (address(0), 0);
        found = self.past[low - 1];
        return (found.signingKey, _weight(found));
    }

    /// @dev Reads a checkpoint's first slot once: epoch (bits 0-31), signing key (32-191), count (192-255).
    function _load(Checkpoint storage cp) private view returns (uint32 epoch, address signingKey, uint256 count) {
        uint256 word;
        assembly ("memory-safe") {
            word := sload(cp.slot)
        }
        // forge-lint: disable-next-line(unsafe-typecast)
        epoch = uint32(word);
        // forge-lint: disable-next-line(unsafe-typecast)
        signingKey = address(uint160(word >> 32));
        count = word >> 192;
    }

    function _weight(Checkpoint storage cp) private view returns (uint256 weight) {
        assembly ("memory-safe") {
            weight := sload(add(cp.slot, 1))
        }
    }

    /// @notice The latest state (pending changes included); (0, 0) when nothing was written.
    function latest(History storage self) internal view returns (address signingKey, uint256 weight) {
        return (self.head.signingKey, self.head.weight);
    }

    /// @notice Number of checkpoints written.
    function length(History storage self) internal view returns (uint256) {
        return self.head.count;
    }

    /// @notice The `index`-th checkpoint, oldest first (index length - 1 is the latest); `count` is returned as 0.
    function at(History storage self, uint256 index) internal view returns (Checkpoint memory cp) {
        uint256 count = self.head.count;
        if (index >= count) revert CheckpointIndexOutOfBounds(index, count);
        cp = index == count - 1 ? self.head : self.past[index];
        cp.count = 0;
    }
}
