// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IEigenPod, IEigenPodTypes} from "../../eigenlayer/IEigenPod.sol";
import {ISignatureUtilsMixin} from "../../eigenlayer/ISignatureUtilsMixin.sol";

/// @title Errors raised by the UniFiAVSManager
interface IUniFiAVSManagerErrors {
    /// @notice registerOperator: the operator is already registered to this AVS in the AVSDirectory.
    error OperatorAlreadyRegistered();
    /// @notice The caller (or the operator named) is not registered to this AVS.
    error OperatorNotRegistered();
    /// @notice registerValidators: the caller is not an EigenLayer operator.
    error NotOperator();
    /// @notice registerValidators: the pod owner has no EigenPod.
    error NoEigenPod();
    /// @notice registerValidators: the pod owner is not delegated to the caller.
    error NotDelegatedToOperator();
    /// @notice registerValidators: the validator is not ACTIVE in the pod owner's EigenPod.
    error ValidatorNotActive(bytes32 blsPubKeyHash);
    /// @notice registerValidators: the validator is registered (or still liable after deregistering).
    error ValidatorAlreadyRegistered(bytes32 blsPubKeyHash);
    /// @notice deregisterValidators: the validator is not registered.
    error ValidatorNotFound(bytes32 blsPubKeyHash);
    /// @notice deregisterValidators: the caller may not deregister this validator (not its operator, and the
    ///         validator is still ACTIVE in its pod and the pod still delegated to its operator).
    error NotValidatorOperator(bytes32 blsPubKeyHash);
    /// @notice registerValidators: the operator's commitment has no delegate key.
    error DelegateKeyNotSet();
    /// @notice A commitment whose delegate key is empty, or whose bitmap uses bit 0.
    error InvalidCommitment();
    /// @notice updateOperatorCommitment: no pending commitment, or its delay has not passed.
    error CommitmentChangeNotReady();
    /// @notice startDeregisterOperator: the operator still has registered validators.
    error OperatorHasValidators();
    /// @notice startDeregisterOperator: deregistration was already started.
    error DeregistrationAlreadyStarted();
    /// @notice finishDeregisterOperator: deregistration was not started.
    error DeregistrationNotStarted();
    /// @notice finishDeregisterOperator: the deregistration delay has not passed.
    error DeregistrationDelayNotElapsed();
    /// @notice A deregistration delay of zero blocks.
    error InvalidDeregistrationDelay();
    /// @notice setChainID: index 0, or a chain id already at another index (chain id 0 clears a position); in the
    ///         constructor also a zero chain id or more than 255.
    error InvalidChainID();
    /// @notice A zero address among the constructor's dependencies.
    error InvalidAddressZero();
}

/// @title Types used by the UniFiAVSManager
interface IUniFiAVSManagerTypes {
    /// @notice An operator's preconfirmation commitment.
    /// @param delegateKey The key that signs preconfirmations for all of the operator's validators. The registry does
    ///        not fix its type; a 20-byte key is an Ethereum address (EOA or ERC-1271 signer), the only kind
    ///        isValidPreconfirmation checks.
    /// @param chainIDBitMap Bit i (1 ≤ i ≤ 255) set means the operator preconfirms for getChainID(i). Bit 0 is never used.
    struct OperatorCommitment {
        bytes delegateKey;
        uint256 chainIDBitMap;
    }

    /// @notice An operator as getOperator reports it.
    /// @param validatorCount Validators registered and not deregistered.
    /// @param commitment The commitment in force now (a pending one whose delay has passed is in force).
    /// @param pendingCommitment The commitment waiting for its delay (empty if none).
    /// @param startDeregisterOperatorBlock Block at which deregistration started, 0 if not started.
    /// @param isRegistered Whether the operator is registered to this AVS in the AVSDirectory.
    /// @param commitmentValidAfter Block from which the pending commitment may be applied (0 if none).
    struct OperatorDataExtended {
        uint128 validatorCount;
        OperatorCommitment commitment;
        OperatorCommitment pendingCommitment;
        uint64 startDeregisterOperatorBlock;
        bool isRegistered;
        uint64 commitmentValidAfter;
    }

    /// @notice A validator as getValidator reports it; `operator == address(0)` means the registry never saw it.
    /// @param operator The operator it is (or was last) registered with.
    /// @param eigenPod Its EigenPod.
    /// @param validatorIndex Its beacon-chain index.
    /// @param status Its status in the EigenPod now.
    /// @param delegateKey The operator's delegate key in force now.
    /// @param chainIDBitMap The operator's chain bitmap in force now.
    /// @param backedByStake Whether the pod owner is still delegated to the operator and the validator still ACTIVE.
    /// @param registered Whether it is registered now (including the deregistration delay, while it is still liable).
    /// @param registeredUntil Block until which a deregistered validator stays liable (type(uint64).max while registered).
    struct ValidatorDataExtended {
        address operator;
        address eigenPod;
        uint64 validatorIndex;
        IEigenPodTypes.VALIDATOR_STATUS status;
        bytes delegateKey;
        uint256 chainIDBitMap;
        bool backedByStake;
        bool registered;
        uint64 registeredUntil;
    }

