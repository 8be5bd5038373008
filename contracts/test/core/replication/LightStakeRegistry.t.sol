// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Test, Vm} from "forge-std/Test.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {LightStakeRegistry} from "../../../src/core/replication/LightStakeRegistry.sol";
import {OperatorCheckpoints} from "../../../src/core/registry/OperatorCheckpoints.sol";
import {StakeRegistryVerifier} from "../../../src/core/signatures/StakeRegistryVerifier.sol";

/// @notice Builds operator sets for the light registry tests: operators and signing keys from private keys, sorted.
abstract contract LightSetBuilder is Test {
    uint256 internal constant POOL = 8;

    /// @dev An operator set as processEpochUpdate takes it.
    struct Set {
        uint32 epoch;
        address[] operators;
        address[] keys;
        uint256[] weights;
        uint256 total;
        uint256 threshold;
    }

    function _operatorOf(uint256 i) internal pure returns (address) {
        return vm.addr(_operatorPk(i));
    }

    function _operatorPk(uint256 i) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode("light operator", i)));
    }

    function _keyPk(uint256 i, uint256 version) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode("light signing key", i, version)));
    }

    /// @dev The set of pool operators whose bit is set in `members`, operator i with key version `versions[i]`
    ///      and weight `weights[i]`, sorted by address; threshold = ceil(total × bps / 10000).
    function _set(
        uint32 epoch,
        uint256 members,
        uint256[POOL] memory versions,
        uint256[POOL] memory weights,
        uint16 bps
    ) internal pure returns (Set memory s) {
        s.epoch = epoch;
        uint256 n;
        for (uint256 i; i < POOL; ++i) {
            if (members >> i & 1 == 1) ++n;
        }
        s.operators = new address[](n);
        s.keys = new address[](n);
        s.weights = new uint256[](n);
        uint256 k;
        for (uint256 i; i < POOL; ++i) {
            if (members >> i & 1 == 0) continue;
            s.operators[k] = _operatorOf(i);
            s.keys[k] = vm.addr(_keyPk(i, versions[i]));
            s.weights[k] = weights[i];
            s.total += weights[i];
            ++k;
        }
        // insertion sort by operator, carrying keys and weights
        for (uint256 i = 1; i < n; ++i) {
            for (uint256 j = i; j > 0 && s.operators[j - 1] > s.operators[j]; --j) {
                (s.operators[j - 1], s.operators[j]) = (s.operators[j], s.operators[j - 1]);
                (s.keys[j - 1], s.keys[j]) = (s.keys[j], s.keys[j - 1]);
                (s.weights[j - 1], s.weights[j]) = (s.weights[j], s.weights[j - 1]);
            }
        }
        s.threshold = (s.total * bps + 9999) / 10_000;
    }

    function _uniform(uint256 value) internal pure returns (uint256[POOL] memory a) {
        for (uint256 i; i < POOL; ++i) {
            a[i] = value;
        }
    }
}

