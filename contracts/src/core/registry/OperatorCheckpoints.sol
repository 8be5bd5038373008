// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title OperatorCheckpoints
/// @notice The history of one operator's registry state (signing key and weight) keyed by effective epoch, laid out
///         for the signature check: every checkpoint is one storage slot (epoch ‖ signing key ‖ weight), the latest
///         at a fixed place and the one before it at another. A lookup at or after the latest epoch reads one
///         storage slot, a lookup one change back (the usual case while a change is pending) reads two, older ones
///         binary-search. A lookup returns the latest checkpoint at or before the epoch asked for (carry-forward).
///
///         Weights are kept to 58 significant bits so that they fit in the slot's 64 remaining bits (a 6-bit exponent
///         and a 58-bit mantissa): weights below 2^58 are exact, larger ones must be rounded down with {roundWeight}
///         before they are pushed (a relative error below 2^-58 ≈ 3.5e-18), and the largest is {MAX_WEIGHT} ≈ 2.7e36.
/// @dev Measured against two OpenZeppelin Checkpoints.Trace224 (one for keys, one for weights), which cost four cold
///      slot reads plus two binary searches per signer, and a two-slot checkpoint (key and full weight), two cold
///      reads per signer (docs/decisions/contracts-state-proofs.md).
///      Epochs pushed must not decrease; a push at the latest epoch overwrites that checkpoint.
library OperatorCheckpoints {
    /// @notice Bits of a weight's mantissa.
    uint256 internal constant MANTISSA_BITS = 58;
    /// @notice The largest weight a checkpoint holds: (2^58 - 1) × 2^63.
    uint256 internal constant MAX_WEIGHT = (2 ** MANTISSA_BITS - 1) * 2 ** 63;

    /// @notice A checkpoint at `epoch` would precede the latest one, at `latestEpoch`.
    error UnorderedCheckpoint(uint32 epoch, uint32 latestEpoch);
    /// @notice `index` is not below the number of checkpoints, `length`.
    error CheckpointIndexOutOfBounds(uint256 index, uint256 length);
    /// @notice `weight` has more than 58 significant bits or is above {MAX_WEIGHT} (round it with {roundWeight}).
    error WeightNotRepresentable(uint256 weight);

    /// @notice The operator's state from `epoch` on (until the next checkpoint), as returned by {at}.
    /// @param epoch Effective epoch.
    /// @param signingKey Signing key; zero when the operator is not registered.
    /// @param count Always 0 (kept for the ABI of views returning a checkpoint).
    /// @param weight Weight (registry weight units).
    struct Checkpoint {
        uint32 epoch;
        address signingKey;
        uint64 count;
        uint256 weight;
    }

    /// @notice All checkpoints of one operator, each packed in one word: epoch (bits 0-31) ‖ signing key (32-191) ‖
    ///         weight exponent (250-255) ‖ weight mantissa (192-249); weight = mantissa × 2^exponent. An all-zero word
    ///         reads as "no key, no weight from epoch 0 on", i.e. not registered.
    /// @param head The latest checkpoint (zero when there is none).
    /// @param previous The one before it (zero when there are fewer than two).
    /// @param count Number of checkpoints.
    /// @param past Checkpoints 0 .. count - 3, oldest first.
    struct History {
        uint256 head;
        uint256 previous;
        uint256 count;
        mapping(uint256 index => uint256 packed) past;
    }

    /// @notice `weight` rounded down to 58 significant bits, or {MAX_WEIGHT} when larger: what a checkpoint can hold.
    function roundWeight(uint256 weight) internal pure returns (uint256) {
        if (weight >= MAX_WEIGHT) return MAX_WEIGHT;
        if (weight >> MANTISSA_BITS == 0) return weight;
        uint256 shift = Math.log2(weight) + 1 - MANTISSA_BITS;
        return (weight >> shift) << shift;
    }

    /// @notice Records the state from `epoch` on.
    /// @dev Reverts with {UnorderedCheckpoint} when `epoch` is before the latest checkpoint's epoch, and with
    ///      {WeightNotRepresentable} when `weight != roundWeight(weight)`.
    function push(History storage self, uint32 epoch, address signingKey, uint256 weight) internal {
        uint256 packed = _pack(epoch, signingKey, weight);
        uint256 count = self.count;
        if (count != 0) {
            uint256 latestPacked = self.head;
            uint32 latestEpoch = _epochOf(latestPacked);
            if (epoch < latestEpoch) revert UnorderedCheckpoint(epoch, latestEpoch);
            if (epoch == latestEpoch) {
                self.head = packed;
                return;
            }
            if (count >= 2) self.past[count - 2] = self.previous;
            self.previous = latestPacked;
        }
        self.head = packed;
        self.count = count + 1;
    }

    /// @notice The state at `epoch`: the latest checkpoint at or before it; (0, 0) when there is none.
    /// @dev An empty `head` or `previous` word reads as (0, 0) from epoch 0 on, which is the right answer whenever
    ///      it is reached (no checkpoint at all, or none before the latest), so neither path reads `count`.
    function lookup(History storage self, uint32 epoch) internal view returns (address signingKey, uint256 weight) {
        uint256 packed = self.head;
        if (_epochOf(packed) > epoch) {
            packed = self.previous;
            if (_epochOf(packed) > epoch) packed = _search(self, epoch);
        }
        return _unpack(packed);
    }

    /// @notice The latest state (pending changes included); (0, 0) when nothing was written.
    function latest(History storage self) internal view returns (address signingKey, uint256 weight) {
        return _unpack(self.head);
    }

    /// @notice Number of checkpoints written.
    function length(History storage self) internal view returns (uint256) {
        return self.count;
    }

    /// @notice The `index`-th checkpoint, oldest first (index length - 1 is the latest); `count` is returned as 0.
    function at(History storage self, uint256 index) internal view returns (Checkpoint memory cp) {
        uint256 count = self.count;
        if (index >= count) revert CheckpointIndexOutOfBounds(index, count);
        uint256 packed = index == count - 1 ? self.head : index == count - 2 ? self.previous : self.past[index];
        cp.epoch = _epochOf(packed);
        (cp.signingKey, cp.weight) = _unpack(packed);
    }

    /// @dev The last of checkpoints 0 .. count - 3 at or before `epoch` (binary search), or 0 when there is none.
    function _search(History storage self, uint32 epoch) private view returns (uint256) {
        uint256 count = self.count;
        uint256 low;
        uint256 high = count < 2 ? 0 : count - 2;
        while (low < high) {
            uint256 mid = (low + high) >> 1;
            if (_epochOf(self.past[mid]) > epoch) high = mid;
            else low = mid + 1;
        }
        return low == 0 ? 0 : self.past[low - 1];
    }

    function _pack(uint32 epoch, address signingKey, uint256 weight) private pure returns (uint256) {
        uint256 exponent;
        if (weight >> MANTISSA_BITS != 0) {
            exponent = Math.log2(weight) + 1 - MANTISSA_BITS;
            if (exponent > 63 || (weight >> exponent) << exponent != weight) revert WeightNotRepresentable(weight);
        }
        return uint256(epoch) | (uint256(uint160(signingKey)) << 32) | ((weight >> exponent) << 192) | (exponent << 250);
    }

    function _epochOf(uint256 packed) private pure returns (uint32) {
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint32(packed);
    }

    function _unpack(uint256 packed) private pure returns (address signingKey, uint256 weight) {
        assembly ("memory-safe") {
            signingKey := and(shr(32, packed), 0xffffffffffffffffffffffffffffffffffffffff)
            weight := shl(shr(250, packed), and(shr(192, packed), 0x3ffffffffffffff)) // mantissa: 58 bits
        }
    }
}
