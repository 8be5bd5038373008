// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";
import {IEigenPod, IEigenPodTypes} from "../../src/eigenlayer/IEigenPod.sol";
import {IEigenPodManager} from "../../src/eigenlayer/IEigenPodManager.sol";
import {EigenPod} from "./EigenPod.sol";

/// @title EigenPodManager (devnet): one EigenPod per owner, and a devnet-only stand-in for the beacon chain
/// @notice createPod, getPod, hasPod, ownerToPod and podOwnerDepositShares as in eigenlayer-contracts v1.12.0 (pods
///         at CREATE2 addresses, so getPod predicts a pod before it exists). A devnet has no beacon chain to prove
///         withdrawal credentials against, so the `beaconChainOracle` fixed at deployment activates and withdraws
///         validators with devnetActivateValidator and devnetWithdrawValidator; `IS_DEVNET` marks the contract as
///         such. Each validator (by pubkey and by beacon index) exists in at most one pod, as on the beacon chain.
///         Beacon-chain shares are counted per pod owner but, unlike mainnet, not delegated through the
///         DelegationManager.
contract EigenPodManager is IEigenPodManager {
    /// @notice Only the beacon-chain oracle may change validator state.
    error OnlyBeaconChainOracle();
    /// @notice The pubkey is not 48 bytes.
    error InvalidPubkeyLength();
    /// @notice A validator with this pubkey or beacon index is already in a pod.
    error ValidatorAlreadyExists();
    /// @notice The validator is not ACTIVE in a pod.
    error ValidatorNotActiveInPod();
    /// @notice The account has no pod.
    error PodDoesNotExist();

    /// @notice A devnet validator became ACTIVE in `pod` at beacon index `validatorIndex`.
    event DevnetValidatorActivated(address indexed pod, bytes32 indexed pubkeyHash, uint64 validatorIndex, bytes pubkey);
    /// @notice A devnet validator of `pod` was withdrawn.
    event DevnetValidatorWithdrawn(address indexed pod, bytes32 indexed pubkeyHash);

    /// @notice Marks this contract as the devnet's: it lets an oracle set validator state without proofs.
    bool public constant IS_DEVNET = true;
    /// @notice Balance credited per activated validator, in gwei (32 ETH).
    uint64 public constant VALIDATOR_BALANCE_GWEI = 32e9;

    /// @notice The devnet's beacon chain: the only account that activates and withdraws validators.
    address public immutable beaconChainOracle;

    /// @inheritdoc IEigenPodManager
    mapping(address podOwner => IEigenPod) public ownerToPod;
    /// @inheritdoc IEigenPodManager
    mapping(address podOwner => int256) public podOwnerDepositShares;
    /// @notice The pod each validator (by sha256(pubkey ‖ bytes16(0))) was activated in.
    mapping(bytes32 pubkeyHash => address) public validatorPod;
    /// @dev Beacon indices in use (index 0 is a validator like the others).
    mapping(uint64 validatorIndex => bool) internal _indexUsed;

    /// @param _beaconChainOracle The account standing in for the beacon chain (the devnet deployer).
    constructor(address _beaconChainOracle) {
        beaconChainOracle = _beaconChainOracle;
    }

    /// @inheritdoc IEigenPodManager
    function createPod() external returns (address pod) {
        if (address(ownerToPod[msg.sender]) != address(0)) revert EigenPodAlreadyExists();
        pod = address(new EigenPod{salt: _salt(msg.sender)}(msg.sender));
        ownerToPod[msg.sender] = IEigenPod(pod);
        emit PodDeployed(pod, msg.sender);
    }

    /// @notice Devnet: the 48-byte BLS `pubkey` at beacon index `validatorIndex`, withdrawing to `podOwner`'s pod,
    ///         becomes ACTIVE there with 32 ETH, as if its withdrawal credentials had been proven.
    /// @dev Only the beacon-chain oracle. Reverts InvalidPubkeyLength, PodDoesNotExist or ValidatorAlreadyExists.
    function devnetActivateValidator(address podOwner, bytes calldata pubkey, uint64 validatorIndex) external {
        if (msg.sender != beaconChainOracle) revert OnlyBeaconChainOracle();
        if (pubkey.length != 48) revert InvalidPubkeyLength();
        EigenPod pod = EigenPod(address(ownerToPod[podOwner]));
        if (address(pod) == address(0)) revert PodDoesNotExist();
        bytes32 pubkeyHash = sha256(abi.encodePacked(pubkey, bytes16(0)));
        if (validatorPod[pubkeyHash] != address(0) || _indexUsed[validatorIndex]) revert ValidatorAlreadyExists();
        validatorPod[pubkeyHash] = address(pod);
        _indexUsed[validatorIndex] = true;
        podOwnerDepositShares[podOwner] += int256(uint256(VALIDATOR_BALANCE_GWEI) * 1 gwei);
        pod.activateValidator(pubkeyHash, validatorIndex, VALIDATOR_BALANCE_GWEI);
        emit DevnetValidatorActivated(address(pod), pubkeyHash, validatorIndex, pubkey);
    }

    /// @notice Devnet: the ACTIVE validator with pubkey hash `pubkeyHash` exited and was withdrawn (WITHDRAWN).
    /// @dev Only the beacon-chain oracle. Reverts ValidatorNotActiveInPod.
    function devnetWithdrawValidator(bytes32 pubkeyHash) external {
        if (msg.sender != beaconChainOracle) revert OnlyBeaconChainOracle();
        EigenPod pod = EigenPod(validatorPod[pubkeyHash]);
        if (address(pod) == address(0) || pod.validatorStatus(pubkeyHash) != IEigenPodTypes.VALIDATOR_STATUS.ACTIVE) {
            revert ValidatorNotActiveInPod();
        }
        uint64 balanceGwei = pod.withdrawValidator(pubkeyHash);
        podOwnerDepositShares[pod.podOwner()] -= int256(uint256(balanceGwei) * 1 gwei);
        emit DevnetValidatorWithdrawn(address(pod), pubkeyHash);
    }

    /// @inheritdoc IEigenPodManager
    function getPod(address podOwner) external view returns (IEigenPod) {
        IEigenPod pod = ownerToPod[podOwner];
        if (address(pod) != address(0)) return pod;
        bytes32 initCodeHash = keccak256(abi.encodePacked(type(EigenPod).creationCode, abi.encode(podOwner)));
        return IEigenPod(Create2.computeAddress(_salt(podOwner), initCodeHash));
    }

    /// @inheritdoc IEigenPodManager
    function hasPod(address podOwner) external view returns (bool) {
        return address(ownerToPod[podOwner]) != address(0);
    }

    function _salt(address podOwner) internal pure returns (bytes32) {
        return bytes32(uint256(uint160(podOwner)));
    }
}
