// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title Types used by EigenPods
interface IEigenPodTypes {
    /// @notice A validator's state in its pod: INACTIVE until its withdrawal credentials are verified to point at the
    ///         pod, ACTIVE while restaked, WITHDRAWN once it has exited and its balance left the beacon chain.
    enum VALIDATOR_STATUS {
        INACTIVE,
        ACTIVE,
        WITHDRAWN
    }

    /// @notice What a pod knows of one validator.
    /// @param validatorIndex The validator's index on the beacon chain (0 is a real validator).
    /// @param restakedBalanceGwei The validator's balance the pod last credited, in gwei.
    /// @param lastCheckpointedAt Unix time (seconds) of the checkpoint that last updated the balance.
    /// @param status INACTIVE, ACTIVE or WITHDRAWN.
    struct ValidatorInfo {
        uint64 validatorIndex;
        uint64 restakedBalanceGwei;
        uint64 lastCheckpointedAt;
        VALIDATOR_STATUS status;
    }
}

/// @title Events emitted by EigenPods
interface IEigenPodEvents is IEigenPodTypes {
    /// @notice A validator's withdrawal credentials were verified: it is ACTIVE in this pod.
    event ValidatorRestaked(uint40 validatorIndex);
    /// @notice A validator exited and its balance was withdrawn: it is WITHDRAWN.
    event ValidatorWithdrawn(uint64 indexed checkpointTimestamp, uint40 indexed validatorIndex);
}

/// @title EigenPod: the withdrawal-credentials address of a pod owner's natively restaked validators
/// @notice ABI-compatible with eigenlayer-contracts v1.12.0 for the functions below. A pod keys each validator by
///         sha256(pubkey ‖ bytes16(0)) (48-byte BLS public key padded to 64 bytes), not keccak256.
interface IEigenPod is IEigenPodEvents {
    /// @notice The owner of this pod (whose delegation decides which operator its validators restake with).
    function podOwner() external view returns (address);

    /// @notice What the pod knows of the validator whose pubkey hash is `validatorPubkeyHash` (zeroes if unknown).
    /// @param validatorPubkeyHash sha256(pubkey ‖ bytes16(0)).
    function validatorPubkeyHashToInfo(bytes32 validatorPubkeyHash) external view returns (ValidatorInfo memory);

    /// @notice Same as validatorPubkeyHashToInfo, from the 48-byte BLS public key.
    function validatorPubkeyToInfo(bytes calldata validatorPubkey) external view returns (ValidatorInfo memory);

    /// @notice The status of the validator whose pubkey hash is `pubkeyHash` (INACTIVE if unknown).
    function validatorStatus(bytes32 pubkeyHash) external view returns (VALIDATOR_STATUS);

    /// @notice The status of the validator with the 48-byte BLS public key `validatorPubkey`.
    function validatorStatus(bytes calldata validatorPubkey) external view returns (VALIDATOR_STATUS);

    /// @notice How many of this pod's validators are ACTIVE.
    function activeValidatorCount() external view returns (uint256);
}
