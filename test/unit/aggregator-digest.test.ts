import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { type Address, keccak256, toHex } from 'viem';
import { type StateAttestation, attestationDigest, computeTaskId } from '../../src/services/state-proofs/attestation.ts';
import { AttestationRangeError, createAttestationDigester, fastTaskId } from '../../src/services/state-proofs/digest.ts';

const vectors = JSON.parse(readFileSync(new URL('../vectors/state-attestation.json', import.meta.url), 'utf8'));
const domain = { chainId: vectors.domain.chainId as number, verifyingContract: vectors.domain.verifyingContract as Address };

describe('aggregator fast digest and task id', () => {
  const digest = createAttestationDigester(domain);

  it('matches the shared vectors (same file as the forge tests)', () => {
    for (const c of vectors.cases) {
      const a: StateAttestation = {
        ...c.attestation,
        chainId: BigInt(c.attestation.chainId),
        blockNumber: BigInt(c.attestation.blockNumber),
        timestamp: BigInt(c.attestation.timestamp),
        key: BigInt(c.attestation.key),
        value: BigInt(c.attestation.value),
      };
      assert.equal(digest(a), c.digest);
      assert.equal(fastTaskId(a), c.taskId.toLowerCase());
    }
  });

  it('matches the generic implementation on extreme and pseudo-random fields, and another domain', () => {
    const max = (bits: number) => (1n << BigInt(bits)) - 1n;
    const other = { chainId: 17000, verifyingContract: '0x00000000000000000000000000000000DeaDBeef' as Address };
    const otherDigest = createAttestationDigester(other);
    // Several hundred cases: the fast path packs the fields itself and hashes with another keccak256 library than viem.
    for (let i = 0; i < 400; i++) {
      const r = (bits: number) => BigInt(keccak256(toHex(`${i}-${bits}`))) & max(bits);
      const a: StateAttestation = {
        user: `0x${keccak256(toHex(i)).slice(-40)}` as Address,
        chainId: i === 0 ? max(256) : r(64),
        blockNumber: i === 1 ? max(64) : r(64),
        timestamp: i === 2 ? max(48) : r(48),
        key: i === 3 ? max(256) : r(256),
        value: i === 4 ? 0n : r(256),
        exists: i % 2 === 0,
        epoch: i === 5 ? 2 ** 32 - 1 : Number(r(32)),
      };
      assert.equal(digest(a), attestationDigest(domain, a));
      assert.equal(otherDigest(a), attestationDigest(other, a));
      assert.equal(fastTaskId(a), computeTaskId(a).toLowerCase());
    }
  });

  it('refuses out-of-range fields', () => {
    const a: StateAttestation = { user: '0x0000000000000000000000000000000000000001', chainId: 1n, blockNumber: 1n, timestamp: 1n, key: 1n, value: 1n, exists: true, epoch: 1 };
    assert.throws(() => digest({ ...a, timestamp: 1n << 48n }), AttestationRangeError);
    assert.throws(() => digest({ ...a, value: 1n << 256n }), AttestationRangeError);
    assert.throws(() => digest({ ...a, epoch: 2 ** 32 }), AttestationRangeError);
    assert.throws(() => fastTaskId({ ...a, blockNumber: 1n << 64n }), AttestationRangeError);
    assert.throws(() => fastTaskId({ ...a, key: -1n }), AttestationRangeError);
  });

  it('refuses a user that is not 20 bytes of 0x hex', () => {
    const a: StateAttestation = { user: '0x0000000000000000000000000000000000000001', chainId: 1n, blockNumber: 1n, timestamp: 1n, key: 1n, value: 1n, exists: true, epoch: 1 };
    for (const user of ['0x00000000000000000000000000000000000000', '0x00000000000000000000000000000000000000011', '0x000000000000000000000000000000000000000g', '000000000000000000000000000000000000000001']) {
      assert.throws(() => digest({ ...a, user: user as never }), AttestationRangeError, user);
      assert.throws(() => fastTaskId({ ...a, user: user as never }), AttestationRangeError, user);
    }
  });
});
