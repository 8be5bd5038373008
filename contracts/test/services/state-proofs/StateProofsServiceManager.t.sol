// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {RegistryFixture} from "../../core/registry/RegistryFixture.sol";
import {ServiceManagerBase} from "../../../src/core/avs/ServiceManagerBase.sol";
import {StateProofsServiceManager} from "../../../src/services/state-proofs/StateProofsServiceManager.sol";
import {IAVSDirectory, IAVSDirectoryTypes} from "../../../src/eigenlayer/IAVSDirectory.sol";
import {
    IAllocationManager,
    IAllocationManagerTypes,
    IAllocationManagerErrors,
    OperatorSet
} from "../../../src/eigenlayer/IAllocationManager.sol";
import {IAVSRegistrar} from "../../../src/eigenlayer/IAVSRegistrar.sol";
import {IStrategy} from "../../../src/eigenlayer/IStrategy.sol";
import {StrategyBase} from "../../../devnet/eigenlayer/StrategyBase.sol";
import {DevnetToken} from "../../../devnet/eigenlayer/DevnetToken.sol";
import {
    IRewardsCoordinator,
    IRewardsCoordinatorTypes,
    IRewardsCoordinatorErrors
} from "../../../src/eigenlayer/IRewardsCoordinator.sol";
import {ISignatureUtilsMixinTypes} from "../../../src/eigenlayer/ISignatureUtilsMixin.sol";

