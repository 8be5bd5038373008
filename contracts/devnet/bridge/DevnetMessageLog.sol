// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IAbridge, IAbridgeMessageHandler} from "../../src/bridge/IAbridge.sol";

/// @title DevnetMessageLog: a devnet-only bridge application that sends messages and logs the ones it receives
/// @notice Exercises a bridge end to end: the devnet health check (and the relayer's tests) send a message through
///         {sendMessage} on one chain and watch it appear, once and in order, in the log on the other chain.
///         It carries no value and guards nothing; do not deploy it outside devnets.
contract DevnetMessageLog is IAbridgeMessageHandler, Ownable {
    /// @notice One received message.
    /// @param from The sender on the peer chain.
    /// @param guid The bridge's id of the message.
    /// @param messageHash keccak256 of the payload (the payload itself is in {MessageLogged}).
    struct Entry {
        address from;
        bytes32 guid;
        bytes32 messageHash;
    }

    /// @notice The bridge endpoint on this chain (sends, and is the only caller of {handleMessage}).
    IAbridge public immutable BRIDGE;

    /// @dev Received messages in arrival order.
    Entry[] internal _entries;
    /// @notice How many times each guid was handled (a correct bridge never makes it exceed 1).
    mapping(bytes32 guid => uint256) public timesReceived;

    /// @notice `caller` is not the bridge.
    error OnlyBridge(address caller);
    /// @notice Passing the bridge's refund of `amount` wei on to `to` failed.
    error RefundFailed(address to, uint256 amount);
    /// @notice `index` is not below the number of entries, `length`.
    error EntryIndexOutOfBounds(uint256 index, uint256 length);

    /// @notice The `index`-th message (0 = first) arrived from `from` on the peer chain.
    event MessageLogged(uint256 indexed index, address indexed from, bytes32 indexed guid, bytes message);

    /// @param bridge The bridge endpoint on this chain.
    /// @param owner_ May allow senders ({setSender}).
    constructor(IAbridge bridge, address owner_) Ownable(owner_) {
        BRIDGE = bridge;
    }

    /// @notice Allows or forbids messages from `sender` on the peer chain (the bridge's updateRoute). Owner only.
    /// @param sender A contract on the peer chain, usually the peer's DevnetMessageLog.
    /// @param allowed Whether its messages are delivered here.
    function setSender(address sender, bool allowed) external onlyOwner {
        BRIDGE.updateRoute(sender, allowed);
    }

    /// @notice Sends `message` to `receiver` on the peer chain, paying the bridge fee from msg.value (wei) and
    ///         passing any refund of excess back to msg.sender.
    /// @param receiver Contract on the peer chain.
    /// @param gasLimit Gas for the receiver's handleMessage.
    /// @param message Payload.
    /// @return guid The bridge's id of the message.
    function sendMessage(address receiver, uint128 gasLimit, bytes calldata message)
        external
        payable
        returns (bytes32 guid)
    {
        uint256 before = address(this).balance - msg.value;
        guid = BRIDGE.send{value: msg.value}(receiver, gasLimit, message);
        uint256 refund = address(this).balance - before;
        if (refund != 0) {
            (bool ok,) = msg.sender.call{value: refund}("");
            if (!ok) revert RefundFailed(msg.sender, refund);
        }
    }

    /// @notice Accepts the bridge's fee refunds only.
    receive() external payable {
        if (msg.sender != address(BRIDGE)) revert OnlyBridge(msg.sender);
    }

    /// @inheritdoc IAbridgeMessageHandler
    function handleMessage(address from, bytes calldata message, bytes32 guid) external returns (bytes4) {
        if (msg.sender != address(BRIDGE)) revert OnlyBridge(msg.sender);
        uint256 index = _entries.length;
        _entries.push(Entry({from: from, guid: guid, messageHash: keccak256(message)}));
        ++timesReceived[guid];
        emit MessageLogged(index, from, guid, message);
        return IAbridgeMessageHandler.handleMessage.selector;
    }

    /// @notice Number of messages received.
    function entryCount() external view returns (uint256) {
        return _entries.length;
    }

    /// @notice The `index`-th message received (0 = first).
    function entryAt(uint256 index) external view returns (Entry memory) {
        uint256 length = _entries.length;
        if (index >= length) revert EntryIndexOutOfBounds(index, length);
        return _entries[index];
    }
}
