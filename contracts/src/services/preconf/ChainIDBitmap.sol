// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IUniFiAVSManagerErrors} from "./IUniFiAVSManager.sol";

/// @title ChainIDBitmap: the owner's map between bitmap positions and chain ids
/// @notice Bit i (1 ≤ i ≤ 255) of an operator's chain bitmap stands for the chain id mapped at position i. Bit 0 and
///         chain id 0 are never used: position 0 is "no position" in the reverse map, so a chain id without a position
///         and a bitmap with bit 0 set can never be confused with a real entry. Both directions are kept in step: a
///         chain id is at one position at most, and every mapped position's chain id maps back to it.
library ChainIDBitmap {
    /// @notice Both directions of the map.
    /// @param chainIds Position → chain id (0: position unused).
    /// @param indexes Chain id → position (0: chain id not mapped).
    struct Map {
        mapping(uint8 index => uint256 chainId) chainIds;
        mapping(uint256 chainId => uint8 index) indexes;
    }

    /// @notice Maps position `index` to `chainId` (0 clears the position); the chain id it held maps to no position.
    /// @return previous The chain id the position held (0 if none).
    /// @dev Reverts InvalidChainID for index 0 or a chain id already mapped at another position.
    function set(Map storage map, uint8 index, uint256 chainId) internal returns (uint256 previous) {
        if (index == 0) revert IUniFiAVSManagerErrors.InvalidChainID();
        if (chainId != 0) {
            uint8 existing = map.indexes[chainId];
            if (existing != 0 && existing != index) revert IUniFiAVSManagerErrors.InvalidChainID();
        }
        previous = map.chainIds[index];
        // The replaced chain id must not keep pointing here, or getBitmapIndex would name a position it left.
        if (previous != 0) delete map.indexes[previous];
        map.chainIds[index] = chainId;
        if (chainId != 0) map.indexes[chainId] = index;
    }

    /// @notice The chain ids of the set bits of `bitmap` in ascending position, skipping bit 0 and unmapped positions.
    function chainIdsOf(Map storage map, uint256 bitmap) internal view returns (uint256[] memory ids) {
        bitmap &= ~uint256(1);
        uint256 count;
        for (uint256 i = 1; i < 256 && (bitmap >> i) != 0; ++i) {
            // casting to 'uint8' is safe because i < 256
            // forge-lint: disable-next-line(unsafe-typecast)
            if ((bitmap >> i) & 1 == 1 && map.chainIds[uint8(i)] != 0) ++count;
        }
        ids = new uint256[](count);
        uint256 k;
        for (uint256 i = 1; k < count; ++i) {
            // casting to 'uint8' is safe because the loop stops at the last mapped set bit, below 256
            // forge-lint: disable-next-line(unsafe-typecast)
            uint256 id = map.chainIds[uint8(i)];
            if ((bitmap >> i) & 1 == 1 && id != 0) ids[k++] = id;
        }
    }

    /// @notice Whether `bitmap` includes `chainId`: the chain id has a position (never 0) and its bit is set. The same
    ///         bit {chainIdsOf} reads for that position, so the two always agree.
    function includes(Map storage map, uint256 bitmap, uint256 chainId) internal view returns (bool) {
        uint8 index = map.indexes[chainId];
        return index != 0 && (bitmap >> index) & 1 == 1;
    }
}
