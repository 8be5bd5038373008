// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Arrays} from "@openzeppelin/contracts/utils/Arrays.sol";

/// @title ExecutorSelection
/// @notice The automation service's executor of a slot: among an epoch's executor snapshot, one operator per slot, drawn
///         in proportion to stake weight from the epoch's seed.
///
///         Inputs: `seed` (bytes32, the epoch's seed), `slot` (uint256, the slot number within the epoch, from 0) and
///         the snapshot as `cumulativeWeights` (uint256[], one entry per executor in snapshot order,
///         `cumulative[i] = w0 + … + wi`, every weight > 0, hence strictly increasing; `total` = last entry > 0).
///
///         Rule: `r = uint256(keccak256(abi.encode(seed, slot))) % total`; the executor is the first index `i` with
///         `r < cumulative[i]` (binary search, O(log n)). Executor i is thus chosen for the `w_i` values of r in
///         `[cumulative[i-1], cumulative[i])`, i.e. with probability `w_i / total` up to the modulo bias: the
///         `2^256 mod total` smallest residues are hit once more often among the 2^256 hash values, so any executor's
///         probability is off by less than `total / 2^256` (about 2^-161 for a total stake of 2^95 wei ≈ 4e10 ETH).
/// @dev Mirrored by src/services/automation/selection.ts (`selectExecutor`, `cumulativeWeights`); both are checked
///      against test/vectors/automation-selection.json. Checking that a snapshot increases is O(n), so {pick} does not:
///      callers run {checkCumulative} once when the snapshot is built (or build it with {cumulative}).
library ExecutorSelection {
    /// @notice The snapshot has no executor (no entry, or a total weight of 0).
    error EmptyExecutorSet();

    /// @notice `cumulativeWeights[index]` is not above the entry before it (or is 0 at index 0): a weight ≤ 0.
    error CumulativeWeightsNotIncreasing(uint256 index);

    /// @notice `weights[index]` is 0: an executor without stake cannot be in the snapshot.
    error ZeroWeight(uint256 index);

    /// @notice The executor of `slot` in the epoch with `seed`.
    /// @dev Only the binary search: `cumulativeWeights` must have passed {checkCumulative}. Whatever the entries, the
    ///      result is below their count; on a non-increasing snapshot it is just not stake-proportional.
    /// @param seed The epoch's seed.
    /// @param slot The slot number within the epoch, from 0.
    /// @param cumulativeWeights The epoch's snapshot, cumulative stake weights (wei or the registry's weight unit).
    /// @return index The executor's position in the snapshot: the first i with `r < cumulativeWeights[i]`.
    function pick(bytes32 seed, uint256 slot, uint256[] memory cumulativeWeights)
        internal
        pure
        returns (uint256 index)
    {
        uint256 n = cumulativeWeights.length;
        if (n == 0) revert EmptyExecutorSet();
        uint256 total = Arrays.unsafeMemoryAccess(cumulativeWeights, n - 1);
        if (total == 0) revert EmptyExecutorSet();
        uint256 r = uint256(keccak256(abi.encode(seed, slot))) % total;
        // First i with cumulative[i] > r; below n because r < total = the last entry.
        return Arrays.upperBoundMemory(cumulativeWeights, r);
    }

    /// @notice Reverts unless `cumulativeWeights` is a valid snapshot: non-empty, first entry > 0, strictly increasing.
    /// @dev O(n); run once when the snapshot is built, not per slot.
    /// @param cumulativeWeights The snapshot's cumulative weights.
    function checkCumulative(uint256[] memory cumulativeWeights) internal pure {
        uint256 n = cumulativeWeights.length;
        if (n == 0) revert EmptyExecutorSet();
        uint256 previous;
        for (uint256 i; i < n; ++i) {
            uint256 current = Arrays.unsafeMemoryAccess(cumulativeWeights, i);
            if (current <= previous) revert CumulativeWeightsNotIncreasing(i);
            previous = current;
        }
    }

    /// @notice The cumulative weights of `weights` (`result[i] = weights[0] + … + weights[i]`), a valid snapshot.
    /// @dev A sum above 2^256 - 1 reverts with the arithmetic panic (0x11); stakes are far below it.
    /// @param weights Each executor's stake weight, in snapshot order, every one > 0.
    /// @return result The cumulative weights, strictly increasing.
    function cumulative(uint256[] memory weights) internal pure returns (uint256[] memory result) {
        uint256 n = weights.length;
        if (n == 0) revert EmptyExecutorSet();
        result = new uint256[](n);
        uint256 sum;
        for (uint256 i; i < n; ++i) {
            uint256 w = Arrays.unsafeMemoryAccess(weights, i);
            if (w == 0) revert ZeroWeight(i);
            sum += w;
            result[i] = sum;
        }
    }
}
