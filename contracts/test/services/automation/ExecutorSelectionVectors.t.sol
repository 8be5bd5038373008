// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {ExecutorSelection} from "../../../src/services/automation/ExecutorSelection.sol";

/// @notice ExecutorSelection against test/vectors/automation-selection.json, written by
///         scripts/gen-automation-vectors.ts from src/services/automation/selection.ts: the same cumulative snapshot of
///         every executor set, and the same executor for every (set, seed, slot), thousands of slots in all.
contract ExecutorSelectionVectorsTest is Test {
    string internal constant VECTORS = "/../test/vectors/automation-selection.json";

    function _json() internal view returns (string memory) {
        return vm.readFile(string.concat(vm.projectRoot(), VECTORS));
    }

    function _set(uint256 i) internal pure returns (string memory) {
        return string.concat(".sets[", vm.toString(i), "]");
    }

    function test_cumulative_matchesSharedVectors() public view {
        string memory json = _json();
        uint256 checked;
        for (uint256 i; vm.keyExistsJson(json, _set(i)); ++i) {
            uint256[] memory expected = vm.parseJsonUintArray(json, string.concat(_set(i), ".cumulative"));
            assertEq(
                ExecutorSelection.cumulative(vm.parseJsonUintArray(json, string.concat(_set(i), ".weights"))), expected
            );
            ExecutorSelection.checkCumulative(expected);
            ++checked;
        }
        assertEq(checked, 6, "sets");
    }

    function test_pick_matchesSharedVectors() public view {
        string memory json = _json();
        bytes32[] memory seeds = vm.parseJsonBytes32Array(json, ".seeds");
        uint256[] memory slots = vm.parseJsonUintArray(json, ".slots");
        uint256 checked;
        for (uint256 g;; ++g) {
            string memory k = string.concat(".groups[", vm.toString(g), "]");
            if (!vm.keyExistsJson(json, k)) break;
            uint256[] memory cum = vm.parseJsonUintArray(
                json, string.concat(_set(vm.parseJsonUint(json, string.concat(k, ".set"))), ".cumulative")
            );
            bytes32 seed = seeds[vm.parseJsonUint(json, string.concat(k, ".seed"))];
            uint256[] memory indices = vm.parseJsonUintArray(json, string.concat(k, ".indices"));
            assertEq(indices.length, slots.length, k);
            for (uint256 j; j < slots.length; ++j) {
                assertEq(
                    ExecutorSelection.pick(seed, slots[j], cum),
                    indices[j],
                    string.concat(k, " slot ", vm.toString(slots[j]))
                );
            }
            checked += indices.length;
        }
        assertEq(checked, vm.parseJsonUint(json, ".cases"), "every case");
        assertGe(checked, 5000, "thousands of cases");
    }
}
