// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {IAbridge, IAbridgeMessageHandler} from "../../bridge/IAbridge.sol";
import {BlockHashAnchors} from "./BlockHashAnchors.sol";
import {BlockHeaderLib} from "./BlockHeaderLib.sol";
import {StateManager} from "./StateManager.sol";
import {StateVerificationMessage} from "./RemoteChainVerifier.sol";

/// @title MainChainVerifier
/// @notice The main chain's record of verified StateManager values (decision disputes-0001), read by the
///         StateDisputeResolver to decide challenges:
///         - verified states: what the StateManager of chain `chainId` held for (`user`, `key`) at block
///           `blockNumber`, and that block's timestamp, written once, either from a RemoteChainVerifier on that chain
///           through the Abridge registered for it ({handleMessage}), or for the main chain itself from the local
///           StateManager and a block header checked against this chain's block hashes ({verifyState});
///         - observations that a block was not produced yet: "block `blockNumber` of `chainId` did not exist when that
///           chain's clock read T" ({reportUnproduced}, or bridged). They only grow (a later T proves more), and each
///           keeps the main-chain time it was first recorded, so a challenge can ask whether such an observation with
///           T at or after a given time was recorded by its deadline ({unproducedRecordedAt}).
/// @dev The owner registers, per source chain id, the bridge and the RemoteChainVerifier allowed to write that chain's
///      values; a message is accepted only when both match the chain id it names. A verified state never changes: a
///      later verification of the same key is ignored (event). Owner: routes only; it cannot write values. Deploy it
///      with a TimelockController as owner whose delay exceeds the resolver's EXPOSURE_WINDOW, so that a route change
///      cannot take effect before the operators exposed to it can leave (docs/trust-assumptions.md).
contract MainChainVerifier is Ownable, BlockHashAnchors, IAbridgeMessageHandler {
    using Checkpoints for Checkpoints.Trace208;

    /// @notice Where a source chain's values come from.
    /// @param bridge The Abridge instance between that chain and this one (the only caller of {handleMessage} for it).
    /// @param remoteVerifier The RemoteChainVerifier on that chain (the only sender accepted for it).
    struct Route {
        IAbridge bridge;
        address remoteVerifier;
    }

    /// @notice A recorded value. Slots: value; then exists ‖ blockTimestamp ‖ verifiedAt.
    /// @param value The value (0 when `exists` is false).
    /// @param exists Whether any entry existed at or before the block.
    /// @param blockTimestamp Timestamp of the block on its chain, unix seconds.
    /// @param verifiedAt When it was recorded on this chain, unix seconds (0: never).
    struct VerifiedState {
        uint256 value;
        bool exists;
        uint64 blockTimestamp;
        uint64 verifiedAt;
    }

    /// @notice The StateManager of the main chain (read directly by {verifyState}).
    StateManager public immutable stateManager;
    /// @notice How far, seconds, a source chain's clock may run ahead of the main chain's without an honest
    ///         attestation looking premature (the resolver allows this much; docs/trust-assumptions.md).
    uint64 public immutable MAX_CLOCK_SKEW;
    /// @notice Largest allowed MAX_CLOCK_SKEW, seconds.
    uint64 public constant MAX_CLOCK_SKEW_LIMIT = 1 days;

    /// @notice Source chain id => route.
    mapping(uint256 chainId => Route) private _routes;
    /// @dev {stateKey} => recorded value.
    mapping(bytes32 stateKey => VerifiedState) private _verified;
    /// @dev chainId => blockNumber => (source time T the block did not exist at, ascending => main-chain time first
    ///      recorded).
    mapping(uint256 chainId => mapping(uint256 blockNumber => Checkpoints.Trace208)) private _unproduced;

    /// @notice A dependency address was zero.
    error ZeroAddress();
    /// @notice The main chain reads its own StateManager ({verifyState}); it needs no route.
    error MainChainNeedsNoRoute();
    /// @notice `bridge` (msg.sender) and `from` are not the bridge and RemoteChainVerifier registered for `chainId`.
    error UnauthorizedSource(uint256 chainId, address bridge, address from);
    /// @notice The clock skew allowance `maxClockSkew` (seconds) is above MAX_CLOCK_SKEW_LIMIT.
    error ClockSkewTooLarge(uint64 maxClockSkew);
    /// @notice Block `blockNumber` is not after the current block `currentBlock`: it was produced (prove it by header).
    error BlockProduced(uint256 blockNumber, uint256 currentBlock);

    /// @notice The route of `chainId` is now (`bridge`, `remoteVerifier`) (both zero: removed).
    event RouteSet(uint256 indexed chainId, address bridge, address remoteVerifier);
    /// @notice Forbidding the previous sender `remoteVerifier` on the previous bridge `bridge` failed with `reason`
    ///         (a dead bridge); this contract rejects that route by itself anyway.
    event RouteRevocationFailed(uint256 indexed chainId, address bridge, address remoteVerifier, bytes reason);
    /// @notice The StateManager of `chainId` held `value` (`exists`) for (`user`, `key`) at `blockNumber`, whose
    ///         timestamp is `blockTimestamp` (unix seconds); bridged in message `guid` (zero for the main chain).
    event StateVerified(
        uint256 indexed chainId,
        address indexed user,
        uint256 indexed key,
        uint256 blockNumber,
        uint256 blockTimestamp,
        uint256 value,
        bool exists,
        bytes32 guid
    );
    /// @notice A second verification of an already recorded state was ignored; `matches` tells whether it agreed.
    event DuplicateVerificationIgnored(
        uint256 indexed chainId,
        address indexed user,
        uint256 indexed key,
        uint256 blockNumber,
        uint256 blockTimestamp,
        uint256 value,
        bool exists,
        bool matches
    );
    /// @notice Block `blockNumber` of `chainId` did not exist at that chain's time `sourceTime` (unix seconds); bridged
    ///         in message `guid` (zero for the main chain).
    event UnproducedRecorded(uint256 indexed chainId, uint256 indexed blockNumber, uint256 sourceTime, bytes32 guid);
    /// @notice An observation no later than the latest recorded one (`latestSourceTime`) was ignored: it proves less.
    event UnproducedIgnored(
        uint256 indexed chainId, uint256 indexed blockNumber, uint256 sourceTime, uint256 latestSourceTime
    );

    /// @param stateManager_ The StateManager of the main chain.
    /// @param owner_ Owner (routes): a TimelockController (see the contract notice).
    /// @param maxClockSkew_ {MAX_CLOCK_SKEW}, seconds (at most MAX_CLOCK_SKEW_LIMIT; e.g. 300).
    constructor(StateManager stateManager_, address owner_, uint64 maxClockSkew_) Ownable(owner_) {
        if (address(stateManager_) == address(0)) revert ZeroAddress();
        if (maxClockSkew_ > MAX_CLOCK_SKEW_LIMIT) revert ClockSkewTooLarge(maxClockSkew_);
        stateManager = stateManager_;
        MAX_CLOCK_SKEW = maxClockSkew_;
    }

    /// @notice Registers where `chainId`'s values come from, and allows `remoteVerifier` on the bridge
    ///         (IAbridge.updateRoute, from this contract); the previous route, if any, is forbidden on its bridge on a
    ///         best-effort basis ({RouteRevocationFailed} when that bridge no longer answers). Owner only. Both zero
    ///         removes the route.
    /// @param chainId The source chain (not the main chain).
    /// @param bridge The Abridge instance between `chainId` and this chain.
    /// @param remoteVerifier The RemoteChainVerifier deployed on `chainId`.
    function setRoute(uint256 chainId, IAbridge bridge, address remoteVerifier) external onlyOwner {
        if (chainId == block.chainid) revert MainChainNeedsNoRoute();
        bool remove = address(bridge) == address(0) && remoteVerifier == address(0);
        if (!remove && (address(bridge) == address(0) || remoteVerifier == address(0))) revert ZeroAddress();
        Route memory old = _routes[chainId];
        _routes[chainId] = Route({bridge: bridge, remoteVerifier: remoteVerifier});
        emit RouteSet(chainId, address(bridge), remoteVerifier);
        if (address(old.bridge) != address(0)) {
            try old.bridge.updateRoute(old.remoteVerifier, false) {}
            catch (bytes memory reason) {
                emit RouteRevocationFailed(chainId, address(old.bridge), old.remoteVerifier, reason);
            }
        }
        if (!remove) bridge.updateRoute(remoteVerifier, true);
    }

    /// @inheritdoc IAbridgeMessageHandler
    /// @dev Accepts a StateVerificationMessage only from the bridge and RemoteChainVerifier registered for the chain id
    ///      it names. A state is recorded once (a repeat: {DuplicateVerificationIgnored}); an observation that a block
    ///      was not produced is recorded when it is later than the latest one ({UnproducedIgnored} otherwise).
    function handleMessage(address from, bytes calldata message, bytes32 guid) external returns (bytes4) {
        (uint256 kind, uint256 chainId) = StateVerificationMessage.header(message);
        Route storage route = _routes[chainId];
        if (msg.sender != address(route.bridge) || from != route.remoteVerifier || from == address(0)) {
            revert UnauthorizedSource(chainId, msg.sender, from);
        }
        if (kind == StateVerificationMessage.STATE) {
            _recordStateMessage(chainId, message, guid);
        } else {
            (uint256 blockNumber, uint256 sourceTime) = StateVerificationMessage.decodeUnproduced(message);
            _recordUnproduced(chainId, blockNumber, sourceTime, guid);
        }
        return IAbridgeMessageHandler.handleMessage.selector;
    }

    /// @notice Proves block `header` of the main chain (its hash must be a trusted block hash, {blockHashOf}) and
    ///         records what the main chain's StateManager held for (`user`, `key`) at that block, with the block's
    ///         timestamp. Anyone may call.
    /// @dev Reverts with BlockHeaderLib.MalformedHeader, {UnknownBlockHash} (anchor it first) or {HeaderHashMismatch}.
    /// @param user Owner of the history.
    /// @param key History key.
    /// @param header RLP-encoded header of a past block of this chain.
    function verifyState(address user, uint256 key, bytes calldata header) external {
        BlockHeaderLib.Header memory h = _verifiedHeader(header);
        (bool exists, StateManager.History memory entry) = stateManager.tryGetHistoryAtBlock(user, key, h.number);
        _record(block.chainid, user, key, h.number, h.timestamp, entry.value, exists, bytes32(0));
    }

    /// @notice Records that block `blockNumber` of the main chain does not exist yet: it is after the current block,
    ///         whose timestamp is the time of the observation. Anyone may call.
    /// @param blockNumber A block after the current one.
    function reportUnproduced(uint256 blockNumber) external {
        if (blockNumber <= block.number) revert BlockProduced(blockNumber, block.number);
        _recordUnproduced(block.chainid, blockNumber, block.timestamp, bytes32(0));
    }

    /// @notice The verified state of (`user`, `key`) at `blockNumber` on `chainId`.
    /// @return verified Whether it was recorded.
    /// @return value The value (0 when `exists` is false or not verified).
    /// @return exists Whether an entry existed at or before the block.
    /// @return blockTimestamp The block's timestamp on its chain, unix seconds (0 when not verified).
    /// @return verifiedAt When it was recorded, unix seconds (0 when not).
    function getVerifiedState(uint256 chainId, address user, uint256 key, uint256 blockNumber)
        external
        view
        returns (bool verified, uint256 value, bool exists, uint64 blockTimestamp, uint64 verifiedAt)
    {
        VerifiedState storage s = _verified[stateKey(chainId, user, key, blockNumber)];
        return (s.verifiedAt != 0, s.value, s.exists, s.blockTimestamp, s.verifiedAt);
    }

    /// @notice When (unix seconds, main chain) it was first recorded that block `blockNumber` of `chainId` did not
    ///         exist at a time (of that chain's clock) at or after `notBefore`; 0 when never.
    /// @param chainId Source chain.
    /// @param blockNumber Block of that chain.
    /// @param notBefore Source-chain time, unix seconds.
    function unproducedRecordedAt(uint256 chainId, uint256 blockNumber, uint48 notBefore)
        external
        view
        returns (uint64)
    {
        // casting to 'uint64' is safe: only block.timestamp values are pushed
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint64(_unproduced[chainId][blockNumber].lowerLookup(notBefore));
    }

    /// @notice The latest time (of `chainId`'s clock, unix seconds) at which block `blockNumber` was observed not to
    ///         exist; 0 when never.
    function latestUnproduced(uint256 chainId, uint256 blockNumber) external view returns (uint48 sourceTime) {
        (, sourceTime,) = _unproduced[chainId][blockNumber].latestCheckpoint();
    }

    /// @notice The route of `chainId` (zero when none).
    function getRoute(uint256 chainId) external view returns (Route memory) {
        return _routes[chainId];
    }

    /// @notice Whether values of `chainId` can be verified here: the main chain itself, or a chain with a route.
    function isSupportedChain(uint256 chainId) external view returns (bool) {
        return chainId == block.chainid || address(_routes[chainId].bridge) != address(0);
    }

    /// @notice Storage key of a verified state: keccak256(abi.encode(chainId, user, key, blockNumber)).
    function stateKey(uint256 chainId, address user, uint256 key, uint256 blockNumber) public pure returns (bytes32) {
        return keccak256(abi.encode(chainId, user, key, blockNumber));
    }

    function _recordStateMessage(uint256 chainId, bytes calldata message, bytes32 guid) private {
        (address user, uint256 key, uint256 blockNumber, uint256 blockTimestamp, uint256 value, bool exists) =
            StateVerificationMessage.decodeState(message);
        _record(chainId, user, key, blockNumber, blockTimestamp, value, exists, guid);
    }

    function _record(
        uint256 chainId,
        address user,
        uint256 key,
        uint256 blockNumber,
        uint256 blockTimestamp,
        uint256 value,
        bool exists,
        bytes32 guid
    ) private {
        VerifiedState storage s = _verified[stateKey(chainId, user, key, blockNumber)];
        if (s.verifiedAt != 0) {
            bool matches = s.value == value && s.exists == exists && s.blockTimestamp == blockTimestamp;
            emit DuplicateVerificationIgnored(chainId, user, key, blockNumber, blockTimestamp, value, exists, matches);
            return;
        }
        s.value = value;
        s.exists = exists;
        // casting to 'uint64' is safe: a header's timestamp is decoded from at most 8 bytes, and unix seconds of this
        // chain fit for 5e11 years
        // forge-lint: disable-next-line(unsafe-typecast)
        s.blockTimestamp = uint64(blockTimestamp);
        // forge-lint: disable-next-line(unsafe-typecast)
        s.verifiedAt = uint64(block.timestamp);
        emit StateVerified(chainId, user, key, blockNumber, blockTimestamp, value, exists, guid);
    }

    /// @dev Appends the observation when it is later than the latest one; the checkpoint keeps the first main-chain
    ///      time it was recorded.
    function _recordUnproduced(uint256 chainId, uint256 blockNumber, uint256 sourceTime, bytes32 guid) private {
        Checkpoints.Trace208 storage trace = _unproduced[chainId][blockNumber];
        (, uint48 latest,) = trace.latestCheckpoint();
        if (sourceTime <= latest || sourceTime > type(uint48).max) {
            emit UnproducedIgnored(chainId, blockNumber, sourceTime, latest);
            return;
        }
        // casting to 'uint48' is safe because sourceTime <= type(uint48).max was checked above
        // forge-lint: disable-next-line(unsafe-typecast)
        trace.push(uint48(sourceTime), uint208(block.timestamp));
        emit UnproducedRecorded(chainId, blockNumber, sourceTime, guid);
    }
}
