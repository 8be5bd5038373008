/**
 * Operator rewards of one epoch (docs/rewards.md): the budget split in
 * proportion to each operator's score, `score = weight at the reference epoch × number of distinct proofs signed`.
 *
 * Pure: no I/O. {@link ProofTally} counts who signed which proofs (each operator at most once per proof, each proof
 * once), {@link splitRewards} turns a tally, the weights and a budget into amounts that sum exactly to the budget
 * (largest remainder: integer division first, then the leftover units one each to the largest remainders, ties to the
 * lower operator address).
 */
import { type Address, type Hex, getAddress } from 'viem';
import { EmptyRewardSplitError, MissingWeightError, RewardInputError } from './errors.ts';

/**
 * One aggregated proof of the epoch: its task id, the operators in its `sigData` (late signers included), and when it
 * was aggregated (unix ms; the order the aggregator's database lists an epoch's proofs in, absent: 0).
 */
export type EpochProof = {
  taskId: Hex;
  signers: readonly Address[];
  aggregatedAt?: number;
};

/** One operator's part of an epoch's rewards. */
export type OperatorRewardShare = {
  /** Operator address (checksummed). */
  operator: Address;
  /** Weight at the reference epoch, in the registry's weight units. */
  weight: bigint;
  /** Distinct proofs of the epoch the operator signed. */
  proofsSigned: number;
  /** `weight × proofsSigned`. */
  score: bigint;
  /** Reward, in token base units. */
  amount: bigint;
};

/** Result of {@link splitRewards}. */
export type RewardSplit = {
  /** The budget, token base units. */
  budget: bigint;
  /** Sum of the amounts: the budget, or 0 when no operator has a positive score. */
  distributed: bigint;
  /** Distinct proofs counted. */
  proofs: number;
  /** Sum of the scores. */
  totalScore: bigint;
  /** Every operator that signed at least one proof, ascending by address (amounts may be 0). */
  shares: OperatorRewardShare[];
};

/** Largest amount the RewardsCoordinator accepts in one submission (`MAX_REWARDS_AMOUNT`, 1e38 - 1). */
export const MAX_REWARDS_AMOUNT = 10n ** 38n - 1n;

/**
 * Counts, per operator, the distinct proofs it signed. Proofs must be added in ascending (aggregatedAt, task id) order
 * (the order the aggregator database returns them in), so a repeated proof is recognised without remembering every
 * task id: the same task again merges into the current proof, and each operator counts once per proof however often
 * it is listed.
 */
export class ProofTally {
  private readonly counts = new Map<string, number>();
  private currentTask: string | undefined;
  private currentAt = 0;
  private currentSigners = new Set<string>();
  private proofCount = 0;

  /**
   * Adds a proof.
   * @throws {RewardInputError} when `proof` sorts before the previous one (by aggregatedAt, then task id), or a signer is
   *   not an address.
   */
  add(proof: EpochProof): void {
    const taskId = proof.taskId.toLowerCase();
    const at = proof.aggregatedAt ?? 0;
    if (!/^0x[0-9a-f]{64}$/.test(taskId)) throw new RewardInputError(`task id ${proof.taskId} is not 32 bytes of hex`);
    if (this.currentTask !== undefined && compareProofs(at, taskId, this.currentAt, this.currentTask) < 0) {
      throw new RewardInputError(
        `proofs must be added in ascending (aggregatedAt, task id) order: ${proof.taskId} at ${at} after ${this.currentTask} at ${this.currentAt}`,
      );
    }
    if (taskId !== this.currentTask || at !== this.currentAt) {
      this.flush();
      this.currentTask = taskId;
      this.currentAt = at;
      this.proofCount++;
    }
    for (const signer of proof.signers) {
      const op = signer.toLowerCase();
      if (!/^0x[0-9a-f]{40}$/.test(op)) throw new RewardInputError(`signer ${signer} of task ${proof.taskId} is not an address`);
      this.currentSigners.add(op);
    }
  }

  /** Distinct proofs added so far. */
  get proofs(): number {
    return this.proofCount;
  }

