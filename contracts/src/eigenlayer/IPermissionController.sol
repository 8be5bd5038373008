// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title Errors of the PermissionController (eigenlayer-contracts v1.12.0 selectors)
interface IPermissionControllerErrors {
    /// @notice The caller is not an admin of the account.
    error NotAdmin();
    /// @notice `removeAdmin` named an address that is not an admin.
    error AdminNotSet();
    /// @notice `setAppointee` named a (appointee, target, selector) that is already set.
    error AppointeeAlreadySet();
    /// @notice `removeAppointee` named a (appointee, target, selector) that is not set.
    error AppointeeNotSet();
    /// @notice `removeAdmin` would leave the account without an admin.
    error CannotHaveZeroAdmins();
    /// @notice `addPendingAdmin` named an address that is already an admin.
    error AdminAlreadySet();
    /// @notice `acceptAdmin` or `removePendingAdmin` for an address that is not a pending admin.
    error AdminNotPending();
    /// @notice `addPendingAdmin` named an address that is already pending.
    error AdminAlreadyPending();
}

/// @title Events of the PermissionController (eigenlayer-contracts v1.12.0 signatures)
interface IPermissionControllerEvents {
    /// @notice `appointee` may now call `selector` on `target` for `account`.
    event AppointeeSet(address indexed account, address indexed appointee, address target, bytes4 selector);
    /// @notice `appointee` may no longer call `selector` on `target` for `account`.
    event AppointeeRemoved(address indexed account, address indexed appointee, address target, bytes4 selector);
    /// @notice `admin` was offered the admin role of `account`.
    event PendingAdminAdded(address indexed account, address admin);
    /// @notice The offer to `admin` was withdrawn.
    event PendingAdminRemoved(address indexed account, address admin);
    /// @notice `admin` accepted and is now an admin of `account`.
    event AdminSet(address indexed account, address admin);
    /// @notice `admin` is no longer an admin of `account`.
    event AdminRemoved(address indexed account, address admin);
}

/// @title PermissionController: who may act for an account (operator or AVS) in the EigenLayer core
/// @notice Same selectors, errors and events as eigenlayer-contracts v1.12.0. Rules:
///         - An account without admins is its own only admin. Once it has admins, only they are (the account itself
///           is not, unless it made itself one).
///         - Admins are added in two steps (an admin offers, the new admin accepts) and the last one cannot be removed.
///         - An admin may appoint any address to call one function (target contract, selector) for the account.
///         Core contracts ask {canCall}(account, msg.sender, address(this), msg.sig) before acting for an account.
interface IPermissionController is IPermissionControllerErrors, IPermissionControllerEvents {
    /// @notice Offers `admin` the admin role of `account`; it holds once `admin` calls {acceptAdmin}. Admin of
    ///         `account` only. Reverts with NotAdmin, AdminAlreadySet or AdminAlreadyPending.
    function addPendingAdmin(address account, address admin) external;

    /// @notice Withdraws the offer to `admin`. Admin of `account` only. Reverts with NotAdmin or AdminNotPending.
    function removePendingAdmin(address account, address admin) external;

    /// @notice msg.sender accepts the admin role of `account` it was offered. Reverts with AdminNotPending.
    function acceptAdmin(address account) external;

    /// @notice Removes `admin` from `account`'s admins. Admin of `account` only. Reverts with NotAdmin,
    ///         CannotHaveZeroAdmins or AdminNotSet.
    function removeAdmin(address account, address admin) external;

    /// @notice Lets `appointee` call `selector` on `target` for `account`. Admin of `account` only. Reverts with
    ///         NotAdmin or AppointeeAlreadySet.
    function setAppointee(address account, address appointee, address target, bytes4 selector) external;

    /// @notice Revokes what {setAppointee} gave. Admin of `account` only. Reverts with NotAdmin or AppointeeNotSet.
    function removeAppointee(address account, address appointee, address target, bytes4 selector) external;

    /// @notice Whether `caller` is an admin of `account` (with no admins: whether `caller` is `account`).
    function isAdmin(address account, address caller) external view returns (bool);

    /// @notice Whether `pendingAdmin` has been offered the admin role of `account` and not yet accepted.
    function isPendingAdmin(address account, address pendingAdmin) external view returns (bool);

    /// @notice `account`'s admins; `[account]` when it has none.
    function getAdmins(address account) external view returns (address[] memory);

    /// @notice `account`'s pending admins.
    function getPendingAdmins(address account) external view returns (address[] memory);

    /// @notice Whether `caller` may call `selector` on `target` for `account`: an admin, or appointed for it.
    function canCall(address account, address caller, address target, bytes4 selector) external view returns (bool);

    /// @notice The (target, selector) pairs `appointee` may call for `account`, as two arrays of equal length.
    function getAppointeePermissions(address account, address appointee)
        external
        view
        returns (address[] memory, bytes4[] memory);

    /// @notice The appointees (admins not included) that may call `selector` on `target` for `account`.
    function getAppointees(address account, address target, bytes4 selector) external view returns (address[] memory);
}

/// @title The PermissionController a core contract asks (v1.12.0: AllocationManager, DelegationManager and
///        RewardsCoordinator expose it)
interface IPermissionControllerMixin {
    /// @notice The PermissionController this contract asks before acting for an account.
    function permissionController() external view returns (IPermissionController);
}
