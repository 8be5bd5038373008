// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {EigenLayerDeployer} from "./EigenLayerDeployer.sol";
import {EigenPod} from "../../../devnet/eigenlayer/EigenPod.sol";
import {EigenPodManager} from "../../../devnet/eigenlayer/EigenPodManager.sol";
import {IEigenPod, IEigenPodEvents, IEigenPodTypes} from "../../../src/eigenlayer/IEigenPod.sol";
import {IEigenPodManagerErrors, IEigenPodManagerEvents} from "../../../src/eigenlayer/IEigenPodManager.sol";

/// @notice The devnet EigenPodManager and EigenPods: pods at predicted CREATE2 addresses, one per owner, validators
///         activated and withdrawn only by the beacon-chain oracle, keyed by sha256(pubkey ‖ bytes16(0)), each pubkey
///         and beacon index in one pod at most, and the pod owner's beacon-chain shares.
contract EigenPodManagerTest is EigenLayerDeployer {
    address internal owner = makeAddr("pod owner");
    address internal otherOwner = makeAddr("other pod owner");

    function setUp() public override {
        super.setUp();
        vm.warp(1_700_000_000);
    }

    // ------------------------------------------------------------------------------------------------ pods

    function test_createPod_deploysAtTheAddressGetPodPredicted() public {
        IEigenPod predicted = eigenPodManager.getPod(owner);
        assertFalse(eigenPodManager.hasPod(owner));
        assertEq(address(eigenPodManager.ownerToPod(owner)), address(0));
        assertEq(address(predicted).code.length, 0);

        vm.expectEmit(address(eigenPodManager));
        emit IEigenPodManagerEvents.PodDeployed(address(predicted), owner);
        address pod = _makePod(owner);

        assertEq(pod, address(predicted));
        assertTrue(eigenPodManager.hasPod(owner));
        assertEq(address(eigenPodManager.ownerToPod(owner)), pod);
        assertEq(address(eigenPodManager.getPod(owner)), pod);
        assertEq(IEigenPod(pod).podOwner(), owner);
        assertEq(EigenPod(pod).eigenPodManager(), address(eigenPodManager));
        assertEq(IEigenPod(pod).activeValidatorCount(), 0);
        assertTrue(eigenPodManager.IS_DEVNET());
    }

    function testFuzz_getPod_predictsEveryOwnersPod(address anyOwner) public {
        vm.assume(anyOwner != address(0));
        IEigenPod predicted = eigenPodManager.getPod(anyOwner);
        vm.prank(anyOwner);
        assertEq(eigenPodManager.createPod(), address(predicted));
    }

    function test_createPod_refusesASecondPod() public {
        _makePod(owner);
        vm.prank(owner);
        vm.expectRevert(IEigenPodManagerErrors.EigenPodAlreadyExists.selector);
        eigenPodManager.createPod();
    }

    function test_getPod_differsPerOwner() public view {
        assertTrue(address(eigenPodManager.getPod(owner)) != address(eigenPodManager.getPod(otherOwner)));
    }

    // ------------------------------------------------------------------------------------------------ activation

    function test_devnetActivateValidator_makesItActiveWith32Ether() public {
        address pod = _makePod(owner);
        bytes memory pubkey = _validatorPubkey(1);
        bytes32 hash = _pubkeyHash(pubkey);
        vm.expectEmit(pod);
        emit IEigenPodEvents.ValidatorRestaked(7);
        vm.expectEmit(address(eigenPodManager));
        emit EigenPodManager.DevnetValidatorActivated(pod, hash, 7, pubkey);
        _activateValidator(owner, pubkey, 7);

        IEigenPodTypes.ValidatorInfo memory info = IEigenPod(pod).validatorPubkeyHashToInfo(hash);
        assertEq(info.validatorIndex, 7);
        assertEq(info.restakedBalanceGwei, 32e9);
        assertEq(info.lastCheckpointedAt, block.timestamp);
        assertEq(uint8(info.status), uint8(IEigenPodTypes.VALIDATOR_STATUS.ACTIVE));
        assertEq(eigenPodManager.validatorPod(hash), pod);
        assertEq(eigenPodManager.podOwnerDepositShares(owner), 32 ether);
        assertEq(IEigenPod(pod).activeValidatorCount(), 1);
    }

    function test_devnetActivateValidator_onlyTheOracle() public {
        _makePod(owner);
        bytes memory pubkey = _validatorPubkey(1);
        vm.expectRevert(EigenPodManager.OnlyBeaconChainOracle.selector);
        eigenPodManager.devnetActivateValidator(owner, pubkey, 1);
        vm.prank(owner);
        vm.expectRevert(EigenPodManager.OnlyBeaconChainOracle.selector);
        eigenPodManager.devnetActivateValidator(owner, pubkey, 1);
    }

    function test_devnetActivateValidator_refusesAPubkeyThatIsNot48Bytes() public {
        _makePod(owner);
        vm.prank(elBeaconChainOracle);
        vm.expectRevert(EigenPodManager.InvalidPubkeyLength.selector);
        eigenPodManager.devnetActivateValidator(owner, new bytes(47), 1);
        vm.prank(elBeaconChainOracle);
        vm.expectRevert(EigenPodManager.InvalidPubkeyLength.selector);
        eigenPodManager.devnetActivateValidator(owner, new bytes(64), 1);
    }

    function test_devnetActivateValidator_refusesAnOwnerWithoutAPod() public {
        bytes memory pubkey = _validatorPubkey(1);
        vm.prank(elBeaconChainOracle);
        vm.expectRevert(EigenPodManager.PodDoesNotExist.selector);
        eigenPodManager.devnetActivateValidator(owner, pubkey, 1);
    }

    function test_devnetActivateValidator_refusesADuplicatePubkeyInAnyPod() public {
        _makePod(owner);
        _makePod(otherOwner);
        bytes memory pubkey = _validatorPubkey(1);
        _activateValidator(owner, pubkey, 1);
        vm.prank(elBeaconChainOracle);
        vm.expectRevert(EigenPodManager.ValidatorAlreadyExists.selector);
        eigenPodManager.devnetActivateValidator(owner, pubkey, 2);
        vm.prank(elBeaconChainOracle);
        vm.expectRevert(EigenPodManager.ValidatorAlreadyExists.selector);
        eigenPodManager.devnetActivateValidator(otherOwner, pubkey, 2);
    }

    function test_devnetActivateValidator_refusesADuplicateBeaconIndex() public {
        _makePod(owner);
        _makePod(otherOwner);
        _activateValidator(owner, _validatorPubkey(1), 5);
        bytes memory other = _validatorPubkey(2);
        vm.prank(elBeaconChainOracle);
        vm.expectRevert(EigenPodManager.ValidatorAlreadyExists.selector);
        eigenPodManager.devnetActivateValidator(otherOwner, other, 5);
    }

    function test_devnetActivateValidator_indexZeroIsAValidatorLikeAnyOther() public {
        address pod = _makePod(owner);
        bytes32 hash = _activateValidator(owner, _validatorPubkey(1), 0);
        IEigenPodTypes.ValidatorInfo memory info = IEigenPod(pod).validatorPubkeyHashToInfo(hash);
        assertEq(info.validatorIndex, 0);
        assertEq(uint8(info.status), uint8(IEigenPodTypes.VALIDATOR_STATUS.ACTIVE));
        bytes memory other = _validatorPubkey(2);
        vm.prank(elBeaconChainOracle);
        vm.expectRevert(EigenPodManager.ValidatorAlreadyExists.selector);
        eigenPodManager.devnetActivateValidator(owner, other, 0);
    }

    // ------------------------------------------------------------------------------------------------ keying

    function test_validators_areKeyedBySha256OfThePaddedPubkey() public {
        address pod = _makePod(owner);
        bytes memory pubkey = _validatorPubkey(3);
        _activateValidator(owner, pubkey, 3);
        bytes32 sha = sha256(abi.encodePacked(pubkey, bytes16(0)));
        IEigenPod p = IEigenPod(pod);

        assertEq(p.validatorPubkeyToInfo(pubkey).validatorIndex, 3);
        assertEq(p.validatorPubkeyHashToInfo(sha).validatorIndex, 3);
        assertEq(uint8(p.validatorStatus(sha)), uint8(IEigenPodTypes.VALIDATOR_STATUS.ACTIVE), "bytes32 overload");
        assertEq(uint8(p.validatorStatus(pubkey)), uint8(IEigenPodTypes.VALIDATOR_STATUS.ACTIVE), "bytes overload");
        assertEq(uint8(p.validatorStatus(keccak256(pubkey))), 0, "not keccak256");
        assertEq(uint8(p.validatorStatus(sha256(pubkey))), 0, "not sha256 of the unpadded pubkey");
        assertEq(uint8(p.validatorStatus(_validatorPubkey(4))), 0, "unknown pubkey");
        assertEq(p.validatorPubkeyToInfo(new bytes(47)).restakedBalanceGwei, 0, "a short pubkey is unknown");
    }

    // ------------------------------------------------------------------------------------------------ withdrawal

    function test_devnetWithdrawValidator_withdrawsItsBalance() public {
        address pod = _makePod(owner);
        bytes32 first = _activateValidator(owner, _validatorPubkey(1), 1);
        _activateValidator(owner, _validatorPubkey(2), 2);
        assertEq(eigenPodManager.podOwnerDepositShares(owner), 64 ether);
        vm.warp(block.timestamp + 1 days);

        vm.expectEmit(pod);
        emit IEigenPodEvents.ValidatorWithdrawn(uint64(block.timestamp), 1);
        vm.expectEmit(address(eigenPodManager));
        emit EigenPodManager.DevnetValidatorWithdrawn(pod, first);
        _withdrawValidator(first);

        IEigenPodTypes.ValidatorInfo memory info = IEigenPod(pod).validatorPubkeyHashToInfo(first);
        assertEq(uint8(info.status), uint8(IEigenPodTypes.VALIDATOR_STATUS.WITHDRAWN));
        assertEq(info.restakedBalanceGwei, 0);
        assertEq(info.lastCheckpointedAt, block.timestamp);
        assertEq(info.validatorIndex, 1, "the index stays");
        assertEq(eigenPodManager.podOwnerDepositShares(owner), 32 ether);
        assertEq(IEigenPod(pod).activeValidatorCount(), 1);
    }

    function test_devnetWithdrawValidator_onlyTheOracle() public {
        _makePod(owner);
        bytes32 hash = _activateValidator(owner, _validatorPubkey(1), 1);
        vm.prank(owner);
        vm.expectRevert(EigenPodManager.OnlyBeaconChainOracle.selector);
        eigenPodManager.devnetWithdrawValidator(hash);
    }

    function test_devnetWithdrawValidator_refusesUnknownOrAlreadyWithdrawn() public {
        _makePod(owner);
        bytes32 hash = _activateValidator(owner, _validatorPubkey(1), 1);
        vm.prank(elBeaconChainOracle);
        vm.expectRevert(EigenPodManager.ValidatorNotActiveInPod.selector);
        eigenPodManager.devnetWithdrawValidator(bytes32(uint256(1)));
        _withdrawValidator(hash);
        vm.prank(elBeaconChainOracle);
        vm.expectRevert(EigenPodManager.ValidatorNotActiveInPod.selector);
        eigenPodManager.devnetWithdrawValidator(hash);
    }

    function test_withdrawnValidator_cannotBeActivatedAgain() public {
        _makePod(owner);
        bytes memory pubkey = _validatorPubkey(1);
        _withdrawValidator(_activateValidator(owner, pubkey, 1));
        vm.prank(elBeaconChainOracle);
        vm.expectRevert(EigenPodManager.ValidatorAlreadyExists.selector);
        eigenPodManager.devnetActivateValidator(owner, pubkey, 1);
    }

    function test_pod_changesOnlyThroughItsManager() public {
        address pod = _makePod(owner);
        vm.expectRevert(EigenPod.OnlyEigenPodManager.selector);
        EigenPod(pod).activateValidator(bytes32(uint256(1)), 1, 32e9);
        bytes32 hash = _activateValidator(owner, _validatorPubkey(1), 1);
        vm.prank(owner);
        vm.expectRevert(EigenPod.OnlyEigenPodManager.selector);
        EigenPod(pod).withdrawValidator(hash);
    }
}
