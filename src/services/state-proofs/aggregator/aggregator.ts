/**
 * The state-proof aggregator (docs/architecture.md, "State proofs", steps 2 to 4): the runtime's task engine with the
 * state-proof task type. {@link Aggregator.createTask} resolves the requested block, derives the task id from the
 * query and submits the task; the engine stores it, dispatches it to operators, counts their signed answers by stake
 * weight and aggregates the proof (`runtime/tasks/engine.ts`). Reads return the API's {@link TaskView}.
 */
import type { Address, Hex } from 'viem';
import { TaskEngine, type TaskEngineOptions, type TaskEngineStats } from '../../../runtime/tasks/engine.ts';
import type { OperatorSession as EngineSession } from '../../../runtime/tasks/sessions.ts';
import type { ProofFeedCursor } from '../../../runtime/tasks/types.ts';
import type { StateQuery } from '../attestation.ts';
import type { StateProofsDeployment } from '../deployment.ts';
import { fastTaskId } from '../digest.ts';
import type { WireSignature, WireTask } from '../protocol.ts';
import type { BlockRef, BlockResolver } from './blocks.ts';
import { ChainUnavailableError, ProofBatchItemError, ProofRequestError, TaskRequestError, UnsupportedChainError } from './errors.ts';
import type { StateProofStore } from './store.ts';
import { type StateAnswer, stateProofTaskType } from './taskType.ts';
import { type TaskView, checksumAddress, toTaskView } from './views.ts';

/**
 * A proof request, validated at the API boundary: which value of `user` under `key` on `chainId`, at a block or at a
 * time (unix seconds; resolves to the last block at or before it).
 */
export type StateProofRequest = {
  chainId: bigint;
  user: Address;
  /** uint256. */
  key: bigint;
  at: { blockNumber: bigint } | { timestamp: bigint };
};

/** Result of {@link Aggregator.createTask}. */
export type CreateTaskResult = {
  task: TaskView;
  /** False when the task already existed (same query, same id). */
  created: boolean;
};

/** An authenticated operator connection, as the hub hands it to the aggregator. */
export type OperatorSession = EngineSession<WireTask>;

/** A task's status change, delivered to subscribers after it is committed. */
export type TaskEvent = { taskId: Hex; task: TaskView };

/** Counters (metrics, tests). */
export type AggregatorStats = TaskEngineStats;

/**
 * Options of {@link Aggregator}: the engine's tuning (deadline, late window, dispatch delay, limits, verifier, clock;
 * see `TaskEngineOptions`) plus what state proofs add.
 */
export type AggregatorOptions = Omit<
  TaskEngineOptions<StateQuery, StateAnswer, WireTask, WireSignature>,
  'taskType' | 'mainChainId' | 'store' | 'onTaskFinished'
> & {
  /** The deployment: supported chains and the EIP-712 domain (main chain id, ServiceManager). */
  deployment: Pick<StateProofsDeployment, 'mainChainId' | 'chains' | 'stateProofs'>;
  store: StateProofStore;
  blocks: BlockResolver;
  /** Called once per task this process finishes (aggregated or failed), after the commit (metrics). */
  onTaskFinished?: (task: TaskView) => void;
};

/** The aggregator. Construct, {@link Aggregator.start}, and {@link Aggregator.stop} when done. */
export class Aggregator {
  /** The task engine under this aggregator (the operators' hub talks to it). */
  readonly engine: TaskEngine<StateQuery, StateAnswer, WireTask, WireSignature>;
  private readonly chainIds: number[];

  constructor(private readonly options: AggregatorOptions) {
    const d = options.deployment;
    this.chainIds = d.chains.map((c) => c.chainId);
    const onTaskFinished = options.onTaskFinished;
    this.engine = new TaskEngine({
      ...options,
      taskType: stateProofTaskType({ chainId: d.mainChainId, verifyingContract: d.stateProofs.serviceManager }),
      mainChainId: d.mainChainId,
      onTaskFinished: onTaskFinished ? (snapshot) => onTaskFinished(toTaskView(snapshot)) : undefined,
    });
  }

  /** Counters (metrics, tests). */
  get stats(): AggregatorStats {
    return this.engine.stats;
  }

  /** Reloads unfinished tasks and starts the engine; see {@link TaskEngine.start}. */
  start(): Promise<void> {
    return this.engine.start();
  }

  /** Stops the engine after its last writes; see {@link TaskEngine.stop}. */
  stop(timeoutMs?: number): Promise<void> {
    return this.engine.stop(timeoutMs);
  }

  /** Whether the engine runs. */
  get isRunning(): boolean {
    return this.engine.isRunning;
  }

  /** Number of tasks held in memory. */
  get activeTaskCount(): number {
    return this.engine.activeTaskCount;
  }

