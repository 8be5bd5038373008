// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IAVSDirectory, IAVSDirectoryTypes} from "../../eigenlayer/IAVSDirectory.sol";
import {IDelegationManager} from "../../eigenlayer/IDelegationManager.sol";
import {IEigenPod, IEigenPodTypes} from "../../eigenlayer/IEigenPod.sol";
import {IEigenPodManager} from "../../eigenlayer/IEigenPodManager.sol";
import {ISignatureUtilsMixin} from "../../eigenlayer/ISignatureUtilsMixin.sol";
import {ChainIDBitmap} from "./ChainIDBitmap.sol";
import {IUniFiAVSManager} from "./IUniFiAVSManager.sol";

/// @title UniFiAVSManager: the preconfirmation registry of operators and their EigenPod validators
/// @notice See IUniFiAVSManager. Commitment changes, validator deregistrations and operator deregistrations wait
///         `deregistrationDelay` blocks so that a promise made during the proposer lookahead stays checkable. Every
///         view reads the commitment in force: a pending commitment is in force from its `validAfter` block whether
///         or not anyone has written it down with updateOperatorCommitment.
/// @dev Not upgradeable. Storage after the inherited Ownable (owner), Ownable2Step (pending owner) and EIP712 (name
///      and version fallbacks, unused for these short strings): the delay, then one mapping per kind of record, each
///      record packed so that a hot read is one slot (ValidatorData: pod + index, operator + registeredUntil;
///      OperatorData: the two commitments, then count + deregistration start + validAfter in one slot). Calls out go
///      only to the EigenLayer contracts fixed at deployment; state-changing ones come after the effects.
contract UniFiAVSManager is IUniFiAVSManager, Ownable2Step, EIP712 {
    using ChainIDBitmap for ChainIDBitmap.Map;

    /// @notice An operator's registry record (it exists while the operator is registered to the AVS).
    /// @param commitment The commitment written down as in force.
    /// @param pendingCommitment The next commitment, in force from `commitmentValidAfter` (0: none pending).
    struct OperatorData {
        OperatorCommitment commitment;
        OperatorCommitment pendingCommitment;
        uint128 validatorCount;
        uint64 startDeregisterOperatorBlock;
        uint64 commitmentValidAfter;
    }

    /// @notice A validator's registry record (`operator == address(0)`: never registered).
    /// @param registeredUntil type(uint64).max while registered; after deregistering, the block it stops being liable.
    struct ValidatorData {
        address eigenPod;
        uint64 validatorIndex;
        address operator;
        uint64 registeredUntil;
    }

    /// @notice A started deregistration of `operator` was cancelled by registering validators.
    event OperatorDeregisterCancelled(address indexed operator);

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
    function finishDeregisterOperator() external registeredOperator {
        uint64 start = _operators[msg.sender].startDeregisterOperatorBlock;
        if (start == 0) revert DeregistrationNotStarted();
        if (block.number < uint256(start) + _deregistrationDelay) revert DeregistrationDelayNotElapsed();
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
        // casting to 'uint128' is safe because a calldata array cannot hold 2^128 entries
        // forge-lint: disable-next-line(unsafe-typecast)
        op.validatorCount += uint128(blsPubKeyHashes.length);
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
            --_operators[operator].validatorCount;
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
    ///      fixed (commitment validAfter, validator registeredUntil) keep their value.
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
                abi.encode(PRECONFIRMATION_TYPEHASH, preconf.chainId, preconf.slot, preconf.txHash, preconf.blsPubKeyHash)
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

    /// @dev Writes the pending commitment down as in force and clears it.
    function _applyPending(address operator, OperatorData storage op) internal {
        OperatorCommitment memory old = op.commitment;
        op.commitment = op.pendingCommitment;
        delete op.pendingCommitment;
        op.commitmentValidAfter = 0;
        emit OperatorCommitmentSet(operator, old, op.commitment);
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
