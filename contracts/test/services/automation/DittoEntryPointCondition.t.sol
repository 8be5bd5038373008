// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IDittoEntryPoint} from "../../../src/services/automation/IDittoEntryPoint.sol";
import {AutomationFixture} from "./AutomationFixture.sol";
import {
    Counter, MockPriceFeed, PriceLevelChecker, BadChecker, ReentrantTarget
} from "./AutomationMocks.sol";

/// @notice Condition triggers (a price feed crossing a level, malformed checkers) and re-entering targets.
contract DittoEntryPointConditionTest is AutomationFixture {
    int256 internal constant LEVEL = 3000e8;

    MockPriceFeed internal feed;
    PriceLevelChecker internal checker;
    BadChecker internal bad;

    function setUp() public override {
        super.setUp();
        feed = new MockPriceFeed();
        feed.setAnswer(2900e8);
        checker = new PriceLevelChecker(feed, LEVEL);
        bad = new BadChecker();
    }

    function _registerPriceWorkflow() internal returns (uint256) {
        return vault.register(
            _conditionParams(address(counter), address(checker), abi.encodeCall(PriceLevelChecker.check, ()))
        );
    }

    function test_conditionTrigger_notDueBelowLevelAndNothingCharged() public {
        uint256 id = _registerPriceWorkflow();
        (bool due, bytes memory data) = ep.isDue(address(vault), id);
        assertFalse(due);
        assertEq(data.length, 0);
        IDittoEntryPoint.RunResult[] memory r = _run(_refs1(address(vault), id));
        assertEq(uint8(r[0].status), uint8(IDittoEntryPoint.RunStatus.NotDue));
        assertEq(ep.depositOf(address(vault)), 1 ether);
        assertEq(counter.count(), 0);
    }

    function test_conditionTrigger_runsCheckerPayloadWhenPriceCrossesLevel() public {
        uint256 id = _registerPriceWorkflow();
        feed.setAnswer(3001e8);
        (bool due, bytes memory data) = ep.isDue(address(vault), id);
        assertTrue(due);
        assertEq(data, abi.encodeCall(Counter.recordPrice, (int256(3001e8))));
        IDittoEntryPoint.RunResult[] memory r = _run(_refs1(address(vault), id));
        assertEq(uint8(r[0].status), uint8(IDittoEntryPoint.RunStatus.Succeeded));
        assertEq(counter.lastPrice(), 3001e8);
        assertEq(r[0].payment, fees.successCompensation(r[0].gasUsed, GAS_PRICE));
        assertEq(ep.workflow(address(vault), id).lastRunBlock, block.number);
    }

    function test_conditionTrigger_runsAtMostOncePerBlock() public {
        uint256 id = _registerPriceWorkflow();
        feed.setAnswer(3100e8);
        IDittoEntryPoint.WorkflowRef[] memory refs = new IDittoEntryPoint.WorkflowRef[](2);
        refs[0] = refs[1] = IDittoEntryPoint.WorkflowRef(address(vault), id);
        IDittoEntryPoint.RunResult[] memory r = _run(refs);
        assertEq(uint8(r[0].status), uint8(IDittoEntryPoint.RunStatus.Succeeded));
        assertEq(uint8(r[1].status), uint8(IDittoEntryPoint.RunStatus.NotDue));
        vm.roll(block.number + 1); // still above the level in the next block: due again
        assertEq(uint8(_run(_refs1(address(vault), id))[0].status), uint8(IDittoEntryPoint.RunStatus.Succeeded));
        assertEq(counter.count(), 2);
    }

    function test_conditionTrigger_priceFallingBackBelowLevelIsNotDue() public {
        uint256 id = _registerPriceWorkflow();
        feed.setAnswer(3000e8); // at the level counts as crossed
        _run(_refs1(address(vault), id));
        vm.roll(block.number + 1);
        feed.setAnswer(2999e8);
        assertEq(uint8(_run(_refs1(address(vault), id))[0].status), uint8(IDittoEntryPoint.RunStatus.NotDue));
        assertEq(counter.count(), 1);
    }

    function test_conditionTrigger_malformedOrRevertingCheckerIsNotDue() public {
        bytes[6] memory checks = [
            abi.encodeCall(BadChecker.reverts, ()),
            abi.encodeCall(BadChecker.short, ()),
            abi.encodeCall(BadChecker.notBool, ()),
            abi.encodeCall(BadChecker.badOffset, ()),
            abi.encodeCall(BadChecker.huge, ()),
            abi.encodeCall(BadChecker.burnsGas, ())
        ];
        for (uint256 i; i < checks.length; ++i) {
            uint256 id = vault.register(_conditionParams(address(counter), address(bad), checks[i]));
            (bool due,) = ep.isDue(address(vault), id);
            assertFalse(due);
            assertEq(uint8(_run(_refs1(address(vault), id))[0].status), uint8(IDittoEntryPoint.RunStatus.NotDue));
        }
        assertEq(ep.depositOf(address(vault)), 1 ether);
    }

    function test_reentrantTargetCannotRerunWithdrawOrDoublePay() public {
        ReentrantTarget attacker = new ReentrantTarget(ep);
        ep.deposit{value: 0.1 ether}(address(attacker));
        uint256 id = attacker.register(
            _timeParams(address(attacker), abi.encodeCall(ReentrantTarget.attack, ()), T0, HOUR)
        );
        schedule.setExecutor(address(attacker)); // the attacker is also the executor, so only the lock stops it
        uint256 vaultBefore = ep.depositOf(address(vault));

        IDittoEntryPoint.RunResult[] memory r = attacker.runOwn();

        assertEq(uint8(r[0].status), uint8(IDittoEntryPoint.RunStatus.Succeeded));
        assertEq(attacker.calls(), 1);
        assertEq(attacker.reentrySuccesses(), 0);
        // Paid exactly once, by the formula; the other vault is untouched; the books balance.
        assertEq(r[0].payment, fees.successCompensation(r[0].gasUsed, GAS_PRICE));
        assertEq(ep.creditOf(address(attacker)), r[0].payment);
        assertEq(ep.depositOf(address(attacker)), 0.1 ether - r[0].payment);
        assertEq(ep.depositOf(address(vault)), vaultBefore);
        assertEq(address(ep).balance, ep.depositOf(address(vault)) + 0.1 ether);
        assertEq(ep.workflow(address(attacker), id).nextRunAt, T0 + HOUR);

        // After the batch the pull payment works once.
        attacker.withdrawCredit();
        assertEq(address(attacker).balance, r[0].payment);
        vm.expectRevert(IDittoEntryPoint.NothingToWithdraw.selector);
        attacker.withdrawCredit();
    }

    function test_targetMayTopUpItsVaultDuringRun() public {
        Depositor depositor = new Depositor(ep);
        vm.deal(address(depositor), 1 ether);
        uint256 id = vault.register(
            _timeParams(address(depositor), abi.encodeCall(Depositor.topUp, (address(vault))), T0, HOUR)
        );
        IDittoEntryPoint.RunResult[] memory r = _run(_refs1(address(vault), id));
        assertEq(uint8(r[0].status), uint8(IDittoEntryPoint.RunStatus.Succeeded));
        // The refund is added to the deposit as it stands after the call, not over it.
        assertEq(ep.depositOf(address(vault)), 1 ether + 0.01 ether - r[0].payment);
        assertEq(address(ep).balance, ep.depositOf(address(vault)) + ep.creditOf(executor));
    }
}

/// @notice A target that deposits for a vault while being run.
contract Depositor {
    IDittoEntryPoint internal immutable entryPoint;

    constructor(IDittoEntryPoint entryPoint_) {
        entryPoint = entryPoint_;
    }

    function topUp(address vault) external {
        entryPoint.deposit{value: 0.01 ether}(vault);
    }
}
