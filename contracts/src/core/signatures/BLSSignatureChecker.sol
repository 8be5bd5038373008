// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {EpochMath} from "../epochs/EpochMath.sol";
import {BN254} from "./BN254.sol";

/// @title BLSSignatureChecker
/// @notice The BN254 BLS quorum check: ONE aggregate signature over a message hash, by the members of a quorum at a
///         reference epoch minus the non-signers the caller names, carrying at least the quorum's threshold weight.
///         signers' aggregate G1 key = quorum aggregate key at the reference epoch − Σ non-signer keys, and with
///         H = BN254.hashToG1(digest), γ = keccak256(digest, apk₁, apk₂, σ) mod r:
///         e(σ + γ·apk₁, −G2) · e(H + γ·G1, apk₂) = 1 (one call to precompile 0x08),
///         apk₂ being the signers' aggregate G2 key the caller gives (bound to apk₁ by the same equation).
///         The reference-epoch rules are StakeRegistryVerifier's: not after the current epoch, at most
///         MAX_PROOF_AGE_EPOCHS before it; keys, weights, totals and thresholds are those checkpointed for that epoch.
/// @dev The registry (BLSApkRegistry) provides the per-epoch lookups. {isValidSignature} never reverts whatever
///      `sigData` holds (given enough gas); {signatureStatus} never reverts for a bad signature and says why.
abstract contract BLSSignatureChecker is IERC1271 {
    /// @dev ERC-1271 magic value (IERC1271.isValidSignature.selector).
    bytes4 internal constant _ERC1271_MAGIC_VALUE = 0x1626ba7e;
    /// @dev Returned for a proof that does not hold.
    bytes4 internal constant _ERC1271_INVALID = 0xffffffff;
    /// @notice Basis-point denominator of the quorum thresholds.
    uint256 public constant BPS_DENOMINATOR = 10_000;

    /// @notice Start of epoch 0, unix seconds (the EpochManager's).
    uint64 public immutable GENESIS;
    /// @notice Epoch length, seconds.
    uint64 public immutable EPOCH_LENGTH;
    /// @notice How many epochs before the current one a reference epoch may be (0: only the current epoch).
    uint32 public immutable MAX_PROOF_AGE_EPOCHS;

    /// @notice Why a signature check fails (Valid when it holds), in the order the checks run.
    enum SignatureStatus {
        Valid,
        EpochsNotStarted,
        ReferenceEpochInFuture,
        ProofTooOld,
        QuorumNotFound,
        EmptyQuorum,
        NonSignersNotSorted,
        NonSignerNotMember,
        InvalidPoint,
        InsufficientSignedWeight,
        InvalidSignature
    }

    /// @notice What a signature check is given besides the message hash; `sigData` of {isValidSignature} is
    ///         abi.encode(SignatureParams).
    /// @param quorum The quorum number.
    /// @param referenceEpoch The epoch whose keys, weights and threshold apply.
    /// @param nonSignerKeys G1 keys of the quorum members at `referenceEpoch` that did not sign, strictly ascending by
    ///        key hash (keccak256(x ‖ y)).
    /// @param apkG2 The signers' aggregate G2 key.
    /// @param sigma The aggregate signature (G1).
    struct SignatureParams {
        uint8 quorum;
        uint32 referenceEpoch;
        BN254.G1Point[] nonSignerKeys;
        BN254.G2Point apkG2;
        BN254.G1Point sigma;
    }

    /// @param genesis Start of epoch 0, unix seconds.
    /// @param epochLength Epoch length, seconds (> 0; validated by EpochManager).
    /// @param maxProofAgeEpochs How many epochs before the current one a reference epoch may be.
    constructor(uint64 genesis, uint64 epochLength, uint32 maxProofAgeEpochs) {
        GENESIS = genesis;
        EPOCH_LENGTH = epochLength;
        MAX_PROOF_AGE_EPOCHS = maxProofAgeEpochs;
    }

    /// @notice ERC-1271: whether `sigData` holds an aggregate signature of `digest` by enough of its quorum.
    /// @param digest The signed message hash.
    /// @param sigData abi.encode(SignatureParams) (canonical head: its first word is 0x20).
    /// @return 0x1626ba7e when valid, 0xffffffff otherwise. Never reverts (given enough gas).
    function isValidSignature(bytes32 digest, bytes calldata sigData) external view returns (bytes4) {
        if (sigData.length < 32 || uint256(bytes32(sigData[:32])) != 0x20) return _ERC1271_INVALID;
        // Decoding reverts on malformed bytes: decode in a self-call whose failure is a failure value.
        (bool ok, bytes memory result) = address(this).staticcall(
            abi.encodePacked(this.signatureStatus.selector, digest, uint256(0x40), sigData[32:])
        );
        if (!ok || result.length < 32) return _ERC1271_INVALID;
        return abi.decode(result, (SignatureStatus)) == SignatureStatus.Valid ? _ERC1271_MAGIC_VALUE : _ERC1271_INVALID;
    }

    /// @notice The check of {isValidSignature} with typed arguments, saying why it fails. Never reverts for a bad
    ///         signature, unknown quorum or epoch, or points off the curve.
    /// @param digest The signed message hash.
    /// @param params The quorum, reference epoch, non-signers, signers' G2 key and aggregate signature.
    /// @return status Valid, or the first reason the check fails.
    /// @return signedWeight The quorum's total weight at the reference epoch minus the non-signers' (0 when the check
    ///         stopped before).
    /// @return thresholdWeight The weight needed: ceil(total × thresholdBps / 10000) (0 when the check stopped before).
    function signatureStatus(bytes32 digest, SignatureParams calldata params)
        external
        view
        returns (SignatureStatus status, uint256 signedWeight, uint256 thresholdWeight)
    {
        return _signatureStatus(digest, params);
    }

    /// @dev The check; see {signatureStatus}.
    function _signatureStatus(bytes32 digest, SignatureParams calldata params)
        internal
        view
        returns (SignatureStatus, uint256 signedWeight, uint256 thresholdWeight)
    {
        uint32 epoch = params.referenceEpoch;
        (bool started, uint32 current) = EpochMath.tryEpochAt(GENESIS, EPOCH_LENGTH, block.timestamp);
        if (!started) return (SignatureStatus.EpochsNotStarted, 0, 0);
        if (epoch > current) return (SignatureStatus.ReferenceEpochInFuture, 0, 0);
        if (current - epoch > MAX_PROOF_AGE_EPOCHS) return (SignatureStatus.ProofTooOld, 0, 0);

        (uint16 thresholdBps, uint256 totalWeight, BN254.G1Point memory apk) = _quorumAt(params.quorum, epoch);
        if (thresholdBps == 0) return (SignatureStatus.QuorumNotFound, 0, 0);
        if (totalWeight == 0) return (SignatureStatus.EmptyQuorum, 0, 0);
        thresholdWeight = (totalWeight * thresholdBps + BPS_DENOMINATOR - 1) / BPS_DENOMINATOR;

        (SignatureStatus status, uint256 removedWeight) =
            _removeNonSigners(params.quorum, epoch, params.nonSignerKeys, apk);
        if (status != SignatureStatus.Valid) return (status, 0, thresholdWeight);
        // Distinct members' weights at an epoch sum to at most its total; the guard keeps the view from reverting.
        signedWeight = removedWeight < totalWeight ? totalWeight - removedWeight : 0;
        if (signedWeight < thresholdWeight) {
            return (SignatureStatus.InsufficientSignedWeight, signedWeight, thresholdWeight);
        }
        if (!BN254.verifyBLS(digest, apk, params.apkG2, params.sigma)) {
            return (SignatureStatus.InvalidSignature, signedWeight, thresholdWeight);
        }
        return (SignatureStatus.Valid, signedWeight, thresholdWeight);
    }

    /// @dev Subtracts the non-signers' keys from `apk` (in place) and sums their weights at `epoch`; Valid, or why the
    ///      list is refused (not strictly ascending by key hash, a key that is not a member then, a point off the curve).
    function _removeNonSigners(uint8 quorum, uint32 epoch, BN254.G1Point[] calldata keys, BN254.G1Point memory apk)
        private
        view
        returns (SignatureStatus, uint256 removedWeight)
    {
        uint256 previousHash;
        for (uint256 i; i < keys.length; ++i) {
            BN254.G1Point memory key = keys[i];
            uint256 keyHash = uint256(BN254.hashG1(key));
            if (i != 0 && keyHash <= previousHash) return (SignatureStatus.NonSignersNotSorted, 0);
            previousHash = keyHash;
            uint256 weight = _keyWeightAt(quorum, bytes32(keyHash), epoch);
            if (weight == 0) return (SignatureStatus.NonSignerNotMember, 0);
            removedWeight += weight;
            if (!_subtractInPlace(apk, key)) return (SignatureStatus.InvalidPoint, 0);
        }
        return (SignatureStatus.Valid, removedWeight);
    }

    /// @dev apk := apk − key; false when the precompile refuses `key` (apk is then unchanged).
    function _subtractInPlace(BN254.G1Point memory apk, BN254.G1Point memory key) private view returns (bool ok) {
        BN254.G1Point memory difference;
        (ok, difference) = BN254.add(apk, BN254.negate(key));
        if (ok) (apk.X, apk.Y) = (difference.X, difference.Y);
    }

    /// @dev The quorum's threshold (basis points; 0 when the quorum does not exist at `epoch`), total weight and
    ///      aggregate G1 key at `epoch` (the latest checkpoint at or before it).
    function _quorumAt(uint8 quorum, uint32 epoch)
        internal
        view
        virtual
        returns (uint16 thresholdBps, uint256 totalWeight, BN254.G1Point memory apk);

    /// @dev The weight in `quorum` at `epoch` of the key whose hash is `keyHash` (0: not a member then).
    function _keyWeightAt(uint8 quorum, bytes32 keyHash, uint32 epoch) internal view virtual returns (uint256);
}
