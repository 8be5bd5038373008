// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IProtocolFees} from "../../../src/services/automation/IProtocolFees.sol";
import {ProtocolFees} from "../../../src/services/automation/ProtocolFees.sol";

/// @notice Parameters, bounds, access and the worked example of docs/automation-fees.md.
contract ProtocolFeesTest is Test {
    ProtocolFees internal fees;
    address internal owner = makeAddr("owner");

    function setUp() public {
        // docs/automation-fees.md: reward 0.0002 ETH, failure 50 %, overhead 40 000 gas.
        fees = new ProtocolFees(owner, 0.0002 ether, 5000, 40_000);
    }

    function test_constructorSetsParameters() public view {
        IProtocolFees.FeeParams memory p = fees.feeParams();
        assertEq(p.fixedReward, 0.0002 ether);
        assertEq(p.failureCompensationBps, 5000);
        assertEq(p.gasOverhead, 40_000);
        assertEq(fees.owner(), owner);
    }

    // ---------------------------------------------------------------- worked example (docs/automation-fees.md)

    function test_docExample_prefundAndMaximum() public view {
        // maxGasLimit 200 000, run at 20 gwei: prefund 0.0042 ETH; at the 50 gwei maximum: 0.0102 ETH.
        assertEq(fees.maxCompensation(200_000, 20 gwei), 4_200_000_000_000_000);
        assertEq(fees.maxCompensation(200_000, 50 gwei), 10_200_000_000_000_000);
    }

    function test_docExample_success() public view {
        // (50 000 + 40 000) gas × 20 gwei + 0.0002 ETH = 0.0018 + 0.0002 = 0.002 ETH; 0.0022 ETH back to the vault.
        assertEq(fees.successCompensation(50_000, 20 gwei), 2_000_000_000_000_000);
        assertEq(fees.maxCompensation(200_000, 20 gwei) - fees.successCompensation(50_000, 20 gwei), 2.2e15);
    }

    function test_docExample_failure() public view {
        // (50 000 + 40 000) gas × 20 gwei × 5000 / 10 000 = 0.0009 ETH; out of gas at 200 000: 0.0024 ETH.
        assertEq(fees.failureCompensation(50_000, 20 gwei), 900_000_000_000_000);
        assertEq(fees.failureCompensation(200_000, 20 gwei), 2_400_000_000_000_000);
    }

    function test_docExample_successAtTheCapIsLimitedByThePrefund() public view {
        // A call using its whole 200 000 budget: the formula gives 0.005 ETH, above the 0.0042 ETH prefund, which is
        // what the entry point pays.
        assertEq(fees.successCompensation(200_000, 20 gwei), 5_000_000_000_000_000);
        assertGt(fees.successCompensation(200_000, 20 gwei), fees.maxCompensation(200_000, 20 gwei));
    }

    function testFuzz_failureNeverExceedsSuccessCost(uint256 gasUsed, uint256 gasPrice, uint256 bps) public {
        gasUsed = bound(gasUsed, 0, 30_000_000);
        gasPrice = bound(gasPrice, 0, 10_000 gwei);
        vm.prank(owner);
        fees.setFailureCompensationBps(bound(bps, 0, 10_000));
        assertLe(fees.failureCompensation(gasUsed, gasPrice), (gasUsed + 40_000) * gasPrice);
        assertEq(fees.successCompensation(gasUsed, gasPrice), (gasUsed + 40_000) * gasPrice + 0.0002 ether);
    }

    // ---------------------------------------------------------------- setters

    function test_setters_updateAndEmit() public {
        vm.startPrank(owner);
        vm.expectEmit(address(fees));
        emit IProtocolFees.FixedRewardSet(0.0002 ether, 0.001 ether);
        fees.setFixedReward(0.001 ether);
        vm.expectEmit(address(fees));
        emit IProtocolFees.FailureCompensationBpsSet(5000, 2500);
        fees.setFailureCompensationBps(2500);
        vm.expectEmit(address(fees));
        emit IProtocolFees.GasOverheadSet(40_000, 55_000);
        fees.setGasOverhead(55_000);
        vm.stopPrank();
        assertEq(fees.fixedReward(), 0.001 ether);
        assertEq(fees.failureCompensationBps(), 2500);
        assertEq(fees.gasOverhead(), 55_000);
    }

    function test_setters_revertAboveBounds() public {
        vm.startPrank(owner);
        vm.expectRevert(abi.encodeWithSelector(IProtocolFees.FixedRewardTooHigh.selector, 0.01 ether + 1, 0.01 ether));
        fees.setFixedReward(0.01 ether + 1);
        vm.expectRevert(abi.encodeWithSelector(IProtocolFees.FailureCompensationTooHigh.selector, 10_001, 10_000));
        fees.setFailureCompensationBps(10_001);
        vm.expectRevert(abi.encodeWithSelector(IProtocolFees.GasOverheadTooHigh.selector, 200_001, 200_000));
        fees.setGasOverhead(200_001);
        vm.stopPrank();
    }

    function test_constructor_revertsAboveBounds() public {
        vm.expectRevert(abi.encodeWithSelector(IProtocolFees.FixedRewardTooHigh.selector, 1 ether, 0.01 ether));
        new ProtocolFees(owner, 1 ether, 0, 0);
    }

    function test_setters_onlyOwner() public {
        address stranger = makeAddr("stranger");
        vm.startPrank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        fees.setFixedReward(0);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        fees.setFailureCompensationBps(0);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        fees.setGasOverhead(0);
        vm.stopPrank();
    }
}
