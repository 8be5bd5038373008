// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {EpochMath} from "./EpochMath.sol";
import {IOperatorSetRegistry, IRegistryStateSender} from "../replication/IRegistryReplication.sol";
import {RegistryStateMessage} from "../replication/RegistryStateMessage.sol";

/// @notice Kinds of operator-state change queued for remote chains. The `data` of each kind is:
///         - REGISTER:           abi.encode(address operator, address signingKey, uint256 weight)
///         - DEREGISTER:         abi.encode(address operator)
///         - UPDATE_SIGNING_KEY: abi.encode(address operator, address newSigningKey)
///         - UPDATE_WEIGHT:      abi.encode(address operator, uint256 newWeight)
///         - UPDATE_THRESHOLD:   abi.encode(uint16 thresholdBps)
///         Weights are in the registry's weight unit (Σ shares × multiplier / 10000); basis points out of 10000.
enum MessageType {
    REGISTER,
    DEREGISTER,
    UPDATE_SIGNING_KEY,
    UPDATE_WEIGHT,
    UPDATE_THRESHOLD
}

/// @notice One queued operator-state change.
/// @param updateType What changed (see {MessageType}).
/// @param data The ABI-encoded change (see {MessageType}).
struct StateUpdate {
    MessageType updateType;
    bytes data;
}

