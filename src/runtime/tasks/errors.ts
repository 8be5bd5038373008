/**
 * Errors the task engine raises for a task request. Each carries the HTTP status an API answers with and, for a bad
 * request, the request field at fault (e.g. `body.blockNumber`), so the API can say which input was wrong. Services
 * derive their own request errors from {@link TaskRequestError}.
 */

/** Base class: a task request that will not be taken. */
export class TaskRequestError extends Error {
  override name = 'TaskRequestError';
  /** HTTP status for the API (400 bad input, 503 cannot serve now). */
  readonly statusCode: number;
  /** Request field at fault, as `body.<name>`, when there is one. */
  readonly field: string | undefined;

  constructor(message: string, options: { statusCode?: number; field?: string } = {}) {
    super(message);
    this.statusCode = options.statusCode ?? 400;
    this.field = options.field;
  }
}

/** No operator weight at the reference epoch, so no proof could reach a threshold above zero. */
export class NoOperatorSetError extends TaskRequestError {
  override name = 'NoOperatorSetError';
  constructor(epoch: number) {
    super(`no operators with weight are registered at epoch ${epoch} (threshold weight 0); try again once registrations take effect`, {
      statusCode: 503,
    });
  }
}

/** The operator set (the main chain) cannot be read right now. */
export class OperatorSetUnavailableError extends TaskRequestError {
  override name = 'OperatorSetUnavailableError';
  constructor(chainId: number, cause: unknown) {
    super(`cannot read chain ${chainId} right now: ${String((cause as Error)?.message ?? cause).split('\n')[0]}`, { statusCode: 503 });
  }
}

/** Too many tasks in flight; the client should retry later. */
export class AggregatorOverloadedError extends TaskRequestError {
  override name = 'AggregatorOverloadedError';
  constructor(active: number) {
    super(`the aggregator has ${active} tasks in flight; retry shortly`, { statusCode: 503 });
  }
}

/** The aggregator is stopping or not started. */
export class AggregatorStoppedError extends TaskRequestError {
  override name = 'AggregatorStoppedError';
  constructor() {
    super('the aggregator is not running', { statusCode: 503 });
  }
}
