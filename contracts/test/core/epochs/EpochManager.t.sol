// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {EpochManager, MessageType, StateUpdate} from "../../../src/core/epochs/EpochManager.sol";
import {EpochMath} from "../../../src/core/epochs/EpochMath.sol";
import {IOperatorSetRegistry, IRegistryStateSender} from "../../../src/core/replication/IRegistryReplication.sol";
import {RegistryStateMessage} from "../../../src/core/replication/RegistryStateMessage.sol";

/// @notice A registry whose set at epoch e is two operators with weights e and 2e (threshold 2e).
contract StubOperatorSetRegistry is IOperatorSetRegistry {
    function getOperatorSetAtEpoch(uint32 epoch)
        external
        pure
        returns (address[] memory operators, address[] memory keys, uint256[] memory weights, uint256, uint256)
    {
        operators = new address[](2);
        keys = new address[](2);
        weights = new uint256[](2);
        (operators[0], operators[1]) = (address(0xA1), address(0xA2));
        (keys[0], keys[1]) = (address(0xB1), address(0xB2));
        (weights[0], weights[1]) = (epoch, 2 * uint256(epoch));
        return (operators, keys, weights, 3 * uint256(epoch), 2 * uint256(epoch));
    }
}

/// @notice Records what the EpochManager hands the sender; charges a fixed fee and refunds the rest.
contract StubStateSender is IRegistryStateSender {
    uint256 public constant FEE = 0.1 ether;
    uint256 public lastChainId;
    bytes public lastMessage;
    uint256 public lastOperatorCount;
    address public lastRefundTo;
    uint256 public lastValue;

    function sendStateUpdate(uint256 chainId, bytes calldata message, uint256 operatorCount, address refundTo)
        external
        payable
        returns (bytes32, uint256)
    {
        lastChainId = chainId;
        lastMessage = message;
        lastOperatorCount = operatorCount;
        lastRefundTo = refundTo;
        lastValue = msg.value;
        (bool ok,) = refundTo.call{value: msg.value - FEE}("");
        require(ok);
        return (keccak256(message), FEE);
    }

    function quoteStateUpdate(uint256 chainId, bytes calldata message, uint256 operatorCount)
        external
        pure
        returns (uint256)
    {
        return FEE + chainId + message.length + operatorCount;
    }
}

