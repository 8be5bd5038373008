// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {PermissionController} from "../../../devnet/eigenlayer/PermissionController.sol";
import {
    IPermissionControllerErrors,
    IPermissionControllerEvents
} from "../../../src/eigenlayer/IPermissionController.sol";

/// @notice The devnet PermissionController's rules, as v1.12.0's: an account without admins is its own admin; admins
///         are offered and accepted; the last cannot leave; appointees hold one (target, selector) each.
contract PermissionControllerTest is Test {
    PermissionController internal pc;
    address internal account = makeAddr("account");
    address internal admin = makeAddr("admin");
    address internal appointee = makeAddr("appointee");
    address internal target = makeAddr("target");
    bytes4 internal constant SELECTOR =
        bytes4(keccak256("modifyAllocations(address,((address,uint32),address[],uint64[])[])"));

    function setUp() public {
        pc = new PermissionController();
    }

    function _makeAdmin(address who) internal {
        vm.prank(account);
        pc.addPendingAdmin(account, who);
        vm.prank(who);
        pc.acceptAdmin(account);
    }

    function test_isAdmin_accountIsItsOwnAdminUntilItHasAdmins() public {
        assertTrue(pc.isAdmin(account, account));
        assertFalse(pc.isAdmin(account, admin));
        address[] memory admins = pc.getAdmins(account);
        assertEq(admins.length, 1);
        assertEq(admins[0], account);

        _makeAdmin(admin);
        assertTrue(pc.isAdmin(account, admin));
        assertFalse(pc.isAdmin(account, account), "the account is no longer an admin of itself");
        admins = pc.getAdmins(account);
        assertEq(admins.length, 1);
        assertEq(admins[0], admin);
    }

    function test_addPendingAdmin_needsAcceptance() public {
        vm.expectEmit(address(pc));
        emit IPermissionControllerEvents.PendingAdminAdded(account, admin);
        vm.prank(account);
        pc.addPendingAdmin(account, admin);
        assertTrue(pc.isPendingAdmin(account, admin));
        assertFalse(pc.isAdmin(account, admin));
        assertEq(pc.getPendingAdmins(account).length, 1);

        vm.expectEmit(address(pc));
        emit IPermissionControllerEvents.AdminSet(account, admin);
        vm.prank(admin);
        pc.acceptAdmin(account);
        assertFalse(pc.isPendingAdmin(account, admin));
        assertEq(pc.getPendingAdmins(account).length, 0);
    }

    function test_addPendingAdmin_revertsForNonAdmin() public {
        vm.prank(admin);
        vm.expectRevert(IPermissionControllerErrors.NotAdmin.selector);
        pc.addPendingAdmin(account, admin);
    }

    function test_addPendingAdmin_revertsWhenAlreadyPendingOrAdmin() public {
        vm.startPrank(account);
        pc.addPendingAdmin(account, admin);
        vm.expectRevert(IPermissionControllerErrors.AdminAlreadyPending.selector);
        pc.addPendingAdmin(account, admin);
        vm.stopPrank();
        vm.prank(admin);
        pc.acceptAdmin(account);
        vm.prank(admin);
        vm.expectRevert(IPermissionControllerErrors.AdminAlreadySet.selector);
        pc.addPendingAdmin(account, admin);
    }

    function test_acceptAdmin_revertsWhenNotOffered() public {
        vm.prank(admin);
        vm.expectRevert(IPermissionControllerErrors.AdminNotPending.selector);
        pc.acceptAdmin(account);
    }

    function test_removePendingAdmin_withdrawsTheOffer() public {
        vm.startPrank(account);
        pc.addPendingAdmin(account, admin);
        pc.removePendingAdmin(account, admin);
        vm.expectRevert(IPermissionControllerErrors.AdminNotPending.selector);
        pc.removePendingAdmin(account, admin);
        vm.stopPrank();
        vm.prank(admin);
        vm.expectRevert(IPermissionControllerErrors.AdminNotPending.selector);
        pc.acceptAdmin(account);
    }

    function test_removeAdmin_refusesTheLastAndUnknown() public {
        _makeAdmin(admin);
        vm.startPrank(admin);
        vm.expectRevert(IPermissionControllerErrors.CannotHaveZeroAdmins.selector);
        pc.removeAdmin(account, admin);
        address second = makeAddr("second");
        pc.addPendingAdmin(account, second);
        vm.stopPrank();
        vm.prank(second);
        pc.acceptAdmin(account);

        vm.startPrank(admin);
        vm.expectRevert(IPermissionControllerErrors.AdminNotSet.selector);
        pc.removeAdmin(account, makeAddr("nobody"));
        vm.expectEmit(address(pc));
        emit IPermissionControllerEvents.AdminRemoved(account, second);
        pc.removeAdmin(account, second);
        vm.stopPrank();
        assertFalse(pc.isAdmin(account, second));
    }

    function test_setAppointee_allowsExactlyThatTargetAndSelector() public {
        vm.expectEmit(address(pc));
        emit IPermissionControllerEvents.AppointeeSet(account, appointee, target, SELECTOR);
        vm.prank(account);
        pc.setAppointee(account, appointee, target, SELECTOR);

        assertTrue(pc.canCall(account, appointee, target, SELECTOR));
        assertFalse(pc.canCall(account, appointee, target, bytes4(0x12345678)), "another selector");
        assertFalse(pc.canCall(account, appointee, makeAddr("other target"), SELECTOR), "another target");
        assertFalse(pc.canCall(makeAddr("other account"), appointee, target, SELECTOR), "another account");
        assertFalse(pc.isAdmin(account, appointee));

        address[] memory appointees = pc.getAppointees(account, target, SELECTOR);
        assertEq(appointees.length, 1);
        assertEq(appointees[0], appointee);
        (address[] memory targets, bytes4[] memory selectors) = pc.getAppointeePermissions(account, appointee);
        assertEq(targets.length, 1);
        assertEq(targets[0], target);
        assertEq(selectors[0], SELECTOR);
    }

    function test_setAppointee_revertsWhenSetOrForNonAdmin() public {
        vm.prank(account);
        pc.setAppointee(account, appointee, target, SELECTOR);
        vm.prank(account);
        vm.expectRevert(IPermissionControllerErrors.AppointeeAlreadySet.selector);
        pc.setAppointee(account, appointee, target, SELECTOR);
        // An appointee cannot appoint others.
        vm.prank(appointee);
        vm.expectRevert(IPermissionControllerErrors.NotAdmin.selector);
        pc.setAppointee(account, makeAddr("friend"), target, SELECTOR);
    }

    function test_removeAppointee_revokes() public {
        vm.startPrank(account);
        pc.setAppointee(account, appointee, target, SELECTOR);
        vm.expectEmit(address(pc));
        emit IPermissionControllerEvents.AppointeeRemoved(account, appointee, target, SELECTOR);
        pc.removeAppointee(account, appointee, target, SELECTOR);
        vm.expectRevert(IPermissionControllerErrors.AppointeeNotSet.selector);
        pc.removeAppointee(account, appointee, target, SELECTOR);
        vm.stopPrank();
        assertFalse(pc.canCall(account, appointee, target, SELECTOR));
        assertEq(pc.getAppointees(account, target, SELECTOR).length, 0);
    }

    function test_canCall_adminsCallEverything() public {
        assertTrue(pc.canCall(account, account, target, SELECTOR));
        _makeAdmin(admin);
        assertTrue(pc.canCall(account, admin, target, SELECTOR));
        assertFalse(pc.canCall(account, account, target, SELECTOR));
    }

    function testFuzz_getAppointeePermissions_returnsWhatWasSet(address target_, bytes4 selector) public {
        vm.prank(account);
        pc.setAppointee(account, appointee, target_, selector);
        (address[] memory targets, bytes4[] memory selectors) = pc.getAppointeePermissions(account, appointee);
        assertEq(targets[0], target_);
        assertEq(selectors[0], selector);
        assertTrue(pc.canCall(account, appointee, target_, selector));
    }
}
