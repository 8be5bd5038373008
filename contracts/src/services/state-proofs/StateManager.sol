// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title StateManager
/// @notice Append-only value history per (user, key), deployed on every supported chain. Users write their own
///         values; operators read them at a block (or time) and attest them, including their absence.
/// @dev Entries of one history are in non-decreasing block and timestamp order, so lookups binary-search.
///      Several writes in one block are all kept; a lookup at that block returns the last of them.
contract StateManager {
    /// @notice One write: the value and the block (number and timestamp, unix seconds) it was written in.
    struct History {
        uint256 value;
        uint64 blockNumber;
        uint48 timestamp;
    }

    /// @notice One entry of {batchSetValues}.
    struct SetValueParams {
        uint256 key;
        uint256 value;
    }

    /// @notice One lookup of {tryGetHistoriesAtBlocks}: the arguments of {tryGetHistoryAtBlock}.
    struct HistoryQuery {
        address user;
        uint256 key;
        uint256 blockNumber;
    }

    /// @notice One answer of {tryGetHistoriesAtBlocks}: what {tryGetHistoryAtBlock} returns for its query.
    struct HistoryReading {
        bool exists;
        History entry;
    }

    /// @dev user => key => entries in write order. Each entry takes two slots (value; blockNumber ‖ timestamp).
    mapping(address user => mapping(uint256 key => History[])) private _histories;

    /// @notice `user` had no entry under `key` at or before the block or time asked for (or none at all).
    error NoHistoryFound(address user, uint256 key);
    /// @notice `index` is not below the `length` of the history of (`user`, `key`).
    error HistoryIndexOutOfBounds(address user, uint256 key, uint256 index, uint256 length);

    /// @notice `user` wrote `value` under `key` in block `blockNumber` at `timestamp` (unix seconds).
    event HistoryCommitted(
        address indexed user, uint256 indexed key, uint256 value, uint64 blockNumber, uint48 timestamp
    );

    /// @notice Appends `value` to msg.sender's history under `key`.
    /// @param key Any key chosen by the user.
    /// @param value The new value.
    function setValue(uint256 key, uint256 value) external {
        _append(key, value);
    }

    /// @notice Appends several values to msg.sender's histories, in array order.
    /// @param params (key, value) pairs; a key may repeat (the last write of the block wins in lookups).
    function batchSetValues(SetValueParams[] calldata params) external {
        uint256 n = params.length;
        for (uint256 i; i < n; ++i) {
            _append(params[i].key, params[i].value);
        }
    }

    /// @notice The entry of (`user`, `key`) in effect at `blockNumber`: the last one written at or before it.
    /// @dev Reverts with {NoHistoryFound} when there is none.
    function getHistoryAtBlock(address user, uint256 key, uint256 blockNumber)
        external
        view
        returns (History memory)
    {
        (bool exists, History memory entry) = _lookupByBlock(user, key, blockNumber);
        if (!exists) revert NoHistoryFound(user, key);
        return entry;
    }

    /// @notice Like {getHistoryAtBlock} but never reverts: `exists` is false (and the entry zero) when there is none.
    function tryGetHistoryAtBlock(address user, uint256 key, uint256 blockNumber)
        external
        view
        returns (bool exists, History memory entry)
    {
        return _lookupByBlock(user, key, blockNumber);
    }

    /// @notice {tryGetHistoryAtBlock} for each query, in query order, in one call: lets an operator read a whole batch
    ///         of tasks in one `eth_call`. Never reverts for a missing entry (that reading has `exists` false).
    /// @param queries (user, key, blockNumber) triples; any may repeat.
    /// @return readings `readings[i]` is `tryGetHistoryAtBlock(queries[i].user, queries[i].key, queries[i].blockNumber)`.
    function tryGetHistoriesAtBlocks(HistoryQuery[] calldata queries)
        external
        view
        returns (HistoryReading[] memory readings)
    {
        uint256 n = queries.length;
        readings = new HistoryReading[](n);
        for (uint256 i; i < n; ++i) {
            HistoryQuery calldata q = queries[i];
            (bool exists, History memory entry) = _lookupByBlock(q.user, q.key, q.blockNumber);
            readings[i] = HistoryReading(exists, entry);
        }
    }

    /// @notice {tryGetHistoriesAtBlocks} with only what an attestation signs: per query, whether an entry exists and its
    ///         value. Half the return data, and decoding it costs an operator less than half as much.
    /// @param queries (user, key, blockNumber) triples; any may repeat.
    /// @return exists `exists[i]` is `tryGetHistoryAtBlock(queries[i].user, queries[i].key, queries[i].blockNumber)`'s.
    /// @return values `values[i]` is that entry's value (0 where `exists[i]` is false).
    function tryGetValuesAtBlocks(HistoryQuery[] calldata queries)
        external
        view
        returns (bool[] memory exists, uint256[] memory values)
    {
        uint256 n = queries.length;
        exists = new bool[](n);
        values = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            HistoryQuery calldata q = queries[i];
            (bool found, History memory entry) = _lookupByBlock(q.user, q.key, q.blockNumber);
            exists[i] = found;
            values[i] = entry.value;
        }
    }

    /// @notice The entry of (`user`, `key`) in effect at `timestamp` (unix seconds): the last one written in a block
    ///         whose timestamp is at or before it. Reverts with {NoHistoryFound} when there is none.
    function getHistoryAtTimestamp(address user, uint256 key, uint256 timestamp)
        external
        view
        returns (History memory)
    {
        (bool exists, History memory entry) = _lookupByTimestamp(user, key, timestamp);
        if (!exists) revert NoHistoryFound(user, key);
        return entry;
    }

    /// @notice Like {getHistoryAtTimestamp} but never reverts.
    function tryGetHistoryAtTimestamp(address user, uint256 key, uint256 timestamp)
        external
        view
        returns (bool exists, History memory entry)
    {
        return _lookupByTimestamp(user, key, timestamp);
    }

    /// @notice Number of entries written by `user` under `key`.
    function getHistoryLength(address user, uint256 key) external view returns (uint256) {
        return _histories[user][key].length;
    }

    /// @notice The `index`-th entry (0 = oldest) of (`user`, `key`).
    function getHistoryAt(address user, uint256 key, uint256 index) external view returns (History memory) {
        History[] storage h = _histories[user][key];
        if (index >= h.length) revert HistoryIndexOutOfBounds(user, key, index, h.length);
        return h[index];
    }

    /// @notice The latest value of (`user`, `key`). Reverts with {NoHistoryFound} when nothing was written.
    function getCurrentValue(address user, uint256 key) external view returns (uint256) {
        History[] storage h = _histories[user][key];
        uint256 n = h.length;
        if (n == 0) revert NoHistoryFound(user, key);
        return h[n - 1].value;
    }

    function _append(uint256 key, uint256 value) private {
        uint64 blockNumber = uint64(block.number);
        uint48 timestamp = uint48(block.timestamp);
        _histories[msg.sender][key].push(History({value: value, blockNumber: blockNumber, timestamp: timestamp}));
        emit HistoryCommitted(msg.sender, key, value, blockNumber, timestamp);
    }

    /// @dev The last entry with blockNumber <= `blockNumber` (upper-bound binary search); (false, zero) when none.
    function _lookupByBlock(address user, uint256 key, uint256 blockNumber)
        private
        view
        returns (bool, History memory)
    {
        History[] storage h = _histories[user][key];
        uint256 low = 0;
        uint256 high = h.length;
        while (low < high) {
            uint256 mid = (low + high) >> 1;
            if (h[mid].blockNumber > blockNumber) high = mid;
            else low = mid + 1;
        }
        if (low == 0) return (false, History(0, 0, 0));
        return (true, h[low - 1]);
    }

    /// @dev As {_lookupByBlock}, keyed by timestamp.
    function _lookupByTimestamp(address user, uint256 key, uint256 timestamp)
        private
        view
        returns (bool, History memory)
    {
        History[] storage h = _histories[user][key];
        uint256 low = 0;
        uint256 high = h.length;
        while (low < high) {
            uint256 mid = (low + high) >> 1;
            if (h[mid].timestamp > timestamp) high = mid;
            else low = mid + 1;
        }
        if (low == 0) return (false, History(0, 0, 0));
        return (true, h[low - 1]);
    }
}
