// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {ISignatureUtilsMixinTypes} from "../../eigenlayer/ISignatureUtilsMixin.sol";
import {MessageType} from "../epochs/EpochManager.sol";
import {ECDSAStakeRegistryStorage} from "./ECDSAStakeRegistryStorage.sol";
import {OperatorCheckpoints} from "./OperatorCheckpoints.sol";

/// @title ECDSAStakeRegistryOperators
/// @notice The operator entry points of the ECDSAStakeRegistry: register, deregister, replace the signing key (each by
///         the operator or whoever EigenLayer's PermissionController lets act for it), refresh weights (anyone),
///         eject an operator below the minimum weight (anyone) and freeze a slashed one (the operator set's slasher).
/// @dev Every change takes effect at {effectiveEpoch}: it is checkpointed there and queued in the EpochManager for
///      remote chains; registration and deregistration also go through the ServiceManager to the AVSDirectory.
///      Checks come first, then the registry's own state, then the EpochManager and the ServiceManager.
abstract contract ECDSAStakeRegistryOperators is ECDSAStakeRegistryStorage {
    using EnumerableSet for EnumerableSet.AddressSet;
    using OperatorCheckpoints for OperatorCheckpoints.History;

    /// @notice Registers msg.sender as an operator of this AVS with `signingKey`, effective at {effectiveEpoch}.
    ///         Also registers it to the AVS in the AVSDirectory (through the ServiceManager). msg.sender must already be
    ///         a member of the operator set with allocated stake worth at least `minimumWeight` (allocations count
    ///         once their allocation delay has passed).
    /// @dev Reverts with {NotInOperatorSet}, {InsufficientSlashableStake}, {OperatorSetFull}, {OperatorIsFrozen},
    ///      {OperatorAlreadyRegistered}, {ZeroSigningKey}, {SigningKeyInUse}, or {CallerCannotActForOperator} when
    ///      msg.sender has PermissionController admins and is not one of them.
    /// @param operatorSignature msg.sender's EIP-712 signature over
    ///        AVSDirectory.calculateOperatorAVSRegistrationDigestHash(msg.sender, serviceManager, salt, expiry).
    /// @param signingKey The EOA that signs attestations for msg.sender (plain ECDSA); unique.
    function registerOperatorWithSignature(
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory operatorSignature,
        address signingKey
    ) external {
        _register(msg.sender, operatorSignature, signingKey);
    }

    /// @notice As {registerOperatorWithSignature}, for `operator`, called by it or by an admin or appointee of it in the
    ///         PermissionController (for this contract and this function's selector).
    /// @dev Reverts as the other form; {CallerCannotActForOperator} when msg.sender may not act for `operator`.
    /// @param operator The EigenLayer operator registered.
    /// @param operatorSignature `operator`'s EIP-712 signature over
    ///        AVSDirectory.calculateOperatorAVSRegistrationDigestHash(operator, serviceManager, salt, expiry)
    ///        (an ERC-1271 signature when `operator` is a contract).
    /// @param signingKey The EOA that signs attestations for `operator` (plain ECDSA); unique.
    function registerOperatorWithSignature(
        address operator,
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory operatorSignature,
        address signingKey
    ) external {
        _register(operator, operatorSignature, signingKey);
    }

    /// @dev Registers `operator` (see {registerOperatorWithSignature}) once msg.sender may act for it.
    function _register(
        address operator,
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry memory operatorSignature,
        address signingKey
    ) internal {
        _checkCanActFor(operator);
        if (_operators.contains(operator)) revert OperatorAlreadyRegistered(operator);
        if (isFrozen[operator]) revert OperatorIsFrozen(operator);
        if (_operators.length() >= MAX_OPERATORS) revert OperatorSetFull(MAX_OPERATORS);
        _checkNewSigningKey(signingKey);
        if (!allocationManager.isMemberOfOperatorSet(operator, _operatorSet())) revert NotInOperatorSet(operator);
        uint32 effective = effectiveEpoch();
        uint256 weight = _computeWeight(operator);
        if (weight == 0) revert InsufficientSlashableStake(operator, _slashableWeight(operator), minimumWeight);

        _operators.add(operator);
        signingKeyOperator[signingKey] = operator;
        OperatorCheckpoints.History storage history = _operatorHistory[operator];
        // A history is never emptied, so a first checkpoint means a first registration.
        if (history.length() == 0) _knownOperators.push(operator);
        history.push(effective, signingKey, weight);
        emit OperatorRegistered(operator, signingKey, weight, effective);
        _updateTotal(operator, 0, weight, effective);

        _queue(MessageType.REGISTER, abi.encode(operator, signingKey, weight), effective);
        serviceManager.registerOperator(operator, operatorSignature);
    }

    /// @notice Deregisters msg.sender, effective at {effectiveEpoch}; it keeps its key and weight until then.
    ///         Also deregisters it from the AVS in the AVSDirectory (through the ServiceManager).
    /// @dev Reverts with {OperatorNotRegistered}, or {CallerCannotActForOperator} (see {registerOperatorWithSignature}).
    function deregisterOperator() external {
        _deregisterFor(msg.sender);
    }

    /// @notice As {deregisterOperator}, for `operator`, called by it or by an admin or appointee of it.
    /// @param operator A registered operator.
    function deregisterOperator(address operator) external {
        _deregisterFor(operator);
    }

    /// @dev Deregisters `operator` once msg.sender may act for it.
    function _deregisterFor(address operator) internal {
        _checkCanActFor(operator);
        if (!_operators.contains(operator)) revert OperatorNotRegistered(operator);
        _deregister(operator, effectiveEpoch());
    }

    /// @notice Zeroes `operator`'s weight at once (every proof verified on this chain from now on counts it 0) and
    ///         deregisters it (effective at {effectiveEpoch}, so remote chains drop it with that epoch's set); it can
    ///         never register again. Only the operator set's slasher (AllocationManager.getSlasher), after slashing it.
    /// @param operator The slashed operator (no-op when already frozen).
    function freezeOperator(address operator) external {
        if (msg.sender != allocationManager.getSlasher(_operatorSet())) revert OnlySlasher(msg.sender);
        if (isFrozen[operator]) return;
        isFrozen[operator] = true;
        uint32 effective = effectiveEpoch();
        emit OperatorFrozen(operator, effective);
        if (_operators.contains(operator)) _deregister(operator, effective);
    }

    /// @notice Deregisters `operator` (effective at {effectiveEpoch}) because the stake the operator set can slash
    ///         gives it less than `minimumWeight`. Anyone may call.
    /// @dev Reverts with {OperatorNotRegistered} or {OperatorNotEjectable}.
    /// @param operator A registered operator.
    function ejectOperator(address operator) external {
        if (!_operators.contains(operator)) revert OperatorNotRegistered(operator);
        uint256 weight = _slashableWeight(operator);
        if (weight >= minimumWeight) revert OperatorNotEjectable(operator, weight, minimumWeight);
        uint32 effective = effectiveEpoch();
        emit OperatorEjected(operator, msg.sender, weight, effective);
        _deregister(operator, effective);
    }

    /// @dev Reverts unless the PermissionController lets msg.sender call this function (msg.sig) for `operator`.
    function _checkCanActFor(address operator) internal view {
        if (!permissionController.canCall(operator, msg.sender, address(this), msg.sig)) {
            revert CallerCannotActForOperator(msg.sender, operator);
        }
    }

    /// @dev Removes `operator` at `effective`: key and weight count until then. Also leaves the AVSDirectory.
    function _deregister(address operator, uint32 effective) internal {
        OperatorCheckpoints.History storage history = _operatorHistory[operator];
        (address signingKey, uint256 weight) = history.latest();
        _operators.remove(operator);
        delete signingKeyOperator[signingKey];
        history.push(effective, address(0), 0);
        emit OperatorDeregistered(operator, effective);
        _updateTotal(operator, weight, 0, effective);

        _queue(MessageType.DEREGISTER, abi.encode(operator), effective);
        serviceManager.deregisterOperator(operator);
    }

    /// @notice Replaces msg.sender's signing key, effective at {effectiveEpoch}; the old key signs until then.
    /// @dev Reverts with {OperatorNotRegistered}, {ZeroSigningKey}, {SigningKeyInUse} or {CallerCannotActForOperator}.
    /// @param newSigningKey The new key; non-zero and not held by any registered operator (msg.sender included).
    function updateOperatorSigningKey(address newSigningKey) external {
        _updateSigningKey(msg.sender, newSigningKey);
    }

    /// @notice As {updateOperatorSigningKey}, for `operator`, called by it or by an admin or appointee of it.
    /// @param operator A registered operator.
    /// @param newSigningKey The new key.
    function updateOperatorSigningKey(address operator, address newSigningKey) external {
        _updateSigningKey(operator, newSigningKey);
    }

    /// @dev Replaces `operator`'s signing key once msg.sender may act for it.
    function _updateSigningKey(address operator, address newSigningKey) internal {
        _checkCanActFor(operator);
        if (!_operators.contains(operator)) revert OperatorNotRegistered(operator);
        _checkNewSigningKey(newSigningKey);
        uint32 effective = effectiveEpoch();

        OperatorCheckpoints.History storage history = _operatorHistory[operator];
        (address oldSigningKey, uint256 weight) = history.latest();
        delete signingKeyOperator[oldSigningKey];
        signingKeyOperator[newSigningKey] = operator;
        history.push(effective, newSigningKey, weight);
        emit SigningKeyUpdated(operator, newSigningKey, oldSigningKey, effective);

        _queue(MessageType.UPDATE_SIGNING_KEY, abi.encode(operator, newSigningKey), effective);
    }

    /// @notice Recomputes the weights of `operators` from their slashable stake, effective at {effectiveEpoch}.
    ///         Anyone may call. Unregistered addresses and unchanged weights are skipped.
    /// @param operators Addresses to refresh (any order).
    function updateOperators(address[] calldata operators) external {
        uint32 effective = effectiveEpoch();
        uint256 n = operators.length;
        for (uint256 i; i < n; ++i) {
            if (_operators.contains(operators[i])) _refreshWeight(operators[i], effective);
        }
    }

    /// @dev Reverts unless `signingKey` is non-zero and held by no registered operator (keys are unique).
    function _checkNewSigningKey(address signingKey) internal view {
        if (signingKey == address(0)) revert ZeroSigningKey();
        address holder = signingKeyOperator[signingKey];
        if (holder != address(0)) revert SigningKeyInUse(signingKey, holder);
    }
}
