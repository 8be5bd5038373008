/**
 * The multi-prover aggregator: the runtime's task engine with the block-state task type, BLS answers and the
 * operators' liveness as a condition on every answer, plus what turns an aggregated task into an on-chain fact (the
 * {@link Confirmer}). Tasks come from {@link MultiProverAggregator.requestBlockState} (the API) and from the block
 * watcher ({@link MultiProverAggregator.watchBlocks}: every `everyBlocks`-th block of each proven chain, once it is
 * `confirmations` deep, for every committee).
 */
import type { Hex, PublicClient } from 'viem';
import type { Logger } from '../../../core/logging.ts';
import type { OperatorSetSource } from '../../../runtime/operatorSet.ts';
import { blsAnswerScheme } from '../../../runtime/signatures/answerScheme.ts';
import { TaskEngine, type TaskEngineOptions } from '../../../runtime/tasks/engine.ts';
import type { ProofFeedCursor } from '../../../runtime/tasks/types.ts';
import type { MultiProverDeployment } from '../deployment.ts';
import type { WireSignature, WireTask } from '../protocol.ts';
import type { Confirmer } from './confirmer.ts';
import { BlockNotYetProducedError, ChainUnavailableError, UnknownCommitteeError, UnprovenChainError } from './errors.ts';
import type { LivenessView } from './liveness.ts';
import type { ConfirmationRecord, MultiProverStore } from './store.ts';
import { type BlockStateAnswer, type BlockStateQuery, blockStateTaskId, blockStateTaskType } from './taskType.ts';
import { type BlockStateTaskView, toBlockStateTaskView } from './views.ts';

/** A block-state request, validated at the API boundary (committee default: the deployment's first). */
export type BlockStateRequest = { chainId: bigint; blockNumber: bigint; committeeId?: bigint };

/** Options of {@link MultiProverAggregator}: the engine's tuning plus what the multi-prover adds. */
export type MultiProverAggregatorOptions = Omit<
  TaskEngineOptions<BlockStateQuery, BlockStateAnswer, WireTask, WireSignature>,
  'taskType' | 'mainChainId' | 'store' | 'signatureScheme' | 'screenOperator' | 'onTaskFinished' | 'operatorSet'
> & {
  deployment: Pick<MultiProverDeployment, 'mainChainId' | 'multiProver'>;
  store: MultiProverStore;
  operatorSet: OperatorSetSource;
  liveness: LivenessView;
  /** Public clients of the proven chains, by chain id. */
  clients: ReadonlyMap<number, PublicClient>;
  confirmer?: Confirmer;
  logger?: Logger;
  /** Called once per task this process finishes (aggregated or failed), after the commit (metrics). */
  onTaskFinished?: (task: BlockStateTaskView) => void;
};

/** Options of {@link MultiProverAggregator.watchBlocks}. */
export type BlockWatchOptions = {
  /** Prove every `everyBlocks`-th block (default 1: every block). */
  everyBlocks?: number;
  /** Depth a block must have before it is proven (default 2). */
  confirmations?: number;
  /** Head poll period, ms (default 1,000). */
  pollMs?: number;
};

/** See the module comment. Construct, {@link MultiProverAggregator.start}, {@link MultiProverAggregator.stop}. */
export class MultiProverAggregator {
  readonly engine: TaskEngine<BlockStateQuery, BlockStateAnswer, WireTask, WireSignature>;
  private readonly listeners = new Map<string, Set<(task: BlockStateTaskView) => void>>();
  private readonly watchers: NodeJS.Timeout[] = [];
  private readonly log: Logger | undefined;

  constructor(private readonly options: MultiProverAggregatorOptions) {
    const d = options.deployment;
    this.log = options.logger;
    this.engine = new TaskEngine({
      ...options,
      store: options.store.tasks,
      taskType: blockStateTaskType({ chainId: BigInt(d.mainChainId), verifyingContract: d.multiProver.serviceManager }),
      mainChainId: d.mainChainId,
      signatureScheme: blsAnswerScheme(),
      screenOperator: (entry) => options.liveness.refusal(entry),
      onTaskFinished: (snapshot) => {
        if (snapshot.record.status === 'aggregated') options.confirmer?.enqueue(snapshot.record);
        options.onTaskFinished?.(toBlockStateTaskView(snapshot, undefined));
      },
    });
  }

  /** Reloads unfinished tasks, starts the engine, and re-queues aggregated tasks whose confirmation is not final. */
  async start(): Promise<void> {
    await this.engine.start();
    const pending = [];
    let cursor: ProofFeedCursor | undefined;
    for (;;) {
      const page = await this.engine.listProofs(cursor, 500);
      for (const p of page) {
        const confirmation = await this.options.store.getConfirmation(p.record.taskId);
        if (!confirmation || confirmation.status === 'submitted') pending.push(p.record);
      }
      const last = page.at(-1);
      if (!last || page.length < 500) break;
      cursor = { updatedAt: last.record.updatedAt, taskId: last.record.taskId };
    }
    this.options.confirmer?.start(pending);
  }

  /** Stops watching blocks, confirming (after the send in progress) and the engine (after its last writes). */
  async stop(): Promise<void> {
    for (const timer of this.watchers.splice(0)) clearTimeout(timer);
    await this.options.confirmer?.stop();
    await this.engine.stop();
  }

