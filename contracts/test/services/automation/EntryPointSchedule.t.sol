// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IPermissionController} from "../../../src/eigenlayer/IPermissionController.sol";
import {DittoEntryPoint} from "../../../src/services/automation/DittoEntryPoint.sol";
import {ExecutorSchedule} from "../../../src/services/automation/ExecutorSchedule.sol";
import {IDittoEntryPoint} from "../../../src/services/automation/IDittoEntryPoint.sol";
import {ProtocolFees} from "../../../src/services/automation/ProtocolFees.sol";
import {RegistryFixture} from "../../core/registry/RegistryFixture.sol";
import {Counter, TestVault} from "./AutomationMocks.sol";

/// @notice The entry point on the real executor schedule (devnet EigenLayer core, core stake registry): in every
///         slot only the drawn operator, or its delegated signer, runs workflows; the others are refused.
contract EntryPointScheduleTest is RegistryFixture {
    uint64 internal constant SLOT_BLOCKS = 4;

    ExecutorSchedule internal schedule;
    DittoEntryPoint internal ep;
    Counter internal counter;
    TestVault internal vault;
    uint256 internal workflowId;
    Op[] internal ops;
    mapping(address operator => address) internal signerOf;

    function setUp() public override {
        super.setUp();
        schedule = new ExecutorSchedule(
            epochManager, registry, IPermissionController(address(permissionController)), SLOT_BLOCKS
        );
        ep = new DittoEntryPoint(schedule, new ProtocolFees(avsOwner, 0.0002 ether, 5000, 40_000));
        counter = new Counter();
        vault = new TestVault(ep);
        for (uint256 i; i < 3; ++i) {
            Op memory op = _newOperator(i + 1, STAKE * (i + 1));
            _register(op);
            ops.push(op);
            address signer = makeAddr(string.concat("signer", vm.toString(i)));
            signerOf[op.addr] = signer;
            vm.startPrank(op.addr);
            schedule.setDelegatedSigner(op.addr, signer);
            schedule.activateExecutor(op.addr);
            vm.stopPrank();
        }
        _warpToEpoch(1);
        schedule.arrangeExecutors();

        IDittoEntryPoint.WorkflowParams memory p;
        p.target = address(counter);
        p.callData = abi.encodeCall(Counter.increment, ());
        p.maxGasLimit = 100_000;
        p.maxGasPrice = 50 gwei;
        p.trigger.kind = IDittoEntryPoint.TriggerKind.Time;
        p.trigger.start = uint64(block.timestamp);
        p.trigger.interval = 12;
        workflowId = vault.register(p);
        ep.deposit{value: 1 ether}(address(vault));
        vm.txGasPrice(10 gwei);
    }

    function _refs() internal view returns (IDittoEntryPoint.WorkflowRef[] memory refs) {
        refs = new IDittoEntryPoint.WorkflowRef[](1);
        refs[0] = IDittoEntryPoint.WorkflowRef(address(vault), workflowId);
    }

    function test_onlyTheSlotsExecutorOrItsSignerRuns() public {
        for (uint256 round; round < 12; ++round) {
            (address executor,,,) = schedule.executorAt(block.number);
            for (uint256 i; i < 3; ++i) {
                if (ops[i].addr == executor) continue;
                vm.prank(signerOf[ops[i].addr]);
                vm.expectRevert(abi.encodeWithSelector(IDittoEntryPoint.NotValidExecutor.selector, signerOf[ops[i].addr]));
                ep.runMultipleWorkflows(_refs());
            }
            uint256 before = counter.count();
            vm.prank(signerOf[executor]);
            IDittoEntryPoint.RunResult[] memory results = ep.runMultipleWorkflows(_refs());
            assertEq(uint8(results[0].status), uint8(IDittoEntryPoint.RunStatus.Succeeded));
            assertEq(counter.count(), before + 1);
            vm.roll(block.number + SLOT_BLOCKS);
            vm.warp(block.timestamp + 12);
        }
    }
}
