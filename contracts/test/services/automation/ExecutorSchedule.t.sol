// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ExecutorSchedule} from "../../../src/services/automation/ExecutorSchedule.sol";
import {ExecutorSelection} from "../../../src/services/automation/ExecutorSelection.sol";
import {IPermissionController} from "../../../src/eigenlayer/IPermissionController.sol";
import {RegistryFixture} from "../../core/registry/RegistryFixture.sol";

/// @notice The executor schedule on the real devnet EigenLayer core and the core stake registry: delegated signers,
///         activation, one arrangement per epoch with the seed committed by the previous one, and who may execute
///         which block.
contract ExecutorScheduleTest is RegistryFixture {
    uint64 internal constant SLOT_BLOCKS = 5;

    ExecutorSchedule internal schedule;
    Op[] internal ops;

    function setUp() public override {
        super.setUp();
        schedule = new ExecutorSchedule(
            epochManager, registry, IPermissionController(address(permissionController)), SLOT_BLOCKS
        );
        // Three operators with 100, 200 and 300 ether of stake, registered now (weights from the next epoch).
        for (uint256 i; i < 3; ++i) {
            Op memory op = _newOperator(i + 1, STAKE * (i + 1));
            _register(op);
            ops.push(op);
        }
        _warpToEpoch(1);
    }

    function _activateAll() internal {
        for (uint256 i; i < ops.length; ++i) {
            vm.prank(ops[i].addr);
            schedule.activateExecutor(ops[i].addr);
        }
    }

    function test_setDelegatedSigner_byTheOperator() public {
        address signer = makeAddr("signer");
        vm.expectEmit(address(schedule));
        emit ExecutorSchedule.DelegatedSignerSet(ops[0].addr, signer, address(0));
        vm.prank(ops[0].addr);
        schedule.setDelegatedSigner(ops[0].addr, signer);
        assertEq(schedule.delegatedSigner(ops[0].addr), signer);
        assertEq(schedule.signerOperator(signer), ops[0].addr);
    }

    function test_setDelegatedSigner_refusesAnotherCaller() public {
        vm.expectRevert(
            abi.encodeWithSelector(ExecutorSchedule.CallerCannotActForOperator.selector, address(this), ops[0].addr)
        );
        schedule.setDelegatedSigner(ops[0].addr, makeAddr("signer"));
    }

    function test_setDelegatedSigner_refusesASignerOfAnotherOperator() public {
        address signer = makeAddr("signer");
        vm.prank(ops[0].addr);
        schedule.setDelegatedSigner(ops[0].addr, signer);
        vm.prank(ops[1].addr);
        vm.expectRevert(abi.encodeWithSelector(ExecutorSchedule.InvalidDelegatedSigner.selector, signer));
        schedule.setDelegatedSigner(ops[1].addr, signer);
    }

    function test_activateExecutor_bySignerAndOnlyWhenRegistered() public {
        address signer = makeAddr("signer");
        vm.prank(ops[0].addr);
        schedule.setDelegatedSigner(ops[0].addr, signer);
        vm.prank(signer);
        schedule.activateExecutor(ops[0].addr);
        assertTrue(schedule.isActive(ops[0].addr));

        Op memory stranger = _newOperator(99, STAKE);
        vm.prank(stranger.addr);
        vm.expectRevert(abi.encodeWithSelector(ExecutorSchedule.NotRegistered.selector, stranger.addr));
        schedule.activateExecutor(stranger.addr);

        vm.expectRevert(abi.encodeWithSelector(ExecutorSchedule.NotOperatorOrSigner.selector, address(this), ops[1].addr));
        schedule.activateExecutor(ops[1].addr);
    }

    function test_arrangeExecutors_snapshotsActiveExecutorsWithTheirEpochWeights() public {
        _activateAll();
        bytes32 seed = schedule.nextSeed();
        schedule.arrangeExecutors();
        ExecutorSchedule.Arrangement memory a = schedule.arrangement(0);
        assertEq(a.epoch, 1);
        assertEq(a.startBlock, block.number);
        assertEq(a.seed, seed, "the seed committed before");
        assertEq(a.executors.length, 3);
        uint256 total;
        for (uint256 i; i < 3; ++i) {
            total += registry.getOperatorWeightAtEpoch(a.executors[i], 1);
            assertEq(a.cumulativeWeights[i], total);
        }
        assertEq(total, 600 ether);
        assertTrue(schedule.nextSeed() != seed, "a new seed is committed for the next arrangement");
    }

    function test_arrangeExecutors_oncePerEpoch() public {
        _activateAll();
        schedule.arrangeExecutors();
        vm.expectRevert(abi.encodeWithSelector(ExecutorSchedule.AlreadyArranged.selector, uint32(1)));
        schedule.arrangeExecutors();
        _warpToEpoch(2);
        schedule.arrangeExecutors();
        assertEq(schedule.arrangementCount(), 2);
    }

    function test_isValidExecutor_isTheDrawnOperatorOrItsSigner() public {
        _activateAll();
        address signer = makeAddr("signer of 2");
        vm.prank(ops[2].addr);
        schedule.setDelegatedSigner(ops[2].addr, signer);
        schedule.arrangeExecutors();
        ExecutorSchedule.Arrangement memory a = schedule.arrangement(0);
        for (uint256 b = a.startBlock; b < a.startBlock + 40 * SLOT_BLOCKS; ++b) {
            uint256 slot = (b - a.startBlock) / SLOT_BLOCKS;
            address drawn = a.executors[ExecutorSelection.pick(a.seed, slot, a.cumulativeWeights)];
            (address executor, uint256 slotOf,, uint256 slotStart) = schedule.executorAt(b);
            assertEq(executor, drawn);
            assertEq(slotOf, slot);
            assertEq(slotStart, a.startBlock + slot * SLOT_BLOCKS);
            for (uint256 i; i < 3; ++i) {
                assertEq(schedule.isValidExecutor(b, ops[i].addr), ops[i].addr == drawn);
            }
            assertEq(schedule.isValidExecutor(b, signer), drawn == ops[2].addr);
            assertFalse(schedule.isValidExecutor(b, address(this)));
        }
    }

    function test_isValidExecutor_falseBeforeTheFirstArrangement() public {
        _activateAll();
        uint256 before = block.number;
        vm.roll(block.number + 1);
        schedule.arrangeExecutors();
        for (uint256 i; i < 3; ++i) {
            assertFalse(schedule.isValidExecutor(before, ops[i].addr));
        }
        vm.expectRevert(abi.encodeWithSelector(ExecutorSchedule.NotArranged.selector, before));
        schedule.executorAt(before);
    }

    function test_deactivation_takesEffectAtTheNextArrangement() public {
        _activateAll();
        schedule.arrangeExecutors();
        vm.prank(ops[0].addr);
        schedule.deactivateExecutor(ops[0].addr);
        assertEq(schedule.arrangement(0).executors.length, 3, "still in this epoch's snapshot");
        _warpToEpoch(2);
        schedule.arrangeExecutors();
        ExecutorSchedule.Arrangement memory next = schedule.arrangement(1);
        assertEq(next.executors.length, 2);
        for (uint256 i; i < 2; ++i) {
            assertTrue(next.executors[i] != ops[0].addr);
        }
    }

    function test_arrangement_leavesOutExecutorsWithoutWeightAtTheEpoch() public {
        // Registered now: weight only from the next epoch.
        Op memory late = _newOperator(7, STAKE);
        _register(late);
        vm.prank(late.addr);
        schedule.activateExecutor(late.addr);
        _activateAll();
        schedule.arrangeExecutors();
        ExecutorSchedule.Arrangement memory a = schedule.arrangement(0);
        assertEq(a.executors.length, 3);
    }

    /// @dev The attack: an operator deallocates from the operator set before the arrangement, so that a fault in its
    ///      slots could not be slashed, and keeps its checkpointed weight. Slots go by slashable stake: it gets none,
    ///      and a partial deallocation shrinks its share to what is left.
    function test_arrangement_weighsExecutorsBySlashableStake() public {
        _activateAll();
        _allocateIn(ops[0].addr, strategy, 0);
        _allocateIn(ops[1].addr, strategy, FULL_MAGNITUDE / 2);
        schedule.arrangeExecutors();
        ExecutorSchedule.Arrangement memory a = schedule.arrangement(0);
        assertEq(a.executors.length, 2, "the unslashable operator gets no slot");
        for (uint256 i; i < a.executors.length; ++i) {
            assertTrue(a.executors[i] != ops[0].addr);
        }
        assertEq(a.cumulativeWeights[1], 100 ether + 300 ether);
    }

    /// @notice Whatever the seed, slot and block, only the drawn operator or its signer may execute.
    function testFuzz_isValidExecutor_exactlyOneOperatorPerBlock(uint256 offset) public {
        _activateAll();
        schedule.arrangeExecutors();
        uint256 b = block.number + bound(offset, 0, 1e9);
        uint256 valid;
        for (uint256 i; i < 3; ++i) {
            if (schedule.isValidExecutor(b, ops[i].addr)) ++valid;
        }
        assertEq(valid, 1);
    }
}
