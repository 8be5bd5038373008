/**
 * Errors the aggregator raises for a proof request. Each carries the HTTP status the API answers with and, for a bad
 * request, the request field at fault (e.g. `body.blockNumber`), so the API can say which input was wrong. Refusals that
 * are not about state proofs (no operator weight, overload, stopped) come from the task engine.
 */

import { TaskRequestError } from '../../../runtime/tasks/errors.ts';

export { AggregatorOverloadedError, AggregatorStoppedError, NoOperatorSetError, TaskRequestError } from '../../../runtime/tasks/errors.ts';

/** Base class: a proof request the aggregator will not take (the task engine's own refusals are its siblings). */
export class ProofRequestError extends TaskRequestError {
  override name = 'ProofRequestError';
}

/** The chain is not part of the deployment. */
export class UnsupportedChainError extends ProofRequestError {
  override name = 'UnsupportedChainError';
  constructor(chainId: bigint | number, supported: readonly number[]) {
    super(`chain ${chainId} is not part of this deployment (supported: ${supported.join(', ')})`, { field: 'body.chainId' });
  }
}

/** The requested block is ahead of the chain head. */
export class BlockAheadError extends ProofRequestError {
  override name = 'BlockAheadError';
  constructor(chainId: number, blockNumber: bigint, head: bigint) {
    super(`block ${blockNumber} is ahead of the head of chain ${chainId} (${head})`, { field: 'body.blockNumber' });
  }
}

/** The requested timestamp is after the chain head's, so the last block at or before it is not known yet. */
export class TimestampAheadError extends ProofRequestError {
  override name = 'TimestampAheadError';
  constructor(chainId: number, timestamp: bigint, headTimestamp: bigint) {
    super(`timestamp ${timestamp} is ahead of the head of chain ${chainId} (block time ${headTimestamp})`, { field: 'body.timestamp' });
  }
}

/** The requested timestamp precedes the chain's first block. */
export class TimestampBeforeChainError extends ProofRequestError {
  override name = 'TimestampBeforeChainError';
  constructor(chainId: number, timestamp: bigint, genesisTimestamp: bigint) {
    super(`timestamp ${timestamp} is before the first block of chain ${chainId} (block time ${genesisTimestamp})`, {
      field: 'body.timestamp',
    });
  }
}

/** A chain RPC failed while resolving the request's block. */
export class ChainUnavailableError extends ProofRequestError {
  override name = 'ChainUnavailableError';
  constructor(chainId: number, cause: unknown) {
    super(`cannot read chain ${chainId} right now: ${String((cause as Error)?.message ?? cause).split('\n')[0]}`, { statusCode: 503 });
  }
}

/**
 * One request of a batch (`POST /v1/state-proofs/batch`) was refused, so none of the batch was taken. Carries the
 * refused request's status and names it: `body.requests.<index>` and, when known, its field.
 */
export class ProofBatchItemError extends ProofRequestError {
  override name = 'ProofBatchItemError';
  constructor(
    readonly index: number,
    readonly itemError: TaskRequestError,
  ) {
    const field = `body.requests.${index}${itemError.field ? `.${itemError.field.replace(/^body\./, '')}` : ''}`;
    super(`${field}: ${itemError.message}`, { statusCode: itemError.statusCode, field });
  }
}
