/**
 * The automation service's executor selection (src/services/automation/selection.ts): the shared vectors the forge
 * tests check too (test/vectors/automation-selection.json), the draw at the edges of each executor's range, the errors,
 * and fairness: over 200,000 slots the executors' slot counts match their stake shares (chi-square goodness of fit
 * below the 0.999 quantile, each share within 1 percentage point). Seeds are fixed, so the figures never change.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { type Hex, concat, keccak256, numberToHex, toHex } from 'viem';
import {
  CumulativeWeightsNotIncreasingError,
  EmptyExecutorSetError,
  ExecutorSelectionError,
  WeightOverflowError,
  ZeroWeightError,
  checkCumulativeWeights,
  cumulativeWeights,
  selectExecutor,
  slotRandomWord,
} from '../../src/services/automation/selection.ts';

type Vectors = {
  cases: number;
  sets: { name: string; weights: string[]; cumulative: string[] }[];
  seeds: Hex[];
  slots: string[];
  groups: { set: number; seed: number; indices: number[] }[];
};
const vectors: Vectors = JSON.parse(readFileSync(new URL('../vectors/automation-selection.json', import.meta.url), 'utf8'));
const big = (xs: string[]) => xs.map(BigInt);

/** The spec's word written out by hand: abi.encode(bytes32, uint256) is the two 32-byte words one after the other. */
const word = (seed: Hex, slot: bigint) => BigInt(keccak256(concat([seed, numberToHex(slot, { size: 32 })])));
const SEED: Hex = keccak256(toHex('automation unit test seed'));

describe('automation executor selection: shared vectors (same file as the forge tests)', () => {
  it('has the six executor sets and thousands of cases', () => {
    assert.deepEqual(vectors.sets.map((s) => s.weights.length), [1, 2, 4, 10, 100, 10]);
    assert.equal(vectors.cases, vectors.groups.length * vectors.slots.length);
    assert.ok(vectors.cases >= 5000);
    const whale = big(vectors.sets[5].weights);
    assert.equal(whale[3] * 10n, whale.reduce((a, b) => a + b) * 9n, 'the whale holds exactly 90 %');
  });

  for (const set of vectors.sets) {
    it(`${set.name}: cumulativeWeights gives the file's snapshot, a valid one`, () => {
      assert.deepEqual(cumulativeWeights(big(set.weights)), big(set.cumulative));
      checkCumulativeWeights(big(set.cumulative));
    });
  }

  it('every (set, seed, slot) picks the file\'s executor', () => {
    const slots = big(vectors.slots);
    let checked = 0;
    for (const group of vectors.groups) {
      const cumulative = big(vectors.sets[group.set].cumulative);
      const seed = vectors.seeds[group.seed];
      assert.equal(group.indices.length, slots.length);
      for (const [j, slot] of slots.entries()) {
        assert.equal(selectExecutor(seed, slot, cumulative), group.indices[j], `set ${group.set} seed ${group.seed} slot ${slot}`);
        checked++;
      }
    }
    assert.equal(checked, vectors.cases);
  });
});

describe('automation executor selection: the draw', () => {
  it('draws from uint256(keccak256(abi.encode(seed, slot)))', () => {
    for (const slot of [0n, 1n, 2n ** 64n, 2n ** 256n - 1n]) assert.equal(slotRandomWord(SEED, slot), word(SEED, slot));
  });

  it('r = cumulative[i] - 1 picks executor i; r = cumulative[i] picks executor i + 1', () => {
    const total = 1000n * 10n ** 18n;
    const r = word(SEED, 7n) % total;
    assert.ok(r > 1n && r + 1n < total, 'fixture: r inside');
    assert.equal(selectExecutor(SEED, 7n, [r + 1n, total]), 0);
    assert.equal(selectExecutor(SEED, 7n, [r, r + 1n, total]), 1);
    assert.equal(selectExecutor(SEED, 7n, [r, total]), 1);
    assert.equal(selectExecutor(SEED, 7n, [r - 1n, r, total]), 2);
  });

  it('r = 0 picks the first executor, r = total - 1 the last', () => {
    const w = word(SEED, 3n);
    assert.equal(selectExecutor(SEED, 3n, [1n, w]), 0, 'total = word: r = 0');
    assert.equal(selectExecutor(SEED, 3n, [w - 1n, w, w + 1n]), 2, 'total = word + 1: r = total - 1');
  });

  it('a single executor is chosen for every slot', () => {
    for (let slot = 0n; slot < 200n; slot++) assert.equal(selectExecutor(SEED, slot, [1n]), 0);
  });

  it('never picks a weight-0 executor, even from an unchecked snapshot', () => {
    const weights = [0n, 3n, 0n, 0n, 5n, 0n, 1n, 0n];
    let sum = 0n;
    const cumulative = weights.map((w) => (sum += w));
    for (let slot = 0n; slot < 500n; slot++) assert.ok(weights[selectExecutor(SEED, slot, cumulative)] > 0n);
  });
});

