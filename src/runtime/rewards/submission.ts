/**
 * The operator-directed rewards submission of one epoch (EigenLayer v1.12.0
 * `IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission`), built and checked against the RewardsCoordinator's
 * rules before anything is sent, so a bad submission fails here with a message instead of as a revert.
 *
 * Period: epoch E covers `[genesis + E·length, genesis + (E+1)·length)`; its rewards period is that range with both
 * ends rounded down to the calculation interval, so consecutive epochs' periods tile the timeline without gaps or
 * overlaps and every period lies on the RewardsCoordinator's grid (docs/rewards.md).
 */
import { type Address, getAddress, isAddress, zeroAddress } from 'viem';
import { type EpochConfig, epochInterval } from '../../core/epochs.ts';
import { RewardInputError, RewardSubmissionError } from './errors.ts';
import { MAX_REWARDS_AMOUNT } from './split.ts';

/** `IRewardsCoordinatorTypes.StrategyAndMultiplier`: a quorum strategy and its multiplier (basis points of a share). */
export type StrategyAndMultiplier = { strategy: Address; multiplier: bigint };

/** `IRewardsCoordinatorTypes.OperatorReward`: amount in token base units. */
export type OperatorReward = { operator: Address; amount: bigint };

/** `IRewardsCoordinatorTypes.OperatorDirectedRewardsSubmission`, in viem's shapes (uint32 as number). */
export type OperatorDirectedRewardsSubmission = {
  strategiesAndMultipliers: StrategyAndMultiplier[];
  token: Address;
  operatorRewards: OperatorReward[];
  /** Unix seconds, a multiple of the calculation interval. */
  startTimestamp: number;
  /** Seconds, a positive multiple of the calculation interval. */
  duration: number;
  description: string;
};

/** The RewardsCoordinator's immutables that decide whether a submission is accepted (all seconds). */
export type RewardsCoordinatorParams = {
  /** `CALCULATION_INTERVAL_SECONDS` (mainnet 86,400). */
  calculationIntervalSeconds: number;
  /** `MAX_REWARDS_DURATION`. */
  maxRewardsDuration: number;
  /** `MAX_RETROACTIVE_LENGTH`: how long ago a period may start. */
  maxRetroactiveLength: number;
  /** `GENESIS_REWARDS_TIMESTAMP`: the earliest start. */
  genesisRewardsTimestamp: number;
};

/** The rewards period of an epoch. */
export type RewardPeriod = {
  /** Unix seconds, on the calculation grid. */
  startTimestamp: number;
  /** Seconds, on the calculation grid. */
  duration: number;
  /** The epoch's own bounds, unix seconds (end exclusive). */
  epochStart: bigint;
  epochEnd: bigint;
};

const UINT32_MAX = 2n ** 32n - 1n;
const UINT96_MAX = 2n ** 96n - 1n;

/**
 * The rewards period of `epoch`: `[floor(start / I)·I, floor(end / I)·I)` with `I` the calculation interval.
 * @throws {RewardSubmissionError} `DurationIsZero` when the epoch lies inside one interval (epochs shorter than the
 *   interval cannot be rewarded one by one), or when the period does not fit in uint32.
 */
export function rewardPeriodOfEpoch(clock: EpochConfig, epoch: number, calculationIntervalSeconds: number): RewardPeriod {
  if (!Number.isSafeInteger(calculationIntervalSeconds) || calculationIntervalSeconds <= 0) {
    throw new RewardInputError(`calculation interval must be a positive number of seconds, got ${calculationIntervalSeconds}`);
  }
  if (!Number.isSafeInteger(epoch) || epoch < 0 || BigInt(epoch) > UINT32_MAX) throw new RewardInputError(`epoch must be a uint32, got ${epoch}`);
  const interval = BigInt(calculationIntervalSeconds);
  const { start, end } = epochInterval(clock, epoch);
  const alignedStart = start - (start % interval);
  const alignedEnd = end - (end % interval);
  if (alignedEnd === alignedStart) {
    throw new RewardSubmissionError(
      'DurationIsZero',
      `epoch ${epoch} [${start}, ${end}) lies inside one ${interval} s calculation interval: its rewards period would be empty`,
    );
  }
  if (alignedEnd > UINT32_MAX) throw new RewardSubmissionError('uint32', `epoch ${epoch} ends after 2106; its period does not fit in uint32`);
  return { startTimestamp: Number(alignedStart), duration: Number(alignedEnd - alignedStart), epochStart: start, epochEnd: end };
}

/** Input of {@link buildRewardsSubmission}. */
export type BuildRewardsSubmissionInput = {
  epoch: number;
  /** The deployment's epoch clock (seconds). */
  clock: EpochConfig;
  coordinator: RewardsCoordinatorParams;
  /** The stake registry's quorum (any order; sent ascending by strategy). */
  quorum: readonly StrategyAndMultiplier[];
  /** ERC-20 the rewards are paid in. */
  token: Address;
  /** Operator amounts (token base units; any order; sent ascending by operator). */
  operatorRewards: readonly OperatorReward[];
  /** Default `avs-stack state-proofs rewards, epoch <E>`. */
  description?: string;
  /** Main-chain time the submission will be checked at (the latest block's timestamp), unix seconds. */
  now: bigint;
};

