/**
 * One epoch's rewards from the aggregator's task store and the operators' weights: the report `avs rewards split` prints and
 * `avs rewards submit` sends.
 */
import { type Address, getAddress } from 'viem';
import { type EpochRecordSource, type EpochTaskCounts, readEpochRecords } from './records.ts';
import { type RewardSplit, splitRewards } from './split.ts';

/** Reads the weight at the epoch of each operator (lowercase addresses in and out). */
export type WeightReader = (operators: readonly string[], epoch: number) => Promise<Map<string, bigint>>;

/** Where the weights came from: the registry on chain, or the aggregator's stored copy. */
export type WeightSource = 'chain' | 'aggregator';

/** An operator whose weight on chain differs from the one the aggregator stored with its signatures. */
export type WeightMismatch = { operator: Address; chain: bigint; aggregator: bigint };

/** An epoch's rewards, ready to print or submit. */
export type EpochRewardReport = {
  epoch: number;
  weightSource: WeightSource;
  tasks: EpochTaskCounts;
  /** (task, operator) pairs left out because the operator also signed a different answer. */
  equivocations: number;
  split: RewardSplit;
  /** Only with chain weights: operators whose stored weight disagrees with the registry's (the registry's is used). */
  weightMismatches: WeightMismatch[];
};

/**
 * Reads epoch `epoch`'s proofs from the aggregator's task store and splits `budget` (token base units) between their
 * signers by `weight × proofs signed`.
 * @param weights `'aggregator'` to use the weight at the epoch the aggregator stored with each signature, or a reader
 *   of the registry's `getOperatorWeightAtEpoch`.
 * @throws the store's errors, the reader's errors, and those of
 *   {@link splitRewards}.
 */
export async function computeEpochRewards(params: {
  /** The aggregator's task store, with its proofs' signer decoding. */
  source: EpochRecordSource;
  epoch: number;
  budget: bigint;
  weights: 'aggregator' | WeightReader;
  pageSize?: number;
}): Promise<EpochRewardReport> {
  const { epoch, budget } = params;
  const records = await readEpochRecords(params.source, epoch, { pageSize: params.pageSize });
  const operators = [...records.tally.signedCounts().keys()];
  let weights: Map<string, bigint>;
  const weightMismatches: WeightMismatch[] = [];
  if (params.weights === 'aggregator') {
    weights = records.storedWeights;
  } else {
    weights = operators.length === 0 ? new Map() : await params.weights(operators, epoch);
    for (const op of operators) {
      const chain = weights.get(op);
      const stored = records.storedWeights.get(op);
      if (chain !== undefined && stored !== undefined && chain !== stored) {
        weightMismatches.push({ operator: getAddress(op), chain, aggregator: stored });
      }
    }
  }
  const split = splitRewards({ budget, proofs: records.tally, weights });
  return {
    epoch,
    weightSource: params.weights === 'aggregator' ? 'aggregator' : 'chain',
    tasks: records.tasks,
    equivocations: records.equivocations,
    split,
    weightMismatches,
  };
}

