// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {IAVSDirectory} from "../../src/eigenlayer/IAVSDirectory.sol";
import {IAllocationManager} from "../../src/eigenlayer/IAllocationManager.sol";
import {IAVSRegistrar} from "../../src/eigenlayer/IAVSRegistrar.sol";
import {IRewardsCoordinator} from "../../src/eigenlayer/IRewardsCoordinator.sol";
import {IDelegationManager} from "../../src/eigenlayer/IDelegationManager.sol";
import {IEigenPod, IEigenPodTypes} from "../../src/eigenlayer/IEigenPod.sol";
import {IEigenPodManager} from "../../src/eigenlayer/IEigenPodManager.sol";
import {IStrategyManager} from "../../devnet/eigenlayer/IStrategyManager.sol";
import {IPermissionController, IPermissionControllerMixin} from "../../src/eigenlayer/IPermissionController.sol";

/// @notice The interfaces keep the selectors of eigenlayer-contracts v1.12.0 (selectors computed from its published signatures).
contract SelectorsTest is Test {
    function test_AVSDirectorySelectors() public pure {
        assertEq(IAVSDirectory.registerOperatorToAVS.selector, bytes4(0x9926ee7d));
        assertEq(IAVSDirectory.deregisterOperatorFromAVS.selector, bytes4(0xa364f4da));
        assertEq(IAVSDirectory.calculateOperatorAVSRegistrationDigestHash.selector, bytes4(0xa1060c88));
        assertEq(IAVSDirectory.updateAVSMetadataURI.selector, bytes4(0xa98fb355));
    }

    function test_AllocationManagerSelectors() public pure {
        assertEq(IAllocationManager.registerForOperatorSets.selector, bytes4(0xadc2e3d9));
        assertEq(IAllocationManager.updateSlasher.selector, bytes4(0x6c9d7c58));
        assertEq(IAllocationManager.deregisterFromOperatorSets.selector, bytes4(0x6e3492b5));
        assertEq(IAllocationManager.slashOperator.selector, bytes4(0x36352057));
        assertEq(IAllocationManager.createOperatorSets.selector, bytes4(0x3dff8e7d));
        assertEq(IAllocationManager.setAVSRegistrar.selector, bytes4(0xd3d96ff4));
        assertEq(IAllocationManager.updateAVSMetadataURI.selector, bytes4(0xa9821821));
        assertEq(IAllocationManager.modifyAllocations.selector, bytes4(0x952899ee));
        assertEq(IAllocationManager.setAllocationDelay.selector, bytes4(0x56c483e6));
        assertEq(IAllocationManager.addStrategiesToOperatorSet.selector, bytes4(0x50feea20));
        assertEq(IAllocationManager.getMembers.selector, bytes4(0x6e875dba));
        assertEq(IAllocationManager.isMemberOfOperatorSet.selector, bytes4(0x670d3ba2));
        assertEq(IAllocationManager.getMinimumSlashableStake.selector, bytes4(0x2bab2c4a));
        assertEq(IAllocationManager.getAllocatedStake.selector, bytes4(0x2b453a9a));
    }

    function test_PermissionControllerSelectors() public pure {
        assertEq(IPermissionController.addPendingAdmin.selector, bytes4(0xeb5a4e87));
        assertEq(IPermissionController.removePendingAdmin.selector, bytes4(0x4f906cf9));
        assertEq(IPermissionController.acceptAdmin.selector, bytes4(0x628806ef));
        assertEq(IPermissionController.removeAdmin.selector, bytes4(0x268959e5));
        assertEq(IPermissionController.setAppointee.selector, bytes4(0x950d806e));
        assertEq(IPermissionController.removeAppointee.selector, bytes4(0x06641201));
        assertEq(IPermissionController.isAdmin.selector, bytes4(0x91006745));
        assertEq(IPermissionController.canCall.selector, bytes4(0xdf595cb8));
        assertEq(IPermissionController.getAdmins.selector, bytes4(0xad5f2210));
        assertEq(IPermissionController.getAppointees.selector, bytes4(0xfddbdefd));
        assertEq(IPermissionControllerMixin.permissionController.selector, bytes4(0x4657e26a));
    }

    function test_AVSRegistrarSelectors() public pure {
        assertEq(IAVSRegistrar.registerOperator.selector, bytes4(0xc63fd502));
        assertEq(IAVSRegistrar.deregisterOperator.selector, bytes4(0x303ca956));
        assertEq(IAVSRegistrar.supportsAVS.selector, bytes4(0xb5265787));
    }

    function test_RewardsCoordinatorSelectors() public pure {
        assertEq(IRewardsCoordinator.createAVSRewardsSubmission.selector, bytes4(0xfce36c7d));
        assertEq(IRewardsCoordinator.createOperatorDirectedAVSRewardsSubmission.selector, bytes4(0x9cb9a5fa));
    }

    function test_DelegationManagerSelectors() public pure {
        assertEq(IDelegationManager.registerAsOperator.selector, bytes4(0x2aa6d888));
        assertEq(IDelegationManager.delegateTo.selector, bytes4(0xeea9064b));
        assertEq(IDelegationManager.undelegate.selector, bytes4(0xda8be864));
        assertEq(IDelegationManager.getOperatorShares.selector, bytes4(0x90041347));
        assertEq(IDelegationManager.getOperatorsShares.selector, bytes4(0xf0e0e676));
        assertEq(IDelegationManager.isOperator.selector, bytes4(0x6d70f7ae));
        assertEq(IDelegationManager.delegatedTo.selector, bytes4(0x65da1264));
        assertEq(IDelegationManager.calculateDelegationApprovalDigestHash.selector, bytes4(0x0b9f487a));
    }

    function test_StrategyManagerSelectors() public pure {
        assertEq(IStrategyManager.depositIntoStrategy.selector, bytes4(0xe7a050aa));
        assertEq(IStrategyManager.stakerDepositShares.selector, bytes4(0xfe243a17));
    }

    function test_EigenPodManagerSelectors() public pure {
        assertEq(IEigenPodManager.createPod.selector, bytes4(0x84d81062));
        assertEq(IEigenPodManager.getPod.selector, bytes4(0xa38406a3));
        assertEq(IEigenPodManager.hasPod.selector, bytes4(0xf6848d24));
        assertEq(IEigenPodManager.ownerToPod.selector, bytes4(0x9ba06275));
        assertEq(IEigenPodManager.podOwnerDepositShares.selector, bytes4(0xd48e8894));
    }

    function test_EigenPodSelectors() public pure {
        assertEq(IEigenPod.podOwner.selector, bytes4(0x0b18ff66));
        assertEq(IEigenPod.validatorPubkeyHashToInfo.selector, bytes4(0x6fcd0e53));
        assertEq(IEigenPod.validatorPubkeyToInfo.selector, bytes4(0xb522538a));
        assertEq(IEigenPod.activeValidatorCount.selector, bytes4(0x2340e8d3));
    }

    /// @dev validatorStatus is overloaded, so `.selector` cannot name one overload: each is called on code that answers
    ///      only the expected selector (any other selector hits STOP, whose empty return fails to decode).
    function test_EigenPodValidatorStatusOverloadSelectors() public {
        IEigenPod pod = IEigenPod(makeAddr("pod"));
        vm.etch(address(pod), hex"00");
        vm.mockCall(
            address(pod), abi.encodePacked(bytes4(0x7439841f)), abi.encode(IEigenPodTypes.VALIDATOR_STATUS.ACTIVE)
        );
        assertEq(uint8(pod.validatorStatus(bytes32(uint256(1)))), uint8(IEigenPodTypes.VALIDATOR_STATUS.ACTIVE));
        vm.clearMockedCalls();
        vm.mockCall(
            address(pod), abi.encodePacked(bytes4(0x58eaee79)), abi.encode(IEigenPodTypes.VALIDATOR_STATUS.WITHDRAWN)
        );
        assertEq(uint8(pod.validatorStatus(new bytes(48))), uint8(IEigenPodTypes.VALIDATOR_STATUS.WITHDRAWN));
    }
}
