// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {BLSSignerSetChecker} from "../../core/signatures/BLSSignerSetChecker.sol";
import {BN254} from "../../core/signatures/BN254.sol";
import {ITEELivenessVerifier} from "./ITEELivenessVerifier.sol";

/// @title IMultiProverServiceManager
/// @notice Types, errors and events of the MultiProverServiceManager: committees of TEE quorums and BLS-signed state
///         headers confirmed once per (committee, metadata). (Operators that sign two states for one (committee,
///         metadata) are slashed by the EquivocationSlasher, IEquivocationSlasher.)
interface IMultiProverServiceManager {
    /// @notice A committee: the TEE quorums that must each reach their threshold to confirm one of its states.
    /// @param id The committee id.
    /// @param description Human-readable description.
    /// @param metadata Opaque committee metadata (e.g. which chain or program it proves).
    /// @param teeQuorumNumbers TEE quorums, one byte each, strictly ascending, each added with {addTeeQuorum}.
    struct Committee {
        uint256 id;
        string description;
        bytes metadata;
        bytes teeQuorumNumbers;
    }

    /// @notice A quorum whose signers count only while their prover of `teeType` is live.
    /// @param teeType The TEE type (not NONE).
    /// @param quorumNumber The registry's quorum (= the ServiceManager's operator set id).
    struct TeeQuorum {
        ITEELivenessVerifier.TeeType teeType;
        uint8 quorumNumber;
    }

    /// @notice What operators sign (EIP-712 type StateHeader, see STATE_HEADER_TYPEHASH).
    /// @param committeeId The committee.
    /// @param metadata What the state is of (e.g. an encoded chain id and block number); one state per metadata.
    /// @param state The state (e.g. a state root), opaque.
    /// @param quorumNumbers The committee's TEE quorums, one byte each, strictly ascending.
    /// @param referenceEpoch The epoch whose keys, weights and thresholds apply.
    struct StateHeader {
        uint256 committeeId;
        bytes metadata;
        bytes state;
        bytes quorumNumbers;
        uint32 referenceEpoch;
    }

    /// @notice The aggregate signature of a StateHeader's EIP-712 digest.
    /// @param signerKeys Per header.quorumNumbers[i], the signers' G1 keys, strictly ascending by key hash.
    /// @param apkG2 The aggregate G2 key of every listed key (counted once per listing).
    /// @param sigma The aggregate signature Σ sk·hashToG1(digest).
    struct StateSignature {
        BN254.G1Point[][] signerKeys;
        BN254.G2Point apkG2;
        BN254.G1Point sigma;
    }

    /// @notice A confirmed state.
    /// @param stateHash keccak256 of the state (the state itself is in {StateConfirmed}).
    /// @param digest The EIP-712 digest that was signed.
    /// @param confirmedAt Unix seconds of the confirmation block (the time provers had to be live at).
    /// @param referenceEpoch The reference epoch of the signature.
    struct ConfirmedState {
        bytes32 stateHash;
        bytes32 digest;
        uint64 confirmedAt;
        uint32 referenceEpoch;
    }

    /// @notice Why a confirmation fails (Valid when it would succeed), in the order the checks run.
    enum ConfirmationStatus {
        Valid,
        NotConfigured,
        CommitteeNotFound,
        QuorumNumbersMismatch,
        AlreadyConfirmed,
        InvalidSignature
    }

    /// @notice The stake registry or the liveness verifier is not set.
    error NotConfigured();
    /// @notice A zero address.
    error InvalidParameter();
    /// @notice Committee `committeeId` does not exist.
    error CommitteeNotFound(uint256 committeeId);
    /// @notice Committee `committeeId` already exists.
    error CommitteeExists(uint256 committeeId);
    /// @notice Committee `committeeId` was removed: its id is never used again (its members stay slashable for what
    ///         they signed under it).
    error CommitteeIdRetired(uint256 committeeId);
    /// @notice A committee's quorums are empty, not strictly ascending, or name a quorum that is not a TEE quorum.
    error InvalidCommitteeQuorums(bytes teeQuorumNumbers);
    /// @notice TEE quorum `quorumNumber` already exists.
    error TeeQuorumExists(uint8 quorumNumber);
    /// @notice A TEE quorum's type may not be NONE.
    error InvalidTeeType();
    /// @notice The header's quorums are not its committee's.
    error QuorumNumbersMismatch(bytes expected, bytes given);
    /// @notice A state of (`committeeId`, metadata `metadataHash`) is already confirmed: `stateHash`.
    error StateAlreadyConfirmed(uint256 committeeId, bytes32 metadataHash, bytes32 stateHash);
    /// @notice The signature check failed with `status` at quorum index `quorumIndex`.
    error InvalidStateSignature(BLSSignerSetChecker.SignerSetStatus status, uint256 quorumIndex);

    /// @notice The liveness verifier is `verifier` from now on.
    event LivenessVerifierSet(address indexed verifier);
    /// @notice TEE quorum `quorumNumber` of `teeType` was added.
    event TeeQuorumAdded(uint8 indexed quorumNumber, ITEELivenessVerifier.TeeType indexed teeType);
    /// @notice Committee `committeeId` was added.
    event CommitteeAdded(uint256 indexed committeeId, string description, bytes metadata, bytes teeQuorumNumbers);
    /// @notice Committee `committeeId` was updated (confirmed states are unaffected).
    event CommitteeUpdated(uint256 indexed committeeId, string description, bytes metadata, bytes teeQuorumNumbers);
    /// @notice Committee `committeeId` was removed (confirmed states stay; the id is retired).
    event CommitteeRemoved(uint256 indexed committeeId);
    /// @notice `state` was confirmed for (`committeeId`, `metadata`), signed over `digest`; `signedWeights` per quorum
    ///         (weight units) are those of the live, unfrozen signers.
    event StateConfirmed(
        uint256 indexed committeeId,
        bytes32 indexed metadataHash,
        bytes32 indexed digest,
        bytes metadata,
        bytes state,
        uint32 referenceEpoch,
        uint256[] signedWeights
    );
}
