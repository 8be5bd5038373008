// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {DevnetAbridge} from "../../../devnet/bridge/DevnetAbridge.sol";
import {MockReceiver} from "./BridgeMocks.sol";

/// @notice Drives a pair of endpoints with random sends (any payload, any overpayment), deliveries (with random
///         transaction gas, and out-of-order or repeated attempts), retries, receiver behaviour and route changes,
///         and fee withdrawals, keeping a ghost record of every message sent and every delivery that landed.
contract BridgeHandler is Test {
    uint256 internal constant SRC = 31337;
    uint256 internal constant DST = 31338;

    struct Sent {
        bytes32 guid;
        address sender;
        address receiver;
        uint128 gasLimit;
        bytes message;
    }

    DevnetAbridge public src;
    DevnetAbridge public dst;
    address public owner;
    address public relayer;
    MockReceiver[2] public receivers;
    address[3] public senders;

    /// @dev Message nonce n is sent[n - 1].
    Sent[] internal _sent;
    /// @dev Nonces of the deliveries that landed, in the order they landed.
    uint64[] internal _deliveredNonces;
    uint256 public ghostFees;
    uint256 public ghostWithdrawn;
    uint256 public failedDeliveries;
    uint256 public retriesSucceeded;

    constructor(DevnetAbridge src_, DevnetAbridge dst_, address owner_, address relayer_, MockReceiver[2] memory r) {
        src = src_;
        dst = dst_;
        owner = owner_;
        relayer = relayer_;
        receivers = r;
        senders = [makeAddr("appA"), makeAddr("appB"), makeAddr("stranger")];
        for (uint256 i; i < 3; ++i) {
            vm.deal(senders[i], 1e9 ether);
        }
    }

    function sentCount() external view returns (uint256) {
        return _sent.length;
    }

    function sentAt(uint256 i) external view returns (Sent memory) {
        return _sent[i];
    }

    function deliveredCount() external view returns (uint256) {
        return _deliveredNonces.length;
    }

    function deliveredNonceAt(uint256 i) external view returns (uint64) {
        return _deliveredNonces[i];
    }

    function send(uint256 senderSeed, uint256 receiverSeed, uint128 gasLimit, bytes calldata message, uint256 extra)
        external
    {
        vm.chainId(SRC);
        address sender = senders[senderSeed % 3];
        address receiver = address(receivers[receiverSeed % 2]);
        gasLimit = uint128(bound(gasLimit, 1, 400_000));
        (, uint256 fee) = src.estimateFee(receiver, gasLimit, message);
        extra = bound(extra, 0, 10 ether);
        uint256 before = sender.balance;
        vm.prank(sender);
        bytes32 guid = src.send{value: fee + extra}(receiver, gasLimit, message);
        assertEq(before - sender.balance, fee, "sender paid exactly the fee");
        ghostFees += fee;
        _sent.push(Sent(guid, sender, receiver, gasLimit, message));
    }

    /// @dev Delivers the next message with a random amount of transaction gas; too little must revert and change
    ///      nothing.
    function deliverNext(uint256 txGas) external {
        uint64 nonce = dst.nextInboundNonce();
        if (nonce > _sent.length) return;
        Sent memory s = _sent[nonce - 1];
        txGas = bound(txGas, 50_000, 2_000_000);
        vm.chainId(DST);
        vm.prank(relayer);
        try dst.deliverMessage{gas: txGas}(nonce, s.sender, s.receiver, s.gasLimit, s.message, s.guid) {
            _deliveredNonces.push(nonce);
            if (dst.messageStatus(s.guid) == DevnetAbridge.MessageStatus.Failed) ++failedDeliveries;
        } catch {
            assertEq(dst.nextInboundNonce(), nonce, "a reverted delivery changes nothing");
        }
    }

    /// @dev A relayer trying an already delivered or a future nonce: always rejected.
    function deliverWrongNonce(uint256 seed) external {
        if (_sent.length == 0) return;
        uint64 next = dst.nextInboundNonce();
        uint64 nonce = uint64(bound(seed, 1, _sent.length));
        if (nonce == next) return;
        Sent memory s = _sent[nonce - 1];
        vm.chainId(DST);
        vm.prank(relayer);
        vm.expectRevert(abi.encodeWithSelector(DevnetAbridge.InboundNonceMismatch.selector, next, nonce));
        dst.deliverMessage(nonce, s.sender, s.receiver, s.gasLimit, s.message, s.guid);
    }

    function retry(uint256 seed, address caller) external {
        if (_sent.length == 0) return;
        Sent memory s = _sent[bound(seed, 0, _sent.length - 1)];
        vm.chainId(DST);
        vm.prank(caller);
        try dst.retryMessage{gas: 3_000_000}(s.sender, s.receiver, s.message, s.guid) {
            ++retriesSucceeded;
        } catch {}
    }

    function setMode(uint256 receiverSeed, uint256 modeSeed) external {
        // Accept, Revert, WrongSelector, ReturnNothing, BurnGas (no re-entry here; unit tests cover it).
        receivers[receiverSeed % 2].setMode(MockReceiver.Mode(modeSeed % 5));
    }

    function setRoute(uint256 receiverSeed, uint256 senderSeed, bool allowed) external {
        receivers[receiverSeed % 2].allow(senders[senderSeed % 3], allowed);
    }

    function withdraw(uint256 amount) external {
        amount = bound(amount, 0, address(src).balance);
        vm.prank(owner);
        src.withdrawFees(payable(makeAddr("treasury")), amount);
        ghostWithdrawn += amount;
    }
}

