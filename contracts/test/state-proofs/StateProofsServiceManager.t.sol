// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {RegistryFixture} from "../core/RegistryFixture.sol";
import {ServiceManagerBase} from "../../src/core/ServiceManagerBase.sol";
import {StateProofsServiceManager} from "../../src/state-proofs/StateProofsServiceManager.sol";
import {IAVSDirectory, IAVSDirectoryTypes} from "../../src/eigenlayer/interfaces/IAVSDirectory.sol";
import {IAllocationManager} from "../../src/eigenlayer/interfaces/IAllocationManager.sol";
import {IRewardsCoordinator, IRewardsCoordinatorTypes} from "../../src/eigenlayer/interfaces/IRewardsCoordinator.sol";
import {ISignatureUtilsMixinTypes} from "../../src/eigenlayer/interfaces/ISignatureUtilsMixin.sol";

/// @notice ServiceManagerBase through StateProofsServiceManager, against the devnet EigenLayer core.
contract StateProofsServiceManagerTest is RegistryFixture {
    address internal initiator = makeAddr("rewards initiator");

    event StakeRegistrySet(address indexed stakeRegistry);
    event RewardsInitiatorUpdated(address previous, address current);
    event AVSMetadataURIUpdated(address indexed avs, string metadataURI);

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
}
