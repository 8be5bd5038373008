// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title IAbridge: the message bridge avs-stack sends cross-chain messages through
/// @notice ABI-compatible with Abridge, the LayerZero V2 wrapper the original state-proof build used
///         (Galxe's spotted-protocol). One Abridge instance serves one pair of chains, so `send`
///         names no destination chain: a sender keeps one Abridge address per remote chain.
///         On a devnet the endpoint is {DevnetAbridge} with a relayer process; on public networks the deployment
///         config points at a real Abridge.
interface IAbridge {
    /// @notice Sends `message` to `receiver` on the peer chain, paying the fee in the native token.
    /// @dev Reverts when msg.value is below {estimateFee}; any excess is refunded to msg.sender in the same call.
    /// @param receiver Contract on the peer chain that implements {IAbridgeMessageHandler}.
    /// @param gasLimit Gas the destination call to `receiver.handleMessage` is given.
    /// @param message Opaque payload handed to the receiver unchanged.
    /// @return guid Unique id of the message (the receiver sees the same guid).
    function send(address receiver, uint128 gasLimit, bytes calldata message) external payable returns (bytes32 guid);

    /// @notice The fee {send} charges for these arguments.
    /// @param receiver Contract on the peer chain.
    /// @param gasLimit Gas for the destination call.
    /// @param message Payload.
    /// @return token The fee token (address(0): the native token, wei).
    /// @return fee The fee, in `token` units.
    function estimateFee(address receiver, uint128 gasLimit, bytes calldata message)
        external
        view
        returns (address token, uint256 fee);

    /// @notice Allows or forbids `sender` (a contract on the peer chain) to deliver messages to msg.sender on this chain.
    /// @param sender The remote sender.
    /// @param allowed Whether its messages are delivered.
    function updateRoute(address sender, bool allowed) external;
}

/// @title IAbridgeMessageHandler: implemented by contracts that receive messages through an {IAbridge}
interface IAbridgeMessageHandler {
    /// @notice Delivers a message sent on the peer chain. Called by the bridge only.
    /// @param from The sender contract on the peer chain.
    /// @param message The payload as sent.
    /// @param guid The message's unique id.
    /// @return IAbridgeMessageHandler.handleMessage.selector on success.
    function handleMessage(address from, bytes calldata message, bytes32 guid) external returns (bytes4);
}
