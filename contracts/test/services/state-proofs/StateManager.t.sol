// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {StateManager} from "../../../src/services/state-proofs/StateManager.sol";

contract StateManagerTest is Test {
    StateManager internal sm;
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");

    event HistoryCommitted(
        address indexed user, uint256 indexed key, uint256 value, uint64 blockNumber, uint48 timestamp
    );

    function setUp() public {
        sm = new StateManager();
        vm.roll(100);
        vm.warp(1_700_000_000);
    }

    /// @dev alice writes 10 @ block 100, 20 @ 105, 30 @ 110 under key 1 (12 s per block).
    function _threeWrites() internal {
        uint256[3] memory blocks = [uint256(100), 105, 110];
        for (uint256 i; i < 3; ++i) {
            vm.roll(blocks[i]);
            vm.warp(1_700_000_000 + (blocks[i] - 100) * 12);
            vm.prank(alice);
            sm.setValue(1, (i + 1) * 10);
        }
    }

    function test_setValue_appendsAndEmits() public {
        vm.expectEmit(address(sm));
        emit HistoryCommitted(alice, 7, 42, 100, 1_700_000_000);
        vm.prank(alice);
        sm.setValue(7, 42);
        assertEq(sm.getHistoryLength(alice, 7), 1);
        StateManager.History memory h = sm.getHistoryAt(alice, 7, 0);
        assertEq(h.value, 42);
        assertEq(h.blockNumber, 100);
        assertEq(h.timestamp, 1_700_000_000);
    }

    function test_setValue_keepsHistoriesPerUserAndKey() public {
        vm.prank(alice);
        sm.setValue(1, 11);
        vm.prank(bob);
        sm.setValue(1, 22);
        vm.prank(alice);
        sm.setValue(2, 33);
        assertEq(sm.getCurrentValue(alice, 1), 11);
        assertEq(sm.getCurrentValue(bob, 1), 22);
        assertEq(sm.getCurrentValue(alice, 2), 33);
        assertEq(sm.getHistoryLength(bob, 2), 0);
    }

    function test_batchSetValues_appendsInOrder() public {
        StateManager.SetValueParams[] memory p = new StateManager.SetValueParams[](3);
        p[0] = StateManager.SetValueParams({key: 1, value: 10});
        p[1] = StateManager.SetValueParams({key: 2, value: 20});
        p[2] = StateManager.SetValueParams({key: 1, value: 11});
        vm.expectEmit(address(sm));
        emit HistoryCommitted(alice, 1, 10, 100, 1_700_000_000);
        vm.expectEmit(address(sm));
        emit HistoryCommitted(alice, 2, 20, 100, 1_700_000_000);
        vm.expectEmit(address(sm));
        emit HistoryCommitted(alice, 1, 11, 100, 1_700_000_000);
        vm.prank(alice);
        sm.batchSetValues(p);
        assertEq(sm.getHistoryLength(alice, 1), 2);
        assertEq(sm.getHistoryAtBlock(alice, 1, 100).value, 11);
        assertEq(sm.getHistoryAtBlock(alice, 2, 100).value, 20);
    }

    function test_batchSetValues_acceptsEmptyBatch() public {
        vm.prank(alice);
        sm.batchSetValues(new StateManager.SetValueParams[](0));
        assertEq(sm.getHistoryLength(alice, 0), 0);
    }

    function test_getHistoryAtBlock_revertsWithoutHistory() public {
        vm.expectRevert(abi.encodeWithSelector(StateManager.NoHistoryFound.selector, alice, uint256(1)));
        sm.getHistoryAtBlock(alice, 1, 100);
    }

    function test_getHistoryAtBlock_revertsBeforeFirstWrite() public {
        _threeWrites();
        vm.expectRevert(abi.encodeWithSelector(StateManager.NoHistoryFound.selector, alice, uint256(1)));
        sm.getHistoryAtBlock(alice, 1, 99);
    }

    function test_getHistoryAtBlock_returnsIndexZeroAtFirstBlock() public {
        _threeWrites();
        StateManager.History memory h = sm.getHistoryAtBlock(alice, 1, 100);
        assertEq(h.value, 10);
        assertEq(h.blockNumber, 100);
    }

    function test_getHistoryAtBlock_returnsIndexZeroBetweenFirstAndSecond() public {
        _threeWrites();
        assertEq(sm.getHistoryAtBlock(alice, 1, 104).value, 10);
    }

    function test_getHistoryAtBlock_returnsMiddleEntry() public {
        _threeWrites();
        assertEq(sm.getHistoryAtBlock(alice, 1, 105).value, 20);
        assertEq(sm.getHistoryAtBlock(alice, 1, 109).value, 20);
    }

    function test_getHistoryAtBlock_returnsLastEntryAtAndAfterLastBlock() public {
        _threeWrites();
        assertEq(sm.getHistoryAtBlock(alice, 1, 110).value, 30);
        assertEq(sm.getHistoryAtBlock(alice, 1, type(uint256).max).value, 30);
    }

    function test_getHistoryAtBlock_lastWriteInBlockWins() public {
        vm.startPrank(alice);
        sm.setValue(1, 1);
        sm.setValue(1, 2);
        sm.setValue(1, 3);
        vm.roll(101);
        sm.setValue(1, 4);
        vm.stopPrank();
        assertEq(sm.getHistoryLength(alice, 1), 4);
        assertEq(sm.getHistoryAtBlock(alice, 1, 100).value, 3);
        assertEq(sm.getHistoryAtBlock(alice, 1, 101).value, 4);
        assertEq(sm.getHistoryAt(alice, 1, 0).value, 1);
        assertEq(sm.getHistoryAt(alice, 1, 1).value, 2);
    }

    function test_tryGetHistoryAtBlock_reportsAbsenceWithoutReverting() public view {
        (bool exists, StateManager.History memory h) = sm.tryGetHistoryAtBlock(alice, 1, 100);
        assertFalse(exists);
        assertEq(h.value, 0);
        assertEq(h.blockNumber, 0);
        assertEq(h.timestamp, 0);
    }

    function test_tryGetHistoryAtBlock_reportsAbsenceBeforeFirstWrite() public {
        _threeWrites();
        (bool exists,) = sm.tryGetHistoryAtBlock(alice, 1, 99);
        assertFalse(exists);
    }

    function test_tryGetHistoryAtBlock_returnsEntry() public {
        _threeWrites();
        (bool exists, StateManager.History memory h) = sm.tryGetHistoryAtBlock(alice, 1, 107);
        assertTrue(exists);
        assertEq(h.value, 20);
        assertEq(h.blockNumber, 105);
        assertEq(h.timestamp, 1_700_000_060);
    }

    function test_getHistoryAtTimestamp_returnsLastAtOrBefore() public {
        _threeWrites();
        assertEq(sm.getHistoryAtTimestamp(alice, 1, 1_700_000_000).value, 10);
        assertEq(sm.getHistoryAtTimestamp(alice, 1, 1_700_000_059).value, 10);
        assertEq(sm.getHistoryAtTimestamp(alice, 1, 1_700_000_060).value, 20);
        assertEq(sm.getHistoryAtTimestamp(alice, 1, type(uint256).max).value, 30);
    }

    function test_getHistoryAtTimestamp_revertsBeforeFirstWrite() public {
        _threeWrites();
        vm.expectRevert(abi.encodeWithSelector(StateManager.NoHistoryFound.selector, alice, uint256(1)));
        sm.getHistoryAtTimestamp(alice, 1, 1_699_999_999);
    }

    function test_tryGetHistoryAtTimestamp_reportsAbsence() public view {
        (bool exists,) = sm.tryGetHistoryAtTimestamp(alice, 1, 1_700_000_000);
        assertFalse(exists);
    }

    function test_getHistoryAt_revertsOutOfBounds() public {
        _threeWrites();
        vm.expectRevert(
            abi.encodeWithSelector(StateManager.HistoryIndexOutOfBounds.selector, alice, uint256(1), uint256(3), uint256(3))
        );
        sm.getHistoryAt(alice, 1, 3);
    }

    function test_getCurrentValue_returnsLatest() public {
        _threeWrites();
        assertEq(sm.getCurrentValue(alice, 1), 30);
    }

    function test_getCurrentValue_revertsWithoutHistory() public {
        vm.expectRevert(abi.encodeWithSelector(StateManager.NoHistoryFound.selector, alice, uint256(5)));
        sm.getCurrentValue(alice, 5);
    }

    /// @dev Random writes (0..3 blocks apart, several per block) against a linear scan from the end.
    function testFuzz_lookupsMatchLinearSearch(uint8[24] memory gaps, uint256 query, uint8 n) public {
        n = uint8(bound(n, 0, 24));
        uint256 blockNumber = 100;
        uint256[] memory blocks = new uint256[](n);
        uint256[] memory times = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            blockNumber += gaps[i] % 4;
            vm.roll(blockNumber);
            vm.warp(1_700_000_000 + (blockNumber - 100) * 12);
            vm.prank(alice);
            sm.setValue(9, i + 1);
            blocks[i] = blockNumber;
            times[i] = block.timestamp;
        }
        uint256 queryBlock = bound(query, 95, blockNumber + 5);
        uint256 queryTime = 1_700_000_000 + queryBlock * 12 - 1200; // the timestamp of queryBlock

        (bool exists, StateManager.History memory h) = sm.tryGetHistoryAtBlock(alice, 9, queryBlock);
        (bool expectedExists, uint256 expectedValue) = _linear(blocks, queryBlock);
        assertEq(exists, expectedExists);
        assertEq(h.value, expectedValue);
        if (!expectedExists) {
            vm.expectRevert(abi.encodeWithSelector(StateManager.NoHistoryFound.selector, alice, uint256(9)));
        }
        StateManager.History memory strict = sm.getHistoryAtBlock(alice, 9, queryBlock);
        if (expectedExists) assertEq(strict.value, expectedValue);

        (exists, h) = sm.tryGetHistoryAtTimestamp(alice, 9, queryTime);
        (expectedExists, expectedValue) = _linear(times, queryTime);
        assertEq(exists, expectedExists);
        assertEq(h.value, expectedValue);
    }

    function test_tryGetHistoriesAtBlocks_acceptsEmptyBatch() public view {
        assertEq(sm.tryGetHistoriesAtBlocks(new StateManager.HistoryQuery[](0)).length, 0);
    }

    /// @dev Existing and missing entries, two users, two keys, blocks before, at, between and after writes.
    function test_tryGetHistoriesAtBlocks_equalsSingleLookups() public {
        _threeWrites();
        vm.roll(112);
        vm.warp(1_700_000_144);
        vm.prank(bob);
        sm.setValue(2, 77);
        StateManager.HistoryQuery[] memory q = new StateManager.HistoryQuery[](9);
        q[0] = StateManager.HistoryQuery({user: alice, key: 1, blockNumber: 99}); // before alice's first write
        q[1] = StateManager.HistoryQuery({user: alice, key: 1, blockNumber: 100});
        q[2] = StateManager.HistoryQuery({user: bob, key: 2, blockNumber: 111}); // before bob's write
        q[3] = StateManager.HistoryQuery({user: alice, key: 1, blockNumber: 107});
        q[4] = StateManager.HistoryQuery({user: bob, key: 2, blockNumber: 112});
        q[5] = StateManager.HistoryQuery({user: alice, key: 2, blockNumber: 110}); // key alice never wrote
        q[6] = StateManager.HistoryQuery({user: bob, key: 1, blockNumber: 120}); // user who never wrote the key
        q[7] = StateManager.HistoryQuery({user: alice, key: 1, blockNumber: type(uint256).max});
        q[8] = q[3]; // a repeated query
        StateManager.HistoryReading[] memory r = sm.tryGetHistoriesAtBlocks(q);
        assertEq(r.length, q.length);
        _assertSameAsSingle(q, r);

        bool[9] memory exists = [false, true, false, true, true, false, false, true, true];
        uint256[9] memory values = [uint256(0), 10, 0, 20, 77, 0, 0, 30, 20];
        for (uint256 i; i < q.length; ++i) {
            assertEq(r[i].exists, exists[i]);
            assertEq(r[i].entry.value, values[i]);
        }
        assertEq(r[4].entry.blockNumber, 112);
        assertEq(r[4].entry.timestamp, 1_700_000_144);
    }

    /// @dev Random writes by three users under two keys, then random queries: the batch answers what the single view
    ///      answers for each query, in order.
    function testFuzz_tryGetHistoriesAtBlocks_equalsSingleLookups(uint8[16] memory gaps, uint16[12] memory picks)
        public
    {
        StateManager.HistoryQuery[] memory q = _randomWritesAndQueries(gaps, picks);
        _assertSameAsSingle(q, sm.tryGetHistoriesAtBlocks(q));
    }

    function test_tryGetValuesAtBlocks_acceptsEmptyBatch() public view {
        (bool[] memory exists, uint256[] memory values) = sm.tryGetValuesAtBlocks(new StateManager.HistoryQuery[](0));
        assertEq(exists.length, 0);
        assertEq(values.length, 0);
    }

    /// @dev Random writes, then random queries: the lean view answers what the full batch view answers, in order.
    function testFuzz_tryGetValuesAtBlocks_equalsHistories(uint8[16] memory gaps, uint16[12] memory picks) public {
        StateManager.HistoryQuery[] memory q = _randomWritesAndQueries(gaps, picks);
        StateManager.HistoryReading[] memory r = sm.tryGetHistoriesAtBlocks(q);
        (bool[] memory exists, uint256[] memory values) = sm.tryGetValuesAtBlocks(q);
        assertEq(exists.length, q.length);
        assertEq(values.length, q.length);
        for (uint256 i; i < q.length; ++i) {
            assertEq(exists[i], r[i].exists);
            assertEq(values[i], r[i].entry.value);
        }
    }

    /// @dev Writes by three users under two keys in blocks `gaps` apart, then queries picked by `picks` around them.
    function _randomWritesAndQueries(uint8[16] memory gaps, uint16[12] memory picks)
        internal
        returns (StateManager.HistoryQuery[] memory q)
    {
        address[3] memory users = [alice, bob, makeAddr("carol")];
        uint256 blockNumber = 100;
        for (uint256 i; i < gaps.length; ++i) {
            blockNumber += gaps[i] % 4;
            vm.roll(blockNumber);
            vm.warp(1_700_000_000 + (blockNumber - 100) * 12);
            vm.prank(users[gaps[i] % 3]);
            sm.setValue(gaps[i] % 2, i + 1);
        }
        q = new StateManager.HistoryQuery[](picks.length);
        for (uint256 i; i < picks.length; ++i) {
            uint256 p = picks[i];
            q[i] = StateManager.HistoryQuery({
                user: users[p % 3], key: (p >> 2) % 3, blockNumber: 95 + (p >> 4) % (blockNumber - 90)
            });
        }
    }

    function _assertSameAsSingle(StateManager.HistoryQuery[] memory q, StateManager.HistoryReading[] memory r)
        internal
        view
    {
        assertEq(r.length, q.length);
        for (uint256 i; i < q.length; ++i) {
            (bool exists, StateManager.History memory h) =
                sm.tryGetHistoryAtBlock(q[i].user, q[i].key, q[i].blockNumber);
            assertEq(r[i].exists, exists);
            assertEq(r[i].entry.value, h.value);
            assertEq(r[i].entry.blockNumber, h.blockNumber);
            assertEq(r[i].entry.timestamp, h.timestamp);
        }
    }

    /// @dev The value (index + 1) of the last entry with key <= query, scanning from the end.
    function _linear(uint256[] memory keys, uint256 query) internal pure returns (bool, uint256) {
        for (uint256 i = keys.length; i > 0; --i) {
            if (keys[i - 1] <= query) return (true, i);
        }
        return (false, 0);
    }
}
