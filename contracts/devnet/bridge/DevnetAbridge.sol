// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IAbridge, IAbridgeMessageHandler} from "../../src/bridge/IAbridge.sol";

/// @title DevnetAbridge: the {IAbridge} endpoint of a devnet, one per chain per peer chain
/// @notice Both sides of one chain pair: {send} emits {MessageSent} for the relayer; on the peer chain the relayer
///         calls {deliverMessage}, which hands the message to the receiver exactly once and in nonce order.
///         On a devnet the owner-authorised relayer stands in for LayerZero's DVNs (which attest that a message was
///         sent) and executor (which delivers it with the gas the sender paid for): an authorised relayer is trusted
///         to report only messages the peer endpoint emitted. Nothing else is trusted: the endpoint, not the relayer,
///         enforces order, exactly-once, routes, and the receiver's gas. See docs/decisions/bridge-0001-devnet-abridge.md.
/// @dev Message identity:
///      payloadHash = keccak256(abi.encode(sender, receiver, message))
///      guid = keccak256(abi.encode(srcChainId, dstChainId, srcEndpoint, nonce, gasLimit, payloadHash)).
///      Nonces count from 1 per endpoint (one outbound stream, one inbound stream); 0 means "none".
///      Storage: slot 0 owner (Ownable); slot 1 peer ‖ nextInboundNonce (read together by every delivery);
///      slot 2 nextOutboundNonce ‖ baseFee ‖ gasPrice (read together by every send, written once).
///      The endpoint holds no value but collected fees (it has no receive function), so its balance is the fees
///      withdrawable by the owner.
contract DevnetAbridge is IAbridge, Ownable {
    /// @notice What the destination knows of an inbound message.
    enum MessageStatus {
        /// Not delivered (not sent yet, or its nonce not reached).
        None,
        /// The receiver handled it (on delivery or on a retry).
        Delivered,
        /// Its delivery attempt failed; {retryMessage} may deliver it later.
        Failed
    }

    /// @notice Destination gas per byte of message the fee covers (EIP-2028 non-zero calldata byte).
    uint256 public constant GAS_PER_MESSAGE_BYTE = 16;
    /// @notice Largest gasLimit {send} accepts: a delivery needs about gasLimit × 64/63 plus overhead in one block
    ///         (anvil's default block gas limit is 30,000,000).
    uint128 public constant MAX_GAS_LIMIT = 20_000_000;
    /// @notice Revert or return data kept in {MessageFailed}, bytes; longer data is truncated, so a receiver cannot
    ///         make recording its failure arbitrarily expensive.
    uint256 public constant MAX_REASON_BYTES = 1024;
    /// @dev Gas the CALL itself may take before the 63/64 rule applies (cold account access 2,600, memory, stack).
    uint256 internal constant CALL_OVERHEAD_GAS = 5000;
    /// @dev Largest revert data of {executeHandler}: a {HandlerReverted} or {UnexpectedHandlerResult} wrapping at most
    ///      {MAX_REASON_BYTES} (selector, offset, length, padded data).
    uint256 internal constant MAX_FRAME_REVERT_BYTES = MAX_REASON_BYTES + 100;

    /// @notice Chain id of the peer chain.
    uint256 public immutable PEER_CHAIN_ID;

    /// @notice The DevnetAbridge on the peer chain whose messages this endpoint delivers (set once by the owner).
    address public peer;
    /// @notice The nonce the next delivered message must carry.
    uint64 public nextInboundNonce;
    /// @notice The nonce the next sent message gets.
    uint64 public nextOutboundNonce;
    /// @notice Fee per message, wei.
    uint96 public baseFee;
    /// @notice Fee per unit of destination gas (gasLimit plus {GAS_PER_MESSAGE_BYTE} per message byte), wei.
    uint96 public gasPrice;

    /// @notice Relayers allowed to call {deliverMessage}.
    mapping(address relayer => bool) public isRelayer;
    /// @notice Whether `sender` on the peer chain may deliver to `receiver` on this chain (set by the receiver).
    mapping(address receiver => mapping(address sender => bool)) public routes;
    /// @notice Status of each inbound message.
    mapping(bytes32 guid => MessageStatus) public messageStatus;
    /// @notice payloadHash of each inbound message whose delivery failed and is not yet retried; zero otherwise.
    mapping(bytes32 guid => bytes32) public failedPayloadHash;

    /// @notice msg.value (wei) is below the fee (wei).
    error InsufficientFee(uint256 value, uint256 fee);
    /// @notice Refunding `amount` wei of excess fee to `to` failed.
    error RefundFailed(address to, uint256 amount);
    /// @notice gasLimit is zero or above {MAX_GAS_LIMIT}.
    error InvalidGasLimit(uint128 gasLimit);
    /// @notice The receiver is the zero address.
    error ZeroReceiver();
    /// @notice An address argument was zero.
    error ZeroAddress();
    /// @notice The peer may be set only once.
    error PeerAlreadySet(address peer);
    /// @notice No peer is set yet, so nothing can be delivered.
    error PeerNotSet();
    /// @notice `caller` is not an authorised relayer.
    error NotRelayer(address caller);
    /// @notice The delivered nonce is not the next inbound nonce.
    error InboundNonceMismatch(uint64 expected, uint64 given);
    /// @notice The guid given is not the one the peer endpoint computed for this message.
    error GuidMismatch(bytes32 expected, bytes32 given);
    /// @notice Too little gas is left to give the receiver its gasLimit (EIP-150: a call gets at most 63/64 of it).
    error InsufficientGasForReceiver(uint256 gasLeft, uint256 gasLimit);
    /// @notice The message is not in the {MessageStatus.Failed} state.
    error NotFailed(bytes32 guid, MessageStatus status);
    /// @notice The payload given does not hash to the failed message's payloadHash.
    error PayloadMismatch(bytes32 guid, bytes32 expected, bytes32 given);
    /// @notice A retry's handler call failed; `reason` is its revert or return data (truncated).
    error RetryFailed(bytes32 guid, bytes reason);
    /// @notice Failure reason recorded when the receiver does not allow the sender ({updateRoute}).
    error RouteNotAllowed(address receiver, address sender);
    /// @notice Failure reason recorded when the receiver reverted; `reason` is its revert data (truncated).
    error HandlerReverted(bytes reason);
    /// @notice Failure reason recorded when the receiver returned something other than the handleMessage selector
    ///         (its effects are rolled back, as for a revert); `returned` is what it returned (truncated).
    error UnexpectedHandlerResult(bytes returned);
    /// @notice {executeHandler} was called by someone other than the endpoint itself.
    error OnlySelf(address caller);
    /// @notice Withdrawing `amount` wei to `recipient` failed, or exceeded the `balance` (wei).
    error WithdrawalFailed(address recipient, uint256 amount, uint256 balance);

    /// @notice A message was sent to `receiver` on the peer chain. `fee` in wei; gasLimit in gas.
    event MessageSent(
        bytes32 indexed guid,
        uint64 indexed nonce,
        address indexed sender,
        address receiver,
        uint128 gasLimit,
        bytes message,
        uint256 fee
    );
    /// @notice The receiver handled an inbound message (on delivery, or on a retry).
    event MessageDelivered(bytes32 indexed guid, uint64 indexed nonce, address indexed receiver, address sender);
    /// @notice An inbound message's delivery failed; the nonce advanced and the message can be retried.
    ///         `reason` is an encoded {RouteNotAllowed}, {HandlerReverted} or {UnexpectedHandlerResult}.
    event MessageFailed(
        bytes32 indexed guid,
        uint64 indexed nonce,
        address indexed receiver,
        address sender,
        bytes message,
        bytes reason
    );
    /// @notice `caller` retried a failed message and the receiver handled it.
    event MessageRetried(bytes32 indexed guid, address indexed caller);
    /// @notice `receiver` allowed or forbade messages from `sender` on the peer chain.
    event RouteUpdated(address indexed receiver, address indexed sender, bool allowed);
    /// @notice `relayer` was authorised or deauthorised.
    event RelayerUpdated(address indexed relayer, bool authorised);
    /// @notice The peer endpoint was set.
    event PeerSet(address indexed peer);
    /// @notice The fee parameters changed (both wei).
    event FeeParametersUpdated(uint96 baseFee, uint96 gasPrice);
    /// @notice `amount` wei of fees went to `recipient`.
    event FeesWithdrawn(address indexed recipient, uint256 amount);

    /// @param peerChainId Chain id of the peer chain.
    /// @param owner_ Owner: sets the peer, the relayers and the fees, and withdraws the fees.
    /// @param baseFee_ Fee per message, wei.
    /// @param gasPrice_ Fee per unit of destination gas, wei.
    constructor(uint256 peerChainId, address owner_, uint96 baseFee_, uint96 gasPrice_) Ownable(owner_) {
        PEER_CHAIN_ID = peerChainId;
        nextInboundNonce = 1;
        nextOutboundNonce = 1;
        baseFee = baseFee_;
        gasPrice = gasPrice_;
        emit FeeParametersUpdated(baseFee_, gasPrice_);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Sending (IAbridge)
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IAbridge
    /// @dev Charges {estimateFee} (wei) and refunds the excess to msg.sender in the same call (reverting with
    ///      {RefundFailed} if it cannot be paid). The guid binds this chain, the peer chain, this endpoint, the nonce,
    ///      the gasLimit and the payload, so the destination can check it.
    function send(address receiver, uint128 gasLimit, bytes calldata message) external payable returns (bytes32 guid) {
        if (receiver == address(0)) revert ZeroReceiver();
        if (gasLimit == 0 || gasLimit > MAX_GAS_LIMIT) revert InvalidGasLimit(gasLimit);
        uint64 nonce = nextOutboundNonce;
        uint256 fee = _fee(gasLimit, message.length, baseFee, gasPrice);
        if (msg.value < fee) revert InsufficientFee(msg.value, fee);
        nextOutboundNonce = nonce + 1;
        guid = computeGuid(
            block.chainid, PEER_CHAIN_ID, address(this), nonce, gasLimit, payloadHash(msg.sender, receiver, message)
        );
        emit MessageSent(guid, nonce, msg.sender, receiver, gasLimit, message, fee);
        uint256 excess = msg.value - fee;
        if (excess != 0) {
            (bool ok,) = msg.sender.call{value: excess}("");
            if (!ok) revert RefundFailed(msg.sender, excess);
        }
    }

    /// @inheritdoc IAbridge
    /// @dev fee = baseFee + (gasLimit + {GAS_PER_MESSAGE_BYTE} × message.length) × gasPrice, in wei (token = 0).
    function estimateFee(address, uint128 gasLimit, bytes calldata message)
        external
        view
        returns (address token, uint256 fee)
    {
        return (address(0), _fee(gasLimit, message.length, baseFee, gasPrice));
    }

    /// @inheritdoc IAbridge
    /// @dev Sets routes[msg.sender][sender]: the caller is the receiver on this chain.
    function updateRoute(address sender, bool allowed) external {
        routes[msg.sender][sender] = allowed;
        emit RouteUpdated(msg.sender, sender, allowed);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Receiving
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Delivers the peer's message `nonce` to `receiver` (authorised relayers only; on a devnet the relayer
    ///         stands in for LayerZero's DVN and executor). Exactly once and in order: `nonce` must be
    ///         {nextInboundNonce}, which then advances whatever the receiver does. The receiver's handleMessage gets
    ///         exactly `gasLimit` gas. If the route is not allowed, the call reverts, or it does not return the
    ///         handleMessage selector, the receiver's effects are rolled back, the message is recorded as
    ///         {MessageStatus.Failed} ({MessageFailed}) and anyone may {retryMessage} it.
    /// @dev Reverts with {InsufficientGasForReceiver} when the transaction's gas could not give the receiver its full
    ///      `gasLimit` (EIP-150 63/64 rule), so a relayer cannot make a delivery fail by starving it.
    /// @param nonce The message's nonce on the peer endpoint.
    /// @param sender The sending contract on the peer chain (msg.sender of its {send}).
    /// @param receiver The receiving contract on this chain.
    /// @param gasLimit Gas for the receiver's handleMessage, as paid for on the peer chain.
    /// @param message The payload, unchanged.
    /// @param guid The guid from the peer's {MessageSent}; must equal {computeGuid} of the above.
    function deliverMessage(
        uint64 nonce,
        address sender,
        address receiver,
        uint128 gasLimit,
        bytes calldata message,
        bytes32 guid
    ) external {
        if (!isRelayer[msg.sender]) revert NotRelayer(msg.sender);
        address peer_ = peer;
        if (peer_ == address(0)) revert PeerNotSet();
        uint64 expectedNonce = nextInboundNonce;
        if (nonce != expectedNonce) revert InboundNonceMismatch(expectedNonce, nonce);
        bytes32 hash = payloadHash(sender, receiver, message);
        bytes32 expectedGuid = computeGuid(PEER_CHAIN_ID, block.chainid, peer_, nonce, gasLimit, hash);
        if (guid != expectedGuid) revert GuidMismatch(expectedGuid, guid);

        nextInboundNonce = nonce + 1;
        messageStatus[guid] = MessageStatus.Delivered;

        bool ok;
        bytes memory reason;
        if (!routes[receiver][sender]) {
            reason = abi.encodeWithSelector(RouteNotAllowed.selector, receiver, sender);
        } else {
            (ok, reason) = _executeInFrame(receiver, sender, message, guid, gasLimit);
        }
        if (ok) {
            emit MessageDelivered(guid, nonce, receiver, sender);
        } else {
            messageStatus[guid] = MessageStatus.Failed;
            failedPayloadHash[guid] = hash;
            emit MessageFailed(guid, nonce, receiver, sender, message, reason);
        }
    }

    /// @notice Delivers a failed message again, by anyone, with all the gas the caller gives (not only its gasLimit).
    ///         On success the message becomes {MessageStatus.Delivered} for good; on failure this call reverts with
    ///         {RetryFailed} and the message stays retryable. The route must be allowed now.
    /// @param sender The sending contract on the peer chain.
    /// @param receiver The receiving contract on this chain.
    /// @param message The payload, as in {MessageFailed}.
    /// @param guid The failed message's guid.
    function retryMessage(address sender, address receiver, bytes calldata message, bytes32 guid) external {
        MessageStatus status = messageStatus[guid];
        if (status != MessageStatus.Failed) revert NotFailed(guid, status);
        bytes32 expected = failedPayloadHash[guid];
        bytes32 given = payloadHash(sender, receiver, message);
        if (given != expected) revert PayloadMismatch(guid, expected, given);
        if (!routes[receiver][sender]) {
            revert RetryFailed(guid, abi.encodeWithSelector(RouteNotAllowed.selector, receiver, sender));
        }
        // Effects first: a receiver re-entering retryMessage for this guid finds it delivered.
        messageStatus[guid] = MessageStatus.Delivered;
        delete failedPayloadHash[guid];
        bytes memory data = abi.encodeCall(IAbridgeMessageHandler.handleMessage, (sender, message, guid));
        (bool ok, uint256 size) = _rawCall(receiver, gasleft(), data);
        bytes memory returned = _returnData(size, MAX_REASON_BYTES);
        if (!ok) revert RetryFailed(guid, abi.encodeWithSelector(HandlerReverted.selector, returned));
        if (!_isHandlerSelector(returned)) {
            revert RetryFailed(guid, abi.encodeWithSelector(UnexpectedHandlerResult.selector, returned));
        }
        emit MessageRetried(guid, msg.sender);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Owner
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Sets the peer endpoint whose messages this endpoint delivers. Owner only, once (a new peer would
    ///         start a new nonce stream, so a new pair is a new deployment).
    /// @param peer_ The DevnetAbridge on chain {PEER_CHAIN_ID} whose peer is this endpoint.
    function setPeer(address peer_) external onlyOwner {
        if (peer_ == address(0)) revert ZeroAddress();
        if (peer != address(0)) revert PeerAlreadySet(peer);
        peer = peer_;
        emit PeerSet(peer_);
    }

    /// @notice Authorises or deauthorises a relayer (the devnet's stand-in for DVN and executor). Owner only.
    /// @param relayer The relayer's address.
    /// @param authorised Whether it may call {deliverMessage}.
    function setRelayer(address relayer, bool authorised) external onlyOwner {
        if (relayer == address(0)) revert ZeroAddress();
        isRelayer[relayer] = authorised;
        emit RelayerUpdated(relayer, authorised);
    }

    /// @notice Sets the fee parameters. Owner only.
    /// @param baseFee_ Fee per message, wei.
    /// @param gasPrice_ Fee per unit of destination gas, wei.
    function setFeeParameters(uint96 baseFee_, uint96 gasPrice_) external onlyOwner {
        baseFee = baseFee_;
        gasPrice = gasPrice_;
        emit FeeParametersUpdated(baseFee_, gasPrice_);
    }

    /// @notice Sends `amount` wei of collected fees to `recipient`. Owner only.
    /// @param recipient Who receives the fees.
    /// @param amount Wei, at most the endpoint's balance ({accruedFees}).
    function withdrawFees(address payable recipient, uint256 amount) external onlyOwner {
        if (recipient == address(0)) revert ZeroAddress();
        uint256 balance = address(this).balance;
        if (amount > balance) revert WithdrawalFailed(recipient, amount, balance);
        emit FeesWithdrawn(recipient, amount);
        (bool ok,) = recipient.call{value: amount}("");
        if (!ok) revert WithdrawalFailed(recipient, amount, balance);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Fees collected and not withdrawn, wei (the endpoint's whole balance).
    function accruedFees() external view returns (uint256) {
        return address(this).balance;
    }

    /// @notice The hash a failed message's payload is kept under.
    function payloadHash(address sender, address receiver, bytes calldata message) public pure returns (bytes32) {
        return keccak256(abi.encode(sender, receiver, message));
    }

    /// @notice A message's guid, as the source endpoint computes it and the destination checks it.
    /// @param srcChainId Chain id of the sending endpoint.
    /// @param dstChainId Chain id of the receiving endpoint.
    /// @param srcEndpoint The sending endpoint.
    /// @param nonce The message's outbound nonce on the sending endpoint.
    /// @param gasLimit Gas for the receiver.
    /// @param payloadHash_ {payloadHash} of (sender, receiver, message).
    function computeGuid(
        uint256 srcChainId,
        uint256 dstChainId,
        address srcEndpoint,
        uint64 nonce,
        uint128 gasLimit,
        bytes32 payloadHash_
    ) public pure returns (bytes32) {
        return keccak256(abi.encode(srcChainId, dstChainId, srcEndpoint, nonce, gasLimit, payloadHash_));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------------------------

    function _fee(uint128 gasLimit, uint256 length, uint96 baseFee_, uint96 gasPrice_) private pure returns (uint256) {
        return uint256(baseFee_) + (uint256(gasLimit) + GAS_PER_MESSAGE_BYTE * length) * gasPrice_;
    }

    /// @dev Runs {executeHandler} in its own call frame and classifies the outcome: success; a receiver failure
    ///      ({HandlerReverted}, {UnexpectedHandlerResult}: recorded, the delivery stands); or too little gas (the
    ///      whole delivery reverts, so no gas amount a relayer picks can make a message fail). The receiver's own
    ///      revert data arrives wrapped, so it cannot pass itself off as a gas shortage and block the nonce stream.
    function _executeInFrame(address receiver, address sender, bytes calldata message, bytes32 guid, uint128 gasLimit)
        private
        returns (bool ok, bytes memory reason)
    {
        bytes memory data = abi.encodeCall(this.executeHandler, (receiver, sender, message, guid, gasLimit));
        uint256 size;
        (ok, size) = _rawCall(address(this), gasleft(), data);
        if (ok) return (true, "");
        reason = _returnData(size, MAX_FRAME_REVERT_BYTES);
        bytes4 selector = reason.length >= 4 ? bytes4(reason) : bytes4(0);
        if (selector == HandlerReverted.selector || selector == UnexpectedHandlerResult.selector) {
            return (false, reason);
        }
        if (selector == InsufficientGasForReceiver.selector) {
            assembly ("memory-safe") {
                revert(add(reason, 0x20), mload(reason))
            }
        }
        // The frame itself ran out of gas.
        revert InsufficientGasForReceiver(gasleft(), gasLimit);
    }

    /// @notice The endpoint's own call frame around a delivery's receiver call: a receiver that returns a wrong value
    ///         has its effects rolled back just like one that reverts. Callable only by the endpoint itself.
    /// @dev Gives the receiver exactly `gasLimit` and reverts with {InsufficientGasForReceiver} when the frame could
    ///      not (EIP-150: a call gets at most 63/64 of the gas left), checked before the call and, in case the
    ///      overhead estimate was short, after a failed call. Otherwise ends in success, {HandlerReverted} or
    ///      {UnexpectedHandlerResult}, each carrying at most {MAX_REASON_BYTES} of the receiver's data.
    /// @param receiver The receiving contract.
    /// @param sender The sender on the peer chain.
    /// @param message The payload.
    /// @param guid The message's guid.
    /// @param gasLimit Gas for handleMessage.
    function executeHandler(address receiver, address sender, bytes calldata message, bytes32 guid, uint128 gasLimit)
        external
    {
        if (msg.sender != address(this)) revert OnlySelf(msg.sender);
        bytes memory data = abi.encodeCall(IAbridgeMessageHandler.handleMessage, (sender, message, guid));
        // Measured after encoding, so memory expansion for large messages is already paid.
        if (gasleft() < uint256(gasLimit) + uint256(gasLimit) / 63 + CALL_OVERHEAD_GAS) {
            revert InsufficientGasForReceiver(gasleft(), gasLimit);
        }
        (bool ok, uint256 size) = _rawCall(receiver, gasLimit, data);
        if (!ok && gasleft() < uint256(gasLimit) / 63) revert InsufficientGasForReceiver(gasleft(), gasLimit);
        bytes memory returned = _returnData(size, MAX_REASON_BYTES);
        if (!ok) revert HandlerReverted(returned);
        if (!_isHandlerSelector(returned)) revert UnexpectedHandlerResult(returned);
    }

    /// @dev Whether return data is handleMessage's selector, ABI-encoded as a bytes4 (the first word).
    function _isHandlerSelector(bytes memory returned) private pure returns (bool) {
        // casting to 'bytes32' is safe because it reads the first word of the return data, all that is compared
        // forge-lint: disable-next-line(unsafe-typecast)
        return returned.length >= 32 && bytes32(returned) == bytes32(IAbridgeMessageHandler.handleMessage.selector);
    }

    /// @dev CALL without copying the return data (a receiver cannot make the endpoint pay for a huge copy).
    function _rawCall(address target, uint256 gas_, bytes memory data) private returns (bool ok, uint256 size) {
        assembly ("memory-safe") {
            ok := call(gas_, target, 0, add(data, 0x20), mload(data), 0, 0)
            size := returndatasize()
        }
    }

    /// @dev The first min(`size`, `cap`) bytes of the last call's return data.
    function _returnData(uint256 size, uint256 cap) private pure returns (bytes memory out) {
        uint256 kept = size < cap ? size : cap;
        out = new bytes(kept);
        assembly ("memory-safe") {
            returndatacopy(add(out, 0x20), 0, kept)
        }
    }
}
