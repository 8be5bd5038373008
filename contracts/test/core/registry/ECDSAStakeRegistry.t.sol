// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {RegistryFixture} from "./RegistryFixture.sol";
import {EpochManager, MessageType, StateUpdate} from "../../../src/core/epochs/EpochManager.sol";
import {ECDSAStakeRegistry} from "../../../src/core/registry/ECDSAStakeRegistry.sol";
import {IECDSAStakeRegistry} from "../../../src/core/registry/IECDSAStakeRegistry.sol";
import {OperatorCheckpoints} from "../../../src/core/registry/OperatorCheckpoints.sol";
import {ServiceManagerBase} from "../../../src/core/avs/ServiceManagerBase.sol";
import {StakeRegistryVerifier} from "../../../src/core/signatures/StakeRegistryVerifier.sol";
import {IAVSDirectoryTypes, IAVSDirectoryErrors} from "../../../src/eigenlayer/IAVSDirectory.sol";
import {ISignatureUtilsMixinErrors} from "../../../src/eigenlayer/ISignatureUtilsMixin.sol";
import {IDelegationManager} from "../../../src/eigenlayer/IDelegationManager.sol";
import {IStrategy} from "../../../src/eigenlayer/IStrategy.sol";
import {StrategyBase} from "../../../devnet/eigenlayer/StrategyBase.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @notice Registration, weights, checkpoints and owner controls of ECDSAStakeRegistry, against the real devnet
///         EigenLayer core.
contract ECDSAStakeRegistryTest is RegistryFixture {
    event StateUpdateQueued(uint32 indexed effectiveEpoch, MessageType updateType, bytes data);

    // ---------------------------------------------------------------------------------------------------------------
    // constructor
    // ---------------------------------------------------------------------------------------------------------------

    function test_constructor_copiesClockAndConfig() public view {
        assertEq(registry.GENESIS(), GENESIS);
        assertEq(registry.EPOCH_LENGTH(), LENGTH);
        assertEq(registry.GRACE_PERIOD(), GRACE);
        assertEq(registry.MAX_PROOF_AGE_EPOCHS(), MAX_AGE);
        assertEq(registry.thresholdBps(), THRESHOLD_BPS);
        assertEq(registry.getThresholdBpsAtEpoch(0), THRESHOLD_BPS);
        assertEq(registry.minimumWeight(), 1);
        assertEq(address(registry.allocationManager()), address(allocationManager));
        assertEq(registry.OPERATOR_SET_ID(), 0);
        assertEq(registry.MAX_OPERATORS(), MAX_OPERATORS);
        assertEq(address(registry.epochManager()), address(epochManager));
        assertEq(address(registry.serviceManager()), address(serviceManager));
        assertEq(registry.owner(), avsOwner);
        IECDSAStakeRegistry.StrategyParams[] memory q = registry.getQuorum();
        assertEq(q.length, 1);
        assertEq(address(q[0].strategy), address(strategy));
        assertEq(q[0].multiplier, 10_000);
    }

    function test_constructor_revertsOnZeroThreshold() public {
        vm.expectRevert(abi.encodeWithSelector(IECDSAStakeRegistry.InvalidThresholdBps.selector, uint16(0)));
        new ECDSAStakeRegistry(
            IECDSAStakeRegistry.Config({
                epochManager: epochManager,
                serviceManager: serviceManager,
                owner: avsOwner,
                quorum: _quorum(10_000),
                thresholdBps: 0,
                minimumWeight: 1,
                maxProofAgeEpochs: 1,
                operatorSetId: 0,
                maxOperators: MAX_OPERATORS
            })
        );
    }

    function test_constructor_revertsOnThresholdAboveOneHundredPercent() public {
        vm.expectRevert(abi.encodeWithSelector(IECDSAStakeRegistry.InvalidThresholdBps.selector, uint16(10_001)));
        new ECDSAStakeRegistry(
            IECDSAStakeRegistry.Config({
                epochManager: epochManager,
                serviceManager: serviceManager,
                owner: avsOwner,
                quorum: _quorum(10_000),
                thresholdBps: 10_001,
                minimumWeight: 1,
                maxProofAgeEpochs: 1,
                operatorSetId: 0,
                maxOperators: MAX_OPERATORS
            })
        );
    }

    function test_constructor_revertsOnEmptyQuorum() public {
        vm.expectRevert(IECDSAStakeRegistry.InvalidQuorum.selector);
        new ECDSAStakeRegistry(
            IECDSAStakeRegistry.Config({
                epochManager: epochManager,
                serviceManager: serviceManager,
                owner: avsOwner,
                quorum: new IECDSAStakeRegistry.StrategyParams[](0),
                thresholdBps: 5000,
                minimumWeight: 1,
                maxProofAgeEpochs: 1,
                operatorSetId: 0,
                maxOperators: MAX_OPERATORS
            })
        );
    }

    function test_constructor_revertsOnZeroMinimumWeight() public {
        vm.expectRevert(IECDSAStakeRegistry.ZeroMinimumWeight.selector);
        new ECDSAStakeRegistry(
            IECDSAStakeRegistry.Config({
                epochManager: epochManager,
                serviceManager: serviceManager,
                owner: avsOwner,
                quorum: _quorum(1),
                thresholdBps: 5000,
                minimumWeight: 0,
                maxProofAgeEpochs: 1,
                operatorSetId: 0,
                maxOperators: MAX_OPERATORS
            })
        );
    }

    function test_constructor_revertsOnMaxOperatorsAboveWhatABridgeMessageCarries() public {
        uint256 tooMany = registry.MAX_OPERATORS_LIMIT() + 1;
        vm.expectRevert(abi.encodeWithSelector(IECDSAStakeRegistry.InvalidMaxOperators.selector, tooMany));
        new ECDSAStakeRegistry(
            IECDSAStakeRegistry.Config({
                epochManager: epochManager,
                serviceManager: serviceManager,
                owner: avsOwner,
                quorum: _quorum(1),
                thresholdBps: 5000,
                minimumWeight: 1,
                maxProofAgeEpochs: 1,
                operatorSetId: 0,
                maxOperators: tooMany
            })
        );
    }

    function test_constructor_revertsOnZeroServiceManager() public {
        vm.expectRevert(IECDSAStakeRegistry.ZeroAddress.selector);
        new ECDSAStakeRegistry(
            IECDSAStakeRegistry.Config({
                epochManager: epochManager,
                serviceManager: ServiceManagerBase(address(0)),
                owner: avsOwner,
                quorum: _quorum(1),
                thresholdBps: 5000,
                minimumWeight: 1,
                maxProofAgeEpochs: 1,
                operatorSetId: 0,
                maxOperators: MAX_OPERATORS
            })
        );
    }

    // ---------------------------------------------------------------------------------------------------------------
    // registration
    // ---------------------------------------------------------------------------------------------------------------

    function test_register_registersThroughAVSDirectory() public {
        Op memory op = _newOperator(1, STAKE);
        _register(op);
        assertEq(
            uint8(avsDirectory.avsOperatorStatus(address(serviceManager), op.addr)),
            uint8(IAVSDirectoryTypes.OperatorAVSRegistrationStatus.REGISTERED)
        );
        assertTrue(registry.operatorRegistered(op.addr));
        assertEq(registry.getOperatorCount(), 1);
        assertEq(registry.getOperators()[0], op.addr);
        assertEq(registry.signingKeyOperator(op.signingKey), op.addr);
        assertEq(registry.getLatestOperatorSigningKey(op.addr), op.signingKey);
    }

    function test_register_takesEffectNextEpoch() public {
        Op memory op = _newOperator(1, STAKE);
        _register(op);
        assertFalse(registry.isOperatorRegisteredAtEpoch(op.addr, 0));
        assertEq(registry.getOperatorSigningKeyAtEpoch(op.addr, 0), address(0));
        assertEq(registry.getOperatorWeightAtEpoch(op.addr, 0), 0);
        assertEq(registry.getTotalWeightAtEpoch(0), 0);
        assertTrue(registry.isOperatorRegisteredAtEpoch(op.addr, 1));
        assertEq(registry.getOperatorSigningKeyAtEpoch(op.addr, 1), op.signingKey);
        assertEq(registry.getOperatorWeightAtEpoch(op.addr, 1), STAKE);
        assertEq(registry.getTotalWeightAtEpoch(1), STAKE);
    }

    function test_register_inGraceTakesEffectTwoEpochsLater() public {
        _warpToGrace(0);
        Op memory op = _newOperator(1, STAKE);
        _register(op);
        assertFalse(registry.isOperatorRegisteredAtEpoch(op.addr, 1));
        assertTrue(registry.isOperatorRegisteredAtEpoch(op.addr, 2));
        assertEq(registry.getTotalWeightAtEpoch(1), 0);
        assertEq(registry.getTotalWeightAtEpoch(2), STAKE);
    }

    function test_register_emitsAndQueuesUpdate() public {
        Op memory op = _newOperator(1, STAKE);
        bytes memory data = abi.encode(op.addr, op.signingKey, STAKE);
        _joinAndAllocate(op.addr, FULL_MAGNITUDE);
        vm.expectEmit(address(registry));
        emit IECDSAStakeRegistry.OperatorRegistered(op.addr, op.signingKey, STAKE, 1);
        vm.expectEmit(address(registry));
        emit IECDSAStakeRegistry.OperatorWeightUpdated(op.addr, 0, STAKE, 1);
        vm.expectEmit(address(registry));
        emit IECDSAStakeRegistry.TotalWeightUpdated(0, STAKE, 1);
        vm.expectEmit(address(epochManager));
        emit StateUpdateQueued(1, MessageType.REGISTER, data);
        _registerOnly(op, op.signingKey);
        StateUpdate[] memory updates = epochManager.getStateUpdates(1);
        assertEq(updates.length, 1);
        assertEq(uint8(updates[0].updateType), uint8(MessageType.REGISTER));
        assertEq(updates[0].data, data);
    }

    function test_register_appliesMultiplier() public {
        _deployAvs(_quorum(2500), THRESHOLD_BPS, 1, MAX_AGE);
        Op memory op = _newOperator(1, 100 ether);
        _register(op);
        assertEq(registry.getOperatorWeightAtEpoch(op.addr, 1), 25 ether);
    }

    function test_register_refusesSlashableStakeBelowMinimumWeight() public {
        _deployAvs(_quorum(10_000), THRESHOLD_BPS, 50 ether, MAX_AGE);
        Op memory small = _newOperator(1, 49 ether);
        Op memory big = _newOperator(2, 50 ether);
        _joinAndAllocate(small.addr, FULL_MAGNITUDE);
        vm.expectRevert(
            abi.encodeWithSelector(
                IECDSAStakeRegistry.InsufficientSlashableStake.selector, small.addr, 49 ether, 50 ether
            )
        );
        _registerOnly(small, small.signingKey);
        _register(big);
        assertFalse(registry.isOperatorRegisteredAtEpoch(small.addr, 1));
        assertEq(registry.getOperatorWeightAtEpoch(big.addr, 1), 50 ether);
        assertEq(registry.getTotalWeightAtEpoch(1), 50 ether);
    }

    /// @dev The flood: an operator that joined the set but allocated (almost) nothing cannot register.
    function test_register_refusesMemberWithTooLittleAllocated() public {
        Op memory op = _newOperator(1, STAKE);
        _joinAndAllocate(op.addr, 1); // 1e-18 of the stake: 100 wei of weight
        vm.prank(avsOwner);
        registry.updateMinimumWeight(1 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IECDSAStakeRegistry.InsufficientSlashableStake.selector, op.addr, 100, 1 ether)
        );
        _registerOnly(op, op.signingKey);
    }

    /// @dev Delegated shares alone are no weight: an operator outside the operator set cannot register.
    function test_register_refusesOperatorOutsideTheOperatorSet() public {
        Op memory op = _newOperator(1, STAKE);
        vm.expectRevert(abi.encodeWithSelector(IECDSAStakeRegistry.NotInOperatorSet.selector, op.addr));
        _registerOnly(op, op.signingKey);
    }

    function test_register_weightIsTheAllocatedShareOfTheStake() public {
        Op memory op = _newOperator(1, STAKE);
        _joinAndAllocate(op.addr, FULL_MAGNITUDE / 4);
        _registerOnly(op, op.signingKey);
        assertEq(registry.getOperatorWeightAtEpoch(op.addr, 1), STAKE / 4);
    }

    function test_register_refusesBeyondMaxOperators() public {
        _deployAvsWithMaxOperators(2);
        _register(_newOperator(1, STAKE));
        _register(_newOperator(2, STAKE));
        Op memory third = _newOperator(3, STAKE);
        _joinAndAllocate(third.addr, FULL_MAGNITUDE);
        vm.expectRevert(abi.encodeWithSelector(IECDSAStakeRegistry.OperatorSetFull.selector, uint256(2)));
        _registerOnly(third, third.signingKey);
    }

    /// @dev A checkpoint keeps 58 significant bits of a weight: everything the registry reports and queues is the
    ///      rounded weight, so totals stay sums of the operators' weights.
    function test_register_roundsWeightTo58SignificantBits() public {
        // 100e18 + 12,345 has 67 significant bits: the weight is rounded down to a multiple of 2^9.
        uint256 weight = 100 ether + 12_288;
        Op memory op = _newOperator(1, 100 ether + 12_345);
        _register(op);
        assertEq(registry.computeOperatorWeight(op.addr), weight);
        assertEq(registry.getOperatorWeightAtEpoch(op.addr, 1), weight);
        assertEq(registry.getLatestOperatorWeight(op.addr), weight);
        assertEq(registry.getTotalWeightAtEpoch(1), weight);
        StateUpdate[] memory updates = epochManager.getStateUpdates(1);
        assertEq(updates[0].data, abi.encode(op.addr, op.signingKey, weight));
    }

    function test_register_capsWeightAtMaxWeight() public {
        _deployAvs(_quorum(type(uint96).max), THRESHOLD_BPS, 1, MAX_AGE);
        Op memory op = _newOperator(1, 1e30);
        _register(op);
        assertEq(registry.getOperatorWeightAtEpoch(op.addr, 1), OperatorCheckpoints.MAX_WEIGHT);
        assertEq(registry.getTotalWeightAtEpoch(1), OperatorCheckpoints.MAX_WEIGHT);
    }

    function test_register_revertsWhenAlreadyRegistered() public {
        Op memory op = _newOperator(1, STAKE);
        _register(op);
        vm.expectRevert(abi.encodeWithSelector(IECDSAStakeRegistry.OperatorAlreadyRegistered.selector, op.addr));
        _registerOnly(op, makeAddr("another key"));
    }

    function test_register_revertsOnZeroSigningKey() public {
        Op memory op = _newOperator(1, STAKE);
        _joinAndAllocate(op.addr, FULL_MAGNITUDE);
        vm.expectRevert(IECDSAStakeRegistry.ZeroSigningKey.selector);
        _registerOnly(op, address(0));
    }

    function test_register_revertsOnSigningKeyOfAnotherOperator() public {
        Op memory a = _newOperator(1, STAKE);
        Op memory b = _newOperator(2, STAKE);
        _register(a);
        _joinAndAllocate(b.addr, FULL_MAGNITUDE);
        vm.expectRevert(abi.encodeWithSelector(IECDSAStakeRegistry.SigningKeyInUse.selector, a.signingKey, a.addr));
        _registerOnly(b, a.signingKey);
    }

    function test_register_revertsOnAVSSignatureForAnotherAVS() public {
        Op memory op = _newOperator(1, STAKE);
        _joinAndAllocate(op.addr, FULL_MAGNITUDE);
        bytes32 salt = keccak256("salt");
        vm.prank(op.addr);
        vm.expectRevert(ISignatureUtilsMixinErrors.InvalidSignature.selector);
        registry.registerOperatorWithSignature(
            _signAVSRegistration(op.pk, makeAddr("other avs"), salt, block.timestamp + 1), op.signingKey
        );
    }

    function test_register_revertsOnExpiredAVSSignature() public {
        Op memory op = _newOperator(1, STAKE);
        _joinAndAllocate(op.addr, FULL_MAGNITUDE);
        vm.prank(op.addr);
        vm.expectRevert(ISignatureUtilsMixinErrors.SignatureExpired.selector);
        registry.registerOperatorWithSignature(
            _signAVSRegistration(op.pk, address(serviceManager), bytes32(0), block.timestamp - 1), op.signingKey
        );
    }

    function test_register_revertsForNonOperator() public {
        uint256 pk = 0xBAD;
        address notOperator = vm.addr(pk);
        vm.prank(notOperator);
        vm.expectRevert(abi.encodeWithSelector(IECDSAStakeRegistry.NotInOperatorSet.selector, notOperator));
        registry.registerOperatorWithSignature(
            _signAVSRegistration(pk, address(serviceManager), bytes32(0), block.timestamp + 1), makeAddr("k")
        );
    }

    function test_register_againAfterDeregistration() public {
        Op memory op = _newOperator(1, STAKE);
        _register(op); // effective at 1
        _warpToEpoch(1);
        vm.prank(op.addr);
        registry.deregisterOperator(); // effective at 2
        _warpToEpoch(3);
        _register(op); // effective at 4
        assertTrue(registry.isOperatorRegisteredAtEpoch(op.addr, 1));
        assertFalse(registry.isOperatorRegisteredAtEpoch(op.addr, 2));
        assertFalse(registry.isOperatorRegisteredAtEpoch(op.addr, 3));
        assertTrue(registry.isOperatorRegisteredAtEpoch(op.addr, 4));
        assertEq(registry.getTotalWeightAtEpoch(3), 0);
        assertEq(registry.getTotalWeightAtEpoch(4), STAKE);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // deregistration
    // ---------------------------------------------------------------------------------------------------------------

    function test_deregister_deregistersFromAVSDirectory() public {
        Op memory op = _newOperator(1, STAKE);
        _register(op);
        vm.prank(op.addr);
        registry.deregisterOperator();
        assertEq(
            uint8(avsDirectory.avsOperatorStatus(address(serviceManager), op.addr)),
            uint8(IAVSDirectoryTypes.OperatorAVSRegistrationStatus.UNREGISTERED)
        );
        assertFalse(registry.operatorRegistered(op.addr));
        assertEq(registry.getOperatorCount(), 0);
        assertEq(registry.signingKeyOperator(op.signingKey), address(0));
        assertEq(registry.getLatestOperatorSigningKey(op.addr), address(0));
    }

    function test_deregister_takesEffectAtEffectiveEpoch() public {
        Op memory op = _newOperator(1, STAKE);
        _register(op);
        _warpToEpoch(2);
        vm.expectEmit(address(registry));
        emit IECDSAStakeRegistry.OperatorDeregistered(op.addr, 3);
        vm.expectEmit(address(epochManager));
        emit StateUpdateQueued(3, MessageType.DEREGISTER, abi.encode(op.addr));
        vm.prank(op.addr);
        registry.deregisterOperator();
        assertTrue(registry.isOperatorRegisteredAtEpoch(op.addr, 2));
        assertEq(registry.getOperatorWeightAtEpoch(op.addr, 2), STAKE);
        assertFalse(registry.isOperatorRegisteredAtEpoch(op.addr, 3));
        assertEq(registry.getOperatorWeightAtEpoch(op.addr, 3), 0);
        assertEq(registry.getTotalWeightAtEpoch(3), 0);
    }

    function test_deregister_inGraceStillCountsUntilEffectiveEpoch() public {
        Op[] memory ops = _registerOperators(3);
        _warpToGrace(1);
        vm.prank(ops[0].addr);
        registry.deregisterOperator();
        // Made in epoch 1's grace period: effective at epoch 3, so the operator still counts in epoch 2.
        assertTrue(registry.isOperatorRegisteredAtEpoch(ops[0].addr, 2));
        assertEq(registry.getOperatorWeightAtEpoch(ops[0].addr, 2), STAKE);
        assertEq(registry.getTotalWeightAtEpoch(2), 3 * STAKE);
        assertFalse(registry.isOperatorRegisteredAtEpoch(ops[0].addr, 3));
        assertEq(registry.getTotalWeightAtEpoch(3), 2 * STAKE);

        _warpToEpoch(2);
        bytes32 digest = _digest(2);
        assertEq(registry.isValidSignature(digest, _sigData(ops, digest, 2)), MAGIC);
        _warpToEpoch(3);
        digest = _digest(3);
        assertEq(registry.isValidSignature(digest, _sigData(ops, digest, 3)), INVALID);
        vm.expectRevert(abi.encodeWithSelector(StakeRegistryVerifier.NotRegistered.selector, ops[0].addr));
        registry.checkSignatures(digest, _sigData(ops, digest, 3));
    }

    function test_deregister_revertsWhenNotRegistered() public {
        Op memory op = _newOperator(1, STAKE);
        vm.prank(op.addr);
        vm.expectRevert(abi.encodeWithSelector(IECDSAStakeRegistry.OperatorNotRegistered.selector, op.addr));
        registry.deregisterOperator();
    }

    function test_deregister_freesSigningKeyForAnotherOperator() public {
        Op memory a = _newOperator(1, STAKE);
        Op memory b = _newOperator(2, STAKE);
        _register(a);
        vm.prank(a.addr);
        registry.deregisterOperator();
        _register(b, a.signingKey);
        assertEq(registry.signingKeyOperator(a.signingKey), b.addr);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // signing keys
    // ---------------------------------------------------------------------------------------------------------------

    function test_updateSigningKey_takesEffectAtEffectiveEpoch() public {
        Op memory op = _newOperator(1, STAKE);
        _register(op);
        _warpToEpoch(2);
        address newKey = makeAddr("new key");
        vm.expectEmit(address(registry));
        emit IECDSAStakeRegistry.SigningKeyUpdated(op.addr, newKey, op.signingKey, 3);
        vm.expectEmit(address(epochManager));
        emit StateUpdateQueued(3, MessageType.UPDATE_SIGNING_KEY, abi.encode(op.addr, newKey));
        vm.prank(op.addr);
        registry.updateOperatorSigningKey(newKey);
        assertEq(registry.getOperatorSigningKeyAtEpoch(op.addr, 2), op.signingKey);
        assertEq(registry.getOperatorSigningKeyAtEpoch(op.addr, 3), newKey);
        assertEq(registry.getLatestOperatorSigningKey(op.addr), newKey);
        assertEq(registry.signingKeyOperator(newKey), op.addr);
        assertEq(registry.signingKeyOperator(op.signingKey), address(0));
    }

    function test_updateSigningKey_revertsWhenNotRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(IECDSAStakeRegistry.OperatorNotRegistered.selector, address(this)));
        registry.updateOperatorSigningKey(makeAddr("k"));
    }

    function test_updateSigningKey_revertsOnZero() public {
        Op memory op = _newOperator(1, STAKE);
        _register(op);
        vm.prank(op.addr);
        vm.expectRevert(IECDSAStakeRegistry.ZeroSigningKey.selector);
        registry.updateOperatorSigningKey(address(0));
    }

    function test_updateSigningKey_revertsOnOwnCurrentKey() public {
        Op memory op = _newOperator(1, STAKE);
        _register(op);
        vm.prank(op.addr);
        vm.expectRevert(abi.encodeWithSelector(IECDSAStakeRegistry.SigningKeyInUse.selector, op.signingKey, op.addr));
        registry.updateOperatorSigningKey(op.signingKey);
    }

    function test_updateSigningKey_revertsOnKeyOfAnotherOperator() public {
        Op[] memory ops = _registerOperators(2);
        vm.prank(ops[1].addr);
        vm.expectRevert(
            abi.encodeWithSelector(IECDSAStakeRegistry.SigningKeyInUse.selector, ops[0].signingKey, ops[0].addr)
        );
        registry.updateOperatorSigningKey(ops[0].signingKey);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // weights
    // ---------------------------------------------------------------------------------------------------------------

    function test_updateOperators_refreshesWeightAtEffectiveEpoch() public {
        Op memory op = _newOperator(1, STAKE);
        _register(op);
        _warpToEpoch(2);
        _depositStake(op.addr, 50 ether);
        vm.expectEmit(address(registry));
        emit IECDSAStakeRegistry.OperatorWeightUpdated(op.addr, STAKE, 150 ether, 3);
        vm.expectEmit(address(registry));
        emit IECDSAStakeRegistry.TotalWeightUpdated(STAKE, 150 ether, 3);
        vm.expectEmit(address(epochManager));
        emit StateUpdateQueued(3, MessageType.UPDATE_WEIGHT, abi.encode(op.addr, 150 ether));
        vm.prank(makeAddr("anyone"));
        _refresh(op);
        assertEq(registry.getOperatorWeightAtEpoch(op.addr, 2), STAKE);
        assertEq(registry.getOperatorWeightAtEpoch(op.addr, 3), 150 ether);
        assertEq(registry.getTotalWeightAtEpoch(3), 150 ether);
        assertEq(registry.getLatestOperatorWeight(op.addr), 150 ether);
        assertEq(registry.getLatestTotalWeight(), 150 ether);
    }

    function test_updateOperators_followsWithdrawals() public {
        Op memory op = _newOperator(1, STAKE);
        _register(op);
        _withdrawStake(op, 40 ether);
        _refresh(op);
        assertEq(registry.getOperatorWeightAtEpoch(op.addr, 1), 60 ether);
    }

    function test_updateOperators_skipsUnchangedWeights() public {
        Op memory op = _newOperator(1, STAKE);
        _register(op);
        _warpToEpoch(2);
        _refresh(op);
        assertEq(epochManager.getStateUpdateCount(3), 0);
    }

    function test_updateOperators_skipsUnregisteredAddresses() public {
        Op memory op = _newOperator(1, STAKE);
        _refresh(op);
        assertEq(registry.getLatestOperatorWeight(op.addr), 0);
        assertEq(registry.getLatestTotalWeight(), 0);
        assertEq(epochManager.getStateUpdateCount(1), 0);
    }

    function test_computeOperatorWeight_readsSlashableStake() public {
        Op memory op = _newOperator(1, STAKE);
        assertEq(registry.computeOperatorWeight(op.addr), 0, "delegated but not allocated");
        _joinAndAllocate(op.addr, FULL_MAGNITUDE);
        assertEq(registry.computeOperatorWeight(op.addr), STAKE);
        Op memory staker = Op(0, makeAddr("staker"), 0, address(0));
        _depositStake(staker.addr, 7 ether);
        _delegate(staker.addr, op.addr);
        assertEq(registry.computeOperatorWeight(op.addr), 107 ether);
    }

    function test_carryForward_epochsNeverWrittenReadLatestCheckpoint() public {
        Op[] memory ops = _registerOperators(2);
        _warpToEpoch(40);
        for (uint32 e = 1; e <= 41; ++e) {
            assertEq(registry.getOperatorWeightAtEpoch(ops[0].addr, e), STAKE);
            assertEq(registry.getOperatorSigningKeyAtEpoch(ops[1].addr, e), ops[1].signingKey);
            assertEq(registry.getTotalWeightAtEpoch(e), 2 * STAKE);
            assertEq(registry.getThresholdWeightAtEpoch(e), (2 * STAKE * THRESHOLD_BPS + 9999) / 10_000);
        }
        bytes32 digest = _digest(40);
        assertEq(registry.isValidSignature(digest, _sigData(ops, digest, 40)), MAGIC);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // threshold
    // ---------------------------------------------------------------------------------------------------------------

    function test_thresholdWeight_roundsUp() public {
        _deployAvs(_quorum(10_000), 6667, 1, MAX_AGE);
        for (uint256 i; i < 3; ++i) {
            _register(_newOperator(i + 1, 1)); // weight 1 each
        }
        // ceil(3 × 0.6667) = ceil(2.0001) = 3
        assertEq(registry.getThresholdWeightAtEpoch(1), 3);
    }

    function test_thresholdWeight_isZeroWithoutWeight() public view {
        assertEq(registry.getThresholdWeightAtEpoch(0), 0);
        assertEq(registry.getThresholdWeightAtEpoch(1000), 0);
    }

    function test_updateThresholdBps_takesEffectAtEffectiveEpoch() public {
        _registerOperators(1);
        _warpToGrace(1);
        vm.expectEmit(address(registry));
        emit IECDSAStakeRegistry.ThresholdBpsUpdated(THRESHOLD_BPS, 10_000, 3);
        vm.expectEmit(address(epochManager));
        emit StateUpdateQueued(3, MessageType.UPDATE_THRESHOLD, abi.encode(uint16(10_000)));
        vm.prank(avsOwner);
        registry.updateThresholdBps(10_000);
        assertEq(registry.getThresholdBpsAtEpoch(2), THRESHOLD_BPS);
        assertEq(registry.getThresholdBpsAtEpoch(3), 10_000);
        assertEq(registry.thresholdBps(), 10_000);
        assertEq(registry.getThresholdWeightAtEpoch(3), STAKE);
        assertEq(registry.getTotalWeightAtEpoch(3), STAKE); // the packed total is kept
    }

    function test_updateThresholdBps_revertsOnZero() public {
        vm.prank(avsOwner);
        vm.expectRevert(abi.encodeWithSelector(IECDSAStakeRegistry.InvalidThresholdBps.selector, uint16(0)));
        registry.updateThresholdBps(0);
    }

    function test_updateThresholdBps_revertsAboveOneHundredPercent() public {
        vm.prank(avsOwner);
        vm.expectRevert(abi.encodeWithSelector(IECDSAStakeRegistry.InvalidThresholdBps.selector, uint16(10_001)));
        registry.updateThresholdBps(10_001);
    }

    function test_updateThresholdBps_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        registry.updateThresholdBps(5000);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // minimum weight and quorum
    // ---------------------------------------------------------------------------------------------------------------

    function test_updateMinimumWeight_refreshesEveryOperator() public {
        Op memory small = _newOperator(1, 10 ether);
        Op memory big = _newOperator(2, 100 ether);
        _register(small);
        _register(big);
        _warpToEpoch(2);
        vm.expectEmit(address(registry));
        emit IECDSAStakeRegistry.MinimumWeightUpdated(1, 50 ether);
        vm.prank(avsOwner);
        registry.updateMinimumWeight(50 ether);
        assertEq(registry.minimumWeight(), 50 ether);
        assertEq(registry.getOperatorWeightAtEpoch(small.addr, 2), 10 ether);
        assertEq(registry.getOperatorWeightAtEpoch(small.addr, 3), 0);
        assertEq(registry.getOperatorWeightAtEpoch(big.addr, 3), 100 ether);
        assertEq(registry.getTotalWeightAtEpoch(3), 100 ether);
        assertEq(epochManager.getStateUpdateCount(3), 1);
    }

    function test_updateMinimumWeight_revertsOnZero() public {
        vm.prank(avsOwner);
        vm.expectRevert(IECDSAStakeRegistry.ZeroMinimumWeight.selector);
        registry.updateMinimumWeight(0);
    }

    function test_updateMinimumWeight_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        registry.updateMinimumWeight(1);
    }

    function test_updateQuorumConfig_refreshesEveryOperator() public {
        Op[] memory ops = _registerOperators(2);
        _warpToEpoch(2);
        vm.prank(avsOwner);
        registry.updateQuorumConfig(_quorum(5000));
        assertEq(registry.getQuorum()[0].multiplier, 5000);
        assertEq(registry.getOperatorWeightAtEpoch(ops[0].addr, 2), STAKE);
        assertEq(registry.getOperatorWeightAtEpoch(ops[0].addr, 3), STAKE / 2);
        assertEq(registry.getTotalWeightAtEpoch(3), STAKE);
    }

    function test_updateQuorumConfig_sumsSeveralStrategies() public {
        StrategyBase second = _secondStrategy();
        Op memory op = _newOperator(1, 100 ether);
        _depositSecond(second, op.addr, 40 ether);
        IECDSAStakeRegistry.StrategyParams[] memory q = _twoStrategyQuorum(second, 10_000, 5000);
        vm.prank(avsOwner);
        registry.updateQuorumConfig(q);
        _register(op);
        IStrategy[] memory extra = new IStrategy[](1);
        extra[0] = second;
        vm.prank(avsOwner);
        serviceManager.addStrategiesToOperatorSet(0, extra);
        _allocateIn(op.addr, second, FULL_MAGNITUDE);
        _refresh(op);
        assertEq(registry.getOperatorWeightAtEpoch(op.addr, 1), 100 ether + 20 ether);
    }

    function test_updateQuorumConfig_revertsOnEmpty() public {
        vm.prank(avsOwner);
        vm.expectRevert(IECDSAStakeRegistry.InvalidQuorum.selector);
        registry.updateQuorumConfig(new IECDSAStakeRegistry.StrategyParams[](0));
    }

    function test_updateQuorumConfig_revertsOnZeroMultiplier() public {
        vm.prank(avsOwner);
        vm.expectRevert(IECDSAStakeRegistry.InvalidQuorum.selector);
        registry.updateQuorumConfig(_quorum(0));
    }

    function test_updateQuorumConfig_revertsOnDuplicateStrategy() public {
        IECDSAStakeRegistry.StrategyParams[] memory q = new IECDSAStakeRegistry.StrategyParams[](2);
        q[0] = _quorum(1)[0];
        q[1] = _quorum(2)[0];
        vm.prank(avsOwner);
        vm.expectRevert(IECDSAStakeRegistry.InvalidQuorum.selector);
        registry.updateQuorumConfig(q);
    }

    function test_updateQuorumConfig_revertsOnDescendingStrategies() public {
        StrategyBase second = _secondStrategy();
        IECDSAStakeRegistry.StrategyParams[] memory q = _twoStrategyQuorum(second, 1, 1);
        (q[0], q[1]) = (q[1], q[0]);
        vm.prank(avsOwner);
        vm.expectRevert(IECDSAStakeRegistry.InvalidQuorum.selector);
        registry.updateQuorumConfig(q);
    }

    function test_updateQuorumConfig_revertsForNonOwner() public {
        IECDSAStakeRegistry.StrategyParams[] memory q = _quorum(1);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        registry.updateQuorumConfig(q);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // fuzz
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev Whatever the stakes, the total at every epoch equals the sum of the operators' weights then.
    function testFuzz_totalWeightEqualsSumOfWeights(uint96[4] memory stakes, uint8[4] memory actions) public {
        Op[] memory ops = new Op[](4);
        for (uint256 i; i < 4; ++i) {
            ops[i] = _newOperator(i + 1, bound(stakes[i], 1, 1e30));
            _register(ops[i]);
        }
        for (uint256 i; i < 4; ++i) {
            _warpToEpoch(uint32(i + 1));
            if (i % 2 == 1) _warpToGrace(uint32(i + 1));
            uint8 a = actions[i] % 3;
            if (a == 0) {
                vm.prank(ops[i].addr);
                registry.deregisterOperator();
            } else if (a == 1) {
                _depositStake(ops[i].addr, bound(stakes[(i + 1) % 4], 1, 1e30));
                _refresh(ops[i]);
            }
        }
        for (uint32 e; e < 8; ++e) {
            uint256 sum;
            for (uint256 i; i < 4; ++i) {
                sum += registry.getOperatorWeightAtEpoch(ops[i].addr, e);
            }
            assertEq(registry.getTotalWeightAtEpoch(e), sum);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // helpers
    // ---------------------------------------------------------------------------------------------------------------

    function _secondStrategy() internal returns (StrategyBase second) {
        vm.startPrank(elOwner);
        second = new StrategyBase(strategyManager, IERC20(address(stakeToken)));
        IStrategy[] memory list = new IStrategy[](1);
        list[0] = second;
        strategyManager.addStrategiesToDepositWhitelist(list);
        vm.stopPrank();
    }

    function _depositSecond(StrategyBase second, address staker, uint256 amount) internal {
        stakeToken.mint(staker, amount);
        vm.startPrank(staker);
        stakeToken.approve(address(strategyManager), amount);
        strategyManager.depositIntoStrategy(second, IERC20(address(stakeToken)), amount);
        vm.stopPrank();
    }

    /// @dev Quorum of `strategy` (multiplier a) and `second` (multiplier b), sorted ascending.
    function _twoStrategyQuorum(StrategyBase second, uint96 a, uint96 b)
        internal
        view
        returns (IECDSAStakeRegistry.StrategyParams[] memory q)
    {
        q = new IECDSAStakeRegistry.StrategyParams[](2);
        q[0] = IECDSAStakeRegistry.StrategyParams({strategy: IStrategy(address(strategy)), multiplier: a});
        q[1] = IECDSAStakeRegistry.StrategyParams({strategy: IStrategy(address(second)), multiplier: b});
        if (address(second) < address(strategy)) (q[0], q[1]) = (q[1], q[0]);
    }
}
