// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {ISignatureUtilsMixinTypes} from "../../eigenlayer/ISignatureUtilsMixin.sol";
import {OperatorSet} from "../../eigenlayer/IAllocationManager.sol";
import {ServiceManagerBase} from "../../core/avs/ServiceManagerBase.sol";
import {EpochManager} from "../../core/epochs/EpochManager.sol";
import {BLSSignerSetChecker} from "../../core/signatures/BLSSignerSetChecker.sol";
import {ITEELivenessVerifier} from "./ITEELivenessVerifier.sol";
import {MultiProverRegistryStorage} from "./MultiProverRegistryStorage.sol";

/// @title MultiProverRegistry
/// @notice The operator registry of the multi-prover AVS: BN254 BLS keys (BLSApkRegistry) and, per quorum q, each
///         operator's weight from the stake the ServiceManager's operator set q can slash (strategies, multipliers and
///         a minimum weight per quorum, set by the owner). Weights, totals, thresholds and aggregate keys are
///         checkpointed per effective epoch (a change at time t counts from EpochMath.effectiveEpochAt(t)).
///
///         Registration: register a BLS key ({registerBLSKey}), join operator set q and allocate to it
///         (AllocationManager), then {registerOperator} with the quorums; the first registration also registers the
///         operator to the AVS in the AVSDirectory (through the ServiceManager). An operator acts itself or through
///         whoever EigenLayer's PermissionController lets act for it (for this contract and the function's selector).
///         Anyone may refresh weights ({updateOperators}); an operator whose weight falls below the minimum leaves the
///         quorum. The slasher of the operator sets freezes slashed operators ({freezeOperator}).
///
///         The signature check ({checkSigners}) names its signers explicitly, per quorum ({BLSSignerSetChecker}): a
///         signer counts only while not frozen and, when a liveness verifier is given, while its prover of the
///         quorum's TEE type is live at the block's timestamp.
/// @dev Not upgradeable. Split: IMultiProverRegistry (types, errors, events), MultiProverRegistryStorage (parameters,
///      state, weights), this contract (entry points and views).
contract MultiProverRegistry is MultiProverRegistryStorage {
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @param epochManager The epoch clock (its genesis, length and grace period are copied).
    /// @param serviceManager_ The AVS's ServiceManager.
    /// @param maxProofAgeEpochs How many epochs before the current one a reference epoch may be.
    /// @param maxOperators Most operators per quorum (> 0).
    /// @param owner_ Creates and configures quorums.
    constructor(
        EpochManager epochManager,
        ServiceManagerBase serviceManager_,
        uint32 maxProofAgeEpochs,
        uint256 maxOperators,
        address owner_
    ) MultiProverRegistryStorage(epochManager, serviceManager_, maxProofAgeEpochs, maxOperators, owner_) {}

    // ---------------------------------------------------------------------------------------------------------------
    // Owner
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Disabled: use the form with a {QuorumConfig}. Reverts with {QuorumNeedsStrategies}.
    function createQuorum(uint8, uint16) external pure override {
        revert QuorumNeedsStrategies();
    }

    /// @notice Creates `quorum` (the ServiceManager's operator set of that number, which must exist) with a threshold
    ///         of `thresholdBps` and the weight formula `config`; it exists, empty, from the next effective epoch on.
    ///         Owner only.
    /// @dev Reverts with {OperatorSetDoesNotExist}, QuorumExists, InvalidThreshold, {InvalidStrategies} or
    ///      {ZeroMinimumWeight}.
    /// @param quorum The quorum number (= operator set id).
    /// @param thresholdBps Signed weight needed, basis points of the total (1 .. 10000).
    /// @param config Strategies (ascending, multipliers in basis points of a share) and minimum weight.
    function createQuorum(uint8 quorum, uint16 thresholdBps, QuorumConfig calldata config) external onlyOwner {
        if (!allocationManager.isOperatorSet(_operatorSet(quorum))) revert OperatorSetDoesNotExist(quorum);
        _createQuorum(quorum, thresholdBps);
        _setQuorumConfig(quorum, config);
        _quorumBitmap |= uint256(1) << quorum;
    }

    /// @notice Replaces `quorum`'s weight formula and refreshes the weight of every operator registered in it (those
    ///         below the new minimum leave it). Owner only.
    /// @dev Reverts with QuorumDoesNotExist, {InvalidStrategies} or {ZeroMinimumWeight}.
    /// @param quorum An existing quorum.
    /// @param config Strategies (ascending, multipliers in basis points of a share) and minimum weight.
    function setQuorumConfig(uint8 quorum, QuorumConfig calldata config) external onlyOwner {
        if (_quorumHistory[quorum].count == 0) revert QuorumDoesNotExist(quorum);
        _setQuorumConfig(quorum, config);
        address[] memory operators = _quorumOperators[quorum].values();
        for (uint256 i; i < operators.length; ++i) {
            _refresh(quorum, operators[i]);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Operators
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Registers msg.sender in `quorums`, effective at {effectiveEpoch}. It must have a BLS key, be a member of
    ///         each quorum's operator set with slashable stake worth at least the quorum's minimum weight, and not be
    ///         frozen. Its first registration also registers it to the AVS in the AVSDirectory.
    /// @dev Reverts with {NoQuorums}, OperatorHasNoKey, QuorumDoesNotExist, {OperatorIsFrozen},
    ///      {OperatorAlreadyRegistered} (also for a quorum named twice), {NotInOperatorSet}, {OperatorSetFull},
    ///      {InsufficientSlashableStake}, or {CallerCannotActForOperator}.
    /// @param quorums The quorums to join.
    /// @param operatorSignature msg.sender's EIP-712 signature over
    ///        AVSDirectory.calculateOperatorAVSRegistrationDigestHash(msg.sender, serviceManager, salt, expiry); unused
    ///        when msg.sender is already registered in some quorum.
    function registerOperator(
        uint8[] calldata quorums,
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry calldata operatorSignature
    ) external {
        _register(msg.sender, quorums, operatorSignature);
    }

    /// @notice As {registerOperator}, for `operator`, called by it or by an admin or appointee of it in the
    ///         PermissionController (for this contract and this function's selector).
    /// @param operator The EigenLayer operator registered.
    /// @param quorums The quorums to join.
    /// @param operatorSignature `operator`'s AVSDirectory registration signature (see the other form).
    function registerOperator(
        address operator,
        uint8[] calldata quorums,
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry calldata operatorSignature
    ) external {
        _register(operator, quorums, operatorSignature);
    }

    /// @notice Deregisters msg.sender from `quorums`, effective at {effectiveEpoch} (it counts until then). Leaving its
    ///         last quorum also deregisters it from the AVS in the AVSDirectory.
    /// @dev Reverts with {NoQuorums}, {OperatorNotRegistered} or {CallerCannotActForOperator}.
    /// @param quorums Quorums msg.sender is registered in.
    function deregisterOperator(uint8[] calldata quorums) external {
        _deregister(msg.sender, quorums);
    }

    /// @notice As {deregisterOperator}, for `operator`, called by it or by an admin or appointee of it.
    /// @param operator A registered operator.
    /// @param quorums Quorums it is registered in.
    function deregisterOperator(address operator, uint8[] calldata quorums) external {
        _deregister(operator, quorums);
    }

    /// @notice Recomputes the weights in `quorum` of `operators` from their slashable stake, effective at
    ///         {effectiveEpoch}; an operator whose weight is below the quorum's minimum leaves the quorum (and the AVS
    ///         when it was its last). Anyone may call. Addresses not registered in `quorum` are skipped.
    /// @param quorum The quorum.
    /// @param operators Addresses to refresh (any order).
    function updateOperators(uint8 quorum, address[] calldata operators) external {
        for (uint256 i; i < operators.length; ++i) {
            if (_quorumOperators[quorum].contains(operators[i])) _refresh(quorum, operators[i]);
        }
    }

    /// @notice Freezes `operator` after it was slashed: from this block on it never counts as a signer, it leaves every
    ///         quorum at {effectiveEpoch} (and the AVS in the AVSDirectory) and can never register again. Only the
    ///         slasher of one of this registry's operator sets (AllocationManager.getSlasher). No-op when frozen.
    /// @dev Reverts with {OnlySlasher}.
    /// @param operator The slashed operator.
    function freezeOperator(address operator) external {
        if (!_isSlasher(msg.sender)) revert OnlySlasher(msg.sender);
        if (isFrozen[operator]) return;
        isFrozen[operator] = true;
        bytes32 keyHash = operatorKeyHash[operator];
        if (keyHash != bytes32(0)) _signerInfo[keyHash] = uint256(uint160(operator)) | _FROZEN_BIT;
        emit OperatorFrozen(operator, msg.sender, _nextEffectiveEpoch());
        uint256 bitmap = _operatorQuorums[operator];
        if (bitmap == 0) return;
        for (uint256 quorum; bitmap != 0; ++quorum) {
            // casting to 'uint8' is safe: quorum is a bit index of a uint256
            // forge-lint: disable-next-line(unsafe-typecast)
            if (bitmap & 1 != 0) _leave(uint8(quorum), operator);
            bitmap >>= 1;
        }
        _leaveAvsIfLast(operator);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice The explicit-signer check of `digest` ({BLSSignerSetChecker}) for a caller that requires live provers:
    ///         a listed member counts when it is not frozen and, if `liveness` is not zero, when
    ///         liveness.isProverLive(operator, teeTypes[i], block.timestamp) for the quorum at index i. Never reverts
    ///         for a bad signature (given a liveness verifier that does not revert); says why it fails.
    /// @param digest The signed message hash.
    /// @param params Reference epoch, quorums (ascending), signer keys per quorum (ascending by key hash), apkG2, sigma.
    /// @param liveness The liveness verifier (zero: no liveness requirement).
    /// @param teeTypes The TEE type of each quorum of `params.quorumNumbers` (ignored when `liveness` is zero).
    /// @return result Status, failing quorum index, per-quorum signed and threshold weights (weight units).
    function checkSigners(
        bytes32 digest,
        SignerSetParams calldata params,
        ITEELivenessVerifier liveness,
        ITEELivenessVerifier.TeeType[] calldata teeTypes
    ) external view returns (SignerSetResult memory result) {
        bytes memory context;
        if (address(liveness) != address(0)) {
            if (teeTypes.length != params.quorumNumbers.length) {
                result.status = SignerSetStatus.LengthMismatch;
                result.quorumIndex = params.quorumNumbers.length;
                result.signedWeights = new uint256[](params.quorumNumbers.length);
                result.thresholdWeights = new uint256[](params.quorumNumbers.length);
                return result;
            }
            // 20 bytes of address, then one 32-byte word per TEE type (packed arrays keep their elements padded).
            context = abi.encodePacked(address(liveness), teeTypes);
        }
        return _signerSetStatus(digest, params, context);
    }

    /// @notice Whether `operator` is registered in some quorum as of the latest change (ServiceManagerBase's
    ///         IOperatorRegistry: it may not leave the operator sets while true).
    function operatorRegistered(address operator) external view returns (bool) {
        return _operatorQuorums[operator] != 0;
    }

    /// @notice Whether `operator` is registered in `quorum` as of the latest change.
    function isOperatorInQuorum(address operator, uint8 quorum) external view returns (bool) {
        return _operatorQuorums[operator] & (uint256(1) << quorum) != 0;
    }

    /// @notice The quorums `operator` is registered in as of the latest change: bit q set for quorum q.
    function getOperatorQuorumBitmap(address operator) external view returns (uint256) {
        return _operatorQuorums[operator];
    }

    /// @notice Operators registered in `quorum` as of the latest change, in no particular order.
    function getQuorumOperators(uint8 quorum) external view returns (address[] memory) {
        return _quorumOperators[quorum].values();
    }

    /// @notice The quorums created, one byte each, ascending.
    function quorumNumbers() external view returns (bytes memory numbers) {
        uint256 bitmap = _quorumBitmap;
        for (uint256 quorum; bitmap != 0; ++quorum) {
            // casting to 'uint8' is safe: quorum is a bit index of a uint256
            // forge-lint: disable-next-line(unsafe-typecast)
            if (bitmap & 1 != 0) numbers = bytes.concat(numbers, bytes1(uint8(quorum)));
            bitmap >>= 1;
        }
    }

    /// @notice `quorum`'s weight formula (strategies, multipliers in basis points of a share, minimum weight).
    function getQuorumConfig(uint8 quorum) external view returns (QuorumConfig memory) {
        return _quorumConfig[quorum];
    }

    /// @notice The weight `operator` would get in `quorum` from its slashable stake now (0 below the minimum).
    function computeOperatorWeight(uint8 quorum, address operator) external view returns (uint256) {
        return _computeWeight(quorum, operator);
    }

    /// @notice The weight the stake operator set `quorum` can slash gives `operator` now, before the minimum (weight
    ///         units; 0 once frozen or not slashable).
    function slashableWeight(uint8 quorum, address operator) external view returns (uint256) {
        return _slashableWeight(quorum, operator);
    }

    /// @notice Operator set `quorum` of the ServiceManager.
    function operatorSet(uint8 quorum) external view returns (OperatorSet memory) {
        return _operatorSet(quorum);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev Registers `operator` in `quorums` (see {registerOperator}) once msg.sender may act for it.
    function _register(
        address operator,
        uint8[] calldata quorums,
        ISignatureUtilsMixinTypes.SignatureWithSaltAndExpiry calldata operatorSignature
    ) private {
        _checkCanActFor(operator);
        if (quorums.length == 0) revert NoQuorums();
        if (isFrozen[operator]) revert OperatorIsFrozen(operator);
        bytes32 keyHash = operatorKeyHash[operator];
        if (keyHash == bytes32(0)) revert OperatorHasNoKey(operator);
        uint256 bitmap = _operatorQuorums[operator];
        bool joinsAvs = bitmap == 0;
        uint32 effective = _nextEffectiveEpoch();
        for (uint256 i; i < quorums.length; ++i) {
            uint8 quorum = quorums[i];
            if (_quorumHistory[quorum].count == 0) revert QuorumDoesNotExist(quorum);
            if (bitmap & (uint256(1) << quorum) != 0) revert OperatorAlreadyRegistered(operator, quorum);
            if (!allocationManager.isMemberOfOperatorSet(operator, _operatorSet(quorum))) {
                revert NotInOperatorSet(operator, quorum);
            }
            EnumerableSet.AddressSet storage members = _quorumOperators[quorum];
            if (members.length() >= MAX_OPERATORS) revert OperatorSetFull(quorum, MAX_OPERATORS);
            uint96 weight = _computeWeight(quorum, operator);
            if (weight == 0) {
                revert InsufficientSlashableStake(
                    operator, quorum, _slashableWeight(quorum, operator), _quorumConfig[quorum].minimumWeight
                );
            }
            members.add(operator);
            bitmap |= uint256(1) << quorum;
            _updateOperatorWeight(quorum, operator, weight);
            emit OperatorRegistered(operator, quorum, weight, effective);
        }
        _operatorQuorums[operator] = bitmap;
        if (_signerInfo[keyHash] == 0) _signerInfo[keyHash] = uint160(operator);
        if (joinsAvs) serviceManager.registerOperator(operator, operatorSignature);
    }

    /// @dev Deregisters `operator` from `quorums` once msg.sender may act for it.
    function _deregister(address operator, uint8[] calldata quorums) private {
        _checkCanActFor(operator);
        if (quorums.length == 0) revert NoQuorums();
        for (uint256 i; i < quorums.length; ++i) {
            uint8 quorum = quorums[i];
            if (_operatorQuorums[operator] & (uint256(1) << quorum) == 0) revert OperatorNotRegistered(operator, quorum);
            _leave(quorum, operator);
        }
        _leaveAvsIfLast(operator);
    }

    /// @dev Recomputes `operator`'s weight in `quorum` (registered there); below the minimum it leaves the quorum, and
    ///      the AVS when that was its last quorum.
    function _refresh(uint8 quorum, address operator) private {
        uint96 weight = _computeWeight(quorum, operator);
        if (weight != 0) {
            _updateOperatorWeight(quorum, operator, weight);
            return;
        }
        _leave(quorum, operator);
        _leaveAvsIfLast(operator);
    }

    /// @dev Deregisters `operator` from the AVS in the AVSDirectory once it is in no quorum.
    function _leaveAvsIfLast(address operator) private {
        if (_operatorQuorums[operator] == 0) serviceManager.deregisterOperator(operator);
    }

    /// @dev Removes `operator` from `quorum` (weight 0 at the next effective epoch).
    function _leave(uint8 quorum, address operator) private {
        _quorumOperators[quorum].remove(operator);
        _operatorQuorums[operator] &= ~(uint256(1) << quorum);
        _updateOperatorWeight(quorum, operator, 0);
        emit OperatorDeregistered(operator, quorum, _nextEffectiveEpoch());
    }

    /// @dev Whether `account` is the slasher of one of this registry's operator sets.
    function _isSlasher(address account) private view returns (bool) {
        uint256 bitmap = _quorumBitmap;
        for (uint256 quorum; bitmap != 0; ++quorum) {
            // casting to 'uint8' is safe: quorum is a bit index of a uint256
            // forge-lint: disable-next-line(unsafe-typecast)
            if (bitmap & 1 != 0 && allocationManager.getSlasher(_operatorSet(uint8(quorum))) == account) return true;
            bitmap >>= 1;
        }
        return false;
    }

    /// @dev Reverts unless the PermissionController lets msg.sender call this function (msg.sig) for `operator`.
    function _checkCanActFor(address operator) private view {
        if (!permissionController.canCall(operator, msg.sender, address(this), msg.sig)) {
            revert CallerCannotActForOperator(msg.sender, operator);
        }
    }

    /// @inheritdoc BLSSignerSetChecker
    /// @dev Not frozen (one slot, also holding the operator) and, with a liveness context (20-byte verifier, then one
    ///      word per quorum's TEE type), the operator's prover of that TEE type live at this block's timestamp. A
    ///      verifier call that fails or returns anything but true counts as not live.
    function _signerCounts(uint256 quorumIndex, bytes32 keyHash, bytes memory context)
        internal
        view
        override
        returns (bool live)
    {
        uint256 info = _signerInfo[keyHash];
        if (info & _FROZEN_BIT != 0) return false;
        if (context.length == 0) return true;
        bytes4 selector = ITEELivenessVerifier.isProverLive.selector;
        uint256 time = block.timestamp;
        assembly ("memory-safe") {
            let verifier := shr(96, mload(add(context, 0x20)))
            let teeType := mload(add(add(context, 0x34), mul(quorumIndex, 0x20)))
            let ptr := mload(0x40)
            mstore(ptr, selector)
            mstore(add(ptr, 0x04), and(info, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(ptr, 0x24), teeType)
            mstore(add(ptr, 0x44), time)
            let ok := staticcall(gas(), verifier, ptr, 0x64, 0x00, 0x20)
            live := and(ok, and(eq(returndatasize(), 0x20), eq(mload(0x00), 1)))
        }
    }
}
