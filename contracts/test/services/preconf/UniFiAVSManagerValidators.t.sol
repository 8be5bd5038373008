// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IEigenPodTypes} from "../../../src/eigenlayer/IEigenPod.sol";
import {
    IUniFiAVSManagerErrors,
    IUniFiAVSManagerEvents,
    IUniFiAVSManagerTypes
} from "../../../src/services/preconf/IUniFiAVSManager.sol";
import {UniFiFixture} from "./UniFiFixture.sol";

/// @notice Validators of the UniFiAVSManager: registration from a delegated pod with each refusal, lookups by hash
///         and by beacon index, deregistration by the operator or (once the stake is gone) by anyone, and the
///         deregistration delay during which a validator stays registered.
contract UniFiAVSManagerValidatorsTest is UniFiFixture {
    // ------------------------------------------------------------------------------------------------ register

    function test_registerValidators_recordsEachValidator() public {
        _registerDefault(OPERATOR_KEY);
        bytes32[] memory hashes = _podWithValidators(podOwner, operator, 0, 3, 40);
        for (uint256 i; i < 3; ++i) {
            vm.expectEmit(address(unifi));
            emit IUniFiAVSManagerEvents.ValidatorRegistered(podOwner, operator, hashes[i], uint64(40 + i));
        }
        _registerValidators(operator, podOwner, hashes);

        assertEq(unifi.getOperator(operator).validatorCount, 3);
        for (uint256 i; i < 3; ++i) {
            IUniFiAVSManagerTypes.ValidatorDataExtended memory v = unifi.getValidator(hashes[i]);
            assertEq(v.operator, operator);
            assertEq(v.eigenPod, address(eigenPodManager.getPod(podOwner)));
            assertEq(v.validatorIndex, 40 + i);
            assertEq(uint8(v.status), uint8(IEigenPodTypes.VALIDATOR_STATUS.ACTIVE));
            assertEq(v.delegateKey, abi.encodePacked(delegate));
            assertEq(v.chainIDBitMap, BITMAP_1_2);
            assertTrue(v.backedByStake);
            assertTrue(v.registered);
            assertEq(v.registeredUntil, type(uint64).max);
            assertEq(unifi.getValidator(uint256(40 + i)).operator, operator, "by beacon index");
        }
    }

    function test_registerValidators_refusesACallerThatIsNotAnOperator() public {
        _registerDefault(OPERATOR_KEY);
        bytes32[] memory hashes = _podWithValidators(podOwner, operator, 0, 1, 0);
        vm.expectRevert(IUniFiAVSManagerErrors.NotOperator.selector);
        unifi.registerValidators(podOwner, hashes);
    }

    function test_registerValidators_refusesAPodOwnerWithoutAPod() public {
        _registerDefault(OPERATOR_KEY);
        _delegate(podOwner, operator);
        vm.prank(operator);
        vm.expectRevert(IUniFiAVSManagerErrors.NoEigenPod.selector);
        unifi.registerValidators(podOwner, _one(bytes32(uint256(1))));
    }

    function test_registerValidators_refusesAPodDelegatedElsewhere() public {
        _registerDefault(OPERATOR_KEY);
        _registerDefault(OTHER_OPERATOR_KEY);
        bytes32[] memory hashes = _podWithValidators(podOwner, otherOperator, 0, 1, 0);
        vm.prank(operator);
        vm.expectRevert(IUniFiAVSManagerErrors.NotDelegatedToOperator.selector);
        unifi.registerValidators(podOwner, hashes);
    }

    function test_registerValidators_refusesAnOperatorNotRegisteredToTheAVS() public {
        bytes32[] memory hashes = _podWithValidators(podOwner, operator, 0, 1, 0);
        vm.prank(operator);
        vm.expectRevert(IUniFiAVSManagerErrors.OperatorNotRegistered.selector);
        unifi.registerValidators(podOwner, hashes);
    }

    function test_registerValidators_refusesWithoutADelegateKeyInForce() public {
        _register(OPERATOR_KEY);
        bytes32[] memory hashes = _podWithValidators(podOwner, operator, 0, 1, 0);
        vm.prank(operator);
        vm.expectRevert(IUniFiAVSManagerErrors.DelegateKeyNotSet.selector);
        unifi.registerValidators(podOwner, hashes);

        // A pending key is not enough until its delay passes.
        vm.prank(operator);
        unifi.setOperatorCommitment(_commitment(delegate, BITMAP_1_2));
        vm.prank(operator);
        vm.expectRevert(IUniFiAVSManagerErrors.DelegateKeyNotSet.selector);
        unifi.registerValidators(podOwner, hashes);
        vm.roll(block.number + DELAY);
        _registerValidators(operator, podOwner, hashes);
        assertTrue(unifi.getValidator(hashes[0]).registered);
    }

    function test_registerValidators_refusesAValidatorNotActiveInThePod() public {
        _registerDefault(OPERATOR_KEY);
        bytes32[] memory hashes = _podWithValidators(podOwner, operator, 0, 1, 0);
        bytes32 unknown = _pubkeyHash(_validatorPubkey(99));
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(IUniFiAVSManagerErrors.ValidatorNotActive.selector, unknown));
        unifi.registerValidators(podOwner, _one(unknown));

        _withdrawValidator(hashes[0]);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(IUniFiAVSManagerErrors.ValidatorNotActive.selector, hashes[0]));
        unifi.registerValidators(podOwner, hashes);
    }

    function test_registerValidators_refusesAValidatorOfAnotherPod() public {
        _registerDefault(OPERATOR_KEY);
        address otherOwner = makeAddr("other pod owner");
        bytes32[] memory theirs = _podWithValidators(otherOwner, operator, 10, 1, 10);
        _podWithValidators(podOwner, operator, 0, 1, 0);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(IUniFiAVSManagerErrors.ValidatorNotActive.selector, theirs[0]));
        unifi.registerValidators(podOwner, theirs);
    }

    function test_registerValidators_refusesAValidatorAlreadyRegistered() public {
        bytes32[] memory hashes = _ready(1);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(IUniFiAVSManagerErrors.ValidatorAlreadyRegistered.selector, hashes[0]));
        unifi.registerValidators(podOwner, hashes);
    }

    function test_registerValidators_refusesTheSameValidatorTwiceInOneCall() public {
        _registerDefault(OPERATOR_KEY);
        bytes32[] memory one = _podWithValidators(podOwner, operator, 0, 1, 0);
        bytes32[] memory twice = new bytes32[](2);
        twice[0] = one[0];
        twice[1] = one[0];
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(IUniFiAVSManagerErrors.ValidatorAlreadyRegistered.selector, one[0]));
        unifi.registerValidators(podOwner, twice);
    }

    // ------------------------------------------------------------------------------------------------ lookups

    function test_getValidator_findsBeaconIndexZero() public {
        bytes32[] memory hashes = _ready(2);
        IUniFiAVSManagerTypes.ValidatorDataExtended memory v = unifi.getValidator(uint256(0));
        assertEq(v.operator, operator, "index 0 is a validator like any other");
        assertEq(v.validatorIndex, 0);
        assertEq(v.eigenPod, unifi.getValidator(hashes[0]).eigenPod);
        assertTrue(v.registered);
        assertEq(unifi.getValidator(uint256(1)).validatorIndex, 1);
    }

    function test_getValidator_unknownIsAllZero() public {
        _ready(1);
        _assertEmpty(unifi.getValidator(bytes32(uint256(0xdead))));
        _assertEmpty(unifi.getValidator(uint256(7)));
        _assertEmpty(unifi.getValidator(uint256(type(uint64).max) + 1));
    }

    function test_getValidators_readsEachInOrder() public {
        bytes32[] memory hashes = _ready(2);
        bytes32[] memory asked = new bytes32[](3);
        asked[0] = hashes[1];
        asked[1] = bytes32(uint256(0xdead));
        asked[2] = hashes[0];
        IUniFiAVSManagerTypes.ValidatorDataExtended[] memory vs = unifi.getValidators(asked);
        assertEq(vs.length, 3);
        assertEq(vs[0].validatorIndex, 1);
        _assertEmpty(vs[1]);
        assertEq(vs[2].validatorIndex, 0);
        assertEq(vs[2].operator, operator);
    }

    function test_getValidator_notBackedOnceUndelegatedOrWithdrawn() public {
        bytes32[] memory hashes = _ready(2);
        _withdrawValidator(hashes[0]);
        IUniFiAVSManagerTypes.ValidatorDataExtended memory v = unifi.getValidator(hashes[0]);
        assertEq(uint8(v.status), uint8(IEigenPodTypes.VALIDATOR_STATUS.WITHDRAWN));
        assertFalse(v.backedByStake);
        assertTrue(v.registered, "still registered until someone deregisters it");
        assertTrue(unifi.getValidator(hashes[1]).backedByStake);
        _undelegate(podOwner);
        assertFalse(unifi.getValidator(hashes[1]).backedByStake);
    }

    // ------------------------------------------------------------------------------------------------ deregister

    function test_deregisterValidators_byItsOperator() public {
        bytes32[] memory hashes = _ready(2);
        uint64 until = uint64(block.number) + DELAY;
        vm.expectEmit(address(unifi));
        emit IUniFiAVSManagerEvents.ValidatorDeregistered(operator, hashes[0], until);
        vm.prank(operator);
        unifi.deregisterValidators(_one(hashes[0]));
        IUniFiAVSManagerTypes.ValidatorDataExtended memory v = unifi.getValidator(hashes[0]);
        assertEq(v.registeredUntil, until);
        assertTrue(v.registered, "liable during the delay");
        assertEq(unifi.getOperator(operator).validatorCount, 1);
        vm.roll(until);
        assertFalse(unifi.getValidator(hashes[0]).registered);
        assertEq(unifi.getValidator(hashes[0]).operator, operator, "the record stays");
    }

    function test_deregisterValidators_byAnyoneOnceWithdrawn() public {
        bytes32[] memory hashes = _ready(1);
        _withdrawValidator(hashes[0]);
        vm.prank(makeAddr("anyone"));
        unifi.deregisterValidators(hashes);
        assertEq(unifi.getValidator(hashes[0]).registeredUntil, block.number + DELAY);
        assertEq(unifi.getOperator(operator).validatorCount, 0);
    }

    function test_deregisterValidators_byAnyoneOnceThePodOwnerUndelegated() public {
        bytes32[] memory hashes = _ready(1);
        _undelegate(podOwner);
        vm.prank(makeAddr("anyone"));
        unifi.deregisterValidators(hashes);
        assertEq(unifi.getOperator(operator).validatorCount, 0);
    }

    function test_deregisterValidators_refusesOthersWhileBackedByStake() public {
        bytes32[] memory hashes = _ready(1);
        vm.prank(otherOperator);
        vm.expectRevert(abi.encodeWithSelector(IUniFiAVSManagerErrors.NotValidatorOperator.selector, hashes[0]));
        unifi.deregisterValidators(hashes);
    }

    function test_deregisterValidators_refusesUnknownAndAlreadyDeregistering() public {
        bytes32[] memory hashes = _ready(1);
        bytes32 unknown = bytes32(uint256(0xdead));
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(IUniFiAVSManagerErrors.ValidatorNotFound.selector, unknown));
        unifi.deregisterValidators(_one(unknown));
        vm.prank(operator);
        unifi.deregisterValidators(hashes);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(IUniFiAVSManagerErrors.ValidatorNotFound.selector, hashes[0]));
        unifi.deregisterValidators(hashes);
    }

    function test_registerValidators_refusedInsideTheDelayAllowedAfter() public {
        bytes32[] memory hashes = _ready(1);
        vm.prank(operator);
        unifi.deregisterValidators(hashes);
        vm.roll(block.number + DELAY - 1);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(IUniFiAVSManagerErrors.ValidatorAlreadyRegistered.selector, hashes[0]));
        unifi.registerValidators(podOwner, hashes);

        // Past its delay it registers again (the original refused it for ever).
        vm.roll(block.number + 1);
        _registerValidators(operator, podOwner, hashes);
        IUniFiAVSManagerTypes.ValidatorDataExtended memory v = unifi.getValidator(hashes[0]);
        assertTrue(v.registered);
        assertEq(v.registeredUntil, type(uint64).max);
        assertEq(unifi.getOperator(operator).validatorCount, 1);
    }

    function test_registerValidators_withANewOperatorAfterRedelegation() public {
        bytes32[] memory hashes = _ready(1);
        _registerWith(OTHER_OPERATOR_KEY, _commitment(makeAddr("other delegate"), 1 << 5));
        _undelegate(podOwner);
        _delegate(podOwner, otherOperator);
        vm.prank(otherOperator);
        vm.expectRevert(abi.encodeWithSelector(IUniFiAVSManagerErrors.ValidatorAlreadyRegistered.selector, hashes[0]));
        unifi.registerValidators(podOwner, hashes);
        vm.prank(otherOperator);
        unifi.deregisterValidators(hashes);
        vm.roll(block.number + DELAY);
        _registerValidators(otherOperator, podOwner, hashes);
        assertEq(unifi.getValidator(hashes[0]).operator, otherOperator);
        assertEq(unifi.getOperator(operator).validatorCount, 0);
        assertEq(unifi.getOperator(otherOperator).validatorCount, 1);
        assertEq(unifi.getValidator(hashes[0]).chainIDBitMap, 1 << 5, "the new operator's commitment");
    }

    /// @notice A deregistered validator is registered exactly while block.number < deregistration block + delay.
    function testFuzz_registered_untilTheDelayPasses(uint64 delay, uint256 elapsed) public {
        delay = uint64(bound(delay, 1, 100_000));
        elapsed = bound(elapsed, 0, 200_000);
        vm.prank(registryOwner);
        unifi.setDeregistrationDelay(delay);
        bytes32[] memory hashes = _ready(1);
        uint256 deregisteredAt = block.number;
        vm.prank(operator);
        unifi.deregisterValidators(hashes);
        vm.roll(deregisteredAt + elapsed);
        IUniFiAVSManagerTypes.ValidatorDataExtended memory v = unifi.getValidator(hashes[0]);
        assertEq(v.registeredUntil, deregisteredAt + delay);
        assertEq(v.registered, elapsed < delay);
        assertEq(unifi.isValidatorInChainId(hashes[0], CHAIN_1), elapsed < delay);
    }

    function _assertEmpty(IUniFiAVSManagerTypes.ValidatorDataExtended memory v) internal pure {
        assertEq(v.operator, address(0));
        assertEq(v.eigenPod, address(0));
        assertEq(v.validatorIndex, 0);
        assertEq(uint8(v.status), 0);
        assertEq(v.delegateKey.length, 0);
        assertEq(v.chainIDBitMap, 0);
        assertFalse(v.backedByStake);
        assertFalse(v.registered);
        assertEq(v.registeredUntil, 0);
    }
}
