import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Address, decodeFunctionData, encodeFunctionData, getAddress, toFunctionSelector } from 'viem';
import { StateProofsServiceManagerAbi } from '../../src/core/chain/abis/generated/index.ts';
import { RewardInputError, RewardSubmissionError } from '../../src/runtime/rewards/errors.ts';
import {
  type BuildRewardsSubmissionInput,
  type RewardsCoordinatorParams,
  buildRewardsSubmission,
  rewardPeriodOfEpoch,
} from '../../src/runtime/rewards/submission.ts';

const A = getAddress('0x000000000000000000000000000000000000000a');
const B = getAddress('0x000000000000000000000000000000000000000b');
const C = getAddress('0x00000000000000000000000000000000000000c0');
const S1 = getAddress('0x1000000000000000000000000000000000000001');
const S2 = getAddress('0x2000000000000000000000000000000000000002');
const TOKEN = getAddress('0x7000000000000000000000000000000000000007');

const DAY = 86_400;
const WEEK = 7n * 86_400n;
/** Mainnet-like: 1-day interval, 70-day maximum duration, 90 days retroactive. */
const MAINNET: RewardsCoordinatorParams = {
  calculationIntervalSeconds: DAY,
  maxRewardsDuration: 70 * DAY,
  maxRetroactiveLength: 90 * DAY,
  genesisRewardsTimestamp: 1_710_979_200,
};
/** 2024-06-06 12:34:56 UTC: not on the day grid. */
const GENESIS = 1_717_677_296n;
const clock = { genesis: GENESIS, length: WEEK, grace: 86_400n };

function input(overrides: Partial<BuildRewardsSubmissionInput> = {}): BuildRewardsSubmissionInput {
  return {
    epoch: 3,
    clock,
    coordinator: MAINNET,
    quorum: [
      { strategy: S2, multiplier: 10_000n },
      { strategy: S1, multiplier: 5_000n },
    ],
    token: TOKEN,
    operatorRewards: [
      { operator: C, amount: 5n },
      { operator: A, amount: 3n },
      { operator: B, amount: 2n },
    ],
    // Well after epoch 3 ends (genesis + 4 weeks), well within 90 days.
    now: GENESIS + 5n * WEEK,
    ...overrides,
  };
}

function assertRule(fn: () => unknown, rule: string, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof RewardSubmissionError, `expected RewardSubmissionError, got ${String(e)}`);
    assert.equal(e.rule, rule);
    if (message) assert.match(e.message, message);
    return true;
  });
}

describe('rewards period of an epoch', () => {
  it('rounds both epoch bounds down to the calculation interval (7-day epochs, 1-day interval)', () => {
    const p = rewardPeriodOfEpoch(clock, 3, DAY);
    const start = GENESIS + 3n * WEEK;
    assert.equal(p.epochStart, start);
    assert.equal(p.epochEnd, start + WEEK);
    assert.equal(BigInt(p.startTimestamp), start - (start % 86_400n));
    assert.equal(p.startTimestamp % DAY, 0);
    assert.equal(p.duration, 7 * DAY);
  });

  it('tiles the timeline: each epoch starts where the previous one ended, devnet clock (120 s epochs, 60 s interval)', () => {
    const devnet = { genesis: 1_000_030n, length: 120n, grace: 20n };
    assert.deepEqual(rewardPeriodOfEpoch(devnet, 0, 60), { startTimestamp: 1_000_020, duration: 120, epochStart: 1_000_030n, epochEnd: 1_000_150n });
    let end = 0;
    for (let e = 0; e < 10; e++) {
      const p = rewardPeriodOfEpoch(devnet, e, 60);
      if (e > 0) assert.equal(p.startTimestamp, end);
      end = p.startTimestamp + p.duration;
    }
    // Epochs not a multiple of the interval: periods differ by one interval but still tile.
    const odd = { genesis: 0n, length: 90n, grace: 10n };
    assert.deepEqual(
      [0, 1, 2].map((e) => rewardPeriodOfEpoch(odd, e, 60)).map((p) => [p.startTimestamp, p.duration]),
      [
        [0, 60],
        [60, 120],
        [180, 60],
      ],
    );
  });

  it('refuses an epoch that lies inside one interval (its period would be empty)', () => {
    assertRule(() => rewardPeriodOfEpoch({ genesis: 86_400n * 20_000n + 100n, length: 120n, grace: 20n }, 0, DAY), 'DurationIsZero', /inside one 86400 s/);
  });

  it('refuses a non-positive interval and an epoch out of uint32', () => {
    assert.throws(() => rewardPeriodOfEpoch(clock, 0, 0), RewardInputError);
    assert.throws(() => rewardPeriodOfEpoch(clock, 2 ** 32, DAY), RewardInputError);
    assert.throws(() => rewardPeriodOfEpoch(clock, -1, DAY), RewardInputError);
  });
});

