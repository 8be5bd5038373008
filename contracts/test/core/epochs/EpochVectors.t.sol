// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {EpochManager} from "../../../src/core/epochs/EpochManager.sol";

/// @notice EpochManager against test/vectors/epochs.json, the vectors TypeScript (src/core/epochs.ts) is tested with.
contract EpochVectorsTest is Test {
    function test_epochManager_matchesSharedVectors() public {
        string memory json = vm.readFile(string.concat(vm.projectRoot(), "/../test/vectors/epochs.json"));
        uint256 checked;
        for (uint256 c; vm.keyExistsJson(json, string.concat(".configs[", vm.toString(c), "]")); ++c) {
            string memory cfg = string.concat(".configs[", vm.toString(c), "]");
            EpochManager em = new EpochManager(
                uint64(vm.parseUint(vm.parseJsonString(json, string.concat(cfg, ".genesis")))),
                uint64(vm.parseUint(vm.parseJsonString(json, string.concat(cfg, ".length")))),
                uint64(vm.parseUint(vm.parseJsonString(json, string.concat(cfg, ".grace")))),
                address(this)
            );
            for (uint256 i; vm.keyExistsJson(json, string.concat(cfg, ".cases[", vm.toString(i), "]")); ++i) {
                string memory k = string.concat(cfg, ".cases[", vm.toString(i), "]");
                uint256 t = vm.parseUint(vm.parseJsonString(json, string.concat(k, ".t")));
                assertEq(em.epochAt(t), vm.parseJsonUint(json, string.concat(k, ".epoch")), string.concat(k, " epoch"));
                assertEq(em.isInGracePeriodAt(t), vm.parseJsonBool(json, string.concat(k, ".inGrace")), string.concat(k, " grace"));
                assertEq(
                    em.effectiveEpochAt(t),
                    vm.parseJsonUint(json, string.concat(k, ".effectiveEpoch")),
                    string.concat(k, " effective")
                );
                ++checked;
            }
        }
        assertGt(checked, 0, "no vectors");
    }
}
