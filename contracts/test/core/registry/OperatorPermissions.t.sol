// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {RegistryFixture} from "./RegistryFixture.sol";
import {IECDSAStakeRegistry} from "../../../src/core/registry/IECDSAStakeRegistry.sol";
import {ServiceManagerBase} from "../../../src/core/avs/ServiceManagerBase.sol";
import {PermissionControllerMixin} from "../../../devnet/eigenlayer/PermissionControllerMixin.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IAllocationManager, IAllocationManagerTypes, OperatorSet} from "../../../src/eigenlayer/IAllocationManager.sol";
import {ISignatureUtilsMixinTypes} from "../../../src/eigenlayer/ISignatureUtilsMixin.sol";

/// @notice Operators and the AVS acting through EigenLayer's PermissionController: an operator's appointee runs its
///         whole registration (join, allocate, register, rotate key, leave) and nobody else can; the ServiceManager's
///         owner names admins and appointees of the AVS without locking the ServiceManager out of its own operator sets.
contract OperatorPermissionsTest is RegistryFixture {
    address internal appointee = makeAddr("appointee");
    address internal stranger = makeAddr("stranger");
    Op internal op;

    bytes4 internal constant REGISTER_FOR =
        bytes4(keccak256("registerOperatorWithSignature(address,(bytes,bytes32,uint256),address)"));
    bytes4 internal constant DEREGISTER_FOR = bytes4(keccak256("deregisterOperator(address)"));
    bytes4 internal constant UPDATE_KEY_FOR = bytes4(keccak256("updateOperatorSigningKey(address,address)"));

    function setUp() public override {
        super.setUp();
        op = _newOperator(1, STAKE);
        _createOperatorSet(address(serviceManager), 0, slasher);
    }

    /// @dev As op: appoints `who` for `selector` on `target`.
    function _appoint(address who, address target, bytes4 selector) internal {
        vm.prank(op.addr);
        permissionController.setAppointee(op.addr, who, target, selector);
    }

    /// @dev As `who`: joins op to the operator set and allocates all of its magnitude (needs the two appointments).
    function _joinAndAllocateAs(address who) internal {
        uint32[] memory ids = new uint32[](1);
        vm.prank(who);
        allocationManager.registerForOperatorSets(
            op.addr,
            IAllocationManagerTypes.RegisterParams({avs: address(serviceManager), operatorSetIds: ids, data: ""})
        );
        _allocateAs(who, op.addr, operatorSet, FULL_MAGNITUDE);
    }

    function _signature() internal view returns (ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory) {
        return _signAVSRegistration(op.pk, address(serviceManager));
    }

    function _appointForRegistration(address who) internal {
        _appoint(who, address(allocationManager), IAllocationManager.registerForOperatorSets.selector);
        _appoint(who, address(allocationManager), IAllocationManager.modifyAllocations.selector);
        _appoint(who, address(registry), REGISTER_FOR);
    }

    // ---------------------------------------------------------------- operators

    function test_appointee_registersTheOperatorEndToEnd() public {
        _appointForRegistration(appointee);
        _joinAndAllocateAs(appointee);
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory sig = _signature();
        vm.prank(appointee);
        registry.registerOperatorWithSignature(op.addr, sig, op.signingKey);

        assertTrue(registry.operatorRegistered(op.addr));
        assertEq(registry.getLatestOperatorSigningKey(op.addr), op.signingKey);
        assertEq(registry.getLatestOperatorWeight(op.addr), STAKE, "weight is the slashable stake");
        assertFalse(registry.operatorRegistered(appointee), "the appointee is not an operator");
    }

    function test_registerFor_revertsForAStranger() public {
        _joinAndAllocate(op.addr, FULL_MAGNITUDE);
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory sig = _signature();
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IECDSAStakeRegistry.CallerCannotActForOperator.selector, stranger, op.addr)
        );
        registry.registerOperatorWithSignature(op.addr, sig, op.signingKey);
    }

    /// @dev An appointee for the core's steps only, or for another registry function, cannot register the operator
    ///      (with another signing key than the operator chose, for instance).
    function test_registerFor_revertsForAnAppointeeOfAnotherFunction() public {
        _appoint(appointee, address(registry), DEREGISTER_FOR);
        _appoint(appointee, address(allocationManager), REGISTER_FOR); // right selector, wrong target
        _joinAndAllocate(op.addr, FULL_MAGNITUDE);
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory sig = _signature();
        vm.prank(appointee);
        vm.expectRevert(
            abi.encodeWithSelector(IECDSAStakeRegistry.CallerCannotActForOperator.selector, appointee, op.addr)
        );
        registry.registerOperatorWithSignature(op.addr, sig, makeAddr("appointee's key"));
    }

    function test_registerFor_byTheOperatorItself() public {
        _joinAndAllocate(op.addr, FULL_MAGNITUDE);
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory sig = _signature();
        vm.prank(op.addr);
        registry.registerOperatorWithSignature(op.addr, sig, op.signingKey);
        assertTrue(registry.operatorRegistered(op.addr));
    }

    /// @dev As in the core: once an operator has admins, its own key acts only if it is one of them.
    function test_register_revertsForTheOperatorKeyOnceOthersAreItsAdmins() public {
        _joinAndAllocate(op.addr, FULL_MAGNITUDE);
        address admin = makeAddr("admin");
        vm.prank(op.addr);
        permissionController.addPendingAdmin(op.addr, admin);
        vm.prank(admin);
        permissionController.acceptAdmin(op.addr);

        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory sig = _signature();
        vm.prank(op.addr);
        vm.expectRevert(
            abi.encodeWithSelector(IECDSAStakeRegistry.CallerCannotActForOperator.selector, op.addr, op.addr)
        );
        registry.registerOperatorWithSignature(sig, op.signingKey);

        vm.prank(admin);
        registry.registerOperatorWithSignature(op.addr, sig, op.signingKey);
        assertTrue(registry.operatorRegistered(op.addr));
    }

    function test_coreSteps_revertForAStranger() public {
        uint32[] memory ids = new uint32[](1);
        vm.prank(stranger);
        vm.expectRevert(PermissionControllerMixin.InvalidPermissions.selector);
        allocationManager.registerForOperatorSets(
            op.addr,
            IAllocationManagerTypes.RegisterParams({avs: address(serviceManager), operatorSetIds: ids, data: ""})
        );
    }

    function test_appointee_rotatesTheSigningKeyAndDeregisters() public {
        _register(op);
        _appoint(appointee, address(registry), UPDATE_KEY_FOR);
        _appoint(appointee, address(registry), DEREGISTER_FOR);
        address newKey = makeAddr("new signing key");

        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IECDSAStakeRegistry.CallerCannotActForOperator.selector, stranger, op.addr)
        );
        registry.updateOperatorSigningKey(op.addr, newKey);

        vm.prank(appointee);
        registry.updateOperatorSigningKey(op.addr, newKey);
        assertEq(registry.getLatestOperatorSigningKey(op.addr), newKey);

        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IECDSAStakeRegistry.CallerCannotActForOperator.selector, stranger, op.addr)
        );
        registry.deregisterOperator(op.addr);

        vm.prank(appointee);
        registry.deregisterOperator(op.addr);
        assertFalse(registry.operatorRegistered(op.addr));
    }

    // ---------------------------------------------------------------- the AVS

    function _makeAvsAdmin(address admin) internal {
        vm.prank(avsOwner);
        serviceManager.addPendingAdmin(admin);
        vm.prank(admin);
        permissionController.acceptAdmin(address(serviceManager));
    }

    /// @dev The attack this guards against is the AVS owner locking itself out: an account with admins is no longer
    ///      its own admin, so without the ServiceManager staying one, naming a first admin would end the owner's
    ///      power to change the slasher, operator sets or rewards through the ServiceManager.
    function test_addPendingAdmin_keepsTheServiceManagerAnAdmin() public {
        address admin = makeAddr("avs admin");
        _makeAvsAdmin(admin);
        assertTrue(serviceManager.isSelfAdmin());
        assertTrue(permissionController.isAdmin(address(serviceManager), admin));
        assertTrue(permissionController.isAdmin(address(serviceManager), address(serviceManager)));

        // The ServiceManager still acts for the AVS in the core.
        vm.prank(avsOwner);
        serviceManager.updateSlasher(0, makeAddr("new dispute contract"));
        IAllocationManagerTypes.CreateSetParamsV2[] memory params = new IAllocationManagerTypes.CreateSetParamsV2[](1);
        params[0] =
            IAllocationManagerTypes.CreateSetParamsV2({operatorSetId: 7, strategies: _strategies(), slasher: slasher});
        vm.prank(avsOwner);
        serviceManager.createOperatorSets(params);
        assertTrue(allocationManager.isOperatorSet(OperatorSet(address(serviceManager), 7)));

        // And so does the new admin, directly.
        vm.prank(admin);
        allocationManager.updateAVSMetadataURI(address(serviceManager), "ipfs://new");
    }

    function test_addPendingAdmin_secondAdminDoesNotReaddTheServiceManager() public {
        _makeAvsAdmin(makeAddr("first"));
        _makeAvsAdmin(makeAddr("second"));
        assertEq(permissionController.getAdmins(address(serviceManager)).length, 3);
    }

    function test_removeAdmin_refusesTheServiceManagerItself() public {
        _makeAvsAdmin(makeAddr("avs admin"));
        vm.prank(avsOwner);
        vm.expectRevert(ServiceManagerBase.CannotRemoveSelfAsAdmin.selector);
        serviceManager.removeAdmin(address(serviceManager));
    }

    function test_removeAdminAndPendingAdmin_forwardToThePermissionController() public {
        address admin = makeAddr("avs admin");
        _makeAvsAdmin(admin);
        vm.startPrank(avsOwner);
        serviceManager.removeAdmin(admin);
        serviceManager.addPendingAdmin(stranger);
        serviceManager.removePendingAdmin(stranger);
        vm.stopPrank();
        assertFalse(permissionController.isAdmin(address(serviceManager), admin));
        assertFalse(permissionController.isPendingAdmin(address(serviceManager), stranger));
    }

    function test_setAppointee_letsTheAppointeeWireInANewSlasher() public {
        address timelock = makeAddr("timelock");
        vm.prank(avsOwner);
        serviceManager.setAppointee(timelock, address(allocationManager), IAllocationManager.updateSlasher.selector);

        address newSlasher = makeAddr("new dispute contract");
        vm.prank(timelock);
        allocationManager.updateSlasher(operatorSet, newSlasher);
        vm.roll(block.number + EL_ALLOCATION_CONFIGURATION_DELAY + 1);
        assertEq(allocationManager.getSlasher(operatorSet), newSlasher);

        // The appointment covers that one function only, and can be revoked.
        vm.prank(timelock);
        vm.expectRevert(PermissionControllerMixin.InvalidPermissions.selector);
        allocationManager.updateAVSMetadataURI(address(serviceManager), "ipfs://hijack");
        vm.prank(avsOwner);
        serviceManager.removeAppointee(timelock, address(allocationManager), IAllocationManager.updateSlasher.selector);
        vm.prank(timelock);
        vm.expectRevert(PermissionControllerMixin.InvalidPermissions.selector);
        allocationManager.updateSlasher(operatorSet, timelock);
    }

    function test_permissionFunctions_revertForNonOwner() public {
        bytes memory notOwner = abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger);
        vm.startPrank(stranger);
        vm.expectRevert(notOwner);
        serviceManager.addPendingAdmin(stranger);
        vm.expectRevert(notOwner);
        serviceManager.setAppointee(stranger, address(allocationManager), IAllocationManager.updateSlasher.selector);
        vm.expectRevert(notOwner);
        serviceManager.removeAdmin(stranger);
        vm.expectRevert(notOwner);
        serviceManager.removePendingAdmin(stranger);
        vm.expectRevert(notOwner);
        serviceManager.removeAppointee(stranger, address(allocationManager), IAllocationManager.updateSlasher.selector);
        vm.stopPrank();
    }

    function test_permissionController_isTheCoresOne() public view {
        assertEq(address(serviceManager.permissionController()), address(permissionController));
        assertEq(address(registry.permissionController()), address(permissionController));
    }
}