contract EpochManagerTest is Test {
    uint64 internal constant GENESIS = 1_700_000_000;
    uint64 internal constant LENGTH = 7 days;
    uint64 internal constant GRACE = 1 days;

    address internal owner = makeAddr("owner");
    address internal registry = makeAddr("registry");
    EpochManager internal em;

    event StakeRegistrySet(address indexed stakeRegistry);
    event StateUpdateQueued(uint32 indexed effectiveEpoch, MessageType updateType, bytes data);
    event StateSenderSet(address indexed stateSender);
    event StateUpdatesSent(
        uint256 indexed chainId,
        uint32 indexed epoch,
        address indexed caller,
        bytes32 guid,
        uint256 operatorCount,
        uint256 fee
    );

    function setUp() public {
        em = new EpochManager(GENESIS, LENGTH, GRACE, owner);
        vm.warp(GENESIS);
    }

    function _withRegistry() internal {
        vm.prank(owner);
        em.setStakeRegistry(registry);
    }

    // ---- constructor ----

    function test_constructor_setsImmutables() public view {
        assertEq(em.GENESIS(), GENESIS);
        assertEq(em.EPOCH_LENGTH(), LENGTH);
        assertEq(em.GRACE_PERIOD(), GRACE);
        assertEq(em.owner(), owner);
        assertEq(em.stakeRegistry(), address(0));
    }

    function test_constructor_revertsOnZeroLength() public {
        vm.expectRevert(EpochManager.ZeroEpochLength.selector);
        new EpochManager(GENESIS, 0, 0, owner);
    }

    function test_constructor_revertsWhenGraceEqualsLength() public {
        vm.expectRevert(abi.encodeWithSelector(EpochManager.GracePeriodTooLong.selector, uint64(120), uint64(120)));
        new EpochManager(GENESIS, 120, 120, owner);
    }

    function test_constructor_revertsWhenGraceExceedsLength() public {
        vm.expectRevert(abi.encodeWithSelector(EpochManager.GracePeriodTooLong.selector, uint64(121), uint64(120)));
        new EpochManager(GENESIS, 120, 121, owner);
    }

    function test_constructor_acceptsZeroGrace() public {
        EpochManager m = new EpochManager(GENESIS, 120, 0, owner);
        vm.warp(GENESIS + 119);
        assertFalse(m.isInGracePeriod());
        assertEq(m.effectiveEpoch(), 1);
    }

    function test_constructor_revertsOnZeroOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableInvalidOwner.selector, address(0)));
        new EpochManager(GENESIS, LENGTH, GRACE, address(0));
    }

    // ---- clock ----

    function test_currentEpoch_isZeroAtGenesis() public view {
        assertEq(em.currentEpoch(), 0);
    }

    function test_currentEpoch_changesExactlyAtBoundary() public {
        vm.warp(GENESIS + LENGTH - 1);
        assertEq(em.currentEpoch(), 0);
        vm.warp(GENESIS + LENGTH);
        assertEq(em.currentEpoch(), 1);
    }

    function test_currentEpoch_revertsBeforeGenesis() public {
        vm.warp(GENESIS - 1);
        vm.expectRevert(abi.encodeWithSelector(EpochMath.TimestampBeforeGenesis.selector, GENESIS - 1, GENESIS));
        em.currentEpoch();
    }

    function test_epochAt_revertsBeforeGenesis() public {
        vm.expectRevert(abi.encodeWithSelector(EpochMath.TimestampBeforeGenesis.selector, uint256(5), GENESIS));
        em.epochAt(5);
    }

    function test_epochAt_revertsWhenEpochOverflowsUint32() public {
        EpochManager m = new EpochManager(0, 1, 0, owner);
        assertEq(m.epochAt(type(uint32).max), type(uint32).max);
        vm.expectRevert(abi.encodeWithSelector(EpochMath.EpochOverflow.selector, uint256(type(uint32).max) + 1));
        m.epochAt(uint256(type(uint32).max) + 1);
    }

    function test_effectiveEpochAt_revertsWhenItOverflowsUint32() public {
        EpochManager m = new EpochManager(0, 1, 0, owner);
        vm.expectRevert(abi.encodeWithSelector(EpochMath.EpochOverflow.selector, uint256(type(uint32).max)));
        m.effectiveEpochAt(type(uint32).max);
    }

    function test_isInGracePeriod_startsAtGraceStart() public {
        vm.warp(GENESIS + LENGTH - GRACE - 1);
        assertFalse(em.isInGracePeriod());
        vm.warp(GENESIS + LENGTH - GRACE);
        assertTrue(em.isInGracePeriod());
        vm.warp(GENESIS + LENGTH - 1);
        assertTrue(em.isInGracePeriod());
        vm.warp(GENESIS + LENGTH);
        assertFalse(em.isInGracePeriod());
    }

    function test_isInGracePeriodAt_revertsBeforeGenesis() public {
        vm.expectRevert(abi.encodeWithSelector(EpochMath.TimestampBeforeGenesis.selector, uint256(0), GENESIS));
        em.isInGracePeriodAt(0);
    }

    function test_effectiveEpoch_isNextEpochOutsideGrace() public {
        vm.warp(GENESIS + LENGTH - GRACE - 1);
        assertEq(em.effectiveEpoch(), 1);
    }

    function test_effectiveEpoch_isEpochAfterNextInsideGrace() public {
        vm.warp(GENESIS + LENGTH - GRACE);
        assertEq(em.effectiveEpoch(), 2);
    }

    function test_effectiveEpochAt_revertsBeforeGenesis() public {
        vm.expectRevert(abi.encodeWithSelector(EpochMath.TimestampBeforeGenesis.selector, uint256(1), GENESIS));
        em.effectiveEpochAt(1);
    }

    function test_epochInterval_returnsBounds() public view {
        (uint64 start, uint64 graceStart, uint64 end) = em.epochInterval(3);
        assertEq(start, GENESIS + 3 * LENGTH);
        assertEq(graceStart, GENESIS + 4 * LENGTH - GRACE);
        assertEq(end, GENESIS + 4 * LENGTH);
    }

    function test_epochInterval_revertsOnOverflow() public {
        EpochManager m = new EpochManager(type(uint64).max - 10, 10, 0, owner);
        vm.expectRevert(abi.encodeWithSelector(EpochManager.EpochIntervalOverflow.selector, uint32(1)));
        m.epochInterval(1);
    }

    function testFuzz_clockIsConsistent(uint64 genesis, uint64 length, uint64 grace, uint256 t) public {
        length = uint64(bound(length, 1, 365 days));
        grace = uint64(bound(grace, 0, length - 1));
        genesis = uint64(bound(genesis, 0, 1 << 40));
        t = bound(t, genesis, uint256(genesis) + uint256(length) * 1_000_000);
        EpochManager m = new EpochManager(genesis, length, grace, owner);

        uint32 epoch = m.epochAt(t);
        (uint64 start, uint64 graceStart, uint64 end) = m.epochInterval(epoch);
        assertLe(start, t);
        assertLt(t, end);
        assertEq(end - start, length);
        bool inGrace = m.isInGracePeriodAt(t);
        assertEq(inGrace, t >= graceStart);
        assertEq(m.effectiveEpochAt(t), epoch + (inGrace ? 2 : 1));
    }

    function testFuzz_effectiveEpochNeverDecreases(uint256 t1, uint256 t2) public view {
        t1 = bound(t1, GENESIS, GENESIS + 1000 * LENGTH);
        t2 = bound(t2, t1, GENESIS + 1000 * LENGTH);
        assertLe(em.effectiveEpochAt(t1), em.effectiveEpochAt(t2));
    }

    // ---- stake registry ----

    function test_setStakeRegistry_setsAndEmits() public {
        vm.expectEmit(address(em));
        emit StakeRegistrySet(registry);
        _withRegistry();
        assertEq(em.stakeRegistry(), registry);
    }

    function test_setStakeRegistry_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        em.setStakeRegistry(registry);
    }

    function test_setStakeRegistry_revertsOnZero() public {
        vm.prank(owner);
        vm.expectRevert(EpochManager.ZeroAddress.selector);
        em.setStakeRegistry(address(0));
    }

    function test_setStakeRegistry_revertsWhenAlreadySet() public {
        _withRegistry();
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(EpochManager.StakeRegistryAlreadySet.selector, registry));
        em.setStakeRegistry(makeAddr("other"));
    }

    // ---- queue ----

    function test_queueStateUpdate_revertsForOthers() public {
        _withRegistry();
        vm.expectRevert(abi.encodeWithSelector(EpochManager.OnlyStakeRegistry.selector, address(this)));
        em.queueStateUpdate(MessageType.REGISTER, "");
    }

    function test_queueStateUpdate_revertsBeforeRegistryIsSet() public {
        vm.expectRevert(abi.encodeWithSelector(EpochManager.OnlyStakeRegistry.selector, address(this)));
        em.queueStateUpdate(MessageType.REGISTER, "");
    }

    function test_queueStateUpdate_storesUnderNextEpochOutsideGrace() public {
        _withRegistry();
        vm.warp(GENESIS + LENGTH + 5); // epoch 1, not in grace
        bytes memory data = abi.encode(address(1), address(2), uint256(3));
        vm.expectEmit(address(em));
        emit StateUpdateQueued(2, MessageType.REGISTER, data);
        vm.prank(registry);
        assertEq(em.queueStateUpdate(MessageType.REGISTER, data), 2);

        StateUpdate[] memory updates = em.getStateUpdates(2);
        assertEq(updates.length, 1);
        assertEq(uint8(updates[0].updateType), uint8(MessageType.REGISTER));
        assertEq(updates[0].data, data);
        assertEq(em.getStateUpdateCount(1), 0);
    }

    function test_queueStateUpdate_storesUnderEpochAfterNextInsideGrace() public {
        _withRegistry();
        vm.warp(GENESIS + 2 * LENGTH - 1); // last second of epoch 1
        vm.prank(registry);
        assertEq(em.queueStateUpdate(MessageType.DEREGISTER, abi.encode(address(1))), 3);
        assertEq(em.getStateUpdateCount(3), 1);
        assertEq(em.getStateUpdateCount(2), 0);
    }

    function test_queueStateUpdate_keepsQueueingOrder() public {
        _withRegistry();
        vm.startPrank(registry);
        em.queueStateUpdate(MessageType.REGISTER, hex"01");
        em.queueStateUpdate(MessageType.UPDATE_WEIGHT, hex"02");
        em.queueStateUpdate(MessageType.UPDATE_THRESHOLD, hex"03");
        vm.stopPrank();
        assertEq(em.getStateUpdateCount(1), 3);
        assertEq(uint8(em.getStateUpdate(1, 1).updateType), uint8(MessageType.UPDATE_WEIGHT));
        assertEq(em.getStateUpdate(1, 2).data, hex"03");
    }

    function test_getStateUpdate_revertsOutOfBounds() public {
        vm.expectRevert(abi.encodeWithSelector(EpochManager.StateUpdateIndexOutOfBounds.selector, uint32(4), 0, 0));
        em.getStateUpdate(4, 0);
    }

    // ---- state sender and sendStateUpdates ----

    function _withReplication() internal returns (StubStateSender sender) {
        StubOperatorSetRegistry stub = new StubOperatorSetRegistry();
        sender = new StubStateSender();
        vm.startPrank(owner);
        em.setStakeRegistry(address(stub));
        em.setStateSender(sender);
        vm.stopPrank();
    }

    function _expectedMessage(uint32 epoch) internal returns (bytes memory) {
        RegistryStateMessage.OperatorSet memory set;
        set.epoch = epoch;
        (set.operators, set.signingKeys, set.weights, set.totalWeight, set.thresholdWeight) =
            new StubOperatorSetRegistry().getOperatorSetAtEpoch(epoch);
        return RegistryStateMessage.encode(set);
    }

    function test_setStateSender_setsEmitsAndMayBeReplaced() public {
        vm.expectEmit(address(em));
        emit StateSenderSet(address(0x5E));
        vm.prank(owner);
        em.setStateSender(IRegistryStateSender(address(0x5E)));
        assertEq(address(em.stateSender()), address(0x5E));
        vm.prank(owner);
        em.setStateSender(IRegistryStateSender(address(0x5F)));
        assertEq(address(em.stateSender()), address(0x5F));
    }

    function test_setStateSender_revertsForNonOwnerAndZero() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        em.setStateSender(IRegistryStateSender(address(0x5E)));
        vm.prank(owner);
        vm.expectRevert(EpochManager.ZeroAddress.selector);
        em.setStateSender(IRegistryStateSender(address(0)));
    }

    function test_finalizedEpoch_isCurrentOutsideGraceAndNextInside() public {
        vm.warp(GENESIS + 3 * LENGTH);
        assertEq(em.finalizedEpoch(), 3);
        vm.warp(GENESIS + 4 * LENGTH - GRACE - 1);
        assertEq(em.finalizedEpoch(), 3);
        vm.warp(GENESIS + 4 * LENGTH - GRACE);
        assertEq(em.finalizedEpoch(), 4);
        vm.warp(GENESIS + 4 * LENGTH - 1);
        assertEq(em.finalizedEpoch(), 4);
        vm.warp(GENESIS + 4 * LENGTH);
        assertEq(em.finalizedEpoch(), 4);
    }

    function test_finalizedEpoch_revertsBeforeGenesis() public {
        vm.warp(GENESIS - 1);
        vm.expectRevert(abi.encodeWithSelector(EpochMath.TimestampBeforeGenesis.selector, GENESIS - 1, GENESIS));
        em.finalizedEpoch();
    }

    function test_finalizedEpoch_revertsWhenTheNextEpochOverflows() public {
        EpochManager m = new EpochManager(0, 2, 1, owner);
        vm.warp(uint256(type(uint32).max) * 2 + 1); // grace of the last uint32 epoch
        vm.expectRevert(abi.encodeWithSelector(EpochMath.EpochOverflow.selector, uint256(type(uint32).max) * 2 + 1));
        m.finalizedEpoch();
    }

    /// @dev The epoch sent is final — no change made then or later takes effect at or before it — and the latest
    ///      such epoch: the one just before the effective epoch of a change made now.
    function testFuzz_finalizedEpoch_isTheLatestEpochNoLaterChangeReaches(uint256 t, uint256 later) public {
        t = bound(t, GENESIS, GENESIS + 1000 * LENGTH);
        later = bound(later, t, GENESIS + 1001 * LENGTH);
        vm.warp(t);
        uint32 finalized = em.finalizedEpoch();
        assertEq(finalized, em.effectiveEpochAt(t) - 1);
        assertLt(finalized, em.effectiveEpochAt(later));
        assertLe(em.currentEpoch(), finalized);
    }

    function test_sendStateUpdates_revertsWithoutSender() public {
        address stub = address(new StubOperatorSetRegistry());
        vm.prank(owner);
        em.setStakeRegistry(stub);
        vm.expectRevert(EpochManager.StateSenderNotSet.selector);
        em.sendStateUpdates(1);
        vm.expectRevert(EpochManager.StateSenderNotSet.selector);
        em.quoteStateUpdates(1);
    }

    function test_sendStateUpdates_revertsWithoutRegistry() public {
        StubStateSender sender = new StubStateSender();
        vm.prank(owner);
        em.setStateSender(sender);
        vm.expectRevert(EpochManager.StakeRegistryNotSet.selector);
        em.sendStateUpdates(1);
        vm.expectRevert(EpochManager.StakeRegistryNotSet.selector);
        em.quoteStateUpdates(1);
    }

    function test_sendStateUpdates_sendsTheRegistrySetOfTheFinalizedEpoch() public {
        StubStateSender sender = _withReplication();
        address caller = makeAddr("caller");
        vm.deal(caller, 1 ether);
        vm.warp(GENESIS + 2 * LENGTH - GRACE); // grace of epoch 1: epoch 2 is final
        bytes memory expected = _expectedMessage(2);

        vm.expectEmit(address(em));
        emit StateUpdatesSent(7, 2, caller, keccak256(expected), 2, sender.FEE());
        vm.prank(caller);
        bytes32 guid = em.sendStateUpdates{value: 0.3 ether}(7);

        assertEq(guid, keccak256(expected));
        assertEq(sender.lastChainId(), 7);
        assertEq(sender.lastMessage(), expected);
        assertEq(sender.lastOperatorCount(), 2);
        assertEq(sender.lastRefundTo(), caller);
        assertEq(sender.lastValue(), 0.3 ether);
        assertEq(caller.balance, 1 ether - sender.FEE());
        assertEq(address(em).balance, 0);
    }

    function test_quoteStateUpdates_asksTheSenderForTheSameMessage() public {
        StubStateSender sender = _withReplication();
        vm.warp(GENESIS + 5 * LENGTH); // epoch 5, outside grace
        assertEq(em.quoteStateUpdates(9), sender.FEE() + 9 + _expectedMessage(5).length + 2);
    }
}
