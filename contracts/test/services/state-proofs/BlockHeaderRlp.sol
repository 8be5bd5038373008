// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @notice A small RLP encoder for tests: builds block headers with every field up to Prague, so the verifiers' decoder
///         and hash checks are exercised on realistic input (compared with a real anvil header in test/unit).
library BlockHeaderRlp {
    /// @notice The RLP string of `b`.
    function str(bytes memory b) internal pure returns (bytes memory) {
        if (b.length == 1 && uint8(b[0]) < 0x80) return b;
        return bytes.concat(_length(b.length, 0x80), b);
    }

    /// @notice The RLP integer `v` (big-endian without leading zeros; 0 is the empty string).
    function uint_(uint256 v) internal pure returns (bytes memory) {
        return str(_trim(v));
    }

    /// @notice The RLP list of already encoded `items`.
    function list(bytes[] memory items) internal pure returns (bytes memory payload) {
        for (uint256 i; i < items.length; ++i) {
            payload = bytes.concat(payload, items[i]);
        }
        return bytes.concat(_length(payload.length, 0xc0), payload);
    }

    /// @notice A Prague header (21 fields) with the given parent, number and timestamp; other fields fixed or derived.
    function header(bytes32 parentHash, uint256 number, uint256 timestamp) internal pure returns (bytes memory) {
        return headerWithFields(parentHash, number, timestamp, 21);
    }

    /// @notice A header of the first `fields` fields (15: pre-London, 16: London, 17: Shanghai, 20: Cancun, 21: Prague, 22: a later fork), at most 22.
    function headerWithFields(bytes32 parentHash, uint256 number, uint256 timestamp, uint256 fields)
        internal
        pure
        returns (bytes memory)
    {
        bytes[] memory all = new bytes[](22);
        all[0] = str(abi.encodePacked(parentHash));
        all[1] = str(abi.encodePacked(keccak256(hex"c0")));
        all[2] = str(abi.encodePacked(address(0xC0FFEE)));
        all[3] = str(abi.encodePacked(keccak256(abi.encode("state", number))));
        all[4] = str(abi.encodePacked(keccak256(hex"80")));
        all[5] = str(abi.encodePacked(keccak256(hex"80")));
        all[6] = str(new bytes(256));
        all[7] = uint_(0);
        all[8] = uint_(number);
        all[9] = uint_(30_000_000);
        all[10] = uint_(21_000 * (number % 7));
        all[11] = uint_(timestamp);
        all[12] = str("avs-stack test");
        all[13] = str(abi.encodePacked(bytes32(0)));
        all[14] = str(new bytes(8));
        all[15] = uint_(1 gwei);
        all[16] = str(abi.encodePacked(keccak256(hex"80")));
        all[17] = uint_(0);
        all[18] = uint_(0);
        all[19] = str(abi.encodePacked(bytes32(0)));
        all[20] = str(abi.encodePacked(sha256("")));
        all[21] = uint_(7); // a field of a fork to come
        bytes[] memory items = new bytes[](fields);
        for (uint256 i; i < fields; ++i) {
            items[i] = all[i];
        }
        return list(items);
    }

    function _trim(uint256 v) private pure returns (bytes memory out) {
        uint256 n;
        for (uint256 x = v; x != 0; x >>= 8) {
            ++n;
        }
        out = new bytes(n);
        for (uint256 i; i < n; ++i) {
            out[n - 1 - i] = bytes1(uint8(v >> (8 * i)));
        }
    }

    function _length(uint256 len, uint8 offset) private pure returns (bytes memory) {
        if (len < 56) return abi.encodePacked(uint8(offset + len));
        bytes memory l = _trim(len);
        return bytes.concat(abi.encodePacked(uint8(offset + 55 + l.length)), l);
    }
}
