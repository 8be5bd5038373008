// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IAbridge, IAbridgeMessageHandler} from "../../../src/bridge/IAbridge.sol";

/// @notice A test bridge that plays both ends of one Abridge pair inside one EVM. By default `send` delivers at once
///         (synchronous), giving the receiver exactly `gasLimit` gas, so an insufficient gas limit makes `send`
///         revert. With `deliverOnSend` off it queues messages instead, and a test delivers them in any order, again
///         (replays), or delivers a message no one sent (`deliverRaw`, a forged `from`).
///         Fee: `baseFee + feePerByte × message.length` wei; excess refunded to msg.sender, as IAbridge specifies.
contract ReplicationMockAbridge is IAbridge {
    struct Message {
        address from;
        address receiver;
        uint128 gasLimit;
        bytes message;
        bytes32 guid;
    }

    uint256 public baseFee;
    uint256 public feePerByte;
    bool public deliverOnSend = true;
    /// @dev With deliverOnSend off: whether sent messages are kept for {deliver} (off: only the Sent event, for gas
    ///      measurements that should not include this mock's storage).
    bool public keepOutbox = true;
    /// @dev Extra wei `send` returns to msg.sender on top of the excess (a bridge that rebates part of its fee).
    uint256 public rebate;
    uint256 public nonce;
    mapping(address receiver => mapping(address sender => bool)) public routes;
    Message[] internal _outbox;

    error FeeTooLow(uint256 paid, uint256 fee);
    error RouteNotAllowed(address receiver, address sender);
    error NotEnoughGasForDelivery(uint256 available, uint256 gasLimit);
    error BadAcknowledgement(bytes4 returned);
    error RefundFailed();

    event Sent(bytes32 indexed guid, address indexed from, address indexed receiver, uint128 gasLimit, uint256 fee);
    event Delivered(bytes32 indexed guid, address indexed from, address indexed receiver, uint256 gasUsed);

    constructor(uint256 baseFee_, uint256 feePerByte_) {
        baseFee = baseFee_;
        feePerByte = feePerByte_;
    }

    receive() external payable {}

    function setFees(uint256 baseFee_, uint256 feePerByte_) external {
        baseFee = baseFee_;
        feePerByte = feePerByte_;
    }

    function setDeliverOnSend(bool on) external {
        deliverOnSend = on;
    }

    function setKeepOutbox(bool on) external {
        keepOutbox = on;
    }

    function setRebate(uint256 wei_) external {
        rebate = wei_;
    }

    function send(address receiver, uint128 gasLimit, bytes calldata message) external payable returns (bytes32 guid) {
        uint256 fee = _fee(message);
        if (msg.value < fee) revert FeeTooLow(msg.value, fee);
        guid = keccak256(abi.encode(address(this), ++nonce));
        emit Sent(guid, msg.sender, receiver, gasLimit, fee);
        uint256 back = msg.value - fee + rebate;
        if (back != 0) {
            (bool ok,) = msg.sender.call{value: back}("");
            if (!ok) revert RefundFailed();
        }
        Message memory m = Message(msg.sender, receiver, gasLimit, message, guid);
        if (deliverOnSend) _deliver(m, true);
        else if (keepOutbox) _outbox.push(m);
    }

    function estimateFee(address, uint128, bytes calldata message) external view returns (address, uint256) {
        return (address(0), _fee(message));
    }

    function updateRoute(address sender, bool allowed) external {
        routes[msg.sender][sender] = allowed;
    }

    function outboxLength() external view returns (uint256) {
        return _outbox.length;
    }

    function outbox(uint256 index) external view returns (Message memory) {
        return _outbox[index];
    }

    /// @notice Delivers queued message `index` (again, when it was delivered before).
    function deliver(uint256 index) external {
        _deliver(_outbox[index], true);
    }

    /// @notice Delivers a message as if `from` had sent it (no route check): a forged or misrouted delivery.
    function deliverRaw(address from, address receiver, bytes calldata message, bytes32 guid) external {
        _deliver(Message(from, receiver, 10_000_000, message, guid), false);
    }

    function _deliver(Message memory m, bool checkRoute) internal {
        if (checkRoute && !routes[m.receiver][m.from]) revert RouteNotAllowed(m.receiver, m.from);
        // Like a relayer: the destination call gets exactly gasLimit, or the delivery fails.
        if (gasleft() < uint256(m.gasLimit) + uint256(m.gasLimit) / 63 + 10_000) {
            revert NotEnoughGasForDelivery(gasleft(), m.gasLimit);
        }
        uint256 before = gasleft();
        bytes4 ack = IAbridgeMessageHandler(m.receiver).handleMessage{gas: m.gasLimit}(m.from, m.message, m.guid);
        uint256 used = before - gasleft();
        if (ack != IAbridgeMessageHandler.handleMessage.selector) revert BadAcknowledgement(ack);
        emit Delivered(m.guid, m.from, m.receiver, used);
    }

    function _fee(bytes calldata message) internal view returns (uint256) {
        return baseFee + feePerByte * message.length;
    }
}
