// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {
    IAVSDirectory,
    IAVSDirectoryErrors,
    IAVSDirectoryEvents,
    IAVSDirectoryTypes
} from "../../../src/eigenlayer/IAVSDirectory.sol";
import {ISignatureUtilsMixinTypes} from "../../../src/eigenlayer/ISignatureUtilsMixin.sol";
import {IDelegationManager} from "../../../src/eigenlayer/IDelegationManager.sol";
import {IEigenPodManager} from "../../../src/eigenlayer/IEigenPodManager.sol";
import {UniFiAVSManager} from "../../../src/services/preconf/UniFiAVSManager.sol";
import {
    IUniFiAVSManagerErrors,
    IUniFiAVSManagerEvents,
    IUniFiAVSManagerTypes
} from "../../../src/services/preconf/IUniFiAVSManager.sol";
import {UniFiFixture} from "./UniFiFixture.sol";

/// @notice Operators of the UniFiAVSManager: registration through the AVSDirectory, commitments and their delay,
///         deregistration in two steps, and the owner's settings.
contract UniFiAVSManagerOperatorsTest is UniFiFixture {
    function _assertCommitment(
        IUniFiAVSManagerTypes.OperatorCommitment memory actual,
        IUniFiAVSManagerTypes.OperatorCommitment memory expected,
        string memory what
    ) internal pure {
        assertEq(actual.delegateKey, expected.delegateKey, what);
        assertEq(actual.chainIDBitMap, expected.chainIDBitMap, what);
    }

    // ------------------------------------------------------------------------------------------------ deployment

    function test_constructor_setsDependenciesDelayAndOwner() public view {
        assertEq(address(unifi.eigenPodManager()), address(eigenPodManager));
        assertEq(address(unifi.delegationManager()), address(delegationManager));
        assertEq(address(unifi.avsDirectory()), address(avsDirectory));
        assertEq(unifi.getDeregistrationDelay(), DELAY);
        assertEq(unifi.owner(), registryOwner);
    }

    function test_constructor_refusesZeroDelay() public {
        vm.expectRevert(IUniFiAVSManagerErrors.InvalidDeregistrationDelay.selector);
        new UniFiAVSManager(eigenPodManager, delegationManager, avsDirectory, 0, new uint256[](0), "", registryOwner);
    }

    function test_constructor_refusesZeroAddress() public {
        vm.expectRevert(IUniFiAVSManagerErrors.InvalidAddressZero.selector);
        new UniFiAVSManager(IEigenPodManager(address(0)), delegationManager, avsDirectory, DELAY, new uint256[](0), "", registryOwner);
        vm.expectRevert(IUniFiAVSManagerErrors.InvalidAddressZero.selector);
        new UniFiAVSManager(eigenPodManager, IDelegationManager(address(0)), avsDirectory, DELAY, new uint256[](0), "", registryOwner);
        vm.expectRevert(IUniFiAVSManagerErrors.InvalidAddressZero.selector);
        new UniFiAVSManager(eigenPodManager, delegationManager, IAVSDirectory(address(0)), DELAY, new uint256[](0), "", registryOwner);
    }

    function test_constructor_mapsInitialChainIDsFromPositionOne() public {
        uint256[] memory ids = new uint256[](3);
        (ids[0], ids[1], ids[2]) = (31337, 31338, 901);
        UniFiAVSManager registry =
            new UniFiAVSManager(eigenPodManager, delegationManager, avsDirectory, DELAY, ids, "", registryOwner);
        assertEq(registry.getChainID(0), 0);
        for (uint8 i = 1; i <= 3; i++) {
            assertEq(registry.getChainID(i), ids[i - 1]);
            assertEq(registry.getBitmapIndex(ids[i - 1]), i);
        }
        assertEq(registry.bitmapToChainIDs(type(uint256).max), ids);
    }

    function test_constructor_publishesTheMetadataURIThroughTheAVSDirectory() public {
        address predicted = vm.computeCreateAddress(address(this), vm.getNonce(address(this)));
        vm.expectEmit(address(avsDirectory));
        emit IAVSDirectoryEvents.AVSMetadataURIUpdated(predicted, "https://example.invalid/preconf.json");
        new UniFiAVSManager(
            eigenPodManager, delegationManager, avsDirectory, DELAY, new uint256[](0), "https://example.invalid/preconf.json", registryOwner
        );
    }

    function test_constructor_refusesAZeroOrRepeatedInitialChainID() public {
        uint256[] memory ids = new uint256[](2);
        (ids[0], ids[1]) = (5, 0);
        vm.expectRevert(IUniFiAVSManagerErrors.InvalidChainID.selector);
        new UniFiAVSManager(eigenPodManager, delegationManager, avsDirectory, DELAY, ids, "", registryOwner);
        (ids[0], ids[1]) = (5, 5);
        vm.expectRevert(IUniFiAVSManagerErrors.InvalidChainID.selector);
        new UniFiAVSManager(eigenPodManager, delegationManager, avsDirectory, DELAY, ids, "", registryOwner);
    }

    // ------------------------------------------------------------------------------------------------ registration

    function test_registerOperator_registersInTheAVSDirectory() public {
        vm.expectEmit(address(avsDirectory));
        emit IAVSDirectoryEvents.OperatorAVSRegistrationStatusUpdated(
            operator, address(unifi), IAVSDirectoryTypes.OperatorAVSRegistrationStatus.REGISTERED
        );
        vm.expectEmit(address(unifi));
        emit IUniFiAVSManagerEvents.OperatorRegistered(operator);
        _register(OPERATOR_KEY);
        assertEq(
            uint8(avsDirectory.avsOperatorStatus(address(unifi), operator)),
            uint8(IAVSDirectoryTypes.OperatorAVSRegistrationStatus.REGISTERED)
        );
        IUniFiAVSManagerTypes.OperatorDataExtended memory data = unifi.getOperator(operator);
        assertTrue(data.isRegistered);
        assertEq(data.commitment.delegateKey.length, 0, "no commitment yet");
        assertEq(data.validatorCount, 0);
    }

    function test_registerOperator_refusesAnOperatorAlreadyRegistered() public {
        _register(OPERATOR_KEY);
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory sig = _sig(OPERATOR_KEY, bytes32(uint256(7)));
        vm.prank(operator);
        vm.expectRevert(IUniFiAVSManagerErrors.OperatorAlreadyRegistered.selector);
        unifi.registerOperator(sig);
    }

    function test_registerOperator_passesTheAVSDirectoryErrorsThrough() public {
        uint256 strangerKey = 0x5757;
        address stranger = vm.addr(strangerKey);
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory sig = _sig(strangerKey, bytes32(0));
        vm.prank(stranger);
        vm.expectRevert(IAVSDirectoryErrors.OperatorNotRegisteredToEigenLayer.selector);
        unifi.registerOperator(sig);
    }

    function test_registerOperatorWithCommitment_putsTheCommitmentInForceAtOnce() public {
        IUniFiAVSManagerTypes.OperatorCommitment memory c = _commitment(delegate, BITMAP_1_2);
        vm.expectEmit(address(unifi));
        emit IUniFiAVSManagerEvents.OperatorRegisteredWithCommitment(operator, c);
        _registerWith(OPERATOR_KEY, c);
        IUniFiAVSManagerTypes.OperatorDataExtended memory data = unifi.getOperator(operator);
        assertTrue(data.isRegistered);
        _assertCommitment(data.commitment, c, "in force");
        assertEq(data.commitmentValidAfter, 0);
        assertEq(data.pendingCommitment.delegateKey.length, 0);
    }

    function test_registerOperatorWithCommitment_refusesAnEmptyDelegateKey() public {
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory sig = _sig(OPERATOR_KEY, bytes32(0));
        IUniFiAVSManagerTypes.OperatorCommitment memory c =
            IUniFiAVSManagerTypes.OperatorCommitment({delegateKey: "", chainIDBitMap: BITMAP_1_2});
        vm.prank(operator);
        vm.expectRevert(IUniFiAVSManagerErrors.InvalidCommitment.selector);
        unifi.registerOperatorWithCommitment(sig, c);
    }

    function test_registerOperatorWithCommitment_refusesBitZero() public {
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory sig = _sig(OPERATOR_KEY, bytes32(0));
        IUniFiAVSManagerTypes.OperatorCommitment memory c = _commitment(delegate, BITMAP_1_2 | 1);
        vm.prank(operator);
        vm.expectRevert(IUniFiAVSManagerErrors.InvalidCommitment.selector);
        unifi.registerOperatorWithCommitment(sig, c);
    }

    function test_registerOperatorWithCommitment_refusesAnOperatorAlreadyRegistered() public {
        _register(OPERATOR_KEY);
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory sig = _sig(OPERATOR_KEY, bytes32(uint256(7)));
        IUniFiAVSManagerTypes.OperatorCommitment memory c = _commitment(delegate, BITMAP_1_2);
        vm.prank(operator);
        vm.expectRevert(IUniFiAVSManagerErrors.OperatorAlreadyRegistered.selector);
        unifi.registerOperatorWithCommitment(sig, c);
    }

    // ------------------------------------------------------------------------------------------------ commitments

    function test_setOperatorCommitment_isPendingUntilTheDelayPasses() public {
        IUniFiAVSManagerTypes.OperatorCommitment memory old = _commitment(delegate, BITMAP_1_2);
        IUniFiAVSManagerTypes.OperatorCommitment memory next = _commitment(makeAddr("next key"), 1 << 5);
        _registerWith(OPERATOR_KEY, old);
        uint64 validAfter = uint64(block.number) + DELAY;
        vm.expectEmit(address(unifi));
        emit IUniFiAVSManagerEvents.OperatorCommitmentChangeInitiated(operator, old, next, validAfter);
        vm.prank(operator);
        unifi.setOperatorCommitment(next);

        IUniFiAVSManagerTypes.OperatorDataExtended memory data = unifi.getOperator(operator);
        _assertCommitment(data.commitment, old, "old still in force");
        _assertCommitment(data.pendingCommitment, next, "pending");
        assertEq(data.commitmentValidAfter, validAfter);

        vm.roll(validAfter - 1);
        _assertCommitment(unifi.getOperator(operator).commitment, old, "one block before");
        vm.roll(validAfter);
        data = unifi.getOperator(operator);
        _assertCommitment(data.commitment, next, "in force from validAfter without an update");
        assertEq(data.pendingCommitment.delegateKey.length, 0, "no longer pending");
        assertEq(data.commitmentValidAfter, 0);
    }

    function test_setOperatorCommitment_refusesAnUnregisteredOperator() public {
        IUniFiAVSManagerTypes.OperatorCommitment memory c = _commitment(delegate, BITMAP_1_2);
        vm.prank(operator);
        vm.expectRevert(IUniFiAVSManagerErrors.OperatorNotRegistered.selector);
        unifi.setOperatorCommitment(c);
    }

    function test_setOperatorCommitment_refusesAnInvalidCommitment() public {
        _register(OPERATOR_KEY);
        IUniFiAVSManagerTypes.OperatorCommitment memory bit0 = _commitment(delegate, 1);
        vm.prank(operator);
        vm.expectRevert(IUniFiAVSManagerErrors.InvalidCommitment.selector);
        unifi.setOperatorCommitment(bit0);
    }

    function test_updateOperatorCommitment_refusedBeforeTheDelay() public {
        _registerDefault(OPERATOR_KEY);
        vm.prank(operator);
        unifi.setOperatorCommitment(_commitment(makeAddr("next key"), 1 << 5));
        vm.roll(block.number + DELAY - 1);
        vm.prank(operator);
        vm.expectRevert(IUniFiAVSManagerErrors.CommitmentChangeNotReady.selector);
        unifi.updateOperatorCommitment();
    }

    function test_updateOperatorCommitment_refusedWithNothingPending() public {
        _registerDefault(OPERATOR_KEY);
        vm.prank(operator);
        vm.expectRevert(IUniFiAVSManagerErrors.CommitmentChangeNotReady.selector);
        unifi.updateOperatorCommitment();
    }

    function test_updateOperatorCommitment_refusesAnUnregisteredOperator() public {
        vm.prank(operator);
        vm.expectRevert(IUniFiAVSManagerErrors.OperatorNotRegistered.selector);
        unifi.updateOperatorCommitment();
    }

    function test_updateOperatorCommitment_writesThePendingCommitmentDown() public {
        IUniFiAVSManagerTypes.OperatorCommitment memory old = _commitment(delegate, BITMAP_1_2);
        IUniFiAVSManagerTypes.OperatorCommitment memory next = _commitment(makeAddr("next key"), 1 << 5);
        _registerWith(OPERATOR_KEY, old);
        vm.prank(operator);
        unifi.setOperatorCommitment(next);
        vm.roll(block.number + DELAY);
        vm.expectEmit(address(unifi));
        emit IUniFiAVSManagerEvents.OperatorCommitmentSet(operator, old, next);
        vm.prank(operator);
        unifi.updateOperatorCommitment();
        IUniFiAVSManagerTypes.OperatorDataExtended memory data = unifi.getOperator(operator);
        _assertCommitment(data.commitment, next, "written down");
        assertEq(data.commitmentValidAfter, 0);
        vm.prank(operator);
        vm.expectRevert(IUniFiAVSManagerErrors.CommitmentChangeNotReady.selector);
        unifi.updateOperatorCommitment();
    }

    /// @dev Regression: overwriting a matured pending commitment used to put the one before it back in force
    ///      until the new one matured, so an operator could revive a commitment it had already replaced.
    function test_setOperatorCommitment_neverRevivesAnOlderCommitment() public {
        IUniFiAVSManagerTypes.OperatorCommitment memory c0 = _commitment(delegate, BITMAP_1_2);
        IUniFiAVSManagerTypes.OperatorCommitment memory a = _commitment(makeAddr("key a"), 1 << 5);
        IUniFiAVSManagerTypes.OperatorCommitment memory b = _commitment(makeAddr("key b"), 1 << 2);
        _registerWith(OPERATOR_KEY, c0);
        vm.prank(operator);
        unifi.setOperatorCommitment(a);
        vm.roll(block.number + DELAY);
        _assertCommitment(unifi.getOperator(operator).commitment, a, "a in force");

        vm.expectEmit(address(unifi));
        emit IUniFiAVSManagerEvents.OperatorCommitmentSet(operator, c0, a);
        vm.expectEmit(address(unifi));
        emit IUniFiAVSManagerEvents.OperatorCommitmentChangeInitiated(operator, a, b, uint64(block.number) + DELAY);
        vm.prank(operator);
        unifi.setOperatorCommitment(b);

        IUniFiAVSManagerTypes.OperatorDataExtended memory data = unifi.getOperator(operator);
        _assertCommitment(data.commitment, a, "a stays in force, c0 is not revived");
        _assertCommitment(data.pendingCommitment, b, "b pending");
        vm.roll(block.number + DELAY);
        _assertCommitment(unifi.getOperator(operator).commitment, b, "then b");
    }

    function test_setOperatorCommitment_replacesAPendingCommitmentStillInItsDelay() public {
        IUniFiAVSManagerTypes.OperatorCommitment memory c0 = _commitment(delegate, BITMAP_1_2);
        IUniFiAVSManagerTypes.OperatorCommitment memory b = _commitment(makeAddr("key b"), 1 << 2);
        _registerWith(OPERATOR_KEY, c0);
        vm.prank(operator);
        unifi.setOperatorCommitment(_commitment(makeAddr("key a"), 1 << 5));
        vm.roll(block.number + DELAY - 1);
        vm.prank(operator);
        unifi.setOperatorCommitment(b);
        IUniFiAVSManagerTypes.OperatorDataExtended memory data = unifi.getOperator(operator);
        _assertCommitment(data.commitment, c0, "c0 still in force");
        _assertCommitment(data.pendingCommitment, b, "a replaced by b");
        assertEq(data.commitmentValidAfter, block.number + DELAY, "a new delay");
    }

    // ------------------------------------------------------------------------------------------------ deregistration

    function test_startDeregisterOperator_refusesAnUnregisteredOperator() public {
        vm.prank(operator);
        vm.expectRevert(IUniFiAVSManagerErrors.OperatorNotRegistered.selector);
        unifi.startDeregisterOperator();
    }

    function test_startDeregisterOperator_refusesAnOperatorWithValidators() public {
        _ready(1);
        vm.prank(operator);
        vm.expectRevert(IUniFiAVSManagerErrors.OperatorHasValidators.selector);
        unifi.startDeregisterOperator();
    }

    function test_startDeregisterOperator_refusesASecondStart() public {
        _registerDefault(OPERATOR_KEY);
        vm.expectEmit(address(unifi));
        emit IUniFiAVSManagerEvents.OperatorDeregisterStarted(operator, uint64(block.number));
        vm.prank(operator);
        unifi.startDeregisterOperator();
        assertEq(unifi.getOperator(operator).startDeregisterOperatorBlock, block.number);
        vm.prank(operator);
        vm.expectRevert(IUniFiAVSManagerErrors.DeregistrationAlreadyStarted.selector);
        unifi.startDeregisterOperator();
    }

    function test_finishDeregisterOperator_refusesAnUnregisteredOperator() public {
        vm.prank(operator);
        vm.expectRevert(IUniFiAVSManagerErrors.OperatorNotRegistered.selector);
        unifi.finishDeregisterOperator();
    }

    function test_finishDeregisterOperator_refusedWhenNotStarted() public {
        _registerDefault(OPERATOR_KEY);
        vm.prank(operator);
        vm.expectRevert(IUniFiAVSManagerErrors.DeregistrationNotStarted.selector);
        unifi.finishDeregisterOperator();
    }

    function test_finishDeregisterOperator_refusedBeforeTheDelay() public {
        _registerDefault(OPERATOR_KEY);
        vm.prank(operator);
        unifi.startDeregisterOperator();
        vm.roll(block.number + DELAY - 1);
        vm.prank(operator);
        vm.expectRevert(IUniFiAVSManagerErrors.DeregistrationDelayNotElapsed.selector);
        unifi.finishDeregisterOperator();
    }

    function test_finishDeregisterOperator_deregistersFromTheAVSDirectoryAndDeletesTheOperator() public {
        bytes32[] memory hashes = _ready(1);
        vm.prank(operator);
        unifi.deregisterValidators(hashes);
        vm.prank(operator);
        unifi.startDeregisterOperator();
        vm.roll(block.number + DELAY);
        vm.expectEmit(address(unifi));
        emit IUniFiAVSManagerEvents.OperatorDeregistered(operator);
        vm.expectEmit(address(avsDirectory));
        emit IAVSDirectoryEvents.OperatorAVSRegistrationStatusUpdated(
            operator, address(unifi), IAVSDirectoryTypes.OperatorAVSRegistrationStatus.UNREGISTERED
        );
        vm.prank(operator);
        unifi.finishDeregisterOperator();

        assertEq(
            uint8(avsDirectory.avsOperatorStatus(address(unifi), operator)),
            uint8(IAVSDirectoryTypes.OperatorAVSRegistrationStatus.UNREGISTERED)
        );
        IUniFiAVSManagerTypes.OperatorDataExtended memory data = unifi.getOperator(operator);
        assertFalse(data.isRegistered);
        assertEq(data.commitment.delegateKey.length, 0, "commitment deleted");
        assertEq(data.startDeregisterOperatorBlock, 0);
        assertFalse(unifi.getValidator(hashes[0]).registered, "its validator is past its delay");

        // It may come back, with a fresh signature.
        _register(OPERATOR_KEY);
        assertTrue(unifi.getOperator(operator).isRegistered);
    }

    function test_finishDeregisterOperator_waitsForItsValidatorsEvenAfterTheDelayShrank() public {
        bytes32[] memory hashes = _ready(1);
        vm.prank(operator);
        unifi.deregisterValidators(hashes); // liable until now + DELAY
        uint256 liableUntil = block.number + DELAY;
        vm.prank(registryOwner);
        unifi.setDeregistrationDelay(1);
        vm.prank(operator);
        unifi.startDeregisterOperator();
        vm.roll(liableUntil - 1);
        vm.prank(operator);
        vm.expectRevert(IUniFiAVSManagerErrors.DeregistrationDelayNotElapsed.selector);
        unifi.finishDeregisterOperator();
        assertTrue(unifi.isValidatorInChainId(hashes[0], CHAIN_1), "its commitment still stands");
        vm.roll(liableUntil);
        vm.prank(operator);
        unifi.finishDeregisterOperator();
        assertFalse(unifi.getOperator(operator).isRegistered);
    }

    function test_registerValidators_cancelsAStartedDeregistration() public {
        _registerDefault(OPERATOR_KEY);
        bytes32[] memory hashes = _podWithValidators(podOwner, operator, 0, 1, 0);
        vm.prank(operator);
        unifi.startDeregisterOperator();
        vm.expectEmit(address(unifi));
        emit UniFiAVSManager.OperatorDeregisterCancelled(operator);
        _registerValidators(operator, podOwner, hashes);
        assertEq(unifi.getOperator(operator).startDeregisterOperatorBlock, 0);
        vm.roll(block.number + DELAY);
        vm.prank(operator);
        vm.expectRevert(IUniFiAVSManagerErrors.DeregistrationNotStarted.selector);
        unifi.finishDeregisterOperator();
    }

    // ------------------------------------------------------------------------------------------------ owner

    function test_setDeregistrationDelay_setsAndEmits() public {
        vm.expectEmit(address(unifi));
        emit IUniFiAVSManagerEvents.DeregistrationDelaySet(DELAY, 7);
        vm.prank(registryOwner);
        unifi.setDeregistrationDelay(7);
        assertEq(unifi.getDeregistrationDelay(), 7);
    }

    function test_setDeregistrationDelay_refusesZero() public {
        vm.prank(registryOwner);
        vm.expectRevert(IUniFiAVSManagerErrors.InvalidDeregistrationDelay.selector);
        unifi.setDeregistrationDelay(0);
    }

    function test_ownerFunctions_refuseOthers() public {
        bytes memory notOwner = abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this));
        vm.expectRevert(notOwner);
        unifi.setDeregistrationDelay(7);
        vm.expectRevert(notOwner);
        unifi.setChainID(3, 137);
        vm.expectRevert(notOwner);
        unifi.updateAVSMetadataURI("ipfs://x");
    }

    function test_updateAVSMetadataURI_emitsThroughTheAVSDirectory() public {
        vm.expectEmit(address(avsDirectory));
        emit IAVSDirectoryEvents.AVSMetadataURIUpdated(address(unifi), "ipfs://unifi");
        vm.prank(registryOwner);
        unifi.updateAVSMetadataURI("ipfs://unifi");
    }

    function test_ownership_movesInTwoSteps() public {
        address next = makeAddr("next owner");
        vm.prank(registryOwner);
        unifi.transferOwnership(next);
        assertEq(unifi.owner(), registryOwner, "until accepted");
        vm.prank(next);
        unifi.acceptOwnership();
        assertEq(unifi.owner(), next);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /// @dev The AVS registration signature of `key` with `salt`, expiring in an hour.
    function _sig(uint256 key, bytes32 salt)
        internal
        view
        returns (ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory)
    {
        return _signAVSRegistration(key, address(unifi), salt, block.timestamp + 1 hours);
    }
}
