// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IPermissionController} from "../../src/eigenlayer/IPermissionController.sol";

/// @title PermissionController: admins and appointees who act for operators and AVSs in the devnet core
/// @notice The rules are in {IPermissionController}. The AllocationManager, DelegationManager and RewardsCoordinator
///         ask {canCall} before acting for an operator or an AVS (see {PermissionControllerMixin}); AVS contracts may
///         ask it too (the stake registry lets an operator's appointees register it).
contract PermissionController is IPermissionController {
    using EnumerableSet for EnumerableSet.AddressSet;
    using EnumerableSet for EnumerableSet.Bytes32Set;

    struct AccountPermissions {
        EnumerableSet.AddressSet admins;
        EnumerableSet.AddressSet pendingAdmins;
        /// @dev Per appointee, the (target, selector) pairs it may call, packed by {_pack}.
        mapping(address appointee => EnumerableSet.Bytes32Set) permissions;
        /// @dev Per packed (target, selector), the appointees that may call it.
        mapping(bytes32 targetSelector => EnumerableSet.AddressSet) appointees;
    }

    mapping(address account => AccountPermissions) private _accounts;

    modifier onlyAdmin(address account) {
        if (!isAdmin(account, msg.sender)) revert NotAdmin();
        _;
    }

    /// @inheritdoc IPermissionController
    function addPendingAdmin(address account, address admin) external onlyAdmin(account) {
        AccountPermissions storage a = _accounts[account];
        if (a.admins.contains(admin)) revert AdminAlreadySet();
        if (!a.pendingAdmins.add(admin)) revert AdminAlreadyPending();
        emit PendingAdminAdded(account, admin);
    }

    /// @inheritdoc IPermissionController
    function removePendingAdmin(address account, address admin) external onlyAdmin(account) {
        if (!_accounts[account].pendingAdmins.remove(admin)) revert AdminNotPending();
        emit PendingAdminRemoved(account, admin);
    }

    /// @inheritdoc IPermissionController
    function acceptAdmin(address account) external {
        AccountPermissions storage a = _accounts[account];
        if (!a.pendingAdmins.remove(msg.sender)) revert AdminNotPending();
        a.admins.add(msg.sender);
        emit AdminSet(account, msg.sender);
    }

    /// @inheritdoc IPermissionController
    function removeAdmin(address account, address admin) external onlyAdmin(account) {
        EnumerableSet.AddressSet storage admins = _accounts[account].admins;
        if (admins.length() <= 1) revert CannotHaveZeroAdmins();
        if (!admins.remove(admin)) revert AdminNotSet();
        emit AdminRemoved(account, admin);
    }

    /// @inheritdoc IPermissionController
    function setAppointee(address account, address appointee, address target, bytes4 selector)
        external
        onlyAdmin(account)
    {
        AccountPermissions storage a = _accounts[account];
        bytes32 key = _pack(target, selector);
        if (!a.permissions[appointee].add(key)) revert AppointeeAlreadySet();
        a.appointees[key].add(appointee);
        emit AppointeeSet(account, appointee, target, selector);
    }

    /// @inheritdoc IPermissionController
    function removeAppointee(address account, address appointee, address target, bytes4 selector)
        external
        onlyAdmin(account)
    {
        AccountPermissions storage a = _accounts[account];
        bytes32 key = _pack(target, selector);
        if (!a.permissions[appointee].remove(key)) revert AppointeeNotSet();
        a.appointees[key].remove(appointee);
        emit AppointeeRemoved(account, appointee, target, selector);
    }

    /// @inheritdoc IPermissionController
    function isAdmin(address account, address caller) public view returns (bool) {
        EnumerableSet.AddressSet storage admins = _accounts[account].admins;
        return admins.length() == 0 ? caller == account : admins.contains(caller);
    }

    /// @inheritdoc IPermissionController
    function isPendingAdmin(address account, address pendingAdmin) external view returns (bool) {
        return _accounts[account].pendingAdmins.contains(pendingAdmin);
    }

    /// @inheritdoc IPermissionController
    function getAdmins(address account) external view returns (address[] memory admins) {
        admins = _accounts[account].admins.values();
        if (admins.length == 0) {
            admins = new address[](1);
            admins[0] = account;
        }
    }

    /// @inheritdoc IPermissionController
    function getPendingAdmins(address account) external view returns (address[] memory) {
        return _accounts[account].pendingAdmins.values();
    }

    /// @inheritdoc IPermissionController
    function canCall(address account, address caller, address target, bytes4 selector) external view returns (bool) {
        return isAdmin(account, caller) || _accounts[account].permissions[caller].contains(_pack(target, selector));
    }

    /// @inheritdoc IPermissionController
    function getAppointeePermissions(address account, address appointee)
        external
        view
        returns (address[] memory targets, bytes4[] memory selectors)
    {
        bytes32[] memory keys = _accounts[account].permissions[appointee].values();
        targets = new address[](keys.length);
        selectors = new bytes4[](keys.length);
        for (uint256 i; i < keys.length; ++i) {
            (targets[i], selectors[i]) = _unpack(keys[i]);
        }
    }

    /// @inheritdoc IPermissionController
    function getAppointees(address account, address target, bytes4 selector) external view returns (address[] memory) {
        return _accounts[account].appointees[_pack(target, selector)].values();
    }

    /// @dev target in the high 20 bytes, selector in the next 4, zeros after.
    function _pack(address target, bytes4 selector) private pure returns (bytes32) {
        return bytes32(bytes20(target)) | (bytes32(selector) >> 160);
    }

    function _unpack(bytes32 key) private pure returns (address target, bytes4 selector) {
        // The high 24 bytes are exactly what {_pack} wrote: nothing is truncated.
        // forge-lint: disable-next-line(unsafe-typecast)
        target = address(bytes20(key));
        // forge-lint: disable-next-line(unsafe-typecast)
        selector = bytes4(key << 160);
    }
}
