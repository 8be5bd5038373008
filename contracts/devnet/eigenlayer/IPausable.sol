// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title Pausing of a devnet core contract, with eigenlayer-contracts v1.12.0's selectors, errors and events
/// @notice A uint256 of pause flags; bit `i` set pauses the functions guarded by flag `i`. `pause` can only set bits,
///         `unpause` can only clear them. v1.12.0 asks a PauserRegistry who may pause and who may unpause; the devnet
///         core has one pauser address, fixed at construction, that does both ({pauser}).
interface IPausable {
    /// @notice The caller is not the pauser.
    error OnlyPauser();
    /// @notice The caller is not the unpauser (on the devnet: the pauser).
    error OnlyUnpauser();
    /// @notice The function called is paused.
    error CurrentlyPaused();
    /// @notice `pause` would clear a bit, or `unpause` would set one.
    error InvalidNewPausedStatus();
    /// @notice The pauser given at construction is the zero address.
    error InputAddressZero();

    /// @notice `account` set the pause flags to `newPausedStatus` (pausing).
    event Paused(address indexed account, uint256 newPausedStatus);
    /// @notice `account` set the pause flags to `newPausedStatus` (unpausing).
    event Unpaused(address indexed account, uint256 newPausedStatus);

    /// @notice Sets the pause flags to `newPausedStatus`, which must keep every bit already set. Pauser only.
    function pause(uint256 newPausedStatus) external;

    /// @notice Sets every pause flag. Pauser only.
    function pauseAll() external;

    /// @notice Sets the pause flags to `newPausedStatus`, which must set no bit that is clear. Unpauser (the pauser) only.
    function unpause(uint256 newPausedStatus) external;

    /// @notice The pause flags.
    function paused() external view returns (uint256);

    /// @notice Whether flag `index` is set.
    function paused(uint8 index) external view returns (bool);

    /// @notice The address that may pause and unpause (devnet stand-in for v1.12.0's PauserRegistry).
    function pauser() external view returns (address);
}
