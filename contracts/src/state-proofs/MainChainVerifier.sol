// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IAbridge, IAbridgeMessageHandler} from "../bridge/IAbridge.sol";
import {StateManager} from "./StateManager.sol";
import {StateVerificationMessage} from "./RemoteChainVerifier.sol";

/// @title MainChainVerifier
/// @notice The main chain's record of verified StateManager values (seed 001, section 4, step 3): what the StateManager
///         of chain `chainId` held for (`user`, `key`) at block `blockNumber`, written once, either
///         - from a RemoteChainVerifier on that chain, through the Abridge instance registered for it ({handleMessage}), or
///         - for the main chain itself, read directly from the local StateManager ({verifyState}).
///         The StateDisputeResolver reads it ({getVerifiedState}) to decide challenges.
/// @dev The owner registers, per source chain id, the bridge and the RemoteChainVerifier allowed to write that chain's
///      values; a message is accepted only when both match the chain id it names. A value, once recorded, never
///      changes: a later verification of the same key is ignored (event). Owner: routes only; it cannot write values.
contract MainChainVerifier is Ownable, IAbridgeMessageHandler {
    /// @notice Where a source chain's values come from.
    /// @param bridge The Abridge instance between that chain and this one (the only caller of {handleMessage} for it).
    /// @param remoteVerifier The RemoteChainVerifier on that chain (the only sender accepted for it).
    struct Route {
        IAbridge bridge;
        address remoteVerifier;
    }

    /// @notice A recorded value. Slot: value; then exists ‖ verifiedAt.
    /// @param value The value (0 when `exists` is false).
    /// @param exists Whether any entry existed at or before the block.
    /// @param verifiedAt When it was recorded, unix seconds (0: never).
    struct VerifiedState {
        uint256 value;
        bool exists;
        uint64 verifiedAt;
    }

    /// @notice The StateManager of the main chain (read directly by {verifyState}).
    StateManager public immutable stateManager;

    /// @notice Source chain id => route.
    mapping(uint256 chainId => Route) private _routes;
    /// @dev {stateKey} => recorded value.
    mapping(bytes32 stateKey => VerifiedState) private _verified;

    /// @notice A dependency address was zero.
    error ZeroAddress();
    /// @notice The main chain reads its own StateManager ({verifyState}); it needs no route.
    error MainChainNeedsNoRoute();
    /// @notice `bridge` (msg.sender) and `from` are not the bridge and RemoteChainVerifier registered for `chainId`.
    error UnauthorizedSource(uint256 chainId, address bridge, address from);
    /// @notice `blockNumber` is not before the current block `currentBlock`: its history could still change.
    error BlockNotInPast(uint256 blockNumber, uint256 currentBlock);

    /// @notice The route of `chainId` is now (`bridge`, `remoteVerifier`) (both zero: removed).
    event RouteSet(uint256 indexed chainId, address bridge, address remoteVerifier);
    /// @notice The StateManager of `chainId` held `value` (`exists`) for (`user`, `key`) at `blockNumber`; bridged in
    ///         message `guid` (zero for the main chain's direct read).
    event StateVerified(
        uint256 indexed chainId,
        address indexed user,
        uint256 indexed key,
        uint256 blockNumber,
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
        uint256 value,
        bool exists,
        bool matches
    );

    /// @param stateManager_ The StateManager of the main chain.
    /// @param owner_ Owner (routes).
    constructor(StateManager stateManager_, address owner_) Ownable(owner_) {
        if (address(stateManager_) == address(0)) revert ZeroAddress();
        stateManager = stateManager_;
    }

    /// @notice Registers where `chainId`'s values come from, and allows `remoteVerifier` on the bridge
    ///         (IAbridge.updateRoute, from this contract); the previous route, if any, is forbidden on its bridge.
    ///         Owner only. Both zero removes the route.
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
        if (address(old.bridge) != address(0)) old.bridge.updateRoute(old.remoteVerifier, false);
        if (!remove) bridge.updateRoute(remoteVerifier, true);
    }

    /// @inheritdoc IAbridgeMessageHandler
    /// @dev Accepts a {StateVerificationMessage} only from the bridge and RemoteChainVerifier registered for the chain
    ///      id it names. Records it once; a repeat is ignored with {DuplicateVerificationIgnored}.
    function handleMessage(address from, bytes calldata message, bytes32 guid) external returns (bytes4) {
        (uint256 chainId, address user, uint256 key, uint256 blockNumber, uint256 value, bool exists) =
            StateVerificationMessage.decode(message);
        Route storage route = _routes[chainId];
        if (msg.sender != address(route.bridge) || from != route.remoteVerifier || from == address(0)) {
            revert UnauthorizedSource(chainId, msg.sender, from);
        }
        _record(chainId, user, key, blockNumber, value, exists, guid);
        return IAbridgeMessageHandler.handleMessage.selector;
    }

    /// @notice Records what the main chain's StateManager held for (`user`, `key`) at `blockNumber`. Anyone may call.
    /// @param user Owner of the history.
    /// @param key History key.
    /// @param blockNumber A block of this chain before the current one.
    function verifyState(address user, uint256 key, uint256 blockNumber) external {
        if (blockNumber >= block.number) revert BlockNotInPast(blockNumber, block.number);
        (bool exists, StateManager.History memory entry) = stateManager.tryGetHistoryAtBlock(user, key, blockNumber);
        _record(block.chainid, user, key, blockNumber, entry.value, exists, bytes32(0));
    }

    /// @notice The verified state of (`user`, `key`) at `blockNumber` on `chainId`.
    /// @return verified Whether it was recorded.
    /// @return value The value (0 when `exists` is false or not verified).
    /// @return exists Whether an entry existed at or before the block.
    /// @return verifiedAt When it was recorded, unix seconds (0 when not).
    function getVerifiedState(uint256 chainId, address user, uint256 key, uint256 blockNumber)
        external
        view
        returns (bool verified, uint256 value, bool exists, uint64 verifiedAt)
    {
        VerifiedState storage s = _verified[stateKey(chainId, user, key, blockNumber)];
        return (s.verifiedAt != 0, s.value, s.exists, s.verifiedAt);
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

    function _record(
        uint256 chainId,
        address user,
        uint256 key,
        uint256 blockNumber,
        uint256 value,
        bool exists,
        bytes32 guid
    ) private {
        VerifiedState storage s = _verified[stateKey(chainId, user, key, blockNumber)];
        if (s.verifiedAt != 0) {
            emit DuplicateVerificationIgnored(
                chainId, user, key, blockNumber, value, exists, s.value == value && s.exists == exists
            );
            return;
        }
        s.value = value;
        s.exists = exists;
        // casting to 'uint64' is safe: unix seconds fit for 5e11 years
        // forge-lint: disable-next-line(unsafe-typecast)
        s.verifiedAt = uint64(block.timestamp);
        emit StateVerified(chainId, user, key, blockNumber, value, exists, guid);
    }
}
