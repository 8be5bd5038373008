// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IAbridge, IAbridgeMessageHandler} from "../../../src/bridge/IAbridge.sol";
import {RegistryStateMessage} from "../../../src/core/replication/RegistryStateMessage.sol";
import {RegistryStateSender} from "../../../src/core/replication/RegistryStateSender.sol";
import {ReplicationMockAbridge} from "./ReplicationMockAbridge.sol";

/// @notice A bridge that charges its fee in an ERC-20.
contract TokenFeeBridge is IAbridge {
    function send(address, uint128, bytes calldata) external payable returns (bytes32) {
        return bytes32(0);
    }

    function estimateFee(address, uint128, bytes calldata) external pure returns (address, uint256) {
        return (address(0xFEE), 1);
    }

    function updateRoute(address, bool) external {}
}

/// @notice Accepts every message (the sender tests deliver nowhere in particular).
contract AcceptAllHandler is IAbridgeMessageHandler {
    uint256 public received;

    function handleMessage(address, bytes calldata, bytes32) external returns (bytes4) {
        ++received;
        return IAbridgeMessageHandler.handleMessage.selector;
    }
}

contract ReplicationSenderTest is Test {
    uint256 internal constant CHAIN = 31_338;
    uint64 internal constant BASE = 100_000;
    uint64 internal constant PER_OP = 50_000;

    address internal owner = makeAddr("owner");
    address internal epochManager = makeAddr("epoch manager");
    address internal refundee = makeAddr("refundee");
    RegistryStateSender internal sender;
    ReplicationMockAbridge internal bridge;
    AcceptAllHandler internal handler;

    event RouteSet(
        uint256 indexed chainId, address indexed bridge, address indexed receiver, uint64 baseGas, uint64 gasPerOperator
    );
    event RouteRemoved(uint256 indexed chainId);
    event StateUpdateSent(
        uint256 indexed chainId,
        uint32 indexed epoch,
        bytes32 indexed guid,
        uint128 gasLimit,
        uint256 fee,
        address refundTo,
        uint256 refund
    );

    function setUp() public {
        sender = new RegistryStateSender(epochManager, owner);
        bridge = new ReplicationMockAbridge(0.01 ether, 10 gwei);
        handler = new AcceptAllHandler();
        vm.prank(address(handler));
        bridge.updateRoute(address(sender), true);
        vm.prank(owner);
        sender.setRoute(CHAIN, bridge, address(handler), BASE, PER_OP);
        vm.deal(epochManager, 100 ether);
    }

    function _message(uint32 epoch, uint256 n) internal pure returns (bytes memory) {
        RegistryStateMessage.OperatorSet memory s;
        s.epoch = epoch;
        s.operators = new address[](n);
        s.signingKeys = new address[](n);
        s.weights = new uint256[](n);
        return RegistryStateMessage.encode(s);
    }

    function _send(bytes memory message, uint256 n, uint256 value) internal returns (bytes32 guid, uint256 fee) {
        vm.prank(epochManager);
        return sender.sendStateUpdate{value: value}(CHAIN, message, n, refundee);
    }

    // ---- construction and routes ----

    function test_constructor_setsEpochManagerAndOwner() public view {
        assertEq(sender.epochManager(), epochManager);
        assertEq(sender.owner(), owner);
    }

    function test_constructor_revertsOnZeroEpochManager() public {
        vm.expectRevert(RegistryStateSender.ZeroAddress.selector);
        new RegistryStateSender(address(0), owner);
    }

    function test_setRoute_storesAndEmits() public {
        vm.expectEmit(address(sender));
        emit RouteSet(7, address(bridge), address(0xBEEF), 1, 2);
        vm.prank(owner);
        sender.setRoute(7, bridge, address(0xBEEF), 1, 2);
        RegistryStateSender.Route memory r = sender.getRoute(7);
        assertEq(address(r.bridge), address(bridge));
        assertEq(r.receiver, address(0xBEEF));
        assertEq(r.baseGas, 1);
        assertEq(r.gasPerOperator, 2);
    }

    function test_setRoute_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        sender.setRoute(7, bridge, address(0xBEEF), 1, 2);
    }

    function test_setRoute_revertsOnZeroAddressesOrGas() public {
        vm.startPrank(owner);
        vm.expectRevert(RegistryStateSender.ZeroAddress.selector);
        sender.setRoute(7, IAbridge(address(0)), address(0xBEEF), 1, 2);
        vm.expectRevert(RegistryStateSender.ZeroAddress.selector);
        sender.setRoute(7, bridge, address(0), 1, 2);
        vm.expectRevert(RegistryStateSender.ZeroGasLimit.selector);
        sender.setRoute(7, bridge, address(0xBEEF), 0, 0);
        vm.stopPrank();
    }

    function test_removeRoute_removesAndEmits() public {
        vm.expectEmit(address(sender));
        emit RouteRemoved(CHAIN);
        vm.prank(owner);
        sender.removeRoute(CHAIN);
        assertEq(address(sender.getRoute(CHAIN).bridge), address(0));
        vm.prank(epochManager);
        vm.expectRevert(abi.encodeWithSelector(RegistryStateSender.UnknownChain.selector, CHAIN));
        sender.sendStateUpdate(CHAIN, _message(1, 0), 0, refundee);
    }

    function test_removeRoute_revertsForUnknownChain() public {
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(RegistryStateSender.UnknownChain.selector, uint256(5)));
        sender.removeRoute(5);
    }

    function test_gasLimitFor_isBasePlusPerOperator() public view {
        assertEq(sender.gasLimitFor(CHAIN, 0), BASE);
        assertEq(sender.gasLimitFor(CHAIN, 50), BASE + 50 * PER_OP);
    }

    function test_gasLimitFor_revertsOnOverflow() public {
        vm.prank(owner);
        sender.setRoute(9, bridge, address(handler), type(uint64).max, type(uint64).max);
        uint256 n = uint256(1) << 65;
        vm.expectRevert(abi.encodeWithSelector(RegistryStateSender.GasLimitOverflow.selector, n));
        sender.gasLimitFor(9, n);
        vm.expectRevert(abi.encodeWithSelector(RegistryStateSender.GasLimitOverflow.selector, type(uint256).max));
        sender.gasLimitFor(9, type(uint256).max);
    }

    // ---- sending ----

    function test_sendStateUpdate_revertsForOthers() public {
        vm.expectRevert(abi.encodeWithSelector(RegistryStateSender.OnlyEpochManager.selector, address(this)));
        sender.sendStateUpdate(CHAIN, _message(1, 0), 0, refundee);
    }

    function test_sendStateUpdate_paysExactFeeAndDelivers() public {
        bytes memory message = _message(3, 2);
        uint256 fee = sender.quoteStateUpdate(CHAIN, message, 2);
        assertEq(fee, 0.01 ether + 10 gwei * message.length);
        (, uint256 paid) = _send(message, 2, fee);
        assertEq(paid, fee);
        assertEq(address(bridge).balance, fee);
        assertEq(handler.received(), 1);
        assertEq(address(sender).balance, 0);
    }

    function test_sendStateUpdate_givesTheFormulaGasLimit() public {
        bridge.setDeliverOnSend(false);
        bytes memory message = _message(3, 7);
        _send(message, 7, 1 ether);
        ReplicationMockAbridge.Message memory m = bridge.outbox(0);
        assertEq(m.gasLimit, BASE + 7 * PER_OP);
        assertEq(m.receiver, address(handler));
        assertEq(m.from, address(sender));
        assertEq(m.message, message);
    }

    function test_sendStateUpdate_emitsWithEpochFeeAndRefund() public {
        bytes memory message = _message(42, 1);
        uint256 fee = sender.quoteStateUpdate(CHAIN, message, 1);
        vm.expectEmit(true, true, false, true, address(sender));
        emit StateUpdateSent(CHAIN, 42, bytes32(0), BASE + PER_OP, fee, refundee, 1 ether);
        _send(message, 1, fee + 1 ether);
    }

    function test_sendStateUpdate_refundsExcessToRefundTo() public {
        bytes memory message = _message(1, 0);
        uint256 fee = sender.quoteStateUpdate(CHAIN, message, 0);
        _send(message, 0, fee + 3 ether);
        assertEq(refundee.balance, 3 ether);
        assertEq(address(sender).balance, 0);
    }

    function test_sendStateUpdate_revertsBelowFee() public {
        bytes memory message = _message(1, 0);
        uint256 fee = sender.quoteStateUpdate(CHAIN, message, 0);
        vm.prank(epochManager);
        vm.expectRevert(abi.encodeWithSelector(RegistryStateSender.InsufficientFee.selector, fee - 1, fee));
        sender.sendStateUpdate{value: fee - 1}(CHAIN, message, 0, refundee);
    }

    function test_sendStateUpdate_revertsOnTokenFee() public {
        TokenFeeBridge tokenBridge = new TokenFeeBridge();
        vm.prank(owner);
        sender.setRoute(8, tokenBridge, address(handler), BASE, PER_OP);
        vm.prank(epochManager);
        vm.expectRevert(abi.encodeWithSelector(RegistryStateSender.UnsupportedFeeToken.selector, address(0xFEE)));
        sender.sendStateUpdate(8, _message(1, 0), 0, refundee);
    }

    function test_sendStateUpdate_revertsOnMalformedMessage() public {
        vm.prank(epochManager);
        vm.expectRevert(RegistryStateMessage.MalformedMessage.selector);
        sender.sendStateUpdate{value: 1 ether}(CHAIN, hex"01", 0, refundee);
    }

    function test_receive_rejectsEtherOutsideARefund() public {
        vm.deal(address(this), 1 ether);
        (bool ok, bytes memory ret) = address(sender).call{value: 1}("");
        assertFalse(ok);
        assertEq(ret, abi.encodeWithSelector(RegistryStateSender.UnexpectedEther.selector, address(this)));
    }

    function testFuzz_sendStateUpdate_keepsNothingAndRefundsAllButTheFee(
        uint64 baseFee,
        uint32 perByte,
        uint96 extra,
        uint8 n
    ) public {
        bridge.setFees(baseFee, perByte);
        bytes memory message = _message(1, n);
        uint256 fee = sender.quoteStateUpdate(CHAIN, message, n);
        vm.deal(epochManager, fee + extra);
        (, uint256 paid) = _send(message, n, fee + extra);
        assertEq(paid, fee);
        assertEq(refundee.balance, extra);
        assertEq(address(sender).balance, 0);
        assertEq(address(bridge).balance, fee);
    }
}
