// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IAbridge} from "../../bridge/IAbridge.sol";
import {BlockHashAnchors} from "./BlockHashAnchors.sol";
import {BlockHeaderLib} from "./BlockHeaderLib.sol";
import {StateManager} from "./StateManager.sol";

/// @title StateVerificationMessage
/// @notice The messages a {RemoteChainVerifier} bridges to the MainChainVerifier, tagged by their first word:
///         - STATE: what the StateManager of chain `chainId` held for (`user`, `key`) at block `blockNumber`, whose
///           timestamp is `blockTimestamp`: abi.encode(STATE, chainId, user, key, blockNumber, blockTimestamp, value,
///           exists), 256 bytes; `value` is 0 when `exists` is false.
///         - UNPRODUCED: block `blockNumber` of chain `chainId` did not exist yet when that chain's clock read
///           `sourceTime`: abi.encode(UNPRODUCED, chainId, blockNumber, sourceTime), 128 bytes.
library StateVerificationMessage {
    /// @notice Tag of a verified state.
    uint256 internal constant STATE = 1;
    /// @notice Tag of an observation that a block was not produced yet.
    uint256 internal constant UNPRODUCED = 2;

    /// @notice The message's tag is neither {STATE} nor {UNPRODUCED}, or its length does not fit its tag.
    error UnknownMessage(uint256 kind, uint256 length);

    /// @notice Encodes a verified state.
    function encodeState(
        uint256 chainId,
        address user,
        uint256 key,
        uint256 blockNumber,
        uint256 blockTimestamp,
        uint256 value,
        bool exists
    ) internal pure returns (bytes memory) {
        return abi.encode(STATE, chainId, user, key, blockNumber, blockTimestamp, value, exists);
    }

    /// @notice Encodes an observation that `blockNumber` did not exist at `sourceTime` (unix seconds).
    function encodeUnproduced(uint256 chainId, uint256 blockNumber, uint256 sourceTime)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encode(UNPRODUCED, chainId, blockNumber, sourceTime);
    }

    /// @notice The tag and the chain id of `message`; reverts with {UnknownMessage} on a message neither encoder built.
    function header(bytes calldata message) internal pure returns (uint256 kind, uint256 chainId) {
        if (message.length < 64) revert UnknownMessage(0, message.length);
        (kind, chainId) = abi.decode(message[:64], (uint256, uint256));
        if (!(kind == STATE && message.length == 256) && !(kind == UNPRODUCED && message.length == 128)) {
            revert UnknownMessage(kind, message.length);
        }
    }

    /// @notice Decodes a {STATE} message (after {header}).
    function decodeState(bytes calldata message)
        internal
        pure
        returns (
            address user,
            uint256 key,
            uint256 blockNumber,
            uint256 blockTimestamp,
            uint256 value,
            bool exists
        )
    {
        (,, user, key, blockNumber, blockTimestamp, value, exists) =
            abi.decode(message, (uint256, uint256, address, uint256, uint256, uint256, uint256, bool));
    }

    /// @notice Decodes an {UNPRODUCED} message (after {header}).
    function decodeUnproduced(bytes calldata message) internal pure returns (uint256 blockNumber, uint256 sourceTime) {
        (,, blockNumber, sourceTime) = abi.decode(message, (uint256, uint256, uint256, uint256));
    }
}