  /**
   * Creates (or finds) the task for a request. Returns once the task is stored; dispatch follows.
   * @throws {ProofRequestError} subclasses: unsupported chain (400), block or timestamp ahead of the head (400), chain
   *   unavailable (503); and the engine's `TaskRequestError`s: no operator weight at the current epoch, overload,
   *   stopped (503).
   */
  async createTask(request: StateProofRequest): Promise<CreateTaskResult> {
    const query = await this.queryOf(request);
    const { task, created } = await this.engine.submit(fastTaskId(query), query);
    return { task: toTaskView(task), created };
  }

  /**
   * Creates (or finds) the tasks of a batch of requests, taken whole or not at all: every request's chain and block are
   * resolved, and the engine checked for room for all of them, before any task is created. Results are in request
   * order; a request repeated in the batch gets the same task twice.
   * @throws {ProofBatchItemError} naming a refused request (`body.requests.<i>`), with its status (400 for bad
   *   input, 503 for an unavailable chain); the engine's `TaskRequestError`s for the whole batch (no operator weight,
   *   overload, stopped: 503).
   */
  async createTasks(requests: readonly StateProofRequest[]): Promise<CreateTaskResult[]> {
    const queries = await Promise.all(
      requests.map((request, i) =>
        this.queryOf(request).catch((error: unknown) => {
          throw error instanceof TaskRequestError ? new ProofBatchItemError(i, error) : error;
        }),
      ),
    );
    this.engine.assertRoomFor(queries.length);
    const results = await Promise.all(queries.map((query) => this.engine.submit(fastTaskId(query), query)));
    return results.map(({ task, created }) => ({ task: toTaskView(task), created }));
  }

  /**
   * The task query of a request: its chain checked and its block (or the last block at its timestamp) resolved.
   * @throws {ProofRequestError} subclasses, as {@link createTask} documents.
   */
  private async queryOf(request: StateProofRequest): Promise<StateQuery> {
    const chainId = Number(request.chainId);
    if (!Number.isSafeInteger(chainId) || !this.chainIds.includes(chainId)) throw new UnsupportedChainError(request.chainId, this.chainIds);
    let block: BlockRef;
    try {
      block =
        'blockNumber' in request.at
          ? await this.options.blocks.blockAt(chainId, request.at.blockNumber)
          : await this.options.blocks.blockAtTimestamp(chainId, request.at.timestamp);
    } catch (error) {
      if (error instanceof ProofRequestError) throw error;
      throw new ChainUnavailableError(chainId, error);
    }
    return {
      user: checksumAddress(request.user),
      chainId: BigInt(chainId),
      blockNumber: block.blockNumber,
      timestamp: block.timestamp,
      key: request.key,
    };
  }

  /** The stored task with its signers, or undefined for an unknown id. */
  async getTask(taskId: Hex): Promise<TaskView | undefined> {
    const snapshot = await this.engine.getTask(taskId);
    return snapshot ? toTaskView(snapshot) : undefined;
  }

  /**
   * A page of the proof feed: aggregated tasks in the order they were last written, strictly after `after`, with their
   * signers. Watchtowers and the dashboard follow it; a proof extended by late signatures appears again.
   * @param limit Page size (1 to 500).
   */
  async listProofs(after: ProofFeedCursor | undefined, limit: number): Promise<TaskView[]> {
    return (await this.engine.listProofs(after, limit)).map(toTaskView);
  }

  /**
   * Calls `listener` on each committed status change of `taskId` (signing, aggregated, failed) and when late signatures
   * extend its proof. Returns the unsubscribe function.
   */
  subscribe(taskId: Hex, listener: (event: TaskEvent) => void): () => void {
    return this.engine.subscribe(taskId, (event) => listener({ taskId: event.taskId, task: toTaskView(event.task) }));
  }

  /** Whether the task is held in memory by this process (subscribers of other tasks should poll the store). */
  isActive(taskId: Hex): boolean {
    return this.engine.isActive(taskId);
  }

  /** Authenticated operators currently connected. */
  connectedOperators(): OperatorSession[] {
    return this.engine.connectedOperators();
  }

  /** See {@link TaskEngine.attachOperator}. */
  attachOperator(session: OperatorSession): void {
    this.engine.attachOperator(session);
  }

  /** See {@link TaskEngine.detachOperator}. */
  detachOperator(session: OperatorSession): void {
    this.engine.detachOperator(session);
  }

  /** Takes a batch of signed answers from an authenticated operator; never throws. See {@link TaskEngine.handleAnswers}. */
  handleSignatures(session: OperatorSession, signatures: readonly WireSignature[]): void {
    this.engine.handleAnswers(session, signatures);
  }

  /** Records operators' reasons for not signing. */
  handleTaskErrors(session: OperatorSession, errors: readonly { taskId: string; reason: string }[]): void {
    this.engine.handleTaskErrors(session, errors);
  }

  /** Resolves once everything queued so far is committed (tests, benchmarks). */
  idle(): Promise<void> {
    return this.engine.idle();
  }
}