contract DevnetAbridgeInvariantTest is Test {
    BridgeHandler internal handler;
    DevnetAbridge internal src;
    DevnetAbridge internal dst;
    MockReceiver[2] internal receivers;

    function setUp() public {
        address owner = makeAddr("owner");
        address relayer = makeAddr("relayer");
        vm.chainId(31337);
        src = new DevnetAbridge(31338, owner, 0.001 ether, 1 gwei);
        vm.chainId(31338);
        dst = new DevnetAbridge(31337, owner, 0.001 ether, 1 gwei);
        vm.startPrank(owner);
        src.setPeer(address(dst));
        dst.setPeer(address(src));
        dst.setRelayer(relayer, true);
        vm.stopPrank();
        receivers[0] = new MockReceiver(dst);
        receivers[1] = new MockReceiver(dst);
        handler = new BridgeHandler(src, dst, owner, relayer, receivers);
        // The two apps are allowed on both receivers; the stranger only if a route change allows it.
        for (uint256 i; i < 2; ++i) {
            receivers[i].allow(handler.senders(0), true);
            receivers[i].allow(handler.senders(1), true);
        }
        targetContract(address(handler));
    }

    /// @notice Each message is handled successfully at most once, and exactly when its status says Delivered.
    function invariant_eachMessageHandledAtMostOnce() public view {
        uint256 n = handler.sentCount();
        for (uint256 i; i < n; ++i) {
            BridgeHandler.Sent memory s = handler.sentAt(i);
            uint256 handled = MockReceiver(s.receiver).timesHandled(s.guid);
            assertLe(handled, 1, "handled twice");
            DevnetAbridge.MessageStatus status = dst.messageStatus(s.guid);
            assertEq(handled == 1, status == DevnetAbridge.MessageStatus.Delivered, "handled iff delivered");
        }
    }

    /// @notice Deliveries land in nonce order with no gaps: every nonce below the next inbound nonce was attempted
    ///         (delivered or failed), none at or above it was.
    function invariant_deliveriesInNonceOrder() public view {
        uint64 next = dst.nextInboundNonce();
        uint256 n = handler.sentCount();
        assertLe(next, n + 1, "delivered past the last sent message");
        assertEq(src.nextOutboundNonce(), n + 1, "one nonce per send");
        assertEq(handler.deliveredCount(), next - 1, "one landed delivery per nonce");
        for (uint256 i; i < handler.deliveredCount(); ++i) {
            assertEq(handler.deliveredNonceAt(i), i + 1, "deliveries in nonce order");
        }
        for (uint256 i; i < n; ++i) {
            BridgeHandler.Sent memory s = handler.sentAt(i);
            DevnetAbridge.MessageStatus status = dst.messageStatus(s.guid);
            if (i + 1 < next) assertTrue(status != DevnetAbridge.MessageStatus.None, "attempted nonce has a status");
            else assertTrue(status == DevnetAbridge.MessageStatus.None, "future nonce has no status");
        }
    }

    /// @notice A failed message, and only a failed one, keeps its payload hash for a retry.
    function invariant_failedMessagesRetryable() public view {
        uint256 n = handler.sentCount();
        for (uint256 i; i < n; ++i) {
            BridgeHandler.Sent memory s = handler.sentAt(i);
            bytes32 kept = dst.failedPayloadHash(s.guid);
            if (dst.messageStatus(s.guid) == DevnetAbridge.MessageStatus.Failed) {
                assertEq(kept, dst.payloadHash(s.sender, s.receiver, s.message), "failed payload kept");
            } else {
                assertEq(kept, bytes32(0), "no payload kept for a non-failed message");
            }
        }
    }

    /// @notice Nothing stuck: the source endpoint holds exactly the fees collected minus those withdrawn, and the
    ///         destination holds nothing.
    function invariant_balanceIsFeesMinusWithdrawals() public view {
        assertEq(address(src).balance, handler.ghostFees() - handler.ghostWithdrawn());
        assertEq(src.accruedFees(), address(src).balance);
        assertEq(address(dst).balance, 0);
    }
}
