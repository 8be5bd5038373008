// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ServiceManagerBase} from "../../core/avs/ServiceManagerBase.sol";
import {IAVSDirectory} from "../../eigenlayer/IAVSDirectory.sol";
import {IAllocationManager} from "../../eigenlayer/IAllocationManager.sol";
import {IRewardsCoordinator} from "../../eigenlayer/IRewardsCoordinator.sol";
import {StateAttestation, StateAttestationLib} from "./StateAttestationLib.sol";

/// @title StateProofsServiceManager
/// @notice The state-proofs AVS in EigenLayer, and the EIP-712 domain of its signed message:
///         {name "avs-stack state-proofs", version "1", chainId = main chain id, verifyingContract = this contract}.
///         One signature thus verifies on every chain and cannot be replayed to another deployment.
contract StateProofsServiceManager is ServiceManagerBase, EIP712 {
    /// @param avsDirectory_ EigenLayer AVSDirectory.
    /// @param rewardsCoordinator_ EigenLayer RewardsCoordinator.
    /// @param allocationManager_ EigenLayer AllocationManager.
    /// @param owner_ Owner of this ServiceManager.
    constructor(
        IAVSDirectory avsDirectory_,
        IRewardsCoordinator rewardsCoordinator_,
        IAllocationManager allocationManager_,
        address owner_
    )
        ServiceManagerBase(avsDirectory_, rewardsCoordinator_, allocationManager_, owner_)
        EIP712("avs-stack state-proofs", "1")
    {}

    /// @notice The EIP-712 digest operators sign for `attestation` (and isValidSignature checks).
    function attestationDigest(StateAttestation calldata attestation) external view returns (bytes32) {
        return _hashTypedDataV4(StateAttestationLib.hash(attestation));
    }

    /// @notice The task id (= challengeId) of `attestation`:
    ///         keccak256(abi.encodePacked(user, chainId, blockNumber, timestamp, key)).
    function attestationTaskId(StateAttestation calldata attestation) external pure returns (bytes32) {
        return StateAttestationLib.taskId(attestation);
    }

    /// @notice The EIP-712 domain separator on the current chain.
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }
}
