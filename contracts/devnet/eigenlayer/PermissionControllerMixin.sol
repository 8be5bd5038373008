// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IPermissionController, IPermissionControllerMixin} from "../../src/eigenlayer/IPermissionController.sol";

/// @title PermissionControllerMixin: "may msg.sender act for this account here?" for devnet core contracts
/// @notice As in eigenlayer-contracts v1.12.0: a function that acts for an operator or an AVS asks the
///         PermissionController whether msg.sender may call this function (address(this), msg.sig) for that account,
///         and reverts with {InvalidPermissions} if not.
abstract contract PermissionControllerMixin is IPermissionControllerMixin {
    /// @notice msg.sender may not call this function for the account it names.
    error InvalidPermissions();

    /// @inheritdoc IPermissionControllerMixin
    IPermissionController public immutable permissionController;

    /// @param permissionController_ The PermissionController (not zero).
    constructor(IPermissionController permissionController_) {
        permissionController = permissionController_;
    }

    /// @dev Reverts with {InvalidPermissions} unless msg.sender may call this function for `account`.
    function _checkCanCall(address account) internal view {
        if (!_canCall(account)) revert InvalidPermissions();
    }

    /// @dev Whether msg.sender may call this function (msg.sig on this contract) for `account`.
    function _canCall(address account) internal view returns (bool) {
        return permissionController.canCall(account, msg.sender, address(this), msg.sig);
    }
}
