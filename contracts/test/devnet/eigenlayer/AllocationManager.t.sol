// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {EigenLayerDeployer} from "./EigenLayerDeployer.sol";
import {StrategyBase} from "../../../devnet/eigenlayer/StrategyBase.sol";
import {DevnetToken} from "../../../devnet/eigenlayer/DevnetToken.sol";
import {IStrategy} from "../../../src/eigenlayer/IStrategy.sol";
import {IAVSRegistrar} from "../../../src/eigenlayer/IAVSRegistrar.sol";
import {
    IAllocationManagerErrors,
    IAllocationManagerEvents,
    IAllocationManagerTypes,
    OperatorSet
} from "../../../src/eigenlayer/IAllocationManager.sol";
import {IDelegationManagerTypes} from "../../../src/eigenlayer/IDelegationManager.sol";
import {IPausable} from "../../../devnet/eigenlayer/IPausable.sol";
import {PermissionControllerMixin} from "../../../devnet/eigenlayer/PermissionControllerMixin.sol";
import {AllocationManager} from "../../../devnet/eigenlayer/AllocationManager.sol";

/// @dev Records the calls the AllocationManager makes; may be told to refuse registrations.
contract RecordingRegistrar is IAVSRegistrar {
    address public immutable avs;
    bool public refuse;
    uint256 public registerCalls;
    uint256 public deregisterCalls;
    address public lastOperator;
    address public lastAvs;
    uint32[] internal _lastIds;
    bytes public lastData;

    error Refused();

    constructor(address avs_) {
        avs = avs_ == address(0) ? address(this) : avs_;
    }

    function setRefuse(bool value) external {
        refuse = value;
    }

    function registerOperator(address operator, address avs_, uint32[] calldata ids, bytes calldata data) external {
        if (refuse) revert Refused();
        registerCalls++;
        lastOperator = operator;
        lastAvs = avs_;
        _lastIds = ids;
        lastData = data;
    }

    function deregisterOperator(address operator, address avs_, uint32[] calldata ids) external {
        deregisterCalls++;
        lastOperator = operator;
        lastAvs = avs_;
        _lastIds = ids;
    }

    function supportsAVS(address avs_) external view returns (bool) {
        return avs_ == avs;
    }

    function lastIds() external view returns (uint32[] memory) {
        return _lastIds;
    }
}