  /** Whether the engine runs. */
  get isRunning(): boolean {
    return this.engine.isRunning;
  }

  /**
   * Creates (or finds) the task proving `request`'s block for its committee. Returns once the task is stored.
   * @throws {UnprovenChainError}, {UnknownCommitteeError}, {BlockNotYetProducedError} (400); {ChainUnavailableError}
   *   and the engine's refusals (503).
   */
  async requestBlockState(request: BlockStateRequest): Promise<{ task: BlockStateTaskView; created: boolean }> {
    const { multiProver } = this.options.deployment;
    const chainId = Number(request.chainId);
    if (!Number.isSafeInteger(chainId) || !multiProver.provenChains.includes(chainId)) throw new UnprovenChainError(request.chainId, multiProver.provenChains);
    const committee =
      request.committeeId === undefined ? multiProver.committees[0] : multiProver.committees.find((c) => BigInt(c.id) === request.committeeId);
    if (!committee) throw new UnknownCommitteeError(request.committeeId as bigint, multiProver.committees.map((c) => c.id));
    const client = this.options.clients.get(chainId);
    if (!client) throw new ChainUnavailableError(chainId, 'no RPC client for this chain');
    let head: bigint;
    try {
      head = await client.getBlockNumber({ cacheTime: 0 });
    } catch (error) {
      throw new ChainUnavailableError(chainId, error);
    }
    if (request.blockNumber > head) throw new BlockNotYetProducedError(chainId, request.blockNumber, head);
    const query: BlockStateQuery = { committeeId: BigInt(committee.id), chainId: BigInt(chainId), blockNumber: request.blockNumber, quorumNumbers: committee.quorumNumbers };
    const { task, created } = await this.engine.submit(blockStateTaskId(query), query);
    return { task: toBlockStateTaskView(task, await this.options.store.getConfirmation(task.record.taskId)), created };
  }

  /**
   * Proves new blocks of every proven chain as they come (see {@link BlockWatchOptions}), from the current head on.
   * Errors (an RPC down, the engine refusing a task) are logged and retried at the next poll.
   */
  watchBlocks(options: BlockWatchOptions = {}): void {
    const every = BigInt(Math.max(1, options.everyBlocks ?? 1));
    const depth = BigInt(options.confirmations ?? 2);
    const pollMs = options.pollMs ?? 1_000;
    for (const chainId of this.options.deployment.multiProver.provenChains) {
      const client = this.options.clients.get(chainId);
      if (!client) continue;
      let next: bigint | undefined;
      const poll = async () => {
        try {
          const target = (await client.getBlockNumber({ cacheTime: 0 })) - depth;
          next ??= target + 1n;
          for (; next <= target; next++) {
            if (next % every !== 0n) continue;
            for (const committee of this.options.deployment.multiProver.committees) {
              await this.requestBlockState({ chainId: BigInt(chainId), blockNumber: next, committeeId: BigInt(committee.id) });
            }
          }
        } catch (error) {
          this.log?.warn({ chainId, err: (error as Error).message.split('\n')[0] }, 'cannot create block-state tasks; retrying');
        }
        if (!this.engine.isRunning) return;
        const timer = setTimeout(poll, pollMs);
        timer.unref();
        this.watchers.push(timer);
      };
      void poll();
    }
  }

  /** The task with its confirmation, or undefined for an unknown id. */
  async getTask(taskId: Hex): Promise<BlockStateTaskView | undefined> {
    const snapshot = await this.engine.getTask(taskId);
    return snapshot ? toBlockStateTaskView(snapshot, await this.options.store.getConfirmation(taskId)) : undefined;
  }

  /** The latest confirmed tasks, newest first. */
  async listConfirmed(limit: number): Promise<BlockStateTaskView[]> {
    const confirmed = await this.options.store.listConfirmed(limit);
    const views = await Promise.all(confirmed.map((c) => this.getTask(c.taskId)));
    return views.filter((v): v is BlockStateTaskView => v !== undefined);
  }

  /** Calls `listener` with the task on each committed change (engine) and each confirmation change. */
  subscribe(taskId: Hex, listener: (task: BlockStateTaskView) => void): () => void {
    const id = taskId.toLowerCase();
    const set = this.listeners.get(id) ?? new Set();
    set.add(listener);
    this.listeners.set(id, set);
    const offEngine = this.engine.subscribe(taskId, (event) => {
      void this.options.store.getConfirmation(taskId).then((c) => listener(toBlockStateTaskView(event.task, c)));
    });
    return () => {
      offEngine();
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(id);
    };
  }

  /** Hands a confirmation change to the task's subscribers (the confirmer's `onChange`). */
  confirmationChanged(record: ConfirmationRecord): void {
    const set = this.listeners.get(record.taskId.toLowerCase());
    if (!set) return;
    void this.getTask(record.taskId).then((view) => {
      if (view) for (const listener of set) listener(view);
    });
  }

  /** Whether this process holds the task (unfinished, or its confirmation is still being sent). */
  isActive(taskId: Hex): boolean {
    return this.engine.isActive(taskId) || this.listeners.has(taskId.toLowerCase());
  }

  /** Resolves once everything queued so far is committed and confirmed (tests). */
  async idle(): Promise<void> {
    await this.engine.idle();
    await this.options.confirmer?.idle();
  }
}
