// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IEigenPod} from "./IEigenPod.sol";

/// @title Errors raised by the EigenPodManager
interface IEigenPodManagerErrors {
    /// @notice The caller already has a pod.
    error EigenPodAlreadyExists();
}

/// @title Events emitted by the EigenPodManager
interface IEigenPodManagerEvents {
    /// @notice `podOwner` deployed `eigenPod`.
    event PodDeployed(address indexed eigenPod, address indexed podOwner);
}

/// @title EigenPodManager: deploys one EigenPod per owner and tracks beacon-chain restaking
/// @notice ABI-compatible with eigenlayer-contracts v1.12.0 for the functions below.
interface IEigenPodManager is IEigenPodManagerErrors, IEigenPodManagerEvents {
    /// @notice Deploys a pod for msg.sender (at the address getPod predicts) and returns it.
    /// @dev Reverts EigenPodAlreadyExists if msg.sender has one.
    function createPod() external returns (address);

    /// @notice The pod of `podOwner`: the deployed one, or the address it will be deployed at (as v1.12.0 does).
    function getPod(address podOwner) external view returns (IEigenPod);

    /// @notice Whether `podOwner` has deployed a pod.
    function hasPod(address podOwner) external view returns (bool);

    /// @notice The deployed pod of `podOwner`, or address(0).
    function ownerToPod(address podOwner) external view returns (IEigenPod);

    /// @notice Beacon-chain ETH shares of `podOwner` (wei; negative after a slashing deficit on mainnet).
    function podOwnerDepositShares(address podOwner) external view returns (int256);
}
