/**
 * Writes test/vectors/bls.json, the BN254 BLS vectors that Solidity (forge) and TypeScript tests both check: hash to
 * G1, a proof of possession, an aggregate signature, and the deterministic operator keys and aggregate G2 keys the
 * forge gas measurements use (G2 arithmetic has no precompile, so forge reads G2 keys from here).
 * Run: `node --import tsx scripts/gen-bls-vectors.ts`. The file is committed; regenerate only on purpose.
 */
import { writeFileSync } from 'node:fs';
import { type Address, type Hex, keccak256, toHex } from 'viem';
import { type G1Affine, type G2Affine, blsKeyPairFromSecret } from '../src/core/crypto/bls.ts';
import { BN254_FP_ORDER, aggregateG1, aggregateG2, encodeBlsSignatureParams, blsSign, hashToG1, popMessageHash, proofOfPossession } from '../src/core/crypto/bls-signing.ts';
import { BLS_VECTOR_OPERATOR_COUNT, blsVectorOperator, blsVectorSecret, blsBenchCases } from '../test/helpers/bls-vectors.ts';

const g1 = (p: G1Affine) => ({ x: p.x.toString(), y: p.y.toString() });
const g2 = (p: G2Affine) => ({ x: [p.x.c1.toString(), p.x.c0.toString()], y: [p.y.c1.toString(), p.y.c0.toString()] });

const messages: Hex[] = [
  `0x${'00'.repeat(32)}`,
  `0x${'11'.repeat(32)}`,
  `0x${'ff'.repeat(32)}`,
  keccak256(toHex('hello')),
  keccak256(toHex('avs-stack')),
  // ≥ p: reduced modulo p first.
  `0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd48`,
];

const negateG1 = (p: G1Affine): G1Affine => ({ x: p.x, y: (BN254_FP_ORDER - p.y) % BN254_FP_ORDER });
const negateG2 = (p: G2Affine): G2Affine => ({
  x: p.x,
  y: { c0: (BN254_FP_ORDER - p.y.c0) % BN254_FP_ORDER, c1: (BN254_FP_ORDER - p.y.c1) % BN254_FP_ORDER },
});

const keys = Array.from({ length: BLS_VECTOR_OPERATOR_COUNT }, (_, i) => blsKeyPairFromSecret(blsVectorSecret(i)));

const popOperator = blsVectorOperator(0);
const popChainId = 31337n;
const popRegistry: Address = '0x00000000000000000000000000000000000b1500';
const popKey = keys[0];

const aggregateMessage = keccak256(toHex('avs-stack aggregate vector'));
const aggregateSigners = [1, 2, 3, 5, 8];

const vectors = {
  hashToG1: messages.map((message) => ({ message, point: g1(hashToG1(message)) })),
  pop: {
    operator: popOperator,
    chainId: popChainId.toString(),
    registry: popRegistry,
    secret: popKey.secret.toString(),
    publicKeyG1: g1(popKey.publicKeyG1),
    publicKeyG2: g2(popKey.publicKeyG2),
    messageHash: popMessageHash(popOperator, popChainId, popRegistry, popKey.publicKeyG1),
    signature: g1(proofOfPossession(popKey, popOperator, popChainId, popRegistry)),
  },
  aggregate: {
    message: aggregateMessage,
    signers: aggregateSigners,
    apkG1: g1(aggregateG1(aggregateSigners.map((i) => keys[i].publicKeyG1))),
    apkG2: g2(aggregateG2(aggregateSigners.map((i) => keys[i].publicKeyG2))),
    signature: g1(aggregateG1(aggregateSigners.map((i) => blsSign(keys[i].secret, aggregateMessage)))),
    // isValidSignature's sigData for quorum 1 at reference epoch 7 with operators 0 and 4 not signing.
    sigData: encodeBlsSignatureParams({
      quorum: 1,
      referenceEpoch: 7,
      nonSignerKeys: [keys[0].publicKeyG1, keys[4].publicKeyG1],
      apkG2: aggregateG2(aggregateSigners.map((i) => keys[i].publicKeyG2)),
      sigma: aggregateG1(aggregateSigners.map((i) => blsSign(keys[i].secret, aggregateMessage))),
    }),
  },
  // A rogue key: operator 1's key minus operator 0's, so that rogue + key 0 = key 1 (no one knows its secret).
  rogue: {
    attacker: 1,
    victim: 0,
    publicKeyG1: g1(aggregateG1([keys[1].publicKeyG1, negateG1(keys[0].publicKeyG1)])),
    publicKeyG2: g2(aggregateG2([keys[1].publicKeyG2, negateG2(keys[0].publicKeyG2)])),
  },
  operators: keys.map((k, i) => ({
    operator: blsVectorOperator(i),
    secret: k.secret.toString(),
    publicKeyG1: g1(k.publicKeyG1),
    publicKeyG2: g2(k.publicKeyG2),
  })),
  bench: blsBenchCases().map((c) => ({
    operators: c.operators,
    nonSigners: c.nonSigners,
    apkG2: g2(aggregateG2(keys.slice(c.nonSigners, c.operators).map((k) => k.publicKeyG2))),
  })),
};

writeFileSync(new URL('../test/vectors/bls.json', import.meta.url), `${JSON.stringify(vectors, null, 2)}\n`);