describe('automation executor selection: errors', () => {
  it('an empty set or a zero total: EmptyExecutorSetError', () => {
    assert.throws(() => selectExecutor(SEED, 0n, []), EmptyExecutorSetError);
    assert.throws(() => selectExecutor(SEED, 0n, [0n, 0n]), EmptyExecutorSetError);
    assert.throws(() => cumulativeWeights([]), EmptyExecutorSetError);
    assert.throws(() => checkCumulativeWeights([]), EmptyExecutorSetError);
  });

  it('a weight of 0: ZeroWeightError at its index', () => {
    assert.throws(() => cumulativeWeights([7n, 0n, 0n]), (e) => e instanceof ZeroWeightError && e.index === 1);
    assert.throws(() => cumulativeWeights([-1n]), (e) => e instanceof ZeroWeightError && e.index === 0);
  });

  it('a non-increasing snapshot: CumulativeWeightsNotIncreasingError at the first bad entry', () => {
    const at = (index: number) => (e: unknown) => e instanceof CumulativeWeightsNotIncreasingError && e.index === index;
    assert.throws(() => checkCumulativeWeights([0n, 5n]), at(0));
    assert.throws(() => checkCumulativeWeights([1n, 5n, 5n]), at(2));
    assert.throws(() => checkCumulativeWeights([5n, 4n, 9n]), at(1));
    checkCumulativeWeights([1n, 2n, 2n ** 256n - 1n]);
  });

  it('beyond uint256: WeightOverflowError; every error is an ExecutorSelectionError with its own name', () => {
    assert.throws(() => cumulativeWeights([2n ** 256n - 1n, 1n]), (e) => e instanceof WeightOverflowError && e.index === 1);
    assert.throws(() => checkCumulativeWeights([1n, 2n ** 256n]), WeightOverflowError);
    const errors = [new EmptyExecutorSetError(), new ZeroWeightError(0), new CumulativeWeightsNotIncreasingError(0), new WeightOverflowError(0)];
    for (const e of errors) {
      assert.ok(e instanceof ExecutorSelectionError);
      assert.equal(e.name, e.constructor.name);
    }
  });
});

/**
 * Slot counts over `slots` slots against the stake shares. Returns chi-square = Σ (observed - expected)² / expected
 * and the largest |observed share - stake share|.
 */
function fit(seed: Hex, weights: readonly bigint[], slots: number) {
  const cumulative = cumulativeWeights(weights);
  const total = cumulative[cumulative.length - 1];
  const counts = new Array<number>(weights.length).fill(0);
  for (let slot = 0; slot < slots; slot++) counts[selectExecutor(seed, BigInt(slot), cumulative)]++;
  let chiSquare = 0;
  let worstShareGap = 0;
  for (const [i, w] of weights.entries()) {
    const share = Number((w * 10n ** 12n) / total) / 1e12;
    const expected = share * slots;
    chiSquare += (counts[i] - expected) ** 2 / expected;
    worstShareGap = Math.max(worstShareGap, Math.abs(counts[i] / slots - share));
  }
  return { counts, chiSquare, worstShareGap };
}

describe('automation executor selection: slots follow stake (200,000 slots, fixed seeds)', () => {
  const SLOTS = 200_000;
  // 0.999 quantiles of the chi-square distribution (scipy.stats.chi2.ppf(0.999, df)), df = executors - 1.
  const CHI2_999 = { 3: 16.266, 9: 27.877, 99: 148.230 } as Record<number, number>;
  const cases: { name: string; weights: bigint[] }[] = [
    { name: 'weights 1:2:3:4', weights: [1n, 2n, 3n, 4n] },
    { name: 'a 90 % whale and 9 others (the vectors\' set)', weights: big(vectors.sets[5].weights) },
    { name: '100 executors of 1..10000 ETH (the vectors\' set)', weights: big(vectors.sets[4].weights) },
  ];
  for (const { name, weights } of cases) {
    it(`${name}: chi-square below the 0.999 quantile, every share within 1 percentage point`, (t) => {
      const df = weights.length - 1;
      const { counts, chiSquare, worstShareGap } = fit(keccak256(toHex(`automation fairness: ${name}`)), weights, SLOTS);
      t.diagnostic(`chi-square ${chiSquare.toFixed(3)} (df ${df}, 0.999 quantile ${CHI2_999[df]}); largest share gap ${(worstShareGap * 100).toFixed(3)} pp`);
      if (weights.length <= 10) t.diagnostic(`slot counts ${counts.join(', ')}`);
      assert.ok(chiSquare < CHI2_999[df], `chi-square ${chiSquare} ≥ ${CHI2_999[df]}`);
      assert.ok(worstShareGap < 0.01, `share off by ${worstShareGap}`);
    });
  }
});
