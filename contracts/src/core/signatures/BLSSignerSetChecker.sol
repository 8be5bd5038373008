// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {EpochMath} from "../epochs/EpochMath.sol";
import {BLSSignatureChecker} from "./BLSSignatureChecker.sol";
import {BN254} from "./BN254.sol";

/// @title BLSSignerSetChecker
/// @notice The BN254 BLS check over several quorums with the signers named explicitly: ONE aggregate signature over a
///         message hash, by signers listed per quorum (their G1 keys), each of which must be a member of that quorum
///         at the reference epoch; per quorum the weight of the signers that count must reach the quorum's threshold
///         at that epoch. signers' aggregate G1 key = Σ over the quorums Σ the listed keys (a key listed in two quorums
///         is added twice, so the signers' aggregate G2 key must hold it twice too), then the one-pairing check of
///         {BN254.verifyBLS}.
///
///         Unlike {BLSSignatureChecker} (quorum aggregate key minus non-signers), every signer is looked at, so a
///         deploying contract can decide per signer, at check time, whether it counts ({_signerCounts}: e.g. not
///         frozen, a live prover). A member that does not count may still be listed: its key was registered with a
///         proof of possession, so adding it to the aggregate key cannot cancel anyone else's key; it only adds no
///         weight. A key that is not a member at the reference epoch is refused: an unregistered (rogue) key could.
/// @dev Costs per listed signer: its key hash, its weight checkpoint, the {_signerCounts} hook and one ecAdd; one
///      pairing overall. {_signerSetStatus} never reverts for a bad signature, unknown quorum or epoch, or points off
///      the curve (given enough gas and a hook that does not revert), and says why it fails.
abstract contract BLSSignerSetChecker is BLSSignatureChecker {
    /// @notice Why a signer-set check fails (Valid when it holds), in the order the checks run.
    enum SignerSetStatus {
        Valid,
        EpochsNotStarted,
        ReferenceEpochInFuture,
        ProofTooOld,
        NoQuorums,
        LengthMismatch,
        QuorumsNotSorted,
        QuorumNotFound,
        EmptyQuorum,
        SignersNotSorted,
        SignerNotMember,
        InvalidPoint,
        InsufficientSignedWeight,
        InvalidSignature
    }

    /// @notice What a signer-set check is given besides the message hash.
    /// @param referenceEpoch The epoch whose keys, weights and thresholds apply.
    /// @param quorumNumbers The quorums, one byte each, strictly ascending.
    /// @param signerKeys Per quorum (same order as `quorumNumbers`), the G1 keys of its signers, strictly ascending
    ///        by key hash (BN254.hashG1: keccak256(x ‖ y)).
    /// @param apkG2 The aggregate G2 key of every listed key (counted once per listing).
    /// @param sigma The aggregate signature (G1).
    struct SignerSetParams {
        uint32 referenceEpoch;
        bytes quorumNumbers;
        BN254.G1Point[][] signerKeys;
        BN254.G2Point apkG2;
        BN254.G1Point sigma;
    }

    /// @notice The outcome of a signer-set check.
    /// @param status Valid, or the first reason the check fails.
    /// @param quorumIndex The index in `quorumNumbers` of the quorum the check failed at (the number of quorums when it
    ///        did not fail at a quorum).
    /// @param signedWeights Per quorum, the weight at the reference epoch of the listed signers that count (0 for the
    ///        quorums after the one the check stopped at).
    /// @param thresholdWeights Per quorum, ceil(total weight × thresholdBps / 10000) at the reference epoch.
    struct SignerSetResult {
        SignerSetStatus status;
        uint256 quorumIndex;
        uint256[] signedWeights;
        uint256[] thresholdWeights;
    }

    /// @dev The check; see the contract NatSpec. `context` is passed to {_signerCounts} unchanged.
    function _signerSetStatus(bytes32 digest, SignerSetParams calldata params, bytes memory context)
        internal
        view
        returns (SignerSetResult memory result)
    {
        uint256 n = params.quorumNumbers.length;
        result.quorumIndex = n;
        result.signedWeights = new uint256[](n);
        result.thresholdWeights = new uint256[](n);
        result.status = _checkEpochAndShape(params);
        if (result.status != SignerSetStatus.Valid) return result;

        BN254.G1Point memory apk;
        for (uint256 q; q < n; ++q) {
            SignerSetStatus status = _checkQuorum(params, q, apk, context, result);
            if (status != SignerSetStatus.Valid) return _failAt(result, status, q);
        }
        if (!BN254.verifyBLS(digest, apk, params.apkG2, params.sigma)) result.status = SignerSetStatus.InvalidSignature;
    }

    /// @dev The quorum at index `q`: its order, existence and threshold at the reference epoch, then its signers (keys
    ///      added to `apk` in place; signed and threshold weights written to `result`).
    function _checkQuorum(
        SignerSetParams calldata params,
        uint256 q,
        BN254.G1Point memory apk,
        bytes memory context,
        SignerSetResult memory result
    ) private view returns (SignerSetStatus status) {
        uint8 quorum = uint8(params.quorumNumbers[q]);
        if (q != 0 && quorum <= uint8(params.quorumNumbers[q - 1])) return SignerSetStatus.QuorumsNotSorted;
        (uint16 thresholdBps, uint256 totalWeight,) = _quorumAt(quorum, params.referenceEpoch);
        if (thresholdBps == 0) return SignerSetStatus.QuorumNotFound;
        if (totalWeight == 0) return SignerSetStatus.EmptyQuorum;
        // total < 2^96 (checkpointed as uint96), bps <= 10000: no overflow; bps, total > 0: the threshold is > 0.
        uint256 thresholdWeight = (totalWeight * thresholdBps + BPS_DENOMINATOR - 1) / BPS_DENOMINATOR;
        result.thresholdWeights[q] = thresholdWeight;
        uint256 signed;
        (status, signed) = _addSigners(quorum, q, params.referenceEpoch, params.signerKeys[q], apk, context);
        result.signedWeights[q] = signed;
        if (status == SignerSetStatus.Valid && signed < thresholdWeight) {
            return SignerSetStatus.InsufficientSignedWeight;
        }
    }

    /// @dev The reference-epoch rules of {BLSSignatureChecker} and the shape of the lists.
    function _checkEpochAndShape(SignerSetParams calldata params) private view returns (SignerSetStatus) {
        (bool started, uint32 current) = EpochMath.tryEpochAt(GENESIS, EPOCH_LENGTH, block.timestamp);
        if (!started) return SignerSetStatus.EpochsNotStarted;
        uint32 epoch = params.referenceEpoch;
        if (epoch > current) return SignerSetStatus.ReferenceEpochInFuture;
        if (current - epoch > MAX_PROOF_AGE_EPOCHS) return SignerSetStatus.ProofTooOld;
        if (params.quorumNumbers.length == 0) return SignerSetStatus.NoQuorums;
        if (params.signerKeys.length != params.quorumNumbers.length) return SignerSetStatus.LengthMismatch;
        return SignerSetStatus.Valid;
    }

    /// @dev Adds the keys of one quorum's signers to `apk` (in place) and sums the weights of those that count; Valid,
    ///      or why the list is refused (not strictly ascending by key hash, a key that is not a member at `epoch`, a
    ///      point the precompile refuses).
    function _addSigners(
        uint8 quorum,
        uint256 quorumIndex,
        uint32 epoch,
        BN254.G1Point[] calldata keys,
        BN254.G1Point memory apk,
        bytes memory context
    ) private view returns (SignerSetStatus, uint256 signedWeight) {
        uint256 previousHash;
        for (uint256 i; i < keys.length; ++i) {
            BN254.G1Point memory key = keys[i];
            bytes32 keyHash = BN254.hashG1(key);
            if (i != 0 && uint256(keyHash) <= previousHash) return (SignerSetStatus.SignersNotSorted, signedWeight);
            previousHash = uint256(keyHash);
            uint256 weight = _keyWeightAt(quorum, keyHash, epoch);
            if (weight == 0) return (SignerSetStatus.SignerNotMember, signedWeight);
            if (!_addInPlace(apk, key)) return (SignerSetStatus.InvalidPoint, signedWeight);
            // Distinct members' weights at one epoch sum to at most the quorum's uint96 total: no overflow.
            if (_signerCounts(quorumIndex, keyHash, context)) signedWeight += weight;
        }
        return (SignerSetStatus.Valid, signedWeight);
    }

    /// @dev apk := apk + key; false when the precompile refuses `key` (apk is then unchanged).
    function _addInPlace(BN254.G1Point memory apk, BN254.G1Point memory key) private view returns (bool ok) {
        BN254.G1Point memory sum;
        (ok, sum) = BN254.add(apk, key);
        if (ok) (apk.X, apk.Y) = (sum.X, sum.Y);
    }

    /// @dev Records a failure at quorum index `q`.
    function _failAt(SignerSetResult memory result, SignerSetStatus status, uint256 q)
        private
        pure
        returns (SignerSetResult memory)
    {
        result.status = status;
        result.quorumIndex = q;
        return result;
    }

    /// @dev Whether the member whose key hash is `keyHash`, listed as a signer of the quorum at `quorumIndex`, counts
    ///      now (its membership at the reference epoch is already checked). `context` is what the caller of
    ///      {_signerSetStatus} passed. Should not revert.
    function _signerCounts(uint256 quorumIndex, bytes32 keyHash, bytes memory context)
        internal
        view
        virtual
        returns (bool);
}
