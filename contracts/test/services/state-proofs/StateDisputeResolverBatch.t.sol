// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {StateDisputeResolverFixture} from "./StateDisputeResolverFixture.sol";
import {AttestationBatchTree} from "../../core/signatures/AttestationBatchTree.sol";
import {AttestationBatch} from "../../../src/core/signatures/AttestationBatch.sol";
import {IStateDisputeResolver} from "../../../src/services/state-proofs/IStateDisputeResolver.sol";
import {StateAttestation} from "../../../src/services/state-proofs/StateAttestationLib.sol";

/// @notice Disputes of batched attestations: a wrong value inside a signed batch is challenged, proven wrong and its
///         signers slashed exactly like a single one; signers the challenged sigData left out are slashed with their
///         batch signatures (slashAdditionalBatchSigners); and the signer list the slashing calls take is checked
///         against the one on record.
contract StateDisputeResolverBatchTest is StateDisputeResolverFixture {
    uint256 internal constant KEY = 7;
    uint256 internal constant TRUE_VALUE = 1234;
    uint256 internal constant WRONG_VALUE = 999;
    /// @dev Where the wrong attestation sits in the batch.
    uint256 internal constant WRONG_AT = 5;

    event SignerAdded(bytes32 indexed digest, address indexed operator, address indexed by, uint32 referenceEpoch);

    Op[] internal _ops;
    uint64 internal _block;
    address internal stranger = makeAddr("stranger");

    function setUp() public override {
        super.setUp();
        Op[] memory ops = _quorumOf(4);
        for (uint256 i; i < ops.length; ++i) {
            _ops.push(ops[i]);
        }
        _block = _writeRemote(KEY, TRUE_VALUE);
        _fundPool(10 ether);
    }

    // ---------------------------------------------------------------- helpers

    function _first(uint256 n) internal view returns (Op[] memory list) {
        list = new Op[](n);
        for (uint256 i; i < n; ++i) {
            list[i] = _ops[i];
        }
    }

    /// @dev 16 attestations of epoch 1 (other keys, any values), the one at WRONG_AT claiming (KEY, `value`).
    function _batch(uint256 value) internal view returns (StateAttestation[] memory batch, bytes32[] memory digests) {
        batch = new StateAttestation[](16);
        digests = new bytes32[](16);
        for (uint256 i; i < 16; ++i) {
            batch[i] = i == WRONG_AT
                ? _attest(REMOTE_CHAIN_ID, _block, KEY, value, true, 1)
                : _attest(REMOTE_CHAIN_ID, _block, 100 + i, i, true, 1);
            digests[i] = serviceManager.attestationDigest(batch[i]);
        }
    }

    /// @dev `signers`' batched sigData for `digests`, carrying the proof of `digests[i]`.
    function _batchProof(Op[] memory signers, bytes32[] memory digests, uint256 i)
        internal
        pure
        returns (bytes memory)
    {
        bytes32[] memory tree = AttestationBatchTree.build(digests);
        return _batchSigData(signers, tree[0], 1, AttestationBatchTree.proof(tree, digests[i]));
    }

    /// @dev The wrong attestation of the batch challenged with `signers`' batched proof, the truth verified, resolved.
    function _proveWrongInBatch(Op[] memory signers)
        internal
        returns (bytes32 id, bytes32 digest, bytes32[] memory digests)
    {
        StateAttestation[] memory batch;
        (batch, digests) = _batch(WRONG_VALUE);
        digest = digests[WRONG_AT];
        id = _challenge(batch[WRONG_AT], _batchProof(signers, digests, WRONG_AT));
        _verifyRemote(KEY, _block);
        assertEq(uint8(_resolve(id)), uint8(IStateDisputeResolver.Status.Slashed));
    }

    /// @dev `op`'s batch signature of the batch `digests` and the path of `digests[i]`.
    function _batchSignature(Op memory op, bytes32[] memory digests, uint256 i)
        internal
        pure
        returns (bytes[] memory signatures, bytes32[] memory proof)
    {
        bytes32[] memory tree = AttestationBatchTree.build(digests);
        signatures = new bytes[](1);
        signatures[0] = _sign(op.signingPk, AttestationBatch.batchDigest(tree[0]));
        proof = AttestationBatchTree.proof(tree, digests[i]);
    }

    function _one(address operator) internal pure returns (address[] memory list) {
        list = new address[](1);
        list[0] = operator;
    }

    // ---------------------------------------------------------------- challenges of a batched attestation

    function test_submitChallenge_acceptsBatchedSigDataAndEmitsItsSigners() public {
        (StateAttestation[] memory batch, bytes32[] memory digests) = _batch(WRONG_VALUE);
        bytes memory sigData = _batchProof(_ops, digests, WRONG_AT);
        address[] memory signers = _addresses(_sorted(_ops));
        vm.expectEmit(address(resolver));
        emit IStateDisputeResolver.ChallengeSubmitted(
            serviceManager.attestationTaskId(batch[WRONG_AT]),
            challenger,
            digests[WRONG_AT],
            batch[WRONG_AT],
            signers,
            MIN_BOND,
            uint64(block.timestamp + RESOLUTION_PERIOD)
        );
        bytes32 id = _challenge(batch[WRONG_AT], sigData);
        assertEq(resolver.getChallenge(id).referenceEpoch, 1);
        IStateDisputeResolver.SlashingSummary memory s = resolver.getSlashing(digests[WRONG_AT]);
        assertEq(s.signers, 4);
        assertEq(s.signersHash, keccak256(abi.encodePacked(signers)));
        assertEq(s.signedWeight, 4 * STAKE);
    }

    function test_batch_wrongValueInsideBatchIsSlashed() public {
        uint256 before = challenger.balance;
        (, bytes32 digest,) = _proveWrongInBatch(_ops);
        IStateDisputeResolver.SlashingSummary memory s = resolver.getSlashing(digest);
        assertEq(s.slashed, 4);
        assertEq(s.pending, 0);
        for (uint256 i; i < 4; ++i) {
            assertEq(_magnitude(_ops[i].addr), 1e18 - WAD_TO_SLASH, "slashed");
        }
        assertEq(challenger.balance, before + REWARD, "bond back plus the whole reward");
    }

    function test_batch_rightValueInsideBatchIsRejected() public {
        (StateAttestation[] memory batch, bytes32[] memory digests) = _batch(TRUE_VALUE);
        bytes32 id = _challenge(batch[WRONG_AT], _batchProof(_ops, digests, WRONG_AT));
        _verifyRemote(KEY, _block);
        assertEq(uint8(_resolve(id)), uint8(IStateDisputeResolver.Status.Rejected));
        assertEq(_magnitude(_ops[0].addr), 1e18, "nobody slashed");
        assertEq(treasury.balance, MIN_BOND);
    }

    /// @dev The batch's signatures with a path that does not lead from this attestation to the signed root.
    function test_submitChallenge_refusesBatchProofOfAnotherAttestation() public {
        (StateAttestation[] memory batch, bytes32[] memory digests) = _batch(WRONG_VALUE);
        bytes memory sigData = _batchProof(_ops, digests, WRONG_AT + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IStateDisputeResolver.InvalidQuorumSignature.selector, digests[WRONG_AT])
        );
        vm.prank(challenger);
        resolver.submitChallenge{value: MIN_BOND}(batch[WRONG_AT], sigData);
    }

    // ---------------------------------------------------------------- additional signers of a batch

    function test_slashAdditionalBatchSigners_slashesSignerLeftOut() public {
        (bytes32 id, bytes32 digest, bytes32[] memory digests) = _proveWrongInBatch(_first(3));
        Op memory left = _ops[3];
        assertEq(_magnitude(left.addr), 1e18, "not in the challenged sigData");
        (bytes[] memory sigs, bytes32[] memory proof) = _batchSignature(left, digests, WRONG_AT);
        vm.expectEmit(address(resolver));
        emit SignerAdded(digest, left.addr, stranger, 1);
        vm.prank(stranger);
        resolver.slashAdditionalBatchSigners(digest, 1, _one(left.addr), sigs, proof);
        assertEq(_magnitude(left.addr), 1e18 - WAD_TO_SLASH, "slashed");
        IStateDisputeResolver.SlashingSummary memory s = resolver.getSlashing(digest);
        assertEq(s.challengeId, id);
        assertEq(s.signers, 4);
        assertEq(s.slashed, 4);
    }

    /// @dev A signer of another batch holding the same digest: its own batch's path proves it signed the digest.
    function test_slashAdditionalBatchSigners_slashesSignerOfAnotherBatch() public {
        (, bytes32 digest, bytes32[] memory digests) = _proveWrongInBatch(_first(3));
        bytes32[] memory other = new bytes32[](3);
        other[0] = keccak256("another attestation");
        other[1] = digest;
        other[2] = keccak256("and another");
        (bytes[] memory sigs, bytes32[] memory proof) = _batchSignature(_ops[3], other, 1);
        assertTrue(AttestationBatchTree.root(other) != AttestationBatchTree.root(digests), "another batch");
        resolver.slashAdditionalBatchSigners(digest, 1, _one(_ops[3].addr), sigs, proof);
        assertEq(_magnitude(_ops[3].addr), 1e18 - WAD_TO_SLASH);
    }

    function test_slashAdditionalBatchSigners_refusesPathOfAnotherDigest() public {
        (, bytes32 digest, bytes32[] memory digests) = _proveWrongInBatch(_first(3));
        (bytes[] memory sigs, bytes32[] memory proof) = _batchSignature(_ops[3], digests, WRONG_AT + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IStateDisputeResolver.InvalidOperatorSignature.selector, _ops[3].addr, uint32(1))
        );
        resolver.slashAdditionalBatchSigners(digest, 1, _one(_ops[3].addr), sigs, proof);
    }

    function test_slashAdditionalBatchSigners_refusesSignatureOverTheDigestItself() public {
        (, bytes32 digest, bytes32[] memory digests) = _proveWrongInBatch(_first(3));
        (, bytes32[] memory proof) = _batchSignature(_ops[3], digests, WRONG_AT);
        bytes[] memory sigs = new bytes[](1);
        sigs[0] = _sign(_ops[3].signingPk, digest);
        vm.expectRevert(
            abi.encodeWithSelector(IStateDisputeResolver.InvalidOperatorSignature.selector, _ops[3].addr, uint32(1))
        );
        resolver.slashAdditionalBatchSigners(digest, 1, _one(_ops[3].addr), sigs, proof);
    }

    function test_slashAdditionalSigners_refusesBatchSignature() public {
        (, bytes32 digest, bytes32[] memory digests) = _proveWrongInBatch(_first(3));
        (bytes[] memory sigs,) = _batchSignature(_ops[3], digests, WRONG_AT);
        vm.expectRevert(
            abi.encodeWithSelector(IStateDisputeResolver.InvalidOperatorSignature.selector, _ops[3].addr, uint32(1))
        );
        resolver.slashAdditionalSigners(digest, 1, _one(_ops[3].addr), sigs);
    }

    function test_slashAdditionalBatchSigners_refusesSignerAlreadySlashed() public {
        (, bytes32 digest, bytes32[] memory digests) = _proveWrongInBatch(_ops);
        (bytes[] memory sigs, bytes32[] memory proof) = _batchSignature(_ops[0], digests, WRONG_AT);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStateDisputeResolver.SignerAlreadyRecorded.selector,
                digest,
                _ops[0].addr,
                IStateDisputeResolver.SignerStatus.Slashed
            )
        );
        resolver.slashAdditionalBatchSigners(digest, 1, _one(_ops[0].addr), sigs, proof);
    }

    // ---------------------------------------------------------------- the signer list on record

    function test_resolveChallenge_refusesListMissingASigner() public {
        (StateAttestation[] memory batch, bytes32[] memory digests) = _batch(WRONG_VALUE);
        bytes32 id = _challenge(batch[WRONG_AT], _batchProof(_ops, digests, WRONG_AT));
        _verifyRemote(KEY, _block);
        address[] memory three = _addresses(_sorted(_first(3)));
        vm.expectRevert(abi.encodeWithSelector(IStateDisputeResolver.SignersMismatch.selector, digests[WRONG_AT]));
        resolver.resolveChallenge(id, three);
    }

    function test_resolveChallenge_refusesReorderedList() public {
        (StateAttestation[] memory batch, bytes32[] memory digests) = _batch(WRONG_VALUE);
        bytes32 id = _challenge(batch[WRONG_AT], _batchProof(_ops, digests, WRONG_AT));
        _verifyRemote(KEY, _block);
        address[] memory list = _signersById[id];
        (list[0], list[1]) = (list[1], list[0]);
        vm.expectRevert(abi.encodeWithSelector(IStateDisputeResolver.SignersMismatch.selector, digests[WRONG_AT]));
        resolver.resolveChallenge(id, list);
    }

    /// @dev A right attestation slashes nobody: the list is not read.
    function test_resolveChallenge_ignoresListWhenRejected() public {
        (StateAttestation[] memory batch, bytes32[] memory digests) = _batch(TRUE_VALUE);
        bytes32 id = _challenge(batch[WRONG_AT], _batchProof(_ops, digests, WRONG_AT));
        _verifyRemote(KEY, _block);
        assertEq(uint8(resolver.resolveChallenge(id, new address[](0))), uint8(IStateDisputeResolver.Status.Rejected));
    }

    /// @dev More signers than one call slashes: the rest need the list, and the views report them Pending given it.
    function test_slashRemainingSigners_refusesListOtherThanTheChallenged() public {
        uint256 n = resolver.MAX_SLASHES_PER_CALL() + 2;
        Op[] memory all = new Op[](n);
        for (uint256 i; i < 4; ++i) {
            all[i] = _ops[i];
        }
        for (uint256 i = 4; i < n; ++i) {
            all[i] = _newOperator(1000 + i, STAKE);
            _register(all[i]);
            _join(all[i], 1e18);
        }
        _advanceTo(GENESIS + 2 * LENGTH);
        StateAttestation memory a = _attest(REMOTE_CHAIN_ID, _block, KEY, WRONG_VALUE, true, 2);
        bytes32 digest = serviceManager.attestationDigest(a);
        bytes32[] memory single = new bytes32[](1);
        single[0] = digest;
        bytes32 id = _challenge(a, _batchSigData(all, AttestationBatchTree.root(single), 2, new bytes32[](0)));
        _verifyRemote(KEY, _block);
        _resolve(id);
        assertEq(resolver.getSlashing(digest).pending, 2);

        (, IStateDisputeResolver.SignerSlash[] memory recs,) = _signerSlashes(digest);
        assertEq(uint8(recs[n - 1].status), uint8(IStateDisputeResolver.SignerStatus.Pending), "pending given the list");
        (IStateDisputeResolver.SignerSlash memory alone,) = resolver.getSignerSlash(digest, _signersOf[digest][n - 1]);
        assertEq(uint8(alone.status), uint8(IStateDisputeResolver.SignerStatus.None), "not attempted");

        address[] memory tail = new address[](2);
        (tail[0], tail[1]) = (_signersOf[digest][n - 2], _signersOf[digest][n - 1]);
        vm.expectRevert(abi.encodeWithSelector(IStateDisputeResolver.SignersMismatch.selector, digest));
        resolver.slashRemainingSigners(digest, tail);
        _slashRemaining(digest);
        assertEq(resolver.getSlashing(digest).slashed, n);
    }
}
