import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Address, type Hex, getAddress, keccak256, toHex } from 'viem';
import { MissingWeightError, RewardInputError, EmptyRewardSplitError } from '../../src/runtime/rewards/errors.ts';
import {
  type EpochProof,
  MAX_REWARDS_AMOUNT,
  ProofTally,
  operatorRewardsOf,
  requireOperatorRewards,
  splitRewards,
  tallyProofs,
} from '../../src/runtime/rewards/split.ts';

const A = '0x000000000000000000000000000000000000000a' as Address;
const B = '0x000000000000000000000000000000000000000b' as Address;
const C = '0x000000000000000000000000000000000000000c' as Address;
// Mixed case on purpose: the split must not depend on address case.
const D = getAddress('0x00000000000000000000000000000000000000dd');

const taskId = (i: number): Hex => keccak256(toHex(`task-${i}`));
const proof = (i: number, ...signers: Address[]): EpochProof => ({ taskId: taskId(i), signers });
const weights = (entries: [Address, bigint][]) => new Map(entries);
const amounts = (split: ReturnType<typeof splitRewards>) => split.shares.map((s) => [s.operator, s.amount]);

describe('rewards split: budget × weight × proofs signed', () => {
  it('splits in proportion to weight × proofs signed, exactly', () => {
    // Scores: A 100×3 = 300, B 200×2 = 400, C 300×1 = 300 (total 1000).
    const proofs = [proof(1, A, B, C), proof(2, A, B), proof(3, A)];
    const split = splitRewards({ budget: 1_000_000n, proofs, weights: weights([[A, 100n], [B, 200n], [C, 300n]]) });
    assert.deepEqual(amounts(split), [
      [getAddress(A), 300_000n],
      [getAddress(B), 400_000n],
      [getAddress(C), 300_000n],
    ]);
    assert.deepEqual(
      split.shares.map((s) => [s.weight, s.proofsSigned, s.score]),
      [
        [100n, 3, 300n],
        [200n, 2, 400n],
        [300n, 1, 300n],
      ],
    );
    assert.equal(split.proofs, 3);
    assert.equal(split.totalScore, 1000n);
    assert.equal(split.distributed, 1_000_000n);
  });

  it('with every operator signing every proof, pays in proportion to weight (stake)', () => {
    const proofs = Array.from({ length: 7 }, (_, i) => proof(i, A, B));
    const split = splitRewards({ budget: 900n, proofs, weights: weights([[A, 1n], [B, 2n]]) });
    assert.deepEqual(amounts(split), [
      [getAddress(A), 300n],
      [getAddress(B), 600n],
    ]);
  });

  it('gives a lone operator the whole budget', () => {
    const split = splitRewards({ budget: 123_456_789n, proofs: [proof(1, A), proof(2, A)], weights: weights([[A, 5n]]) });
    assert.deepEqual(amounts(split), [[getAddress(A), 123_456_789n]]);
  });

  it('distributes nothing when there are no proofs', () => {
    const split = splitRewards({ budget: 10n ** 18n, proofs: [], weights: new Map() });
    assert.deepEqual(split, { budget: 10n ** 18n, distributed: 0n, proofs: 0, totalScore: 0n, shares: [] });
    assert.throws(() => requireOperatorRewards(split, 4), (e: unknown) => e instanceof EmptyRewardSplitError && /no aggregated proofs/.test(e.message));
  });

  it('distributes nothing when the budget is 0, and says so', () => {
    const split = splitRewards({ budget: 0n, proofs: [proof(1, A)], weights: weights([[A, 5n]]) });
    assert.equal(split.distributed, 0n);
    assert.deepEqual(amounts(split), [[getAddress(A), 0n]]);
    assert.throws(() => requireOperatorRewards(split, 4), /budget is 0/);
  });

  it('gives rounding leftovers to the largest remainders, so amounts sum exactly to the budget', () => {
    // Scores 1, 2, 4 (total 7), budget 10: exact shares 1.43, 2.86, 5.71 → floors 1, 2, 5 (sum 8);
    // remainders 3/7, 6/7, 5/7 → the 2 leftover units go to B and C.
    const split = splitRewards({ budget: 10n, proofs: [proof(1, A, B, C)], weights: weights([[A, 1n], [B, 2n], [C, 4n]]) });
    assert.deepEqual(amounts(split), [
      [getAddress(A), 1n],
      [getAddress(B), 3n],
      [getAddress(C), 6n],
    ]);
  });

  it('breaks equal remainders toward the lower operator address', () => {
    // Three equal scores, budget 10: 3 each, and the one leftover unit to the lowest address.
    const split = splitRewards({ budget: 10n, proofs: [proof(1, C, A, B)], weights: weights([[A, 7n], [B, 7n], [C, 7n]]) });
    assert.deepEqual(amounts(split), [
      [getAddress(A), 4n],
      [getAddress(B), 3n],
      [getAddress(C), 3n],
    ]);
    // Two leftover units: the two lowest.
    const eleven = splitRewards({ budget: 11n, proofs: [proof(1, C, A, B)], weights: weights([[A, 7n], [B, 7n], [C, 7n]]) });
    assert.deepEqual(amounts(eleven), [
      [getAddress(A), 4n],
      [getAddress(B), 4n],
      [getAddress(C), 3n],
    ]);
  });

  it('does not pay an operator more for signing the same proof twice or being listed twice in it', () => {
    const w = weights([[A, 10n], [B, 10n]]);
    const honest = splitRewards({ budget: 1000n, proofs: [proof(1, A, B), proof(2, A)], weights: w });
    const repeated = splitRewards({ budget: 1000n, proofs: [proof(1, A, B), proof(2, A), proof(1, A), proof(2, A, A, A)], weights: w });
    assert.deepEqual(amounts(repeated), amounts(honest));
    assert.deepEqual(amounts(honest), [
      [getAddress(A), 667n],
      [getAddress(B), 333n],
    ]);
    assert.equal(repeated.proofs, 2);
  });

  it('counts late signers: a repeated proof merges its signer lists', () => {
    // Proof 1 first seen with A only, then its extended sigData with B (a late signature): both count once.
    const split = splitRewards({ budget: 100n, proofs: [proof(1, A), proof(1, A, B)], weights: weights([[A, 1n], [B, 1n]]) });
    assert.deepEqual(amounts(split), [
      [getAddress(A), 50n],
      [getAddress(B), 50n],
    ]);
  });

  it('gives a zero-weight signer nothing and leaves it out of the operator rewards', () => {
    const split = splitRewards({ budget: 100n, proofs: [proof(1, A, B)], weights: weights([[A, 0n], [B, 3n]]) });
    assert.deepEqual(amounts(split), [
      [getAddress(A), 0n],
      [getAddress(B), 100n],
    ]);
    assert.deepEqual(operatorRewardsOf(split), [{ operator: getAddress(B), amount: 100n }]);
    const nobody = splitRewards({ budget: 100n, proofs: [proof(1, A)], weights: weights([[A, 0n]]) });
    assert.equal(nobody.distributed, 0n);
    assert.throws(() => requireOperatorRewards(nobody, 9), /no signer of epoch 9's 1 proofs has weight/);
  });

  it('leaves out an operator whose remainder loses when its floor is 0', () => {
    // Scores 1 and 1000, budget 3: floors 0 and 2, remainders 3 and 998 (of 1001) → the leftover unit goes to B.
    const split = splitRewards({ budget: 3n, proofs: [proof(1, A, B)], weights: weights([[A, 1n], [B, 1000n]]) });
    assert.deepEqual(operatorRewardsOf(split), [{ operator: getAddress(B), amount: 3n }]);
  });

  it('reads weights whatever the case of their keys, and returns checksummed operators ascending', () => {
    const split = splitRewards({
      budget: 2n,
      proofs: [proof(1, D.toLowerCase() as Address, A)],
      weights: new Map([
        [D, 1n],
        [A.toUpperCase().replace('0X', '0x'), 1n],
      ]),
    });
    assert.deepEqual(
      split.shares.map((s) => s.operator),
      [getAddress(A), D],
    );
    assert.equal(split.distributed, 2n);
  });

  it('refuses a signer without a weight instead of paying it nothing', () => {
    assert.throws(
      () => splitRewards({ budget: 1n, proofs: [proof(1, A, B)], weights: weights([[A, 1n]]) }),
      (e: unknown) => e instanceof MissingWeightError && e.operator === getAddress(B),
    );
  });

  it('refuses a negative budget, one above MAX_REWARDS_AMOUNT, and negative weights', () => {
    assert.throws(() => splitRewards({ budget: -1n, proofs: [], weights: new Map() }), RewardInputError);
    assert.throws(() => splitRewards({ budget: MAX_REWARDS_AMOUNT + 1n, proofs: [], weights: new Map() }), RewardInputError);
    assert.throws(() => splitRewards({ budget: 1n, proofs: [proof(1, A)], weights: weights([[A, -1n]]) }), RewardInputError);
  });

  it('stays exact with the largest budget and 1e30-sized weights', () => {
    const split = splitRewards({
      budget: MAX_REWARDS_AMOUNT,
      proofs: [proof(1, A, B, C), proof(2, B)],
      weights: weights([[A, 10n ** 30n + 1n], [B, 3n * 10n ** 30n], [C, 7n]]),
    });
    const total = split.shares.reduce((s, x) => s + x.amount, 0n);
    assert.equal(total, MAX_REWARDS_AMOUNT);
    for (const s of split.shares) {
      const exactFloor = (MAX_REWARDS_AMOUNT * s.score) / split.totalScore;
      assert.ok(s.amount === exactFloor || s.amount === exactFloor + 1n);
    }
  });

  it('on pseudo-random epochs, sums to the budget and keeps every amount within one unit of its exact share', () => {
    for (let round = 0; round < 200; round++) {
      const r = (i: number) => BigInt(keccak256(toHex(`${round}-${i}`)));
      const operators = Array.from({ length: 1 + Number(r(0) % 12n) }, (_, i) => getAddress(`0x${keccak256(toHex(`${round}-op-${i}`)).slice(-40)}`));
      const w = new Map(operators.map((o, i) => [o, r(100 + i) % (round % 2 === 0 ? 1000n : 10n ** 30n)]));
      const proofs = Array.from({ length: Number(r(1) % 20n) }, (_, p) => proof(round * 100 + p, ...operators.filter((_, i) => (r(1000 + p * 31 + i) & 3n) !== 0n)));
      const budget = r(2) % (round % 3 === 0 ? 1000n : 10n ** 36n);
      const split = splitRewards({ budget, proofs, weights: w });
      const total = split.shares.reduce((s, x) => s + x.amount, 0n);
      assert.equal(total, split.totalScore === 0n ? 0n : budget, `round ${round}`);
      for (const s of split.shares) {
        const floor = split.totalScore === 0n ? 0n : (budget * s.score) / split.totalScore;
        assert.ok(s.amount === floor || s.amount === floor + 1n, `round ${round}: ${s.amount} vs floor ${floor}`);
      }
      // Order of the proofs does not matter.
      assert.deepEqual(amounts(splitRewards({ budget, proofs: [...proofs].reverse(), weights: w })), amounts(split));
    }
  });
});

describe('rewards ProofTally', () => {
  it('takes proofs in ascending task-id order and refuses a step back', () => {
    const [first, second] = [taskId(1), taskId(2)].sort();
    const tally = new ProofTally();
    tally.add({ taskId: first, signers: [A] });
    tally.add({ taskId: second, signers: [A, B] });
    tally.add({ taskId: second, signers: [B] });
    assert.throws(() => tally.add({ taskId: first, signers: [C] }), RewardInputError);
    assert.equal(tally.proofs, 2);
    assert.deepEqual([...tally.signedCounts()], [
      [A, 2],
      [B, 1],
    ]);
  });

  it('orders by aggregation time first: a later time may carry a lower task id, a step back in time is refused', () => {
    const [low, high] = [taskId(1), taskId(2)].sort();
    const tally = new ProofTally();
    tally.add({ taskId: high, signers: [A], aggregatedAt: 1_000 });
    tally.add({ taskId: low, signers: [A], aggregatedAt: 1_001 });
    tally.add({ taskId: low, signers: [B], aggregatedAt: 1_001 });
    assert.throws(() => tally.add({ taskId: high, signers: [C], aggregatedAt: 1_000 }), RewardInputError);
    assert.equal(tally.proofs, 2);
    assert.deepEqual([...tally.signedCounts()], [
      [A, 2],
      [B, 1],
    ]);
  });

  it('refuses malformed task ids and signers', () => {
    assert.throws(() => new ProofTally().add({ taskId: '0x1234', signers: [] }), RewardInputError);
    assert.throws(() => new ProofTally().add({ taskId: taskId(1), signers: ['0x12' as Address] }), RewardInputError);
  });

  it('tallyProofs sorts first, so any order gives the same counts', () => {
    const proofs = [proof(3, A), proof(1, A, B), proof(2, C), proof(1, B)];
    assert.deepEqual([...tallyProofs(proofs).signedCounts()], [
      [A, 2],
      [B, 1],
      [C, 1],
    ]);
  });
});
