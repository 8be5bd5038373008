// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {EigenLayerDeployer} from "./EigenLayerDeployer.sol";
import {StrategyBase} from "../../../devnet/eigenlayer/StrategyBase.sol";
import {DevnetToken} from "../../../devnet/eigenlayer/DevnetToken.sol";
import {IStrategy, IStrategyErrors} from "../../../src/eigenlayer/IStrategy.sol";
import {IStrategyManagerErrors, IStrategyManagerEvents} from "../../../devnet/eigenlayer/IStrategyManager.sol";
import {IDelegationManagerTypes} from "../../../src/eigenlayer/IDelegationManager.sol";

contract StrategyManagerTest is EigenLayerDeployer {
    address internal staker = makeAddr("staker");

    function test_depositIntoStrategy_pullsTokensAndCreditsShares() public {
        stakeToken.mint(staker, 5 ether);
        vm.startPrank(staker);
        stakeToken.approve(address(strategyManager), 5 ether);
        vm.expectEmit(address(strategyManager));
        emit IStrategyManagerEvents.Deposit(staker, strategy, 5 ether);
        uint256 shares = strategyManager.depositIntoStrategy(strategy, IERC20(address(stakeToken)), 5 ether);
        vm.stopPrank();

        assertEq(shares, 5 ether, "first deposit is 1:1");
        assertEq(strategyManager.stakerDepositShares(staker, strategy), 5 ether);
        assertEq(stakeToken.balanceOf(staker), 0);
        assertEq(stakeToken.balanceOf(address(strategy)), 5 ether);
        assertEq(strategy.totalShares(), 5 ether);
        assertEq(strategy.shares(staker), 5 ether);
        assertEq(strategy.userUnderlyingView(staker), 5 ether);
    }

    function test_depositIntoStrategy_tracksStrategyList() public {
        _depositStake(staker, 1 ether);
        (IStrategy[] memory strategies, uint256[] memory shares) = strategyManager.getDeposits(staker);
        assertEq(strategies.length, 1);
        assertEq(address(strategies[0]), address(strategy));
        assertEq(shares[0], 1 ether);
        assertEq(strategyManager.stakerStrategyListLength(staker), 1);
    }

    function test_depositIntoStrategy_revertsForNonWhitelistedStrategy() public {
        DevnetToken other = new DevnetToken("Other", "OTH", 18);
        StrategyBase otherStrategy = new StrategyBase(strategyManager, IERC20(address(other)));
        other.mint(staker, 1 ether);
        vm.startPrank(staker);
        other.approve(address(strategyManager), 1 ether);
        vm.expectRevert(IStrategyManagerErrors.StrategyNotWhitelisted.selector);
        strategyManager.depositIntoStrategy(otherStrategy, IERC20(address(other)), 1 ether);
        vm.stopPrank();
    }

    function test_depositIntoStrategy_revertsForWrongToken() public {
        DevnetToken other = new DevnetToken("Other", "OTH", 18);
        other.mint(staker, 1 ether);
        vm.startPrank(staker);
        other.approve(address(strategyManager), 1 ether);
        vm.expectRevert(IStrategyErrors.OnlyUnderlyingToken.selector);
        strategyManager.depositIntoStrategy(strategy, IERC20(address(other)), 1 ether);
        vm.stopPrank();
    }

    function test_depositIntoStrategy_increasesDelegatedShares() public {
        address operator = _makeOperator(0xA11CE, 0);
        _delegate(staker, operator);
        _depositStake(staker, 3 ether);
        assertEq(delegationManager.operatorShares(operator, strategy), 3 ether);
    }

    function test_addStrategiesToDepositWhitelist_onlyOwner() public {
        IStrategy[] memory list = _strategies();
        vm.prank(staker);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, staker));
        strategyManager.addStrategiesToDepositWhitelist(list);
    }

    function test_removeStrategiesFromDepositWhitelist_blocksDeposits() public {
        IStrategy[] memory list = _strategies();
        vm.prank(elOwner);
        strategyManager.removeStrategiesFromDepositWhitelist(list);
        assertFalse(strategyManager.strategyIsWhitelistedForDeposit(strategy));
        stakeToken.mint(staker, 1 ether);
        vm.startPrank(staker);
        stakeToken.approve(address(strategyManager), 1 ether);
        vm.expectRevert(IStrategyManagerErrors.StrategyNotWhitelisted.selector);
        strategyManager.depositIntoStrategy(strategy, IERC20(address(stakeToken)), 1 ether);
        vm.stopPrank();
    }

    function test_strategyDeposit_onlyStrategyManager() public {
        vm.expectRevert(IStrategyErrors.OnlyStrategyManager.selector);
        strategy.deposit(IERC20(address(stakeToken)), 1);
    }

    function test_strategyWithdraw_onlyStrategyManager() public {
        vm.expectRevert(IStrategyErrors.OnlyStrategyManager.selector);
        strategy.withdraw(address(this), IERC20(address(stakeToken)), 1);
    }

    function test_removeDepositShares_onlyDelegationManager() public {
        vm.expectRevert(IStrategyManagerErrors.OnlyDelegationManager.selector);
        strategyManager.removeDepositShares(staker, strategy, 1);
    }

    function test_donation_raisesShareValueForExistingStakers() public {
        _depositStake(staker, 10 ether);
        stakeToken.mint(address(strategy), 10 ether);
        // The virtual offset (1e3 shares / 1e3 wei) keeps a negligible part of the donation.
        assertApproxEqAbs(strategy.userUnderlyingView(staker), 20 ether, 1e3);
    }

    function test_inflationAttack_doesNotZeroVictimShares() public {
        address attacker = makeAddr("attacker");
        _depositStake(attacker, 1);
        stakeToken.mint(address(strategy), 1 ether); // donation to skew the rate
        uint256 victimShares = _depositStake(staker, 1 ether);
        assertGt(victimShares, 0);
        // The victim keeps almost all of the deposit: the attacker cannot capture it.
        assertGt(strategy.sharesToUnderlyingView(victimShares), 0.49 ether);
    }

    /// @dev Deposit then withdraw through the DelegationManager returns the tokens (minus at most rounding dust)
    ///      and never more.
    function testFuzz_depositWithdraw_conservesTokens(uint256 first, uint256 amount) public {
        first = bound(first, 1, 1e30);
        amount = bound(amount, 1, 1e30);
        _depositStake(makeAddr("first"), first);
        uint256 shares = _depositStake(staker, amount);
        vm.assume(shares > 0);

        IDelegationManagerTypes.QueuedWithdrawalParams[] memory params =
            new IDelegationManagerTypes.QueuedWithdrawalParams[](1);
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = shares;
        params[0] = IDelegationManagerTypes.QueuedWithdrawalParams(_strategies(), amounts, address(0));
        vm.recordLogs();
        vm.prank(staker);
        delegationManager.queueWithdrawals(params);
        (IDelegationManagerTypes.Withdrawal[] memory withdrawals,) = delegationManager.getQueuedWithdrawals(staker);
        vm.roll(block.number + EL_MIN_WITHDRAWAL_DELAY_BLOCKS + 1);
        IERC20[] memory tokens = new IERC20[](1);
        tokens[0] = IERC20(address(stakeToken));
        vm.prank(staker);
        delegationManager.completeQueuedWithdrawal(withdrawals[0], tokens, true);

        uint256 received = stakeToken.balanceOf(staker);
        assertLe(received, amount, "never more than deposited");
        assertApproxEqAbs(received, amount, 2, "at most rounding dust lost");
        assertEq(strategy.totalShares(), strategyManager.stakerDepositShares(makeAddr("first"), strategy));
        assertGe(stakeToken.balanceOf(address(strategy)), strategy.sharesToUnderlyingView(strategy.totalShares()));
    }
}