  /** Proofs signed per operator (lowercase address → count), ascending by address. */
  signedCounts(): Map<string, number> {
    this.flush();
    return new Map([...this.counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  private flush(): void {
    for (const op of this.currentSigners) this.counts.set(op, (this.counts.get(op) ?? 0) + 1);
    this.currentSigners = new Set();
  }
}

/** Order of proofs in a {@link ProofTally}: by aggregation time, then by lowercase task id. */
function compareProofs(atA: number, idA: string, atB: number, idB: string): number {
  if (atA !== atB) return atA - atB;
  return idA < idB ? -1 : idA > idB ? 1 : 0;
}

/** A tally of `proofs` in any order (sorted first; repeated proofs and signers count once). */
export function tallyProofs(proofs: Iterable<EpochProof>): ProofTally {
  const sorted = [...proofs].sort((a, b) => compareProofs(a.aggregatedAt ?? 0, a.taskId.toLowerCase(), b.aggregatedAt ?? 0, b.taskId.toLowerCase()));
  const tally = new ProofTally();
  for (const proof of sorted) tally.add(proof);
  return tally;
}

/** Input of {@link splitRewards}. */
export type SplitRewardsInput = {
  /** What the epoch pays out, token base units (0 ≤ budget ≤ {@link MAX_REWARDS_AMOUNT}). */
  budget: bigint;
  /** The epoch's proofs: a {@link ProofTally}, or the proofs themselves in any order. */
  proofs: ProofTally | Iterable<EpochProof>;
  /**
   * Each signer's weight at the reference epoch (registry weight units), keyed by address in any case. Every signer
   * must have an entry (0 for one not registered at the epoch), so a failed weight read cannot silently zero anyone.
   */
  weights: ReadonlyMap<string, bigint>;
};

/**
 * Splits an epoch's budget between the operators that signed its proofs:
 * `amount_i = floor(budget × score_i / Σ score)`, then the `budget − Σ amount` leftover units (fewer than the number of
 * scoring operators) go one each to the largest remainders `(budget × score_i) mod Σ score`, ties to the lower address.
 * The amounts sum exactly to the budget. With no positive score (no proofs, or only zero-weight signers) nothing is
 * distributed.
 * @throws {RewardInputError} for a negative budget, a budget above {@link MAX_REWARDS_AMOUNT} or a negative weight.
 * @throws {MissingWeightError} when a signer has no entry in `weights`.
 */
export function splitRewards(input: SplitRewardsInput): RewardSplit {
  const { budget } = input;
  if (budget < 0n) throw new RewardInputError(`budget must not be negative, got ${budget}`);
  if (budget > MAX_REWARDS_AMOUNT) throw new RewardInputError(`budget ${budget} exceeds the RewardsCoordinator's maximum ${MAX_REWARDS_AMOUNT}`);
  const tally = input.proofs instanceof ProofTally ? input.proofs : tallyProofs(input.proofs);
  const weights = new Map<string, bigint>();
  for (const [k, v] of input.weights) weights.set(k.toLowerCase(), v);

  const shares: OperatorRewardShare[] = [];
  let totalScore = 0n;
  for (const [op, proofsSigned] of tally.signedCounts()) {
    const weight = weights.get(op);
    if (weight === undefined) throw new MissingWeightError(getAddress(op));
    if (weight < 0n) throw new RewardInputError(`weight of ${getAddress(op)} must not be negative, got ${weight}`);
    const score = weight * BigInt(proofsSigned);
    totalScore += score;
    shares.push({ operator: getAddress(op), weight, proofsSigned, score, amount: 0n });
  }
  if (totalScore === 0n || budget === 0n) return { budget, distributed: 0n, proofs: tally.proofs, totalScore, shares };

  const remainders: { index: number; remainder: bigint }[] = [];
  let floorSum = 0n;
  shares.forEach((share, index) => {
    const product = budget * share.score;
    share.amount = product / totalScore;
    floorSum += share.amount;
    if (share.score > 0n) remainders.push({ index, remainder: product % totalScore });
  });
  // `shares` is ascending by address, and the sort is stable, so equal remainders keep the lower address first.
  remainders.sort((a, b) => (a.remainder > b.remainder ? -1 : a.remainder < b.remainder ? 1 : 0));
  const leftover = Number(budget - floorSum);
  for (let i = 0; i < leftover; i++) shares[remainders[i].index].amount += 1n;
  return { budget, distributed: budget, proofs: tally.proofs, totalScore, shares };
}

/** The operators with a positive amount, ascending by address: the `operatorRewards` of a submission. */
export function operatorRewardsOf(split: RewardSplit): { operator: Address; amount: bigint }[] {
  return split.shares.filter((s) => s.amount > 0n).map((s) => ({ operator: s.operator, amount: s.amount }));
}

/**
 * Like {@link operatorRewardsOf}, for a split that must pay someone.
 * @throws {EmptyRewardSplitError} when no operator gets a positive amount.
 */
export function requireOperatorRewards(split: RewardSplit, epoch: number): { operator: Address; amount: bigint }[] {
  const rewards = operatorRewardsOf(split);
  if (rewards.length === 0) throw new EmptyRewardSplitError(epoch, split);
  return rewards;
}