contract AllocationManagerTest is EigenLayerDeployer {
    uint256 internal constant OPERATOR_KEY = 0xA11CE;
    uint64 internal constant WAD = 1e18;

    address internal operator;
    RecordingRegistrar internal avsContract; // an AVS that is its own registrar
    address internal avs;
    OperatorSet internal opSet;

    function setUp() public override {
        super.setUp();
        operator = _makeOperator(OPERATOR_KEY, 100 ether);
        avsContract = new RecordingRegistrar(address(0));
        avs = address(avsContract);
        opSet = _createOperatorSet(avs, 1, avs);
    }

    // ---------------------------------------------------------------- helpers

    function _ids(uint32 id) internal pure returns (uint32[] memory ids) {
        ids = new uint32[](1);
        ids[0] = id;
    }

    function _register(address who, uint32 id) internal {
        vm.prank(who);
        allocationManager.registerForOperatorSets(who, IAllocationManagerTypes.RegisterParams(avs, _ids(id), ""));
    }

    function _operators() internal view returns (address[] memory list) {
        list = new address[](1);
        list[0] = operator;
    }

    function _allocatedStake() internal view returns (uint256) {
        return allocationManager.getAllocatedStake(opSet, _operators(), _strategies())[0][0];
    }

    function _slashParams(uint256 wad) internal view returns (IAllocationManagerTypes.SlashingParams memory p) {
        uint256[] memory wads = new uint256[](1);
        wads[0] = wad;
        p = IAllocationManagerTypes.SlashingParams({
            operator: operator,
            operatorSetId: opSet.id,
            strategies: _strategies(),
            wadsToSlash: wads,
            description: "wrong attestation"
        });
    }

    function _slash(uint256 wad) internal returns (uint256 slashId, uint256[] memory shares) {
        IAllocationManagerTypes.SlashingParams memory p = _slashParams(wad);
        vm.prank(avs);
        return allocationManager.slashOperator(avs, p);
    }

    function _secondStrategy() internal returns (StrategyBase second) {
        DevnetToken token2 = new DevnetToken("Second", "SEC", 18);
        second = new StrategyBase(strategyManager, IERC20(address(token2)));
        IStrategy[] memory list = new IStrategy[](1);
        list[0] = second;
        vm.prank(elOwner);
        strategyManager.addStrategiesToDepositWhitelist(list);
        vm.prank(avs);
        allocationManager.addStrategiesToOperatorSet(avs, opSet.id, list);
    }

    // ---------------------------------------------------------------- operator sets

    function test_createOperatorSets_revertsWithoutMetadata() public {
        address other = makeAddr("other avs");
        IAllocationManagerTypes.CreateSetParamsV2[] memory params = new IAllocationManagerTypes.CreateSetParamsV2[](1);
        params[0] = IAllocationManagerTypes.CreateSetParamsV2(1, _strategies(), other);
        vm.prank(other);
        vm.expectRevert(IAllocationManagerErrors.NonexistentAVSMetadata.selector);
        allocationManager.createOperatorSets(other, params);
    }

    function test_createOperatorSets_revertsForOtherCaller() public {
        IAllocationManagerTypes.CreateSetParamsV2[] memory params = new IAllocationManagerTypes.CreateSetParamsV2[](1);
        params[0] = IAllocationManagerTypes.CreateSetParamsV2(2, _strategies(), avs);
        vm.expectRevert(PermissionControllerMixin.InvalidPermissions.selector);
        allocationManager.createOperatorSets(avs, params);
    }

    function test_createOperatorSets_revertsForDuplicateId() public {
        IAllocationManagerTypes.CreateSetParamsV2[] memory params = new IAllocationManagerTypes.CreateSetParamsV2[](1);
        params[0] = IAllocationManagerTypes.CreateSetParamsV2(1, _strategies(), avs);
        vm.prank(avs);
        vm.expectRevert(IAllocationManagerErrors.InvalidOperatorSetId.selector);
        allocationManager.createOperatorSets(avs, params);
    }

    function test_createOperatorSets_recordsStrategiesAndSlasher() public view {
        assertTrue(allocationManager.isOperatorSet(opSet));
        assertEq(allocationManager.getOperatorSetCount(avs), 1);
        assertEq(allocationManager.getSlasher(opSet), avs);
        IStrategy[] memory strategies = allocationManager.getStrategiesInOperatorSet(opSet);
        assertEq(strategies.length, 1);
        assertEq(address(strategies[0]), address(strategy));
    }

    function test_createOperatorSets_emitsOperatorSetCreated() public {
        IAllocationManagerTypes.CreateSetParamsV2[] memory params = new IAllocationManagerTypes.CreateSetParamsV2[](1);
        params[0] = IAllocationManagerTypes.CreateSetParamsV2(7, _strategies(), avs);
        vm.expectEmit(address(allocationManager));
        emit IAllocationManagerEvents.OperatorSetCreated(OperatorSet(avs, 7));
        vm.prank(avs);
        allocationManager.createOperatorSets(avs, params);
    }

    // ---------------------------------------------------------------- registration

    function test_registerForOperatorSets_callsTheAVSAsDefaultRegistrar() public {
        vm.expectEmit(address(allocationManager));
        emit IAllocationManagerEvents.OperatorAddedToOperatorSet(operator, opSet);
        vm.prank(operator);
        allocationManager.registerForOperatorSets(
            operator, IAllocationManagerTypes.RegisterParams(avs, _ids(1), hex"c0ffee")
        );

        assertEq(avsContract.registerCalls(), 1);
        assertEq(avsContract.lastOperator(), operator);
        assertEq(avsContract.lastAvs(), avs);
        assertEq(avsContract.lastIds()[0], 1);
        assertEq(avsContract.lastData(), hex"c0ffee");
        assertTrue(allocationManager.isMemberOfOperatorSet(operator, opSet));
        assertEq(allocationManager.getMembers(opSet)[0], operator);
        assertEq(allocationManager.getRegisteredSets(operator)[0].id, 1);
        assertEq(allocationManager.getRegisteredSets(operator)[0].avs, avs);
    }

    function test_registerForOperatorSets_callsTheConfiguredRegistrar() public {
        RecordingRegistrar registrar = new RecordingRegistrar(avs);
        vm.prank(avs);
        allocationManager.setAVSRegistrar(avs, registrar);
        assertEq(address(allocationManager.getAVSRegistrar(avs)), address(registrar));

        _register(operator, 1);
        assertEq(registrar.registerCalls(), 1);
        assertEq(avsContract.registerCalls(), 0);
    }

    function test_setAVSRegistrar_revertsWhenRegistrarDoesNotSupportAVS() public {
        RecordingRegistrar registrar = new RecordingRegistrar(makeAddr("someone else"));
        vm.prank(avs);
        vm.expectRevert(IAllocationManagerErrors.InvalidAVSRegistrar.selector);
        allocationManager.setAVSRegistrar(avs, registrar);
    }

    function test_registerForOperatorSets_revertsWhenRegistrarRefuses() public {
        avsContract.setRefuse(true);
        vm.prank(operator);
        vm.expectRevert(RecordingRegistrar.Refused.selector);
        allocationManager.registerForOperatorSets(operator, IAllocationManagerTypes.RegisterParams(avs, _ids(1), ""));
        assertFalse(allocationManager.isMemberOfOperatorSet(operator, opSet));
    }

    function test_registerForOperatorSets_revertsForNonOperator() public {
        address nobody = makeAddr("nobody");
        vm.prank(nobody);
        vm.expectRevert(IAllocationManagerErrors.InvalidOperator.selector);
        allocationManager.registerForOperatorSets(nobody, IAllocationManagerTypes.RegisterParams(avs, _ids(1), ""));
    }

    function test_registerForOperatorSets_revertsForOtherCaller() public {
        vm.expectRevert(PermissionControllerMixin.InvalidPermissions.selector);
        allocationManager.registerForOperatorSets(operator, IAllocationManagerTypes.RegisterParams(avs, _ids(1), ""));
    }

    function test_registerForOperatorSets_revertsForUnknownSet() public {
        vm.prank(operator);
        vm.expectRevert(IAllocationManagerErrors.InvalidOperatorSet.selector);
        allocationManager.registerForOperatorSets(operator, IAllocationManagerTypes.RegisterParams(avs, _ids(9), ""));
    }

    function test_registerForOperatorSets_revertsWhenAlreadyMember() public {
        _register(operator, 1);
        vm.prank(operator);
        vm.expectRevert(IAllocationManagerErrors.AlreadyMemberOfSet.selector);
        allocationManager.registerForOperatorSets(operator, IAllocationManagerTypes.RegisterParams(avs, _ids(1), ""));
    }

    /// @dev v1.12.0: an operator that left a set stays slashable by it for DEALLOCATION_DELAY blocks and cannot rejoin
    ///      until then (AlreadyMemberOfSet), so it cannot reset the window by leaving and rejoining.
    function test_registerForOperatorSets_revertsRejoiningWhileStillSlashable() public {
        _register(operator, 1);
        vm.prank(operator);
        allocationManager.deregisterFromOperatorSets(IAllocationManagerTypes.DeregisterParams(operator, avs, _ids(1)));
        vm.roll(block.number + EL_DEALLOCATION_DELAY);
        assertTrue(allocationManager.isOperatorSlashable(operator, opSet));
        vm.prank(operator);
        vm.expectRevert(IAllocationManagerErrors.AlreadyMemberOfSet.selector);
        allocationManager.registerForOperatorSets(operator, IAllocationManagerTypes.RegisterParams(avs, _ids(1), ""));
    }

    function test_registerForOperatorSets_rejoinsOnceNoLongerSlashable() public {
        _register(operator, 1);
        vm.prank(operator);
        allocationManager.deregisterFromOperatorSets(IAllocationManagerTypes.DeregisterParams(operator, avs, _ids(1)));
        vm.roll(block.number + EL_DEALLOCATION_DELAY + 1);
        assertFalse(allocationManager.isOperatorSlashable(operator, opSet));
        _register(operator, 1);
        assertTrue(allocationManager.isMemberOfOperatorSet(operator, opSet));
        assertTrue(allocationManager.isOperatorSlashable(operator, opSet));
        assertEq(avsContract.registerCalls(), 2);
    }

    function test_deregisterFromOperatorSets_byAVSCallsRegistrar() public {
        _register(operator, 1);
        vm.expectEmit(address(allocationManager));
        emit IAllocationManagerEvents.OperatorRemovedFromOperatorSet(operator, opSet);
        vm.prank(avs);
        allocationManager.deregisterFromOperatorSets(IAllocationManagerTypes.DeregisterParams(operator, avs, _ids(1)));
        assertEq(avsContract.deregisterCalls(), 1);
        assertFalse(allocationManager.isMemberOfOperatorSet(operator, opSet));
        assertEq(allocationManager.getMemberCount(opSet), 0);
    }

    function test_deregisterFromOperatorSets_revertsForStranger() public {
        _register(operator, 1);
        vm.prank(makeAddr("stranger"));
        vm.expectRevert(IAllocationManagerErrors.InvalidCaller.selector);
        allocationManager.deregisterFromOperatorSets(IAllocationManagerTypes.DeregisterParams(operator, avs, _ids(1)));
    }

    function test_deregisterFromOperatorSets_keepsOperatorSlashableForDeallocationDelay() public {
        _register(operator, 1);
        vm.prank(operator);
        allocationManager.deregisterFromOperatorSets(IAllocationManagerTypes.DeregisterParams(operator, avs, _ids(1)));
        vm.roll(block.number + EL_DEALLOCATION_DELAY);
        assertTrue(allocationManager.isOperatorSlashable(operator, opSet));
        vm.roll(block.number + 1);
        assertFalse(allocationManager.isOperatorSlashable(operator, opSet));
    }

    // ---------------------------------------------------------------- allocations

    function test_modifyAllocations_allocatesStakeAtOnceWithZeroDelay() public {
        _allocate(operator, opSet, 0.5e18);
        assertEq(_allocatedStake(), 50 ether);
        assertEq(allocationManager.getEncumberedMagnitude(operator, strategy), 0.5e18);
        assertEq(allocationManager.getAllocatableMagnitude(operator, strategy), 0.5e18);
    }

    function test_modifyAllocations_waitsForAllocationDelay() public {
        address slow = makeAddr("slow operator");
        _depositStake(slow, 10 ether);
        vm.prank(slow);
        delegationManager.registerAsOperator(address(0), 5, "");
        _allocate(slow, opSet, WAD);
        address[] memory ops = new address[](1);
        ops[0] = slow;
        assertEq(allocationManager.getAllocatedStake(opSet, ops, _strategies())[0][0], 0);
        vm.roll(block.number + 5);
        assertEq(allocationManager.getAllocatedStake(opSet, ops, _strategies())[0][0], 10 ether);
    }

    function test_modifyAllocations_revertsAboveMaxMagnitude() public {
        OperatorSet memory second = OperatorSet(avs, 2);
        IAllocationManagerTypes.CreateSetParamsV2[] memory params = new IAllocationManagerTypes.CreateSetParamsV2[](1);
        params[0] = IAllocationManagerTypes.CreateSetParamsV2(2, _strategies(), avs);
        vm.prank(avs);
        allocationManager.createOperatorSets(avs, params);
        _allocate(operator, opSet, 0.7e18);
        vm.expectRevert(IAllocationManagerErrors.InsufficientMagnitude.selector);
        this.allocateExternal(operator, second, 0.4e18);
    }

    /// @dev Lets expectRevert target the modifyAllocations call inside `_allocate`.
    function allocateExternal(address who, OperatorSet memory set, uint64 magnitude) external {
        _allocate(who, set, magnitude);
    }

    function test_modifyAllocations_revertsForSameMagnitude() public {
        _allocate(operator, opSet, 0.5e18);
        vm.expectRevert(IAllocationManagerErrors.SameMagnitude.selector);
        this.allocateExternal(operator, opSet, 0.5e18);
    }

    function test_modifyAllocations_revertsForOtherCaller() public {
        IAllocationManagerTypes.AllocateParams[] memory params = new IAllocationManagerTypes.AllocateParams[](0);
        vm.expectRevert(PermissionControllerMixin.InvalidPermissions.selector);
        allocationManager.modifyAllocations(operator, params);
    }

    function test_modifyAllocations_deallocationIsDelayedWhileSlashable() public {
        _register(operator, 1);
        _allocate(operator, opSet, 0.8e18);
        _allocate(operator, opSet, 0.2e18);

        assertEq(_allocatedStake(), 80 ether, "still slashable during the delay");
        uint32 effect = uint32(block.number) + EL_DEALLOCATION_DELAY + 1;
        assertEq(
            allocationManager.getMinimumSlashableStake(opSet, _operators(), _strategies(), effect - 1)[0][0], 80 ether
        );
        assertEq(allocationManager.getMinimumSlashableStake(opSet, _operators(), _strategies(), effect)[0][0], 20 ether);
        vm.expectRevert(IAllocationManagerErrors.ModificationAlreadyPending.selector);
        this.allocateExternal(operator, opSet, 0.1e18);

        vm.roll(effect);
        assertEq(_allocatedStake(), 20 ether);
        assertEq(allocationManager.getEncumberedMagnitude(operator, strategy), 0.2e18);
        _allocate(operator, opSet, 0.1e18); // no longer pending
    }

    function test_modifyAllocations_deallocationIsImmediateWhenNotSlashable() public {
        _allocate(operator, opSet, 0.8e18); // not registered: the set cannot slash
        _allocate(operator, opSet, 0);
        assertEq(_allocatedStake(), 0);
        assertEq(allocationManager.getEncumberedMagnitude(operator, strategy), 0);
    }

    function test_getMinimumSlashableStake_isZeroForUnregisteredOperator() public {
        _allocate(operator, opSet, 0.8e18);
        assertEq(allocationManager.getMinimumSlashableStake(opSet, _operators(), _strategies(), 0)[0][0], 0);
        assertEq(_allocatedStake(), 80 ether);
    }

    function test_setAllocationDelay_takesEffectAfterConfigurationDelay() public {
        vm.prank(operator);
        allocationManager.setAllocationDelay(operator, 9);
        (, uint32 delay) = allocationManager.getAllocationDelay(operator);
        assertEq(delay, 0);
        vm.roll(block.number + EL_ALLOCATION_CONFIGURATION_DELAY);
        (, delay) = allocationManager.getAllocationDelay(operator);
        assertEq(delay, 9);
    }

    // ---------------------------------------------------------------- slashing

    function test_slashOperator_revertsForNonSlasher() public {
        _register(operator, 1);
        _allocate(operator, opSet, 0.5e18);
        IAllocationManagerTypes.SlashingParams memory p = _slashParams(0.5e18);
        vm.prank(makeAddr("not the slasher"));
        vm.expectRevert(IAllocationManagerErrors.InvalidSlasher.selector);
        allocationManager.slashOperator(avs, p);
    }

    function test_slashOperator_bySeparateSlasher() public {
        address slasher = makeAddr("slasher");
        OperatorSet memory set2 = OperatorSet(avs, 2);
        IAllocationManagerTypes.CreateSetParamsV2[] memory params = new IAllocationManagerTypes.CreateSetParamsV2[](1);
        params[0] = IAllocationManagerTypes.CreateSetParamsV2(2, _strategies(), slasher);
        vm.prank(avs);
        allocationManager.createOperatorSets(avs, params);
        _register(operator, 2);
        _allocate(operator, set2, WAD);

        IAllocationManagerTypes.SlashingParams memory p = _slashParams(0.1e18);
        p.operatorSetId = 2;
        vm.prank(avs);
        vm.expectRevert(IAllocationManagerErrors.InvalidSlasher.selector);
        allocationManager.slashOperator(avs, p);
        vm.prank(slasher);
        allocationManager.slashOperator(avs, p);
        assertEq(delegationManager.operatorShares(operator, strategy), 90 ether);
    }

    function test_slashOperator_reducesOperatorSharesProportionally() public {
        _register(operator, 1);
        _allocate(operator, opSet, 0.5e18);

        (uint256 slashId, uint256[] memory shares) = _slash(0.5e18);

        // Half of a half allocation: a quarter of all the operator's stake.
        assertEq(slashId, 1);
        assertEq(shares[0], 25 ether);
        assertEq(delegationManager.getOperatorShares(operator, _strategies())[0], 75 ether);
        assertEq(allocationManager.getMaxMagnitude(operator, strategy), 0.75e18);
        assertEq(allocationManager.getAllocation(operator, opSet, strategy).currentMagnitude, 0.25e18);
        assertEq(_allocatedStake(), 25 ether);
        assertEq(strategyManager.getBurnableShares(strategy), 25 ether);
    }

    function test_slashOperator_emitsOperatorSlashed() public {
        _register(operator, 1);
        _allocate(operator, opSet, 0.5e18);
        uint256[] memory wadSlashed = new uint256[](1);
        wadSlashed[0] = 0.25e18;
        vm.expectEmit(address(allocationManager));
        emit IAllocationManagerEvents.OperatorSlashed(operator, opSet, _strategies(), wadSlashed, "wrong attestation");
        _slash(0.5e18);
    }

    function test_slashOperator_reducesDelegatorsWithdrawableShares() public {
        address staker = makeAddr("staker");
        _depositStake(staker, 300 ether);
        _delegate(staker, operator);
        _register(operator, 1);
        _allocate(operator, opSet, WAD);

        _slash(0.1e18);

        IStrategy[] memory list = _strategies();
        (uint256[] memory withdrawable, uint256[] memory deposits) =
            delegationManager.getWithdrawableShares(staker, list);
        assertEq(withdrawable[0], 270 ether);
        assertEq(deposits[0], 300 ether, "deposit shares are not touched");
        assertEq(delegationManager.operatorShares(operator, strategy), 360 ether);
    }

    function test_slashOperator_depositAfterSlashIsNotReduced() public {
        _register(operator, 1);
        _allocate(operator, opSet, WAD);
        _slash(0.5e18);
        address staker = makeAddr("late staker");
        _delegate(staker, operator);
        _depositStake(staker, 10 ether);
        IStrategy[] memory list = _strategies();
        (uint256[] memory withdrawable,) = delegationManager.getWithdrawableShares(staker, list);
        assertApproxEqAbs(withdrawable[0], 10 ether, 1);
    }

    function test_slashOperator_appliesToQueuedWithdrawals() public {
        address staker = makeAddr("staker");
        _depositStake(staker, 100 ether);
        _delegate(staker, operator);
        _register(operator, 1);
        _allocate(operator, opSet, WAD);
        vm.prank(staker);
        delegationManager.undelegate(staker);
        (IDelegationManagerTypes.Withdrawal[] memory withdrawals,) = delegationManager.getQueuedWithdrawals(staker);

        vm.roll(block.number + EL_MIN_WITHDRAWAL_DELAY_BLOCKS); // last slashable block
        _slash(0.5e18);

        vm.roll(block.number + 1);
        IERC20[] memory tokens = new IERC20[](1);
        tokens[0] = IERC20(address(stakeToken));
        vm.prank(staker);
        delegationManager.completeQueuedWithdrawal(withdrawals[0], tokens, true);
        assertEq(stakeToken.balanceOf(staker), 50 ether);
        assertEq(strategyManager.getBurnableShares(strategy), 100 ether, "50 from the operator, 50 from the queue");
    }

    function test_slashOperator_afterWithdrawalDelayDoesNotTouchQueuedWithdrawal() public {
        address staker = makeAddr("staker");
        _depositStake(staker, 100 ether);
        _delegate(staker, operator);
        _register(operator, 1);
        _allocate(operator, opSet, WAD);
        vm.prank(staker);
        delegationManager.undelegate(staker);
        (IDelegationManagerTypes.Withdrawal[] memory withdrawals,) = delegationManager.getQueuedWithdrawals(staker);

        vm.roll(block.number + EL_MIN_WITHDRAWAL_DELAY_BLOCKS + 1);
        _slash(0.5e18);
        IERC20[] memory tokens = new IERC20[](1);
        tokens[0] = IERC20(address(stakeToken));
        vm.prank(staker);
        delegationManager.completeQueuedWithdrawal(withdrawals[0], tokens, true);
        assertEq(stakeToken.balanceOf(staker), 100 ether);
    }

    function test_burnShares_sendsSlashedTokensToBurnAddress() public {
        _register(operator, 1);
        _allocate(operator, opSet, 0.5e18);
        _slash(0.5e18);
        strategyManager.burnShares(strategy);
        assertEq(stakeToken.balanceOf(strategyManager.DEFAULT_BURN_ADDRESS()), 25 ether);
        assertEq(strategyManager.getBurnableShares(strategy), 0);
        assertEq(strategy.totalShares(), 75 ether);
    }

    function test_slashOperator_shrinksPendingDeallocation() public {
        _register(operator, 1);
        _allocate(operator, opSet, 0.8e18);
        _allocate(operator, opSet, 0.4e18); // pending: -0.4
        _slash(0.5e18);
        IAllocationManagerTypes.Allocation memory a = allocationManager.getAllocation(operator, opSet, strategy);
        assertEq(a.currentMagnitude, 0.4e18);
        assertEq(a.pendingDiff, -0.2e18);
        vm.roll(a.effectBlock);
        assertEq(allocationManager.getAllocation(operator, opSet, strategy).currentMagnitude, 0.2e18);
        assertEq(allocationManager.getEncumberedMagnitude(operator, strategy), 0.2e18);
        assertEq(allocationManager.getMaxMagnitude(operator, strategy), 0.6e18);
    }

    function test_slashOperator_withoutAllocationSlashesNothing() public {
        _register(operator, 1);
        (, uint256[] memory shares) = _slash(0.5e18);
        assertEq(shares[0], 0);
        assertEq(delegationManager.operatorShares(operator, strategy), 100 ether);
    }

    function test_slashOperator_revertsForZeroWad() public {
        _register(operator, 1);
        IAllocationManagerTypes.SlashingParams memory p = _slashParams(0);
        vm.prank(avs);
        vm.expectRevert(IAllocationManagerErrors.InvalidWadToSlash.selector);
        allocationManager.slashOperator(avs, p);
    }

    function test_slashOperator_revertsForWadAboveOne() public {
        _register(operator, 1);
        IAllocationManagerTypes.SlashingParams memory p = _slashParams(1e18 + 1);
        vm.prank(avs);
        vm.expectRevert(IAllocationManagerErrors.InvalidWadToSlash.selector);
        allocationManager.slashOperator(avs, p);
    }

    function test_slashOperator_revertsForUnsortedStrategies() public {
        StrategyBase second = _secondStrategy();
        _register(operator, 1);
        IAllocationManagerTypes.SlashingParams memory p = _slashParams(0.5e18);
        IStrategy[] memory list = new IStrategy[](2);
        (list[0], list[1]) = address(strategy) < address(second)
            ? (IStrategy(address(second)), IStrategy(address(strategy)))
            : (IStrategy(address(strategy)), IStrategy(address(second)));
        uint256[] memory wads = new uint256[](2);
        wads[0] = 0.5e18;
        wads[1] = 0.5e18;
        p.strategies = list;
        p.wadsToSlash = wads;
        vm.prank(avs);
        vm.expectRevert(IAllocationManagerErrors.StrategiesMustBeInAscendingOrder.selector);
        allocationManager.slashOperator(avs, p);
    }

    function test_slashOperator_revertsForStrategyOutsideSet() public {
        DevnetToken token2 = new DevnetToken("Second", "SEC", 18);
        StrategyBase outside = new StrategyBase(strategyManager, IERC20(address(token2)));
        _register(operator, 1);
        IAllocationManagerTypes.SlashingParams memory p = _slashParams(0.5e18);
        p.strategies[0] = outside;
        vm.prank(avs);
        vm.expectRevert(IAllocationManagerErrors.StrategyNotInOperatorSet.selector);
        allocationManager.slashOperator(avs, p);
    }

    function test_slashOperator_revertsForLengthMismatch() public {
        _register(operator, 1);
        IAllocationManagerTypes.SlashingParams memory p = _slashParams(0.5e18);
        p.wadsToSlash = new uint256[](2);
        vm.prank(avs);
        vm.expectRevert(IAllocationManagerErrors.InputArrayLengthMismatch.selector);
        allocationManager.slashOperator(avs, p);
    }

    function test_slashOperator_revertsWhenOperatorNotSlashable() public {
        _allocate(operator, opSet, 0.5e18); // allocated but never registered
        IAllocationManagerTypes.SlashingParams memory p = _slashParams(0.5e18);
        vm.prank(avs);
        vm.expectRevert(IAllocationManagerErrors.OperatorNotSlashable.selector);
        allocationManager.slashOperator(avs, p);
    }

    function test_slashOperator_worksWithinDelayAfterDeregistration() public {
        _register(operator, 1);
        _allocate(operator, opSet, WAD);
        vm.prank(operator);
        allocationManager.deregisterFromOperatorSets(IAllocationManagerTypes.DeregisterParams(operator, avs, _ids(1)));
        vm.roll(block.number + EL_DEALLOCATION_DELAY);
        _slash(0.1e18);
        assertEq(delegationManager.operatorShares(operator, strategy), 90 ether);
    }

    function test_slashOperator_fullSlashBlocksNewDelegatedDeposits() public {
        _register(operator, 1);
        _allocate(operator, opSet, WAD);
        _slash(WAD);
        assertEq(delegationManager.operatorShares(operator, strategy), 0);
        assertEq(allocationManager.getMaxMagnitude(operator, strategy), 0);
        stakeToken.mint(operator, 1 ether);
        vm.startPrank(operator);
        stakeToken.approve(address(strategyManager), 1 ether);
        vm.expectRevert(); // DelegationManager.FullySlashed
        strategyManager.depositIntoStrategy(strategy, IERC20(address(stakeToken)), 1 ether);
        vm.stopPrank();
    }

    function test_slashOperator_incrementsSlashId() public {
        _register(operator, 1);
        _allocate(operator, opSet, WAD);
        (uint256 first,) = _slash(0.1e18);
        (uint256 second,) = _slash(0.1e18);
        assertEq(first, 1);
        assertEq(second, 2);
    }

    // ---------------------------------------------------------------- fuzz

    /// @dev Slashing never increases the operator's shares, allocation or max magnitude, and takes the expected share.
    function testFuzz_slashOperator_neverIncreasesShares(uint64 allocation, uint256 wad) public {
        allocation = uint64(bound(allocation, 1, WAD));
        wad = bound(wad, 1, WAD);
        _register(operator, 1);
        _allocate(operator, opSet, allocation);
        uint256 sharesBefore = delegationManager.operatorShares(operator, strategy);
        uint256 stakeBefore = _allocatedStake();

        _slash(wad);

        uint256 sharesAfter = delegationManager.operatorShares(operator, strategy);
        assertLe(sharesAfter, sharesBefore);
        assertLe(_allocatedStake(), stakeBefore);
        assertLe(allocationManager.getMaxMagnitude(operator, strategy), WAD);
        assertLe(allocationManager.getAllocation(operator, opSet, strategy).currentMagnitude, allocation);
        // Expected loss: allocation × wad of the stake, up to rounding of one magnitude unit.
        uint256 expectedLoss = uint256(sharesBefore) * allocation / WAD * wad / WAD;
        assertApproxEqAbs(sharesBefore - sharesAfter, expectedLoss, 100 ether / 1e18 * 2 + 2);
    }

    /// @dev After slashes and burns, every staker can still withdraw, and nobody gets more than deposited.
    function testFuzz_slashThenAllWithdraw_staysSolvent(uint96 a, uint96 b, uint256 wad1, uint256 wad2) public {
        uint256 amountA = bound(a, 1e6, 1e27);
        uint256 amountB = bound(b, 1e6, 1e27);
        wad1 = bound(wad1, 1, WAD);
        wad2 = bound(wad2, 1, WAD);
        address stakerA = makeAddr("A");
        address stakerB = makeAddr("B");
        _depositStake(stakerA, amountA);
        _delegate(stakerA, operator);
        _register(operator, 1);
        _allocate(operator, opSet, WAD / 2);

        _slash(wad1);
        _delegate(stakerB, operator);
        _depositStake(stakerB, amountB);
        vm.roll(block.number + 1);
        _slash(wad2);
        strategyManager.burnShares(strategy);

        address[3] memory who = [stakerA, stakerB, operator];
        uint256[3] memory deposited = [amountA, amountB, uint256(100 ether)];
        IERC20[] memory tokens = new IERC20[](1);
        tokens[0] = IERC20(address(stakeToken));
        for (uint256 i = 0; i < 3; ++i) {
            uint256 shares = strategyManager.stakerDepositShares(who[i], strategy);
            IDelegationManagerTypes.QueuedWithdrawalParams[] memory params =
                new IDelegationManagerTypes.QueuedWithdrawalParams[](1);
            uint256[] memory amounts = new uint256[](1);
            amounts[0] = shares;
            params[0] = IDelegationManagerTypes.QueuedWithdrawalParams(_strategies(), amounts, address(0));
            vm.prank(who[i]);
            delegationManager.queueWithdrawals(params);
        }
        vm.roll(block.number + EL_MIN_WITHDRAWAL_DELAY_BLOCKS + 1);
        for (uint256 i = 0; i < 3; ++i) {
            (IDelegationManagerTypes.Withdrawal[] memory ws,) = delegationManager.getQueuedWithdrawals(who[i]);
            vm.prank(who[i]);
            delegationManager.completeQueuedWithdrawal(ws[0], tokens, true);
            assertLe(stakeToken.balanceOf(who[i]), deposited[i], "nobody gains");
        }
        // Scaling factors are wads, so each staker's withdrawable shares may round down by about
        // depositShares / 1e18; that dust stays counted in the operator's shares (never paid out twice).
        uint256 dust = (amountA + amountB + 100 ether) / 1e18 + 10;
        assertLe(delegationManager.operatorShares(operator, strategy), dust, "only rounding dust left delegated");
    }

    // ---------------------------------------------------------------- pausing (v1.12.0's Pausable)

    uint8 internal constant PAUSED_MODIFY_ALLOCATIONS = 0;
    uint8 internal constant PAUSED_OPERATOR_SLASHING = 1;
    uint8 internal constant PAUSED_OPERATOR_SET_REGISTRATION_AND_DEREGISTRATION = 2;

    function _pauseBit(uint8 index) internal {
        uint256 status = allocationManager.paused() | (uint256(1) << index);
        vm.prank(elOwner);
        allocationManager.pause(status);
    }

    function _unpauseBit(uint8 index) internal {
        uint256 status = allocationManager.paused() & ~(uint256(1) << index);
        vm.prank(elOwner);
        allocationManager.unpause(status);
    }

    function test_pausable_keepsV1_12_0Selectors() public pure {
        assertEq(IPausable.pause.selector, bytes4(0x136439dd));
        assertEq(IPausable.unpause.selector, bytes4(0xfabc1cbc));
        assertEq(IPausable.pauseAll.selector, bytes4(0x595c6a67));
        assertEq(bytes4(keccak256("paused()")), bytes4(0x5c975abb));
        assertEq(bytes4(keccak256("paused(uint8)")), bytes4(0x5ac86ab7));
        assertEq(IPausable.CurrentlyPaused.selector, bytes4(0x840a48d5));
        assertEq(IPausable.OnlyPauser.selector, bytes4(0x75df51dc));
        assertEq(IPausable.OnlyUnpauser.selector, bytes4(0x794821ff));
        assertEq(IPausable.InvalidNewPausedStatus.selector, bytes4(0xc61dca5d));
    }

    function test_constructor_setsPauserAndStartsUnpaused() public view {
        assertEq(allocationManager.pauser(), elOwner);
        assertEq(allocationManager.paused(), 0);
        assertFalse(allocationManager.paused(PAUSED_OPERATOR_SLASHING));
    }

    function test_constructor_revertsOnZeroPauser() public {
        vm.expectRevert(IPausable.InputAddressZero.selector);
        new AllocationManager(
            delegationManager,
            permissionController,
            EL_DEALLOCATION_DELAY,
            EL_ALLOCATION_CONFIGURATION_DELAY,
            address(0)
        );
    }

    function test_slashOperator_revertsWhilePausedAndWorksOnceUnpaused() public {
        _register(operator, 1);
        _allocate(operator, opSet, WAD);
        _pauseBit(PAUSED_OPERATOR_SLASHING);
        assertTrue(allocationManager.paused(PAUSED_OPERATOR_SLASHING));
        IAllocationManagerTypes.SlashingParams memory p = _slashParams(0.1e18);
        vm.prank(avs);
        vm.expectRevert(IPausable.CurrentlyPaused.selector);
        allocationManager.slashOperator(avs, p);
        assertEq(delegationManager.operatorShares(operator, strategy), 100 ether);

        _unpauseBit(PAUSED_OPERATOR_SLASHING);
        _slash(0.1e18);
        assertEq(delegationManager.operatorShares(operator, strategy), 90 ether);
    }

    function test_slashOperator_otherPauseBitsDoNotStopSlashing() public {
        _register(operator, 1);
        _allocate(operator, opSet, WAD);
        _pauseBit(PAUSED_MODIFY_ALLOCATIONS);
        _pauseBit(PAUSED_OPERATOR_SET_REGISTRATION_AND_DEREGISTRATION);
        _slash(0.1e18);
        assertEq(delegationManager.operatorShares(operator, strategy), 90 ether);
    }

    function test_pauseAll_stopsSlashing() public {
        _register(operator, 1);
        _allocate(operator, opSet, WAD);
        vm.prank(elOwner);
        allocationManager.pauseAll();
        assertEq(allocationManager.paused(), type(uint256).max);
        IAllocationManagerTypes.SlashingParams memory p = _slashParams(0.1e18);
        vm.prank(avs);
        vm.expectRevert(IPausable.CurrentlyPaused.selector);
        allocationManager.slashOperator(avs, p);
    }

    function test_modifyAllocations_revertsWhilePaused() public {
        _pauseBit(PAUSED_MODIFY_ALLOCATIONS);
        IAllocationManagerTypes.AllocateParams[] memory params = new IAllocationManagerTypes.AllocateParams[](1);
        uint64[] memory magnitudes = new uint64[](1);
        magnitudes[0] = 0.5e18;
        params[0] = IAllocationManagerTypes.AllocateParams(opSet, _strategies(), magnitudes);
        vm.prank(operator);
        vm.expectRevert(IPausable.CurrentlyPaused.selector);
        allocationManager.modifyAllocations(operator, params);
    }

    function test_registerForOperatorSets_revertsWhilePaused() public {
        _pauseBit(PAUSED_OPERATOR_SET_REGISTRATION_AND_DEREGISTRATION);
        vm.prank(operator);
        vm.expectRevert(IPausable.CurrentlyPaused.selector);
        allocationManager.registerForOperatorSets(operator, IAllocationManagerTypes.RegisterParams(avs, _ids(1), ""));
    }

    function test_pause_emitsPausedAndRevertsForOthers() public {
        vm.expectEmit(address(allocationManager));
        emit IPausable.Paused(elOwner, 2);
        vm.prank(elOwner);
        allocationManager.pause(2);
        vm.prank(makeAddr("stranger"));
        vm.expectRevert(IPausable.OnlyPauser.selector);
        allocationManager.pause(3);
        vm.prank(makeAddr("stranger"));
        vm.expectRevert(IPausable.OnlyPauser.selector);
        allocationManager.pauseAll();
    }

    function test_unpause_emitsUnpausedAndRevertsForOthers() public {
        vm.prank(elOwner);
        allocationManager.pause(2);
        vm.prank(makeAddr("stranger"));
        vm.expectRevert(IPausable.OnlyUnpauser.selector);
        allocationManager.unpause(0);
        vm.expectEmit(address(allocationManager));
        emit IPausable.Unpaused(elOwner, 0);
        vm.prank(elOwner);
        allocationManager.unpause(0);
        assertEq(allocationManager.paused(), 0);
    }

    function test_pause_cannotClearBits() public {
        vm.prank(elOwner);
        allocationManager.pause(6);
        vm.prank(elOwner);
        vm.expectRevert(IPausable.InvalidNewPausedStatus.selector);
        allocationManager.pause(2);
    }

    function test_unpause_cannotSetBits() public {
        vm.prank(elOwner);
        allocationManager.pause(2);
        vm.prank(elOwner);
        vm.expectRevert(IPausable.InvalidNewPausedStatus.selector);
        allocationManager.unpause(3);
    }

    /// @dev Any pause status: slashing is refused exactly when bit 1 is set.
    function testFuzz_slashOperator_refusedExactlyWhenSlashingBitSet(uint256 status) public {
        _register(operator, 1);
        _allocate(operator, opSet, WAD);
        vm.prank(elOwner);
        allocationManager.pause(status);
        IAllocationManagerTypes.SlashingParams memory p = _slashParams(0.1e18);
        vm.prank(avs);
        if (status & 2 != 0) vm.expectRevert(IPausable.CurrentlyPaused.selector);
        allocationManager.slashOperator(avs, p);
    }
}
