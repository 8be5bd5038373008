// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IAVSDirectory} from "../../eigenlayer/IAVSDirectory.sol";
import {IDelegationManager} from "../../eigenlayer/IDelegationManager.sol";
import {IEigenPod, IEigenPodTypes} from "../../eigenlayer/IEigenPod.sol";
import {IEigenPodManager} from "../../eigenlayer/IEigenPodManager.sol";
import {ISignatureUtilsMixin} from "../../eigenlayer/ISignatureUtilsMixin.sol";
import {ChainIDBitmap} from "./ChainIDBitmap.sol";
import {IUniFiAVSManager} from "./IUniFiAVSManager.sol";
import {UniFiAVSManagerStorage} from "./UniFiAVSManagerStorage.sol";

/// @title UniFiAVSManager: the preconfirmation registry of operators and their EigenPod validators
/// @notice See IUniFiAVSManager. Commitment changes, validator deregistrations and operator deregistrations wait
///         `deregistrationDelay` blocks so that a promise made during the proposer lookahead stays checkable. Every
///         view reads the commitment in force (UniFiAVSManagerStorage).
/// @dev Calls out go only to the EigenLayer contracts fixed at deployment; state-changing ones come after the effects.
contract UniFiAVSManager is UniFiAVSManagerStorage {
    using ChainIDBitmap for ChainIDBitmap.Map;

    /// @notice A started deregistration of `operator` was cancelled by registering validators.
    event OperatorDeregisterCancelled(address indexed operator);

    /// @param eigenPodManager_ EigenLayer's EigenPodManager.
    /// @param delegationManager_ EigenLayer's DelegationManager.
    /// @param avsDirectory_ EigenLayer's AVSDirectory.
    /// @param deregistrationDelay_ Blocks of every delay (> 0).
    /// @param initialChainIDs Chain ids of bitmap positions 1, 2, … (distinct, non-zero, at most 255), so that a
    ///        registry can be created with its final owner (a timelock) already configured.
    /// @param metadataURI The AVS's metadata URI, published through the AVSDirectory (empty: none yet).
    /// @param initialOwner Owner (chain ids, delay, metadata); ownership moves in two steps.
    /// @dev Reverts InvalidAddressZero, InvalidDeregistrationDelay or InvalidChainID (Ownable's OwnableInvalidOwner
    ///      for owner 0).
    constructor(
        IEigenPodManager eigenPodManager_,
        IDelegationManager delegationManager_,
        IAVSDirectory avsDirectory_,
        uint64 deregistrationDelay_,
        uint256[] memory initialChainIDs,
        string memory metadataURI,
        address initialOwner
    ) UniFiAVSManagerStorage(eigenPodManager_, delegationManager_, avsDirectory_, deregistrationDelay_, initialOwner) {
        if (initialChainIDs.length > 255) revert InvalidChainID();
        for (uint256 i; i < initialChainIDs.length; ++i) {
            if (initialChainIDs[i] == 0) revert InvalidChainID();
            _chainIds.set(uint8(i + 1), initialChainIDs[i]);
            emit ChainIDSet(uint8(i + 1), initialChainIDs[i]);
        }
        if (bytes(metadataURI).length != 0) avsDirectory_.updateAVSMetadataURI(metadataURI);
    }

    /// @dev registerValidators' conditions on the caller and the pod owner.
    modifier podIsDelegated(address podOwner) {
        if (!delegationManager.isOperator(msg.sender)) revert NotOperator();
        if (!eigenPodManager.hasPod(podOwner)) revert NoEigenPod();
        if (delegationManager.delegatedTo(podOwner) != msg.sender) revert NotDelegatedToOperator();
        _;
    }

    /// @dev Reverts OperatorNotRegistered unless msg.sender is registered to this AVS.
    modifier registeredOperator() {
        if (!_isRegistered(msg.sender)) revert OperatorNotRegistered();
        _;
    }

    // ------------------------------------------------------------------------------------------------ operators

    /// @inheritdoc IUniFiAVSManager
    function registerOperator(ISignatureUtilsMixin.SignatureWithSaltAndExpiry memory operatorSignature) external {
        if (_isRegistered(msg.sender)) revert OperatorAlreadyRegistered();
        avsDirectory.registerOperatorToAVS(msg.sender, operatorSignature);
        emit OperatorRegistered(msg.sender);
    }

    /// @inheritdoc IUniFiAVSManager
    /// @dev Emits OperatorRegisteredWithCommitment only (it carries the commitment).
    function registerOperatorWithCommitment(
        ISignatureUtilsMixin.SignatureWithSaltAndExpiry memory operatorSignature,
        OperatorCommitment memory initialCommitment
    ) external {
        _checkCommitment(initialCommitment);
        if (_isRegistered(msg.sender)) revert OperatorAlreadyRegistered();
        _operators[msg.sender].commitment = initialCommitment;
        avsDirectory.registerOperatorToAVS(msg.sender, operatorSignature);
        emit OperatorRegisteredWithCommitment(msg.sender, initialCommitment);
    }

    /// @inheritdoc IUniFiAVSManager
    /// @dev Emits OperatorCommitmentSet first when a matured pending commitment is written down, then
    ///      OperatorCommitmentChangeInitiated (old = the commitment in force). A pending commitment still inside its
    ///      delay is replaced.
    function setOperatorCommitment(OperatorCommitment memory newCommitment) external registeredOperator {
        _checkCommitment(newCommitment);
        OperatorData storage op = _operators[msg.sender];
        // Overwriting a matured pending commitment without writing it down would put the older one back in force.
        if (_matured(op)) _applyPending(msg.sender, op);
        uint64 validAfter = uint64(block.number) + _deregistrationDelay;
        op.pendingCommitment = newCommitment;
        op.commitmentValidAfter = validAfter;
        emit OperatorCommitmentChangeInitiated(msg.sender, op.commitment, newCommitment, validAfter);
    }

    /// @inheritdoc IUniFiAVSManager
    function updateOperatorCommitment() external registeredOperator {
        OperatorData storage op = _operators[msg.sender];
        if (!_matured(op)) revert CommitmentChangeNotReady();
        _applyPending(msg.sender, op);
    }

    /// @inheritdoc IUniFiAVSManager
    function startDeregisterOperator() external registeredOperator {
        OperatorData storage op = _operators[msg.sender];
        if (op.validatorCount > 0) revert OperatorHasValidators();
        if (op.startDeregisterOperatorBlock != 0) revert DeregistrationAlreadyStarted();
        op.startDeregisterOperatorBlock = uint64(block.number);
        emit OperatorDeregisterStarted(msg.sender, uint64(block.number));
    }

    /// @inheritdoc IUniFiAVSManager
    /// @dev Also DeregistrationDelayNotElapsed while a validator it deregistered is still liable (possible only after
    ///      the owner shortened the delay).
    function finishDeregisterOperator() external registeredOperator {
        OperatorData storage op = _operators[msg.sender];
        uint64 start = op.startDeregisterOperatorBlock;
        if (start == 0) revert DeregistrationNotStarted();
        if (block.number < uint256(start) + _deregistrationDelay || block.number < op.liableUntil) {
            revert DeregistrationDelayNotElapsed();
        }
        delete _operators[msg.sender];
        emit OperatorDeregistered(msg.sender);
        avsDirectory.deregisterOperatorFromAVS(msg.sender);
    }

    // ------------------------------------------------------------------------------------------------ validators

    /// @inheritdoc IUniFiAVSManager
    /// @dev The pod calls in the loop are static (view), so no state can change under the loop.
    function registerValidators(address podOwner, bytes32[] calldata blsPubKeyHashes)
        external
        podIsDelegated(podOwner)
        registeredOperator
    {
        OperatorData storage op = _operators[msg.sender];
        if (_inForce(op).delegateKey.length == 0) revert DelegateKeyNotSet();
        IEigenPod pod = eigenPodManager.getPod(podOwner);
        for (uint256 i; i < blsPubKeyHashes.length; ++i) {
            bytes32 hash = blsPubKeyHashes[i];
            IEigenPodTypes.ValidatorInfo memory info = pod.validatorPubkeyHashToInfo(hash);
            if (info.status != IEigenPodTypes.VALIDATOR_STATUS.ACTIVE) revert ValidatorNotActive(hash);
            ValidatorData storage v = _validators[hash];
            // A deregistered validator stays liable (and so registered) until its delay passes; then it may return.
            if (v.operator != address(0) && block.number < v.registeredUntil) revert ValidatorAlreadyRegistered(hash);
            _validators[hash] = ValidatorData({
                eigenPod: address(pod),
                validatorIndex: info.validatorIndex,
                operator: msg.sender,
                registeredUntil: type(uint64).max
            });
            _validatorHashByIndex[info.validatorIndex] = hash;
            emit ValidatorRegistered(podOwner, msg.sender, hash, info.validatorIndex);
        }
        // casting to 'uint64' is safe because a calldata array cannot hold 2^64 entries
        // forge-lint: disable-next-line(unsafe-typecast)
        op.validatorCount += uint64(blsPubKeyHashes.length);
        if (op.startDeregisterOperatorBlock != 0) {
            op.startDeregisterOperatorBlock = 0;
            emit OperatorDeregisterCancelled(msg.sender);
        }
    }

    /// @inheritdoc IUniFiAVSManager
    function deregisterValidators(bytes32[] calldata blsPubKeyHashes) external {
        uint64 registeredUntil = uint64(block.number) + _deregistrationDelay;
        for (uint256 i; i < blsPubKeyHashes.length; ++i) {
            bytes32 hash = blsPubKeyHashes[i];
            ValidatorData storage v = _validators[hash];
            address operator = v.operator;
            if (operator == address(0) || v.registeredUntil != type(uint64).max) revert ValidatorNotFound(hash);
            if (msg.sender != operator && _backedByStake(v.eigenPod, hash, operator)) {
                revert NotValidatorOperator(hash);
            }
            v.registeredUntil = registeredUntil;
            // The operator's record exists: it cannot finish deregistering while it has validators.
            OperatorData storage op = _operators[operator];
            --op.validatorCount;
            // A shortened delay gives later deregistrations an earlier end: keep the latest.
            if (registeredUntil > op.liableUntil) op.liableUntil = registeredUntil;
            emit ValidatorDeregistered(operator, hash, registeredUntil);
        }
    }

    // ------------------------------------------------------------------------------------------------ owner

    /// @inheritdoc IUniFiAVSManager
    /// @dev Operators' bitmaps name positions, so remapping a position changes what their commitments cover.
    function setChainID(uint8 index, uint256 chainID) external onlyOwner {
        _chainIds.set(index, chainID);
        emit ChainIDSet(index, chainID);
    }

    /// @inheritdoc IUniFiAVSManager
    /// @dev Applies to changes started afterwards and to operator deregistrations not yet finished; blocks already
    ///      fixed (commitment validAfter, validator registeredUntil) keep their value, and an operator cannot finish
    ///      deregistering while a validator it deregistered is still liable.
    function setDeregistrationDelay(uint64 newDelay) external onlyOwner {
        if (newDelay == 0) revert InvalidDeregistrationDelay();
        emit DeregistrationDelaySet(_deregistrationDelay, newDelay);
        _deregistrationDelay = newDelay;
    }

    /// @inheritdoc IUniFiAVSManager
    function updateAVSMetadataURI(string calldata metadataURI) external onlyOwner {
        avsDirectory.updateAVSMetadataURI(metadataURI);
    }

    // ------------------------------------------------------------------------------------------------ views

    /// @inheritdoc IUniFiAVSManager
    function getDeregistrationDelay() external view returns (uint64) {
        return _deregistrationDelay;
    }

    /// @inheritdoc IUniFiAVSManager
    /// @dev A matured pending commitment is reported as the commitment, with no pending one.
    function getOperator(address operator) external view returns (OperatorDataExtended memory data) {
        OperatorData storage op = _operators[operator];
        data.validatorCount = op.validatorCount;
        data.startDeregisterOperatorBlock = op.startDeregisterOperatorBlock;
        data.isRegistered = _isRegistered(operator);
        if (_matured(op)) {
            data.commitment = op.pendingCommitment;
        } else {
            data.commitment = op.commitment;
            data.pendingCommitment = op.pendingCommitment;
            data.commitmentValidAfter = op.commitmentValidAfter;
        }
    }

    /// @inheritdoc IUniFiAVSManager
    function getValidator(bytes32 blsPubKeyHash) public view returns (ValidatorDataExtended memory) {
        return _validatorData(blsPubKeyHash);
    }

    /// @inheritdoc IUniFiAVSManager
    function getValidator(uint256 validatorIndex) external view returns (ValidatorDataExtended memory data) {
        if (validatorIndex > type(uint64).max) return data;
        // casting to 'uint64' is safe because of the check above
        // forge-lint: disable-next-line(unsafe-typecast)
        bytes32 hash = _validatorHashByIndex[uint64(validatorIndex)];
        // An unused index maps to hash 0, which no validator has (its record is empty).
        return _validatorData(hash);
    }

    /// @inheritdoc IUniFiAVSManager
    function getValidators(bytes32[] calldata blsPubKeyHashes)
        external
        view
        returns (ValidatorDataExtended[] memory validators)
    {
        validators = new ValidatorDataExtended[](blsPubKeyHashes.length);
        for (uint256 i; i < blsPubKeyHashes.length; ++i) {
            validators[i] = _validatorData(blsPubKeyHashes[i]);
        }
    }

    /// @inheritdoc IUniFiAVSManager
    function isValidatorInChainId(bytes32 blsPubKeyHash, uint256 chainId) external view returns (bool) {
        ValidatorData storage v = _validators[blsPubKeyHash];
        if (!_registeredNow(v)) return false;
        return _chainIds.includes(_inForce(_operators[v.operator]).chainIDBitMap, chainId);
    }

    /// @inheritdoc IUniFiAVSManager
    function getChainID(uint8 index) external view returns (uint256) {
        return _chainIds.chainIds[index];
    }

    /// @inheritdoc IUniFiAVSManager
    function getBitmapIndex(uint256 chainID) external view returns (uint8) {
        return _chainIds.indexes[chainID];
    }

    /// @inheritdoc IUniFiAVSManager
    function bitmapToChainIDs(uint256 bitmap) external view returns (uint256[] memory) {
        return _chainIds.chainIdsOf(bitmap);
    }

    /// @inheritdoc IUniFiAVSManager
    function preconfirmationDigest(Preconfirmation calldata preconf) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    PRECONFIRMATION_TYPEHASH, preconf.chainId, preconf.slot, preconf.txHash, preconf.blsPubKeyHash
                )
            )
        );
    }

    /// @notice The EIP-712 domain separator of preconfirmations (name "UniFiAVSManager", version "1", this chain,
    ///         this contract).
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @inheritdoc IUniFiAVSManager
    /// @dev Reads only this registry and the EigenLayer contracts fixed at deployment; the signer check is
    ///      SignatureChecker's, which returns false for malformed signatures and failing ERC-1271 calls.
    function isValidPreconfirmation(Preconfirmation calldata preconf, bytes calldata signature)
        external
        view
        returns (bool)
    {
        ValidatorData storage v = _validators[preconf.blsPubKeyHash];
        if (!_registeredNow(v)) return false;
        OperatorCommitment memory commitment = _inForce(_operators[v.operator]);
        if (!_chainIds.includes(commitment.chainIDBitMap, preconf.chainId)) return false;
        if (commitment.delegateKey.length != 20) return false;
        if (!_backedByStake(v.eigenPod, preconf.blsPubKeyHash, v.operator)) return false;
        address signer = address(bytes20(commitment.delegateKey));
        return SignatureChecker.isValidSignatureNow(signer, preconfirmationDigest(preconf), signature);
    }

    // ------------------------------------------------------------------------------------------------ internal

    /// @dev Writes the pending commitment down as in force and clears it.
    function _applyPending(address operator, OperatorData storage op) internal {
        OperatorCommitment memory old = op.commitment;
        op.commitment = op.pendingCommitment;
        delete op.pendingCommitment;
        op.commitmentValidAfter = 0;
        emit OperatorCommitmentSet(operator, old, op.commitment);
    }
}
