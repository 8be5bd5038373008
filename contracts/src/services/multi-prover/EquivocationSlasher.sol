// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {OperatorSetSlashing} from "../../core/avs/OperatorSetSlashing.sol";
import {BN254} from "../../core/signatures/BN254.sol";
import {IAllocationManager, IAllocationManagerTypes, OperatorSet} from "../../eigenlayer/IAllocationManager.sol";
import {IEquivocationSlasher} from "./IEquivocationSlasher.sol";
import {IMultiProverServiceManager} from "./IMultiProverServiceManager.sol";
import {MultiProverRegistry} from "./MultiProverRegistry.sol";
import {MultiProverServiceManager} from "./MultiProverServiceManager.sol";

/// @title EquivocationSlasher
/// @notice Slashes multi-prover operators that BLS-sign two different states for one (committee, metadata), the
///         only rule a confirmation cannot check by itself: the slasher of the ServiceManager's operator sets
///         (CreateSetParamsV2.slasher = this contract), and so the one caller the MultiProverRegistry lets freeze an
///         operator. Anyone may report ({slashEquivocation}); an operator is slashed once per (committee, metadata).
///
///         Which quorums count: those a signed header names that are, or once were, quorums of its committee
///         (ServiceManager.committeeQuorumsEver). The header commits to its quorums (they are in the EIP-712 digest),
///         so no reporter can choose them, and a committee that was updated or removed since keeps its members
///         slashable for what they signed under it (removed committee ids are never reused).
/// @dev Not upgradeable and not owned. Split from the ServiceManager to keep it under EIP-170's size limit, as
///      state-proofs' StateDisputeResolver is from its ServiceManager.
contract EquivocationSlasher is IEquivocationSlasher {
    /// @notice The reason AllocationManager.slashOperator emits for an equivocation.
    string public constant EQUIVOCATION_DESCRIPTION = "avs-stack multi-prover: signed two states for one metadata";

    /// @notice The AVS's ServiceManager: its operator sets are slashed, its committees and digests are read.
    MultiProverServiceManager public immutable serviceManager;
    /// @notice The ServiceManager's stake registry: BLS keys and weights are read, slashed operators frozen.
    MultiProverRegistry public immutable registry;
    /// @notice EigenLayer AllocationManager (the ServiceManager's).
    IAllocationManager public immutable allocationManager;
    /// @notice The fraction of an equivocating operator's allocation slashed in each strategy of each operator set
    ///         it is slashed in (wad, in (0, 1e18]).
    uint256 public immutable WAD_TO_SLASH;

    /// @notice Whether the operator was slashed for equivocating on (committee, metadata), by
    ///         keccak256(abi.encode(operator, committeeId, keccak256(metadata))).
    mapping(bytes32 equivocationKey => bool) public equivocationSlashed;

    /// @dev Reverts with {InvalidWadToSlash} or {NotTheStakeRegistry} (the ServiceManager's stake registry must be set
    ///      to `registry_` first).
    /// @param registry_ The MultiProverRegistry, the stake registry of its ServiceManager.
    /// @param wadToSlash Fraction slashed for an equivocation, wad in (0, 1e18].
    constructor(MultiProverRegistry registry_, uint256 wadToSlash) {
        if (wadToSlash == 0 || wadToSlash > 1e18) revert InvalidWadToSlash(wadToSlash);
        MultiProverServiceManager serviceManager_ = MultiProverServiceManager(address(registry_.serviceManager()));
        address stakeRegistry = serviceManager_.stakeRegistry();
        if (stakeRegistry != address(registry_)) revert NotTheStakeRegistry(address(registry_), stakeRegistry);
        serviceManager = serviceManager_;
        registry = registry_;
        allocationManager = serviceManager_.allocationManager();
        WAD_TO_SLASH = wadToSlash;
    }

    /// @notice Slashes `operator` for signing two different states for one (committee, metadata). Anyone may call.
    ///         `a` and `b` must have the same committee (one the ServiceManager has, or had) and metadata and different
    ///         states; `sigmaA` and `sigmaB` must be `operator`'s BLS signatures (by its registered G1 key, `keyG2`
    ///         being its G2 half, which the pairing binds to it) of their digests (ServiceManager.hashStateHeader);
    ///         at each header's reference epoch `operator` must have had weight in one of the quorums the header
    ///         names that is, or was, the committee's. Slashes WAD_TO_SLASH in every such operator set where it had
    ///         weight at that header's epoch and is still slashable, then freezes it in the registry. Once per
    ///         (operator, committee, metadata).
    /// @dev Reverts with {NotSameCommitteeAndMetadata}, {SameState}, {AlreadySlashed}, {CommitteeNotFound},
    ///      {OperatorHasNoKey}, {InvalidOperatorSignature}, {NotCommitteeMember}, or the AllocationManager's or the
    ///      registry's error (e.g. when this contract is not the slasher of the operator sets).
    /// @param a One signed header.
    /// @param b The other, with the same committee and metadata and another state.
    /// @param keyG2 `operator`'s G2 key.
    /// @param sigmaA `operator`'s signature of ServiceManager.hashStateHeader(a).
    /// @param sigmaB `operator`'s signature of ServiceManager.hashStateHeader(b).
    /// @param operator The equivocating operator.
    function slashEquivocation(
        IMultiProverServiceManager.StateHeader calldata a,
        IMultiProverServiceManager.StateHeader calldata b,
        BN254.G2Point calldata keyG2,
        BN254.G1Point calldata sigmaA,
        BN254.G1Point calldata sigmaB,
        address operator
    ) external {
        bytes32 metadataHash = _checkPair(a, b, operator);
        uint256 committeeQuorums = serviceManager.committeeQuorumsEver(a.committeeId);
        if (committeeQuorums == 0) revert CommitteeNotFound(a.committeeId);
        (bytes32 digestA, bytes32 digestB) = _checkSignatures(operator, a, b, keyG2, sigmaA, sigmaB);
        uint256 slashable = _slashableQuorums(
            operator, _memberQuorums(operator, a, committeeQuorums) | _memberQuorums(operator, b, committeeQuorums)
        );

        equivocationSlashed[_equivocationKey(operator, a.committeeId, metadataHash)] = true;
        emit EquivocationSlashed(operator, a.committeeId, metadataHash, digestA, digestB, msg.sender);

        while (slashable != 0) {
            uint256 lowest = slashable & (~slashable + 1);
            slashable ^= lowest;
            // casting to 'uint8' is safe: log2 of a uint256 is below 256
            // forge-lint: disable-next-line(unsafe-typecast)
            _slash(operator, uint8(Math.log2(lowest)));
        }
        registry.freezeOperator(operator);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev Reverts unless `a` and `b` are for the same committee and metadata, with different states, and `operator`
    ///      was not slashed for it yet; returns keccak256 of the metadata.
    function _checkPair(
        IMultiProverServiceManager.StateHeader calldata a,
        IMultiProverServiceManager.StateHeader calldata b,
        address operator
    ) private view returns (bytes32 metadataHash) {
        metadataHash = keccak256(a.metadata);
        if (a.committeeId != b.committeeId || metadataHash != keccak256(b.metadata)) {
            revert NotSameCommitteeAndMetadata();
        }
        if (keccak256(a.state) == keccak256(b.state)) revert SameState();
        if (equivocationSlashed[_equivocationKey(operator, a.committeeId, metadataHash)]) {
            revert AlreadySlashed(operator, a.committeeId, metadataHash);
        }
    }

    /// @dev Reverts unless `sigmaA` and `sigmaB` are `operator`'s signatures of the digests of `a` and `b` by its
    ///      registered G1 key (`keyG2` its G2 half); returns the digests.
    function _checkSignatures(
        address operator,
        IMultiProverServiceManager.StateHeader calldata a,
        IMultiProverServiceManager.StateHeader calldata b,
        BN254.G2Point calldata keyG2,
        BN254.G1Point calldata sigmaA,
        BN254.G1Point calldata sigmaB
    ) private view returns (bytes32 digestA, bytes32 digestB) {
        BN254.G1Point memory key = registry.getOperatorKey(operator);
        if (key.X == 0 && key.Y == 0) revert OperatorHasNoKey(operator);
        digestA = serviceManager.hashStateHeader(a);
        digestB = serviceManager.hashStateHeader(b);
        if (!BN254.verifyBLS(digestA, key, keyG2, sigmaA)) revert InvalidOperatorSignature(operator);
        if (!BN254.verifyBLS(digestB, key, keyG2, sigmaB)) revert InvalidOperatorSignature(operator);
    }

    /// @dev Bit q set for each quorum q that `header` names, that is in `committeeQuorums` (bit q: ever one of the
    ///      committee's), and where `operator` had weight at the header's reference epoch. Reverts with
    ///      {NotCommitteeMember} when there is none: a header signed where the operator was not a member could never
    ///      have counted.
    function _memberQuorums(
        address operator,
        IMultiProverServiceManager.StateHeader calldata header,
        uint256 committeeQuorums
    ) private view returns (uint256 member) {
        bytes calldata quorums = header.quorumNumbers;
        uint32 epoch = header.referenceEpoch;
        for (uint256 i; i < quorums.length; ++i) {
            uint8 q = uint8(quorums[i]);
            uint256 bit = uint256(1) << q;
            if (committeeQuorums & bit != 0 && registry.getOperatorWeightAt(q, operator, epoch) != 0) member |= bit;
        }
        if (member == 0) revert NotCommitteeMember(operator, epoch);
    }

    /// @dev The quorums of `quorums` (bit q: quorum q) whose operator set can still slash `operator`.
    function _slashableQuorums(address operator, uint256 quorums) private view returns (uint256 slashable) {
        for (uint256 rest = quorums; rest != 0;) {
            uint256 lowest = rest & (~rest + 1);
            rest ^= lowest;
            // casting to 'uint8' is safe: log2 of a uint256 is below 256
            // forge-lint: disable-next-line(unsafe-typecast)
            if (allocationManager.isOperatorSlashable(operator, _operatorSet(uint8(Math.log2(lowest))))) {
                slashable |= lowest;
            }
        }
    }

    /// @dev Slashes WAD_TO_SLASH of `operator`'s allocation to operator set `quorum` in each of its strategies.
    function _slash(address operator, uint8 quorum) private {
        IAllocationManagerTypes.SlashingParams memory params = OperatorSetSlashing.params(
            allocationManager, _operatorSet(quorum), operator, WAD_TO_SLASH, EQUIVOCATION_DESCRIPTION
        );
        (uint256 slashId, uint256[] memory shares) = allocationManager.slashOperator(address(serviceManager), params);
        emit OperatorSlashed(operator, quorum, slashId, shares);
    }

    /// @dev The key of {equivocationSlashed}.
    function _equivocationKey(address operator, uint256 committeeId, bytes32 metadataHash)
        private
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(operator, committeeId, metadataHash));
    }

    /// @dev Operator set `quorum` of the ServiceManager.
    function _operatorSet(uint8 quorum) private view returns (OperatorSet memory) {
        return OperatorSet({avs: address(serviceManager), id: quorum});
    }
}
