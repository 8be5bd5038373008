/**
 * Writes test/vectors/automation-selection.json, the executor-selection vectors that Solidity (forge,
 * contracts/test/services/automation/ExecutorSelection.t.sol) and TypeScript (test/unit/automation-selection.test.ts)
 * both check: executor sets (weights and their cumulative snapshot), seeds, slots, and for every (set, seed) the
 * executor index of every slot, as src/services/automation/selection.ts computes it.
 * Sets: 1 executor; 2 equal; 4 weighted 1:2:3:4; 10 with wei-scale stakes of 32..5000 ETH; 100 random (1..10000 ETH);
 * 10 with a whale holding exactly 90 %. Random weights come from a seeded splitmix64 (no Math.random), so the file is
 * the same on every run.
 * Run: `node --import tsx scripts/gen-automation-vectors.ts`. The file is committed; regenerate only on purpose.
 */
import { writeFileSync } from 'node:fs';
import { type Hex, keccak256, toHex } from 'viem';
import { cumulativeWeights, selectExecutor } from '../src/services/automation/selection.ts';

/** splitmix64: a small seeded PRNG, 64 bits per call. */
function splitmix64(seed: bigint): () => bigint {
  const MASK = (1n << 64n) - 1n;
  let state = seed & MASK;
  return () => {
    state = (state + 0x9e3779b97f4a7c15n) & MASK;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
    return z ^ (z >> 31n);
  };
}

const ETH = 10n ** 18n;
const next = splitmix64(0x6175746f6d6174696fn); // "automatio"
/** A uniform-enough draw in [low, high] (128 random bits reduced; the bias is irrelevant for test data). */
const between = (low: bigint, high: bigint) => low + ((next() << 64n) | next()) % (high - low + 1n);

const whaleOthers = Array.from({ length: 9 }, () => between(10n * ETH, 200n * ETH));
const whaleRest = whaleOthers.reduce((a, b) => a + b, 0n);
const sets: { name: string; weights: bigint[] }[] = [
  { name: '1 executor', weights: [32n * ETH] },
  { name: '2 equal', weights: [100n * ETH, 100n * ETH] },
  { name: '4 weighted 1:2:3:4', weights: [1n, 2n, 3n, 4n] },
  { name: '10 wei-scale stakes, 32..5000 ETH', weights: Array.from({ length: 10 }, () => between(32n * ETH, 5000n * ETH)) },
  { name: '100 random, 1..10000 ETH', weights: Array.from({ length: 100 }, () => between(ETH, 10_000n * ETH)) },
  {
    // The whale (index 3) holds 9 times the others' sum: exactly 90 % of the total.
    name: '10 with a 90 % whale at index 3',
    weights: [...whaleOthers.slice(0, 3), 9n * whaleRest, ...whaleOthers.slice(3)],
  },
];

const seeds: Hex[] = [
  `0x${'00'.repeat(32)}`,
  keccak256(toHex('avs-stack automation test epoch')),
  `0x${'ff'.repeat(32)}`,
];

// Slots 0..991 (an epoch's slots) and 8 far ones (uint256 edge values) that still abi-encode as one word.
const slots: bigint[] = [
  ...Array.from({ length: 992 }, (_, i) => BigInt(i)),
  1n << 32n,
  (1n << 64n) - 1n,
  1n << 64n,
  1n << 128n,
  (1n << 255n) - 1n,
  1n << 255n,
  (1n << 256n) - 2n,
  (1n << 256n) - 1n,
];

const built = sets.map((s) => ({ ...s, cumulative: cumulativeWeights(s.weights) }));
const groups = built.flatMap((set, setIndex) =>
  seeds.map((seed, seedIndex) => ({
    set: setIndex,
    seed: seedIndex,
    indices: slots.map((slot) => selectExecutor(seed, slot, set.cumulative)),
  })),
);

const vectors = {
  rule: 'index = first i with r < cumulative[i], r = uint256(keccak256(abi.encode(bytes32 seed, uint256 slot))) % cumulative[n-1]',
  cases: groups.length * slots.length,
  sets: built.map((s) => ({
    name: s.name,
    weights: s.weights.map(String),
    cumulative: s.cumulative.map(String),
  })),
  seeds,
  slots: slots.map(String),
  // groups[k].indices[j]: the executor of slots[j] for sets[groups[k].set] and seeds[groups[k].seed].
  groups,
};

const json = JSON.stringify(vectors, (key, value) => (key === 'indices' ? JSON.stringify(value) : value), 2)
  // One line per indices array (the file stays short to read); the placeholder string is unquoted back to an array.
  .replace(/"indices": "(\[[0-9,]*\])"/g, '"indices": $1');
writeFileSync(new URL('../test/vectors/automation-selection.json', import.meta.url), `${json}\n`);
