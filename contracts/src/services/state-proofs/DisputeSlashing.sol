// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IAllocationManagerErrors, IAllocationManagerTypes, OperatorSet} from "../../eigenlayer/IAllocationManager.sol";
import {IStrategy} from "../../eigenlayer/IStrategy.sol";
import {OperatorSetSlashing} from "../../core/avs/OperatorSetSlashing.sol";
import {DisputePayments} from "./DisputePayments.sol";
import {QuorumStrategy} from "./IStateProofsStakeRegistry.sol";

/// @title DisputeSlashing
/// @notice The slashing of the signers of a digest the StateDisputeResolver proved wrong: per digest its signers on
///         record and progress, per signer its slash (Pending, Slashed, Failed, Skipped), and the challenger's reward
///         for the stake slashed. Slashing goes on until every signer is done, by anyone: {slashRemainingSigners},
///         {retrySlashes}, {slashAdditionalSigners}, {slashAdditionalBatchSigners}.
/// @dev Kept per digest, not per challenge, so that a digest is slashed once whatever challenged it; a (digest,
///      operator) pair is slashed at most once. StateDisputeResolver opens the record when a challenge proves the
///      digest wrong ({_slashNext}). The challenged signer list is not stored, only its hash: the calls that walk it
///      take it as calldata (from the ChallengeSubmitted event) and check it ({_checkSigners}).
abstract contract DisputeSlashing is DisputePayments {
    /// @dev What every slash of one call shares.
    struct SlashContext {
        bytes32 digest;
        bytes32 challengeId;
        OperatorSet set;
        IAllocationManagerTypes.SlashingParams params;
        uint256[] multipliers;
        uint256 weightSlashed;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Entry points (anyone, until every signer is done)
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Attempts the next MAX_SLASHES_PER_CALL signers of `digest` not attempted yet. Anyone may call; call it
    ///         at once, before the signers' slashable window ends. Pays the challenger of record its reward for the
    ///         stake slashed.
    /// @param digest A digest proven wrong with signers pending ({SlashingIncomplete}).
    /// @param signers The challenged sigData's signers, ascending, as ChallengeSubmitted carries them
    ///        ({SignersMismatch} otherwise).
    function slashRemainingSigners(bytes32 digest, address[] calldata signers) external nonReentrant {
        Slashing storage s = _proven(digest);
        if (s.attempted >= s.signerCount) revert NothingLeftToSlash(digest);
        _checkSigners(digest, s, signers);
        _pay(s.challenger, _slashNext(digest, s, signers));
    }

    /// @notice Tries again the slashes of `operators` of `digest` that reverted (Failed: e.g. EigenLayer slashing was
    ///         paused, or its arithmetic failed). Anyone may call, as often as needed. Pays the challenger of record its
    ///         reward for the stake slashed.
    /// @dev A retry that reverts again stays Failed (attempts counted); one the set can no longer slash becomes Skipped.
    ///      Out of gas reverts the call ({InsufficientGasForSlash}).
    /// @param digest A proven-wrong digest.
    /// @param operators Signers of `digest` whose status is Failed (1 to MAX_SLASHES_PER_CALL of them).
    function retrySlashes(bytes32 digest, address[] calldata operators) external nonReentrant {
        Slashing storage s = _proven(digest);
        _checkCount(operators.length);
        SlashContext memory ctx = _context(digest, s);
        for (uint256 i; i < operators.length; ++i) {
            address operator = operators[i];
            SignerSlash storage rec = _signerSlashes[digest][operator];
            if (rec.status != SignerStatus.Failed) revert NotRetryable(digest, operator, rec.status);
            _slashOne(s, ctx, rec, operator);
        }
        _pay(s.challenger, _reward(digest, s, ctx.weightSlashed));
    }

    /// @notice Slashes signers of the proven-wrong `digest` that the challenged sigData left out. Such a call needs no
    ///         quorum (the digest is proven wrong and its quorum was checked at the challenge): each operator needs
    ///         only its own signature over `digest` that the registry accepts at `referenceEpoch` now
    ///         (isValidOperatorSignature: the epoch not in the future nor older than MAX_PROOF_AGE_EPOCHS, so a key
    ///         rotated out long ago cannot frame its operator). Anyone may call. The reward for the stake slashed goes
    ///         to the challenger of record, not the caller: the digest was proven wrong at its risk, and a reward for
    ///         supplying signers would let the wrong signers race to supply each other and win back part of it.
    /// @dev Every signer on record must have been attempted ({SlashingUnfinished}), so a listed signer is never added
    ///      twice; an operator already on record is refused ({SignerAlreadyRecorded}).
    /// @param digest A proven-wrong digest.
    /// @param referenceEpoch The epoch at whose signing keys the signatures are checked.
    /// @param operators The additional signers (1 to MAX_SLASHES_PER_CALL of them).
    /// @param signatures Their 65-byte r‖s‖v signatures over `digest`.
    function slashAdditionalSigners(
        bytes32 digest,
        uint32 referenceEpoch,
        address[] calldata operators,
        bytes[] calldata signatures
    ) external nonReentrant {
        (Slashing storage s, uint256 n) = _additional(digest, operators.length, signatures.length);
        for (uint256 i; i < operators.length; ++i) {
            if (!stakeRegistry.isValidOperatorSignature(operators[i], digest, signatures[i], referenceEpoch)) {
                revert InvalidOperatorSignature(operators[i], referenceEpoch);
            }
        }
        _addSigners(digest, s, n, referenceEpoch, operators);
    }

    /// @notice {slashAdditionalSigners} for signers of a batch holding `digest` (decision batch-0001): each signature
    ///         is over the batch digest of the root `proof` leads to from `digest`'s leaf, and the registry must accept
    ///         it at `referenceEpoch` now (isValidOperatorBatchSignature). One call per batch: signers of other
    ///         batches holding the same digest need their own proof.
    /// @param digest A proven-wrong digest.
    /// @param referenceEpoch The epoch at whose signing keys the signatures are checked.
    /// @param operators The additional signers (1 to MAX_SLASHES_PER_CALL of them).
    /// @param signatures Their 65-byte r‖s‖v signatures over the batch digest.
    /// @param proof The Merkle path from `digest`'s leaf to the batch root (empty for a one-digest batch).
    function slashAdditionalBatchSigners(
        bytes32 digest,
        uint32 referenceEpoch,
        address[] calldata operators,
        bytes[] calldata signatures,
        bytes32[] calldata proof
    ) external nonReentrant {
        (Slashing storage s, uint256 n) = _additional(digest, operators.length, signatures.length);
        for (uint256 i; i < operators.length; ++i) {
            if (!stakeRegistry.isValidOperatorBatchSignature(
                    operators[i], digest, signatures[i], referenceEpoch, proof
                )) {
                revert InvalidOperatorSignature(operators[i], referenceEpoch);
            }
        }
        _addSigners(digest, s, n, referenceEpoch, operators);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Whether `digest` was proven wrong (its signers are slashed, or being slashed, and it cannot be challenged
    ///         again).
    function slashedDigests(bytes32 digest) external view returns (bool) {
        return _slashings[digest].challenger != address(0);
    }

    /// @notice Slashing progress of `digest`: "slashed `slashed` of `signers`", with failed, skipped and pending counts,
    ///         weights and the reward paid. All zero for a digest never challenged.
    function getSlashing(bytes32 digest) external view returns (SlashingSummary memory summary) {
        Slashing storage s = _slashings[digest];
        uint256 n = s.signerCount;
        summary = SlashingSummary({
            challengeId: s.challengeId,
            challenger: s.challenger,
            referenceEpoch: s.referenceEpoch,
            signersHash: s.signersHash,
            signers: n,
            slashed: s.slashed,
            failed: s.failed,
            skipped: s.skipped,
            pending: n - s.attempted,
            signedWeight: s.signedWeight,
            weightSlashed: s.weightSlashed,
            rewardPaid: s.rewardPaid
        });
    }

    /// @notice The slashing of each of `operators` as a signer of `digest` and the AllocationManager's revert data of
    ///         its last failed or skipped attempt (empty otherwise). For clients, which rebuild the signers on record
    ///         from the logs: the ChallengeSubmitted list, then SignerAdded. When `operators` starts with the
    ///         challenged list (checked against its hash) and `digest` is proven wrong, the part of it not attempted
    ///         yet is reported Pending; any other operator not attempted is None.
    /// @param digest A challenged digest.
    /// @param operators The operators to report, e.g. the signers on record in order.
    function getSignerSlashes(bytes32 digest, address[] calldata operators)
        external
        view
        returns (SignerSlash[] memory records, bytes[] memory reasons)
    {
        Slashing storage s = _slashings[digest];
        records = new SignerSlash[](operators.length);
        reasons = new bytes[](operators.length);
        // Pending signers are the unattempted tail of the challenged list (additional signers are always attempted).
        uint256 listed = s.signerCount;
        uint256 pendingFrom = listed;
        if (
            s.challenger != address(0) && s.attempted < listed && operators.length >= listed
                && _hashSignersCalldata(operators[:listed]) == s.signersHash
        ) pendingFrom = s.attempted;
        for (uint256 i; i < operators.length; ++i) {
            (records[i], reasons[i]) = getSignerSlash(digest, operators[i]);
            if (i >= pendingFrom && i < listed && records[i].status == SignerStatus.None) {
                records[i].status = SignerStatus.Pending;
            }
        }
    }

    /// @notice The slashing of `operator` as a signer of `digest` and the revert data of its last failed or skipped
    ///         attempt. Status None while not attempted (a signer still pending, or not a signer: {getSignerSlashes}
    ///         tells them apart given the list).
    function getSignerSlash(bytes32 digest, address operator)
        public
        view
        returns (SignerSlash memory record, bytes memory reason)
    {
        record = _signerSlashes[digest][operator];
        reason = _slashReasons[digest][operator];
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev The slashing record of `digest`, which must be proven wrong.
    function _proven(bytes32 digest) private view returns (Slashing storage s) {
        s = _slashings[digest];
        if (s.challenger == address(0)) revert NotProvenWrong(digest);
    }

    /// @dev Reverts unless a call names 1 to MAX_SLASHES_PER_CALL signers (what one call can slash within a block).
    function _checkCount(uint256 count) private pure {
        if (count == 0 || count > MAX_SLASHES_PER_CALL) revert InvalidSignerCount(count, MAX_SLASHES_PER_CALL);
    }

    /// @dev The parameters every slash of this call shares: WAD_TO_SLASH in each of the set's strategies (ascending, as
    ///      slashOperator requires) and the registry's multiplier of each (0 for a strategy it does not count).
    function _context(bytes32 digest, Slashing storage s) private view returns (SlashContext memory ctx) {
        ctx.digest = digest;
        ctx.challengeId = s.challengeId;
        ctx.set = _operatorSet();
        ctx.params.operatorSetId = OPERATOR_SET_ID;
        IStrategy[] memory strategies =
            OperatorSetSlashing.sortAscending(allocationManager.getStrategiesInOperatorSet(ctx.set));
        ctx.params.strategies = strategies;
        ctx.params.wadsToSlash = new uint256[](strategies.length);
        ctx.params.description = "avs-stack state-proofs: signed a wrong attestation";
        ctx.multipliers = new uint256[](strategies.length);
        QuorumStrategy[] memory quorum = stakeRegistry.getQuorum();
        for (uint256 i; i < strategies.length; ++i) {
            ctx.params.wadsToSlash[i] = WAD_TO_SLASH;
            for (uint256 j; j < quorum.length; ++j) {
                if (quorum[j].strategy == strategies[i]) ctx.multipliers[i] = quorum[j].multiplier;
            }
        }
    }

    /// @dev Attempts the next MAX_SLASHES_PER_CALL signers of `digest` not attempted yet; returns the reward due.
    ///      `signers` is the challenged list, checked by the caller ({_checkSigners}).
    function _slashNext(bytes32 digest, Slashing storage s, address[] calldata signers)
        internal
        returns (uint256 reward)
    {
        uint256 start = s.attempted;
        uint256 n = signers.length;
        uint256 end = n - start > MAX_SLASHES_PER_CALL ? start + MAX_SLASHES_PER_CALL : n;
        // casting to 'uint32' is safe because end <= signers.length = signerCount, a uint32
        // forge-lint: disable-next-line(unsafe-typecast)
        s.attempted = uint32(end);
        if (end < n) emit SlashingIncomplete(digest, n - end);
        SlashContext memory ctx = _context(digest, s);
        for (uint256 i = start; i < end; ++i) {
            address operator = signers[i];
            _slashOne(s, ctx, _signerSlashes[digest][operator], operator);
        }
        return _reward(digest, s, ctx.weightSlashed);
    }

    /// @dev The checks of {slashAdditionalSigners} and {slashAdditionalBatchSigners} before the signatures': `digest`
    ///      proven wrong, every signer on record attempted, 1 to MAX_SLASHES_PER_CALL operators with one signature
    ///      each. Returns the record and its signer count.
    function _additional(bytes32 digest, uint256 operators, uint256 signatures)
        private
        view
        returns (Slashing storage s, uint256 n)
    {
        s = _proven(digest);
        n = s.signerCount;
        if (s.attempted < n) revert SlashingUnfinished(digest, n - s.attempted);
        _checkCount(operators);
        if (signatures != operators) revert LengthMismatch(operators, signatures);
    }

    /// @dev Records `operators` (whose signatures were checked) as additional signers of `digest`, each refused when
    ///      already on record ({SignerAlreadyRecorded}), attempts their slashes and pays the challenger of record.
    function _addSigners(
        bytes32 digest,
        Slashing storage s,
        uint256 n,
        uint32 referenceEpoch,
        address[] calldata operators
    ) private {
        SlashContext memory ctx = _context(digest, s);
        for (uint256 i; i < operators.length; ++i) {
            address operator = operators[i];
            SignerSlash storage rec = _signerSlashes[digest][operator];
            if (rec.status != SignerStatus.None) revert SignerAlreadyRecorded(digest, operator, rec.status);
            emit SignerAdded(digest, operator, msg.sender, referenceEpoch);
            _slashOne(s, ctx, rec, operator);
        }
        // casting to 'uint32' is safe: one signer per call slot of at most MAX_SLASHES_PER_CALL, far below 2^32
        // forge-lint: disable-next-line(unsafe-typecast)
        uint32 total = uint32(n + operators.length);
        s.attempted = total;
        s.signerCount = total;
        _pay(s.challenger, _reward(digest, s, ctx.weightSlashed));
    }

    /// @dev One slash attempt of `operator` (status None or Failed): Slashed, Failed (retryable) or Skipped (the set can
    ///      no longer slash it). Adds the weight slashed to `ctx.weightSlashed`.
    function _slashOne(Slashing storage s, SlashContext memory ctx, SignerSlash storage rec, address operator) private {
        bool wasFailed = rec.status == SignerStatus.Failed;
        uint32 attempts = rec.attempts + 1;
        rec.attempts = attempts;
        // casting to 'uint64' is safe: unix seconds fit for 5e11 years
        // forge-lint: disable-next-line(unsafe-typecast)
        rec.lastAttemptAt = uint64(block.timestamp);
        bytes32 digest = ctx.digest;
        if (!allocationManager.isOperatorSlashable(operator, ctx.set)) {
            _skip(
                s,
                ctx,
                rec,
                operator,
                wasFailed,
                abi.encodeWithSelector(IAllocationManagerErrors.OperatorNotSlashable.selector)
            );
            return;
        }
        ctx.params.operator = operator;
        uint256 gasBefore = gasleft();
        try allocationManager.slashOperator(address(serviceManager), ctx.params) returns (
            uint256 slashId, uint256[] memory shares
        ) {
            uint256 weight;
            for (uint256 i; i < shares.length; ++i) {
                weight += shares[i] * ctx.multipliers[i] / _BPS;
            }
            rec.status = SignerStatus.Slashed;
            // casting to 'uint128' is safe: the value is capped to the type's maximum first
            // forge-lint: disable-next-line(unsafe-typecast)
            rec.weightSlashed = uint128(Math.min(weight, type(uint128).max));
            ++s.slashed;
            if (wasFailed) {
                --s.failed;
                delete _slashReasons[digest][operator];
            }
            ctx.weightSlashed += weight;
            emit SignerSlashed(ctx.challengeId, digest, operator, slashId, ctx.params.strategies, shares, weight);
            // Its weight goes to 0 at once and it leaves the registry. The slash above stands whatever happens here: a
            // registry that refuses (this contract is not the slasher of the registry's own operator set) is reported.
            try stakeRegistry.freezeOperator(operator) {}
            catch (bytes memory freezeError) {
                emit SignerFreezeFailed(digest, operator, freezeError);
            }
        } catch (bytes memory reason) {
            // The AllocationManager refuses with custom errors (or, on the real core, a panic). No revert data, or all
            // but 1/64 of the gas used up, means the call ran out of gas (possibly in a nested call): not a refusal, so
            // do not fail the signer.
            if (reason.length == 0 || gasleft() <= gasBefore / 63) revert InsufficientGasForSlash(operator);
            // casting to 'bytes4' is safe because reason has exactly 4 bytes here
            // forge-lint: disable-next-line(unsafe-typecast)
            if (reason.length == 4 && bytes4(reason) == IAllocationManagerErrors.OperatorNotSlashable.selector) {
                _skip(s, ctx, rec, operator, wasFailed, reason);
                return;
            }
            rec.status = SignerStatus.Failed;
            if (!wasFailed) ++s.failed;
            _slashReasons[digest][operator] = reason;
            emit SignerSlashFailed(ctx.challengeId, digest, operator, attempts, reason);
        }
    }

    /// @dev Marks `operator` Skipped for good, with `reason` (the set can no longer slash it).
    function _skip(
        Slashing storage s,
        SlashContext memory ctx,
        SignerSlash storage rec,
        address operator,
        bool wasFailed,
        bytes memory reason
    ) private {
        rec.status = SignerStatus.Skipped;
        ++s.skipped;
        if (wasFailed) --s.failed;
        _slashReasons[ctx.digest][operator] = reason;
        emit SignerSlashSkipped(ctx.challengeId, ctx.digest, operator, reason);
    }

    /// @dev Adds `weightAdded` to the weight slashed for `digest` and takes from the pool what the challenger of record
    ///      has earned and not been paid: CHALLENGER_REWARD × weight slashed / (WAD_TO_SLASH × signed weight), at most
    ///      CHALLENGER_REWARD in all, each payment at most the pool. Returns the amount (to be paid by the caller).
    function _reward(bytes32 digest, Slashing storage s, uint256 weightAdded) private returns (uint256 amount) {
        uint256 total = s.weightSlashed;
        if (weightAdded != 0) {
            total = Math.min(total + weightAdded, type(uint128).max);
            // casting to 'uint128' is safe: the value is capped to the type's maximum first
            // forge-lint: disable-next-line(unsafe-typecast)
            s.weightSlashed = uint128(total);
        }
        if (total == 0) return 0;
        uint256 full = Math.mulDiv(s.signedWeight, WAD_TO_SLASH, _WAD);
        uint256 earned = total >= full ? CHALLENGER_REWARD : Math.mulDiv(CHALLENGER_REWARD, total, full);
        uint256 paid = s.rewardPaid;
        if (earned <= paid) return 0;
        amount = Math.min(earned - paid, rewardPool);
        if (amount == 0) return 0;
        rewardPool -= amount;
        // casting to 'uint96' is safe: paid + amount is ether this contract held, far below 2^96 wei
        // forge-lint: disable-next-line(unsafe-typecast)
        s.rewardPaid = uint96(paid + amount);
        emit ChallengerRewarded(digest, s.challenger, amount, total);
    }
}
