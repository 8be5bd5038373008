/**
 * Errors the multi-prover aggregator raises for a block-state request. Each carries the HTTP status the API answers
 * with and, for a bad request, the field at fault; refusals that are not about the multi-prover (no operator weight,
 * overload, stopped) come from the task engine.
 */
import { TaskRequestError } from '../../../runtime/tasks/errors.ts';

export { AggregatorOverloadedError, AggregatorStoppedError, NoOperatorSetError, TaskRequestError } from '../../../runtime/tasks/errors.ts';

/** The chain is not one whose blocks the deployment proves. */
export class UnprovenChainError extends TaskRequestError {
  override name = 'UnprovenChainError';
  constructor(chainId: bigint | number, proven: readonly number[]) {
    super(`chain ${chainId} is not proven by this deployment (proven chains: ${proven.join(', ') || 'none'})`, { field: 'body.chainId' });
  }
}

/** The committee does not exist in the deployment. */
export class UnknownCommitteeError extends TaskRequestError {
  override name = 'UnknownCommitteeError';
  constructor(committeeId: bigint, known: readonly string[]) {
    super(`committee ${committeeId} does not exist (committees: ${known.join(', ')})`, { field: 'body.committeeId' });
  }
}

/** The block is ahead of the chain's head. */
export class BlockNotYetProducedError extends TaskRequestError {
  override name = 'BlockNotYetProducedError';
  constructor(chainId: number, blockNumber: bigint, head: bigint) {
    super(`block ${blockNumber} of chain ${chainId} does not exist yet (head ${head})`, { field: 'body.blockNumber' });
  }
}

/** A chain RPC failed while checking the request. */
export class ChainUnavailableError extends TaskRequestError {
  override name = 'ChainUnavailableError';
  constructor(chainId: number, cause: unknown) {
    super(`cannot read chain ${chainId} right now: ${String((cause as Error)?.message ?? cause).split('\n')[0]}`, { statusCode: 503 });
  }
}
