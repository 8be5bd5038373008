// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {EpochMath} from "../epochs/EpochMath.sol";
import {AttestationBatch} from "./AttestationBatch.sol";
import {SigDataLayout} from "./SigDataLayout.sol";

/// @title StakeRegistryVerifier
/// @notice The quorum-signature check shared by every stake registry (ECDSAStakeRegistry on the main chain,
///         LightStakeRegistry on remote chains), so that one proof verifies identically on every chain. It knows no
///         key scheme: a key scheme (ECDSAKeyScheme; a BN254 BLS scheme would be another) reads the signatures and
///         checks them against the signers' keys through the hooks at the end of this contract.
///
///         sigData has one of two forms (SigDataLayout), S a dynamic type the key scheme defines (ECDSAKeyScheme:
///         `bytes[]`, one signature per operator):
///         - single: `abi.encode(address[] operators, S signatures, uint32 referenceEpoch)`, signatures over `digest`;
///         - batched (decision batch-0001): `abi.encode(bytes32 BATCH_SIGDATA_TAG, address[] operators, S signatures,
///           uint32 referenceEpoch, bytes32[] proof)`, signatures over {batchDigest} of the Merkle root `proof` leads to
///           from `digest`'s leaf (AttestationBatch), so one signature per operator covers a whole batch of digests.
///         A proof is valid when
///         - `signatures` is well-formed for the key scheme and operators are strictly ascending by address;
///         - `referenceEpoch` is not after the current epoch and at most MAX_PROOF_AGE_EPOCHS before it;
///         - the threshold weight at `referenceEpoch` is above zero;
///         - every operator has a signing key at `referenceEpoch` (i.e. is registered then) and the key scheme accepts
///           its signature of the signed hash (`digest`, or the batch digest) against that key;
///         - the summed weight of the operators at `referenceEpoch` is at least the threshold weight;
///         - the key scheme accepts the signatures as a whole (an aggregate signature; nothing left to check for ECDSA).
///         A Merkle path that does not lead to the signed root fails as the signatures do: they are checked against
///         the batch digest of the root the path leads to.
///
///         {isValidSignature} returns 0x1626ba7e for a valid proof and 0xffffffff otherwise, and never reverts, whatever
///         the bytes of `sigData` (given enough gas). {checkSignatures} runs the same check and reverts with an error
///         naming the first reason a proof fails.
/// @dev sigData is decoded in place from calldata with explicit bounds checks (no abi.decode, no self-call), so
///      malformed input is a failure value rather than a revert; key schemes keep to the same rule. Non-canonical
///      encodings that point inside the bounds are accepted: validity depends only on the decoded values.
///      Implementers provide the per-epoch lookups; a lookup at an epoch never written must return the latest value at
///      or before it ("carry-forward").
abstract contract StakeRegistryVerifier is IERC1271 {
    /// @dev ERC-1271 magic value (IERC1271.isValidSignature.selector).
    bytes4 internal constant _ERC1271_MAGIC_VALUE = 0x1626ba7e;
    /// @dev Returned for a proof that does not hold.
    bytes4 internal constant _ERC1271_INVALID = 0xffffffff;

    /// @notice Start of epoch 0, unix seconds (same clock as the main chain's EpochManager).
    uint64 public immutable GENESIS;
    /// @notice Epoch length, seconds.
    uint64 public immutable EPOCH_LENGTH;
    /// @notice How many epochs before the current one a reference epoch may be (0: only the current epoch).
    uint32 public immutable MAX_PROOF_AGE_EPOCHS;

    /// @notice First word of a batched sigData (AttestationBatch.BATCH_SIGDATA_TAG).
    bytes32 public constant BATCH_SIGDATA_TAG = AttestationBatch.BATCH_SIGDATA_TAG;

    /// @notice sigData is not a well-formed single or batched sigData for the key scheme's S.
    error MalformedSigData();
    /// @notice `operators` and `signatures` lengths differ (a key scheme with one signature per operator).
    error LengthMismatch(uint256 operators, uint256 signatures);
    /// @notice The current time is before the epoch clock's genesis: no proof can be valid yet.
    error EpochsNotStarted();
    /// @notice `referenceEpoch` is after `currentEpoch`.
    error ReferenceEpochInFuture(uint32 referenceEpoch, uint32 currentEpoch);
    /// @notice `referenceEpoch` is more than `maxAgeEpochs` before `currentEpoch`.
    error ProofTooOld(uint32 referenceEpoch, uint32 currentEpoch, uint32 maxAgeEpochs);
    /// @notice The threshold weight at `referenceEpoch` is zero (no stake registered then): every proof is invalid.
    error ZeroThreshold(uint32 referenceEpoch);
    /// @notice Operators are not strictly ascending by address (duplicates or disorder).
    error SignersNotAscending();
    /// @notice `operator` has no signing key at the reference epoch (not registered then).
    error NotRegistered(address operator);
    /// @notice `operator`'s signature does not verify against its signing key at the reference epoch.
    error InvalidSignature(address operator);
    /// @notice The `signed` weight is below the `threshold` weight of the reference epoch.
    error InsufficientSignedWeight(uint256 signed, uint256 threshold);

    /// @param genesis Start of epoch 0, unix seconds.
    /// @param epochLength Epoch length, seconds (> 0; validated by EpochManager).
    /// @param maxProofAgeEpochs How many epochs before the current one a reference epoch may be.
    constructor(uint64 genesis, uint64 epochLength, uint32 maxProofAgeEpochs) {
        GENESIS = genesis;
        EPOCH_LENGTH = epochLength;
        MAX_PROOF_AGE_EPOCHS = maxProofAgeEpochs;
    }

    /// @notice ERC-1271: whether the operators' signatures in `sigData` over `digest` carry the threshold weight.
    /// @param digest The signed hash (for state proofs, StateProofsServiceManager.attestationDigest).
    /// @param sigData abi.encode(address[] operators, S signatures, uint32 referenceEpoch) (ECDSA: S = bytes[]), or
    ///        the batched form abi.encode(BATCH_SIGDATA_TAG, operators, signatures, referenceEpoch, bytes32[] proof).
    /// @return 0x1626ba7e when valid, 0xffffffff otherwise. Never reverts.
    function isValidSignature(bytes32 digest, bytes calldata sigData) external view returns (bytes4) {
        (bool ok,,,) = _verify(digest, sigData, true);
        return ok ? _ERC1271_MAGIC_VALUE : _ERC1271_INVALID;
    }

    /// @notice The check of {isValidSignature} with each signer's checkpointed weight at the reference epoch, not
    ///         lowered to what it can be slashed for now ({_signingWeight}). Replicas of a registry on other chains hold
    ///         at most these weights, so a proof that verifies on any chain passes this check: disputes admit exactly
    ///         the proofs that verify somewhere.
    /// @param digest The signed hash.
    /// @param sigData A single or batched sigData (see {isValidSignature}).
    /// @return 0x1626ba7e when valid, 0xffffffff otherwise. Never reverts.
    function isValidSignatureAtCheckpoints(bytes32 digest, bytes calldata sigData) external view returns (bytes4) {
        (bool ok,,,) = _verify(digest, sigData, false);
        return ok ? _ERC1271_MAGIC_VALUE : _ERC1271_INVALID;
    }

    /// @notice The same check as {isValidSignature}, reverting with the first reason a proof fails (for debugging).
    /// @param digest The signed hash.
    /// @param sigData A single or batched sigData (see {isValidSignature}).
    /// @return signedWeight Summed weight of the signers at the reference epoch.
    /// @return thresholdWeight Threshold weight at the reference epoch.
    function checkSignatures(bytes32 digest, bytes calldata sigData)
        external
        view
        returns (uint256 signedWeight, uint256 thresholdWeight)
    {
        return _verifyOrRevert(digest, sigData, true);
    }

    /// @notice Whether `signature` is `operator`'s own signature of `digest` at `referenceEpoch`, whatever its weight:
    ///         `referenceEpoch` is admissible now (the same age rule as {isValidSignature}), `operator` has a signing key
    ///         then, and `signature` is that key's signature in the key scheme (ECDSA: plain, 65 bytes r‖s‖v,
    ///         v ∈ {27, 28}, low s). Lets a dispute slash further signers of an attestation already proven wrong; the age
    ///         rule keeps a long-rotated (possibly leaked) key from framing its operator. Never reverts.
    /// @param operator The operator.
    /// @param digest The signed hash.
    /// @param signature The operator's signature (ECDSA: 65 bytes r‖s‖v).
    /// @param referenceEpoch The epoch whose signing key is used.
    function isValidOperatorSignature(address operator, bytes32 digest, bytes calldata signature, uint32 referenceEpoch)
        external
        view
        returns (bool)
    {
        return _isValidOperatorSignature(operator, digest, signature, referenceEpoch);
    }

    /// @notice {isValidOperatorSignature} for a batch: whether `signature` is `operator`'s own signature, at
    ///         `referenceEpoch`, of the batch whose root `proof` leads to from `digest`'s leaf ({batchDigest}). Lets a
    ///         dispute slash further signers of a batch holding a digest proven wrong. Never reverts.
    /// @param operator The operator.
    /// @param digest A digest in the batch (a leaf's preimage).
    /// @param signature The operator's signature of the batch digest (ECDSA: 65 bytes r‖s‖v).
    /// @param referenceEpoch The epoch whose signing key is used.
    /// @param proof The Merkle path from `digest`'s leaf to the batch root (empty for a one-digest batch).
    function isValidOperatorBatchSignature(
        address operator,
        bytes32 digest,
        bytes calldata signature,
        uint32 referenceEpoch,
        bytes32[] calldata proof
    ) external view returns (bool) {
        bytes32 signed = AttestationBatch.batchDigest(AttestationBatch.root(digest, proof));
        return _isValidOperatorSignature(operator, signed, signature, referenceEpoch);
    }

    /// @notice The EIP-712 digest operators sign for the batch with Merkle root `root` (AttestationBatch.batchDigest).
    /// @param root The root of the batch's OpenZeppelin StandardMerkleTree of `bytes32` digests.
    function batchDigest(bytes32 root) external pure returns (bytes32) {
        return AttestationBatch.batchDigest(root);
    }

    /// @notice The check of {isValidSignatureAtCheckpoints}, reverting with the first reason a proof fails.
    /// @param digest The signed hash.
    /// @param sigData A single or batched sigData (see {isValidSignature}).
    /// @return signedWeight Summed checkpointed weight of the signers at the reference epoch.
    /// @return thresholdWeight Threshold weight at the reference epoch.
    function checkSignaturesAtCheckpoints(bytes32 digest, bytes calldata sigData)
        external
        view
        returns (uint256 signedWeight, uint256 thresholdWeight)
    {
        return _verifyOrRevert(digest, sigData, false);
    }

    /// @dev {_verify}, reverting with its reason when the proof fails.
    function _verifyOrRevert(bytes32 digest, bytes calldata sigData, bool live)
        private
        view
        returns (uint256 signedWeight, uint256 thresholdWeight)
    {
        bool ok;
        bytes memory reason;
        (ok, reason, signedWeight, thresholdWeight) = _verify(digest, sigData, live);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(reason, 0x20), mload(reason))
            }
        }
    }

    /// @dev See {isValidOperatorSignature}; `signed` is the hash the signature is over.
    function _isValidOperatorSignature(address operator, bytes32 signed, bytes calldata signature, uint32 epoch)
        private
        view
        returns (bool)
    {
        if (_checkReferenceEpoch(epoch).length != 0) return false;
        (address signingKey,) = _operatorAt(operator, epoch);
        if (signingKey == address(0)) return false;
        return _verifyOperatorSignature(signed, signingKey, signature);
    }

    /// @notice The current epoch of this registry's clock. Reverts before genesis.
    function currentEpoch() public view returns (uint32) {
        return EpochMath.epochAt(GENESIS, EPOCH_LENGTH, block.timestamp);
    }

    /// @dev `operator`'s signing key (zero when not registered then) and weight at `epoch`. The key is what the key
    ///      scheme checks signatures against: the signer's address for ECDSA (a scheme whose keys do not fit 160 bits
    ///      would store a key id here and the key beside it).
    function _operatorAt(address operator, uint32 epoch)
        internal
        view
        virtual
        returns (address signingKey, uint256 weight);

    /// @dev The weight a signature of `operator` counts for now, given its checkpointed weight at the reference epoch.
    ///      Default: the checkpointed weight. The main registry lowers it to the stake the operator set can slash now.
    function _signingWeight(address, uint256 checkpointWeight) internal view virtual returns (uint256) {
        return checkpointWeight;
    }

    /// @dev The threshold weight at `epoch` (zero when nothing is registered then).
    function _thresholdWeightAt(uint32 epoch) internal view virtual returns (uint256);

    /// @dev Runs the whole check without reverting.
    /// @return ok Whether the proof is valid.
    /// @return reason When not ok, the ABI-encoded custom error explaining why.
    /// @return signed Summed signer weight (0 when the check stopped before summing).
    /// @return threshold Threshold weight at the reference epoch (0 when not reached).
    /// @param live Whether signer weights are lowered by {_signingWeight} (true for {isValidSignature}).
    function _verify(bytes32 digest, bytes calldata sigData, bool live)
        internal
        view
        returns (bool ok, bytes memory reason, uint256 signed, uint256 threshold)
    {
        // The head (SigDataLayout: the operators' length word and head, the signatures' first word and, batched, the
        // proof, inside sigData), then the signatures as the key scheme reads them.
        (bool wellFormed, SigDataLayout.Head memory head) = SigDataLayout.decode(sigData);
        if (!wellFormed) return (false, abi.encodeWithSelector(MalformedSigData.selector), 0, 0);
        (reason, head.signatures) = _decodeSignatures(head.section, head.end, head.count);
        if (reason.length != 0) return (false, reason, 0, 0);
        // What the signers signed: `digest`, or the batch digest of the root the proof leads to from its leaf.
        bytes32 signedHash = SigDataLayout.signedHash(head, digest);
        uint32 referenceEpoch = head.referenceEpoch;

        reason = _checkReferenceEpoch(referenceEpoch);
        if (reason.length != 0) return (false, reason, 0, 0);
        threshold = _thresholdWeightAt(referenceEpoch);
        if (threshold == 0) return (false, abi.encodeWithSelector(ZeroThreshold.selector, referenceEpoch), 0, 0);

        (reason, signed) = _sumSigners(signedHash, head, referenceEpoch, live);
        if (reason.length != 0) return (false, reason, 0, threshold);
        if (signed < threshold) {
            return
                (false, abi.encodeWithSelector(InsufficientSignedWeight.selector, signed, threshold), signed, threshold);
        }
        reason = _verifySignatures(signedHash, head.signatures);
        if (reason.length != 0) return (false, reason, signed, threshold);
        return (true, "", signed, threshold);
    }

    /// @dev Empty when `referenceEpoch` is admissible now (not after the current epoch, at most MAX_PROOF_AGE_EPOCHS
    ///      before it), else the encoded reason.
    function _checkReferenceEpoch(uint32 referenceEpoch) private view returns (bytes memory reason) {
        (bool started, uint32 current) = EpochMath.tryEpochAt(GENESIS, EPOCH_LENGTH, block.timestamp);
        if (!started) return abi.encodeWithSelector(EpochsNotStarted.selector);
        if (referenceEpoch > current) {
            return abi.encodeWithSelector(ReferenceEpochInFuture.selector, referenceEpoch, current);
        }
        if (current - referenceEpoch > MAX_PROOF_AGE_EPOCHS) {
            return abi.encodeWithSelector(ProofTooOld.selector, referenceEpoch, current, MAX_PROOF_AGE_EPOCHS);
        }
    }

    /// @dev Checks order, registration and signature (of `digest`, the signed hash) of every signer and sums their
    ///      weights at `referenceEpoch`.
    ///      The per-signer path is most of the gas of a large proof, so it is kept to one loop: the operator read in
    ///      assembly, around the storage hook {_operatorAt} and the key scheme's {_signatureEntry} and {_verifySigner}.
    /// @return reason Empty when every signer is valid, else the encoded error of the first invalid one.
    /// @return signed Summed weight.
    function _sumSigners(bytes32 digest, SigDataLayout.Head memory head, uint32 referenceEpoch, bool live)
        private
        view
        returns (bytes memory reason, uint256 signed)
    {
        uint256 signatures = head.signatures;
        uint256 end = head.end;
        // previous operator + 1, 0 before the first: `operator < bound` is "not strictly ascending".
        uint256 bound;
        for (uint256 i; i < head.count; ++i) {
            address operator;
            uint256 entry;
            uint256 entryLength;
            {
                // The i-th operator (a clean address) and its signature entry, checked to lie inside sigData.
                bool wellFormed;
                assembly ("memory-safe") {
                    let word := calldataload(add(mload(head), shl(5, i))) // head.opsPtr
                    operator := word
                    wellFormed := iszero(shr(160, word))
                }
                bool entryWellFormed;
                (entryWellFormed, entry, entryLength) = _signatureEntry(signatures, end, i);
                assembly ("memory-safe") {
                    wellFormed := and(wellFormed, entryWellFormed)
                }
                if (!wellFormed) return (abi.encodeWithSelector(MalformedSigData.selector), 0);
            }
            if (uint160(operator) < bound) return (abi.encodeWithSelector(SignersNotAscending.selector), 0);
            unchecked {
                bound = uint256(uint160(operator)) + 1;
            }

            address signingKey;
            {
                uint256 weight;
                (signingKey, weight) = _operatorAt(operator, referenceEpoch);
                if (signingKey == address(0)) return (abi.encodeWithSelector(NotRegistered.selector, operator), 0);
                if (live) weight = _signingWeight(operator, weight);
                // Saturating: a sum that does not fit is above any threshold anyway. Of no use if a signature
                // fails below: the proof fails then.
                assembly ("memory-safe") {
                    let sum := add(signed, weight)
                    signed := or(sum, sub(0, lt(sum, signed)))
                }
            }

            if (!_verifySigner(digest, signingKey, entry, entryLength)) {
                return (abi.encodeWithSelector(InvalidSignature.selector, operator), 0);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The key scheme: how signatures are laid out in sigData and checked against the signers' keys. Called in this
    // order for one proof: {_decodeSignatures}; per signer {_signatureEntry}, then (once it is in order and registered)
    // {_verifySigner}; {_verifySignatures} once the weight is reached. None may revert, whatever sigData holds.
    // ECDSAKeyScheme: one plain ECDSA signature per signer. A BN254 BLS scheme would be: signatures holding the
    // aggregate signature, no per-signer entries ({_signatureEntry} handing over the running aggregate key as
    // `entry`), {_verifySigner} adding the signer's key to it, and {_verifySignatures} one pairing check.
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev Reads the signatures of a sigData of `signerCount` operators: its first word is at absolute calldata offset
    ///      `section` (the offset of the field, checked to lie inside sigData), and sigData ends at `end`.
    /// @return reason Empty when they are well-formed for `signerCount` signers, else the encoded error
    ///         ({MalformedSigData}, {LengthMismatch}, or the scheme's own).
    /// @return signatures Handed back to the scheme's other hooks for this proof (e.g. where the entries start).
    function _decodeSignatures(uint256 section, uint256 end, uint256 signerCount)
        internal
        pure
        virtual
        returns (bytes memory reason, uint256 signatures);

    /// @dev The `index`-th signer's own entry in the signatures, read before the signer itself is checked.
    /// @return wellFormed Whether the entry lies inside sigData (ends at `end`); a scheme without per-signer entries
    ///         returns true.
    /// @return entry Where the entry starts (absolute calldata offset; scheme-defined).
    /// @return entryLength Its length in bytes (scheme-defined).
    function _signatureEntry(uint256 signatures, uint256 end, uint256 index)
        internal
        pure
        virtual
        returns (bool wellFormed, uint256 entry, uint256 entryLength);

    /// @dev Whether a signer whose key at the reference epoch is `signingKey` signed `digest`, given its entry from
    ///      {_signatureEntry}; a scheme that checks signatures only as a whole records the key here and returns true.
    function _verifySigner(bytes32 digest, address signingKey, uint256 entry, uint256 entryLength)
        internal
        view
        virtual
        returns (bool);

    /// @dev After every signer passed {_verifySigner} and their weight reached the threshold: the check of the
    ///      signatures as a whole.
    /// @return reason Empty when they hold, else the encoded error.
    function _verifySignatures(bytes32 digest, uint256 signatures) internal view virtual returns (bytes memory reason);

    /// @dev Whether `signature` alone is `signingKey`'s signature of `digest` (for {isValidOperatorSignature}).
    function _verifyOperatorSignature(bytes32 digest, address signingKey, bytes calldata signature)
        internal
        view
        virtual
        returns (bool);
}
