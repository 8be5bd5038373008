// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {DittoEntryPoint} from "../../../src/services/automation/DittoEntryPoint.sol";
import {IDittoEntryPoint} from "../../../src/services/automation/IDittoEntryPoint.sol";
import {ProtocolFees} from "../../../src/services/automation/ProtocolFees.sol";
import {TestExecutorSchedule, Counter, TestVault} from "./AutomationMocks.sol";

/// @notice Entry point, fees (the docs/automation-fees.md parameters), schedule, a counter target and a funded vault.
abstract contract AutomationFixture is Test {
    uint256 internal constant FIXED_REWARD = 0.0002 ether;
    uint256 internal constant FAILURE_BPS = 5000;
    uint256 internal constant GAS_OVERHEAD = 40_000;
    uint256 internal constant GAS_PRICE = 20 gwei;
    uint128 internal constant MAX_GAS_PRICE = 50 gwei;
    uint64 internal constant GAS_LIMIT = 200_000;
    uint64 internal constant T0 = 1_750_000_000;
    uint64 internal constant HOUR = 3600;

    TestExecutorSchedule internal schedule;
    ProtocolFees internal fees;
    DittoEntryPoint internal ep;
    Counter internal counter;
    TestVault internal vault;
    address internal executor = makeAddr("executor");
    address internal feeOwner = makeAddr("feeOwner");

    function setUp() public virtual {
        vm.warp(T0);
        vm.roll(100);
        schedule = new TestExecutorSchedule();
        schedule.setExecutor(executor);
        fees = new ProtocolFees(feeOwner, FIXED_REWARD, FAILURE_BPS, GAS_OVERHEAD);
        ep = new DittoEntryPoint(schedule, fees);
        counter = new Counter();
        vault = new TestVault(ep);
        ep.deposit{value: 1 ether}(address(vault));
        vm.txGasPrice(GAS_PRICE);
    }

    function _timeParams(address target, bytes memory data, uint64 start, uint64 interval)
        internal
        pure
        returns (IDittoEntryPoint.WorkflowParams memory p)
    {
        p.target = target;
        p.callData = data;
        p.maxGasLimit = GAS_LIMIT;
        p.maxGasPrice = MAX_GAS_PRICE;
        p.trigger.kind = IDittoEntryPoint.TriggerKind.Time;
        p.trigger.start = start;
        p.trigger.interval = interval;
    }

    function _conditionParams(address target, address checker, bytes memory checkData)
        internal
        pure
        returns (IDittoEntryPoint.WorkflowParams memory p)
    {
        p.target = target;
        p.maxGasLimit = GAS_LIMIT;
        p.maxGasPrice = MAX_GAS_PRICE;
        p.trigger.kind = IDittoEntryPoint.TriggerKind.Condition;
        p.trigger.checker = checker;
        p.trigger.checkData = checkData;
    }

    /// @dev Registers a time workflow calling counter.increment() hourly from now.
    function _registerIncrement() internal returns (uint256) {
        return vault.register(_timeParams(address(counter), abi.encodeCall(Counter.increment, ()), T0, HOUR));
    }

    function _refs1(address v, uint256 id) internal pure returns (IDittoEntryPoint.WorkflowRef[] memory refs) {
        refs = new IDittoEntryPoint.WorkflowRef[](1);
        refs[0] = IDittoEntryPoint.WorkflowRef(v, id);
    }

    function _run(IDittoEntryPoint.WorkflowRef[] memory refs) internal returns (IDittoEntryPoint.RunResult[] memory) {
        vm.prank(executor);
        return ep.runMultipleWorkflows(refs);
    }
}
