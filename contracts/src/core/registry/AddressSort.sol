// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title AddressSort
/// @notice In-place ascending sort of an address array in memory. Heapsort: O(n log n) comparisons whatever the input
///         order (operator addresses can be chosen, so no quicksort worst case), no recursion, no extra memory.
library AddressSort {
    /// @notice Sorts `list` ascending, in place.
    function sort(address[] memory list) internal pure {
        uint256 n = list.length;
        if (n < 2) return;
        unchecked {
            for (uint256 i = n / 2; i > 0; --i) {
                _siftDown(list, i - 1, n);
            }
            for (uint256 end = n - 1; end > 0; --end) {
                (list[0], list[end]) = (list[end], list[0]);
                _siftDown(list, 0, end);
            }
        }
    }

    /// @dev Restores the max-heap property below `root` within the first `n` elements.
    function _siftDown(address[] memory list, uint256 root, uint256 n) private pure {
        address value = list[root];
        unchecked {
            while (true) {
                uint256 child = 2 * root + 1;
                if (child >= n) break;
                if (child + 1 < n && list[child + 1] > list[child]) ++child;
                if (list[child] <= value) break;
                list[root] = list[child];
                root = child;
            }
        }
        list[root] = value;
    }
}
