// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IEigenPod} from "../../src/eigenlayer/IEigenPod.sol";

/// @title EigenPod (devnet): the validators of one pod owner
/// @notice Reports validators as eigenlayer-contracts v1.12.0's EigenPod does (keyed by sha256(pubkey ‖ bytes16(0))).
///         On mainnet a validator becomes ACTIVE when its withdrawal credentials are proven against a beacon state
///         root; here only the devnet EigenPodManager, standing in for the beacon chain, sets validator state.
contract EigenPod is IEigenPod {
    /// @notice Only the EigenPodManager may change validator state.
    error OnlyEigenPodManager();

    /// @notice The EigenPodManager that deployed this pod.
    address public immutable eigenPodManager;
    /// @inheritdoc IEigenPod
    address public immutable podOwner;

    /// @inheritdoc IEigenPod
    uint256 public activeValidatorCount;
    mapping(bytes32 pubkeyHash => ValidatorInfo) internal _validators;

    /// @param _podOwner The owner (whose delegation decides which operator the pod's validators restake with).
    constructor(address _podOwner) {
        eigenPodManager = msg.sender;
        podOwner = _podOwner;
    }

    /// @notice Devnet: records `pubkeyHash` as ACTIVE with `balanceGwei` at beacon index `validatorIndex`.
    /// @dev Only the EigenPodManager, which checks the validator is new.
    function activateValidator(bytes32 pubkeyHash, uint64 validatorIndex, uint64 balanceGwei) external {
        if (msg.sender != eigenPodManager) revert OnlyEigenPodManager();
        _validators[pubkeyHash] = ValidatorInfo({
            validatorIndex: validatorIndex,
            restakedBalanceGwei: balanceGwei,
            lastCheckpointedAt: uint64(block.timestamp),
            status: VALIDATOR_STATUS.ACTIVE
        });
        activeValidatorCount++;
        emit ValidatorRestaked(uint40(validatorIndex));
    }

    /// @notice Devnet: records that the ACTIVE validator `pubkeyHash` exited and was withdrawn.
    /// @return balanceGwei The balance it had restaked, in gwei.
    /// @dev Only the EigenPodManager, which checks the validator is ACTIVE here.
    function withdrawValidator(bytes32 pubkeyHash) external returns (uint64 balanceGwei) {
        if (msg.sender != eigenPodManager) revert OnlyEigenPodManager();
        ValidatorInfo storage info = _validators[pubkeyHash];
        balanceGwei = info.restakedBalanceGwei;
        info.restakedBalanceGwei = 0;
        info.lastCheckpointedAt = uint64(block.timestamp);
        info.status = VALIDATOR_STATUS.WITHDRAWN;
        activeValidatorCount--;
        emit ValidatorWithdrawn(uint64(block.timestamp), uint40(info.validatorIndex));
    }

    /// @inheritdoc IEigenPod
    function validatorPubkeyHashToInfo(bytes32 validatorPubkeyHash) external view returns (ValidatorInfo memory) {
        return _validators[validatorPubkeyHash];
    }

    /// @inheritdoc IEigenPod
    function validatorPubkeyToInfo(bytes calldata validatorPubkey) external view returns (ValidatorInfo memory) {
        return _validators[_pubkeyHash(validatorPubkey)];
    }

    /// @inheritdoc IEigenPod
    function validatorStatus(bytes32 pubkeyHash) external view returns (VALIDATOR_STATUS) {
        return _validators[pubkeyHash].status;
    }

    /// @inheritdoc IEigenPod
    function validatorStatus(bytes calldata validatorPubkey) external view returns (VALIDATOR_STATUS) {
        return _validators[_pubkeyHash(validatorPubkey)].status;
    }

    /// @dev sha256(pubkey ‖ bytes16(0)), as EigenLayer keys validators. Pubkeys that are not 48 bytes hash to keys
    ///      no validator has.
    function _pubkeyHash(bytes calldata pubkey) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(pubkey, bytes16(0)));
    }
}
