// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {OperatorSetSlashing} from "../../core/avs/OperatorSetSlashing.sol";
import {ServiceManagerBase} from "../../core/avs/ServiceManagerBase.sol";
import {BLSSignerSetChecker} from "../../core/signatures/BLSSignerSetChecker.sol";
import {BN254} from "../../core/signatures/BN254.sol";
import {IAVSDirectory} from "../../eigenlayer/IAVSDirectory.sol";
import {IAllocationManager, IAllocationManagerTypes, OperatorSet} from "../../eigenlayer/IAllocationManager.sol";
import {IRewardsCoordinator} from "../../eigenlayer/IRewardsCoordinator.sol";
import {MultiProverCommittees} from "./MultiProverCommittees.sol";
import {MultiProverRegistry} from "./MultiProverRegistry.sol";

/// @title MultiProverServiceManager
/// @notice The multi-prover AVS in EigenLayer. Operators run provers in TEEs and BLS-sign (BN254) state headers; an
///         aggregator submits one aggregate signature, and {confirmState} confirms the state once every TEE quorum of
///         the header's committee reaches its threshold, counting only signers whose prover of the quorum's TEE type
///         is live at the confirmation block's timestamp and who are not frozen. A (committee, metadata) is confirmed
///         at most once, and its state never changes. An operator that signs two states for one (committee, metadata)
///         is slashed in the committee's operator sets and frozen ({slashEquivocation}); this contract is the slasher
///         of its operator sets (CreateSetParamsV2.slasher = this contract).
///
///         Signed message: the EIP-712 digest of the StateHeader under the domain {name "avs-stack multi-prover",
///         version "1", chainId, verifyingContract = this contract}, so a signature is bound to one chain and one
///         deployment; σ = sk·BN254.hashToG1(digest).
/// @dev Not upgradeable. The stake registry (ServiceManagerBase.stakeRegistry) is the MultiProverRegistry whose
///      quorum q is this contract's operator set q. Split: IMultiProverServiceManager (types, errors, events),
///      MultiProverCommittees (owner configuration), this contract (confirmation, equivocation, views).
contract MultiProverServiceManager is ServiceManagerBase, MultiProverCommittees, EIP712 {
    /// @notice keccak256 of the EIP-712 type of a StateHeader.
    bytes32 public constant STATE_HEADER_TYPEHASH = keccak256(
        "StateHeader(uint256 committeeId,bytes metadata,bytes state,bytes quorumNumbers,uint32 referenceEpoch)"
    );
    /// @notice The reason AllocationManager.slashOperator emits for an equivocation.
    string public constant EQUIVOCATION_DESCRIPTION = "avs-stack multi-prover: signed two states for one metadata";

    /// @notice The fraction of an equivocating operator's allocation slashed in each strategy of each operator set
    ///         it is slashed in (wad, in (0, 1e18]).
    uint256 public immutable WAD_TO_SLASH;

    /// @dev committee id => keccak256(metadata) => its confirmed state (confirmedAt 0: none).
    mapping(uint256 committeeId => mapping(bytes32 metadataHash => ConfirmedState)) internal _confirmed;
    /// @notice Whether the operator was slashed for equivocating on (committee, metadata), by
    ///         keccak256(abi.encode(operator, committeeId, keccak256(metadata))).
    mapping(bytes32 equivocationKey => bool) public equivocationSlashed;

    /// @param avsDirectory_ EigenLayer AVSDirectory.
    /// @param rewardsCoordinator_ EigenLayer RewardsCoordinator.
    /// @param allocationManager_ EigenLayer AllocationManager.
    /// @param owner_ Owner (committees, TEE quorums, liveness verifier, operator sets); a timelock in deployments.
    /// @param wadToSlash Fraction slashed for an equivocation, wad in (0, 1e18].
    constructor(
        IAVSDirectory avsDirectory_,
        IRewardsCoordinator rewardsCoordinator_,
        IAllocationManager allocationManager_,
        address owner_,
        uint256 wadToSlash
    )
        ServiceManagerBase(avsDirectory_, rewardsCoordinator_, allocationManager_, owner_)
        EIP712("avs-stack multi-prover", "1")
    {
        if (wadToSlash == 0 || wadToSlash > 1e18) revert InvalidParameter();
        WAD_TO_SLASH = wadToSlash;
    }

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
    // Equivocation
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Slashes `operator` for signing two different states for one (committee, metadata). Anyone may call.
    ///         `a` and `b` must have the same committee and metadata and different states; `sigmaA` and `sigmaB` must
    ///         be `operator`'s BLS signatures (by its registered G1 key, `keyG2` being its G2 half, which the pairing
    ///         binds to it) of their digests; `operator` must have had weight in a quorum of the committee at each
    ///         header's reference epoch. Slashes WAD_TO_SLASH in every operator set of the committee's quorums where
    ///         it had weight at either epoch and is still slashable, then freezes it in the registry. Once per
    ///         (operator, committee, metadata).
    /// @dev Reverts with {NotSameCommitteeAndMetadata}, {SameState}, {AlreadySlashed}, {CommitteeNotFound},
    ///      {OperatorHasNoKey}, {InvalidOperatorSignature}, {NotCommitteeMember}, or the AllocationManager's error.
    /// @param a One signed header.
    /// @param b The other, with the same committee and metadata and another state.
    /// @param keyG2 `operator`'s G2 key.
    /// @param sigmaA `operator`'s signature of {hashStateHeader}(a).
    /// @param sigmaB `operator`'s signature of {hashStateHeader}(b).
    /// @param operator The equivocating operator.
    function slashEquivocation(
        StateHeader calldata a,
        StateHeader calldata b,
        BN254.G2Point calldata keyG2,
        BN254.G1Point calldata sigmaA,
        BN254.G1Point calldata sigmaB,
        address operator
    ) external {
        MultiProverRegistry registry = MultiProverRegistry(stakeRegistry);
        if (address(registry) == address(0)) revert NotConfigured();
        bytes32 metadataHash = _checkPair(a, b, operator);
        bytes32 digestA = hashStateHeader(a);
        bytes32 digestB = hashStateHeader(b);
        _checkOperatorSignature(registry, operator, digestA, keyG2, sigmaA);
        _checkOperatorSignature(registry, operator, digestB, keyG2, sigmaB);
        _slashEquivocation(registry, operator, a, b.referenceEpoch, metadataHash, digestA, digestB);
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

    /// @dev Reverts unless `a` and `b` are for the same existing committee and metadata, with different states, and
    ///      `operator` was not slashed for it yet; returns keccak256 of the metadata.
    function _checkPair(StateHeader calldata a, StateHeader calldata b, address operator)
        private
        view
        returns (bytes32 metadataHash)
    {
        metadataHash = keccak256(a.metadata);
        if (a.committeeId != b.committeeId || metadataHash != keccak256(b.metadata)) {
            revert NotSameCommitteeAndMetadata();
        }
        if (keccak256(a.state) == keccak256(b.state)) revert SameState();
        if (equivocationSlashed[_equivocationKey(operator, a.committeeId, metadataHash)]) {
            revert AlreadySlashed(operator, a.committeeId, metadataHash);
        }
        if (_committees[a.committeeId].teeQuorumNumbers.length == 0) revert CommitteeNotFound(a.committeeId);
    }

    /// @dev Records the equivocation, slashes `operator` in the committee's operator sets where it had weight at
    ///      either header's reference epoch and is still slashable, and freezes it.
    function _slashEquivocation(
        MultiProverRegistry registry,
        address operator,
        StateHeader calldata a,
        uint32 epochB,
        bytes32 metadataHash,
        bytes32 digestA,
        bytes32 digestB
    ) private {
        bytes memory quorums = _committees[a.committeeId].teeQuorumNumbers;
        uint256 slashable = _memberQuorums(registry, operator, quorums, a.referenceEpoch, epochB);
        equivocationSlashed[_equivocationKey(operator, a.committeeId, metadataHash)] = true;
        emit EquivocationSlashed(operator, a.committeeId, metadataHash, digestA, digestB, msg.sender);
        for (uint256 i; i < quorums.length; ++i) {
            if (slashable & (1 << i) != 0) _slash(operator, uint8(quorums[i]));
        }
        registry.freezeOperator(operator);
    }

    /// @dev The key of {equivocationSlashed}.
    function _equivocationKey(address operator, uint256 committeeId, bytes32 metadataHash)
        private
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(operator, committeeId, metadataHash));
    }

    /// @dev Reverts unless `sigma` is `operator`'s BLS signature of `digest` by its registered G1 key (`keyG2` its G2
    ///      half).
    function _checkOperatorSignature(
        MultiProverRegistry registry,
        address operator,
        bytes32 digest,
        BN254.G2Point calldata keyG2,
        BN254.G1Point calldata sigma
    ) private view {
        BN254.G1Point memory key = registry.getOperatorKey(operator);
        if (key.X == 0 && key.Y == 0) revert OperatorHasNoKey(operator);
        if (!BN254.verifyBLS(digest, key, keyG2, sigma)) revert InvalidOperatorSignature(operator);
    }

    /// @dev Bit i set for each index i of `quorums` where `operator` had weight at `epochA` or `epochB` and operator set
    ///      quorums[i] can still slash it. Reverts with {NotCommitteeMember} unless it had weight in some quorum at
    ///      `epochA` and in some quorum at `epochB` (each signed header could have counted).
    function _memberQuorums(
        MultiProverRegistry registry,
        address operator,
        bytes memory quorums,
        uint32 epochA,
        uint32 epochB
    ) private view returns (uint256 slashable) {
        bool memberA;
        bool memberB;
        for (uint256 i; i < quorums.length; ++i) {
            uint8 q = uint8(quorums[i]);
            bool inA = registry.getOperatorWeightAt(q, operator, epochA) != 0;
            bool inB = registry.getOperatorWeightAt(q, operator, epochB) != 0;
            memberA = memberA || inA;
            memberB = memberB || inB;
            if ((inA || inB) && allocationManager.isOperatorSlashable(operator, _operatorSet(q))) slashable |= 1 << i;
        }
        if (!memberA) revert NotCommitteeMember(operator, epochA);
        if (!memberB) revert NotCommitteeMember(operator, epochB);
    }

    /// @dev Slashes WAD_TO_SLASH of `operator`'s allocation to operator set `quorum` in each of its strategies.
    function _slash(address operator, uint8 quorum) private {
        IAllocationManagerTypes.SlashingParams memory params = OperatorSetSlashing.params(
            allocationManager, _operatorSet(quorum), operator, WAD_TO_SLASH, EQUIVOCATION_DESCRIPTION
        );
        (uint256 slashId, uint256[] memory shares) = allocationManager.slashOperator(address(this), params);
        emit OperatorSlashed(operator, quorum, slashId, shares);
    }

    /// @dev Operator set `quorum` of this AVS.
    function _operatorSet(uint8 quorum) private view returns (OperatorSet memory) {
        return OperatorSet({avs: address(this), id: quorum});
    }
}