contract LightStakeRegistryTest is LightSetBuilder {
    uint64 internal constant GENESIS = 1_700_000_000;
    uint64 internal constant LENGTH = 120;
    uint32 internal constant MAX_AGE = 2;
    bytes4 internal constant MAGIC = 0x1626ba7e;
    bytes4 internal constant INVALID = 0xffffffff;

    address internal owner = makeAddr("owner");
    address internal feeder = makeAddr("state receiver");
    LightStakeRegistry internal light;

    event StateReceiverSet(address indexed stateReceiver);
    event EpochUpdated(
        uint32 indexed epoch, uint256 operatorCount, uint256 totalWeight, uint256 thresholdWeight, bool setChanged
    );
    event OperatorUpdated(address indexed operator, uint32 indexed epoch, address signingKey, uint256 weight);
    event OperatorRemoved(address indexed operator, uint32 indexed epoch);

    function setUp() public {
        light = new LightStakeRegistry(GENESIS, LENGTH, MAX_AGE, owner);
        vm.prank(owner);
        light.setStateReceiver(feeder);
        vm.warp(GENESIS);
    }

    function _process(Set memory s) internal {
        vm.prank(feeder);
        light.processEpochUpdate(s.epoch, s.operators, s.keys, s.weights, s.total, s.threshold);
    }

    function _firstN(uint256 n) internal pure returns (uint256) {
        return (1 << n) - 1;
    }

    function _sigData(uint256 signers, uint256[POOL] memory versions, bytes32 digest, uint32 epoch)
        internal
        pure
        returns (bytes memory)
    {
        uint256 n;
        for (uint256 i; i < POOL; ++i) {
            if (signers >> i & 1 == 1) ++n;
        }
        address[] memory ops = new address[](n);
        uint256[] memory pks = new uint256[](n);
        uint256 k;
        for (uint256 i; i < POOL; ++i) {
            if (signers >> i & 1 == 0) continue;
            ops[k] = _operatorOf(i);
            pks[k] = _keyPk(i, versions[i]);
            ++k;
        }
        for (uint256 i = 1; i < n; ++i) {
            for (uint256 j = i; j > 0 && ops[j - 1] > ops[j]; --j) {
                (ops[j - 1], ops[j]) = (ops[j], ops[j - 1]);
                (pks[j - 1], pks[j]) = (pks[j], pks[j - 1]);
            }
        }
        bytes[] memory sigs = new bytes[](n);
        for (uint256 i; i < n; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(pks[i], digest);
            sigs[i] = abi.encodePacked(r, s, v);
        }
        return abi.encode(ops, sigs, epoch);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // construction and roles
    // ---------------------------------------------------------------------------------------------------------------

    function test_constructor_setsClock() public view {
        assertEq(light.GENESIS(), GENESIS);
        assertEq(light.EPOCH_LENGTH(), LENGTH);
        assertEq(light.MAX_PROOF_AGE_EPOCHS(), MAX_AGE);
        assertEq(light.owner(), owner);
        assertEq(light.epochCount(), 0);
        assertEq(light.latestEpoch(), 0);
        assertTrue(light.acceptsEpoch(0));
    }

    function test_constructor_revertsOnZeroEpochLength() public {
        vm.expectRevert(LightStakeRegistry.ZeroEpochLength.selector);
        new LightStakeRegistry(GENESIS, 0, MAX_AGE, owner);
    }

    function test_setStateReceiver_setsOnceAndEmits() public {
        LightStakeRegistry l = new LightStakeRegistry(GENESIS, LENGTH, MAX_AGE, owner);
        vm.expectEmit(address(l));
        emit StateReceiverSet(feeder);
        vm.prank(owner);
        l.setStateReceiver(feeder);
        assertEq(l.stateReceiver(), feeder);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(LightStakeRegistry.StateReceiverAlreadySet.selector, feeder));
        l.setStateReceiver(address(1));
    }

    function test_setStateReceiver_revertsForNonOwnerAndZero() public {
        LightStakeRegistry l = new LightStakeRegistry(GENESIS, LENGTH, MAX_AGE, owner);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        l.setStateReceiver(feeder);
        vm.prank(owner);
        vm.expectRevert(LightStakeRegistry.ZeroAddress.selector);
        l.setStateReceiver(address(0));
    }

    function test_processEpochUpdate_revertsForOthers() public {
        Set memory s = _set(1, _firstN(3), _uniform(0), _uniform(10), 6667);
        vm.expectRevert(abi.encodeWithSelector(LightStakeRegistry.OnlyStateReceiver.selector, address(this)));
        light.processEpochUpdate(s.epoch, s.operators, s.keys, s.weights, s.total, s.threshold);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // processEpochUpdate: validation
    // ---------------------------------------------------------------------------------------------------------------

    function test_processEpochUpdate_acceptsEpochZeroFirst() public {
        _process(_set(0, _firstN(2), _uniform(0), _uniform(10), 6667));
        assertTrue(light.isEpochReceived(0));
        assertEq(light.epochCount(), 1);
        assertFalse(light.acceptsEpoch(0));
        assertTrue(light.acceptsEpoch(1));
    }

    function test_processEpochUpdate_revertsOnSameOrOlderEpoch() public {
        _process(_set(5, _firstN(2), _uniform(0), _uniform(10), 6667));
        Set memory s = _set(5, _firstN(3), _uniform(0), _uniform(10), 6667);
        vm.prank(feeder);
        vm.expectRevert(abi.encodeWithSelector(LightStakeRegistry.StaleEpoch.selector, uint32(5), uint32(5)));
        light.processEpochUpdate(s.epoch, s.operators, s.keys, s.weights, s.total, s.threshold);
        s.epoch = 4;
        vm.prank(feeder);
        vm.expectRevert(abi.encodeWithSelector(LightStakeRegistry.StaleEpoch.selector, uint32(4), uint32(5)));
        light.processEpochUpdate(s.epoch, s.operators, s.keys, s.weights, s.total, s.threshold);
    }

    function test_processEpochUpdate_revertsOnLengthMismatch() public {
        Set memory s = _set(1, _firstN(3), _uniform(0), _uniform(10), 6667);
        vm.prank(feeder);
        vm.expectRevert(abi.encodeWithSelector(LightStakeRegistry.ArrayLengthMismatch.selector, 3, 2, 3));
        light.processEpochUpdate(1, s.operators, new address[](2), s.weights, s.total, s.threshold);
    }

    function test_processEpochUpdate_revertsOnUnsortedOrDuplicateOperators() public {
        Set memory s = _set(1, _firstN(3), _uniform(0), _uniform(10), 6667);
        (s.operators[0], s.operators[1]) = (s.operators[1], s.operators[0]);
        vm.prank(feeder);
        vm.expectRevert(LightStakeRegistry.OperatorsNotAscending.selector);
        light.processEpochUpdate(1, s.operators, s.keys, s.weights, s.total, s.threshold);
        s.operators[0] = s.operators[1];
        vm.prank(feeder);
        vm.expectRevert(LightStakeRegistry.OperatorsNotAscending.selector);
        light.processEpochUpdate(1, s.operators, s.keys, s.weights, s.total, s.threshold);
    }

    function test_processEpochUpdate_revertsOnZeroSigningKey() public {
        Set memory s = _set(1, _firstN(3), _uniform(0), _uniform(10), 6667);
        s.keys[2] = address(0);
        vm.prank(feeder);
        vm.expectRevert(abi.encodeWithSelector(LightStakeRegistry.ZeroSigningKey.selector, s.operators[2]));
        light.processEpochUpdate(1, s.operators, s.keys, s.weights, s.total, s.threshold);
    }

    function test_processEpochUpdate_revertsWhenWeightsSumAboveTotal() public {
        Set memory s = _set(1, _firstN(3), _uniform(0), _uniform(10), 6667);
        vm.prank(feeder);
        vm.expectRevert(abi.encodeWithSelector(LightStakeRegistry.TotalWeightMismatch.selector, 30, 29));
        light.processEpochUpdate(1, s.operators, s.keys, s.weights, 29, 19);
    }

    /// @dev The main registry sends weights lowered to slashable stake with its checkpointed total.
    function test_processEpochUpdate_acceptsWeightsSummingBelowTotal() public {
        Set memory s = _set(1, _firstN(3), _uniform(0), _uniform(10), 6667);
        vm.prank(feeder);
        light.processEpochUpdate(1, s.operators, s.keys, s.weights, 31, s.threshold);
        assertEq(light.getTotalWeightAtEpoch(1), 31);
    }

    function test_processEpochUpdate_revertsWhenThresholdAboveTotal() public {
        Set memory s = _set(1, _firstN(3), _uniform(0), _uniform(10), 6667);
        vm.prank(feeder);
        vm.expectRevert(abi.encodeWithSelector(LightStakeRegistry.ThresholdAboveTotal.selector, 31, 30));
        light.processEpochUpdate(1, s.operators, s.keys, s.weights, 30, 31);
    }

    function test_processEpochUpdate_revertsOnUnrepresentableWeight() public {
        Set memory s = _set(1, _firstN(1), _uniform(0), _uniform((1 << 58) + 1), 6667);
        vm.prank(feeder);
        vm.expectRevert(
            abi.encodeWithSelector(OperatorCheckpoints.WeightNotRepresentable.selector, (uint256(1) << 58) + 1)
        );
        light.processEpochUpdate(1, s.operators, s.keys, s.weights, s.total, s.threshold);
    }

    function test_processEpochUpdate_revertsOnWeightAboveMax() public {
        Set memory s = _set(1, _firstN(1), _uniform(0), _uniform(OperatorCheckpoints.MAX_WEIGHT + 1), 1);
        vm.prank(feeder);
        vm.expectRevert(
            abi.encodeWithSelector(
                OperatorCheckpoints.WeightNotRepresentable.selector, OperatorCheckpoints.MAX_WEIGHT + 1
            )
        );
        light.processEpochUpdate(1, s.operators, s.keys, s.weights, s.total, s.threshold);
    }

    function test_processEpochUpdate_revertsOnTooManyOperators() public {
        uint256 n = light.MAX_OPERATORS() + 1;
        vm.prank(feeder);
        vm.expectRevert(abi.encodeWithSelector(LightStakeRegistry.TooManyOperators.selector, n));
        light.processEpochUpdate(1, new address[](n), new address[](n), new uint256[](n), 0, 0);
    }

    function test_processEpochUpdate_acceptsMaxOperators() public {
        uint256 n = light.MAX_OPERATORS();
        address[] memory ops = new address[](n);
        address[] memory keys = new address[](n);
        uint256[] memory weights = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            ops[i] = address(uint160(i + 1));
            keys[i] = address(uint160(i + 1));
            weights[i] = 1;
        }
        vm.prank(feeder);
        light.processEpochUpdate(1, ops, keys, weights, n, n);
        assertEq(light.getOperatorCount(), n);
        assertEq(light.getOperators()[n - 1], address(uint160(n)));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // processEpochUpdate: replacement
    // ---------------------------------------------------------------------------------------------------------------

    function test_processEpochUpdate_storesTheSetAndEmits() public {
        Set memory s = _set(1, _firstN(3), _uniform(0), _uniform(10), 6667);
        vm.expectEmit(address(light));
        emit OperatorUpdated(s.operators[0], 1, s.keys[0], 10);
        vm.expectEmit(address(light));
        emit OperatorUpdated(s.operators[1], 1, s.keys[1], 10);
        vm.expectEmit(address(light));
        emit OperatorUpdated(s.operators[2], 1, s.keys[2], 10);
        vm.expectEmit(address(light));
        emit EpochUpdated(1, 3, 30, 21, true);
        _process(s);

        assertEq(light.latestEpoch(), 1);
        assertEq(light.getTotalWeightAtEpoch(1), 30);
        assertEq(light.getThresholdWeightAtEpoch(1), 21);
        address[] memory ops = light.getOperators();
        assertEq(ops.length, 3);
        for (uint256 i; i < 3; ++i) {
            assertEq(ops[i], s.operators[i]);
            assertEq(light.getOperatorSigningKeyAtEpoch(s.operators[i], 1), s.keys[i]);
            assertEq(light.getOperatorWeightAtEpoch(s.operators[i], 1), 10);
            assertTrue(light.isOperatorRegisteredAtEpoch(s.operators[i], 1));
            assertEq(light.getLatestOperatorSigningKey(s.operators[i]), s.keys[i]);
            assertEq(light.getLatestOperatorWeight(s.operators[i]), 10);
        }
    }

    function test_processEpochUpdate_removesOperatorsMissingFromTheNewSet() public {
        _process(_set(1, 0x07, _uniform(0), _uniform(10), 6667)); // 0, 1, 2
        Set memory s = _set(2, 0x0a, _uniform(0), _uniform(10), 6667); // 1, 3
        vm.expectEmit(address(light));
        emit OperatorRemoved(_operatorOf(0), 2);
        _process(s);
        assertFalse(light.isOperatorRegisteredAtEpoch(_operatorOf(0), 2));
        assertFalse(light.isOperatorRegisteredAtEpoch(_operatorOf(2), 2));
        assertEq(light.getOperatorSigningKeyAtEpoch(_operatorOf(2), 2), address(0));
        assertEq(light.getOperatorWeightAtEpoch(_operatorOf(2), 2), 0);
        assertEq(light.getLatestOperatorSigningKey(_operatorOf(0)), address(0));
        assertTrue(light.isOperatorRegisteredAtEpoch(_operatorOf(1), 2));
        assertTrue(light.isOperatorRegisteredAtEpoch(_operatorOf(3), 2));
        // Epoch 1 keeps its set.
        assertTrue(light.isOperatorRegisteredAtEpoch(_operatorOf(0), 1));
        assertFalse(light.isOperatorRegisteredAtEpoch(_operatorOf(3), 1));
        address[] memory ops = light.getOperators();
        assertEq(ops.length, 2);
        assertEq(ops[0], s.operators[0]);
        assertEq(ops[1], s.operators[1]);
    }

    function test_processEpochUpdate_unchangedSetWritesNoCheckpoint() public {
        Set memory s = _set(1, _firstN(4), _uniform(0), _uniform(10), 6667);
        _process(s);
        s.epoch = 2;
        vm.recordLogs();
        _process(s);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1); // EpochUpdated only
        assertEq(logs[0].topics[0], EpochUpdated.selector);
        (,,, bool changed) = abi.decode(logs[0].data, (uint256, uint256, uint256, bool));
        assertFalse(changed);
        for (uint256 i; i < 4; ++i) {
            assertEq(light.getOperatorCheckpointCount(s.operators[i]), 1);
            assertEq(light.getOperatorWeightAtEpoch(s.operators[i], 2), 10);
        }
        assertEq(light.epochCount(), 2);
    }

    function test_processEpochUpdate_writesOnlyChangedOperators() public {
        uint256[POOL] memory weights = _uniform(10);
        uint256[POOL] memory versions = _uniform(0);
        _process(_set(1, _firstN(4), versions, weights, 6667));
        weights[1] = 20;
        versions[2] = 1;
        Set memory s = _set(2, _firstN(4), versions, weights, 6667);
        vm.recordLogs();
        _process(s);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 3); // two OperatorUpdated, one EpochUpdated
        assertEq(light.getOperatorCheckpointCount(_operatorOf(0)), 1);
        assertEq(light.getOperatorCheckpointCount(_operatorOf(1)), 2);
        assertEq(light.getOperatorCheckpointCount(_operatorOf(2)), 2);
        assertEq(light.getOperatorCheckpointCount(_operatorOf(3)), 1);
        assertEq(light.getOperatorWeightAtEpoch(_operatorOf(1), 2), 20);
        assertEq(light.getOperatorWeightAtEpoch(_operatorOf(1), 1), 10);
        assertEq(light.getOperatorSigningKeyAtEpoch(_operatorOf(2), 2), vm.addr(_keyPk(2, 1)));
        assertEq(light.getOperatorSigningKeyAtEpoch(_operatorOf(2), 1), vm.addr(_keyPk(2, 0)));
        OperatorCheckpoints.Checkpoint memory cp = light.getOperatorCheckpoint(_operatorOf(1), 1);
        assertEq(cp.epoch, 2);
        assertEq(cp.weight, 20);
    }

    function test_processEpochUpdate_thresholdChangeAloneIsRecorded() public {
        Set memory s = _set(1, _firstN(3), _uniform(0), _uniform(10), 6667);
        _process(s);
        s.epoch = 2;
        s.threshold = 15;
        _process(s);
        assertEq(light.getThresholdWeightAtEpoch(1), 21);
        assertEq(light.getThresholdWeightAtEpoch(2), 15);
    }

    function test_processEpochUpdate_operatorRejoinsAfterRemoval() public {
        _process(_set(1, 0x03, _uniform(0), _uniform(10), 6667));
        _process(_set(2, 0x02, _uniform(0), _uniform(10), 6667));
        _process(_set(3, 0x03, _uniform(1), _uniform(10), 6667));
        address op0 = _operatorOf(0);
        assertTrue(light.isOperatorRegisteredAtEpoch(op0, 1));
        assertFalse(light.isOperatorRegisteredAtEpoch(op0, 2));
        assertEq(light.getOperatorSigningKeyAtEpoch(op0, 3), vm.addr(_keyPk(0, 1)));
        assertEq(light.getOperatorCount(), 2);
    }

    function test_processEpochUpdate_emptySetRemovesEveryone() public {
        _process(_set(1, _firstN(3), _uniform(0), _uniform(10), 6667));
        _process(_set(2, 0, _uniform(0), _uniform(10), 6667));
        assertEq(light.getOperatorCount(), 0);
        assertEq(light.getOperators().length, 0);
        assertEq(light.getTotalWeightAtEpoch(2), 0);
        assertEq(light.getThresholdWeightAtEpoch(2), 0);
        for (uint256 i; i < 3; ++i) {
            assertFalse(light.isOperatorRegisteredAtEpoch(_operatorOf(i), 2));
            assertTrue(light.isOperatorRegisteredAtEpoch(_operatorOf(i), 1));
        }
    }

    function test_operatorList_isInertDataContract() public {
        Set memory s = _set(1, _firstN(3), _uniform(0), _uniform(10), 6667);
        _process(s);
        address list = vm.computeCreateAddress(address(light), 1);
        bytes memory code = list.code;
        assertEq(code.length, 1 + 20 * 3);
        assertEq(uint8(code[0]), 0); // STOP: calling it does nothing
        (bool ok, bytes memory ret) = list.call(hex"deadbeef");
        assertTrue(ok);
        assertEq(ret.length, 0);
        for (uint256 i; i < 3; ++i) {
            address a;
            assembly {
                a := shr(96, mload(add(add(code, 0x21), mul(i, 20))))
            }
            assertEq(a, s.operators[i]);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // views for epochs not received
    // ---------------------------------------------------------------------------------------------------------------

    function test_views_areZeroForEpochsNotReceived() public {
        _process(_set(1, _firstN(3), _uniform(0), _uniform(10), 6667));
        _process(_set(3, _firstN(3), _uniform(0), _uniform(10), 6667));
        address op = _operatorOf(0);
        for (uint32 e; e < 6; ++e) {
            bool received = e == 1 || e == 3;
            assertEq(light.isEpochReceived(e), received);
            assertEq(light.isOperatorRegisteredAtEpoch(op, e), received);
            assertEq(light.getOperatorSigningKeyAtEpoch(op, e) != address(0), received);
            assertEq(light.getOperatorWeightAtEpoch(op, e), received ? 10 : 0);
            assertEq(light.getThresholdWeightAtEpoch(e), received ? 21 : 0);
            assertEq(light.getTotalWeightAtEpoch(e), received ? 30 : 0);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // isValidSignature
    // ---------------------------------------------------------------------------------------------------------------

    function test_isValidSignature_validAtReceivedEpoch() public {
        uint256[POOL] memory versions = _uniform(0);
        _process(_set(1, _firstN(3), versions, _uniform(10), 6667));
        vm.warp(GENESIS + LENGTH);
        bytes32 digest = keccak256("digest");
        bytes memory sigData = _sigData(0x07, versions, digest, 1);
        assertEq(light.isValidSignature(digest, sigData), MAGIC);
        (uint256 signed, uint256 threshold) = light.checkSignatures(digest, sigData);
        assertEq(signed, 30);
        assertEq(threshold, 21);
        // 20 of 30 is below ceil(30 × 66.67%) = 21.
        assertEq(light.isValidSignature(digest, _sigData(0x03, versions, digest, 1)), INVALID);
    }

    function test_isValidSignature_failsClosedAfterLatestEpoch() public {
        uint256[POOL] memory versions = _uniform(0);
        _process(_set(1, _firstN(3), versions, _uniform(10), 6667));
        vm.warp(GENESIS + 2 * LENGTH);
        bytes32 digest = keccak256("digest");
        bytes memory sigData = _sigData(0x07, versions, digest, 2);
        assertEq(light.isValidSignature(digest, sigData), INVALID);
        vm.expectRevert(abi.encodeWithSelector(StakeRegistryVerifier.ZeroThreshold.selector, uint32(2)));
        light.checkSignatures(digest, sigData);
    }

    function test_isValidSignature_failsClosedForSkippedEpoch() public {
        uint256[POOL] memory versions = _uniform(0);
        _process(_set(1, _firstN(3), versions, _uniform(10), 6667));
        _process(_set(3, _firstN(3), versions, _uniform(10), 6667));
        vm.warp(GENESIS + 3 * LENGTH);
        bytes32 digest = keccak256("digest");
        assertEq(light.isValidSignature(digest, _sigData(0x07, versions, digest, 2)), INVALID);
        assertEq(light.isValidSignature(digest, _sigData(0x07, versions, digest, 3)), MAGIC);
        assertEq(light.isValidSignature(digest, _sigData(0x07, versions, digest, 1)), MAGIC);
    }

    function test_isValidSignature_removedOperatorNoLongerCounts() public {
        uint256[POOL] memory versions = _uniform(0);
        _process(_set(1, 0x07, versions, _uniform(10), 5000));
        _process(_set(2, 0x06, versions, _uniform(10), 5000));
        vm.warp(GENESIS + 2 * LENGTH);
        bytes32 digest = keccak256("digest");
        bytes memory sigData = _sigData(0x03, versions, digest, 2);
        assertEq(light.isValidSignature(digest, sigData), INVALID);
        vm.expectRevert(abi.encodeWithSelector(StakeRegistryVerifier.NotRegistered.selector, _operatorOf(0)));
        light.checkSignatures(digest, sigData);
        assertEq(light.isValidSignature(digest, _sigData(0x03, versions, digest, 1)), MAGIC);
    }

    function test_isValidSignature_rotatedKeyOnlyFromItsEpoch() public {
        uint256[POOL] memory v0 = _uniform(0);
        uint256[POOL] memory v1 = _uniform(1);
        _process(_set(1, 0x03, v0, _uniform(10), 10_000));
        _process(_set(2, 0x03, v1, _uniform(10), 10_000));
        vm.warp(GENESIS + 2 * LENGTH);
        bytes32 digest = keccak256("digest");
        assertEq(light.isValidSignature(digest, _sigData(0x03, v0, digest, 1)), MAGIC);
        assertEq(light.isValidSignature(digest, _sigData(0x03, v1, digest, 1)), INVALID);
        assertEq(light.isValidSignature(digest, _sigData(0x03, v1, digest, 2)), MAGIC);
        assertEq(light.isValidSignature(digest, _sigData(0x03, v0, digest, 2)), INVALID);
    }

    function test_isValidSignature_sameAgeAndFutureRulesAsMain() public {
        uint256[POOL] memory versions = _uniform(0);
        _process(_set(1, 0x03, versions, _uniform(10), 6667));
        bytes32 digest = keccak256("digest");
        bytes memory sigData = _sigData(0x03, versions, digest, 1);
        vm.warp(GENESIS); // epoch 0: reference epoch 1 is in the future
        vm.expectRevert(abi.encodeWithSelector(StakeRegistryVerifier.ReferenceEpochInFuture.selector, 1, 0));
        light.checkSignatures(digest, sigData);
        vm.warp(GENESIS + 4 * LENGTH); // epoch 4: 3 epochs old > MAX_AGE
        vm.expectRevert(abi.encodeWithSelector(StakeRegistryVerifier.ProofTooOld.selector, 1, 4, MAX_AGE));
        light.checkSignatures(digest, sigData);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // fuzz
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev Random sequences of sets (members, keys, weights, thresholds, epoch gaps) against a model that stores each
    ///      received epoch's set as sent.
    function testFuzz_processEpochUpdate_everyReceivedEpochReadsItsSet(uint256 seed) public {
        uint256 rounds = 2 + seed % 6;
        Set[] memory sent = new Set[](rounds);
        uint32 epoch = uint32(seed >> 8) % 3;
        for (uint256 r; r < rounds; ++r) {
            uint256 rnd = uint256(keccak256(abi.encode(seed, r)));
            uint256[POOL] memory versions;
            uint256[POOL] memory weights;
            for (uint256 i; i < POOL; ++i) {
                versions[i] = (rnd >> (8 + i)) & 1;
                uint256 w = (rnd >> (16 + 8 * i)) & 0xff;
                weights[i] = w < 32 ? 0 : w * 1e15; // zero weights too
            }
            sent[r] = _set(epoch, rnd & 0xff, versions, weights, uint16(1 + (rnd >> 100) % 10_000));
            _process(sent[r]);
            epoch += uint32(1 + (rnd >> 120) % 3);
        }
        uint256 k;
        for (uint32 e; e <= sent[rounds - 1].epoch + 1; ++e) {
            bool received = k < rounds && sent[k].epoch == e;
            assertEq(light.isEpochReceived(e), received);
            if (!received) {
                assertEq(light.getThresholdWeightAtEpoch(e), 0);
                assertEq(light.getTotalWeightAtEpoch(e), 0);
                for (uint256 i; i < POOL; ++i) {
                    assertFalse(light.isOperatorRegisteredAtEpoch(_operatorOf(i), e));
                }
                continue;
            }
            Set memory s = sent[k++];
            assertEq(light.getThresholdWeightAtEpoch(e), s.threshold);
            assertEq(light.getTotalWeightAtEpoch(e), s.total);
            for (uint256 i; i < POOL; ++i) {
                address op = _operatorOf(i);
                (bool member, address key, uint256 weight) = _find(s, op);
                assertEq(light.isOperatorRegisteredAtEpoch(op, e), member);
                assertEq(light.getOperatorSigningKeyAtEpoch(op, e), key);
                assertEq(light.getOperatorWeightAtEpoch(op, e), weight);
            }
        }
        address[] memory latest = light.getOperators();
        assertEq(abi.encode(latest), abi.encode(sent[rounds - 1].operators));
    }

    /// @dev A proof verifies exactly when every signer is in the epoch's set and their weights reach a non-zero threshold.
    function testFuzz_isValidSignature_matchesTheSentSet(uint256 seed, uint8 signers) public {
        uint256 rnd = uint256(keccak256(abi.encode(seed)));
        uint256[POOL] memory versions;
        uint256[POOL] memory weights;
        for (uint256 i; i < POOL; ++i) {
            weights[i] = ((rnd >> (8 * i)) & 0xff) * 1 ether;
        }
        uint256 members = (rnd >> 128) & 0xff;
        Set memory s = _set(1, members, versions, weights, uint16(1 + (rnd >> 140) % 10_000));
        _process(s);
        vm.warp(GENESIS + LENGTH);
        bytes32 digest = keccak256(abi.encode("fuzz digest", seed));
        bytes memory sigData = _sigData(signers, versions, digest, 1);

        bool allMembers = signers & ~members & 0xff == 0;
        uint256 signed;
        for (uint256 i; i < POOL; ++i) {
            if (signers >> i & 1 == 1) signed += weights[i];
        }
        bool expected = allMembers && s.threshold != 0 && signed >= s.threshold;
        assertEq(light.isValidSignature(digest, sigData) == MAGIC, expected);
    }

    function _find(Set memory s, address op) internal pure returns (bool, address, uint256) {
        for (uint256 i; i < s.operators.length; ++i) {
            if (s.operators[i] == op) return (true, s.keys[i], s.weights[i]);
        }
        return (false, address(0), 0);
    }
}
