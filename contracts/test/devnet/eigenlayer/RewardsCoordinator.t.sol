// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {EigenLayerDeployer} from "./EigenLayerDeployer.sol";
import {PermissionControllerMixin} from "../../../devnet/eigenlayer/PermissionControllerMixin.sol";
import {RewardsCoordinator} from "../../../devnet/eigenlayer/RewardsCoordinator.sol";
import {DevnetToken} from "../../../devnet/eigenlayer/DevnetToken.sol";
import {StrategyBase} from "../../../devnet/eigenlayer/StrategyBase.sol";
import {IStrategy} from "../../../src/eigenlayer/IStrategy.sol";
import {
    IRewardsCoordinatorErrors,
    IRewardsCoordinatorEvents,
    IRewardsCoordinatorTypes
} from "../../../src/eigenlayer/IRewardsCoordinator.sol";

contract RewardsCoordinatorTest is EigenLayerDeployer {
    address internal avs = makeAddr("avs");
    DevnetToken internal rewardToken;
    uint32 internal today;

    function setUp() public override {
        super.setUp();
        vm.warp(1_700_000_000);
        today = uint32(block.timestamp - (block.timestamp % EL_REWARDS_INTERVAL));
        rewardToken = new DevnetToken("Reward", "RWD", 18);
        rewardToken.mint(avs, 1_000 ether);
        vm.prank(avs);
        rewardToken.approve(address(rewardsCoordinator), type(uint256).max);
    }

    // ---------------------------------------------------------------- helpers

    function _multipliers() internal view returns (IRewardsCoordinatorTypes.StrategyAndMultiplier[] memory list) {
        list = new IRewardsCoordinatorTypes.StrategyAndMultiplier[](1);
        list[0] = IRewardsCoordinatorTypes.StrategyAndMultiplier(strategy, 1e18);
    }

    function _submission(uint256 amount) internal view returns (IRewardsCoordinatorTypes.RewardsSubmission memory) {
        return IRewardsCoordinatorTypes.RewardsSubmission({
            strategiesAndMultipliers: _multipliers(),
            token: IERC20(address(rewardToken)),
            amount: amount,
            startTimestamp: today,
            duration: 7 days
        });
    }

    function _one(IRewardsCoordinatorTypes.RewardsSubmission memory s)
        internal
        pure
        returns (IRewardsCoordinatorTypes.RewardsSubmission[] memory list)
    {
        list = new IRewardsCoordinatorTypes.RewardsSubmission[](1);
        list[0] = s;
    }

    function _directed(address op1, address op2)
        internal
        view
        returns (IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission memory s)
    {
        IRewardsCoordinatorTypes.OperatorReward[] memory rewards = new IRewardsCoordinatorTypes.OperatorReward[](2);
        rewards[0] = IRewardsCoordinatorTypes.OperatorReward(op1, 3 ether);
        rewards[1] = IRewardsCoordinatorTypes.OperatorReward(op2, 4 ether);
        s = IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission({
            strategiesAndMultipliers: _multipliers(),
            token: IERC20(address(rewardToken)),
            operatorRewards: rewards,
            startTimestamp: today - 7 days,
            duration: 7 days,
            description: "epoch 1"
        });
    }

    function _oneDirected(IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission memory s)
        internal
        pure
        returns (IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission[] memory list)
    {
        list = new IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission[](1);
        list[0] = s;
    }

    function _submitExpectingRevert(IRewardsCoordinatorTypes.RewardsSubmission memory s, bytes4 err) internal {
        IRewardsCoordinatorTypes.RewardsSubmission[] memory list = _one(s);
        vm.prank(avs);
        vm.expectRevert(err);
        rewardsCoordinator.createAVSRewardsSubmission(list);
    }

    // ---------------------------------------------------------------- AVS rewards submissions

    function test_createAVSRewardsSubmission_pullsTokensAndRecordsHash() public {
        IRewardsCoordinatorTypes.RewardsSubmission memory s = _submission(10 ether);
        bytes32 expectedHash = keccak256(abi.encode(avs, uint256(0), s));
        IRewardsCoordinatorTypes.RewardsSubmission[] memory list = _one(s);

        vm.expectEmit(address(rewardsCoordinator));
        emit IRewardsCoordinatorEvents.AVSRewardsSubmissionCreated(avs, 0, expectedHash, s);
        vm.prank(avs);
        rewardsCoordinator.createAVSRewardsSubmission(list);

        assertTrue(rewardsCoordinator.isAVSRewardsSubmissionHash(avs, expectedHash));
        assertEq(rewardsCoordinator.submissionNonce(avs), 1);
        assertEq(rewardToken.balanceOf(address(rewardsCoordinator)), 10 ether);
        assertEq(rewardToken.balanceOf(avs), 990 ether);
    }

    function test_createAVSRewardsSubmission_incrementsNonce() public {
        IRewardsCoordinatorTypes.RewardsSubmission memory s = _submission(1 ether);
        IRewardsCoordinatorTypes.RewardsSubmission[] memory list = _one(s);
        vm.startPrank(avs);
        rewardsCoordinator.createAVSRewardsSubmission(list);
        rewardsCoordinator.createAVSRewardsSubmission(list);
        vm.stopPrank();
        assertEq(rewardsCoordinator.submissionNonce(avs), 2);
        assertTrue(rewardsCoordinator.isAVSRewardsSubmissionHash(avs, keccak256(abi.encode(avs, uint256(1), s))));
    }

    function test_createAVSRewardsSubmission_revertsForZeroAmount() public {
        _submitExpectingRevert(_submission(0), IRewardsCoordinatorErrors.AmountIsZero.selector);
    }

    function test_createAVSRewardsSubmission_revertsForZeroDuration() public {
        IRewardsCoordinatorTypes.RewardsSubmission memory s = _submission(1 ether);
        s.duration = 0;
        _submitExpectingRevert(s, IRewardsCoordinatorErrors.DurationIsZero.selector);
    }

    function test_createAVSRewardsSubmission_revertsForTooLongDuration() public {
        IRewardsCoordinatorTypes.RewardsSubmission memory s = _submission(1 ether);
        s.duration = EL_MAX_REWARDS_DURATION + EL_REWARDS_INTERVAL;
        _submitExpectingRevert(s, IRewardsCoordinatorErrors.DurationExceedsMax.selector);
    }

    function test_createAVSRewardsSubmission_revertsForDurationOffInterval() public {
        IRewardsCoordinatorTypes.RewardsSubmission memory s = _submission(1 ether);
        s.duration = 1 days + 1;
        _submitExpectingRevert(s, IRewardsCoordinatorErrors.InvalidDurationRemainder.selector);
    }

    function test_createAVSRewardsSubmission_revertsForStartOffInterval() public {
        IRewardsCoordinatorTypes.RewardsSubmission memory s = _submission(1 ether);
        s.startTimestamp = today + 1;
        _submitExpectingRevert(s, IRewardsCoordinatorErrors.InvalidStartTimestampRemainder.selector);
    }

    function test_createAVSRewardsSubmission_revertsForStartTooFarInPast() public {
        IRewardsCoordinatorTypes.RewardsSubmission memory s = _submission(1 ether);
        s.startTimestamp = today - EL_MAX_RETROACTIVE_LENGTH - EL_REWARDS_INTERVAL;
        _submitExpectingRevert(s, IRewardsCoordinatorErrors.StartTimestampTooFarInPast.selector);
    }

    function test_createAVSRewardsSubmission_revertsForStartTooFarInFuture() public {
        IRewardsCoordinatorTypes.RewardsSubmission memory s = _submission(1 ether);
        s.startTimestamp = today + EL_MAX_FUTURE_LENGTH + EL_REWARDS_INTERVAL;
        _submitExpectingRevert(s, IRewardsCoordinatorErrors.StartTimestampTooFarInFuture.selector);
    }

    function test_createAVSRewardsSubmission_revertsForNoStrategies() public {
        IRewardsCoordinatorTypes.RewardsSubmission memory s = _submission(1 ether);
        s.strategiesAndMultipliers = new IRewardsCoordinatorTypes.StrategyAndMultiplier[](0);
        _submitExpectingRevert(s, IRewardsCoordinatorErrors.InputArrayLengthZero.selector);
    }

    function test_createAVSRewardsSubmission_revertsForUnwhitelistedStrategy() public {
        IRewardsCoordinatorTypes.RewardsSubmission memory s = _submission(1 ether);
        s.strategiesAndMultipliers[0].strategy = IStrategy(makeAddr("not a strategy"));
        _submitExpectingRevert(s, IRewardsCoordinatorErrors.StrategyNotWhitelisted.selector);
    }

    function test_createAVSRewardsSubmission_revertsForUnsortedStrategies() public {
        DevnetToken token2 = new DevnetToken("Second", "SEC", 18);
        StrategyBase second = new StrategyBase(strategyManager, IERC20(address(token2)));
        IStrategy[] memory list = new IStrategy[](1);
        list[0] = second;
        vm.prank(elOwner);
        strategyManager.addStrategiesToDepositWhitelist(list);
        (IStrategy high, IStrategy low) = address(second) > address(strategy)
            ? (IStrategy(address(second)), IStrategy(address(strategy)))
            : (IStrategy(address(strategy)), IStrategy(address(second)));
        IRewardsCoordinatorTypes.RewardsSubmission memory s = _submission(1 ether);
        s.strategiesAndMultipliers = new IRewardsCoordinatorTypes.StrategyAndMultiplier[](2);
        s.strategiesAndMultipliers[0] = IRewardsCoordinatorTypes.StrategyAndMultiplier(high, 1);
        s.strategiesAndMultipliers[1] = IRewardsCoordinatorTypes.StrategyAndMultiplier(low, 1);
        _submitExpectingRevert(s, IRewardsCoordinatorErrors.StrategiesNotInAscendingOrder.selector);
    }

    // ---------------------------------------------------------------- operator-directed submissions

    function test_createOperatorDirected_pullsTotalAndRecordsHash() public {
        IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission memory s = _directed(address(0x10), address(0x20));
        bytes32 expectedHash = keccak256(abi.encode(avs, uint256(0), s));
        IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission[] memory list = _oneDirected(s);

        vm.expectEmit(address(rewardsCoordinator));
        emit IRewardsCoordinatorEvents.OperatorDirectedAVSRewardsSubmissionCreated(avs, avs, expectedHash, 0, s);
        vm.prank(avs);
        rewardsCoordinator.createOperatorDirectedAVSRewardsSubmission(avs, list);

        assertTrue(rewardsCoordinator.isOperatorDirectedAVSRewardsSubmissionHash(avs, expectedHash));
        assertFalse(rewardsCoordinator.isAVSRewardsSubmissionHash(avs, expectedHash));
        assertEq(rewardToken.balanceOf(address(rewardsCoordinator)), 7 ether);
        assertEq(rewardsCoordinator.submissionNonce(avs), 1);
    }

    function test_createOperatorDirected_revertsWhenCallerIsNotAVS() public {
        IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission[] memory list =
            _oneDirected(_directed(address(0x10), address(0x20)));
        vm.prank(makeAddr("someone"));
        vm.expectRevert(PermissionControllerMixin.InvalidPermissions.selector);
        rewardsCoordinator.createOperatorDirectedAVSRewardsSubmission(avs, list);
    }

    function test_createOperatorDirected_revertsForUnsortedOperators() public {
        IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission[] memory list =
            _oneDirected(_directed(address(0x20), address(0x10)));
        vm.prank(avs);
        vm.expectRevert(IRewardsCoordinatorErrors.OperatorsNotInAscendingOrder.selector);
        rewardsCoordinator.createOperatorDirectedAVSRewardsSubmission(avs, list);
    }

    function test_createOperatorDirected_revertsForDuplicateOperator() public {
        IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission[] memory list =
            _oneDirected(_directed(address(0x10), address(0x10)));
        vm.prank(avs);
        vm.expectRevert(IRewardsCoordinatorErrors.OperatorsNotInAscendingOrder.selector);
        rewardsCoordinator.createOperatorDirectedAVSRewardsSubmission(avs, list);
    }

    function test_createOperatorDirected_revertsForZeroOperatorAmount() public {
        IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission memory s = _directed(address(0x10), address(0x20));
        s.operatorRewards[1].amount = 0;
        IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission[] memory list = _oneDirected(s);
        vm.prank(avs);
        vm.expectRevert(IRewardsCoordinatorErrors.AmountIsZero.selector);
        rewardsCoordinator.createOperatorDirectedAVSRewardsSubmission(avs, list);
    }

    function test_createOperatorDirected_revertsWhenPeriodNotEnded() public {
        IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission memory s = _directed(address(0x10), address(0x20));
        s.startTimestamp = today;
        IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission[] memory list = _oneDirected(s);
        vm.prank(avs);
        vm.expectRevert(IRewardsCoordinatorErrors.SubmissionNotRetroactive.selector);
        rewardsCoordinator.createOperatorDirectedAVSRewardsSubmission(avs, list);
    }

    function test_createOperatorDirected_revertsForNoOperators() public {
        IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission memory s = _directed(address(0x10), address(0x20));
        s.operatorRewards = new IRewardsCoordinatorTypes.OperatorReward[](0);
        IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission[] memory list = _oneDirected(s);
        vm.prank(avs);
        vm.expectRevert(IRewardsCoordinatorErrors.InputArrayLengthZero.selector);
        rewardsCoordinator.createOperatorDirectedAVSRewardsSubmission(avs, list);
    }

    function test_constructor_revertsForGenesisOffInterval() public {
        vm.expectRevert(IRewardsCoordinatorErrors.InvalidCalculationIntervalSecondsRemainder.selector);
        new RewardsCoordinator(strategyManager, permissionController, 1 days, 70 days, 90 days, 30 days, 1);
    }

    /// @dev Whatever the amount, the coordinator receives exactly that much and records one hash.
    function testFuzz_createAVSRewardsSubmission_escrowsExactAmount(uint256 amount) public {
        amount = bound(amount, 1, 1_000 ether);
        IRewardsCoordinatorTypes.RewardsSubmission memory s = _submission(amount);
        IRewardsCoordinatorTypes.RewardsSubmission[] memory list = _one(s);
        vm.prank(avs);
        rewardsCoordinator.createAVSRewardsSubmission(list);
        assertEq(rewardToken.balanceOf(address(rewardsCoordinator)), amount);
        assertTrue(rewardsCoordinator.isAVSRewardsSubmissionHash(avs, keccak256(abi.encode(avs, uint256(0), s))));
    }
}
