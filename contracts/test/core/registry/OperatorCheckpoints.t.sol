// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {OperatorCheckpoints} from "../../../src/core/registry/OperatorCheckpoints.sol";

/// @dev Exposes the library on one storage history.
contract CheckpointsHarness {
    using OperatorCheckpoints for OperatorCheckpoints.History;

    OperatorCheckpoints.History internal history;

    function push(uint32 epoch, address signingKey, uint256 weight) external {
        history.push(epoch, signingKey, weight);
    }

    function lookup(uint32 epoch) external view returns (address, uint256) {
        return history.lookup(epoch);
    }

    function latest() external view returns (address, uint256) {
        return history.latest();
    }

    function length() external view returns (uint256) {
        return history.length();
    }

    function at(uint256 index) external view returns (OperatorCheckpoints.Checkpoint memory) {
        return history.at(index);
    }
}

contract OperatorCheckpointsTest is Test {
    CheckpointsHarness internal h;

    function setUp() public {
        h = new CheckpointsHarness();
    }

    function _assertAt(uint32 epoch, address key, uint256 weight) internal view {
        (address k, uint256 w) = h.lookup(epoch);
        assertEq(k, key, "key");
        assertEq(w, weight, "weight");
    }

    function test_lookup_emptyHistoryReadsZero() public view {
        _assertAt(0, address(0), 0);
        _assertAt(type(uint32).max, address(0), 0);
        assertEq(h.length(), 0);
        (address k, uint256 w) = h.latest();
        assertEq(k, address(0));
        assertEq(w, 0);
    }

    function test_lookup_beforeFirstCheckpointReadsZero() public {
        h.push(5, address(1), 10);
        _assertAt(4, address(0), 0);
        _assertAt(5, address(1), 10);
    }

    function test_lookup_carriesLatestForward() public {
        h.push(5, address(1), 10);
        _assertAt(6, address(1), 10);
        _assertAt(type(uint32).max, address(1), 10);
    }

    function test_lookup_findsPreviousWhenChangeIsPending() public {
        h.push(1, address(1), 10);
        h.push(3, address(2), 20);
        _assertAt(2, address(1), 10);
        _assertAt(3, address(2), 20);
    }

    function test_lookup_binarySearchesOlderCheckpoints() public {
        for (uint32 e = 1; e <= 9; ++e) {
            h.push(e * 10, address(uint160(e)), e);
        }
        _assertAt(9, address(0), 0);
        _assertAt(10, address(1), 1);
        _assertAt(35, address(3), 3);
        _assertAt(79, address(7), 7);
        _assertAt(80, address(8), 8);
        _assertAt(89, address(8), 8);
        _assertAt(90, address(9), 9);
    }

    function test_push_sameEpochOverwrites() public {
        h.push(1, address(1), 10);
        h.push(2, address(2), 20);
        h.push(2, address(3), 30);
        assertEq(h.length(), 2);
        _assertAt(1, address(1), 10);
        _assertAt(2, address(3), 30);
    }

    function test_push_revertsOnEarlierEpoch() public {
        h.push(5, address(1), 10);
        vm.expectRevert(abi.encodeWithSelector(OperatorCheckpoints.UnorderedCheckpoint.selector, uint32(4), uint32(5)));
        h.push(4, address(1), 10);
    }

    function test_at_returnsCheckpointsOldestFirst() public {
        h.push(1, address(1), 10);
        h.push(2, address(2), 20);
        h.push(4, address(0), 0);
        assertEq(h.length(), 3);
        OperatorCheckpoints.Checkpoint memory c0 = h.at(0);
        OperatorCheckpoints.Checkpoint memory c2 = h.at(2);
        assertEq(c0.epoch, 1);
        assertEq(c0.signingKey, address(1));
        assertEq(c0.weight, 10);
        assertEq(c0.count, 0);
        assertEq(c2.epoch, 4);
        assertEq(c2.signingKey, address(0));
        assertEq(c2.count, 0);
        assertEq(h.at(1).weight, 20);
    }

    function test_at_revertsOutOfBounds() public {
        h.push(1, address(1), 10);
        vm.expectRevert(abi.encodeWithSelector(OperatorCheckpoints.CheckpointIndexOutOfBounds.selector, 1, 1));
        h.at(1);
    }

    function test_push_keepsLargestEpochKeyAndWeight() public {
        uint256 max = OperatorCheckpoints.MAX_WEIGHT;
        h.push(type(uint32).max - 1, address(1), 1);
        h.push(type(uint32).max, address(type(uint160).max), max);
        _assertAt(type(uint32).max, address(type(uint160).max), max);
        _assertAt(type(uint32).max - 1, address(1), 1);
        assertEq(h.length(), 2);
        assertEq(max, ((uint256(1) << 58) - 1) << 63);
    }

    function test_push_keepsWeightsBelow2Pow58Exactly() public {
        uint256 w = (uint256(1) << 58) - 1;
        h.push(1, address(1), w);
        _assertAt(1, address(1), w);
        h.push(2, address(1), 123456789012345678);
        _assertAt(2, address(1), 123456789012345678);
    }

    function test_push_revertsOnWeightWithMoreThan58SignificantBits() public {
        uint256 w = (uint256(1) << 58) + 1;
        vm.expectRevert(abi.encodeWithSelector(OperatorCheckpoints.WeightNotRepresentable.selector, w));
        h.push(1, address(1), w);
        vm.expectRevert(abi.encodeWithSelector(OperatorCheckpoints.WeightNotRepresentable.selector, 1e18 + 1));
        h.push(1, address(1), 1e18 + 1);
    }

    function test_push_revertsAboveMaxWeight() public {
        uint256 w = OperatorCheckpoints.MAX_WEIGHT << 1; // 58 significant bits, exponent 64
        vm.expectRevert(abi.encodeWithSelector(OperatorCheckpoints.WeightNotRepresentable.selector, w));
        h.push(1, address(1), w);
        vm.expectRevert(
            abi.encodeWithSelector(OperatorCheckpoints.WeightNotRepresentable.selector, type(uint256).max)
        );
        h.push(1, address(1), type(uint256).max);
    }

    function test_roundWeight_keeps58SignificantBits() public pure {
        assertEq(OperatorCheckpoints.roundWeight(0), 0);
        assertEq(OperatorCheckpoints.roundWeight(1), 1);
        assertEq(OperatorCheckpoints.roundWeight((uint256(1) << 58) - 1), (uint256(1) << 58) - 1);
        assertEq(OperatorCheckpoints.roundWeight((uint256(1) << 58) + 1), uint256(1) << 58);
        assertEq(OperatorCheckpoints.roundWeight((uint256(1) << 59) + 3), uint256(1) << 59); // 60 bits: drops 2
        assertEq(OperatorCheckpoints.roundWeight((uint256(1) << 59) + 7), (uint256(1) << 59) + 4);
        // Round numbers of 18-decimal tokens are exact up to ~2.9e17 whole tokens: 1e18 = 2^18 × 5^18.
        assertEq(OperatorCheckpoints.roundWeight(1e18), 1e18);
        assertEq(OperatorCheckpoints.roundWeight(123_456 ether), 123_456 ether);
        assertEq(OperatorCheckpoints.roundWeight(1e18 + 1), 1e18);
        assertEq(OperatorCheckpoints.roundWeight(OperatorCheckpoints.MAX_WEIGHT), OperatorCheckpoints.MAX_WEIGHT);
        assertEq(OperatorCheckpoints.roundWeight(OperatorCheckpoints.MAX_WEIGHT + 1), OperatorCheckpoints.MAX_WEIGHT);
        assertEq(OperatorCheckpoints.roundWeight(type(uint256).max), OperatorCheckpoints.MAX_WEIGHT);
    }

    /// @dev roundWeight is the largest weight a checkpoint holds that is at most `w`, and a checkpoint holds it.
    function testFuzz_roundWeight_isLargestRepresentableAtMost(uint256 w, uint8 shift) public {
        w >>= shift;
        uint256 r = OperatorCheckpoints.roundWeight(w);
        assertLe(r, w);
        assertEq(OperatorCheckpoints.roundWeight(r), r);
        if (w < OperatorCheckpoints.MAX_WEIGHT) {
            // Only bits below the 58 most significant ones are dropped.
            uint256 bits;
            for (uint256 x = w; x != 0; x >>= 1) {
                ++bits;
            }
            uint256 dropped = bits > 58 ? bits - 58 : 0;
            assertEq(r, (w >> dropped) << dropped);
        }
        h.push(1, address(2), r);
        _assertAt(1, address(2), r);
    }

    /// @dev The layout: one slot read at or after the latest epoch, two one change back.
    function test_lookup_readsOneSlotForLatestTwoForPrevious() public {
        h.push(1, address(1), 10);
        h.push(3, address(2), 20);
        h.push(5, address(3), 30);
        vm.record();
        h.lookup(6);
        (bytes32[] memory reads,) = vm.accesses(address(h));
        assertEq(reads.length, 1, "latest");
        vm.record();
        h.lookup(4);
        (reads,) = vm.accesses(address(h));
        assertEq(reads.length, 2, "previous");
        vm.record();
        h.lookup(2);
        (reads,) = vm.accesses(address(h));
        assertGt(reads.length, 2, "older");
    }

    /// @dev Random pushes (epochs non-decreasing, with repeats) against a naive array with a linear scan.
    function testFuzz_lookupMatchesNaiveModel(uint8[32] memory gaps, uint160[32] memory keys, uint32 query, uint8 n)
        public
    {
        n = uint8(bound(n, 0, 32));
        uint32[] memory epochs = new uint32[](n);
        address[] memory ks = new address[](n);
        uint256[] memory ws = new uint256[](n);
        uint256 m; // distinct epochs in the model
        uint32 epoch = 3;
        for (uint256 i; i < n; ++i) {
            epoch += gaps[i] % 3; // 0: same epoch (overwrite)
            address key = address(keys[i] % 4 == 0 ? 0 : keys[i]);
            uint256 weight =
                OperatorCheckpoints.roundWeight(uint256(keccak256(abi.encode(i, keys[i]))) >> (keys[i] % 256));
            h.push(epoch, key, weight);
            if (m != 0 && epochs[m - 1] == epoch) m--;
            epochs[m] = epoch;
            ks[m] = key;
            ws[m] = weight;
            m++;
        }
        assertEq(h.length(), m);
        query = uint32(bound(query, 0, uint256(epoch) + 3));
        (address expectedKey, uint256 expectedWeight) = (address(0), 0);
        for (uint256 i = m; i > 0; --i) {
            if (epochs[i - 1] <= query) {
                (expectedKey, expectedWeight) = (ks[i - 1], ws[i - 1]);
                break;
            }
        }
        _assertAt(query, expectedKey, expectedWeight);
        for (uint256 i; i < m; ++i) {
            OperatorCheckpoints.Checkpoint memory cp = h.at(i);
            assertEq(cp.epoch, epochs[i]);
            assertEq(cp.signingKey, ks[i]);
            assertEq(cp.weight, ws[i]);
            assertEq(cp.count, 0);
        }
        (address latestKey, uint256 latestWeight) = h.latest();
        assertEq(latestKey, m == 0 ? address(0) : ks[m - 1]);
        assertEq(latestWeight, m == 0 ? 0 : ws[m - 1]);
    }
}
