// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IAVSDirectory, IAVSDirectoryTypes} from "../../eigenlayer/IAVSDirectory.sol";
import {IDelegationManager} from "../../eigenlayer/IDelegationManager.sol";
import {IEigenPod, IEigenPodTypes} from "../../eigenlayer/IEigenPod.sol";
import {IEigenPodManager} from "../../eigenlayer/IEigenPodManager.sol";
import {ChainIDBitmap} from "./ChainIDBitmap.sol";
import {IUniFiAVSManager} from "./IUniFiAVSManager.sol";

/// @title UniFiAVSManagerStorage
/// @notice The dependencies and state of the UniFiAVSManager, and the reads every function shares: the commitment in
///         force (a pending commitment is in force from its `validAfter` block whether or not anyone has written it
///         down), whether a validator is registered now, and whether its stake still backs it.
/// @dev Not upgradeable. Storage after the inherited Ownable (owner), Ownable2Step (pending owner) and EIP712 (name
///      and version fallbacks, unused for these short strings): the delay, then one mapping per kind of record, each
///      record packed so that a hot read is one slot (ValidatorData: pod + index, operator + registeredUntil;
///      OperatorData: the two commitments, then count, deregistration start, validAfter and liableUntil in one
///      slot). Every storage variable of the registry is declared here, so the order does not depend on the split.
abstract contract UniFiAVSManagerStorage is IUniFiAVSManager, Ownable2Step, EIP712 {
    /// @notice An operator's registry record (it exists while the operator is registered to the AVS).
    /// @param commitment The commitment written down as in force.
    /// @param pendingCommitment The next commitment, in force from `commitmentValidAfter` (0: none pending).
    /// @param liableUntil The latest registeredUntil of its deregistered validators: it cannot leave before, even if
    ///        the owner shortened the delay since.
    struct OperatorData {
        OperatorCommitment commitment;
        OperatorCommitment pendingCommitment;
        uint64 validatorCount;
        uint64 startDeregisterOperatorBlock;
        uint64 commitmentValidAfter;
        uint64 liableUntil;
    }

    /// @notice A validator's registry record (`operator == address(0)`: never registered).
    /// @param registeredUntil type(uint64).max while registered; after deregistering, the block it stops being liable.
    struct ValidatorData {
        address eigenPod;
        uint64 validatorIndex;
        address operator;
        uint64 registeredUntil;
    }

    /// @notice keccak256 of the Preconfirmation EIP-712 type.
    bytes32 public constant PRECONFIRMATION_TYPEHASH =
        keccak256("Preconfirmation(uint256 chainId,uint64 slot,bytes32 txHash,bytes32 blsPubKeyHash)");

    /// @notice EigenLayer's EigenPodManager (whose pods hold the validators).
    IEigenPodManager public immutable eigenPodManager;
    /// @notice EigenLayer's DelegationManager (operators and pod owners' delegation).
    IDelegationManager public immutable delegationManager;
    /// @notice EigenLayer's AVSDirectory (operator registration, legacy M2 path).
    IAVSDirectory public immutable avsDirectory;

    /// @dev Blocks every change that could break a promise waits (> 0).
    uint64 internal _deregistrationDelay;
    mapping(address operator => OperatorData) internal _operators;
    mapping(bytes32 blsPubKeyHash => ValidatorData) internal _validators;
    /// @dev Beacon index → pubkey hash of the validator last registered with that index (index 0 included).
    mapping(uint64 validatorIndex => bytes32 blsPubKeyHash) internal _validatorHashByIndex;
    ChainIDBitmap.Map internal _chainIds;

    /// @param eigenPodManager_ EigenLayer's EigenPodManager.
    /// @param delegationManager_ EigenLayer's DelegationManager.
    /// @param avsDirectory_ EigenLayer's AVSDirectory.
    /// @param deregistrationDelay_ Blocks of every delay (> 0).
    /// @param initialOwner Owner (chain ids, delay, metadata); ownership moves in two steps.
    /// @dev Reverts InvalidAddressZero or InvalidDeregistrationDelay (Ownable's OwnableInvalidOwner for owner 0).
    constructor(
        IEigenPodManager eigenPodManager_,
        IDelegationManager delegationManager_,
        IAVSDirectory avsDirectory_,
        uint64 deregistrationDelay_,
        address initialOwner
    ) Ownable(initialOwner) EIP712("UniFiAVSManager", "1") {
        if (
            address(eigenPodManager_) == address(0) || address(delegationManager_) == address(0)
                || address(avsDirectory_) == address(0)
        ) revert InvalidAddressZero();
        if (deregistrationDelay_ == 0) revert InvalidDeregistrationDelay();
        eigenPodManager = eigenPodManager_;
        delegationManager = delegationManager_;
        avsDirectory = avsDirectory_;
        _deregistrationDelay = deregistrationDelay_;
        emit DeregistrationDelaySet(0, deregistrationDelay_);
    }

    /// @dev Whether `operator` is registered to this AVS in the AVSDirectory.
    function _isRegistered(address operator) internal view returns (bool) {
        return avsDirectory.avsOperatorStatus(address(this), operator)
            == IAVSDirectoryTypes.OperatorAVSRegistrationStatus.REGISTERED;
    }

    /// @dev Reverts InvalidCommitment for an empty delegate key or a bitmap using bit 0.
    function _checkCommitment(OperatorCommitment memory commitment) internal pure {
        if (commitment.delegateKey.length == 0 || commitment.chainIDBitMap & 1 != 0) revert InvalidCommitment();
    }

    /// @dev Whether `op` has a pending commitment whose delay has passed (validAfter is never 0 when one is pending).
    function _matured(OperatorData storage op) internal view returns (bool) {
        uint64 validAfter = op.commitmentValidAfter;
        return validAfter != 0 && block.number >= validAfter;
    }

    /// @dev The commitment in force now.
    function _inForce(OperatorData storage op) internal view returns (OperatorCommitment memory) {
        return _matured(op) ? op.pendingCommitment : op.commitment;
    }

    /// @dev Whether `v` is registered now, counting a deregistered validator's delay.
    function _registeredNow(ValidatorData storage v) internal view returns (bool) {
        return v.operator != address(0) && block.number < v.registeredUntil;
    }

    /// @dev Whether validator `hash` is still ACTIVE in `eigenPod` and the pod owner still delegated to `operator`.
    function _backedByStake(address eigenPod, bytes32 hash, address operator) internal view returns (bool) {
        IEigenPod pod = IEigenPod(eigenPod);
        if (pod.validatorStatus(hash) != IEigenPodTypes.VALIDATOR_STATUS.ACTIVE) return false;
        return delegationManager.delegatedTo(pod.podOwner()) == operator;
    }

    /// @dev getValidator's answer for `hash` (all zero when the registry never saw it).
    function _validatorData(bytes32 hash) internal view returns (ValidatorDataExtended memory data) {
        ValidatorData storage v = _validators[hash];
        address operator = v.operator;
        if (operator == address(0)) return data;
        OperatorCommitment memory commitment = _inForce(_operators[operator]);
        IEigenPod pod = IEigenPod(v.eigenPod);
        data.operator = operator;
        data.eigenPod = address(pod);
        data.validatorIndex = v.validatorIndex;
        data.status = pod.validatorStatus(hash);
        data.delegateKey = commitment.delegateKey;
        data.chainIDBitMap = commitment.chainIDBitMap;
        data.backedByStake = data.status == IEigenPodTypes.VALIDATOR_STATUS.ACTIVE
            && delegationManager.delegatedTo(pod.podOwner()) == operator;
        data.registered = block.number < v.registeredUntil;
        data.registeredUntil = v.registeredUntil;
    }
}
