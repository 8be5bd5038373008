import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { type Address } from 'viem';
import {
  attestationDigest,
  attestationStructHash,
  computeTaskId,
  type StateAttestation,
} from '../../src/services/state-proofs/attestation.ts';
import { effectiveEpochAt, epochAt, isInGracePeriod } from '../../src/core/epochs.ts';

const read = (name: string) => JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8'));

describe('shared vectors: state attestation (same file as the forge tests)', () => {
  const vectors = read('state-attestation.json');
  const domain = { chainId: vectors.domain.chainId as number, verifyingContract: vectors.domain.verifyingContract as Address };
  for (const [i, c] of (vectors.cases as any[]).entries()) {
    const a: StateAttestation = {
      user: c.attestation.user,
      chainId: BigInt(c.attestation.chainId),
      blockNumber: BigInt(c.attestation.blockNumber),
      timestamp: BigInt(c.attestation.timestamp),
      key: BigInt(c.attestation.key),
      value: BigInt(c.attestation.value),
      exists: c.attestation.exists,
      epoch: c.attestation.epoch,
    };
    it(`case ${i}: struct hash, digest and task id match`, () => {
      assert.equal(attestationStructHash(a), c.structHash);
      assert.equal(attestationDigest(domain, a), c.digest);
      assert.equal(computeTaskId(a), c.taskId);
    });
  }

  it('a changed value changes the digest but not the task id', () => {
    const [first, second] = vectors.cases;
    assert.notEqual(first.digest, second.digest);
    assert.equal(first.taskId, second.taskId);
  });
});

describe('shared vectors: epochs (same file as the forge tests)', () => {
  for (const c of read('epochs.json').configs as any[]) {
    const config = { genesis: BigInt(c.genesis), length: BigInt(c.length), grace: BigInt(c.grace) };
    it(`genesis ${c.genesis}, length ${c.length}, grace ${c.grace}`, () => {
      for (const v of c.cases) {
        const t = BigInt(v.t);
        assert.equal(epochAt(config, t), v.epoch, `epochAt(${t})`);
        assert.equal(isInGracePeriod(config, t), v.inGrace, `isInGracePeriod(${t})`);
        assert.equal(effectiveEpochAt(config, t), v.effectiveEpoch, `effectiveEpochAt(${t})`);
      }
    });
  }
});
