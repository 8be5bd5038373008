// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IAbridge, IAbridgeMessageHandler} from "../../../src/bridge/IAbridge.sol";
import {DevnetAbridge} from "../../../devnet/bridge/DevnetAbridge.sol";

/// @notice A receiver whose behaviour the test sets: accept, revert, return a wrong value, burn gas, return huge
///         revert data, or re-enter the endpoint. Records every message it handled, in order.
contract MockReceiver is IAbridgeMessageHandler {
    enum Mode {
        Accept,
        Revert,
        WrongSelector,
        ReturnNothing,
        BurnGas,
        HugeRevert,
        ReenterRetry,
        AcceptQuietly,
        FakeGasShortage
    }

    struct Handled {
        address from;
        bytes32 guid;
        bytes message;
        uint256 gasLeft;
    }

    error Rejected(bytes32 guid);

    IAbridge public immutable BRIDGE;
    Mode public mode;
    Handled[] internal _handled;
    mapping(bytes32 guid => uint256) public timesHandled;
    /// @dev Arguments for a re-entrant retry (ReenterRetry mode).
    address internal _reSender;
    bytes internal _reMessage;
    bytes32 internal _reGuid;

    constructor(IAbridge bridge) {
        BRIDGE = bridge;
    }

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    function allow(address sender, bool allowed) external {
        BRIDGE.updateRoute(sender, allowed);
    }

    function setReentry(address sender, bytes calldata message, bytes32 guid) external {
        _reSender = sender;
        _reMessage = message;
        _reGuid = guid;
    }

    function handleMessage(address from, bytes calldata message, bytes32 guid) external returns (bytes4) {
        uint256 gasLeft = gasleft();
        require(msg.sender == address(BRIDGE), "only bridge");
        Mode m = mode;
        if (m == Mode.AcceptQuietly) return IAbridgeMessageHandler.handleMessage.selector;
        if (m == Mode.Revert) revert Rejected(guid);
        if (m == Mode.FakeGasShortage) revert DevnetAbridge.InsufficientGasForReceiver(0, 1);
        if (m == Mode.BurnGas) {
            while (true) {}
        }
        if (m == Mode.HugeRevert) {
            assembly {
                revert(0, 100000)
            }
        }
        if (m == Mode.ReenterRetry) {
            DevnetAbridge(address(BRIDGE)).retryMessage(_reSender, address(this), _reMessage, _reGuid);
        }
        _handled.push(Handled({from: from, guid: guid, message: message, gasLeft: gasLeft}));
        ++timesHandled[guid];
        if (m == Mode.WrongSelector) return bytes4(0xdeadbeef);
        if (m == Mode.ReturnNothing) {
            assembly {
                return(0, 0)
            }
        }
        return IAbridgeMessageHandler.handleMessage.selector;
    }

    function handledCount() external view returns (uint256) {
        return _handled.length;
    }

    function handledAt(uint256 i) external view returns (Handled memory) {
        return _handled[i];
    }
}

/// @notice A sender that cannot take refunds (no receive function).
contract RefundRejecter {
    function send(IAbridge bridge, address receiver, uint128 gasLimit, bytes calldata message)
        external
        payable
        returns (bytes32)
    {
        return bridge.send{value: msg.value}(receiver, gasLimit, message);
    }
}

/// @notice A sender that accepts refunds and records them.
contract RefundTaker {
    uint256 public received;

    function send(IAbridge bridge, address receiver, uint128 gasLimit, bytes calldata message)
        external
        payable
        returns (bytes32)
    {
        return bridge.send{value: msg.value}(receiver, gasLimit, message);
    }

    receive() external payable {
        received += msg.value;
    }
}
