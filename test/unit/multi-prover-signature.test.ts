/**
 * The multi-prover's StateSignature: aggregation per quorum (sorted by key hash, an operator in two quorums counted
 * twice), the contract's one-pairing check mirrored off-chain, the single and batch screens of operators' signatures
 * (including the wrong signatures a plain sum would let through), and the shape viem gives the contract.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bn254 } from '@noble/curves/bn254.js';
import { type Hex, decodeAbiParameters, keccak256, toHex } from 'viem';
import { type G1Affine, blsKeyPairFromSecret, operatorIdOf } from '../../src/core/crypto/bls.ts';
import { aggregateG1, blsSign } from '../../src/core/crypto/bls-signing.ts';
import {
  STATE_SIGNATURE_ABI_PARAMETER,
  type StateSigner,
  StateSignatureError,
  aggregateStateSignature,
  encodeStateSignature,
  stateSignatureArgs,
  verifyStateSignature,
} from '../../src/services/multi-prover/signature.ts';
import {
  batchVerifyBlsSignatures,
  batchVerifyBlsSignaturesOfKey,
  findInvalidBlsSignatures,
  findInvalidBlsSignaturesOfKey,
  verifyBlsSignature,
} from '../../src/core/crypto/bls-batch.ts';
import { blsVectorSecret } from '../helpers/bls-vectors.ts';

const digest: Hex = keccak256(toHex('a state header digest'));
const other: Hex = keccak256(toHex('another digest'));
const keys = Array.from({ length: 8 }, (_, i) => blsKeyPairFromSecret(blsVectorSecret(i)));
const signer = (i: number, quorums: number[], message: Hex = digest): StateSigner => ({
  quorums,
  keyG1: keys[i].publicKeyG1,
  keyG2: keys[i].publicKeyG2,
  sigma: blsSign(keys[i].secret, message),
});
const addG1 = (a: G1Affine, b: G1Affine) => aggregateG1([a, b]);
const negG1 = (a: G1Affine): G1Affine => ({ x: a.x, y: bn254.fields.Fp.neg(a.y) });

describe('multi-prover StateSignature', () => {
  it('lists each quorum\'s signers strictly ascending by key hash, whatever the order given, and verifies', () => {
    const signers = [signer(4, [1]), signer(0, [0, 1]), signer(3, [0]), signer(1, [0, 1]), signer(2, [1])];
    const signature = aggregateStateSignature(digest, [0, 1], signers);
    assert.deepEqual(signature.signerKeys.map((q) => q.length), [3, 4]);
    for (const quorum of signature.signerKeys) {
      for (let i = 1; i < quorum.length; i++) assert.ok(BigInt(operatorIdOf(quorum[i - 1])) < BigInt(operatorIdOf(quorum[i])));
    }
    assert.deepEqual(aggregateStateSignature(digest, '0x0001', [...signers].reverse()), signature, 'same result from bytes and any order');
    assert.ok(verifyStateSignature(digest, signature));
    assert.ok(!verifyStateSignature(other, signature), 'another digest');
  });

  it('counts an operator in two quorums twice; counted once, the signature fails the contract\'s check', () => {
    const signers = [signer(0, [0]), signer(1, [0, 1]), signer(2, [1])];
    const signature = aggregateStateSignature(digest, [0, 1], signers);
    assert.deepEqual(signature.sigma, aggregateG1([0, 1, 1, 2].map((i) => signers[i].sigma)));
    // An aggregator that adds each operator's σ once: the contract sums keys per quorum, so this no longer matches.
    const once = { ...signature, sigma: aggregateG1(signers.map((s) => s.sigma)) };
    assert.ok(!verifyStateSignature(digest, once));
    // Nor may a key appear in a quorum it did not sign for.
    const extra = { ...signature, signerKeys: [signature.signerKeys[0], [...signature.signerKeys[1], keys[0].publicKeyG1]] };
    assert.ok(!verifyStateSignature(digest, extra));
  });

  it('ignores signers in no quorum of the header', () => {
    const signature = aggregateStateSignature(digest, [0], [signer(0, [0]), signer(1, [2])]);
    assert.deepEqual(signature.signerKeys, [[keys[0].publicKeyG1]]);
    assert.deepEqual(signature.sigma, signer(0, [0]).sigma);
  });

  it('the contract\'s check refuses a G1 key that is not the G2 key\'s, though σ matches the G2 sum', () => {
    // Operator 5 presents operator 0's G1 key with its own G2 key and σ: a pure G2 pairing check would pass.
    const lying = { ...signer(5, [0]), keyG1: keys[0].publicKeyG1 };
    const signature = aggregateStateSignature(digest, [0], [signer(1, [0]), lying], { verify: false });
    assert.ok(!verifyStateSignature(digest, signature));
    assert.throws(() => aggregateStateSignature(digest, [0], [signer(1, [0]), lying]), StateSignatureError);
  });

  it('refuses a wrong σ, repeated quorums, a repeated key and an empty signer set', () => {
    assert.throws(() => aggregateStateSignature(digest, [0], [signer(0, [0]), signer(1, [0], other)]), StateSignatureError);
    assert.throws(() => aggregateStateSignature(digest, [0, 0], [signer(0, [0])]), StateSignatureError);
    assert.throws(() => aggregateStateSignature(digest, [0], [signer(0, [0]), signer(0, [1])]), StateSignatureError);
    assert.throws(() => aggregateStateSignature(digest, [0], [signer(0, [1])]), StateSignatureError);
    assert.throws(() => aggregateStateSignature(digest, [0], []), StateSignatureError);
  });

  it('verifyBlsSignature screens one answer, false (not a throw) for points off the curve', () => {
    const s = signer(3, [0]);
    assert.ok(verifyBlsSignature(digest, s.sigma, s.keyG2));
    assert.ok(!verifyBlsSignature(other, s.sigma, s.keyG2));
    assert.ok(!verifyBlsSignature(digest, s.sigma, keys[4].publicKeyG2));
    assert.ok(!verifyBlsSignature(digest, { x: 1n, y: 3n }, s.keyG2));
  });

  it('the batch check accepts honest signatures and refuses wrong ones whose errors cancel in a plain sum', () => {
    const entries = keys.map((_, i) => signer(i, [0]));
    assert.ok(batchVerifyBlsSignatures(digest, entries));
    assert.ok(batchVerifyBlsSignatures(digest, []));
    // σ₂ + Δ and σ₅ − Δ: the plain sum of all σ is the honest one, so an unweighted check would pass.
    const delta = blsSign(7n, other);
    const forged = entries.map((e, i) => (i === 2 ? { ...e, sigma: addG1(e.sigma, delta) } : i === 5 ? { ...e, sigma: addG1(e.sigma, negG1(delta)) } : e));
    assert.deepEqual(aggregateG1(forged.map((e) => e.sigma)), aggregateG1(entries.map((e) => e.sigma)), 'the plain sum is unchanged');
    assert.ok(!batchVerifyBlsSignatures(digest, forged));
    assert.deepEqual(findInvalidBlsSignatures(digest, forged), [2, 5]);
    assert.deepEqual(findInvalidBlsSignatures(digest, entries), []);
    const offCurve = entries.map((e, i) => (i === 7 ? { ...e, sigma: { x: 1n, y: 3n } } : e));
    assert.ok(!batchVerifyBlsSignatures(digest, offCurve));
    assert.deepEqual(findInvalidBlsSignatures(digest, offCurve), [7]);
  });

  it('checks one key\'s signatures over many digests in one batch and finds the wrong ones, even when their errors cancel', () => {
    const key = keys[3];
    const digests = Array.from({ length: 9 }, (_, i) => keccak256(toHex(`task ${i}`)));
    const entries = digests.map((d) => ({ digest: d, sigma: blsSign(key.secret, d) }));
    assert.ok(batchVerifyBlsSignaturesOfKey(key.publicKeyG2, entries));
    assert.ok(batchVerifyBlsSignaturesOfKey(key.publicKeyG2, []));
    assert.ok(!batchVerifyBlsSignaturesOfKey(keys[4].publicKeyG2, entries), 'another key did not sign them');
    const delta = blsSign(11n, other);
    const forged = entries.map((e, i) => (i === 1 ? { ...e, sigma: addG1(e.sigma, delta) } : i === 6 ? { ...e, sigma: addG1(e.sigma, negG1(delta)) } : e));
    assert.ok(!batchVerifyBlsSignaturesOfKey(key.publicKeyG2, forged));
    assert.deepEqual(findInvalidBlsSignaturesOfKey(key.publicKeyG2, forged), [1, 6]);
    assert.deepEqual(findInvalidBlsSignaturesOfKey(key.publicKeyG2, entries), []);
    const swapped = entries.map((e, i) => (i === 0 ? { ...e, digest: digests[8] } : e));
    assert.deepEqual(findInvalidBlsSignaturesOfKey(key.publicKeyG2, swapped), [0], 'a signature of another digest');
  });

  it('gives viem the contract\'s tuple: G1 {X, Y}, G2 X = [c1, c0], and abi.encode decodes back to it', () => {
    const signature = aggregateStateSignature(digest, [0, 1], [signer(0, [0]), signer(1, [0, 1])]);
    const args = stateSignatureArgs(signature);
    assert.deepEqual(args.apkG2, { X: [signature.apkG2.x.c1, signature.apkG2.x.c0], Y: [signature.apkG2.y.c1, signature.apkG2.y.c0] });
    assert.deepEqual(args.sigma, { X: signature.sigma.x, Y: signature.sigma.y });
    assert.deepEqual(args.signerKeys[1], [{ X: keys[1].publicKeyG1.x, Y: keys[1].publicKeyG1.y }]);
    const [decoded] = decodeAbiParameters([STATE_SIGNATURE_ABI_PARAMETER], encodeStateSignature(signature));
    assert.deepEqual(decoded, args);
  });
});