    /// @notice A preconfirmation: the proposer of `slot`, validator `blsPubKeyHash`, promises to include the
    ///         transaction `txHash` on chain `chainId`. Signed as EIP-712 typed data in this registry's domain
    ///         {name "UniFiAVSManager", version "1", chainId of the registry's chain, verifyingContract = the registry}.
    /// @param chainId The chain the transaction is for (EIP-155 chain id), one of the operator's committed chains.
    /// @param slot The beacon-chain slot.
    /// @param txHash keccak256 of the signed transaction's bytes.
    /// @param blsPubKeyHash The proposer's validator, sha256(pubkey ‖ bytes16(0)).
    struct Preconfirmation {
        uint256 chainId;
        uint64 slot;
        bytes32 txHash;
        bytes32 blsPubKeyHash;
    }
}

/// @title Events emitted by the UniFiAVSManager
interface IUniFiAVSManagerEvents is IUniFiAVSManagerTypes {
    /// @notice `operator` registered to the AVS.
    event OperatorRegistered(address indexed operator);
    /// @notice `operator` registered to the AVS with `commitment` in force at once.
    event OperatorRegisteredWithCommitment(address indexed operator, OperatorCommitment commitment);
    /// @notice `operator` asked for `newCommitment`, in force from block `validAfter`.
    event OperatorCommitmentChangeInitiated(
        address indexed operator, OperatorCommitment oldCommitment, OperatorCommitment newCommitment, uint64 validAfter
    );
    /// @notice `operator`'s commitment in force became `newCommitment` (written down by updateOperatorCommitment or
    ///         by the next setOperatorCommitment).
    event OperatorCommitmentSet(address indexed operator, OperatorCommitment oldCommitment, OperatorCommitment newCommitment);
    /// @notice `operator` registered validator `blsPubKeyHash` (beacon index `validatorIndex`) of `podOwner`'s pod.
    event ValidatorRegistered(
        address indexed podOwner, address indexed operator, bytes32 indexed blsPubKeyHash, uint64 validatorIndex
    );
    /// @notice Validator `blsPubKeyHash` of `operator` was deregistered; it stays liable until block `registeredUntil`.
    event ValidatorDeregistered(address indexed operator, bytes32 indexed blsPubKeyHash, uint64 registeredUntil);
    /// @notice `operator` started deregistering at block `startBlock`.
    event OperatorDeregisterStarted(address indexed operator, uint64 startBlock);
    /// @notice `operator` left the AVS.
    event OperatorDeregistered(address indexed operator);
    /// @notice Bitmap position `index` now stands for `chainID` (0: cleared).
    event ChainIDSet(uint8 indexed index, uint256 chainID);
    /// @notice The deregistration delay changed, in blocks.
    event DeregistrationDelaySet(uint64 oldDelay, uint64 newDelay);
}

/// @title UniFiAVSManager: operators and their EigenPod validators registered for preconfirmations
/// @notice Operators register through the AVSDirectory (legacy M2 path), commit to a delegate key and a set of chains
///         (a bitmap over positions the owner maps to chain ids), and register the ACTIVE validators of pods delegated
///         to them. Gateways read it to learn who may preconfirm a slot, for which chains, with which key. Every change
///         that could break a promise made during the proposer lookahead (commitment change, validator or operator
///         deregistration) waits `deregistrationDelay` blocks.
interface IUniFiAVSManager is IUniFiAVSManagerEvents, IUniFiAVSManagerErrors {
    /// @notice Registers msg.sender (an EigenLayer operator) to the AVS through AVSDirectory.registerOperatorToAVS.
    /// @param operatorSignature The operator's AVSDirectory registration signature for this AVS.
    /// @dev Reverts OperatorAlreadyRegistered; the AVSDirectory's errors pass through.
    function registerOperator(ISignatureUtilsMixin.SignatureWithSaltAndExpiry memory operatorSignature) external;

    /// @notice registerOperator, with `initialCommitment` in force at once (the operator has no validators yet).
    /// @dev Reverts OperatorAlreadyRegistered or InvalidCommitment.
    function registerOperatorWithCommitment(
        ISignatureUtilsMixin.SignatureWithSaltAndExpiry memory operatorSignature,
        OperatorCommitment memory initialCommitment
    ) external;

