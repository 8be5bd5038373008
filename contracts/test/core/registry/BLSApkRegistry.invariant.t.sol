// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {IBLSApkRegistry} from "../../../src/core/registry/IBLSApkRegistry.sol";
import {BN254} from "../../../src/core/signatures/BN254.sol";
import {BLSApkRegistryHarness, BLSFixture} from "./BLSFixture.sol";

/// @dev Registers keys, sets weights in quorum 1 and moves time, remembering every operator's latest weight.
contract BLSRegistryHandler is Test {
    uint256 internal constant OPERATORS = 8;

    BLSApkRegistryHarness internal immutable registry;
    uint256[OPERATORS] internal secrets;
    BN254.G2Point[OPERATORS] internal keysG2;
    bool[OPERATORS] public registered;
    uint96[OPERATORS] public latestWeight;

    constructor(BLSApkRegistryHarness registry_, uint256[] memory secrets_, BN254.G2Point[] memory keysG2_) {
        registry = registry_;
        for (uint256 i; i < OPERATORS; ++i) {
            secrets[i] = secrets_[i];
            keysG2[i] = keysG2_[i];
        }
    }

    function operator(uint256 i) public pure returns (address) {
        return address(uint160(0x10000 + i));
    }

    function keyG1(uint256 i) public view returns (BN254.G1Point memory key) {
        (, key) = BN254.mul(BN254.generatorG1(), secrets[i]);
    }

    function register(uint256 i) external {
        i = bound(i, 0, OPERATORS - 1);
        if (registered[i]) return;
        BN254.G1Point memory key = keyG1(i);
        (, BN254.G1Point memory proof) =
            BN254.mul(BN254.hashToG1(registry.popMessageHash(operator(i), key)), secrets[i]);
        vm.prank(operator(i));
        registry.registerBLSKey(key, keysG2[i], proof);
        registered[i] = true;
    }

    function setWeight(uint256 i, uint256 weight) external {
        i = bound(i, 0, OPERATORS - 1);
        if (!registered[i]) return;
        // A third of the calls remove the operator.
        weight = weight % 3 == 0 ? 0 : bound(weight, 1, 1e24);
        registry.setOperatorWeight(1, operator(i), uint96(weight));
        latestWeight[i] = uint96(weight);
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 0, 250));
    }
}

/// @notice Invariants of BLSApkRegistry: at every epoch, a quorum's checkpointed total weight is the sum of its members'
///         checkpointed weights and its aggregate key the sum of their keys; the latest state matches what was set.
contract BLSApkRegistryInvariantTest is BLSFixture {
    BLSRegistryHandler internal handler;

    function setUp() public override {
        super.setUp();
        registry.createQuorum(1, 6_667);
        uint256[] memory secrets = new uint256[](8);
        BN254.G2Point[] memory keysG2 = new BN254.G2Point[](8);
        for (uint256 i; i < 8; ++i) {
            secrets[i] = _secret(i);
            keysG2[i] = _keyG2(i);
        }
        handler = new BLSRegistryHandler(registry, secrets, keysG2);
        registry.transferOwnership(address(handler));
        targetContract(address(handler));
    }

    function invariant_latestQuorum_isTheSumOfLatestMembers() public view {
        (uint256 total, BN254.G1Point memory apk) = (0, BN254.G1Point(0, 0));
        for (uint256 i; i < 8; ++i) {
            uint256 weight = handler.latestWeight(i);
            assertEq(registry.getLatestOperatorWeight(1, handler.operator(i)), weight);
            if (weight == 0) continue;
            total += weight;
            (, apk) = BN254.add(apk, handler.keyG1(i));
        }
        IBLSApkRegistry.QuorumCheckpoint memory latest = registry.getLatestQuorum(1);
        assertEq(latest.totalWeight, total, "total");
        assertEq(latest.apk.X, apk.X, "apk x");
        assertEq(latest.apk.Y, apk.Y, "apk y");
    }

    function invariant_everyRecentEpoch_isConsistent() public view {
        uint32 last = registry.effectiveEpoch();
        uint32 first = last > 6 ? last - 6 : 0;
        for (uint32 epoch = first; epoch <= last; ++epoch) {
            (uint256 total, BN254.G1Point memory apk) = (0, BN254.G1Point(0, 0));
            for (uint256 i; i < 8; ++i) {
                uint256 weight = registry.getOperatorWeightAt(1, handler.operator(i), epoch);
                if (weight == 0) continue;
                total += weight;
                (, apk) = BN254.add(apk, handler.keyG1(i));
            }
            IBLSApkRegistry.QuorumCheckpoint memory checkpoint = registry.getQuorumAt(1, epoch);
            assertEq(checkpoint.totalWeight, total, "total at epoch");
            assertEq(checkpoint.apk.X, apk.X, "apk x at epoch");
            assertEq(checkpoint.apk.Y, apk.Y, "apk y at epoch");
        }
    }
}
