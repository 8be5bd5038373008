import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { type Address, type Hex, keccak256, toHex } from 'viem';
import { bn254 } from '@noble/curves/bn254.js';
import { type G1Affine, type G2Affine, blsKeyPairFromSecret, operatorIdOf } from '../../src/core/crypto/bls.ts';
import {
  BN254_FP_ORDER,
  InvalidBlsPointError,
  aggregateG1,
  aggregateG2,
  blsSign,
  blsVerify,
  encodeBlsSignatureParams,
  g2ToSolidity,
  hashToG1,
  popMessageHash,
  proofOfPossession,
  sortByKeyHash,
} from '../../src/core/crypto/bls-signing.ts';
import { BLS_VECTOR_OPERATOR_COUNT, blsBenchCases, blsVectorOperator, blsVectorSecret } from '../helpers/bls-vectors.ts';

/** The same file the forge tests read (contracts/test/core/signatures/BLSVectors.t.sol). */
const vectors = JSON.parse(readFileSync(new URL('../vectors/bls.json', import.meta.url), 'utf8'));

type JsonG1 = { x: string; y: string };
type JsonG2 = { x: [string, string]; y: [string, string] };
const g1 = (p: JsonG1): G1Affine => ({ x: BigInt(p.x), y: BigInt(p.y) });
const g2 = (p: JsonG2): G2Affine => ({ x: { c1: BigInt(p.x[0]), c0: BigInt(p.x[1]) }, y: { c1: BigInt(p.y[0]), c0: BigInt(p.y[1]) } });