/// @title EpochManager
/// @notice The epoch clock of an AVS deployment on the main chain, the per-epoch log of operator-state changes, and
///         the entry point that replicates the registry to remote chains ({sendStateUpdates},
///         decision replication-0001).
///         Epoch length and grace period are fixed at deployment (defaults 7 days / 1 day; devnets use e.g. 120 s / 20 s).
/// @dev `epoch(t) = floor((t - GENESIS) / EPOCH_LENGTH)`; a change made at t takes effect at epoch(t) + 1, or
///      epoch(t) + 2 inside the last GRACE_PERIOD seconds of the epoch. Every time-taking view reverts with
///      {EpochMath.TimestampBeforeGenesis} for times before GENESIS.
contract EpochManager is Ownable {
    /// @notice Start of epoch 0, unix seconds.
    uint64 public immutable GENESIS;
    /// @notice Epoch length, seconds.
    uint64 public immutable EPOCH_LENGTH;
    /// @notice Grace period at the end of each epoch, seconds (< EPOCH_LENGTH).
    uint64 public immutable GRACE_PERIOD;

    /// @notice The only address allowed to queue state updates (set once by the owner); also the source of the
    ///         operator sets {sendStateUpdates} sends.
    address public stakeRegistry;
    /// @notice Sends snapshots to remote chains (set by the owner; replaceable, e.g. to move to another bridge).
    IRegistryStateSender public stateSender;

    /// @dev Queued updates per effective epoch, in queueing order.
    mapping(uint32 effectiveEpoch => StateUpdate[]) private _stateUpdates;

    /// @notice The epoch length is zero.
    error ZeroEpochLength();
    /// @notice The grace period (seconds) is not shorter than the epoch length (seconds).
    error GracePeriodTooLong(uint64 gracePeriod, uint64 epochLength);
    /// @notice The epoch interval of `epoch` does not fit in uint64 seconds.
    error EpochIntervalOverflow(uint32 epoch);
    /// @notice The stake registry may be set only once.
    error StakeRegistryAlreadySet(address stakeRegistry);
    /// @notice An address argument was zero.
    error ZeroAddress();
    /// @notice `caller` is not the stake registry.
    error OnlyStakeRegistry(address caller);
    /// @notice `index` is past the `length` updates queued for `epoch`.
    error StateUpdateIndexOutOfBounds(uint32 epoch, uint256 index, uint256 length);
    /// @notice The stake registry is not set yet: there is no operator set to send.
    error StakeRegistryNotSet();
    /// @notice The state sender is not set yet.
    error StateSenderNotSet();

    /// @notice The stake registry was set.
    event StakeRegistrySet(address indexed stakeRegistry);
    /// @notice A state change was queued; it takes effect at `effectiveEpoch`.
    event StateUpdateQueued(uint32 indexed effectiveEpoch, MessageType updateType, bytes data);
    /// @notice The state sender was set.
    event StateSenderSet(address indexed stateSender);
    /// @notice `caller` sent the complete operator set of `epoch` (`operatorCount` operators) to chain `chainId`,
    ///         paying `fee` wei to the bridge; `guid` is the bridge's message id.
    event StateUpdatesSent(
        uint256 indexed chainId,
        uint32 indexed epoch,
        address indexed caller,
        bytes32 guid,
        uint256 operatorCount,
        uint256 fee
    );

    /// @param genesis Start of epoch 0, unix seconds (may be in the past or the future).
    /// @param epochLength Epoch length, seconds (> 0).
    /// @param gracePeriod Grace period, seconds (0 <= gracePeriod < epochLength).
    /// @param owner_ Owner (sets the stake registry).
    constructor(uint64 genesis, uint64 epochLength, uint64 gracePeriod, address owner_) Ownable(owner_) {
        if (epochLength == 0) revert ZeroEpochLength();
        if (gracePeriod >= epochLength) revert GracePeriodTooLong(gracePeriod, epochLength);
        GENESIS = genesis;
        EPOCH_LENGTH = epochLength;
        GRACE_PERIOD = gracePeriod;
    }

    /// @notice Sets the stake registry, the only caller of {queueStateUpdate}. Owner only, once.
    /// @param registry The main-chain stake registry.
    function setStakeRegistry(address registry) external onlyOwner {
        if (registry == address(0)) revert ZeroAddress();
        if (stakeRegistry != address(0)) revert StakeRegistryAlreadySet(stakeRegistry);
        stakeRegistry = registry;
        emit StakeRegistrySet(registry);
    }

    /// @notice Sets the sender {sendStateUpdates} sends through. Owner only; may be replaced.
    /// @param sender The RegistryStateSender (its only allowed caller must be this EpochManager).
    function setStateSender(IRegistryStateSender sender) external onlyOwner {
        if (address(sender) == address(0)) revert ZeroAddress();
        stateSender = sender;
        emit StateSenderSet(address(sender));
    }

    /// @notice Records a state change under the epoch at which it takes effect. Stake registry only.
    /// @param updateType Kind of change.
    /// @param data The ABI-encoded change (layout per {MessageType}).
    /// @return effective The epoch at which the change takes effect (current + 1, or + 2 in the grace period).
    function queueStateUpdate(MessageType updateType, bytes calldata data) external returns (uint32 effective) {
        if (msg.sender != stakeRegistry) revert OnlyStakeRegistry(msg.sender);
        effective = EpochMath.effectiveEpochAt(GENESIS, EPOCH_LENGTH, GRACE_PERIOD, block.timestamp);
        _stateUpdates[effective].push(StateUpdate({updateType: updateType, data: data}));
        emit StateUpdateQueued(effective, updateType, data);
    }

    /// @notice Sends the complete operator set of {finalizedEpoch} to the remote chain `chainId`.
    ///         Anyone may call. The set comes from the stake registry (IOperatorSetRegistry.getOperatorSetAtEpoch),
    ///         never from the caller, so no one can send a partial list or a set of an epoch that is not final.
    ///         Sending an epoch again is allowed (e.g. after a lost message); the receiver drops what it already has.
    /// @dev msg.value pays the bridge fee ({quoteStateUpdates}, wei); the sender refunds the excess to msg.sender in
    ///      the same call (so a caller that cannot receive ether must send the exact fee). Nothing stays here.
    /// @param chainId The remote chain's id (a route of the state sender).
    /// @return guid The bridge's message id.
    function sendStateUpdates(uint256 chainId) external payable returns (bytes32 guid) {
        IRegistryStateSender sender = stateSender;
        if (address(sender) == address(0)) revert StateSenderNotSet();
        (uint32 epoch, bytes memory message, uint256 operatorCount) = _finalizedSetMessage();
        uint256 fee;
        (guid, fee) = sender.sendStateUpdate{value: msg.value}(chainId, message, operatorCount, msg.sender);
        emit StateUpdatesSent(chainId, epoch, msg.sender, guid, operatorCount, fee);
    }

    /// @notice The fee {sendStateUpdates}(chainId) needs now, wei (valid while {finalizedEpoch} and its set stay the same).
    /// @param chainId The remote chain's id.
    function quoteStateUpdates(uint256 chainId) external view returns (uint256 fee) {
        IRegistryStateSender sender = stateSender;
        if (address(sender) == address(0)) revert StateSenderNotSet();
        (, bytes memory message, uint256 operatorCount) = _finalizedSetMessage();
        return sender.quoteStateUpdate(chainId, message, operatorCount);
    }

    /// @notice The latest effective epoch whose operator set can no longer change: the set of E + 1 is final once
    ///         E's grace period starts (changes made then take effect at E + 2), and stays the latest final one
    ///         during E + 1 until E + 1's grace period. So: current + 1 in the grace period, else current.
    function finalizedEpoch() public view returns (uint32) {
        uint256 t = block.timestamp;
        uint32 current = EpochMath.epochAt(GENESIS, EPOCH_LENGTH, t);
        if (!EpochMath.isInGracePeriodAt(GENESIS, EPOCH_LENGTH, GRACE_PERIOD, t)) return current;
        if (current == type(uint32).max) revert EpochMath.EpochOverflow(t);
        return current + 1;
    }

    /// @notice All updates queued for `epoch`, in queueing order.
    /// @param epoch An effective epoch.
    function getStateUpdates(uint32 epoch) external view returns (StateUpdate[] memory) {
        return _stateUpdates[epoch];
    }

    /// @notice Number of updates queued for `epoch`.
    /// @param epoch An effective epoch.
    function getStateUpdateCount(uint32 epoch) external view returns (uint256) {
        return _stateUpdates[epoch].length;
    }

    /// @notice The `index`-th update queued for `epoch`.
    /// @param epoch An effective epoch.
    /// @param index Position in queueing order.
    function getStateUpdate(uint32 epoch, uint256 index) external view returns (StateUpdate memory) {
        StateUpdate[] storage updates = _stateUpdates[epoch];
        if (index >= updates.length) revert StateUpdateIndexOutOfBounds(epoch, index, updates.length);
        return updates[index];
    }

    /// @notice The epoch of the current block.
    function currentEpoch() external view returns (uint32) {
        return EpochMath.epochAt(GENESIS, EPOCH_LENGTH, block.timestamp);
    }

    /// @notice The epoch containing `timestamp` (unix seconds).
    function epochAt(uint256 timestamp) external view returns (uint32) {
        return EpochMath.epochAt(GENESIS, EPOCH_LENGTH, timestamp);
    }

    /// @notice Whether the current block falls in the grace period of its epoch.
    function isInGracePeriod() external view returns (bool) {
        return EpochMath.isInGracePeriodAt(GENESIS, EPOCH_LENGTH, GRACE_PERIOD, block.timestamp);
    }

    /// @notice Whether `timestamp` (unix seconds) falls in the grace period of its epoch.
    function isInGracePeriodAt(uint256 timestamp) external view returns (bool) {
        return EpochMath.isInGracePeriodAt(GENESIS, EPOCH_LENGTH, GRACE_PERIOD, timestamp);
    }

    /// @notice The epoch at which a change made now takes effect.
    function effectiveEpoch() external view returns (uint32) {
        return EpochMath.effectiveEpochAt(GENESIS, EPOCH_LENGTH, GRACE_PERIOD, block.timestamp);
    }

    /// @notice The epoch at which a change made at `timestamp` (unix seconds) takes effect.
    function effectiveEpochAt(uint256 timestamp) external view returns (uint32) {
        return EpochMath.effectiveEpochAt(GENESIS, EPOCH_LENGTH, GRACE_PERIOD, timestamp);
    }

    /// @notice Bounds of `epoch`, unix seconds.
    /// @return start First second of the epoch.
    /// @return graceStart First second of its grace period (== end when the grace period is 0).
    /// @return end First second of the next epoch (exclusive end).
    function epochInterval(uint32 epoch) external view returns (uint64 start, uint64 graceStart, uint64 end) {
        uint256 s = uint256(GENESIS) + uint256(epoch) * EPOCH_LENGTH;
        uint256 e = s + EPOCH_LENGTH;
        if (e > type(uint64).max) revert EpochIntervalOverflow(epoch);
        // casting to 'uint64' is safe because s <= e - GRACE_PERIOD <= e <= type(uint64).max
        // forge-lint: disable-next-line(unsafe-typecast)
        return (uint64(s), uint64(e - GRACE_PERIOD), uint64(e));
    }

    /// @dev The message carrying the stake registry's complete operator set at {finalizedEpoch}.
    function _finalizedSetMessage() private view returns (uint32 epoch, bytes memory message, uint256 operatorCount) {
        address registry = stakeRegistry;
        if (registry == address(0)) revert StakeRegistryNotSet();
        epoch = finalizedEpoch();
        RegistryStateMessage.OperatorSet memory set;
        set.epoch = epoch;
        (set.operators, set.signingKeys, set.weights, set.totalWeight, set.thresholdWeight) =
            IOperatorSetRegistry(registry).getOperatorSetAtEpoch(epoch);
        return (epoch, RegistryStateMessage.encode(set), set.operators.length);
    }
}
