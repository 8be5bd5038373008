// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test, Vm} from "forge-std/Test.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IAbridgeMessageHandler} from "../../../src/bridge/IAbridge.sol";
import {DevnetAbridge} from "../../../devnet/bridge/DevnetAbridge.sol";
import {MockReceiver, RefundRejecter, RefundTaker} from "./BridgeMocks.sol";

/// @notice Shared set-up: endpoint `src` on chain SRC and its peer `dst` on chain DST, both in this VM; the chain id is
///         switched with vm.chainId to act on one side or the other.
abstract contract BridgeFixture is Test {
    uint256 internal constant SRC = 31337;
    uint256 internal constant DST = 31338;
    uint96 internal constant BASE_FEE = 0.001 ether;
    uint96 internal constant GAS_PRICE = 2 gwei;
    uint128 internal constant GAS_LIMIT = 200_000;

    address internal owner = makeAddr("owner");
    address internal relayer = makeAddr("relayer");
    address internal app = makeAddr("app");
    DevnetAbridge internal src;
    DevnetAbridge internal dst;
    MockReceiver internal receiver;

    /// @dev One sent message, as the relayer reads it from MessageSent.
    struct Sent {
        bytes32 guid;
        uint64 nonce;
        address sender;
        address receiver;
        uint128 gasLimit;
        bytes message;
        uint256 fee;
    }

    function setUp() public virtual {
        vm.chainId(SRC);
        src = new DevnetAbridge(DST, owner, BASE_FEE, GAS_PRICE);
        vm.chainId(DST);
        dst = new DevnetAbridge(SRC, owner, BASE_FEE, GAS_PRICE);
        vm.startPrank(owner);
        src.setPeer(address(dst));
        dst.setPeer(address(src));
        src.setRelayer(relayer, true);
        dst.setRelayer(relayer, true);
        vm.stopPrank();
        receiver = new MockReceiver(dst);
        receiver.allow(app, true);
        vm.deal(app, 1000 ether);
    }

    function _fee(uint128 gasLimit, bytes memory message) internal view returns (uint256 fee) {
        (, fee) = src.estimateFee(address(receiver), gasLimit, message);
    }

    /// @dev `from` sends `message` from SRC to the mock receiver, paying exactly the fee.
    function _send(address from, bytes memory message, uint128 gasLimit) internal returns (Sent memory s) {
        vm.chainId(SRC);
        uint256 fee = _fee(gasLimit, message);
        uint64 nonce = src.nextOutboundNonce();
        vm.prank(from);
        bytes32 guid = src.send{value: fee}(address(receiver), gasLimit, message);
        s = Sent(guid, nonce, from, address(receiver), gasLimit, message, fee);
    }

    function _send(bytes memory message) internal returns (Sent memory) {
        return _send(app, message, GAS_LIMIT);
    }

    function _deliver(Sent memory s) internal {
        vm.chainId(DST);
        vm.prank(relayer);
        dst.deliverMessage(s.nonce, s.sender, s.receiver, s.gasLimit, s.message, s.guid);
    }
}