describe('BN254 BLS signing against test/vectors/bls.json (shared with forge)', () => {
  it('hashToG1 gives the vector points, on the curve, a few steps above message mod p', () => {
    assert.ok(vectors.hashToG1.length >= 4);
    for (const c of vectors.hashToG1 as { message: Hex; point: JsonG1 }[]) {
      const point = hashToG1(c.message);
      assert.deepEqual(point, g1(c.point), c.message);
      bn254.G1.Point.fromAffine(point).assertValidity();
      const tries = (point.x - (BigInt(c.message) % BN254_FP_ORDER) + BN254_FP_ORDER) % BN254_FP_ORDER;
      assert.ok(tries < 64n, 'try-and-increment starts at message mod p and moves x up');
    }
  });

  it('the proof of possession: message hash, signature, and it verifies only for its own message', () => {
    const pop = vectors.pop;
    const keyPair = blsKeyPairFromSecret(BigInt(pop.secret));
    assert.deepEqual(keyPair.publicKeyG1, g1(pop.publicKeyG1));
    assert.deepEqual(keyPair.publicKeyG2, g2(pop.publicKeyG2));
    const message = popMessageHash(pop.operator as Address, BigInt(pop.chainId), pop.registry as Address, keyPair.publicKeyG1);
    assert.equal(message, pop.messageHash);
    const proof = proofOfPossession(keyPair, pop.operator, BigInt(pop.chainId), pop.registry);
    assert.deepEqual(proof, g1(pop.signature));
    assert.ok(blsVerify(proof, message, keyPair.publicKeyG2));
    const otherChain = popMessageHash(pop.operator, BigInt(pop.chainId) + 1n, pop.registry, keyPair.publicKeyG1);
    assert.ok(!blsVerify(proof, otherChain, keyPair.publicKeyG2), 'another chain');
    const otherOperator = popMessageHash(blsVectorOperator(1), BigInt(pop.chainId), pop.registry, keyPair.publicKeyG1);
    assert.ok(!blsVerify(proof, otherOperator, keyPair.publicKeyG2), 'another operator');
  });

  it('the aggregate signature: keys and signatures add up, and it verifies against the aggregate G2 key', () => {
    const agg = vectors.aggregate;
    const keys = (agg.signers as number[]).map((i) => blsKeyPairFromSecret(blsVectorSecret(i)));
    assert.deepEqual(aggregateG1(keys.map((k) => k.publicKeyG1)), g1(agg.apkG1));
    const apkG2 = aggregateG2(keys.map((k) => k.publicKeyG2));
    assert.deepEqual(apkG2, g2(agg.apkG2));
    const sigma = aggregateG1(keys.map((k) => blsSign(k.secret, agg.message)));
    assert.deepEqual(sigma, g1(agg.signature));
    assert.ok(blsVerify(sigma, agg.message, apkG2));
    assert.ok(!blsVerify(sigma, keccak256(toHex('another message')), apkG2));
    assert.ok(!blsVerify(sigma, agg.message, keys[0].publicKeyG2), 'one key is not the aggregate');
    const [k0, k4] = [0, 4].map((i) => blsKeyPairFromSecret(blsVectorSecret(i)).publicKeyG1);
    const encode = (nonSignerKeys: G1Affine[]) => encodeBlsSignatureParams({ quorum: 1, referenceEpoch: 7, nonSignerKeys, apkG2, sigma });
    assert.equal(encode([k0, k4]), agg.sigData);
    assert.equal(encode([k4, k0]), agg.sigData, 'non-signers are sorted by key hash whatever the order given');
  });

  it('the rogue key is operator 1 minus operator 0, so it adds up to operator 1', () => {
    const [k0, k1] = [0, 1].map((i) => blsKeyPairFromSecret(blsVectorSecret(i)));
    assert.deepEqual(aggregateG1([g1(vectors.rogue.publicKeyG1), k0.publicKeyG1]), k1.publicKeyG1);
    assert.deepEqual(aggregateG2([g2(vectors.rogue.publicKeyG2), k0.publicKeyG2]), k1.publicKeyG2);
  });

  it('the operators and the gas cases are the deterministic ones', () => {
    assert.equal(vectors.operators.length, BLS_VECTOR_OPERATOR_COUNT);
    const keys = vectors.operators.map((_: unknown, i: number) => blsKeyPairFromSecret(blsVectorSecret(i)));
    for (const [i, o] of (vectors.operators as { operator: string; secret: string; publicKeyG1: JsonG1; publicKeyG2: JsonG2 }[]).entries()) {
      assert.equal(o.operator, blsVectorOperator(i));
      assert.equal(BigInt(o.secret), keys[i].secret);
      assert.deepEqual(g1(o.publicKeyG1), keys[i].publicKeyG1);
      assert.deepEqual(g2(o.publicKeyG2), keys[i].publicKeyG2);
    }
    const cases = blsBenchCases();
    assert.equal(vectors.bench.length, cases.length);
    for (const [i, c] of cases.entries()) {
      assert.deepEqual({ operators: vectors.bench[i].operators, nonSigners: vectors.bench[i].nonSigners }, c);
      const apkG2 = aggregateG2(keys.slice(c.nonSigners, c.operators).map((k: { publicKeyG2: G2Affine }) => k.publicKeyG2));
      assert.deepEqual(g2(vectors.bench[i].apkG2), apkG2);
    }
  });

  it('g2ToSolidity puts the imaginary part first (EIP-197)', () => {
    const k = blsKeyPairFromSecret(3n);
    assert.deepEqual(g2ToSolidity(k.publicKeyG2), { X: [k.publicKeyG2.x.c1, k.publicKeyG2.x.c0], Y: [k.publicKeyG2.y.c1, k.publicKeyG2.y.c0] });
  });

  it('sortByKeyHash orders non-signers strictly by key hash and refuses duplicates', () => {
    const keys = [0, 1, 2, 3, 4].map((i) => blsKeyPairFromSecret(blsVectorSecret(i)).publicKeyG1);
    const sorted = sortByKeyHash(keys);
    assert.equal(sorted.length, keys.length);
    for (let i = 1; i < sorted.length; i++) assert.ok(BigInt(operatorIdOf(sorted[i - 1])) < BigInt(operatorIdOf(sorted[i])));
    assert.throws(() => sortByKeyHash([keys[0], keys[1], keys[0]]), InvalidBlsPointError);
  });

  it('aggregating nothing or a point off the curve throws InvalidBlsPointError', () => {
    assert.throws(() => aggregateG1([]), InvalidBlsPointError);
    assert.throws(() => aggregateG2([]), InvalidBlsPointError);
    assert.throws(() => aggregateG1([{ x: 1n, y: 3n }]), InvalidBlsPointError);
  });
});
