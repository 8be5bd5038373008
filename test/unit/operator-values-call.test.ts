import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { type Address, type Hex, bytesToHex, decodeAbiParameters, encodeAbiParameters, encodeFunctionData } from 'viem';
import { StateManagerAbi } from '../../src/core/chain/abis/generated/index.ts';
import {
  TRY_GET_VALUES_AT_BLOCKS_SELECTOR,
  ValuesQueryError,
  ValuesResultError,
  decodeValuesResult,
  encodeValuesCall,
} from '../../src/services/state-proofs/operator/valuesCall.ts';

const outputs = [
  { name: 'exists', type: 'bool[]' },
  { name: 'values', type: 'uint256[]' },
] as const;

/** A random uint256 of a random byte length, so small and full-width numbers both occur. */
function randomUint(): bigint {
  const size = 1 + Math.floor(Math.random() * 32);
  return BigInt(bytesToHex(randomBytes(size)));
}

function randomQueries(count: number) {
  return Array.from({ length: count }, () => ({ user: bytesToHex(randomBytes(20)) as Address, key: randomUint(), blockNumber: randomUint() }));
}

describe('tryGetValuesAtBlocks call data', () => {
  it('equals viem encodeFunctionData with the generated ABI, for random batches of 0 to 300 queries', () => {
    for (const count of [0, 1, 2, 3, 17, 256, 300]) {
      const queries = randomQueries(count);
      const viem = encodeFunctionData({ abi: StateManagerAbi, functionName: 'tryGetValuesAtBlocks', args: [queries] });
      assert.equal(encodeValuesCall(queries), viem.toLowerCase(), `${count} queries`);
    }
  });

  it('starts with the selector of tryGetValuesAtBlocks((address,uint256,uint256)[])', () => {
    assert.equal(TRY_GET_VALUES_AT_BLOCKS_SELECTOR, encodeFunctionData({ abi: StateManagerAbi, functionName: 'tryGetValuesAtBlocks', args: [[]] }).slice(0, 10));
  });

  it('refuses a user that is not a 20-byte address', () => {
    for (const user of ['0x1234', `0x${'g'.repeat(40)}`, `0x${'ab'.repeat(21)}`]) {
      assert.throws(() => encodeValuesCall([{ user: user as Address, key: 1n, blockNumber: 1n }]), ValuesQueryError);
    }
  });

  it('refuses a key or block number outside uint256', () => {
    const user: Address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
    assert.throws(() => encodeValuesCall([{ user, key: -1n, blockNumber: 1n }]), /key -1 is not a uint256/);
    assert.throws(() => encodeValuesCall([{ user, key: 1n, blockNumber: 1n << 256n }]), /blockNumber .* is not a uint256/);
  });
});

describe('tryGetValuesAtBlocks result', () => {
  it('equals viem decodeAbiParameters for random results of 0 to 300 entries', () => {
    for (const count of [0, 1, 2, 5, 256, 300]) {
      const exists = Array.from({ length: count }, () => Math.random() < 0.5);
      const values = exists.map((e) => (e ? randomUint() : 0n));
      const encoded = encodeAbiParameters(outputs, [exists, values]);
      const [viemExists, viemValues] = decodeAbiParameters(outputs, encoded);
      assert.deepEqual(decodeValuesResult(encoded, count), { exists: [...viemExists], values: [...viemValues] }, `${count} entries`);
    }
  });

  it('refuses a result whose arrays hold another number of entries than the queries sent', () => {
    const encoded = encodeAbiParameters(outputs, [[true, false], [1n, 0n]]);
    assert.throws(() => decodeValuesResult(encoded, 3), /holds 2 entries, 3 queries were sent/);
    assert.throws(() => decodeValuesResult(encoded, 1), ValuesResultError);
  });

  it('refuses a truncated result, an empty one and an offset outside the result', () => {
    const encoded = encodeAbiParameters(outputs, [[true, true], [1n, 2n]]);
    assert.throws(() => decodeValuesResult(encoded.slice(0, -64) as Hex, 2), ValuesResultError);
    assert.throws(() => decodeValuesResult('0x', 0), /returned no data: no StateManager at the address called/);
    const badOffset = (`0x${'00'.repeat(31)}ff` + encoded.slice(66)) as Hex;
    assert.throws(() => decodeValuesResult(badOffset, 2), /offset 255 is outside the result/);
  });

  it('refuses a bool word other than 0 or 1', () => {
    const encoded = encodeAbiParameters(outputs, [[true], [5n]]);
    // Word layout: offsets (2), exists length, exists[0], values length, values[0].
    const words = encoded.slice(2).match(/.{64}/g)!;
    words[3] = `${'0'.repeat(63)}2`;
    assert.throws(() => decodeValuesResult(`0x${words.join('')}` as Hex, 1), /exists\[0\] is 2, not a bool/);
  });
});
