// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Vm} from "forge-std/Vm.sol";
import {IDittoEntryPoint} from "../../../src/services/automation/IDittoEntryPoint.sol";
import {AutomationFixture} from "./AutomationFixture.sol";
import {Counter, TestVault} from "./AutomationMocks.sol";

/// @notice Registration, cancellation, time triggers, executor check, isolation, gas caps, prefunds and payments.
contract DittoEntryPointTest is AutomationFixture {
    // ---------------------------------------------------------------- registration and cancellation

    function test_registerWorkflow_storesParamsAndEmits() public {
        IDittoEntryPoint.WorkflowParams memory p =
            _timeParams(address(counter), abi.encodeCall(Counter.increment, ()), T0 + 60, HOUR);
        vm.expectEmit(address(ep));
        emit IDittoEntryPoint.WorkflowRegistered(address(vault), 0, p);
        uint256 id = vault.register(p);

        assertEq(id, 0);
        assertEq(ep.workflowCount(address(vault)), 1);
        IDittoEntryPoint.Workflow memory w = ep.workflow(address(vault), 0);
        assertEq(w.target, address(counter));
        assertEq(w.maxGasLimit, GAS_LIMIT);
        assertEq(w.maxGasPrice, MAX_GAS_PRICE);
        assertEq(uint8(w.status), uint8(IDittoEntryPoint.WorkflowStatus.Active));
        assertEq(uint8(w.kind), uint8(IDittoEntryPoint.TriggerKind.Time));
        assertEq(w.nextRunAt, T0 + 60);
        assertEq(w.interval, HOUR);
        assertEq(w.callData, abi.encodeCall(Counter.increment, ()));
    }

    function test_registerWorkflow_idsCountPerVault() public {
        TestVault other = new TestVault(ep);
        assertEq(_registerIncrement(), 0);
        assertEq(_registerIncrement(), 1);
        assertEq(other.register(_timeParams(address(counter), "", T0, HOUR)), 0);
        assertEq(ep.workflowCount(address(vault)), 2);
        assertEq(ep.workflowCount(address(other)), 1);
    }

    function test_registerWorkflow_revertsOnBadTargetGasOrPrice() public {
        IDittoEntryPoint.WorkflowParams memory p = _timeParams(address(0), "", T0, HOUR);
        vm.expectRevert(abi.encodeWithSelector(IDittoEntryPoint.InvalidTarget.selector, address(0)));
        vault.register(p);
        p.target = address(ep);
        vm.expectRevert(abi.encodeWithSelector(IDittoEntryPoint.InvalidTarget.selector, address(ep)));
        vault.register(p);
        p.target = address(counter);
        p.maxGasLimit = 0;
        vm.expectRevert(abi.encodeWithSelector(IDittoEntryPoint.InvalidGasLimit.selector, 0));
        vault.register(p);
        p.maxGasLimit = 15_000_001;
        vm.expectRevert(abi.encodeWithSelector(IDittoEntryPoint.InvalidGasLimit.selector, 15_000_001));
        vault.register(p);
        p.maxGasLimit = GAS_LIMIT;
        p.maxGasPrice = 0;
        vm.expectRevert(IDittoEntryPoint.InvalidGasPrice.selector);
        vault.register(p);
        p.maxGasPrice = MAX_GAS_PRICE;
        p.callData = new bytes(4097);
        vm.expectRevert(abi.encodeWithSelector(IDittoEntryPoint.DataTooLong.selector, 4097));
        vault.register(p);
    }

    function test_registerWorkflow_revertsOnTriggerNotFittingItsKind() public {
        IDittoEntryPoint.WorkflowParams memory p = _timeParams(address(counter), "", T0, 0);
        vm.expectRevert(IDittoEntryPoint.InvalidTrigger.selector);
        vault.register(p); // zero interval
        p = _timeParams(address(counter), "", T0, HOUR);
        p.trigger.checker = address(counter);
        vm.expectRevert(IDittoEntryPoint.InvalidTrigger.selector);
        vault.register(p); // time trigger with a checker
        p = _conditionParams(address(counter), address(0), "");
        vm.expectRevert(IDittoEntryPoint.InvalidTrigger.selector);
        vault.register(p); // condition without checker
        p = _conditionParams(address(counter), address(counter), "");
        p.trigger.interval = 1;
        vm.expectRevert(IDittoEntryPoint.InvalidTrigger.selector);
        vault.register(p); // condition with an interval
    }

    function test_cancelWorkflow_marksCancelledAndEmits() public {
        uint256 id = _registerIncrement();
        vm.expectEmit(address(ep));
        emit IDittoEntryPoint.WorkflowCancelled(address(vault), id);
        vault.cancel(id);
        assertEq(uint8(ep.workflow(address(vault), id).status), uint8(IDittoEntryPoint.WorkflowStatus.Cancelled));
        (bool due,) = ep.isDue(address(vault), id);
        assertFalse(due);
    }

    function test_cancelWorkflow_revertsForUnknownOrCancelledOrOtherVault() public {
        vm.expectRevert(abi.encodeWithSelector(IDittoEntryPoint.UnknownWorkflow.selector, address(vault), 0));
        vault.cancel(0);
        uint256 id = _registerIncrement();
        // Another account has no workflow `id`: it cannot cancel the vault's.
        vm.expectRevert(abi.encodeWithSelector(IDittoEntryPoint.UnknownWorkflow.selector, address(this), id));
        ep.cancelWorkflow(id);
        vault.cancel(id);
        vm.expectRevert(abi.encodeWithSelector(IDittoEntryPoint.WorkflowAlreadyCancelled.selector, address(vault), id));
        vault.cancel(id);
    }

    function testFuzz_cancelledWorkflowNeverRuns(uint32 wait, uint64 gasPrice, uint8 times) public {
        uint256 id = _registerIncrement();
        vault.cancel(id);
        vm.warp(T0 + wait);
        vm.txGasPrice(bound(gasPrice, 0, MAX_GAS_PRICE));
        uint256 deposit = ep.depositOf(address(vault));
        for (uint256 i; i <= bound(times, 0, 3); ++i) {
            vm.roll(block.number + 1);
            IDittoEntryPoint.RunResult[] memory r = _run(_refs1(address(vault), id));
            assertEq(uint8(r[0].status), uint8(IDittoEntryPoint.RunStatus.Inactive));
            assertEq(r[0].payment, 0);
        }
        assertEq(counter.count(), 0);
        assertEq(ep.depositOf(address(vault)), deposit);
        assertEq(ep.creditOf(executor), 0);
    }

    // ---------------------------------------------------------------- time trigger

    function test_timeTrigger_notDueBeforeStart() public {
        uint256 id = vault.register(_timeParams(address(counter), abi.encodeCall(Counter.increment, ()), T0 + 10, HOUR));
        (bool due,) = ep.isDue(address(vault), id);
        assertFalse(due);
        IDittoEntryPoint.RunResult[] memory r = _run(_refs1(address(vault), id));
        assertEq(uint8(r[0].status), uint8(IDittoEntryPoint.RunStatus.NotDue));
        assertEq(counter.count(), 0);
        assertEq(ep.depositOf(address(vault)), 1 ether);
    }

    function test_timeTrigger_dueAtStartWithRegisteredCallData() public {
        uint256 id = vault.register(_timeParams(address(counter), abi.encodeCall(Counter.increment, ()), T0 + 10, HOUR));
        vm.warp(T0 + 10);
        (bool due, bytes memory data) = ep.isDue(address(vault), id);
        assertTrue(due);
        assertEq(data, abi.encodeCall(Counter.increment, ()));
        IDittoEntryPoint.RunResult[] memory r = _run(_refs1(address(vault), id));
        assertEq(uint8(r[0].status), uint8(IDittoEntryPoint.RunStatus.Succeeded));
        assertEq(counter.count(), 1);
    }

    function test_timeTrigger_runSetsNextRunStrictlyAfterNowSkippingMissedPeriods() public {
        uint256 id = _registerIncrement();
        vm.warp(T0 + 3 * HOUR + 1800); // three and a half periods late
        _run(_refs1(address(vault), id));
        assertEq(counter.count(), 1); // missed periods are not run
        assertEq(ep.workflow(address(vault), id).nextRunAt, T0 + 4 * HOUR);
        vm.warp(T0 + 4 * HOUR); // exactly on a period: the next one is strictly after now
        vm.roll(block.number + 1);
        _run(_refs1(address(vault), id));
        assertEq(ep.workflow(address(vault), id).nextRunAt, T0 + 5 * HOUR);
    }

    function test_timeTrigger_notDueAgainBeforeNextRun() public {
        uint256 id = _registerIncrement();
        _run(_refs1(address(vault), id));
        vm.warp(T0 + HOUR - 1);
        vm.roll(block.number + 1);
        IDittoEntryPoint.RunResult[] memory r = _run(_refs1(address(vault), id));
        assertEq(uint8(r[0].status), uint8(IDittoEntryPoint.RunStatus.NotDue));
        assertEq(counter.count(), 1);
    }

    function test_timeTrigger_duplicateRefInBatchRunsOnce() public {
        uint256 id = _registerIncrement();
        IDittoEntryPoint.WorkflowRef[] memory refs = new IDittoEntryPoint.WorkflowRef[](2);
        refs[0] = refs[1] = IDittoEntryPoint.WorkflowRef(address(vault), id);
        IDittoEntryPoint.RunResult[] memory r = _run(refs);
        assertEq(uint8(r[0].status), uint8(IDittoEntryPoint.RunStatus.Succeeded));
        assertEq(uint8(r[1].status), uint8(IDittoEntryPoint.RunStatus.NotDue));
        assertEq(counter.count(), 1);
    }

    // ---------------------------------------------------------------- executor, isolation, gas

    function test_runMultipleWorkflows_revertsForInvalidExecutor() public {
        uint256 id = _registerIncrement();
        address stranger = makeAddr("stranger");
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IDittoEntryPoint.NotValidExecutor.selector, stranger));
        ep.runMultipleWorkflows(_refs1(address(vault), id));
        schedule.setExecutor(stranger); // the slot moved on: the former executor is refused
        vm.prank(executor);
        vm.expectRevert(abi.encodeWithSelector(IDittoEntryPoint.NotValidExecutor.selector, executor));
        ep.runMultipleWorkflows(_refs1(address(vault), id));
        assertEq(counter.count(), 0);
    }

    function test_oneFailingWorkflowAmongThreeDoesNotRevertTheOthers() public {
        IDittoEntryPoint.WorkflowRef[] memory refs = new IDittoEntryPoint.WorkflowRef[](3);
        refs[0] = IDittoEntryPoint.WorkflowRef(address(vault), _registerIncrement());
        refs[1] = IDittoEntryPoint.WorkflowRef(
            address(vault), vault.register(_timeParams(address(counter), abi.encodeCall(Counter.fail, ()), T0, HOUR))
        );
        refs[2] = IDittoEntryPoint.WorkflowRef(address(vault), _registerIncrement());
        IDittoEntryPoint.RunResult[] memory r = _run(refs);
        assertEq(uint8(r[0].status), uint8(IDittoEntryPoint.RunStatus.Succeeded));
        assertEq(uint8(r[1].status), uint8(IDittoEntryPoint.RunStatus.Failed));
        assertEq(uint8(r[2].status), uint8(IDittoEntryPoint.RunStatus.Succeeded));
        assertEq(counter.count(), 2);
        // The failed run is paid its share and its schedule advanced like the others.
        assertEq(r[1].payment, fees.failureCompensation(r[1].gasUsed, GAS_PRICE));
        assertEq(ep.workflow(address(vault), refs[1].id).nextRunAt, T0 + HOUR);
    }

    function test_gasHungryWorkflowIsCappedAtItsMaxGasLimit() public {
        uint256 id = vault.register(_timeParams(address(counter), abi.encodeCall(Counter.burnAll, ()), T0, HOUR));
        IDittoEntryPoint.RunResult[] memory r = _run(_refs1(address(vault), id));
        assertEq(uint8(r[0].status), uint8(IDittoEntryPoint.RunStatus.Failed));
        assertEq(r[0].gasUsed, GAS_LIMIT);
        assertEq(r[0].payment, (GAS_LIMIT + GAS_OVERHEAD) * GAS_PRICE * FAILURE_BPS / 10_000);
        assertEq(ep.depositOf(address(vault)), 1 ether - r[0].payment);
    }

    function test_gasPriceAboveMaxIsSkipped() public {
        uint256 id = _registerIncrement();
        vm.txGasPrice(uint256(MAX_GAS_PRICE) + 1);
        IDittoEntryPoint.RunResult[] memory r = _run(_refs1(address(vault), id));
        assertEq(uint8(r[0].status), uint8(IDittoEntryPoint.RunStatus.GasPriceTooHigh));
        assertEq(counter.count(), 0);
        assertEq(ep.depositOf(address(vault)), 1 ether);
        vm.txGasPrice(MAX_GAS_PRICE); // at the maximum it runs
        assertEq(uint8(_run(_refs1(address(vault), id))[0].status), uint8(IDittoEntryPoint.RunStatus.Succeeded));
    }

    function test_batchShortOfGasStopsWithNotRunUncharged() public {
        IDittoEntryPoint.WorkflowRef[] memory refs = new IDittoEntryPoint.WorkflowRef[](2);
        refs[0] = IDittoEntryPoint.WorkflowRef(address(vault), _registerIncrement());
        refs[1] = IDittoEntryPoint.WorkflowRef(address(vault), _registerIncrement());
        vm.prank(executor);
        // Enough for the first workflow's budget (200k × 64/63 + 60k reserve) but not for the second after it.
        IDittoEntryPoint.RunResult[] memory r = ep.runMultipleWorkflows{gas: 300_000}(refs);
        assertEq(uint8(r[0].status), uint8(IDittoEntryPoint.RunStatus.Succeeded));
        assertEq(uint8(r[1].status), uint8(IDittoEntryPoint.RunStatus.NotRun));
        assertEq(counter.count(), 1);
        assertEq(ep.depositOf(address(vault)), 1 ether - r[0].payment);
        assertEq(ep.workflow(address(vault), refs[1].id).nextRunAt, T0); // still due
    }

    /// @dev Whatever gas the executor gives the transaction, a workflow that needs 150k of its 200k budget either
    ///      succeeds or is NotRun: it is never starved into a paid failure (EIP-150's 63/64 rule).
    function testFuzz_executorCannotStarveAWorkflowIntoFailing(uint256 txGas) public {
        txGas = bound(txGas, 60_000, 600_000);
        uint256 id =
            vault.register(_timeParams(address(counter), abi.encodeCall(Counter.burn, (150_000)), T0, HOUR));
        vm.prank(executor);
        try ep.runMultipleWorkflows{gas: txGas}(_refs1(address(vault), id)) returns (
            IDittoEntryPoint.RunResult[] memory r
        ) {
            assertTrue(r[0].status != IDittoEntryPoint.RunStatus.Failed, "starved into failure");
            if (r[0].status == IDittoEntryPoint.RunStatus.NotRun) assertEq(ep.depositOf(address(vault)), 1 ether);
            else assertEq(counter.count(), 1);
        } catch {
            // Out of gas before the loop: the whole transaction reverted, nothing changed.
            assertEq(ep.depositOf(address(vault)), 1 ether);
        }
    }

    // ---------------------------------------------------------------- prefund and payment

    function test_insufficientDepositIsSkipped() public {
        TestVault poor = new TestVault(ep);
        uint256 id = poor.register(_timeParams(address(counter), abi.encodeCall(Counter.increment, ()), T0, HOUR));
        uint256 prefund = GAS_LIMIT * GAS_PRICE + FIXED_REWARD;
        ep.deposit{value: prefund - 1}(address(poor));
        IDittoEntryPoint.RunResult[] memory r = _run(_refs1(address(poor), id));
        assertEq(uint8(r[0].status), uint8(IDittoEntryPoint.RunStatus.InsufficientPrefund));
        assertEq(counter.count(), 0);
        assertEq(ep.depositOf(address(poor)), prefund - 1);
        ep.deposit{value: 1}(address(poor));
        assertEq(uint8(_run(_refs1(address(poor), id))[0].status), uint8(IDittoEntryPoint.RunStatus.Succeeded));
    }

    function test_successPaymentMatchesFormulaAndRestReturnsToVault() public {
        uint256 id = _registerIncrement();
        uint256 prefund = GAS_LIMIT * GAS_PRICE + FIXED_REWARD;
        vm.expectEmit(address(ep));
        emit IDittoEntryPoint.PrefundPaid(address(vault), id, prefund);
        IDittoEntryPoint.RunResult[] memory r = _run(_refs1(address(vault), id));
        assertGt(r[0].gasUsed, 0);
        assertLt(r[0].gasUsed, GAS_LIMIT);
        uint256 expected = (r[0].gasUsed + GAS_OVERHEAD) * GAS_PRICE + FIXED_REWARD;
        assertEq(r[0].payment, expected);
        assertEq(ep.creditOf(executor), expected);
        assertEq(ep.depositOf(address(vault)), 1 ether - expected);
        assertEq(address(ep).balance, 1 ether);
    }

    function test_successUsingItsWholeBudgetIsPaidThePrefund() public {
        // The call succeeds after burning almost all its 200k: (g + 40k) × p + reward exceeds the prefund.
        uint256 id =
            vault.register(_timeParams(address(counter), abi.encodeCall(Counter.burn, (165_000)), T0, HOUR));
        IDittoEntryPoint.RunResult[] memory r = _run(_refs1(address(vault), id));
        assertEq(uint8(r[0].status), uint8(IDittoEntryPoint.RunStatus.Succeeded));
        assertGt(fees.successCompensation(r[0].gasUsed, GAS_PRICE), GAS_LIMIT * GAS_PRICE + FIXED_REWARD);
        assertEq(r[0].payment, GAS_LIMIT * GAS_PRICE + FIXED_REWARD);
        assertEq(ep.depositOf(address(vault)), 1 ether - r[0].payment);
    }

    function testFuzz_prefundNeverExceedsRegisteredMaximum(uint64 gasLimit, uint128 maxGasPrice, uint256 gasPrice)
        public
    {
        gasLimit = uint64(bound(gasLimit, 1, 1_000_000));
        maxGasPrice = uint128(bound(maxGasPrice, 1, 1000 gwei));
        gasPrice = bound(gasPrice, 0, 2 * uint256(maxGasPrice));
        IDittoEntryPoint.WorkflowParams memory p =
            _timeParams(address(counter), abi.encodeCall(Counter.burnAll, ()), T0, HOUR);
        p.maxGasLimit = gasLimit;
        p.maxGasPrice = maxGasPrice;
        uint256 id = vault.register(p);
        vm.deal(address(this), 10 ether);
        ep.deposit{value: 10 ether}(address(vault));
        uint256 before = ep.depositOf(address(vault));
        vm.txGasPrice(gasPrice);
        vm.recordLogs();
        IDittoEntryPoint.RunResult[] memory r = _run(_refs1(address(vault), id));
        uint256 maximum = uint256(gasLimit) * maxGasPrice + FIXED_REWARD;
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == IDittoEntryPoint.PrefundPaid.selector) {
                assertLe(abi.decode(logs[i].data, (uint256)), maximum);
            }
        }
        assertLe(before - ep.depositOf(address(vault)), maximum);
        assertEq(before - ep.depositOf(address(vault)), r[0].payment);
        if (gasPrice > maxGasPrice) assertEq(uint8(r[0].status), uint8(IDittoEntryPoint.RunStatus.GasPriceTooHigh));
    }

    function test_withdrawAndWithdrawCredit() public {
        uint256 id = _registerIncrement();
        uint256 paid = _run(_refs1(address(vault), id))[0].payment;
        address payable sink = payable(makeAddr("sink"));
        vm.expectEmit(address(ep));
        emit IDittoEntryPoint.Withdrawn(address(vault), sink, 0.5 ether);
        vault.withdraw(0.5 ether, sink);
        uint256 left = ep.depositOf(address(vault));
        vm.expectRevert(
            abi.encodeWithSelector(IDittoEntryPoint.InsufficientDeposit.selector, left, left + 1)
        );
        vault.withdraw(left + 1, sink);
        vm.prank(executor);
        ep.withdrawCredit(payable(executor));
        assertEq(executor.balance, paid);
        vm.prank(executor);
        vm.expectRevert(IDittoEntryPoint.NothingToWithdraw.selector);
        ep.withdrawCredit(payable(executor));
        assertEq(address(ep).balance, left);
    }

    // ---------------------------------------------------------------- gas

    function test_gas_runMultipleWorkflows_1and10() public {
        IDittoEntryPoint.WorkflowRef[] memory one = _refs1(address(vault), _registerIncrement());
        IDittoEntryPoint.WorkflowRef[] memory ten = new IDittoEntryPoint.WorkflowRef[](10);
        for (uint256 i; i < 10; ++i) {
            ten[i] = IDittoEntryPoint.WorkflowRef(address(vault), _registerIncrement());
        }
        _coolAll();
        vm.prank(executor);
        uint256 g = gasleft();
        ep.runMultipleWorkflows(one);
        emit log_named_uint("runMultipleWorkflows, 1 simple workflow (gas)", g - gasleft());
        _coolAll();
        vm.prank(executor);
        g = gasleft();
        ep.runMultipleWorkflows(ten);
        emit log_named_uint("runMultipleWorkflows, 10 simple workflows (gas)", g - gasleft());
        assertEq(counter.count(), 11);
    }

    /// @dev Makes every account and slot cold, as at the start of the executor's transaction.
    function _coolAll() internal {
        vm.cool(address(ep));
        vm.cool(address(counter));
        vm.cool(address(schedule));
        vm.cool(address(fees));
        vm.cool(address(vault));
    }
}
