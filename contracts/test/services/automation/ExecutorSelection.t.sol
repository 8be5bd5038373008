// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test, console} from "forge-std/Test.sol";
import {stdError} from "forge-std/StdError.sol";
import {ExecutorSelection} from "../../../src/services/automation/ExecutorSelection.sol";

/// @notice ExecutorSelection's internal functions behind external calls, so tests can expect its reverts.
contract ExecutorSelectionHarness {
    /// @notice ExecutorSelection.pick.
    function pick(bytes32 seed, uint256 slot, uint256[] memory cumulativeWeights) external pure returns (uint256) {
        return ExecutorSelection.pick(seed, slot, cumulativeWeights);
    }

    /// @notice ExecutorSelection.checkCumulative.
    function checkCumulative(uint256[] memory cumulativeWeights) external pure {
        ExecutorSelection.checkCumulative(cumulativeWeights);
    }

    /// @notice ExecutorSelection.cumulative.
    function cumulative(uint256[] memory weights) external pure returns (uint256[] memory) {
        return ExecutorSelection.cumulative(weights);
    }
}

/// @notice ExecutorSelection unit tests: the draw at the edges of each executor's range, the errors, fuzzed bounds
///         (always a valid index, never a weight-0 executor) against a linear-scan reference, and pick()'s gas.
///         The shared vectors with TypeScript are in ExecutorSelectionVectors.t.sol.
contract ExecutorSelectionTest is Test {
    ExecutorSelectionHarness internal h;

    bytes32 internal constant SEED = keccak256("automation test seed");

    function setUp() public {
        h = new ExecutorSelectionHarness();
    }

    /// @dev The spec's word, computed here rather than through the library: uint256(keccak256(abi.encode(seed, slot))).
    function _word(bytes32 seed, uint256 slot) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(seed, slot)));
    }

    function _arr(uint256 a, uint256 b) internal pure returns (uint256[] memory out) {
        out = new uint256[](2);
        (out[0], out[1]) = (a, b);
    }

    function _arr(uint256 a, uint256 b, uint256 c) internal pure returns (uint256[] memory out) {
        out = new uint256[](3);
        (out[0], out[1], out[2]) = (a, b, c);
    }

    /// @dev The definition read literally: the first i with r < cumulative[i], by a linear scan.
    function _linear(bytes32 seed, uint256 slot, uint256[] memory cum) internal pure returns (uint256) {
        uint256 r = _word(seed, slot) % cum[cum.length - 1];
        for (uint256 i; i < cum.length; ++i) {
            if (r < cum[i]) return i;
        }
        revert("unreachable");
    }

    // ---- the draw at range edges ----

    function test_pick_rOneBelowCumulativePicksThatExecutor() public view {
        uint256 total = 1000 ether;
        uint256 r = _word(SEED, 7) % total;
        assertTrue(r > 0 && r + 1 < total, "fixture: r inside");
        // r = cumulative[0] - 1: the last value of executor 0's range.
        assertEq(h.pick(SEED, 7, _arr(r + 1, total)), 0);
        // Same with a middle executor: r = cumulative[1] - 1, executor 1's range [r, r + 1).
        assertEq(h.pick(SEED, 7, _arr(r, r + 1, total)), 1);
    }

    function test_pick_rAtCumulativePicksNextExecutor() public view {
        uint256 total = 1000 ether;
        uint256 r = _word(SEED, 7) % total;
        // r = cumulative[0]: the first value of executor 1's range.
        assertEq(h.pick(SEED, 7, _arr(r, total)), 1);
        assertEq(h.pick(SEED, 7, _arr(r - 1, r, total)), 2);
    }

    function test_pick_rZeroPicksFirstExecutor() public view {
        uint256 word = _word(SEED, 3);
        // total = word: r = 0, below any first entry.
        assertEq(h.pick(SEED, 3, _arr(1, word)), 0);
    }

    function test_pick_rTotalMinusOnePicksLastExecutor() public view {
        uint256 word = _word(SEED, 3);
        assertLt(word, type(uint256).max, "fixture");
        // total = word + 1: r = word = total - 1, the last value of the last executor's range of one.
        assertEq(h.pick(SEED, 3, _arr(word - 1, word, word + 1)), 2);
    }

    function testFuzz_pick_singleExecutorIsAlwaysZero(bytes32 seed, uint256 slot, uint256 weight) public view {
        weight = _bound(weight, 1, type(uint256).max);
        uint256[] memory one = new uint256[](1);
        one[0] = weight;
        assertEq(h.pick(seed, slot, one), 0);
    }

    function test_pick_dependsOnSeedAndSlot() public view {
        uint256[] memory equal = ExecutorSelection.cumulative(_arr(1 ether, 1 ether, 1 ether));
        bool slotChanges;
        bool seedChanges;
        for (uint256 s; s < 32; ++s) {
            slotChanges = slotChanges || h.pick(SEED, s, equal) != h.pick(SEED, 0, equal);
            seedChanges = seedChanges || h.pick(SEED, s, equal) != h.pick(~SEED, s, equal);
        }
        assertTrue(slotChanges && seedChanges);
    }

    // ---- fuzzing ----

    /// @dev Up to 64 weights, each 0 (one draw in four) or up to 1e30; pick() on their running sums, weight-0 entries
    ///      included, as a caller skipping checkCumulative would pass them.
    function testFuzz_pick_isBelowCountAndNeverAWeightZeroExecutor(bytes32 seed, uint256 slot, uint256[] memory raw)
        public
    {
        vm.assume(raw.length > 0);
        uint256 n = _bound(raw.length, 1, 64);
        uint256[] memory weights = new uint256[](n);
        uint256[] memory cum = new uint256[](n);
        uint256 sum;
        uint256 firstZero = type(uint256).max;
        for (uint256 i; i < n; ++i) {
            weights[i] = raw[i] % 4 == 0 ? 0 : _bound(raw[i], 1, 1e30);
            if (weights[i] == 0 && firstZero == type(uint256).max) firstZero = i;
            sum += weights[i];
            cum[i] = sum;
        }
        vm.assume(sum > 0);
        uint256 index = h.pick(seed, slot, cum);
        assertLt(index, n, "an index of the set");
        assertGt(weights[index], 0, "never a weight-0 executor");
        assertEq(index, _linear(seed, slot, cum), "the definition");
        if (firstZero != type(uint256).max) {
            vm.expectRevert(abi.encodeWithSelector(ExecutorSelection.ZeroWeight.selector, firstZero));
            h.cumulative(weights);
            vm.expectRevert(
                abi.encodeWithSelector(ExecutorSelection.CumulativeWeightsNotIncreasing.selector, firstZero)
            );
            h.checkCumulative(cum);
        } else {
            assertEq(h.cumulative(weights), cum);
            h.checkCumulative(cum);
        }
    }

    // ---- errors ----

    function test_pick_revertsOnEmptySet() public {
        vm.expectRevert(ExecutorSelection.EmptyExecutorSet.selector);
        h.pick(SEED, 0, new uint256[](0));
    }

    function test_pick_revertsOnZeroTotal() public {
        vm.expectRevert(ExecutorSelection.EmptyExecutorSet.selector);
        h.pick(SEED, 0, new uint256[](3));
    }

    function test_checkCumulative_revertsOnEmptySet() public {
        vm.expectRevert(ExecutorSelection.EmptyExecutorSet.selector);
        h.checkCumulative(new uint256[](0));
    }

    function test_checkCumulative_revertsOnZeroFirstEntry() public {
        vm.expectRevert(abi.encodeWithSelector(ExecutorSelection.CumulativeWeightsNotIncreasing.selector, 0));
        h.checkCumulative(_arr(0, 5));
    }

    function test_checkCumulative_revertsOnRepeatedEntry() public {
        vm.expectRevert(abi.encodeWithSelector(ExecutorSelection.CumulativeWeightsNotIncreasing.selector, 2));
        h.checkCumulative(_arr(1, 5, 5));
    }

    function test_checkCumulative_revertsOnDecreasingEntry() public {
        vm.expectRevert(abi.encodeWithSelector(ExecutorSelection.CumulativeWeightsNotIncreasing.selector, 1));
        h.checkCumulative(_arr(5, 4, 9));
    }

    function test_checkCumulative_acceptsStrictlyIncreasing() public view {
        h.checkCumulative(_arr(1, 2, type(uint256).max));
    }

    function test_cumulative_sumsInOrder() public view {
        assertEq(h.cumulative(_arr(1, 2, 3)), _arr(1, 3, 6));
    }

    function test_cumulative_revertsOnZeroWeight() public {
        vm.expectRevert(abi.encodeWithSelector(ExecutorSelection.ZeroWeight.selector, 1));
        h.cumulative(_arr(7, 0, 0));
    }

    function test_cumulative_revertsOnEmptySet() public {
        vm.expectRevert(ExecutorSelection.EmptyExecutorSet.selector);
        h.cumulative(new uint256[](0));
    }

    function test_cumulative_panicsOnOverflow() public {
        vm.expectRevert(stdError.arithmeticError);
        h.cumulative(_arr(type(uint256).max, 1));
    }

    // ---- gas ----

    /// @dev pick() inlined (an internal library call), on a snapshot already in memory; 200 slots each.
    function _gas(uint256 n) internal view returns (uint256 min, uint256 max, uint256 avg) {
        uint256[] memory weights = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            weights[i] = 32 ether + (_word(SEED, i) % 5000 ether);
        }
        uint256[] memory cum = ExecutorSelection.cumulative(weights);
        min = type(uint256).max;
        uint256 sum;
        for (uint256 s; s < 200; ++s) {
            uint256 g = gasleft();
            uint256 index = ExecutorSelection.pick(SEED, s, cum);
            g -= gasleft();
            assertLt(index, n);
            sum += g;
            if (g < min) min = g;
            if (g > max) max = g;
        }
        avg = sum / 200;
    }

    function test_pick_gas() public view {
        uint256[3] memory sizes = [uint256(10), 100, 1000];
        for (uint256 k; k < sizes.length; ++k) {
            (uint256 min, uint256 max, uint256 avg) = _gas(sizes[k]);
            console.log("pick(), %d executors: gas min %d, max %d", sizes[k], min, max);
            console.log("  average %d", avg);
            assertLt(max, 10_000, "O(log n)");
        }
    }
}
