// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IMultiProverServiceManager} from "./IMultiProverServiceManager.sol";
import {ITEELivenessVerifier} from "./ITEELivenessVerifier.sol";

/// @title MultiProverCommittees
/// @notice The owner-managed configuration of the multi-prover ServiceManager: the liveness verifier, the TEE quorums
///         (quorum number → TEE type) and the committees (which TEE quorums confirm a state).
/// @dev Part of MultiProverServiceManager, split off to keep files short; the storage order is this contract's.
abstract contract MultiProverCommittees is IMultiProverServiceManager, Ownable {
    /// @notice Where provers' liveness is read (zero: confirmations are refused until set).
    ITEELivenessVerifier public livenessVerifier;
    /// @dev quorum number => its TEE quorum (teeType NONE: not a TEE quorum).
    mapping(uint8 quorumNumber => TeeQuorum) internal _teeQuorums;
    /// @dev The TEE quorums' numbers, one byte each, in the order they were added.
    bytes internal _teeQuorumNumbers;
    /// @dev committee id => committee (empty teeQuorumNumbers: no such committee).
    mapping(uint256 committeeId => Committee) internal _committees;
    /// @dev committee id => bit q set for every quorum q the committee has had since it was added, kept after its
    ///      removal (non-zero: the id is taken for good). What the EquivocationSlasher counts a signed header's
    ///      quorums against.
    mapping(uint256 committeeId => uint256 quorumBitmap) internal _committeeQuorumsEver;

    /// @notice Sets the liveness verifier. Owner only.
    /// @dev Reverts with {InvalidParameter} for the zero address.
    /// @param verifier The TEELivenessVerifier.
    function setLivenessVerifier(ITEELivenessVerifier verifier) external onlyOwner {
        if (address(verifier) == address(0)) revert InvalidParameter();
        livenessVerifier = verifier;
        emit LivenessVerifierSet(address(verifier));
    }

    /// @notice Makes registry quorum `teeQuorum.quorumNumber` a TEE quorum of type `teeQuorum.teeType`: its signers
    ///         count only while their prover of that type is live. Owner only; a TEE quorum cannot be removed.
    /// @dev Reverts with {InvalidTeeType} (NONE) or {TeeQuorumExists}.
    /// @param teeQuorum The TEE type and the quorum number.
    function addTeeQuorum(TeeQuorum calldata teeQuorum) external onlyOwner {
        if (teeQuorum.teeType == ITEELivenessVerifier.TeeType.NONE) revert InvalidTeeType();
        uint8 quorumNumber = teeQuorum.quorumNumber;
        if (_teeQuorums[quorumNumber].teeType != ITEELivenessVerifier.TeeType.NONE) {
            revert TeeQuorumExists(quorumNumber);
        }
        _teeQuorums[quorumNumber] = teeQuorum;
        _teeQuorumNumbers.push(bytes1(quorumNumber));
        emit TeeQuorumAdded(quorumNumber, teeQuorum.teeType);
    }

    /// @notice Adds `committee`. Owner only. The id of a removed committee cannot be used again: its members stay
    ///         slashable for what they signed under it, which a new committee with other quorums must not change.
    /// @dev Reverts with {CommitteeExists}, {CommitteeIdRetired} or {InvalidCommitteeQuorums} (empty, not strictly
    ///      ascending, or not TEE quorums).
    /// @param committee Id, description, metadata and TEE quorums.
    function addCommittee(Committee calldata committee) external onlyOwner {
        if (_committees[committee.id].teeQuorumNumbers.length != 0) revert CommitteeExists(committee.id);
        if (_committeeQuorumsEver[committee.id] != 0) revert CommitteeIdRetired(committee.id);
        _committeeQuorumsEver[committee.id] = _checkCommitteeQuorums(committee.teeQuorumNumbers);
        _committees[committee.id] = committee;
        emit CommitteeAdded(committee.id, committee.description, committee.metadata, committee.teeQuorumNumbers);
    }

    /// @notice Replaces committee `committee.id`. Owner only. States already confirmed stay confirmed.
    /// @dev Reverts with {CommitteeNotFound} or {InvalidCommitteeQuorums}.
    /// @param committee Id, description, metadata and TEE quorums.
    function updateCommittee(Committee calldata committee) external onlyOwner {
        if (_committees[committee.id].teeQuorumNumbers.length == 0) revert CommitteeNotFound(committee.id);
        _committeeQuorumsEver[committee.id] |= _checkCommitteeQuorums(committee.teeQuorumNumbers);
        _committees[committee.id] = committee;
        emit CommitteeUpdated(committee.id, committee.description, committee.metadata, committee.teeQuorumNumbers);
    }

    /// @notice Removes committee `committeeId`: no more of its states can be confirmed; its members stay slashable for
    ///         equivocating on it ({committeeQuorumsEver}), and its id is never used again. Owner only. States already
    ///         confirmed stay confirmed.
    /// @dev Reverts with {CommitteeNotFound}.
    /// @param committeeId An existing committee.
    function removeCommittee(uint256 committeeId) external onlyOwner {
        if (_committees[committeeId].teeQuorumNumbers.length == 0) revert CommitteeNotFound(committeeId);
        delete _committees[committeeId];
        emit CommitteeRemoved(committeeId);
    }

    /// @notice Committee `committeeId` (all empty when it does not exist).
    function getCommittee(uint256 committeeId) external view returns (Committee memory) {
        return _committees[committeeId];
    }

    /// @notice The quorums committee `committeeId` has had since it was added, also after its removal: bit q set for
    ///         quorum q (0: the id was never used).
    function committeeQuorumsEver(uint256 committeeId) external view returns (uint256 quorumBitmap) {
        return _committeeQuorumsEver[committeeId];
    }

    /// @notice TEE quorum `quorumNumber` (teeType NONE when it is not one).
    function getTeeQuorum(uint8 quorumNumber) external view returns (TeeQuorum memory) {
        return _teeQuorums[quorumNumber];
    }

    /// @notice The TEE quorums' numbers, one byte each, in the order they were added.
    function teeQuorumNumbers() external view returns (bytes memory) {
        return _teeQuorumNumbers;
    }

    /// @dev The TEE type of each quorum of `quorumNumbers` (all TEE quorums: a committee's).
    function _teeTypesOf(bytes memory quorumNumbers)
        internal
        view
        returns (ITEELivenessVerifier.TeeType[] memory teeTypes)
    {
        teeTypes = new ITEELivenessVerifier.TeeType[](quorumNumbers.length);
        for (uint256 i; i < quorumNumbers.length; ++i) {
            teeTypes[i] = _teeQuorums[uint8(quorumNumbers[i])].teeType;
        }
    }

    /// @dev Reverts unless `quorumNumbers` is non-empty, strictly ascending and made of TEE quorums; returns them as a
    ///      bitmap (bit q: quorum q).
    function _checkCommitteeQuorums(bytes calldata quorumNumbers) private view returns (uint256 bitmap) {
        uint256 n = quorumNumbers.length;
        if (n == 0) revert InvalidCommitteeQuorums(quorumNumbers);
        for (uint256 i; i < n; ++i) {
            uint8 q = uint8(quorumNumbers[i]);
            if (i != 0 && q <= uint8(quorumNumbers[i - 1])) revert InvalidCommitteeQuorums(quorumNumbers);
            if (_teeQuorums[q].teeType == ITEELivenessVerifier.TeeType.NONE) {
                revert InvalidCommitteeQuorums(quorumNumbers);
            }
            bitmap |= uint256(1) << q;
        }
    }
}
