// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test} from "forge-std/Test.sol";
import {ReplicationFixture} from "./ReplicationFixture.sol";
import {ReplicationMockAbridge} from "./ReplicationMockAbridge.sol";
import {AddressSort} from "../../../src/core/registry/AddressSort.sol";
import {EpochManager, MessageType, StateUpdate} from "../../../src/core/epochs/EpochManager.sol";
import {StakeRegistryVerifier} from "../../../src/core/signatures/StakeRegistryVerifier.sol";
import {RegistryStateMessage} from "../../../src/core/replication/RegistryStateMessage.sol";
import {RegistryStateSender} from "../../../src/core/replication/RegistryStateSender.sol";
import {RegistryStateReceiver} from "../../../src/core/replication/RegistryStateReceiver.sol";

/// @notice A contract that calls sendStateUpdates and cannot take ether back.
contract NoEtherPublisher {
    function send(EpochManager em, uint256 chainId) external payable returns (bytes32) {
        return em.sendStateUpdates{value: msg.value}(chainId);
    }
}

/// @notice The whole replication path with real registrations through the EigenLayer devnet core:
///         ECDSAStakeRegistry → EpochManager.sendStateUpdates → RegistryStateSender → bridge →
///         RegistryStateReceiver → LightStakeRegistry, and proofs checked on both registries at the same epoch.
contract ReplicationTest is ReplicationFixture {
    event StateUpdatesSent(
        uint256 indexed chainId,
        uint32 indexed epoch,
        address indexed caller,
        bytes32 guid,
        uint256 operatorCount,
        uint256 fee
    );
    event StateUpdateDropped(uint32 indexed epoch, bytes32 indexed guid, uint32 latestEpoch);
    event Sent(bytes32 indexed guid, address indexed from, address indexed receiver, uint128 gasLimit, uint256 fee);

    function _ops(Op memory a, Op memory b, Op memory c) internal pure returns (Op[] memory list) {
        list = new Op[](3);
        (list[0], list[1], list[2]) = (a, b, c);
    }

    function _bothValid(Op[] memory signers, uint32 epoch) internal view returns (bool mainOk, bool lightOk) {
        bytes32 digest = _digest(epoch);
        bytes memory sigData = _sigData(signers, digest, epoch);
        mainOk = registry.isValidSignature(digest, sigData) == MAGIC;
        lightOk = light.isValidSignature(digest, sigData) == MAGIC;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // end to end
    // ---------------------------------------------------------------------------------------------------------------

    function test_e2e_proofVerifiesOnBothRegistriesAtSameEpoch() public {
        Op[] memory ops = _registerOperators(4);
        _warpToGrace(0);
        _sync();
        _assertReplicated(1);
        _warpToEpoch(1);

        (bool mainOk, bool lightOk) = _bothValid(_ops(ops[0], ops[1], ops[2]), 1);
        assertTrue(mainOk);
        assertTrue(lightOk);
        bytes32 digest = _digest(1);
        bytes memory sigData = _sigData(_ops(ops[0], ops[1], ops[2]), digest, 1);
        (uint256 signedMain, uint256 thresholdMain) = registry.checkSignatures(digest, sigData);
        (uint256 signedLight, uint256 thresholdLight) = light.checkSignatures(digest, sigData);
        assertEq(signedLight, signedMain);
        assertEq(thresholdLight, thresholdMain);
    }

    function test_e2e_belowThresholdFailsOnBoth() public {
        Op[] memory ops = _registerOperators(4);
        _warpToGrace(0);
        _sync();
        _warpToEpoch(1);
        Op[] memory two = new Op[](2);
        (two[0], two[1]) = (ops[0], ops[1]);
        bytes32 digest = _digest(1);
        bytes memory sigData = _sigData(two, digest, 1);
        assertEq(registry.isValidSignature(digest, sigData), INVALID);
        assertEq(light.isValidSignature(digest, sigData), INVALID);
        vm.expectRevert(
            abi.encodeWithSelector(StakeRegistryVerifier.InsufficientSignedWeight.selector, 2 * STAKE, 266.68 ether)
        );
        light.checkSignatures(digest, sigData);
    }

    function test_e2e_departedOperatorNoLongerCountsOnLight() public {
        Op[] memory ops = _registerOperators(4);
        _warpToGrace(0);
        _sync();
        _warpToEpoch(1);

        vm.prank(ops[0].addr);
        registry.deregisterOperator(); // effective at 2
        Op memory newcomer = _newOperator(5, STAKE);
        _register(newcomer); // effective at 2
        _warpToGrace(1);
        _sync();
        _assertReplicated(2);
        _warpToEpoch(2);

        // The departed operator's signature no longer counts at epoch 2, on either chain.
        bytes32 digest = _digest(2);
        bytes memory withDeparted = _sigData(_ops(ops[0], ops[1], ops[2]), digest, 2);
        assertEq(light.isValidSignature(digest, withDeparted), INVALID);
        assertEq(registry.isValidSignature(digest, withDeparted), INVALID);
        vm.expectRevert(abi.encodeWithSelector(StakeRegistryVerifier.NotRegistered.selector, ops[0].addr));
        light.checkSignatures(digest, withDeparted);
        assertFalse(light.isOperatorRegisteredAtEpoch(ops[0].addr, 2));
        assertEq(light.getOperatorWeightAtEpoch(ops[0].addr, 2), 0);

        // The newcomer counts at epoch 2 on both.
        (bool mainOk, bool lightOk) = _bothValid(_ops(ops[1], ops[2], newcomer), 2);
        assertTrue(mainOk);
        assertTrue(lightOk);
        // Epoch 1 still verifies with the departed operator on both (it was in that epoch's set).
        (mainOk, lightOk) = _bothValid(_ops(ops[0], ops[1], ops[2]), 1);
        assertTrue(mainOk);
        assertTrue(lightOk);
    }

    function test_e2e_setIncludesDeregistrationNotYetEffective() public {
        Op[] memory ops = _registerOperators(3);
        _warpToEpoch(1);
        vm.prank(ops[0].addr);
        registry.deregisterOperator(); // effective at 2: still in epoch 1's set
        assertEq(epochManager.finalizedEpoch(), 1);
        _sync();
        _assertReplicated(1);
        assertTrue(light.isOperatorRegisteredAtEpoch(ops[0].addr, 1));
        assertEq(light.getOperators().length, 3);
        (bool mainOk, bool lightOk) = _bothValid(_ops(ops[0], ops[1], ops[2]), 1);
        assertTrue(mainOk);
        assertTrue(lightOk);
    }

    function test_e2e_setExcludesRegistrationNotYetEffective() public {
        _registerOperators(2);
        _warpToEpoch(1);
        Op memory late = _newOperator(9, STAKE);
        _register(late); // effective at 2
        _sync();
        _assertReplicated(1);
        assertFalse(light.isOperatorRegisteredAtEpoch(late.addr, 1));
        assertEq(light.getOperatorCount(), 2);
    }

    function test_e2e_graceRegistrationIsNotInTheSetSentDuringGrace() public {
        _registerOperators(2);
        _warpToGrace(1);
        Op memory late = _newOperator(9, STAKE);
        _register(late); // effective at 3
        assertEq(epochManager.finalizedEpoch(), 2);
        _sync();
        _assertReplicated(2);
        assertEq(light.getOperatorCount(), 2);
        assertFalse(light.isOperatorRegisteredAtEpoch(late.addr, 2));
    }

    function test_e2e_weightKeyAndThresholdChangesAreReplicated() public {
        Op[] memory ops = _registerOperators(3);
        _warpToGrace(0);
        _sync();
        _warpToEpoch(1);

        _withdrawStake(ops[0], STAKE / 2);
        _refresh(ops[0]);
        uint256 newSigningPk = uint256(keccak256("rotated key"));
        vm.prank(ops[1].addr);
        registry.updateOperatorSigningKey(vm.addr(newSigningPk));
        vm.prank(avsOwner);
        registry.updateThresholdBps(5000);
        _warpToGrace(1);
        _sync();
        _assertReplicated(2);
        // Epoch 1's set as sent then: the main registry now lowers ops[0] to its slashable stake, the replica keeps it.
        assertEq(light.getOperatorWeightAtEpoch(ops[0].addr, 2), STAKE / 2);
        assertEq(light.getOperatorWeightAtEpoch(ops[0].addr, 1), STAKE);
        assertEq(light.getOperatorSigningKeyAtEpoch(ops[1].addr, 2), vm.addr(newSigningPk));
        assertEq(light.getThresholdWeightAtEpoch(2), 125 ether); // ceil(250 × 50%)

        _warpToEpoch(2);
        Op memory rotated = Op(ops[1].pk, ops[1].addr, newSigningPk, vm.addr(newSigningPk));
        Op[] memory two = new Op[](2);
        (two[0], two[1]) = (rotated, ops[2]);
        bytes32 digest = _digest(2);
        bytes memory sigData = _sigData(two, digest, 2);
        assertEq(registry.isValidSignature(digest, sigData), MAGIC);
        assertEq(light.isValidSignature(digest, sigData), MAGIC);
        // The old key no longer signs for ops[1] at epoch 2.
        (two[0], two[1]) = (ops[1], ops[2]);
        sigData = _sigData(two, digest, 2);
        assertEq(registry.isValidSignature(digest, sigData), INVALID);
        assertEq(light.isValidSignature(digest, sigData), INVALID);
    }

    function test_e2e_epochNotSentFailsClosedOnLight() public {
        Op[] memory ops = _registerOperators(3);
        _warpToGrace(0);
        _sync();
        _warpToEpoch(2); // epoch 2 was never sent
        bytes32 digest = _digest(2);
        bytes memory sigData = _sigData(ops, digest, 2);
        assertEq(registry.isValidSignature(digest, sigData), MAGIC);
        assertEq(light.isValidSignature(digest, sigData), INVALID);
        vm.expectRevert(abi.encodeWithSelector(StakeRegistryVerifier.ZeroThreshold.selector, uint32(2)));
        light.checkSignatures(digest, sigData);
    }

    function test_e2e_skippedEpochFailsButLaterOneVerifies() public {
        Op[] memory ops = _registerOperators(3);
        _warpToGrace(0);
        _sync(); // epoch 1
        _warpToGrace(2);
        _sync(); // epoch 3; epoch 2 skipped
        _warpToEpoch(3);
        assertFalse(light.isEpochReceived(2));
        assertEq(light.getThresholdWeightAtEpoch(2), 0);
        assertEq(light.getOperatorSigningKeyAtEpoch(ops[0].addr, 2), address(0));
        (bool mainOk, bool lightOk) = _bothValid(ops, 2);
        assertTrue(mainOk);
        assertFalse(lightOk);
        (mainOk, lightOk) = _bothValid(ops, 3);
        assertTrue(mainOk);
        assertTrue(lightOk);
    }

    function test_e2e_duplicateSendIsDroppedByReceiver() public {
        _registerOperators(2);
        _warpToGrace(0);
        _sync();
        uint256 fee = epochManager.quoteStateUpdates(REMOTE_CHAIN);
        vm.expectEmit(false, false, false, false, address(receiver));
        emit StateUpdateDropped(1, bytes32(0), 1);
        vm.prank(publisher);
        epochManager.sendStateUpdates{value: fee}(REMOTE_CHAIN);
        assertEq(light.epochCount(), 1);
        assertEq(light.latestEpoch(), 1);
    }

    function test_e2e_emptySetAtEpochZeroIsReplicatedAndVerifiesNothing() public {
        _sync(); // epoch 0, nothing registered
        assertTrue(light.isEpochReceived(0));
        assertEq(light.getThresholdWeightAtEpoch(0), 0);
        assertEq(light.getOperatorCount(), 0);
    }

    function test_e2e_removalOfEveryOperatorEmptiesTheLightSet() public {
        Op[] memory ops = _registerOperators(2);
        _warpToGrace(0);
        _sync();
        _warpToEpoch(1);
        vm.prank(ops[0].addr);
        registry.deregisterOperator();
        vm.prank(ops[1].addr);
        registry.deregisterOperator();
        _warpToGrace(1);
        _sync();
        _assertReplicated(2);
        assertEq(light.getOperatorCount(), 0);
        assertEq(light.getTotalWeightAtEpoch(2), 0);
        assertFalse(light.isOperatorRegisteredAtEpoch(ops[0].addr, 2));
        assertTrue(light.isOperatorRegisteredAtEpoch(ops[0].addr, 1));
    }

    function test_e2e_fiftyOperatorsFitTheGasFormula() public {
        _registerOperators(50);
        _warpToGrace(0);
        _sync(); // the mock bridge gives handleMessage exactly BASE_GAS + 50 × GAS_PER_OPERATOR, or reverts
        _assertReplicated(1);
        assertEq(light.getOperatorCount(), 50);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // sendStateUpdates: who, what, fees
    // ---------------------------------------------------------------------------------------------------------------

    function test_sendStateUpdates_emitsEventWithEpochAndCount() public {
        _registerOperators(3);
        _warpToGrace(0);
        uint256 fee = epochManager.quoteStateUpdates(REMOTE_CHAIN);
        vm.expectEmit(true, true, true, false, address(epochManager));
        emit StateUpdatesSent(REMOTE_CHAIN, 1, publisher, bytes32(0), 3, fee);
        vm.prank(publisher);
        epochManager.sendStateUpdates{value: fee}(REMOTE_CHAIN);
    }

    function test_sendStateUpdates_sendsTheRegistrySetAsOneMessage() public {
        _registerOperators(3);
        _warpToGrace(0);
        bridge.setDeliverOnSend(false);
        _sync();
        ReplicationMockAbridge.Message memory m = bridge.outbox(0);
        (
            address[] memory operators,
            address[] memory keys,
            uint256[] memory weights,
            uint256 totalWeight,
            uint256 thresholdWeight
        ) = registry.getOperatorSetAtEpoch(1);
        bytes memory expected = RegistryStateMessage.encode(
            RegistryStateMessage.OperatorSet(1, operators, keys, weights, totalWeight, thresholdWeight)
        );
        assertEq(m.message, expected);
        assertEq(m.from, address(stateSender));
        assertEq(m.receiver, address(receiver));
        assertEq(m.gasLimit, BASE_GAS + 3 * GAS_PER_OPERATOR);
    }

    function test_sendStateUpdates_anyoneMayCall() public {
        _registerOperators(1);
        _warpToGrace(0);
        address stranger = makeAddr("stranger");
        uint256 fee = epochManager.quoteStateUpdates(REMOTE_CHAIN);
        vm.deal(stranger, fee);
        vm.prank(stranger);
        epochManager.sendStateUpdates{value: fee}(REMOTE_CHAIN);
        assertEq(light.latestEpoch(), 1);
    }

    function test_sendStateUpdates_refundsExcessToCaller() public {
        _registerOperators(2);
        _warpToGrace(0);
        uint256 fee = epochManager.quoteStateUpdates(REMOTE_CHAIN);
        uint256 before = publisher.balance;
        vm.prank(publisher);
        epochManager.sendStateUpdates{value: fee + 1 ether}(REMOTE_CHAIN);
        assertEq(publisher.balance, before - fee);
        assertEq(address(bridge).balance, fee);
        assertEq(address(epochManager).balance, 0);
        assertEq(address(stateSender).balance, 0);
    }

    function test_sendStateUpdates_passesBridgeRebateToCaller() public {
        _registerOperators(2);
        _warpToGrace(0);
        vm.deal(address(bridge), 1 ether);
        bridge.setRebate(0.0002 ether);
        uint256 fee = epochManager.quoteStateUpdates(REMOTE_CHAIN);
        uint256 before = publisher.balance;
        vm.prank(publisher);
        epochManager.sendStateUpdates{value: fee + 5 wei}(REMOTE_CHAIN);
        assertEq(publisher.balance, before - fee + 0.0002 ether);
        assertEq(address(stateSender).balance, 0);
    }

    function test_sendStateUpdates_revertsBelowFee() public {
        _registerOperators(2);
        _warpToGrace(0);
        uint256 fee = epochManager.quoteStateUpdates(REMOTE_CHAIN);
        vm.prank(publisher);
        vm.expectRevert(abi.encodeWithSelector(RegistryStateSender.InsufficientFee.selector, fee - 1, fee));
        epochManager.sendStateUpdates{value: fee - 1}(REMOTE_CHAIN);
    }

    function test_sendStateUpdates_revertsWhenRefundCannotBePaid() public {
        _warpToGrace(0);
        NoEtherPublisher k = new NoEtherPublisher();
        uint256 fee = epochManager.quoteStateUpdates(REMOTE_CHAIN);
        vm.deal(address(this), 1 ether);
        vm.expectRevert(abi.encodeWithSelector(RegistryStateSender.RefundFailed.selector, address(k), uint256(1)));
        k.send{value: fee + 1}(epochManager, REMOTE_CHAIN);
        // The exact fee needs no refund.
        k.send{value: fee}(epochManager, REMOTE_CHAIN);
        assertEq(light.latestEpoch(), 1);
    }

    function test_sendStateUpdates_revertsForUnknownChain() public {
        vm.expectRevert(abi.encodeWithSelector(RegistryStateSender.UnknownChain.selector, uint256(999)));
        epochManager.sendStateUpdates(999);
    }

    function test_quoteStateUpdates_isTheBridgeFeeOfTheMessage() public {
        _registerOperators(3);
        _warpToGrace(0);
        bridge.setDeliverOnSend(false);
        uint256 quote = epochManager.quoteStateUpdates(REMOTE_CHAIN);
        _sync();
        assertEq(quote, BRIDGE_BASE_FEE + BRIDGE_FEE_PER_BYTE * bridge.outbox(0).message.length);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // ECDSAStakeRegistry: the snapshot view and the queue
    // ---------------------------------------------------------------------------------------------------------------

    function test_getOperatorSetAtEpoch_isSortedAndMatchesViews() public {
        Op[] memory ops = _registerOperators(6);
        _withdrawStake(ops[2], 30 ether);
        _refresh(ops[2]);
        (
            address[] memory operators,
            address[] memory keys,
            uint256[] memory weights,
            uint256 totalWeight,
            uint256 thresholdWeight
        ) = registry.getOperatorSetAtEpoch(1);
        assertEq(operators.length, 6);
        uint256 sum;
        for (uint256 i; i < 6; ++i) {
            if (i != 0) assertLt(uint160(operators[i - 1]), uint160(operators[i]));
            assertEq(keys[i], registry.getOperatorSigningKeyAtEpoch(operators[i], 1));
            assertEq(weights[i], registry.getOperatorWeightAtEpoch(operators[i], 1));
            sum += weights[i];
        }
        assertEq(totalWeight, sum);
        assertEq(totalWeight, registry.getTotalWeightAtEpoch(1));
        assertEq(thresholdWeight, registry.getThresholdWeightAtEpoch(1));
        (operators,,,,) = registry.getOperatorSetAtEpoch(0);
        assertEq(operators.length, 0);
    }

    function test_getOperatorSetAtEpoch_countsReRegistrationOnce() public {
        Op memory op = _newOperator(1, STAKE);
        _register(op);
        _warpToEpoch(1);
        vm.prank(op.addr);
        registry.deregisterOperator();
        _warpToEpoch(2);
        _register(op);
        assertEq(registry.getKnownOperatorCount(), 1);
        (address[] memory at1,,,,) = registry.getOperatorSetAtEpoch(1);
        (address[] memory at2,,,,) = registry.getOperatorSetAtEpoch(2);
        (address[] memory at3,,,,) = registry.getOperatorSetAtEpoch(3);
        assertEq(at1.length, 1);
        assertEq(at2.length, 0);
        assertEq(at3.length, 1);
    }

    /// forge-config: default.fuzz.runs = 64
    function testFuzz_getOperatorSetAtEpoch_isExactlyTheRegisteredOperators(uint256 seed) public {
        Op[] memory ops = new Op[](5);
        bool[] memory registered = new bool[](5);
        for (uint256 i; i < 5; ++i) {
            ops[i] = _newOperator(i + 1, STAKE * (i + 1));
        }
        for (uint256 step; step < 12; ++step) {
            uint256 r = uint256(keccak256(abi.encode(seed, step)));
            uint256 i = r % 5;
            if (registered[i]) {
                vm.prank(ops[i].addr);
                registry.deregisterOperator();
            } else {
                _register(ops[i]);
            }
            registered[i] = !registered[i];
            vm.warp(block.timestamp + (r >> 8) % (LENGTH / 2));
            vm.roll(block.number + 1);
        }
        uint32 last = registry.effectiveEpoch();
        for (uint32 e; e <= last; ++e) {
            (address[] memory operators, address[] memory keys, uint256[] memory weights, uint256 total,) =
                registry.getOperatorSetAtEpoch(e);
            uint256 expectedCount;
            uint256 sum;
            for (uint256 i; i < 5; ++i) {
                if (registry.isOperatorRegisteredAtEpoch(ops[i].addr, e)) ++expectedCount;
            }
            assertEq(operators.length, expectedCount);
            for (uint256 k; k < operators.length; ++k) {
                if (k != 0) assertLt(uint160(operators[k - 1]), uint160(operators[k]));
                assertTrue(registry.isOperatorRegisteredAtEpoch(operators[k], e));
                assertEq(keys[k], registry.getOperatorSigningKeyAtEpoch(operators[k], e));
                assertEq(weights[k], registry.getOperatorWeightAtEpoch(operators[k], e));
                sum += weights[k];
            }
            assertEq(total, sum);
            assertEq(total, registry.getTotalWeightAtEpoch(e));
        }
    }

    function test_registry_queuesEveryKindOfChange() public {
        Op[] memory ops = _registerOperators(2);
        _withdrawStake(ops[0], 10 ether);
        _refresh(ops[0]);
        vm.prank(ops[1].addr);
        registry.updateOperatorSigningKey(makeAddr("new key"));
        vm.prank(avsOwner);
        registry.updateThresholdBps(5000);
        vm.prank(ops[1].addr);
        registry.deregisterOperator();

        StateUpdate[] memory updates = epochManager.getStateUpdates(1);
        assertEq(updates.length, 6);
        assertEq(uint8(updates[0].updateType), uint8(MessageType.REGISTER));
        assertEq(uint8(updates[1].updateType), uint8(MessageType.REGISTER));
        assertEq(uint8(updates[2].updateType), uint8(MessageType.UPDATE_WEIGHT));
        assertEq(updates[2].data, abi.encode(ops[0].addr, STAKE - 10 ether));
        assertEq(uint8(updates[3].updateType), uint8(MessageType.UPDATE_SIGNING_KEY));
        assertEq(uint8(updates[4].updateType), uint8(MessageType.UPDATE_THRESHOLD));
        assertEq(updates[4].data, abi.encode(uint16(5000)));
        assertEq(uint8(updates[5].updateType), uint8(MessageType.DEREGISTER));
        assertEq(updates[5].data, abi.encode(ops[1].addr));
    }

    function test_registry_quorumAndMinimumWeightChangesAreQueuedAsWeightUpdates() public {
        Op[] memory ops = _registerOperators(2);
        vm.startPrank(avsOwner);
        registry.updateQuorumConfig(_quorum(5000));
        registry.updateMinimumWeight(60 ether); // 50 ether each now: below the minimum
        vm.stopPrank();
        StateUpdate[] memory updates = epochManager.getStateUpdates(1);
        assertEq(updates.length, 6);
        assertEq(updates[2].data, abi.encode(ops[0].addr, STAKE / 2));
        assertEq(updates[3].data, abi.encode(ops[1].addr, STAKE / 2));
        assertEq(updates[4].data, abi.encode(ops[0].addr, uint256(0)));
        assertEq(updates[5].data, abi.encode(ops[1].addr, uint256(0)));
    }

    /// @dev The snapshot's list costs one array slot on a first registration only; logs the registration gas.
    function test_gas_registrationWithTheKnownOperatorList() public {
        Op memory a = _newOperator(1, STAKE);
        Op memory b = _newOperator(2, STAKE);
        _register(a);
        _joinAndAllocate(b.addr, FULL_MAGNITUDE);
        bytes32 salt = keccak256("salt");
        uint256 expiry = block.timestamp + 1 hours;
        vm.prank(b.addr);
        uint256 g = gasleft();
        registry.registerOperatorWithSignature(
            _signAVSRegistration(b.pk, address(serviceManager), salt, expiry), b.signingKey
        );
        g -= gasleft();
        emit log_named_uint("registerOperatorWithSignature (first registration, 2nd operator), gas", g);
        _warpToEpoch(1);
        vm.prank(b.addr);
        registry.deregisterOperator();
        _warpToEpoch(2);
        vm.prank(b.addr);
        g = gasleft();
        registry.registerOperatorWithSignature(
            _signAVSRegistration(b.pk, address(serviceManager), keccak256("salt 2"), block.timestamp + 1 hours),
            b.signingKey
        );
        g -= gasleft();
        emit log_named_uint("registerOperatorWithSignature (re-registration), gas", g);
        assertEq(registry.getKnownOperatorCount(), 2);
    }

    /// @dev Main-chain cost of sendStateUpdates (snapshot view, encoding, sender; the mock bridge only emits), cold
    ///      storage.
    function test_gas_sendStateUpdates_4_10_50Operators() public {
        bridge.setDeliverOnSend(false);
        bridge.setKeepOutbox(false);
        uint256[3] memory sizes = [uint256(4), 10, 50];
        uint256 registeredCount;
        for (uint256 k; k < 3; ++k) {
            for (; registeredCount < sizes[k]; ++registeredCount) {
                _register(_newOperator(registeredCount + 1, STAKE));
            }
            _warpToGrace(uint32(2 * k)); // the new registrations are in the finalized set
            uint256 fee = epochManager.quoteStateUpdates(REMOTE_CHAIN);
            vm.cool(address(registry));
            vm.cool(address(epochManager));
            vm.cool(address(stateSender));
            vm.cool(address(bridge));
            vm.prank(publisher);
            uint256 g = gasleft();
            epochManager.sendStateUpdates{value: fee}(REMOTE_CHAIN);
            g -= gasleft();
            emit log_named_uint(string.concat("sendStateUpdates, ", vm.toString(sizes[k]), " operators, gas"), g);
            _warpToEpoch(uint32(2 * k + 2));
        }
    }
}

/// @notice AddressSort, the sort behind getOperatorSetAtEpoch.
contract ReplicationAddressSortTest is Test {
    function _isPermutationSorted(address[] memory input, address[] memory sorted) internal pure {
        assertEq(sorted.length, input.length);
        for (uint256 i = 1; i < sorted.length; ++i) {
            assertLe(uint160(sorted[i - 1]), uint160(sorted[i]), "not ascending");
        }
        // Same multiset: every input element occurs as often in the output.
        for (uint256 i; i < input.length; ++i) {
            uint256 inCount;
            uint256 outCount;
            for (uint256 j; j < input.length; ++j) {
                if (input[j] == input[i]) ++inCount;
                if (sorted[j] == input[i]) ++outCount;
            }
            assertEq(inCount, outCount, "not a permutation");
        }
    }

    function testFuzz_sort_ordersAnyArray(address[] memory input) public pure {
        vm.assume(input.length <= 64);
        address[] memory sorted = new address[](input.length);
        for (uint256 i; i < input.length; ++i) {
            sorted[i] = input[i];
        }
        AddressSort.sort(sorted);
        _isPermutationSorted(input, sorted);
    }

    function testFuzz_sort_handlesFewDistinctValues(uint256 seed, uint8 length) public pure {
        address[] memory input = new address[](length);
        for (uint256 i; i < length; ++i) {
            input[i] = address(uint160(uint256(keccak256(abi.encode(seed, i))) % 4)); // many duplicates
        }
        address[] memory sorted = new address[](length);
        for (uint256 i; i < length; ++i) {
            sorted[i] = input[i];
        }
        AddressSort.sort(sorted);
        _isPermutationSorted(input, sorted);
    }

    function test_sort_emptyAndSingle() public pure {
        address[] memory none = new address[](0);
        AddressSort.sort(none);
        address[] memory one = new address[](1);
        one[0] = address(7);
        AddressSort.sort(one);
        assertEq(one[0], address(7));
    }

    function test_sort_descendingInput() public pure {
        address[] memory a = new address[](50);
        for (uint256 i; i < 50; ++i) {
            a[i] = address(uint160(1000 - i));
        }
        AddressSort.sort(a);
        for (uint256 i; i < 50; ++i) {
            assertEq(a[i], address(uint160(951 + i)));
        }
    }
}
