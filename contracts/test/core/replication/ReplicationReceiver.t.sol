// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IAbridge, IAbridgeMessageHandler} from "../../../src/bridge/IAbridge.sol";
import {RegistryStateMessage} from "../../../src/core/replication/RegistryStateMessage.sol";
import {LightStakeRegistry} from "../../../src/core/replication/LightStakeRegistry.sol";
import {RegistryStateReceiver} from "../../../src/core/replication/RegistryStateReceiver.sol";
import {ReplicationMockAbridge} from "./ReplicationMockAbridge.sol";
import {LightSetBuilder} from "./LightStakeRegistry.t.sol";

/// @notice A retired bridge whose updateRoute reverts.
contract BrokenBridge is IAbridge {
    function send(address, uint128, bytes calldata) external payable returns (bytes32) {
        revert("retired");
    }

    function estimateFee(address, uint128, bytes calldata) external pure returns (address, uint256) {
        revert("retired");
    }

    function updateRoute(address, bool) external pure {
        revert("retired");
    }
}

contract ReplicationReceiverTest is LightSetBuilder {
    uint64 internal constant GENESIS = 1_700_000_000;
    uint64 internal constant LENGTH = 120;

    address internal owner = makeAddr("owner");
    address internal mainSender = makeAddr("main-chain RegistryStateSender");
    LightStakeRegistry internal light;
    RegistryStateReceiver internal receiver;
    ReplicationMockAbridge internal bridge;

    event RouteSet(address indexed bridge, address indexed mainChainSender);
    event StateUpdateReceived(uint32 indexed epoch, bytes32 indexed guid, uint256 operatorCount);
    event StateUpdateDropped(uint32 indexed epoch, bytes32 indexed guid, uint32 latestEpoch);

    function setUp() public {
        light = new LightStakeRegistry(GENESIS, LENGTH, 2, owner);
        receiver = new RegistryStateReceiver(light, owner);
        bridge = new ReplicationMockAbridge(0, 0);
        vm.startPrank(owner);
        light.setStateReceiver(address(receiver));
        receiver.setRoute(bridge, mainSender);
        vm.stopPrank();
    }

    function _message(uint32 epoch, uint256 members) internal pure returns (bytes memory) {
        Set memory s = _set(epoch, members, _uniform(0), _uniform(10), 6667);
        return RegistryStateMessage.encode(
            RegistryStateMessage.OperatorSet(epoch, s.operators, s.keys, s.weights, s.total, s.threshold)
        );
    }

    function _deliver(bytes memory message, bytes32 guid) internal returns (bytes4) {
        vm.prank(address(bridge));
        return receiver.handleMessage(mainSender, message, guid);
    }

    // ---- construction and route ----

    function test_constructor_revertsOnZeroRegistry() public {
        vm.expectRevert(RegistryStateReceiver.ZeroAddress.selector);
        new RegistryStateReceiver(LightStakeRegistry(address(0)), owner);
    }

    function test_setRoute_allowsTheSenderOnTheBridge() public view {
        assertEq(address(receiver.bridge()), address(bridge));
        assertEq(receiver.mainChainSender(), mainSender);
        assertTrue(bridge.routes(address(receiver), mainSender));
    }

    function test_setRoute_replacesAndRevokesTheOldRoute() public {
        ReplicationMockAbridge other = new ReplicationMockAbridge(0, 0);
        address otherSender = makeAddr("other sender");
        vm.expectEmit(address(receiver));
        emit RouteSet(address(other), otherSender);
        vm.prank(owner);
        receiver.setRoute(other, otherSender);
        assertFalse(bridge.routes(address(receiver), mainSender));
        assertTrue(other.routes(address(receiver), otherSender));
        // The old bridge and sender are refused.
        vm.prank(address(bridge));
        vm.expectRevert(abi.encodeWithSelector(RegistryStateReceiver.OnlyBridge.selector, address(bridge)));
        receiver.handleMessage(mainSender, _message(1, 3), bytes32(0));
        vm.prank(address(other));
        vm.expectRevert(abi.encodeWithSelector(RegistryStateReceiver.UnknownSender.selector, mainSender));
        receiver.handleMessage(mainSender, _message(1, 3), bytes32(0));
    }

    function test_setRoute_movesAwayFromABridgeThatNoLongerAnswers() public {
        vm.mockCallRevert(address(bridge), abi.encodeWithSelector(IAbridge.updateRoute.selector), bytes("retired"));
        ReplicationMockAbridge other = new ReplicationMockAbridge(0, 0);
        vm.prank(owner);
        receiver.setRoute(other, mainSender);
        assertEq(address(receiver.bridge()), address(other));
        assertTrue(other.routes(address(receiver), mainSender));
    }

    function test_setRoute_revertsWhenTheNewBridgeRefusesTheRoute() public {
        BrokenBridge broken = new BrokenBridge();
        vm.prank(owner);
        vm.expectRevert(bytes("retired"));
        receiver.setRoute(broken, mainSender);
        assertEq(address(receiver.bridge()), address(bridge));
    }

    function test_setRoute_revertsForNonOwnerAndZero() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        receiver.setRoute(bridge, mainSender);
        vm.startPrank(owner);
        vm.expectRevert(RegistryStateReceiver.ZeroAddress.selector);
        receiver.setRoute(IAbridge(address(0)), mainSender);
        vm.expectRevert(RegistryStateReceiver.ZeroAddress.selector);
        receiver.setRoute(bridge, address(0));
        vm.stopPrank();
    }

    // ---- handleMessage ----

    function test_handleMessage_processesAndReturnsSelector() public {
        bytes memory message = _message(4, 0x07);
        vm.expectEmit(address(receiver));
        emit StateUpdateReceived(4, bytes32(uint256(1)), 3);
        assertEq(_deliver(message, bytes32(uint256(1))), IAbridgeMessageHandler.handleMessage.selector);
        assertEq(light.latestEpoch(), 4);
        assertEq(light.getOperatorCount(), 3);
        assertEq(light.getThresholdWeightAtEpoch(4), 21);
    }

    function test_handleMessage_throughTheBridgeRoute() public {
        bridge.deliverRaw(mainSender, address(receiver), _message(2, 0x03), bytes32(uint256(9)));
        assertEq(light.latestEpoch(), 2);
    }

    function test_handleMessage_revertsForCallersOtherThanTheBridge() public {
        vm.expectRevert(abi.encodeWithSelector(RegistryStateReceiver.OnlyBridge.selector, address(this)));
        receiver.handleMessage(mainSender, _message(1, 0x07), bytes32(0));
    }

    function test_handleMessage_revertsForOtherSenders() public {
        address forger = makeAddr("forger");
        vm.prank(address(bridge));
        vm.expectRevert(abi.encodeWithSelector(RegistryStateReceiver.UnknownSender.selector, forger));
        receiver.handleMessage(forger, _message(1, 0x07), bytes32(0));
        assertEq(light.epochCount(), 0);
    }

    function test_handleMessage_dropsDuplicateEpoch() public {
        _deliver(_message(3, 0x07), bytes32(uint256(1)));
        vm.expectEmit(address(receiver));
        emit StateUpdateDropped(3, bytes32(uint256(2)), 3);
        assertEq(_deliver(_message(3, 0x01), bytes32(uint256(2))), IAbridgeMessageHandler.handleMessage.selector);
        assertEq(light.getOperatorCount(), 3);
        assertEq(light.epochCount(), 1);
    }

    function test_handleMessage_dropsOlderEpoch() public {
        _deliver(_message(5, 0x07), bytes32(uint256(1)));
        vm.expectEmit(address(receiver));
        emit StateUpdateDropped(4, bytes32(uint256(2)), 5);
        _deliver(_message(4, 0x01), bytes32(uint256(2)));
        assertFalse(light.isEpochReceived(4));
        assertEq(light.getOperatorCount(), 3);
    }

    function test_handleMessage_revertsOnMalformedMessage() public {
        vm.prank(address(bridge));
        vm.expectRevert(RegistryStateMessage.MalformedMessage.selector);
        receiver.handleMessage(mainSender, hex"0102", bytes32(0));
        vm.prank(address(bridge));
        vm.expectRevert(RegistryStateMessage.MalformedMessage.selector);
        receiver.handleMessage(mainSender, abi.encode(uint256(1) << 32), bytes32(0));
        vm.prank(address(bridge));
        vm.expectRevert(); // the ABI decoder: arrays missing
        receiver.handleMessage(mainSender, abi.encode(uint32(1)), bytes32(0));
    }

    function testFuzz_handleMessage_dropsEveryEpochNotAfterTheLatest(uint32 latest, uint32 epoch) public {
        _deliver(_message(latest, 0x07), bytes32(0));
        if (epoch <= latest) {
            _deliver(_message(epoch, 0x01), bytes32(0));
            assertEq(light.latestEpoch(), latest);
            assertEq(light.getOperatorCount(), 3);
        } else {
            _deliver(_message(epoch, 0x01), bytes32(0));
            assertEq(light.latestEpoch(), epoch);
            assertEq(light.getOperatorCount(), 1);
        }
    }
}
