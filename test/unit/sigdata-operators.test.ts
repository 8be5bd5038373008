/**
 * `sigDataOperators` (src/services/state-proofs/sigDataOperators.ts) reads the operators of a proof straight from its
 * hex: checked against `decodeSigData` (viem's decoder) on random proofs of both forms, and on inputs it must refuse.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Address, type Hex, encodeAbiParameters, keccak256, toBytes } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { BATCH_SIGDATA_TAG } from '../../src/core/crypto/attestation-batch.ts';
import { MalformedSigDataError, decodeSigData, encodeBatchedSigData, encodeSigData } from '../../src/services/state-proofs/attestation.ts';
import { sigDataOperators } from '../../src/services/state-proofs/sigDataOperators.ts';

const word = (label: string) => keccak256(toBytes(label));
const account = (label: string) => privateKeyToAccount(word(label)).address;
const signature = (label: string) => `${word(label)}${word(`${label} s`).slice(2)}1b` as Hex;
const lower = (list: readonly Address[]) => list.map((a) => a.toLowerCase());

describe('sigDataOperators', () => {
  it('reads the operators decodeSigData decodes, for both forms, any signer count and any path length', () => {
    for (let round = 0; round < 80; round++) {
      const ops = Array.from({ length: round % 12 }, (_, i) => account(`op ${round} ${i}`));
      const sigs = ops.map((_, i) => signature(`sig ${round} ${i}`));
      const single = encodeSigData(ops.map((operator, i) => ({ operator, signature: sigs[i] })), round);
      const proof = Array.from({ length: round % 14 }, (_, i) => word(`path ${round} ${i}`));
      const batched = encodeBatchedSigData({ operators: ops, signatures: sigs, referenceEpoch: round, proof });
      for (const sigData of [single, batched]) {
        const expected = lower(decodeSigData(sigData).operators);
        assert.deepEqual(sigDataOperators(sigData), expected, `round ${round}`);
        assert.deepEqual(sigDataOperators(sigData.toUpperCase().replace('0X', '0x') as Hex), expected, `round ${round}, upper-case hex`);
      }
    }
  });

  it('reads an encoding whose operators are not first in the data (offsets as abi.encode of another order would write)', () => {
    // A valid ABI encoding may place the dynamic parts in any order; the offset word says where the operators are.
    const ops = [account('a'), account('b')];
    const sigs = [signature('a'), signature('b')];
    const canonical = encodeSigData(ops.map((operator, i) => ({ operator, signature: sigs[i] })), 3);
    const decoded = decodeSigData(canonical);
    const head = (n: number) => n.toString(16).padStart(64, '0');
    const sigsPart = encodeAbiParameters([{ type: 'bytes[]' }], [decoded.signatures]).slice(2 + 64);
    const opsPart = encodeAbiParameters([{ type: 'address[]' }], [decoded.operators]).slice(2 + 64);
    const swapped = `0x${head(96 + sigsPart.length / 2)}${head(96)}${head(3)}${sigsPart}${opsPart}` as Hex;
    assert.deepEqual(decodeSigData(swapped).operators, decoded.operators, 'the hand-made encoding is valid');
    assert.deepEqual(sigDataOperators(swapped), lower(decoded.operators));
  });

  it('refuses what does not hold its operators with MalformedSigDataError', () => {
    const ops = [account('x'), account('y')];
    const sigs = [signature('x'), signature('y')];
    const single = encodeSigData(ops.map((operator, i) => ({ operator, signature: sigs[i] })), 1);
    const batched = encodeBatchedSigData({ operators: ops, signatures: sigs, referenceEpoch: 1, proof: [word('p')] });
    const body = single.slice(2);
    const cases: [string, string][] = [
      ['empty', '0x'],
      ['short', '0x1234'],
      ['odd length', `${single}0`],
      ['not hex', `0x${'zz'.repeat(32)}`],
      ['the tag alone', BATCH_SIGDATA_TAG],
      ['batched, cut before the operators', batched.slice(0, 2 + 64 * 5)],
      ['single, cut inside the operators', single.slice(0, 2 + 64 * 4)],
      ['offset beyond the data', `0x${'f'.repeat(64)}${body.slice(64)}`],
      ['offset not a whole word', `0x${(0x61).toString(16).padStart(64, '0')}${body.slice(64)}`],
      ['length beyond the data', `0x${body.slice(0, 64 * 3)}${(1_000).toString(16).padStart(64, '0')}${body.slice(64 * 4)}`],
      ['address word with high bytes set', `0x${body.slice(0, 64 * 4)}01${body.slice(64 * 4 + 2)}`],
    ];
    for (const [what, bad] of cases) assert.throws(() => sigDataOperators(bad as Hex), MalformedSigDataError, what);
  });
});