/// @title RemoteChainVerifier
/// @notice Deployed on every source chain of state proofs other than the main chain (decision disputes-0001):
///         anyone proves a past block of this chain by its header (checked against BLOCKHASH, the EIP-2935 history,
///         or a hash anchored by walking parent hashes, {BlockHashAnchors}), reads the StateManager of this chain at
///         that block, and bridges the value with the block's number and timestamp, tagged with this chain's own id,
///         to the MainChainVerifier on the main chain, where the StateDisputeResolver compares it with a challenged
///         attestation. Anyone can also report that a block does not exist yet ({reportUnproduced}). The caller pays
///         the bridge fee.
/// @dev No owner; its only state is the anchored block hashes. The bridge is an Abridge instance serving the pair
///      (this chain, main chain). The MainChainVerifier accepts a message only from the bridge and the
///      RemoteChainVerifier it registered for the chain id the message names.
contract RemoteChainVerifier is BlockHashAnchors {
    /// @notice The StateManager of this chain.
    StateManager public immutable stateManager;
    /// @notice The Abridge instance between this chain and the main chain.
    IAbridge public immutable bridge;
    /// @notice The MainChainVerifier on the main chain (receiver of the messages).
    address public immutable mainChainVerifier;
    /// @notice Gas the bridge gives MainChainVerifier.handleMessage on the main chain.
    uint128 public immutable handleMessageGasLimit;

    /// @notice A dependency address was zero.
    error ZeroAddress();
    /// @notice The gas limit for handleMessage on the main chain is zero.
    error ZeroGasLimit();
    /// @notice Block `blockNumber` is not after the current block `currentBlock`: it was produced (prove it by header).
    error BlockProduced(uint256 blockNumber, uint256 currentBlock);
    /// @notice The bridge asks for its fee in `token`, not in the native token.
    error UnsupportedFeeToken(address token);
    /// @notice `paid` wei is below the bridge fee `fee` (wei).
    error InsufficientFee(uint256 paid, uint256 fee);
    /// @notice Returning `amount` wei of excess fee to `to` failed.
    error RefundFailed(address to, uint256 amount);

    /// @notice The state of (`user`, `key`) at `blockNumber` (timestamp `blockTimestamp`, unix seconds) on this chain
    ///         was sent to the main chain in message `guid`; `fee` wei paid to the bridge.
    event StateSent(
        bytes32 indexed guid,
        address indexed user,
        uint256 indexed key,
        uint256 blockNumber,
        uint256 blockTimestamp,
        uint256 value,
        bool exists,
        uint256 fee
    );
    /// @notice Block `blockNumber` did not exist at this chain's time `sourceTime` (unix seconds, the block.timestamp of
    ///         the report); sent to the main chain in message `guid`, `fee` wei paid to the bridge.
    event UnproducedSent(bytes32 indexed guid, uint256 indexed blockNumber, uint256 sourceTime, uint256 fee);

    /// @param stateManager_ The StateManager of this chain.
    /// @param bridge_ The Abridge instance between this chain and the main chain.
    /// @param mainChainVerifier_ The MainChainVerifier on the main chain.
    /// @param handleMessageGasLimit_ Gas for MainChainVerifier.handleMessage on the main chain (e.g. 150,000).
    constructor(StateManager stateManager_, IAbridge bridge_, address mainChainVerifier_, uint128 handleMessageGasLimit_) {
        if (address(stateManager_) == address(0) || address(bridge_) == address(0) || mainChainVerifier_ == address(0)) {
            revert ZeroAddress();
        }
        if (handleMessageGasLimit_ == 0) revert ZeroGasLimit();
        stateManager = stateManager_;
        bridge = bridge_;
        mainChainVerifier = mainChainVerifier_;
        handleMessageGasLimit = handleMessageGasLimit_;
    }

    /// @notice Proves block `header` of this chain (its hash must be a trusted block hash, {blockHashOf}), reads what
    ///         `user` held under `key` in this chain's StateManager at that block (the last write at or before it, or
    ///         none) and bridges it, with the block's number and timestamp and this chain's id (block.chainid), to the
    ///         MainChainVerifier. Anyone may call; send at least {quoteFee} wei, the excess is refunded to msg.sender.
    /// @dev Reverts with BlockHeaderLib.MalformedHeader, {UnknownBlockHash} (anchor it first) or {HeaderHashMismatch}.
    /// @param user Owner of the history.
    /// @param key History key.
    /// @param header RLP-encoded header of a past block of this chain.
    /// @return guid The bridge message id.
    function verifyState(address user, uint256 key, bytes calldata header) external payable returns (bytes32 guid) {
        BlockHeaderLib.Header memory h = _verifiedHeader(header);
        (bool exists, StateManager.History memory entry) = stateManager.tryGetHistoryAtBlock(user, key, h.number);
        bytes memory message =
            StateVerificationMessage.encodeState(block.chainid, user, key, h.number, h.timestamp, entry.value, exists);
        uint256 fee;
        (guid, fee) = _send(message);
        emit StateSent(guid, user, key, h.number, h.timestamp, entry.value, exists, fee);
    }

    /// @notice Reports to the MainChainVerifier that block `blockNumber` of this chain does not exist yet: it is after
    ///         the current block, whose timestamp is the time of the observation. Anyone may call; send at least
    ///         {quoteFee} wei, the excess is refunded to msg.sender.
    /// @param blockNumber A block after the current one.
    /// @return guid The bridge message id.
    function reportUnproduced(uint256 blockNumber) external payable returns (bytes32 guid) {
        if (blockNumber <= block.number) revert BlockProduced(blockNumber, block.number);
        uint256 fee;
        (guid, fee) = _send(StateVerificationMessage.encodeUnproduced(block.chainid, blockNumber, block.timestamp));
        emit UnproducedSent(guid, blockNumber, block.timestamp, fee);
    }

    /// @notice The bridge fee {verifyState} or {reportUnproduced} needs now, wei (the message length, hence the fee,
    ///         does not depend on the arguments).
    function quoteFee() external view returns (uint256) {
        return _fee(StateVerificationMessage.encodeState(block.chainid, address(0), 0, 0, 0, 0, false));
    }

    /// @dev Sends `message` paying exactly the fee and refunds the rest of msg.value to msg.sender.
    function _send(bytes memory message) private returns (bytes32 guid, uint256 fee) {
        fee = _fee(message);
        if (msg.value < fee) revert InsufficientFee(msg.value, fee);
        guid = bridge.send{value: fee}(mainChainVerifier, handleMessageGasLimit, message);
        uint256 excess = msg.value - fee;
        if (excess != 0) {
            (bool ok,) = payable(msg.sender).call{value: excess}("");
            if (!ok) revert RefundFailed(msg.sender, excess);
        }
    }

    function _fee(bytes memory message) private view returns (uint256) {
        (address token, uint256 fee) = bridge.estimateFee(mainChainVerifier, handleMessageGasLimit, message);
        if (token != address(0)) revert UnsupportedFeeToken(token);
        return fee;
    }
}
