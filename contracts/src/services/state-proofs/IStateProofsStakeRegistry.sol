// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IStrategy} from "../../eigenlayer/IStrategy.sol";

/// @notice A strategy the stake registry counts and its multiplier, basis points of a share (ABI of
///         IECDSAStakeRegistry.StrategyParams).
struct QuorumStrategy {
    IStrategy strategy;
    uint96 multiplier;
}

/// @title IStateProofsStakeRegistry
/// @notice The part of the main chain's stake registry (ECDSAStakeRegistry) the StateDisputeResolver reads.
/// @dev Only the functions disputes call: the resolver depends on them, not on the registry's implementation.
interface IStateProofsStakeRegistry {
    /// @notice ERC-1271: 0x1626ba7e when `sigData` carries a quorum of signatures over `digest` (single form) or over
    ///         a batch holding it (batched form, AttestationBatch), else 0xffffffff.
    function isValidSignature(bytes32 digest, bytes calldata sigData) external view returns (bytes4);
    /// @notice The same check as isValidSignature, reverting when it fails; returns the signers' summed weight and the
    ///         threshold weight at sigData's reference epoch (registry weight units).
    function checkSignatures(bytes32 digest, bytes calldata sigData)
        external
        view
        returns (uint256 signedWeight, uint256 thresholdWeight);
    /// @notice checkSignatures with each signer's checkpointed weight (not lowered to its slashable stake now): what a
    ///         replica on any chain may accept at most. Reverts when the proof fails.
    function checkSignaturesAtCheckpoints(bytes32 digest, bytes calldata sigData)
        external
        view
        returns (uint256 signedWeight, uint256 thresholdWeight);
    /// @notice Zeroes a slashed operator's weight at once and deregisters it; only the operator set's slasher.
    function freezeOperator(address operator) external;
    /// @notice True iff `referenceEpoch` is admissible now (the same age rule as isValidSignature), `operator` has a
    ///         signing key at `referenceEpoch` and `signature` is a 65-byte r‖s‖v (v 27/28, low s) ECDSA signature of
    ///         `digest` by that key.
    function isValidOperatorSignature(address operator, bytes32 digest, bytes calldata signature, uint32 referenceEpoch)
        external
        view
        returns (bool);
    /// @notice isValidOperatorSignature for a batch: `signature` is over the batch digest of the root `proof` leads to
    ///         from `digest`'s leaf (AttestationBatch).
    function isValidOperatorBatchSignature(
        address operator,
        bytes32 digest,
        bytes calldata signature,
        uint32 referenceEpoch,
        bytes32[] calldata proof
    ) external view returns (bool);
    /// @notice The strategies counted in weights and their multipliers (basis points of a share).
    function getQuorum() external view returns (QuorumStrategy[] memory);
    /// @notice Epoch length, seconds.
    function EPOCH_LENGTH() external view returns (uint64);
    /// @notice How many epochs before the current one a proof's reference epoch may be.
    function MAX_PROOF_AGE_EPOCHS() external view returns (uint32);
}
