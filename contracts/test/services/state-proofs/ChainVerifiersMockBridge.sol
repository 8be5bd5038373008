// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IAbridge, IAbridgeMessageHandler} from "../../../src/bridge/IAbridge.sol";

/// @notice A small IAbridge for tests, both ends of one chain pair in one contract: {send} delivers at once
///         (synchronous) by calling receiver.handleMessage(msg.sender, message, guid) from this contract, or, in queued
///         mode, keeps the message until {relay}. Delivery needs the receiver to have allowed the sender
///         ({updateRoute}), as Abridge does. Fee: a flat `fee` in `feeToken` (zero: native wei); excess refunded.
contract MockAbridge is IAbridge {
    struct Message {
        address sender;
        address receiver;
        uint128 gasLimit;
        bytes message;
        bytes32 guid;
    }

    uint256 public fee;
    address public feeToken;
    bool public queued;
    uint256 public nonce;
    mapping(address receiver => mapping(address sender => bool)) public allowed;
    Message[] internal _queue;

    error FeeTooLow(uint256 paid, uint256 fee);
    error RouteNotAllowed(address receiver, address sender);
    error BadReturn(bytes4 returned);
    error Dead();

    bool public dead;

    event RouteUpdated(address indexed receiver, address indexed sender, bool allowed);

    constructor(uint256 fee_) {
        fee = fee_;
    }

    function setFee(uint256 fee_, address token) external {
        fee = fee_;
        feeToken = token;
    }

    /// @notice A dead bridge refuses every call (a retired or broken deployment).
    function setDead(bool dead_) external {
        dead = dead_;
    }

    function setQueued(bool queued_) external {
        queued = queued_;
    }

    function send(address receiver, uint128 gasLimit, bytes calldata message) external payable returns (bytes32 guid) {
        if (msg.value < fee) revert FeeTooLow(msg.value, fee);
        guid = keccak256(abi.encode(address(this), nonce++, msg.sender, receiver, message));
        if (msg.value > fee) {
            (bool ok,) = msg.sender.call{value: msg.value - fee}("");
            require(ok, "refund");
        }
        if (queued) {
            _queue.push(Message(msg.sender, receiver, gasLimit, message, guid));
        } else {
            _deliver(msg.sender, receiver, gasLimit, message, guid);
        }
    }

    function estimateFee(address, uint128, bytes calldata) external view returns (address, uint256) {
        return (feeToken, fee);
    }

    function updateRoute(address sender, bool allowed_) external {
        if (dead) revert Dead();
        allowed[msg.sender][sender] = allowed_;
        emit RouteUpdated(msg.sender, sender, allowed_);
    }

    /// @notice Delivers queued message `index` (queued mode).
    function relay(uint256 index) external {
        Message memory m = _queue[index];
        _deliver(m.sender, m.receiver, m.gasLimit, m.message, m.guid);
    }

    function queueLength() external view returns (uint256) {
        return _queue.length;
    }

    /// @notice Delivers as if from `sender` on the peer chain, skipping the fee (tests of the receiver's checks).
    function deliverAs(address sender, address receiver, bytes calldata message) external {
        _deliver(sender, receiver, 500_000, message, keccak256(abi.encode(nonce++)));
    }

    function _deliver(address sender, address receiver, uint128 gasLimit, bytes memory message, bytes32 guid) internal {
        if (!allowed[receiver][sender]) revert RouteNotAllowed(receiver, sender);
        bytes4 ret = IAbridgeMessageHandler(receiver).handleMessage{gas: gasLimit}(sender, message, guid);
        if (ret != IAbridgeMessageHandler.handleMessage.selector) revert BadReturn(ret);
    }
}