contract DevnetAbridgeTest is BridgeFixture {
    event MessageSent(
        bytes32 indexed guid,
        uint64 indexed nonce,
        address indexed sender,
        address receiver,
        uint128 gasLimit,
        bytes message,
        uint256 fee
    );
    event MessageDelivered(bytes32 indexed guid, uint64 indexed nonce, address indexed receiver, address sender);
    event MessageFailed(
        bytes32 indexed guid,
        uint64 indexed nonce,
        address indexed receiver,
        address sender,
        bytes message,
        bytes reason
    );
    event MessageRetried(bytes32 indexed guid, address indexed caller);
    event RouteUpdated(address indexed receiver, address indexed sender, bool allowed);
    event RelayerUpdated(address indexed relayer, bool authorised);
    event PeerSet(address indexed peer);
    event FeeParametersUpdated(uint96 baseFee, uint96 gasPrice);
    event FeesWithdrawn(address indexed recipient, uint256 amount);

    // ---- constructor and owner settings ----

    function test_constructor_setsParameters() public view {
        assertEq(src.PEER_CHAIN_ID(), DST);
        assertEq(src.owner(), owner);
        assertEq(src.baseFee(), BASE_FEE);
        assertEq(src.gasPrice(), GAS_PRICE);
        assertEq(src.nextOutboundNonce(), 1);
        assertEq(src.nextInboundNonce(), 1);
        assertEq(src.peer(), address(dst));
    }

    function test_setPeer_onlyOnce() public {
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(DevnetAbridge.PeerAlreadySet.selector, address(dst)));
        src.setPeer(address(1));
    }

    function test_setPeer_emitsEvent() public {
        DevnetAbridge e = new DevnetAbridge(DST, owner, 0, 0);
        vm.expectEmit(address(e));
        emit PeerSet(address(dst));
        vm.prank(owner);
        e.setPeer(address(dst));
    }

    function test_setPeer_rejectsZero() public {
        DevnetAbridge e = new DevnetAbridge(DST, owner, 0, 0);
        vm.prank(owner);
        vm.expectRevert(DevnetAbridge.ZeroAddress.selector);
        e.setPeer(address(0));
    }

    function test_ownerFunctions_revertForOthers() public {
        vm.startPrank(app);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, app));
        src.setPeer(address(1));
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, app));
        src.setRelayer(app, true);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, app));
        src.setFeeParameters(0, 0);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, app));
        src.withdrawFees(payable(app), 0);
        vm.stopPrank();
    }

    function test_setRelayer_authorisesAndRevokes() public {
        address r = makeAddr("r2");
        vm.expectEmit(address(dst));
        emit RelayerUpdated(r, true);
        vm.prank(owner);
        dst.setRelayer(r, true);
        assertTrue(dst.isRelayer(r));
        vm.prank(owner);
        dst.setRelayer(r, false);
        assertFalse(dst.isRelayer(r));
    }

    function test_setFeeParameters_changesFee() public {
        vm.expectEmit(address(src));
        emit FeeParametersUpdated(7, 3);
        vm.prank(owner);
        src.setFeeParameters(7, 3);
        (address token, uint256 fee) = src.estimateFee(address(receiver), 100, hex"0102");
        assertEq(token, address(0));
        assertEq(fee, 7 + (100 + 16 * 2) * 3);
    }

    // ---- updateRoute ----

    function test_updateRoute_setsRouteOfCaller() public {
        vm.expectEmit(address(dst));
        emit RouteUpdated(address(this), app, true);
        dst.updateRoute(app, true);
        assertTrue(dst.routes(address(this), app));
        assertFalse(dst.routes(address(receiver), address(this)));
        dst.updateRoute(app, false);
        assertFalse(dst.routes(address(this), app));
    }

    // ---- send ----

    function test_estimateFee_isBasePlusGasTimesPrice() public view {
        (address token, uint256 fee) = src.estimateFee(address(receiver), GAS_LIMIT, "hello");
        assertEq(token, address(0));
        assertEq(fee, BASE_FEE + (uint256(GAS_LIMIT) + 16 * 5) * GAS_PRICE);
    }

    function test_send_emitsMessageSentWithGuidAndNonce() public {
        vm.chainId(SRC);
        bytes memory message = "hello";
        uint256 fee = _fee(GAS_LIMIT, message);
        bytes32 expected =
            src.computeGuid(SRC, DST, address(src), 1, GAS_LIMIT, src.payloadHash(app, address(receiver), message));
        vm.expectEmit(address(src));
        emit MessageSent(expected, 1, app, address(receiver), GAS_LIMIT, message, fee);
        vm.prank(app);
        bytes32 guid = src.send{value: fee}(address(receiver), GAS_LIMIT, message);
        assertEq(guid, expected);
    }

    function test_send_assignsConsecutiveNonces() public {
        Sent memory a = _send("a");
        Sent memory b = _send("b");
        assertEq(a.nonce, 1);
        assertEq(b.nonce, 2);
        assertEq(src.nextOutboundNonce(), 3);
        assertTrue(a.guid != b.guid);
    }

    function test_send_sameMessageTwiceGetsDifferentGuids() public {
        assertTrue(_send("same").guid != _send("same").guid);
    }

    function test_send_guidBindsChainsAndEndpoint() public {
        vm.chainId(SRC);
        DevnetAbridge other = new DevnetAbridge(DST, owner, BASE_FEE, GAS_PRICE);
        uint256 fee = _fee(GAS_LIMIT, "x");
        vm.startPrank(app);
        bytes32 g1 = src.send{value: fee}(address(receiver), GAS_LIMIT, "x");
        bytes32 g2 = other.send{value: fee}(address(receiver), GAS_LIMIT, "x");
        vm.stopPrank();
        assertTrue(g1 != g2);
        bytes32 h = src.payloadHash(app, address(receiver), "x");
        assertTrue(g1 != src.computeGuid(DST, SRC, address(src), 1, GAS_LIMIT, h));
    }

    function test_send_keepsExactFee() public {
        Sent memory s = _send("fee");
        assertEq(address(src).balance, s.fee);
        assertEq(src.accruedFees(), s.fee);
    }

    function test_send_refundsExcessToSender() public {
        vm.chainId(SRC);
        uint256 fee = _fee(GAS_LIMIT, "x");
        uint256 before = app.balance;
        vm.prank(app);
        src.send{value: fee + 5 ether}(address(receiver), GAS_LIMIT, "x");
        assertEq(app.balance, before - fee);
        assertEq(address(src).balance, fee);
    }

    function test_send_refundsExcessToContractSender() public {
        RefundTaker taker = new RefundTaker();
        uint256 fee = _fee(GAS_LIMIT, "x");
        taker.send{value: fee + 1 ether}(src, address(receiver), GAS_LIMIT, "x");
        assertEq(taker.received(), 1 ether);
        assertEq(address(taker).balance, 1 ether);
        assertEq(address(src).balance, fee);
    }

    function test_send_revertsWhenRefundFails() public {
        RefundRejecter rejecter = new RefundRejecter();
        uint256 fee = _fee(GAS_LIMIT, "x");
        vm.expectRevert(abi.encodeWithSelector(DevnetAbridge.RefundFailed.selector, address(rejecter), 1));
        rejecter.send{value: fee + 1}(src, address(receiver), GAS_LIMIT, "x");
    }

    function test_send_exactFeeNeedsNoRefund() public {
        RefundRejecter rejecter = new RefundRejecter();
        uint256 fee = _fee(GAS_LIMIT, "x");
        rejecter.send{value: fee}(src, address(receiver), GAS_LIMIT, "x");
        assertEq(address(src).balance, fee);
    }

    function test_send_revertsWhenFeeShort() public {
        uint256 fee = _fee(GAS_LIMIT, "x");
        vm.prank(app);
        vm.expectRevert(abi.encodeWithSelector(DevnetAbridge.InsufficientFee.selector, fee - 1, fee));
        src.send{value: fee - 1}(address(receiver), GAS_LIMIT, "x");
    }

    function test_send_revertsOnZeroGasLimit() public {
        vm.prank(app);
        vm.expectRevert(abi.encodeWithSelector(DevnetAbridge.InvalidGasLimit.selector, uint128(0)));
        src.send{value: 1 ether}(address(receiver), 0, "x");
    }

    function test_send_revertsAboveMaxGasLimit() public {
        uint128 limit = src.MAX_GAS_LIMIT() + 1;
        vm.prank(app);
        vm.expectRevert(abi.encodeWithSelector(DevnetAbridge.InvalidGasLimit.selector, limit));
        src.send{value: 1 ether}(address(receiver), limit, "x");
    }

    function test_send_revertsOnZeroReceiver() public {
        vm.prank(app);
        vm.expectRevert(DevnetAbridge.ZeroReceiver.selector);
        src.send{value: 1 ether}(address(0), GAS_LIMIT, "x");
    }

    function test_send_freeWhenFeesZero() public {
        vm.prank(owner);
        src.setFeeParameters(0, 0);
        vm.prank(app);
        src.send(address(receiver), GAS_LIMIT, "x");
        assertEq(src.nextOutboundNonce(), 2);
    }

    // ---- deliverMessage ----

    function test_deliver_callsReceiverWithSenderMessageGuid() public {
        Sent memory s = _send("payload");
        vm.expectEmit(address(dst));
        emit MessageDelivered(s.guid, 1, address(receiver), app);
        _deliver(s);
        assertEq(receiver.handledCount(), 1);
        MockReceiver.Handled memory h = receiver.handledAt(0);
        assertEq(h.from, app);
        assertEq(h.guid, s.guid);
        assertEq(h.message, "payload");
        assertEq(dst.nextInboundNonce(), 2);
        assertEq(uint8(dst.messageStatus(s.guid)), uint8(DevnetAbridge.MessageStatus.Delivered));
    }

    function test_deliver_onlyRelayer() public {
        Sent memory s = _send("x");
        vm.chainId(DST);
        vm.prank(app);
        vm.expectRevert(abi.encodeWithSelector(DevnetAbridge.NotRelayer.selector, app));
        dst.deliverMessage(s.nonce, s.sender, s.receiver, s.gasLimit, s.message, s.guid);
    }

    function test_deliver_revokedRelayerCannotDeliver() public {
        Sent memory s = _send("x");
        vm.prank(owner);
        dst.setRelayer(relayer, false);
        vm.expectRevert(abi.encodeWithSelector(DevnetAbridge.NotRelayer.selector, relayer));
        _deliver(s);
    }

    function test_deliver_revertsWithoutPeer() public {
        vm.chainId(DST);
        DevnetAbridge lonely = new DevnetAbridge(SRC, owner, 0, 0);
        vm.prank(owner);
        lonely.setRelayer(relayer, true);
        vm.prank(relayer);
        vm.expectRevert(DevnetAbridge.PeerNotSet.selector);
        lonely.deliverMessage(1, app, address(receiver), GAS_LIMIT, "x", bytes32(0));
    }

    function test_deliver_twiceReverts() public {
        Sent memory s = _send("once");
        _deliver(s);
        vm.expectRevert(abi.encodeWithSelector(DevnetAbridge.InboundNonceMismatch.selector, uint64(2), uint64(1)));
        _deliver(s);
        assertEq(receiver.timesHandled(s.guid), 1);
    }

    function test_deliver_outOfOrderReverts() public {
        _send("first");
        Sent memory second = _send("second");
        vm.expectRevert(abi.encodeWithSelector(DevnetAbridge.InboundNonceMismatch.selector, uint64(1), uint64(2)));
        _deliver(second);
    }

    function test_deliver_inOrderDeliversAll() public {
        Sent memory a = _send("a");
        Sent memory b = _send("b");
        Sent memory c = _send("c");
        _deliver(a);
        _deliver(b);
        _deliver(c);
        assertEq(receiver.handledCount(), 3);
        assertEq(receiver.handledAt(0).message, "a");
        assertEq(receiver.handledAt(1).message, "b");
        assertEq(receiver.handledAt(2).message, "c");
        assertEq(dst.nextInboundNonce(), 4);
    }

    function test_deliver_wrongGuidReverts() public {
        Sent memory s = _send("x");
        bytes32 expected = s.guid;
        s.guid = keccak256("forged");
        vm.expectRevert(abi.encodeWithSelector(DevnetAbridge.GuidMismatch.selector, expected, s.guid));
        _deliver(s);
    }

    function test_deliver_alteredMessageReverts() public {
        Sent memory s = _send("real");
        s.message = "fake";
        vm.expectPartialRevert(DevnetAbridge.GuidMismatch.selector);
        _deliver(s);
    }

    function test_deliver_alteredGasLimitReverts() public {
        Sent memory s = _send("x");
        s.gasLimit = 1;
        vm.expectPartialRevert(DevnetAbridge.GuidMismatch.selector);
        _deliver(s);
    }

    function test_deliver_alteredSenderReverts() public {
        Sent memory s = _send("x");
        s.sender = makeAddr("impostor");
        vm.expectPartialRevert(DevnetAbridge.GuidMismatch.selector);
        _deliver(s);
    }

    function test_deliver_messageFromAnotherEndpointReverts() public {
        vm.chainId(SRC);
        DevnetAbridge other = new DevnetAbridge(DST, owner, 0, 0);
        vm.prank(app);
        bytes32 guid = other.send(address(receiver), GAS_LIMIT, "x");
        Sent memory s = Sent(guid, 1, app, address(receiver), GAS_LIMIT, "x", 0);
        vm.expectPartialRevert(DevnetAbridge.GuidMismatch.selector);
        _deliver(s);
    }

    function test_deliver_givesReceiverItsGasLimit() public {
        Sent memory s = _send(app, "gas", 500_000);
        vm.chainId(DST);
        vm.prank(relayer);
        dst.deliverMessage{gas: 2_000_000}(s.nonce, s.sender, s.receiver, s.gasLimit, s.message, s.guid);
        uint256 seen = receiver.handledAt(0).gasLeft;
        assertLe(seen, 500_000);
        assertGt(seen, 500_000 - 1000);
    }

    function test_deliver_revertsWhenGasTooShortForReceiver() public {
        Sent memory s = _send(app, "gas", 1_000_000);
        vm.chainId(DST);
        vm.prank(relayer);
        vm.expectPartialRevert(DevnetAbridge.InsufficientGasForReceiver.selector);
        dst.deliverMessage{gas: 900_000}(s.nonce, s.sender, s.receiver, s.gasLimit, s.message, s.guid);
        assertEq(dst.nextInboundNonce(), 1);
    }

    /// @dev A relayer probing every gas amount never gets the message recorded as failed by starving it: either the
    ///      transaction reverts (nonce unchanged) or the receiver got its full gas limit and succeeded.
    function testFuzz_deliver_relayerCannotStarveReceiver(uint256 txGas) public {
        uint128 limit = 300_000;
        Sent memory s = _send(app, "starve", limit);
        txGas = bound(txGas, 30_000, 700_000);
        vm.chainId(DST);
        vm.prank(relayer);
        try dst.deliverMessage{gas: txGas}(s.nonce, s.sender, s.receiver, s.gasLimit, s.message, s.guid) {
            assertEq(uint8(dst.messageStatus(s.guid)), uint8(DevnetAbridge.MessageStatus.Delivered));
            assertEq(receiver.handledCount(), 1);
        } catch {
            assertEq(dst.nextInboundNonce(), 1);
            assertEq(uint8(dst.messageStatus(s.guid)), uint8(DevnetAbridge.MessageStatus.None));
        }
    }

    /// @dev With a receiver that burns all its gas, no transaction gas amount can record the failure unless the
    ///      receiver was given its full gas limit.
    function testFuzz_deliver_gasBurnerFailsOnlyWithFullGas(uint256 txGas) public {
        uint128 limit = 300_000;
        Sent memory s = _send(app, "burn", limit);
        receiver.setMode(MockReceiver.Mode.BurnGas);
        txGas = bound(txGas, 30_000, 1_000_000);
        vm.chainId(DST);
        vm.prank(relayer);
        try dst.deliverMessage{gas: txGas}(s.nonce, s.sender, s.receiver, s.gasLimit, s.message, s.guid) {
            assertEq(uint8(dst.messageStatus(s.guid)), uint8(DevnetAbridge.MessageStatus.Failed));
            assertGe(txGas, uint256(limit) + uint256(limit) / 63);
        } catch {
            assertEq(dst.nextInboundNonce(), 1);
        }
    }

    function test_deliver_receiverRevertIsRecordedAsFailed() public {
        Sent memory s = _send("bad");
        receiver.setMode(MockReceiver.Mode.Revert);
        vm.expectEmit(address(dst));
        emit MessageFailed(s.guid, 1, address(receiver), app, "bad", _handlerReverted(s.guid));
        _deliver(s);
        assertEq(dst.nextInboundNonce(), 2);
        assertEq(uint8(dst.messageStatus(s.guid)), uint8(DevnetAbridge.MessageStatus.Failed));
        assertEq(dst.failedPayloadHash(s.guid), dst.payloadHash(app, address(receiver), "bad"));
        assertEq(receiver.handledCount(), 0);
    }

    function _handlerReverted(bytes32 guid) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(
            DevnetAbridge.HandlerReverted.selector, abi.encodeWithSelector(MockReceiver.Rejected.selector, guid)
        );
    }

    function test_deliver_wrongSelectorIsRecordedAsFailed() public {
        Sent memory s = _send("x");
        receiver.setMode(MockReceiver.Mode.WrongSelector);
        bytes memory returned = abi.encode(bytes4(0xdeadbeef));
        vm.expectEmit(address(dst));
        emit MessageFailed(
            s.guid,
            1,
            address(receiver),
            app,
            "x",
            abi.encodeWithSelector(DevnetAbridge.UnexpectedHandlerResult.selector, returned)
        );
        _deliver(s);
        assertEq(uint8(dst.messageStatus(s.guid)), uint8(DevnetAbridge.MessageStatus.Failed));
    }

    function test_deliver_wrongSelectorRollsBackReceiverEffects() public {
        Sent memory s = _send("x");
        receiver.setMode(MockReceiver.Mode.WrongSelector);
        _deliver(s);
        assertEq(receiver.handledCount(), 0);
        assertEq(receiver.timesHandled(s.guid), 0);
        receiver.setMode(MockReceiver.Mode.Accept);
        dst.retryMessage(app, address(receiver), "x", s.guid);
        assertEq(receiver.timesHandled(s.guid), 1);
    }

    function test_deliver_receiverFakingGasShortageIsRecordedAsFailed() public {
        Sent memory s = _send("x");
        receiver.setMode(MockReceiver.Mode.FakeGasShortage);
        _deliver(s);
        assertEq(dst.nextInboundNonce(), 2);
        assertEq(uint8(dst.messageStatus(s.guid)), uint8(DevnetAbridge.MessageStatus.Failed));
    }

    function test_executeHandler_onlySelf() public {
        vm.expectRevert(abi.encodeWithSelector(DevnetAbridge.OnlySelf.selector, address(this)));
        dst.executeHandler(address(receiver), app, "x", bytes32(0), GAS_LIMIT);
    }

    function test_deliver_emptyReturnIsRecordedAsFailed() public {
        Sent memory s = _send("x");
        receiver.setMode(MockReceiver.Mode.ReturnNothing);
        _deliver(s);
        assertEq(uint8(dst.messageStatus(s.guid)), uint8(DevnetAbridge.MessageStatus.Failed));
    }

    function test_deliver_toAccountWithoutCodeIsRecordedAsFailed() public {
        address eoa = makeAddr("eoa");
        vm.chainId(DST);
        vm.prank(eoa);
        dst.updateRoute(app, true);
        vm.chainId(SRC);
        uint256 fee = _fee(GAS_LIMIT, "x");
        vm.prank(app);
        bytes32 guid = src.send{value: fee}(eoa, GAS_LIMIT, "x");
        _deliver(Sent(guid, 1, app, eoa, GAS_LIMIT, "x", fee));
        assertEq(uint8(dst.messageStatus(guid)), uint8(DevnetAbridge.MessageStatus.Failed));
    }

    function test_deliver_hugeRevertDataIsTruncated() public {
        Sent memory s = _send("x");
        receiver.setMode(MockReceiver.Mode.HugeRevert);
        vm.recordLogs();
        _deliver(s);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        (,, bytes memory reason) = abi.decode(logs[0].data, (address, bytes, bytes));
        assertEq(bytes4(reason), DevnetAbridge.HandlerReverted.selector);
        assertEq(reason.length, 4 + 64 + dst.MAX_REASON_BYTES());
        assertEq(uint8(dst.messageStatus(s.guid)), uint8(DevnetAbridge.MessageStatus.Failed));
    }

    function test_deliver_disallowedRouteIsRecordedAsFailed() public {
        address stranger = makeAddr("stranger");
        vm.deal(stranger, 1 ether);
        Sent memory s = _send(stranger, "x", GAS_LIMIT);
        vm.expectEmit(address(dst));
        emit MessageFailed(
            s.guid,
            1,
            address(receiver),
            stranger,
            "x",
            abi.encodeWithSelector(DevnetAbridge.RouteNotAllowed.selector, address(receiver), stranger)
        );
        _deliver(s);
        assertEq(receiver.handledCount(), 0);
        assertEq(dst.nextInboundNonce(), 2);
    }

    function test_deliver_failureDoesNotBlockLaterMessages() public {
        Sent memory a = _send("a");
        Sent memory b = _send("b");
        receiver.setMode(MockReceiver.Mode.Revert);
        _deliver(a);
        receiver.setMode(MockReceiver.Mode.Accept);
        _deliver(b);
        assertEq(receiver.handledCount(), 1);
        assertEq(receiver.handledAt(0).message, "b");
        assertEq(dst.nextInboundNonce(), 3);
    }

    // ---- retryMessage ----

    function _failed(bytes memory message) internal returns (Sent memory s) {
        s = _send(message);
        receiver.setMode(MockReceiver.Mode.Revert);
        _deliver(s);
        receiver.setMode(MockReceiver.Mode.Accept);
    }

    function test_retry_deliversFailedMessageOnce() public {
        Sent memory s = _failed("retry me");
        address anyone = makeAddr("anyone");
        vm.expectEmit(address(dst));
        emit MessageRetried(s.guid, anyone);
        vm.prank(anyone);
        dst.retryMessage(app, address(receiver), "retry me", s.guid);
        assertEq(receiver.timesHandled(s.guid), 1);
        assertEq(uint8(dst.messageStatus(s.guid)), uint8(DevnetAbridge.MessageStatus.Delivered));
        assertEq(dst.failedPayloadHash(s.guid), bytes32(0));
    }

    function test_retry_secondRetryReverts() public {
        Sent memory s = _failed("x");
        dst.retryMessage(app, address(receiver), "x", s.guid);
        vm.expectRevert(
            abi.encodeWithSelector(DevnetAbridge.NotFailed.selector, s.guid, DevnetAbridge.MessageStatus.Delivered)
        );
        dst.retryMessage(app, address(receiver), "x", s.guid);
        assertEq(receiver.timesHandled(s.guid), 1);
    }

    function test_retry_deliveredMessageReverts() public {
        Sent memory s = _send("ok");
        _deliver(s);
        vm.expectRevert(
            abi.encodeWithSelector(DevnetAbridge.NotFailed.selector, s.guid, DevnetAbridge.MessageStatus.Delivered)
        );
        dst.retryMessage(app, address(receiver), "ok", s.guid);
    }

    function test_retry_unknownMessageReverts() public {
        bytes32 guid = keccak256("unknown");
        vm.expectRevert(
            abi.encodeWithSelector(DevnetAbridge.NotFailed.selector, guid, DevnetAbridge.MessageStatus.None)
        );
        dst.retryMessage(app, address(receiver), "x", guid);
    }

    function test_retry_wrongPayloadReverts() public {
        Sent memory s = _failed("real");
        vm.expectPartialRevert(DevnetAbridge.PayloadMismatch.selector);
        dst.retryMessage(app, address(receiver), "fake", s.guid);
    }

    function test_retry_stillFailingRevertsAndStaysRetryable() public {
        Sent memory s = _failed("x");
        receiver.setMode(MockReceiver.Mode.Revert);
        vm.expectRevert(abi.encodeWithSelector(DevnetAbridge.RetryFailed.selector, s.guid, _handlerReverted(s.guid)));
        dst.retryMessage(app, address(receiver), "x", s.guid);
        assertEq(uint8(dst.messageStatus(s.guid)), uint8(DevnetAbridge.MessageStatus.Failed));
        receiver.setMode(MockReceiver.Mode.Accept);
        dst.retryMessage(app, address(receiver), "x", s.guid);
        assertEq(receiver.timesHandled(s.guid), 1);
    }

    function test_retry_wrongSelectorReverts() public {
        Sent memory s = _failed("x");
        receiver.setMode(MockReceiver.Mode.WrongSelector);
        vm.expectPartialRevert(DevnetAbridge.RetryFailed.selector);
        dst.retryMessage(app, address(receiver), "x", s.guid);
    }

    function test_retry_disallowedRouteRevertsUntilAllowed() public {
        address stranger = makeAddr("stranger");
        vm.deal(stranger, 1 ether);
        Sent memory s = _send(stranger, "x", GAS_LIMIT);
        _deliver(s);
        vm.expectRevert(
            abi.encodeWithSelector(
                DevnetAbridge.RetryFailed.selector,
                s.guid,
                abi.encodeWithSelector(DevnetAbridge.RouteNotAllowed.selector, address(receiver), stranger)
            )
        );
        dst.retryMessage(stranger, address(receiver), "x", s.guid);
        receiver.allow(stranger, true);
        dst.retryMessage(stranger, address(receiver), "x", s.guid);
        assertEq(receiver.timesHandled(s.guid), 1);
    }

    function test_retry_givesMoreGasThanTheLimit() public {
        Sent memory s = _send(app, "x", 50_000);
        receiver.setMode(MockReceiver.Mode.BurnGas);
        _deliver(s);
        receiver.setMode(MockReceiver.Mode.Accept);
        dst.retryMessage{gas: 1_000_000}(app, address(receiver), "x", s.guid);
        assertGt(receiver.handledAt(0).gasLeft, 50_000);
    }

    function test_retry_reentrantRetryOfSameMessageCannotHandleTwice() public {
        Sent memory s = _failed("x");
        receiver.setMode(MockReceiver.Mode.ReenterRetry);
        receiver.setReentry(app, "x", s.guid);
        vm.expectPartialRevert(DevnetAbridge.RetryFailed.selector);
        dst.retryMessage(app, address(receiver), "x", s.guid);
        assertEq(receiver.timesHandled(s.guid), 0);
        assertEq(uint8(dst.messageStatus(s.guid)), uint8(DevnetAbridge.MessageStatus.Failed));
    }

    // ---- fees ----

    function test_withdrawFees_paysRecipient() public {
        Sent memory a = _send("a");
        Sent memory b = _send("b");
        address payable treasury = payable(makeAddr("treasury"));
        vm.expectEmit(address(src));
        emit FeesWithdrawn(treasury, a.fee);
        vm.prank(owner);
        src.withdrawFees(treasury, a.fee);
        assertEq(treasury.balance, a.fee);
        assertEq(src.accruedFees(), b.fee);
    }

    function test_withdrawFees_revertsAboveBalance() public {
        Sent memory a = _send("a");
        address payable treasury = payable(makeAddr("treasury"));
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(DevnetAbridge.WithdrawalFailed.selector, treasury, a.fee + 1, a.fee));
        src.withdrawFees(treasury, a.fee + 1);
    }

    function test_withdrawFees_revertsWhenRecipientRejects() public {
        Sent memory a = _send("a");
        address rejecter = address(new RefundRejecter());
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(DevnetAbridge.WithdrawalFailed.selector, rejecter, a.fee, a.fee));
        src.withdrawFees(payable(rejecter), a.fee);
    }

    function test_withdrawFees_revertsOnZeroRecipient() public {
        vm.prank(owner);
        vm.expectRevert(DevnetAbridge.ZeroAddress.selector);
        src.withdrawFees(payable(address(0)), 0);
    }

    function test_plainTransferIsRejected() public {
        (bool ok,) = address(src).call{value: 1}("");
        assertFalse(ok);
    }

    // ---- fuzz ----

    /// @dev Any msg.value at or above the fee: the endpoint keeps exactly the fee and the sender gets the rest back;
    ///      below it the send reverts and nothing moves.
    function testFuzz_send_feeAndRefund(
        uint256 value,
        uint96 baseFee,
        uint96 gasPrice,
        uint128 gasLimit,
        bytes calldata m
    ) public {
        gasLimit = uint128(bound(gasLimit, 1, src.MAX_GAS_LIMIT()));
        vm.prank(owner);
        src.setFeeParameters(baseFee, gasPrice);
        (, uint256 fee) = src.estimateFee(address(receiver), gasLimit, m);
        assertEq(fee, uint256(baseFee) + (uint256(gasLimit) + 16 * m.length) * gasPrice);
        value = bound(value, 0, fee + 1000 ether);
        address sender = makeAddr("fuzzSender");
        vm.deal(sender, value);
        vm.chainId(SRC);
        vm.prank(sender);
        if (value < fee) {
            vm.expectRevert(abi.encodeWithSelector(DevnetAbridge.InsufficientFee.selector, value, fee));
            src.send{value: value}(address(receiver), gasLimit, m);
            assertEq(sender.balance, value);
            assertEq(address(src).balance, 0);
            assertEq(src.nextOutboundNonce(), 1);
        } else {
            src.send{value: value}(address(receiver), gasLimit, m);
            assertEq(sender.balance, value - fee);
            assertEq(address(src).balance, fee);
            assertEq(src.nextOutboundNonce(), 2);
        }
    }

    /// @dev Any payload and gas limit round-trips unchanged to the receiver with the guid the source returned.
    function testFuzz_sendAndDeliver_anyPayload(bytes calldata m, uint128 gasLimit, address sender) public {
        vm.assume(sender != address(0) && sender.code.length == 0 && uint160(sender) > 0xffff);
        gasLimit = uint128(bound(gasLimit, 300_000, 2_000_000)); // the mock stores the whole message
        receiver.allow(sender, true);
        vm.deal(sender, 100 ether);
        Sent memory s = _send(sender, m, gasLimit);
        _deliver(s);
        MockReceiver.Handled memory h = receiver.handledAt(0);
        assertEq(h.message, m);
        assertEq(h.from, sender);
        assertEq(h.guid, s.guid);
    }

    // ---- gas ----

    function test_gas_sendAndDeliver() public {
        bytes memory message = new bytes(256);
        Sent memory first = _send(app, message, GAS_LIMIT); // warm-up: the first nonce write
        vm.chainId(SRC);
        vm.prank(app);
        uint256 g = gasleft();
        bytes32 guid = src.send{value: first.fee}(address(receiver), GAS_LIMIT, message);
        uint256 sendGas = g - gasleft();
        emit log_named_uint("send (256-byte message, exact fee), incl. the call", sendGas);
        assertLt(sendGas, 60_000);

        _deliver(first);
        vm.chainId(DST);
        vm.prank(relayer);
        g = gasleft();
        dst.deliverMessage(2, app, address(receiver), GAS_LIMIT, message, guid);
        emit log_named_uint("deliverMessage (256 bytes, receiver stores it), incl. receiver", g - gasleft());

        // The endpoint's own cost: a receiver that only returns its selector, and one that reverts.
        receiver.setMode(MockReceiver.Mode.AcceptQuietly);
        Sent memory quiet = _send(app, message, GAS_LIMIT);
        vm.chainId(DST);
        vm.prank(relayer);
        g = gasleft();
        dst.deliverMessage(quiet.nonce, app, address(receiver), GAS_LIMIT, message, quiet.guid);
        uint256 deliverGas = g - gasleft();
        emit log_named_uint("deliverMessage (256 bytes, receiver does nothing)", deliverGas);
        assertLt(deliverGas, 50_000);
        receiver.setMode(MockReceiver.Mode.Revert);
        Sent memory failing = _send(app, message, GAS_LIMIT);
        vm.chainId(DST);
        vm.prank(relayer);
        g = gasleft();
        dst.deliverMessage(failing.nonce, app, address(receiver), GAS_LIMIT, message, failing.guid);
        emit log_named_uint("deliverMessage (256 bytes, receiver reverts: failure recorded)", g - gasleft());
        receiver.setMode(MockReceiver.Mode.AcceptQuietly);
        g = gasleft();
        dst.retryMessage(app, address(receiver), message, failing.guid);
        emit log_named_uint("retryMessage (256 bytes, receiver does nothing)", g - gasleft());
    }
}