describe('rewards submission builder', () => {
  it('builds the submission: strategies and operators ascending, period on the grid, default description', () => {
    const submission = buildRewardsSubmission(input());
    const start = GENESIS + 3n * WEEK;
    assert.deepEqual(submission, {
      strategiesAndMultipliers: [
        { strategy: S1, multiplier: 5_000n },
        { strategy: S2, multiplier: 10_000n },
      ],
      token: TOKEN,
      operatorRewards: [
        { operator: A, amount: 3n },
        { operator: B, amount: 2n },
        { operator: C, amount: 5n },
      ],
      startTimestamp: Number(start - (start % 86_400n)),
      duration: 7 * DAY,
      description: 'avs-stack state-proofs rewards, epoch 3',
    });
  });

  it('takes addresses in any case and a description', () => {
    const submission = buildRewardsSubmission(
      input({ token: TOKEN.toLowerCase() as Address, operatorRewards: [{ operator: C.toLowerCase() as Address, amount: 1n }], description: 'week 3' }),
    );
    assert.equal(submission.token, TOKEN);
    assert.deepEqual(submission.operatorRewards, [{ operator: C, amount: 1n }]);
    assert.equal(submission.description, 'week 3');
  });

  it('encodes as ServiceManager.submitReward(OperatorDirectedRewardsSubmission), selector 0x0d2c8afd', () => {
    const submission = buildRewardsSubmission(input());
    const data = encodeFunctionData({ abi: StateProofsServiceManagerAbi, functionName: 'submitReward', args: [submission] });
    assert.equal(data.slice(0, 10), '0x0d2c8afd');
    assert.equal(toFunctionSelector('submitReward(((address,uint96)[],address,(address,uint256)[],uint32,uint32,string))'), '0x0d2c8afd');
    const decoded = decodeFunctionData({ abi: StateProofsServiceManagerAbi, data });
    assert.equal(decoded.functionName, 'submitReward');
    assert.deepEqual(decoded.args?.[0], submission);
  });

  it('refuses a period that has not ended: start + duration must be before now', () => {
    const p = rewardPeriodOfEpoch(clock, 3, DAY);
    const end = BigInt(p.startTimestamp + p.duration);
    assertRule(() => buildRewardsSubmission(input({ now: end })), 'SubmissionNotRetroactive', /submit after it has ended/);
    assert.equal(buildRewardsSubmission(input({ now: end + 1n })).duration, 7 * DAY);
  });

  it('refuses a period older than MAX_RETROACTIVE_LENGTH or before the rewards genesis', () => {
    const p = rewardPeriodOfEpoch(clock, 3, DAY);
    const limit = BigInt(p.startTimestamp + MAINNET.maxRetroactiveLength);
    assert.equal(buildRewardsSubmission(input({ now: limit })).startTimestamp, p.startTimestamp);
    assertRule(() => buildRewardsSubmission(input({ now: limit + 1n })), 'StartTimestampTooFarInPast', /too old/);
    assertRule(
      () => buildRewardsSubmission(input({ coordinator: { ...MAINNET, genesisRewardsTimestamp: p.startTimestamp + DAY } })),
      'StartTimestampTooFarInPast',
      /before the rewards genesis/,
    );
  });

  it('refuses a period longer than MAX_REWARDS_DURATION', () => {
    assertRule(() => buildRewardsSubmission(input({ coordinator: { ...MAINNET, maxRewardsDuration: 6 * DAY } })), 'DurationExceedsMax');
  });

  it('refuses operator rewards the RewardsCoordinator would reject', () => {
    assertRule(() => buildRewardsSubmission(input({ operatorRewards: [] })), 'InputArrayLengthZero');
    assertRule(() => buildRewardsSubmission(input({ operatorRewards: [{ operator: A, amount: 0n }] })), 'AmountIsZero');
    assertRule(
      () =>
        buildRewardsSubmission(
          input({
            operatorRewards: [
              { operator: A, amount: 1n },
              { operator: A.toLowerCase() as Address, amount: 2n },
            ],
          }),
        ),
      'OperatorsNotInAscendingOrder',
      /listed twice/,
    );
    assertRule(
      () => buildRewardsSubmission(input({ operatorRewards: [{ operator: '0x0000000000000000000000000000000000000000', amount: 1n }] })),
      'InvalidAddressZero',
    );
    assertRule(
      () =>
        buildRewardsSubmission(
          input({
            operatorRewards: [
              { operator: A, amount: 10n ** 38n - 1n },
              { operator: B, amount: 1n },
            ],
          }),
        ),
      'AmountExceedsMax',
    );
  });

  it('refuses an empty quorum, a repeated strategy, a multiplier out of uint96 and a zero or malformed token', () => {
    assertRule(() => buildRewardsSubmission(input({ quorum: [] })), 'InputArrayLengthZero');
    assertRule(
      () =>
        buildRewardsSubmission(
          input({
            quorum: [
              { strategy: S1, multiplier: 1n },
              { strategy: S1, multiplier: 2n },
            ],
          }),
        ),
      'StrategiesNotInAscendingOrder',
    );
    assert.throws(() => buildRewardsSubmission(input({ quorum: [{ strategy: S1, multiplier: 2n ** 96n }] })), RewardInputError);
    assert.throws(() => buildRewardsSubmission(input({ token: '0x0000000000000000000000000000000000000000' })), RewardInputError);
    assert.throws(() => buildRewardsSubmission(input({ token: '0x1234' as Address })), RewardInputError);
  });
});
