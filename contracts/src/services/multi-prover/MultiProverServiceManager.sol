// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ServiceManagerBase} from "../../core/avs/ServiceManagerBase.sol";
import {BLSSignerSetChecker} from "../../core/signatures/BLSSignerSetChecker.sol";
import {IAVSDirectory} from "../../eigenlayer/IAVSDirectory.sol";
import {IAllocationManager} from "../../eigenlayer/IAllocationManager.sol";
import {IRewardsCoordinator} from "../../eigenlayer/IRewardsCoordinator.sol";
import {MultiProverCommittees} from "./MultiProverCommittees.sol";
import {MultiProverRegistry} from "./MultiProverRegistry.sol";

/// @title MultiProverServiceManager
/// @notice The multi-prover AVS in EigenLayer. Operators run provers in TEEs and BLS-sign (BN254) state headers; an
///         aggregator submits one aggregate signature, and {confirmState} confirms the state once every TEE quorum of
///         the header's committee reaches its threshold, counting only signers whose prover of the quorum's TEE type
///         is live at the confirmation block's timestamp and who are not frozen. A (committee, metadata) is confirmed
///         at most once, and its state never changes. An operator that signs two states for one (committee, metadata)
///         is slashed and frozen by the EquivocationSlasher, the slasher of this contract's operator sets
///         (CreateSetParamsV2.slasher = the EquivocationSlasher).
///
///         Signed message: the EIP-712 digest of the StateHeader under the domain {name "avs-stack multi-prover",
///         version "1", chainId, verifyingContract = this contract}, so a signature is bound to one chain and one
///         deployment; σ = sk·BN254.hashToG1(digest).
/// @dev Not upgradeable. The stake registry (ServiceManagerBase.stakeRegistry) is the MultiProverRegistry whose
///      quorum q is this contract's operator set q. Split: IMultiProverServiceManager (types, errors, events),
///      MultiProverCommittees (owner configuration), this contract (confirmation, views), EquivocationSlasher
///      (equivocation slashing, a contract of its own to keep this one under EIP-170's size limit).
contract MultiProverServiceManager is ServiceManagerBase, MultiProverCommittees, EIP712 {
    /// @notice keccak256 of the EIP-712 type of a StateHeader.
    bytes32 public constant STATE_HEADER_TYPEHASH = keccak256(
        "StateHeader(uint256 committeeId,bytes metadata,bytes state,bytes quorumNumbers,uint32 referenceEpoch)"
    );

    /// @dev committee id => keccak256(metadata) => its confirmed state (confirmedAt 0: none).
    mapping(uint256 committeeId => mapping(bytes32 metadataHash => ConfirmedState)) internal _confirmed;

    /// @param avsDirectory_ EigenLayer AVSDirectory.
    /// @param rewardsCoordinator_ EigenLayer RewardsCoordinator.
    /// @param allocationManager_ EigenLayer AllocationManager.
    /// @param owner_ Owner (committees, TEE quorums, liveness verifier, operator sets); a timelock in deployments.
    constructor(
        IAVSDirectory avsDirectory_,
        IRewardsCoordinator rewardsCoordinator_,
        IAllocationManager allocationManager_,
        address owner_
    )
        ServiceManagerBase(avsDirectory_, rewardsCoordinator_, allocationManager_, owner_)
        EIP712("avs-stack multi-prover", "1")
    {}

    // ---------------------------------------------------------------------------------------------------------------
    // Confirmation
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Confirms `header.state` for (`header.committeeId`, `header.metadata`). Anyone may call. The committee
    ///         must exist, `header.quorumNumbers` must be its TEE quorums, and in each of them the signers listed in
    ///         `signature` that are members at `header.referenceEpoch`, not frozen, and whose prover of the quorum's
    ///         TEE type is live at this block's timestamp must carry the quorum's threshold at that epoch; the
    ///         aggregate signature of {hashStateHeader}(header) must verify. Emits {StateConfirmed}.
    /// @dev Reverts with {NotConfigured}, {CommitteeNotFound}, {QuorumNumbersMismatch}, {StateAlreadyConfirmed} (a
    ///      (committee, metadata) is confirmed at most once, whatever the state) or {InvalidStateSignature}.
    /// @param header The signed state header.
    /// @param signature Signer keys per quorum (ascending by key hash), their aggregate G2 key and the signature.
    function confirmState(StateHeader calldata header, StateSignature calldata signature) external {
        (ConfirmationStatus status, BLSSignerSetChecker.SignerSetResult memory result, bytes32 digest) =
            _confirmationStatus(header, signature);
        if (status != ConfirmationStatus.Valid) _revertFor(status, header, result);
        bytes32 metadataHash = keccak256(header.metadata);
        _confirmed[header.committeeId][metadataHash] = ConfirmedState({
            stateHash: keccak256(header.state),
            digest: digest,
            // casting to 'uint64' is safe: unix seconds fit for 5e11 years
            // forge-lint: disable-next-line(unsafe-typecast)
            confirmedAt: uint64(block.timestamp),
            referenceEpoch: header.referenceEpoch
        });
        emit StateConfirmed(
            header.committeeId,
            metadataHash,
            digest,
            header.metadata,
            header.state,
            header.referenceEpoch,
            result.signedWeights
        );
    }

    /// @notice Why {confirmState} would fail now (Valid when it would succeed), with the signer check's result
    ///         (status, failing quorum index, per-quorum signed and threshold weights). Never reverts for a bad
    ///         signature.
    /// @param header The signed state header.
    /// @param signature The aggregate signature.
    function confirmationStatus(StateHeader calldata header, StateSignature calldata signature)
        external
        view
        returns (ConfirmationStatus status, BLSSignerSetChecker.SignerSetResult memory result)
    {
        (status, result,) = _confirmationStatus(header, signature);
    }

    /// @notice The state confirmed for (`committeeId`, `metadata`) (confirmedAt 0: none).
    function getConfirmedState(uint256 committeeId, bytes calldata metadata)
        external
        view
        returns (ConfirmedState memory)
    {
        return _confirmed[committeeId][keccak256(metadata)];
    }

    /// @notice Whether `state` is the state confirmed for (`committeeId`, `metadata`).
    function isStateConfirmed(uint256 committeeId, bytes calldata metadata, bytes calldata state)
        external
        view
        returns (bool)
    {
        ConfirmedState storage confirmed = _confirmed[committeeId][keccak256(metadata)];
        return confirmed.confirmedAt != 0 && confirmed.stateHash == keccak256(state);
    }

    /// @notice The EIP-712 digest operators BLS-sign for `header` (on this chain, for this contract).
    function hashStateHeader(StateHeader calldata header) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    STATE_HEADER_TYPEHASH,
                    header.committeeId,
                    keccak256(header.metadata),
                    keccak256(header.state),
                    keccak256(header.quorumNumbers),
                    header.referenceEpoch
                )
            )
        );
    }

    /// @notice The EIP-712 domain separator on the current chain.
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // IAVSRegistrar
    // ---------------------------------------------------------------------------------------------------------------

    /// @inheritdoc ServiceManagerBase
    /// @dev Refuses only while `operator` is still registered in the registry quorum of one of `operatorSetIds` (it
    ///      would otherwise go on signing there after it stopped being slashable); it may leave other sets.
    function deregisterOperator(address operator, address avs, uint32[] calldata operatorSetIds)
        external
        override
        onlyAllocationManager
    {
        if (avs != address(this)) revert UnsupportedAVS(avs);
        address registry = stakeRegistry;
        if (registry != address(0)) {
            for (uint256 i; i < operatorSetIds.length; ++i) {
                uint32 id = operatorSetIds[i];
                // forge-lint: disable-next-line(unsafe-typecast)
                if (id <= type(uint8).max && MultiProverRegistry(registry).isOperatorInQuorum(operator, uint8(id))) {
                    revert OperatorStillInStakeRegistry(operator);
                }
            }
        }
        emit OperatorLeftOperatorSets(operator, operatorSetIds);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev The checks of {confirmState}, in order; the digest when they reach the signature.
    function _confirmationStatus(StateHeader calldata header, StateSignature calldata signature)
        private
        view
        returns (ConfirmationStatus, BLSSignerSetChecker.SignerSetResult memory result, bytes32 digest)
    {
        address registry = stakeRegistry;
        if (registry == address(0) || address(livenessVerifier) == address(0)) {
            return (ConfirmationStatus.NotConfigured, result, digest);
        }
        bytes memory quorums = _committees[header.committeeId].teeQuorumNumbers;
        if (quorums.length == 0) return (ConfirmationStatus.CommitteeNotFound, result, digest);
        if (keccak256(quorums) != keccak256(header.quorumNumbers)) {
            return (ConfirmationStatus.QuorumNumbersMismatch, result, digest);
        }
        if (_confirmed[header.committeeId][keccak256(header.metadata)].confirmedAt != 0) {
            return (ConfirmationStatus.AlreadyConfirmed, result, digest);
        }
        digest = hashStateHeader(header);
        result = MultiProverRegistry(registry).checkSigners(
            digest,
            BLSSignerSetChecker.SignerSetParams({
                referenceEpoch: header.referenceEpoch,
                quorumNumbers: header.quorumNumbers,
                signerKeys: signature.signerKeys,
                apkG2: signature.apkG2,
                sigma: signature.sigma
            }),
            livenessVerifier,
            _teeTypesOf(quorums)
        );
        if (result.status != BLSSignerSetChecker.SignerSetStatus.Valid) {
            return (ConfirmationStatus.InvalidSignature, result, digest);
        }
        return (ConfirmationStatus.Valid, result, digest);
    }

    /// @dev Reverts with the error of a failed `status`.
    function _revertFor(
        ConfirmationStatus status,
        StateHeader calldata header,
        BLSSignerSetChecker.SignerSetResult memory result
    ) private view {
        if (status == ConfirmationStatus.NotConfigured) revert NotConfigured();
        if (status == ConfirmationStatus.CommitteeNotFound) revert CommitteeNotFound(header.committeeId);
        if (status == ConfirmationStatus.QuorumNumbersMismatch) {
            revert QuorumNumbersMismatch(_committees[header.committeeId].teeQuorumNumbers, header.quorumNumbers);
        }
        if (status == ConfirmationStatus.AlreadyConfirmed) {
            bytes32 metadataHash = keccak256(header.metadata);
            revert StateAlreadyConfirmed(
                header.committeeId, metadataHash, _confirmed[header.committeeId][metadataHash].stateHash
            );
        }
        revert InvalidStateSignature(result.status, result.quorumIndex);
    }
}
