/**
 * Errors of the rewards modules. Each message says what is wrong and, where there is one, what to do.
 */
import type { Address } from 'viem';

/** An input to the split or the submission builder is malformed (negative budget, unsorted proofs, bad address). */
export class RewardInputError extends Error {
  override name = 'RewardInputError';
}

/** A signer of the epoch's proofs has no weight in the weights given to the split. */
export class MissingWeightError extends Error {
  override name = 'MissingWeightError';
  constructor(readonly operator: Address) {
    super(`no weight given for operator ${operator}, which signed proofs of the epoch`);
  }
}

/** No operator gets a positive amount, so there is nothing to submit. */
export class EmptyRewardSplitError extends Error {
  override name = 'EmptyRewardSplitError';
  constructor(
    readonly epoch: number,
    details: { proofs: number; budget: bigint },
  ) {
    super(
      details.proofs === 0
        ? `epoch ${epoch} has no aggregated proofs: nobody to reward`
        : details.budget === 0n
          ? `the budget is 0: nothing to submit for epoch ${epoch}`
          : `no signer of epoch ${epoch}'s ${details.proofs} proofs has weight at the epoch: nobody to reward`,
    );
  }
}

/**
 * A rewards submission would break one of the RewardsCoordinator's rules (period on the calculation grid, retroactive,
 * not too old, strategies ascending, operators ascending, amounts positive); `rule` names the contract's error.
 */
export class RewardSubmissionError extends Error {
  override name = 'RewardSubmissionError';
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(`${message} (RewardsCoordinator: ${rule})`);
  }
}

/** The epoch cannot be rewarded yet: it has not ended, or some of its tasks are still being signed. */
export class EpochNotSettledError extends Error {
  override name = 'EpochNotSettledError';
}