/// @notice ServiceManagerBase through StateProofsServiceManager, against the devnet EigenLayer core.
contract StateProofsServiceManagerTest is RegistryFixture {
    address internal initiator = makeAddr("rewards initiator");

    event StakeRegistrySet(address indexed stakeRegistry);
    event RewardsInitiatorUpdated(address previous, address current);
    event AVSMetadataURIUpdated(address indexed avs, string metadataURI);
    event OperatorJoinedOperatorSets(address indexed operator, uint32[] operatorSetIds);
    event OperatorLeftOperatorSets(address indexed operator, uint32[] operatorSetIds);
    event RewardSubmitted(
        IERC20 indexed token, uint256 totalAmount, uint256 operatorCount, uint32 startTimestamp, uint32 duration
    );

    function _withInitiator() internal {
        vm.prank(avsOwner);
        serviceManager.setRewardsInitiator(initiator);
    }

    function _fund(uint256 amount) internal {
        stakeToken.mint(initiator, amount);
        vm.prank(initiator);
        stakeToken.approve(address(serviceManager), amount);
    }

    function _strategiesAndMultipliers() internal view returns (IRewardsCoordinatorTypes.StrategyAndMultiplier[] memory s) {
        s = new IRewardsCoordinatorTypes.StrategyAndMultiplier[](1);
        s[0] = IRewardsCoordinatorTypes.StrategyAndMultiplier({strategy: strategy, multiplier: 1e18});
    }

    // ---- construction and roles ----

    function test_constructor_setsDependencies() public view {
        assertEq(address(serviceManager.avsDirectory()), address(avsDirectory));
        assertEq(address(serviceManager.rewardsCoordinator()), address(rewardsCoordinator));
        assertEq(address(serviceManager.allocationManager()), address(allocationManager));
        assertEq(serviceManager.owner(), avsOwner);
        assertEq(serviceManager.stakeRegistry(), address(registry));
        assertEq(serviceManager.rewardsInitiator(), address(0));
    }

    function test_constructor_revertsOnZeroDependency() public {
        vm.expectRevert(ServiceManagerBase.ZeroAddress.selector);
        new StateProofsServiceManager(
            IAVSDirectory(address(0)),
            IRewardsCoordinator(address(rewardsCoordinator)),
            IAllocationManager(address(allocationManager)),
            avsOwner
        );
    }

    function test_setStakeRegistry_setsOnceAndEmits() public {
        StateProofsServiceManager sm = new StateProofsServiceManager(
            IAVSDirectory(address(avsDirectory)),
            IRewardsCoordinator(address(rewardsCoordinator)),
            IAllocationManager(address(allocationManager)),
            avsOwner
        );
        vm.expectEmit(address(sm));
        emit StakeRegistrySet(address(registry));
        vm.prank(avsOwner);
        sm.setStakeRegistry(address(registry));
        assertEq(sm.stakeRegistry(), address(registry));
        vm.prank(avsOwner);
        vm.expectRevert(abi.encodeWithSelector(ServiceManagerBase.StakeRegistryAlreadySet.selector, address(registry)));
        sm.setStakeRegistry(address(1));
    }

    function test_setStakeRegistry_revertsOnZero() public {
        StateProofsServiceManager sm = new StateProofsServiceManager(
            IAVSDirectory(address(avsDirectory)),
            IRewardsCoordinator(address(rewardsCoordinator)),
            IAllocationManager(address(allocationManager)),
            avsOwner
        );
        vm.prank(avsOwner);
        vm.expectRevert(ServiceManagerBase.ZeroAddress.selector);
        sm.setStakeRegistry(address(0));
    }

    function test_setStakeRegistry_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        serviceManager.setStakeRegistry(address(1));
    }

    function test_registerOperator_revertsForOthers() public {
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory sig;
        vm.expectRevert(abi.encodeWithSelector(ServiceManagerBase.OnlyStakeRegistry.selector, address(this)));
        serviceManager.registerOperator(address(1), sig);
    }

    function test_deregisterOperator_revertsForOthers() public {
        vm.expectRevert(abi.encodeWithSelector(ServiceManagerBase.OnlyStakeRegistry.selector, address(this)));
        serviceManager.deregisterOperator(address(1));
    }

    function test_registerOperator_forwardsToAVSDirectory() public {
        Op memory op = _newOperator(1, STAKE);
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory sig =
            _signAVSRegistration(op.pk, address(serviceManager), bytes32("s"), block.timestamp + 60);
        vm.prank(address(registry));
        serviceManager.registerOperator(op.addr, sig);
        assertEq(
            uint8(avsDirectory.avsOperatorStatus(address(serviceManager), op.addr)),
            uint8(IAVSDirectoryTypes.OperatorAVSRegistrationStatus.REGISTERED)
        );
        vm.prank(address(registry));
        serviceManager.deregisterOperator(op.addr);
        assertEq(
            uint8(avsDirectory.avsOperatorStatus(address(serviceManager), op.addr)),
            uint8(IAVSDirectoryTypes.OperatorAVSRegistrationStatus.UNREGISTERED)
        );
    }

    function test_updateAVSMetadataURI_emitsThroughAVSDirectory() public {
        vm.expectEmit(address(avsDirectory));
        emit AVSMetadataURIUpdated(address(serviceManager), "ipfs://state-proofs");
        vm.prank(avsOwner);
        serviceManager.updateAVSMetadataURI("ipfs://state-proofs");
    }

    function test_updateAVSMetadataURI_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        serviceManager.updateAVSMetadataURI("x");
    }

    function test_setRewardsInitiator_setsAndEmits() public {
        vm.expectEmit(address(serviceManager));
        emit RewardsInitiatorUpdated(address(0), initiator);
        _withInitiator();
        assertEq(serviceManager.rewardsInitiator(), initiator);
    }

    function test_setRewardsInitiator_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        serviceManager.setRewardsInitiator(initiator);
    }

    // ---- rewards ----

    function test_createAVSRewardsSubmission_pullsAndForwards() public {
        _withInitiator();
        _fund(300 ether);
        IRewardsCoordinatorTypes.RewardsSubmission[] memory subs = new IRewardsCoordinatorTypes.RewardsSubmission[](2);
        uint32 start = uint32(block.timestamp / 1 days * 1 days);
        for (uint256 i; i < 2; ++i) {
            subs[i] = IRewardsCoordinatorTypes.RewardsSubmission({
                strategiesAndMultipliers: _strategiesAndMultipliers(),
                token: IERC20(address(stakeToken)),
                amount: (i + 1) * 100 ether,
                startTimestamp: start,
                duration: 1 days
            });
        }
        vm.prank(initiator);
        serviceManager.createAVSRewardsSubmission(subs);
        assertEq(stakeToken.balanceOf(address(rewardsCoordinator)), 300 ether);
        assertEq(stakeToken.balanceOf(address(serviceManager)), 0);
        assertEq(stakeToken.balanceOf(initiator), 0);
        assertEq(stakeToken.allowance(address(serviceManager), address(rewardsCoordinator)), 0);
        assertEq(rewardsCoordinator.submissionNonce(address(serviceManager)), 2);
    }

    function test_createAVSRewardsSubmission_revertsForOthers() public {
        _withInitiator();
        vm.expectRevert(abi.encodeWithSelector(ServiceManagerBase.OnlyRewardsInitiator.selector, address(this)));
        serviceManager.createAVSRewardsSubmission(new IRewardsCoordinatorTypes.RewardsSubmission[](0));
    }

    function test_createAVSRewardsSubmission_revertsWithoutInitiator() public {
        vm.expectRevert(abi.encodeWithSelector(ServiceManagerBase.OnlyRewardsInitiator.selector, avsOwner));
        vm.prank(avsOwner);
        serviceManager.createAVSRewardsSubmission(new IRewardsCoordinatorTypes.RewardsSubmission[](0));
    }

    function test_createOperatorDirectedAVSRewardsSubmission_pullsSumAndForwards() public {
        Op[] memory ops = _sorted(_registerOperators(2));
        _withInitiator();
        _fund(30 ether);
        IRewardsCoordinatorTypes.OperatorReward[] memory rewards = new IRewardsCoordinatorTypes.OperatorReward[](2);
        rewards[0] = IRewardsCoordinatorTypes.OperatorReward({operator: ops[0].addr, amount: 10 ether});
        rewards[1] = IRewardsCoordinatorTypes.OperatorReward({operator: ops[1].addr, amount: 20 ether});
        IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission[] memory subs =
            new IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission[](1);
        subs[0] = IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission({
            strategiesAndMultipliers: _strategiesAndMultipliers(),
            token: IERC20(address(stakeToken)),
            operatorRewards: rewards,
            startTimestamp: uint32(block.timestamp / 1 days * 1 days - 2 days),
            duration: 1 days,
            description: "epoch rewards"
        });
        vm.prank(initiator);
        serviceManager.createOperatorDirectedAVSRewardsSubmission(subs);
        assertEq(stakeToken.balanceOf(address(rewardsCoordinator)), 30 ether);
        assertEq(stakeToken.balanceOf(address(serviceManager)), 0);
        assertEq(stakeToken.allowance(address(serviceManager), address(rewardsCoordinator)), 0);
    }

    function test_createOperatorDirectedAVSRewardsSubmission_revertsForOthers() public {
        _withInitiator();
        vm.expectRevert(abi.encodeWithSelector(ServiceManagerBase.OnlyRewardsInitiator.selector, address(this)));
        serviceManager.createOperatorDirectedAVSRewardsSubmission(
            new IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission[](0)
        );
    }

    // ---- operator sets (IAVSRegistrar) ----

    function _createSet(uint32 id, address slasher) internal {
        IAllocationManagerTypes.CreateSetParamsV2[] memory params = new IAllocationManagerTypes.CreateSetParamsV2[](1);
        params[0] = IAllocationManagerTypes.CreateSetParamsV2({operatorSetId: id, strategies: _strategies(), slasher: slasher});
        vm.startPrank(avsOwner);
        serviceManager.updateAVSMetadataURI("ipfs://state-proofs");
        serviceManager.createOperatorSets(params);
        vm.stopPrank();
    }

    function _ids(uint32 id) internal pure returns (uint32[] memory ids) {
        ids = new uint32[](1);
        ids[0] = id;
    }

    function _joinSet(address operator, uint32 id) internal {
        vm.prank(operator);
        allocationManager.registerForOperatorSets(
            operator,
            IAllocationManagerTypes.RegisterParams({avs: address(serviceManager), operatorSetIds: _ids(id), data: ""})
        );
    }

    function _leaveSet(address operator, uint32 id) internal {
        vm.prank(operator);
        allocationManager.deregisterFromOperatorSets(
            IAllocationManagerTypes.DeregisterParams({operator: operator, avs: address(serviceManager), operatorSetIds: _ids(id)})
        );
    }

    function test_updateAVSMetadataURI_alsoPublishesToAllocationManager() public {
        vm.expectEmit(address(allocationManager));
        emit AVSMetadataURIUpdated(address(serviceManager), "ipfs://state-proofs");
        vm.prank(avsOwner);
        serviceManager.updateAVSMetadataURI("ipfs://state-proofs");
    }

    function test_createOperatorSets_createsSetWithSlasherAndStrategies() public {
        address slasher = makeAddr("slasher");
        _createSet(0, slasher);
        OperatorSet memory set = OperatorSet(address(serviceManager), 0);
        assertTrue(allocationManager.isOperatorSet(set));
        assertEq(allocationManager.getSlasher(set), slasher);
        IStrategy[] memory strategies = allocationManager.getStrategiesInOperatorSet(set);
        assertEq(strategies.length, 1);
        assertEq(address(strategies[0]), address(strategy));
    }

    function test_createOperatorSets_revertsWithoutMetadata() public {
        IAllocationManagerTypes.CreateSetParamsV2[] memory params = new IAllocationManagerTypes.CreateSetParamsV2[](1);
        params[0] = IAllocationManagerTypes.CreateSetParamsV2({operatorSetId: 0, strategies: _strategies(), slasher: address(1)});
        vm.prank(avsOwner);
        vm.expectRevert(IAllocationManagerErrors.NonexistentAVSMetadata.selector);
        serviceManager.createOperatorSets(params);
    }

    function test_createOperatorSets_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        serviceManager.createOperatorSets(new IAllocationManagerTypes.CreateSetParamsV2[](0));
    }

    function test_addAndRemoveStrategies_forwardToAllocationManager() public {
        _createSet(0, address(1));
        DevnetToken other = new DevnetToken("Other", "OTH", 18);
        IStrategy[] memory extra = new IStrategy[](1);
        extra[0] = IStrategy(address(new StrategyBase(strategyManager, IERC20(address(other)))));
        OperatorSet memory set = OperatorSet(address(serviceManager), 0);
        vm.prank(avsOwner);
        serviceManager.addStrategiesToOperatorSet(0, extra);
        assertEq(allocationManager.getStrategiesInOperatorSet(set).length, 2);
        vm.prank(avsOwner);
        serviceManager.removeStrategiesFromOperatorSet(0, extra);
        assertEq(allocationManager.getStrategiesInOperatorSet(set).length, 1);
    }

    function test_addStrategiesToOperatorSet_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        serviceManager.addStrategiesToOperatorSet(0, _strategies());
    }

    function test_removeStrategiesFromOperatorSet_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        serviceManager.removeStrategiesFromOperatorSet(0, _strategies());
    }

    /// @dev A new dispute contract can be wired in, but only after the core's configuration delay (and, in
    ///      deployments, the owner's timelock): operators see it coming.
    function test_updateSlasher_takesEffectAfterTheConfigurationDelay() public {
        _createSet(0, address(1));
        OperatorSet memory set = OperatorSet(address(serviceManager), 0);
        vm.prank(avsOwner);
        serviceManager.updateSlasher(0, address(2));
        assertEq(allocationManager.getSlasher(set), address(1));
        vm.roll(block.number + EL_ALLOCATION_CONFIGURATION_DELAY + 1);
        assertEq(allocationManager.getSlasher(set), address(2));
    }

    function test_updateSlasher_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        serviceManager.updateSlasher(0, address(2));
    }

    function test_setAVSRegistrar_namesItself() public {
        vm.prank(avsOwner);
        serviceManager.setAVSRegistrar(IAVSRegistrar(address(serviceManager)));
        assertEq(address(allocationManager.getAVSRegistrar(address(serviceManager))), address(serviceManager));
    }

    function test_setAVSRegistrar_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        serviceManager.setAVSRegistrar(IAVSRegistrar(address(serviceManager)));
    }

    function test_supportsAVS_onlyItself() public view {
        assertTrue(serviceManager.supportsAVS(address(serviceManager)));
        assertFalse(serviceManager.supportsAVS(address(registry)));
    }

    function test_registerOperatorToSet_acceptsAnyOperatorBeforeTheRegistry() public {
        _createSet(0, address(1));
        Op memory op = _newOperator(1, STAKE);
        vm.expectEmit(address(serviceManager));
        emit OperatorJoinedOperatorSets(op.addr, _ids(0));
        _joinSet(op.addr, 0);
        assertTrue(allocationManager.isMemberOfOperatorSet(op.addr, OperatorSet(address(serviceManager), 0)));
        assertFalse(registry.operatorRegistered(op.addr));
    }

    function test_registerOperatorToSet_revertsForOthers() public {
        vm.expectRevert(abi.encodeWithSelector(ServiceManagerBase.OnlyAllocationManager.selector, address(this)));
        serviceManager.registerOperator(address(1), address(serviceManager), _ids(0), "");
    }

    function test_registerOperatorToSet_revertsForOtherAVS() public {
        vm.prank(address(allocationManager));
        vm.expectRevert(abi.encodeWithSelector(ServiceManagerBase.UnsupportedAVS.selector, address(1)));
        serviceManager.registerOperator(address(2), address(1), _ids(0), "");
    }

    function test_deregisterOperatorFromSet_revertsForOthers() public {
        vm.expectRevert(abi.encodeWithSelector(ServiceManagerBase.OnlyAllocationManager.selector, address(this)));
        serviceManager.deregisterOperator(address(1), address(serviceManager), _ids(0));
    }

    function test_deregisterOperatorFromSet_revertsForOtherAVS() public {
        vm.prank(address(allocationManager));
        vm.expectRevert(abi.encodeWithSelector(ServiceManagerBase.UnsupportedAVS.selector, address(1)));
        serviceManager.deregisterOperator(address(2), address(1), _ids(0));
    }

    function test_deregisterOperatorFromSet_refusedWhileInRegistry() public {
        _createSet(0, address(1));
        Op memory op = _newOperator(1, STAKE);
        _register(op); // joins the set first
        vm.prank(op.addr);
        vm.expectRevert(abi.encodeWithSelector(ServiceManagerBase.OperatorStillInStakeRegistry.selector, op.addr));
        allocationManager.deregisterFromOperatorSets(
            IAllocationManagerTypes.DeregisterParams({operator: op.addr, avs: address(serviceManager), operatorSetIds: _ids(0)})
        );
    }

    function test_deregisterOperatorFromSet_allowedAfterRegistryAndStaysSlashable() public {
        _createSet(0, address(1));
        Op memory op = _newOperator(1, STAKE);
        _register(op); // joins the set first
        vm.prank(op.addr);
        registry.deregisterOperator();
        vm.expectEmit(address(serviceManager));
        emit OperatorLeftOperatorSets(op.addr, _ids(0));
        _leaveSet(op.addr, 0);
        OperatorSet memory set = OperatorSet(address(serviceManager), 0);
        assertFalse(allocationManager.isMemberOfOperatorSet(op.addr, set));
        vm.roll(block.number + EL_DEALLOCATION_DELAY);
        assertTrue(allocationManager.isOperatorSlashable(op.addr, set));
        vm.roll(block.number + 1);
        assertFalse(allocationManager.isOperatorSlashable(op.addr, set));
    }

    // ---- submitReward ----

    function _submission(Op[] memory sortedOps, uint256[] memory amounts)
        internal
        view
        returns (IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission memory)
    {
        IRewardsCoordinatorTypes.OperatorReward[] memory rewards =
            new IRewardsCoordinatorTypes.OperatorReward[](sortedOps.length);
        for (uint256 i; i < sortedOps.length; ++i) {
            rewards[i] = IRewardsCoordinatorTypes.OperatorReward({operator: sortedOps[i].addr, amount: amounts[i]});
        }
        return IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission({
            strategiesAndMultipliers: _strategiesAndMultipliers(),
            token: IERC20(address(stakeToken)),
            operatorRewards: rewards,
            startTimestamp: uint32(block.timestamp / 1 days * 1 days - 2 days),
            duration: 1 days,
            description: "state-proofs epoch rewards"
        });
    }

    function _amounts(uint256 a, uint256 b, uint256 c) internal pure returns (uint256[] memory amounts) {
        amounts = new uint256[](3);
        amounts[0] = a;
        amounts[1] = b;
        amounts[2] = c;
    }

    function test_submitReward_pullsSumAndForwardsOneSubmission() public {
        Op[] memory ops = _sorted(_registerOperators(3));
        _withInitiator();
        _fund(60 ether);
        IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission memory sub =
            _submission(ops, _amounts(10 ether, 20 ether, 30 ether));
        vm.expectEmit(address(serviceManager));
        emit RewardSubmitted(IERC20(address(stakeToken)), 60 ether, 3, sub.startTimestamp, 1 days);
        vm.prank(initiator);
        serviceManager.submitReward(sub);
        assertEq(stakeToken.balanceOf(address(rewardsCoordinator)), 60 ether);
        assertEq(stakeToken.balanceOf(address(serviceManager)), 0);
        assertEq(stakeToken.balanceOf(initiator), 0);
        assertEq(stakeToken.allowance(address(serviceManager), address(rewardsCoordinator)), 0);
        assertEq(rewardsCoordinator.submissionNonce(address(serviceManager)), 1);
    }

    function test_submitReward_recordsSubmissionHashForTheAVS() public {
        Op[] memory ops = _sorted(_registerOperators(3));
        _withInitiator();
        _fund(3 ether);
        IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission memory sub =
            _submission(ops, _amounts(1 ether, 1 ether, 1 ether));
        bytes32 hash = keccak256(abi.encode(address(serviceManager), uint256(0), sub));
        vm.prank(initiator);
        serviceManager.submitReward(sub);
        assertTrue(rewardsCoordinator.isOperatorDirectedAVSRewardsSubmissionHash(address(serviceManager), hash));
    }

    function test_submitReward_revertsForOthers() public {
        Op[] memory ops = _sorted(_registerOperators(3));
        _withInitiator();
        IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission memory sub =
            _submission(ops, _amounts(1, 1, 1));
        vm.expectRevert(abi.encodeWithSelector(ServiceManagerBase.OnlyRewardsInitiator.selector, address(this)));
        serviceManager.submitReward(sub);
    }

    function test_submitReward_revertsWhenOperatorsNotAscending() public {
        Op[] memory ops = _sorted(_registerOperators(3));
        (ops[0], ops[1]) = (ops[1], ops[0]);
        _withInitiator();
        _fund(3 ether);
        IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission memory sub =
            _submission(ops, _amounts(1 ether, 1 ether, 1 ether));
        vm.prank(initiator);
        vm.expectRevert(IRewardsCoordinatorErrors.OperatorsNotInAscendingOrder.selector);
        serviceManager.submitReward(sub);
    }

    function test_submitReward_revertsWithoutAllowance() public {
        Op[] memory ops = _sorted(_registerOperators(3));
        _withInitiator();
        stakeToken.mint(initiator, 3 ether);
        IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission memory sub =
            _submission(ops, _amounts(1 ether, 1 ether, 1 ether));
        vm.prank(initiator);
        vm.expectRevert();
        serviceManager.submitReward(sub);
    }

    function testFuzz_submitReward_pullsExactlyTheSum(uint64 a, uint64 b, uint64 c) public {
        a = uint64(bound(a, 1, type(uint64).max));
        b = uint64(bound(b, 1, type(uint64).max));
        c = uint64(bound(c, 1, type(uint64).max));
        uint256 total = uint256(a) + b + c;
        Op[] memory ops = _sorted(_registerOperators(3));
        _withInitiator();
        _fund(total + 5);
        vm.prank(initiator);
        serviceManager.submitReward(_submission(ops, _amounts(a, b, c)));
        assertEq(stakeToken.balanceOf(address(rewardsCoordinator)), total);
        assertEq(stakeToken.balanceOf(initiator), 5);
        assertEq(stakeToken.allowance(address(serviceManager), address(rewardsCoordinator)), 0);
    }
}
