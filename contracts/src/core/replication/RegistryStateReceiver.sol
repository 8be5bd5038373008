// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IAbridge, IAbridgeMessageHandler} from "../../bridge/IAbridge.sol";
import {RegistryStateMessage} from "./RegistryStateMessage.sol";
import {LightStakeRegistry} from "./LightStakeRegistry.sol";

/// @title RegistryStateReceiver
/// @notice Remote-chain end of registry replication (decision replication-0001): takes the operator-set snapshots
///         that the main chain's RegistryStateSender sends through Abridge and hands them to this chain's
///         LightStakeRegistry.
///
///         A message is processed only when it comes from the configured bridge (msg.sender) on behalf of the
///         configured RegistryStateSender on the main chain (`from`); anything else reverts. A snapshot whose epoch
///         the registry already has, or that is older than its latest (duplicates, replays, out-of-order delivery),
///         is dropped with {StateUpdateDropped} and acknowledged, so the bridge does not retry it forever.
/// @dev The owner sets the route (bridge and main-chain sender) and this contract allows the sender on the bridge with
///      IAbridge.updateRoute, as Abridge requires of a receiver. A malformed message from the configured sender
///      reverts (the bridge keeps it for retry); the sender cannot produce one.
contract RegistryStateReceiver is IAbridgeMessageHandler, Ownable {
    /// @notice The registry this receiver feeds.
    LightStakeRegistry public immutable registry;
    /// @notice The Abridge instance serving the main chain and this chain (zero until configured).
    IAbridge public bridge;
    /// @notice The RegistryStateSender on the main chain.
    address public mainChainSender;

    /// @notice An address argument was zero.
    error ZeroAddress();
    /// @notice `caller` is not the configured bridge.
    error OnlyBridge(address caller);
    /// @notice `from` is not the configured main-chain sender.
    error UnknownSender(address from);

    /// @notice The route changed: messages from `mainChainSender` through `bridge` are accepted.
    event RouteSet(address indexed bridge, address indexed mainChainSender);
    /// @notice Message `guid` carried the set of `epoch` (`operatorCount` operators); it was handed to the registry.
    event StateUpdateReceived(uint32 indexed epoch, bytes32 indexed guid, uint256 operatorCount);
    /// @notice Message `guid` carried `epoch`, which is not after the registry's `latestEpoch`: dropped.
    event StateUpdateDropped(uint32 indexed epoch, bytes32 indexed guid, uint32 latestEpoch);

    /// @param registry_ The LightStakeRegistry on this chain (its state receiver must be set to this contract).
    /// @param owner_ Sets the route.
    constructor(LightStakeRegistry registry_, address owner_) Ownable(owner_) {
        if (address(registry_) == address(0)) revert ZeroAddress();
        registry = registry_;
    }

    /// @notice Accepts messages from `mainChainSender_` delivered by `bridge_` (and no longer from the previous
    ///         route), and allows that sender on the bridge (IAbridge.updateRoute). Owner only.
    /// @param bridge_ The Abridge serving the main chain and this chain.
    /// @param mainChainSender_ The RegistryStateSender on the main chain.
    function setRoute(IAbridge bridge_, address mainChainSender_) external onlyOwner {
        if (address(bridge_) == address(0) || mainChainSender_ == address(0)) revert ZeroAddress();
        IAbridge oldBridge = bridge;
        address oldSender = mainChainSender;
        bridge = bridge_;
        mainChainSender = mainChainSender_;
        emit RouteSet(address(bridge_), mainChainSender_);
        if (address(oldBridge) != address(0)) {
            // Best effort: a retired bridge that no longer answers must not block moving to a new one; this
            // contract rejects the old route by itself anyway.
            try oldBridge.updateRoute(oldSender, false) {} catch {}
        }
        bridge_.updateRoute(mainChainSender_, true);
    }

    /// @inheritdoc IAbridgeMessageHandler
    /// @dev Reverts with {OnlyBridge} or {UnknownSender} for anything but the configured route; drops stale epochs
    ///      ({StateUpdateDropped}); otherwise calls LightStakeRegistry.processEpochUpdate with the decoded snapshot.
    function handleMessage(address from, bytes calldata message, bytes32 guid) external returns (bytes4) {
        IAbridge bridge_ = bridge;
        if (msg.sender != address(bridge_)) revert OnlyBridge(msg.sender);
        if (from != mainChainSender) revert UnknownSender(from);

        uint32 epoch = RegistryStateMessage.epochOf(message);
        if (!registry.acceptsEpoch(epoch)) {
            emit StateUpdateDropped(epoch, guid, registry.latestEpoch());
            return IAbridgeMessageHandler.handleMessage.selector;
        }
        RegistryStateMessage.OperatorSet memory set = RegistryStateMessage.decode(message);
        emit StateUpdateReceived(epoch, guid, set.operators.length);
        registry.processEpochUpdate(
            set.epoch, set.operators, set.signingKeys, set.weights, set.totalWeight, set.thresholdWeight
        );
        return IAbridgeMessageHandler.handleMessage.selector;
    }
}