/**
 * Builds the submission for an epoch and checks it as `RewardsCoordinator.createOperatorDirectedAVSRewardsSubmission`
 * will: operators non-zero, strictly ascending, each amount > 0, total ≤ `MAX_REWARDS_AMOUNT`; strategies non-empty and
 * strictly ascending; period on the calculation grid, 0 < duration ≤ `MAX_REWARDS_DURATION`, start ≥
 * `GENESIS_REWARDS_TIMESTAMP` and at most `MAX_RETROACTIVE_LENGTH` ago, and ended (`start + duration < now`).
 * Not checked here: that the strategies are whitelisted (a chain read; the contract reverts `StrategyNotWhitelisted`).
 * @throws {RewardSubmissionError} naming the rule broken.
 * @throws {RewardInputError} for malformed addresses or values out of their Solidity types' range.
 */
export function buildRewardsSubmission(input: BuildRewardsSubmissionInput): OperatorDirectedRewardsSubmission {
  const { epoch, coordinator, now } = input;
  const token = checkAddress('token', input.token);
  if (token === zeroAddress) throw new RewardInputError('token must not be the zero address');

  const operatorRewards = [...input.operatorRewards]
    .map((r) => ({ operator: checkAddress('operator', r.operator), amount: r.amount }))
    .sort((a, b) => compareAddress(a.operator, b.operator));
  if (operatorRewards.length === 0) throw new RewardSubmissionError('InputArrayLengthZero', `no operator to reward for epoch ${epoch}`);
  let total = 0n;
  operatorRewards.forEach((r, i) => {
    if (r.operator === zeroAddress) throw new RewardSubmissionError('InvalidAddressZero', 'an operator reward names the zero address');
    if (i > 0 && compareAddress(operatorRewards[i - 1].operator, r.operator) === 0) {
      throw new RewardSubmissionError('OperatorsNotInAscendingOrder', `operator ${r.operator} is listed twice`);
    }
    if (r.amount <= 0n) throw new RewardSubmissionError('AmountIsZero', `operator ${r.operator} has amount ${r.amount}; every amount must be positive`);
    total += r.amount;
  });
  if (total > MAX_REWARDS_AMOUNT) throw new RewardSubmissionError('AmountExceedsMax', `total ${total} exceeds ${MAX_REWARDS_AMOUNT}`);

  const strategiesAndMultipliers = [...input.quorum]
    .map((s) => ({ strategy: checkAddress('strategy', s.strategy), multiplier: s.multiplier }))
    .sort((a, b) => compareAddress(a.strategy, b.strategy));
  if (strategiesAndMultipliers.length === 0) throw new RewardSubmissionError('InputArrayLengthZero', 'the quorum has no strategies');
  strategiesAndMultipliers.forEach((s, i) => {
    if (i > 0 && compareAddress(strategiesAndMultipliers[i - 1].strategy, s.strategy) === 0) {
      throw new RewardSubmissionError('StrategiesNotInAscendingOrder', `strategy ${s.strategy} is listed twice`);
    }
    if (s.multiplier < 0n || s.multiplier > UINT96_MAX) throw new RewardInputError(`multiplier of ${s.strategy} does not fit in uint96`);
  });

  const period = rewardPeriodOfEpoch(input.clock, epoch, coordinator.calculationIntervalSeconds);
  checkPeriod(epoch, period, coordinator, now);

  return {
    strategiesAndMultipliers,
    token,
    operatorRewards,
    startTimestamp: period.startTimestamp,
    duration: period.duration,
    description: input.description ?? `avs-stack state-proofs rewards, epoch ${epoch}`,
  };
}

/** The period rules of `_validateCommon` and the retroactive rule of operator-directed submissions. */
function checkPeriod(epoch: number, period: RewardPeriod, c: RewardsCoordinatorParams, now: bigint): void {
  const start = BigInt(period.startTimestamp);
  const end = start + BigInt(period.duration);
  if (period.duration > c.maxRewardsDuration) {
    throw new RewardSubmissionError('DurationExceedsMax', `epoch ${epoch}'s period lasts ${period.duration} s, more than the maximum ${c.maxRewardsDuration} s`);
  }
  if (start < BigInt(c.genesisRewardsTimestamp)) {
    throw new RewardSubmissionError(
      'StartTimestampTooFarInPast',
      `epoch ${epoch}'s period starts at ${start}, before the rewards genesis ${c.genesisRewardsTimestamp}`,
    );
  }
  if (start + BigInt(c.maxRetroactiveLength) < now) {
    throw new RewardSubmissionError(
      'StartTimestampTooFarInPast',
      `epoch ${epoch}'s period started at ${start}, more than ${c.maxRetroactiveLength} s before now (${now}): too old to reward`,
    );
  }
  if (end >= now) {
    throw new RewardSubmissionError(
      'SubmissionNotRetroactive',
      `epoch ${epoch}'s period ends at ${end}, not before now (${now}): submit after it has ended`,
    );
  }
}

function checkAddress(what: string, value: string): Address {
  if (!isAddress(value, { strict: false })) throw new RewardInputError(`${what} ${value} is not an address`);
  return getAddress(value);
}

function compareAddress(a: Address, b: Address): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
