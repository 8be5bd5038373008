// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title IEquivocationSlasher
/// @notice Errors and events of the EquivocationSlasher: the slashing of multi-prover operators that BLS-sign two
///         states for one (committee, metadata).
interface IEquivocationSlasher {
    /// @notice WAD_TO_SLASH must be in (0, 1e18].
    error InvalidWadToSlash(uint256 wadToSlash);
    /// @notice `registry` is not the stake registry of its ServiceManager (`stakeRegistry`): wire them first.
    error NotTheStakeRegistry(address registry, address stakeRegistry);
    /// @notice Committee `committeeId` was never added to the ServiceManager.
    error CommitteeNotFound(uint256 committeeId);
    /// @notice The two headers are not for the same (committee, metadata).
    error NotSameCommitteeAndMetadata();
    /// @notice The two headers carry the same state: signing both is not equivocation.
    error SameState();
    /// @notice `operator` has no registered BLS key.
    error OperatorHasNoKey(address operator);
    /// @notice A header's signature by `operator`'s key does not verify.
    error InvalidOperatorSignature(address operator);
    /// @notice At `referenceEpoch`, `operator` had no weight in any quorum the header names that is, or was, one of
    ///         the committee's.
    error NotCommitteeMember(address operator, uint32 referenceEpoch);
    /// @notice `operator` was already slashed for equivocating on (`committeeId`, `metadataHash`).
    error AlreadySlashed(address operator, uint256 committeeId, bytes32 metadataHash);

    /// @notice `operator` signed two states (digests `digestA`, `digestB`) for (`committeeId`, `metadataHash`);
    ///         `reporter` called.
    event EquivocationSlashed(
        address indexed operator,
        uint256 indexed committeeId,
        bytes32 indexed metadataHash,
        bytes32 digestA,
        bytes32 digestB,
        address reporter
    );
    /// @notice `operator` was slashed in operator set `quorumNumber` (slash `slashId`, `shares` per strategy).
    event OperatorSlashed(address indexed operator, uint8 indexed quorumNumber, uint256 slashId, uint256[] shares);
}