    /// @notice Starts a change of msg.sender's commitment; it is in force from block.number + deregistrationDelay.
    ///         A pending commitment whose delay already passed is put in force first, so setting a new one never
    ///         revives an older one.
    /// @dev Reverts OperatorNotRegistered or InvalidCommitment.
    function setOperatorCommitment(OperatorCommitment memory newCommitment) external;

    /// @notice Writes down msg.sender's pending commitment once its delay has passed.
    /// @dev Reverts OperatorNotRegistered or CommitmentChangeNotReady.
    function updateOperatorCommitment() external;

    /// @notice Registers validators of `podOwner`'s EigenPod with msg.sender; also cancels a started deregistration.
    /// @param podOwner Owner of the pod, delegated to msg.sender.
    /// @param blsPubKeyHashes sha256(pubkey ‖ bytes16(0)) of each validator, each ACTIVE in the pod.
    /// @dev Reverts NotOperator, NoEigenPod, NotDelegatedToOperator, OperatorNotRegistered, DelegateKeyNotSet,
    ///      ValidatorNotActive or ValidatorAlreadyRegistered.
    function registerValidators(address podOwner, bytes32[] calldata blsPubKeyHashes) external;

    /// @notice Deregisters validators; each stays liable for deregistrationDelay blocks. Their operator may always
    ///         do it; anyone may for a validator no longer ACTIVE in its pod or whose pod owner is no longer delegated
    ///         to its operator.
    /// @dev Reverts ValidatorNotFound or NotValidatorOperator.
    function deregisterValidators(bytes32[] calldata blsPubKeyHashes) external;

    /// @notice Starts msg.sender's deregistration from the AVS.
    /// @dev Reverts OperatorNotRegistered, OperatorHasValidators or DeregistrationAlreadyStarted.
    function startDeregisterOperator() external;

    /// @notice Finishes msg.sender's deregistration deregistrationDelay blocks after it started:
    ///         AVSDirectory.deregisterOperatorFromAVS, and the operator's data is deleted.
    /// @dev Reverts OperatorNotRegistered, DeregistrationNotStarted or DeregistrationDelayNotElapsed.
    function finishDeregisterOperator() external;

    /// @notice Owner: bitmap position `index` (1–255) stands for `chainID` (0 clears it). The chain id it replaces
    ///         no longer maps to any position.
    /// @dev Reverts InvalidChainID.
    function setChainID(uint8 index, uint256 chainID) external;

    /// @notice Owner: the delay, in blocks, of commitment changes and deregistrations (> 0).
    /// @dev Reverts InvalidDeregistrationDelay.
    function setDeregistrationDelay(uint64 newDelay) external;

    /// @notice Owner: the AVS's metadata URI, through AVSDirectory.updateAVSMetadataURI.
    function updateAVSMetadataURI(string calldata metadataURI) external;

    /// @notice The delay of commitment changes and deregistrations, in blocks.
    function getDeregistrationDelay() external view returns (uint64);

    /// @notice `operator` as the registry sees it now.
    function getOperator(address operator) external view returns (OperatorDataExtended memory);

    /// @notice The validator with pubkey hash `blsPubKeyHash`.
    function getValidator(bytes32 blsPubKeyHash) external view returns (ValidatorDataExtended memory);

    /// @notice The validator with beacon-chain index `validatorIndex` (index 0 is a validator like any other).
    function getValidator(uint256 validatorIndex) external view returns (ValidatorDataExtended memory);

    /// @notice getValidator for each hash.
    function getValidators(bytes32[] calldata blsPubKeyHashes) external view returns (ValidatorDataExtended[] memory);

    /// @notice Whether the validator is registered and its operator's commitment in force includes `chainId`.
    function isValidatorInChainId(bytes32 blsPubKeyHash, uint256 chainId) external view returns (bool);

    /// @notice The chain id at bitmap position `index` (0 if none).
    function getChainID(uint8 index) external view returns (uint256);

    /// @notice The bitmap position of `chainID` (0 if it has none).
    function getBitmapIndex(uint256 chainID) external view returns (uint8);

    /// @notice The chain ids of the set bits of `bitmap`, in ascending position; positions with no chain id are skipped.
    function bitmapToChainIDs(uint256 bitmap) external view returns (uint256[] memory);

    /// @notice The EIP-712 digest of `preconf` in this registry's domain.
    function preconfirmationDigest(Preconfirmation calldata preconf) external view returns (bytes32);

    /// @notice Whether `signature` is the delegate key's signature of `preconf` and the delegate key may sign it now:
    ///         the validator is registered and backed by stake, its operator's commitment in force includes
    ///         preconf.chainId, and the delegate key is a 20-byte address whose signature (ECDSA or ERC-1271) checks.
    ///         Never reverts. The slot's proposer is not known on-chain: callers check that it is the validator.
    function isValidPreconfirmation(Preconfirmation calldata preconf, bytes calldata signature) external view returns (bool);
}
