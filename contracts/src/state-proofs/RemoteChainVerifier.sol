// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IAbridge} from "../bridge/IAbridge.sol";
import {StateManager} from "./StateManager.sol";

/// @title StateVerificationMessage
/// @notice The message a {RemoteChainVerifier} bridges to the MainChainVerifier: what the StateManager of chain
///         `chainId` held for (`user`, `key`) at block `blockNumber`.
///         abi.encode(uint256 chainId, address user, uint256 key, uint256 blockNumber, uint256 value, bool exists),
///         192 bytes; `value` is 0 when `exists` is false.
library StateVerificationMessage {
    /// @notice Encodes a verified state.
    function encode(uint256 chainId, address user, uint256 key, uint256 blockNumber, uint256 value, bool exists)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encode(chainId, user, key, blockNumber, value, exists);
    }

    /// @notice Decodes a message built by {encode}; reverts on one that is not.
    function decode(bytes calldata message)
        internal
        pure
        returns (uint256 chainId, address user, uint256 key, uint256 blockNumber, uint256 value, bool exists)
    {
        return abi.decode(message, (uint256, address, uint256, uint256, uint256, bool));
    }
}

/// @title RemoteChainVerifier
/// @notice Deployed on every source chain of state proofs other than the main chain (seed 001, section 4, step 3):
///         anyone reads the StateManager of this chain at a past block and bridges the result, tagged with this
///         chain's own id, to the MainChainVerifier on the main chain, where the StateDisputeResolver compares it with
///         a challenged attestation. The caller pays the bridge fee.
/// @dev No owner and no state besides immutables: the bridge is an Abridge instance serving the pair
///      (this chain, main chain). The MainChainVerifier accepts a message only from the bridge and the
///      RemoteChainVerifier it registered for the chain id the message names.
contract RemoteChainVerifier {
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
    /// @notice `blockNumber` is not before the current block `currentBlock`: its history could still change.
    error BlockNotInPast(uint256 blockNumber, uint256 currentBlock);
    /// @notice The bridge asks for its fee in `token`, not in the native token.
    error UnsupportedFeeToken(address token);
    /// @notice `paid` wei is below the bridge fee `fee` (wei).
    error InsufficientFee(uint256 paid, uint256 fee);
    /// @notice Returning `amount` wei of excess fee to `to` failed.
    error RefundFailed(address to, uint256 amount);

    /// @notice The state of (`user`, `key`) at `blockNumber` on this chain was sent to the main chain in message `guid`;
    ///         `fee` wei paid to the bridge.
    event StateSent(
        bytes32 indexed guid,
        address indexed user,
        uint256 indexed key,
        uint256 blockNumber,
        uint256 value,
        bool exists,
        uint256 fee
    );

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

    /// @notice Reads what `user` held under `key` in this chain's StateManager at `blockNumber` (the last write at or
    ///         before it, or none) and bridges it, with this chain's id (block.chainid), to the MainChainVerifier.
    ///         Anyone may call; send at least {quoteFee} wei, the excess is refunded to msg.sender.
    /// @param user Owner of the history.
    /// @param key History key.
    /// @param blockNumber A block of this chain before the current one.
    /// @return guid The bridge message id.
    function verifyState(address user, uint256 key, uint256 blockNumber) external payable returns (bytes32 guid) {
        if (blockNumber >= block.number) revert BlockNotInPast(blockNumber, block.number);
        (bool exists, StateManager.History memory entry) = stateManager.tryGetHistoryAtBlock(user, key, blockNumber);
        bytes memory message = StateVerificationMessage.encode(block.chainid, user, key, blockNumber, entry.value, exists);
        uint256 fee = _fee(message);
        if (msg.value < fee) revert InsufficientFee(msg.value, fee);

        guid = bridge.send{value: fee}(mainChainVerifier, handleMessageGasLimit, message);
        emit StateSent(guid, user, key, blockNumber, entry.value, exists, fee);

        uint256 excess = msg.value - fee;
        if (excess != 0) {
            (bool ok,) = payable(msg.sender).call{value: excess}("");
            if (!ok) revert RefundFailed(msg.sender, excess);
        }
    }

    /// @notice The bridge fee {verifyState} needs now for these arguments, wei.
    /// @param user Owner of the history.
    /// @param key History key.
    /// @param blockNumber A past block of this chain.
    function quoteFee(address user, uint256 key, uint256 blockNumber) external view returns (uint256) {
        (bool exists, StateManager.History memory entry) = stateManager.tryGetHistoryAtBlock(user, key, blockNumber);
        return _fee(StateVerificationMessage.encode(block.chainid, user, key, blockNumber, entry.value, exists));
    }

    function _fee(bytes memory message) private view returns (uint256) {
        (address token, uint256 fee) = bridge.estimateFee(mainChainVerifier, handleMessageGasLimit, message);
        if (token != address(0)) revert UnsupportedFeeToken(token);
        return fee;
    }
}
