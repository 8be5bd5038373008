// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IUniFiAVSManagerErrors, IUniFiAVSManagerEvents} from "../../../src/services/preconf/IUniFiAVSManager.sol";
import {UniFiFixture} from "./UniFiFixture.sol";

/// @notice The chain-id bitmap: the owner's position ↔ chain id map, bitmapToChainIDs, and isValidatorInChainId,
///         which must read the same bit for a chain id as bitmapToChainIDs does for its position.
contract UniFiAVSManagerChainIDsTest is UniFiFixture {
    function _setChainID(uint8 index, uint256 chainId) internal {
        vm.prank(registryOwner);
        unifi.setChainID(index, chainId);
    }

    function test_setChainID_mapsBothWays() public {
        vm.expectEmit(address(unifi));
        emit IUniFiAVSManagerEvents.ChainIDSet(255, 137);
        _setChainID(255, 137);
        assertEq(unifi.getChainID(255), 137);
        assertEq(unifi.getBitmapIndex(137), 255);
        assertEq(unifi.getChainID(1), CHAIN_1);
        assertEq(unifi.getBitmapIndex(CHAIN_5), 5);
        assertEq(unifi.getBitmapIndex(999), 0, "unmapped");
        assertEq(unifi.getChainID(0), 0, "position 0 never holds a chain id");
    }

    function test_setChainID_refusesIndexZero() public {
        vm.prank(registryOwner);
        vm.expectRevert(IUniFiAVSManagerErrors.InvalidChainID.selector);
        unifi.setChainID(0, 137);
    }

    function test_setChainID_refusesAChainIdMappedAtAnotherIndex() public {
        vm.prank(registryOwner);
        vm.expectRevert(IUniFiAVSManagerErrors.InvalidChainID.selector);
        unifi.setChainID(3, CHAIN_1);
        _setChainID(1, CHAIN_1);
        assertEq(unifi.getBitmapIndex(CHAIN_1), 1, "setting the same pair again is harmless");
    }

    /// @dev Regression: replacing a position's chain id left the old chain id pointing at the position, so
    ///      getBitmapIndex(old) named a position that now means another chain.
    function test_setChainID_replacingClearsTheOldReverseMapping() public {
        _setChainID(1, 137);
        assertEq(unifi.getChainID(1), 137);
        assertEq(unifi.getBitmapIndex(137), 1);
        assertEq(unifi.getBitmapIndex(CHAIN_1), 0, "the replaced chain id has no position");
        // …so it can be mapped elsewhere, and is not reported in position 1's chain.
        _setChainID(7, CHAIN_1);
        assertEq(unifi.getBitmapIndex(CHAIN_1), 7);
        bytes32[] memory hashes = _ready(1);
        assertFalse(unifi.isValidatorInChainId(hashes[0], CHAIN_1), "bit 1 now means 137");
        assertTrue(unifi.isValidatorInChainId(hashes[0], 137));
    }

    function test_setChainID_zeroClearsThePosition() public {
        _setChainID(2, 0);
        assertEq(unifi.getChainID(2), 0);
        assertEq(unifi.getBitmapIndex(CHAIN_2), 0);
        uint256[] memory ids = unifi.bitmapToChainIDs(BITMAP_1_2);
        assertEq(ids.length, 1);
        assertEq(ids[0], CHAIN_1);
    }

    function test_bitmapToChainIDs_ascendingSkippingBitZeroAndUnmappedPositions() public {
        _setChainID(255, 137);
        uint256 bitmap = type(uint256).max;
        uint256[] memory ids = unifi.bitmapToChainIDs(bitmap);
        assertEq(ids.length, 4);
        assertEq(ids[0], CHAIN_1);
        assertEq(ids[1], CHAIN_2);
        assertEq(ids[2], CHAIN_5);
        assertEq(ids[3], 137);
        assertEq(unifi.bitmapToChainIDs(1).length, 0, "bit 0 alone");
        assertEq(unifi.bitmapToChainIDs(1 << 3).length, 0, "unmapped position");
        assertEq(unifi.bitmapToChainIDs(0).length, 0);
    }

    function test_isValidatorInChainId_readsTheCommitmentInForce() public {
        bytes32[] memory hashes = _ready(1);
        assertTrue(unifi.isValidatorInChainId(hashes[0], CHAIN_1));
        assertTrue(unifi.isValidatorInChainId(hashes[0], CHAIN_2));
        assertFalse(unifi.isValidatorInChainId(hashes[0], CHAIN_5));
        assertFalse(unifi.isValidatorInChainId(hashes[0], 0), "chain id 0 is never included");
        assertFalse(unifi.isValidatorInChainId(bytes32(uint256(0xdead)), CHAIN_1), "unknown validator");

        vm.prank(operator);
        unifi.setOperatorCommitment(_commitment(delegate, 1 << 5));
        assertTrue(unifi.isValidatorInChainId(hashes[0], CHAIN_1), "pending is not in force");
        vm.roll(block.number + DELAY);
        assertFalse(unifi.isValidatorInChainId(hashes[0], CHAIN_1));
        assertTrue(unifi.isValidatorInChainId(hashes[0], CHAIN_5), "matured without an update");
        assertEq(unifi.getValidator(hashes[0]).chainIDBitMap, 1 << 5);
    }

    /// @notice For random chain-id assignments and a random commitment bitmap: every mapped position maps back,
    ///         isValidatorInChainId(getChainID(i)) is bit i, bitmapToChainIDs lists exactly those chain ids in
    ///         ascending position, and each listed chain id is in the validator's chains (both directions).
    function testFuzz_bitmapAgreesWithIsValidatorInChainId(uint256 bitmap, uint256 seed) public {
        bitmap &= ~uint256(1);
        // Random assignments over a small range of chain ids, so that collisions (refused) and replacements happen.
        for (uint256 k; k < 24; ++k) {
            uint256 r = uint256(keccak256(abi.encode(seed, k)));
            uint8 index = uint8(r);
            uint256 chainId = (r >> 8) % 41; // 0 clears
            uint8 existing = unifi.getBitmapIndex(chainId);
            vm.prank(registryOwner);
            if (index == 0 || (chainId != 0 && existing != 0 && existing != index)) {
                vm.expectRevert(IUniFiAVSManagerErrors.InvalidChainID.selector);
                unifi.setChainID(index, chainId);
            } else {
                unifi.setChainID(index, chainId);
            }
        }
        _registerWith(OPERATOR_KEY, _commitment(delegate, bitmap));
        bytes32[] memory hashes = _podWithValidators(podOwner, operator, 0, 1, 0);
        _registerValidators(operator, podOwner, hashes);

        uint256[] memory ids = unifi.bitmapToChainIDs(bitmap);
        uint256 listed;
        for (uint256 i = 1; i < 256; ++i) {
            uint256 chainId = unifi.getChainID(uint8(i));
            if (chainId == 0) continue;
            assertEq(unifi.getBitmapIndex(chainId), i, "maps back");
            bool bit = (bitmap >> i) & 1 == 1;
            assertEq(unifi.isValidatorInChainId(hashes[0], chainId), bit, "bit i, not i - 1");
            if (bit) {
                assertEq(ids[listed], chainId, "ascending position");
                ++listed;
            }
        }
        assertEq(ids.length, listed, "exactly the mapped set bits");
        for (uint256 j; j < ids.length; ++j) {
            assertTrue(unifi.isValidatorInChainId(hashes[0], ids[j]), "listed chain ids are included");
            assertTrue((bitmap >> unifi.getBitmapIndex(ids[j])) & 1 == 1);
        }
        // A chain id's position holds it; chain ids without a position are never included.
        for (uint256 c; c < 41; ++c) {
            uint8 index = unifi.getBitmapIndex(c);
            if (index == 0) assertFalse(unifi.isValidatorInChainId(hashes[0], c));
            else assertEq(unifi.getChainID(index), c, "no stale reverse mapping");
        }
    }
}
