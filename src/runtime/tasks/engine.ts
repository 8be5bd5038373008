/**
 * The runtime's task engine: a service submits tasks (a query its {@link TaskType} describes); the engine stores each
 * one before anything else happens, sends it to the connected operators of the task's operator set in batches, counts
 * their verified answers by stake weight, and finishes the task exactly once: aggregated when one answer's signed
 * weight reaches the threshold (> 0; signatures arriving within `lateWindowMs` afterwards extend the proof), failed
 * with a reason naming signed weight and threshold when the deadline passes first.
 *
 * - Durable through the {@link TaskStore}: writes are batched ({@link WriteBatcher}) and every transition is guarded,
 *   so after a restart, which reloads unfinished tasks with their answers and re-dispatches them as operators
 *   reconnect, each task is finished exactly once.
 * - Answers: {@link AnswerIntake} (screening, digest recomputation, signature verification).
 * - Replicas sharing a Postgres database: {@link ReplicaSync}; only the replica holding a task's lease aggregates or
 *   fails it.
 */
import type { Hex } from 'viem';
import { type Logger, silentLogger } from '../../core/logging.ts';
import type { OperatorSetSnapshot } from '../operatorSet.ts';
import { type ActiveTask, type AnswerGroup, activateTask, bestWeight, deadlineReason, evaluateGroup, isOpen, mergeAnswers, snapshotOf } from './activeTask.ts';
import { CommitApplier } from './commits.ts';
import { Dispatcher } from './dispatcher.ts';
import { AnswerIntake, type BatchAnswers } from './answerIntake.ts';
import { BatchBook } from './batches.ts';
import { batchRootOfSignature } from './batchSignature.ts';
import { MAX_ITEMS_PER_MESSAGE } from '../operators/protocol.ts';
import { AggregatorOverloadedError, AggregatorStoppedError, NoOperatorSetError, OperatorSetUnavailableError } from './errors.ts';
import { ProofReads } from './proofReads.ts';
import { ReplicaSync } from './replicaSync.ts';
import type { OperatorSession } from './sessions.ts';
import type { TaskStore } from './store.ts';
import type { TaskType, WireAnswerBase } from './taskType.ts';
import type { TaskEngineOptions, TaskEngineStats } from './engineOptions.ts';
import { type TaskEvent, TaskEvents } from './taskEvents.ts';

export type { TaskEngineOptions, TaskEngineStats };
import { type AnswerRecord, type ProofFeedCursor, type TaskRecord, type TaskSnapshot, isFinalStatus } from './types.ts';
import { WriteBatcher } from './writeBatcher.ts';

export type { TaskEvent };

/** The task engine of one service. Construct, {@link TaskEngine.start}, and {@link TaskEngine.stop} when done. */
export class TaskEngine<Q, A, WT, WA extends WireAnswerBase> {
  readonly stats: TaskEngineStats = {
    tasksCreated: 0,
    tasksAggregated: 0,
    tasksFailed: 0,
    proofsExtended: 0,
    signaturesAccepted: 0,
    signaturesDuplicate: 0,
    signaturesConflicting: 0,
    signaturesRejected: 0,
    signaturesUnknownTask: 0,
    taskErrorsReported: 0,
    writeFailures: 0,
  };

  private readonly log: Logger;
  private readonly taskType: TaskType<Q, A, WT, WA>;
  private readonly store: TaskStore<Q, A>;
  private readonly deadlineMs: number;
  private readonly lateWindowMs: number;
  private readonly maxActive: number;
  private readonly sweepMs: number;
  private readonly now: () => number;
  private readonly writes: WriteBatcher<Q, A, WT>;
  private readonly intake: AnswerIntake<Q, A, WT, WA>;
  private readonly replicas: ReplicaSync<Q, A>;

  private running = false;
  private readonly active = new Map<string, ActiveTask<Q, A, WT>>();
  private readonly reads: ProofReads<Q, A, WT>;
  private readonly batches = new BatchBook<ActiveTask<Q, A, WT>>();
  private readonly events: TaskEvents<Q, A>;
  private readonly commits: CommitApplier<Q, A, WT>;
  private readonly dispatcher: Dispatcher<Q, A, WT>;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: TaskEngineOptions<Q, A, WT, WA>) {
    this.log = options.logger ?? silentLogger();
    this.taskType = options.taskType;
    this.store = options.store;
    this.deadlineMs = options.taskDeadlineMs ?? 15 * 60_000;
    this.lateWindowMs = options.lateWindowMs ?? 2_000;
    this.maxActive = options.maxActiveTasks ?? 100_000;
    this.sweepMs = options.sweepIntervalMs ?? 250;
    this.now = options.now ?? Date.now;
    this.events = new TaskEvents(this.log);
    this.reads = new ProofReads(this.store, (sigData) => this.taskType.proofSigners(sigData), this.active);
    this.commits = new CommitApplier({
      active: this.active,
      stats: this.stats,
      log: this.log,
      events: this.events,
      isDirty: (task) => this.writes.isDirty(task),
      retire: (task) => this.retire(task),
      getTask: (taskId) => this.getTask(taskId),
      onTaskFinished: options.onTaskFinished,
    });
    const running = () => this.running;
    this.writes = new WriteBatcher({
      store: this.store,
      taskType: this.taskType as TaskType<Q, A, WT, WireAnswerBase>,
      log: this.log,
      now: this.now,
      running,
      onCommitted: (result, pending, now) => this.commits.apply(result, pending, now),
      onWriteFailure: () => this.stats.writeFailures++,
      proofPath: (root, digest) => this.batches.proofOf(root, digest),
    });
    const batching = options.batching && this.taskType.batchable ? options.batching : undefined;
    if (batching && !(Number.isInteger(batching.maxSize) && batching.maxSize >= 1 && batching.maxSize <= MAX_ITEMS_PER_MESSAGE)) {
      throw new RangeError(`batching.maxSize must be an integer from 1 to ${MAX_ITEMS_PER_MESSAGE}, got ${batching.maxSize}`);
    }
    this.dispatcher = new Dispatcher(
      this.writes,
      this.log,
      batching ? batching.maxDelayMs : (options.dispatchDelayMs ?? 2),
      running,
      // A batch is this replica's: answers given in it count only here (see Dispatcher).
      batching ? { maxSize: batching.maxSize, book: this.batches, mayBatch: (task) => this.holds(task.record) } : undefined,
    );
    this.intake = new AnswerIntake({
      taskType: this.taskType,
      writes: this.writes,
      stats: this.stats,
      log: this.log,
      now: this.now,
      verifier: options.verifier,
      signatureScheme: options.signatureScheme,
      screenOperator: options.screenOperator
        ? (entry, task) => options.screenOperator?.(entry, { taskId: task.record.taskId, referenceEpoch: task.record.referenceEpoch })
        : undefined,
      running,
      taskOf: (id) => this.active.get(id),
      evaluate: (task, key, group) => this.evaluate(task, key, group),
      batches: batching ? this.batches : undefined,
    });
    this.replicas = new ReplicaSync(
      this.store,
      {
        absorb: (record, answers) => this.absorb(record, answers),
        activeIds: () => this.active.keys(),
        dropLostLeases: (held, since) => this.dropLostLeases(held, since),
        requestFlush: () => this.writes.requestFlush(),
      },
      this.log,
      this.now,
    );
  }

  /**
   * Reloads unfinished tasks (with the answers already stored) and starts the deadline sweep. Reloaded tasks go to
   * operators as they connect; one whose stored answers already reach its threshold is aggregated at once.
   * @throws when the store or the operator set of a reloaded task's epoch cannot be read.
   */
  async start(): Promise<void> {
    if (this.running) return;
    await this.replicas.listenAndClaim();
    const unfinished = await this.store.listUnfinished();
    const snapshots = new Map<number, OperatorSetSnapshot>();
    for (const { task, answers } of unfinished) {
      let snapshot = snapshots.get(task.referenceEpoch);
      if (!snapshot) {
        snapshot = await this.options.operatorSet.getSnapshot(task.referenceEpoch);
        snapshots.set(task.referenceEpoch, snapshot);
      }
      this.merge(this.activate(task, snapshot, this.holds(task)), answers);
    }
    this.running = true;
    this.sweepTimer = setInterval(() => this.sweep(), this.sweepMs);
    this.replicas.start();
    if (unfinished.length > 0) {
      const owned = [...this.active.values()].filter((t) => t.owned).length;
      this.log.info({ tasks: unfinished.length, owned, replica: this.store.replicaId }, 'reloaded unfinished tasks');
    }
    this.writes.requestFlush();
  }

  /**
   * Stops taking requests and answers, and writes everything already decided. Does not close the store's database
   * (the caller owns it). Waits at most `timeoutMs` (default 10 s) for the last writes.
   */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.replicas.stop();
    this.dispatcher.clear();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.writes.drain().then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) this.log.error('aggregator stopped before its last writes committed; unfinished tasks reload on the next start');
    else if (this.store.shared) {
      // Hand the leases back, so another replica takes the tasks over now rather than when the leases lapse.
      await this.store.releaseClaims().catch((error) => this.log.warn({ err: (error as Error).message }, 'cannot release task claims'));
    }
    this.active.clear();
    this.reads.clear();
    this.batches.clear();
    this.events.clear();
  }

  /** Whether {@link TaskEngine.start} has run and {@link TaskEngine.stop} has not. */
  get isRunning(): boolean {
    return this.running;
  }

  /** Number of tasks held in memory (unfinished, or aggregated and still in their late window). */
  get activeTaskCount(): number {
    return this.active.size;
  }

  /**
   * Refuses, before any is created, a group of `count` new tasks that would take the tasks held past `maxActiveTasks`,
   * so a client's batch of requests is taken whole or not at all (each counts as new, held or not).
   * @throws {AggregatorStoppedError} when not running; {@link AggregatorOverloadedError} when there is no room.
   */
  assertRoomFor(count: number): void {
    if (!this.running) throw new AggregatorStoppedError();
    if (this.active.size + count > this.maxActive) throw new AggregatorOverloadedError(this.active.size);
  }

  /** The task in memory, if this process holds it. */
  snapshot(taskId: Hex): TaskSnapshot<Q, A> | undefined {
    const task = this.active.get(taskId.toLowerCase());
    return task ? this.snapshotOf(task) : undefined;
  }

  /**
   * Creates (or finds) the task `taskId` asking `query`, with the current epoch as reference epoch and that epoch's
   * threshold, or those of `options`. Returns once the task is stored; dispatch follows. The same id must always mean
   * the same query.
   * @param options.referenceEpoch The epoch whose operator set signs (default the current one), e.g. the epoch of the
   *   slot an automation verdict judges.
   * @param options.thresholdWeight The signed weight the task needs (default the snapshot's), e.g. a threshold over
   *   every operator but the ones the task type excludes, computed as the contract that checks the proof does.
   * @throws {AggregatorStoppedError} when not running; {@link OperatorSetUnavailableError} when the operator set cannot
   *   be read; {@link NoOperatorSetError} when no weight is registered; {@link AggregatorOverloadedError} beyond
   *   `maxActiveTasks` (all 503).
   */
  async submit(
    taskId: Hex,
    query: Q,
    options: { referenceEpoch?: number; thresholdWeight?: bigint } = {},
  ): Promise<{ task: TaskSnapshot<Q, A>; created: boolean }> {
    if (!this.running) throw new AggregatorStoppedError();
    const known = this.active.get(taskId);
    if (known) return { task: this.snapshotOf(known), created: false };
    let epoch: number;
    let snapshot: OperatorSetSnapshot;
    try {
      epoch = options.referenceEpoch ?? (await this.options.operatorSet.currentEpoch());
      snapshot = await this.options.operatorSet.getSnapshot(epoch);
    } catch (error) {
      throw new OperatorSetUnavailableError(this.options.mainChainId, error);
    }
    const thresholdWeight = options.thresholdWeight ?? snapshot.thresholdWeight;
    if (thresholdWeight === 0n) {
      const existing = await this.getTask(taskId);
      if (existing) return { task: existing, created: false };
      throw new NoOperatorSetError(epoch);
    }
    if (this.active.size >= this.maxActive) throw new AggregatorOverloadedError(this.active.size);
    if (!this.running) throw new AggregatorStoppedError();
    const now = this.now();
    let insertion = this.writes.insertOf(taskId);
    const first = insertion === undefined;
    insertion ??= this.writes.insert({
      taskId,
      query,
      referenceEpoch: epoch,
      thresholdWeight,
      createdAt: now,
      deadlineAt: now + this.deadlineMs,
    });
    const { task, created } = await insertion;
    if (created && first) {
      this.stats.tasksCreated++;
      // Another replica's answers may have brought the task into memory while the insert returned.
      if (!this.active.has(taskId)) this.dispatcher.add(this.activate(task, snapshot, true));
      return { task: { record: task, signers: [] }, created: true };
    }
    const live = this.active.get(taskId);
    if (live) return { task: this.snapshotOf(live), created: false };
    return { task: (await this.getTask(taskId)) ?? { record: task, signers: [] }, created: false };
  }

  /** The stored task with the signers of its proof, or undefined for an unknown id. */
  getTask(taskId: Hex): Promise<TaskSnapshot<Q, A> | undefined> {
    return this.reads.getTask(taskId);
  }

  /**
   * A page of the proof feed: aggregated tasks in the order they were last written, strictly after `after`, with their
   * signers. A proof extended by late signatures appears again.
   * @param limit Page size.
   */
  listProofs(after: ProofFeedCursor | undefined, limit: number): Promise<TaskSnapshot<Q, A>[]> {
    return this.reads.listProofs(after, limit);
  }

  /**
   * Calls `listener` on each committed status change of `taskId` (signing, aggregated, failed) and when late signatures
   * extend its proof. Returns the unsubscribe function. Listener errors are caught and logged.
   */
  subscribe(taskId: Hex, listener: (event: TaskEvent<Q, A>) => void): () => void {
    return this.events.subscribe(taskId, listener);
  }

  /** Whether the task is held in memory by this process (subscribers of other tasks should poll the store). */
  isActive(taskId: Hex): boolean {
    return this.active.has(taskId.toLowerCase());
  }

  /** Authenticated operators currently connected. */
  connectedOperators(): OperatorSession<WT>[] {
    return this.dispatcher.connected();
  }

  /**
   * Registers an authenticated connection (replacing an earlier one of the same operator) and sends it every
   * unfinished task it has not answered and may sign (it is in the task's operator set).
   */
  attachOperator(session: OperatorSession<WT>): void {
    if (session.publicKey) this.intake.learnKey(session.signingKey, session.publicKey);
    this.dispatcher.attach(session, this.active.values());
  }

  /** Forgets a connection (if it is still the operator's current one). */
  detachOperator(session: OperatorSession<WT>): void {
    this.dispatcher.detach(session);
  }

  /** Takes a batch of signed answers from an authenticated operator; see {@link AnswerIntake.handle}. Never throws. */
  handleAnswers(session: OperatorSession<WT>, answers: readonly WA[]): void {
    this.intake.handle(session, answers);
  }

  /** Takes an operator's answers to a batch (one signature over their root); see {@link AnswerIntake.handleBatch}. Never throws. */
  handleBatchAnswers(session: OperatorSession<WT>, message: BatchAnswers<WA>): void {
    try {
      this.intake.handleBatch(session, message);
    } catch (error) {
      this.log.error({ err: (error as Error).message, operator: session.operator }, 'cannot take a batch of answers');
    }
  }


  /** Records operators' reasons for not signing (kept in memory; named in a deadline failure's reason). */
  handleTaskErrors(session: OperatorSession<WT>, errors: readonly { taskId: string; reason: string }[]): void {
    for (const e of errors) {
      this.stats.taskErrorsReported++;
      const task = this.active.get(e.taskId.toLowerCase());
      if (task && task.errors.length < 8) task.errors.push(`${session.operator}: ${e.reason.slice(0, 200)}`);
    }
    if (errors.length > 0) this.log.warn({ operator: session.operator, count: errors.length, first: errors[0]?.reason }, 'operator could not sign tasks');
  }

  /** Resolves once everything queued so far is committed (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.writes.busy || this.dispatcher.pending || this.intake.busy) {
      await this.intake.settle();
      await this.writes.settle();
      await this.dispatcher.settle();
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Tasks in memory
  // ---------------------------------------------------------------------------------------------------------------

  /** Whether this process may finish `record`: the only replica on SQLite, the lease holder on Postgres. */
  private holds(record: TaskRecord<Q, A>): boolean {
    return !this.store.shared || record.claimedBy === this.store.replicaId;
  }

  private activate(record: TaskRecord<Q, A>, snapshot: OperatorSetSnapshot, owned: boolean): ActiveTask<Q, A, WT> {
    const task = activateTask(this.taskType as TaskType<Q, A, WT, WireAnswerBase>, record, snapshot, owned, this.now());
    this.active.set(record.taskId.toLowerCase(), task);
    return task;
  }

  /** Counts stored answers not yet in memory (batched ones only while their tree is held) and re-evaluates every group. */
  private merge(task: ActiveTask<Q, A, WT>, answers: readonly AnswerRecord<A>[]): void {
    mergeAnswers(task, answers, (a) => {
      const root = batchRootOfSignature(a.signature);
      return root === undefined || this.batches.proofOf(root, a.digest) !== undefined;
    });
    for (const [key, group] of task.groups) this.evaluate(task, key, group);
  }

  private evaluate(task: ActiveTask<Q, A, WT>, key: string, group: AnswerGroup<A>): void {
    if (evaluateGroup(task, key, group, this.now())) this.writes.markDirty(task);
  }

  private snapshotOf(task: ActiveTask<Q, A, WT>): TaskSnapshot<Q, A> {
    return snapshotOf(task);
  }

  /** Takes a stored task (and its stored answers) into memory: a new foreign task, new answers, a claim, or its end. */
  private async absorb(record: TaskRecord<Q, A>, answers: readonly AnswerRecord<A>[]): Promise<void> {
    const key = record.taskId.toLowerCase();
    let task = this.active.get(key);
    if (isFinalStatus(record.status)) {
      if (task && isFinalStatus(task.record.status)) return;
      // Finished by another replica: drop it here and tell this replica's subscribers.
      if (task) this.active.delete(key);
      if (this.events.has(key)) {
        const snapshot = await this.getTask(record.taskId);
        if (snapshot) this.events.emit(record.taskId, snapshot);
      }
      return;
    }
    if (!task) {
      const snapshot = await this.options.operatorSet.getSnapshot(record.referenceEpoch);
      if (this.active.has(key)) return this.absorb(record, answers);
      task = this.activate(record, snapshot, this.holds(record));
      this.merge(task, answers);
      this.dispatcher.add(task);
      return;
    }
    if (!task.owned && this.holds(record)) {
      task.owned = true;
      task.ownedSince = this.now();
    }
    if (record.status === 'signing' && task.record.status === 'pending') {
      task.record = { ...task.record, status: 'signing', updatedAt: record.updatedAt };
      if (task.status === 'pending') task.status = 'signing';
      this.events.emit(task.record.taskId, snapshotOf(task));
    }
    this.merge(task, answers);
  }

  private dropLostLeases(held: ReadonlySet<string>, since: number): void {
    for (const [id, task] of this.active) {
      if (task.owned && task.ownedSince < since && isOpen(task) && !held.has(id)) {
        task.owned = false;
        this.log.warn({ taskId: task.record.taskId }, 'lost the lease of a task to another replica');
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Deadlines and the late window
  // ---------------------------------------------------------------------------------------------------------------

  /** Drops an aggregated task from memory (its proof will not grow here), keeping its signers for reads. */
  private retire(task: ActiveTask<Q, A, WT>): void {
    const id = task.record.taskId.toLowerCase();
    this.active.delete(id);
    this.reads.remember(id, task.signers);
  }

  private sweep(): void {
    if (!this.running) return;
    const now = this.now();
    let changed = false;
    for (const task of this.active.values()) {
      if (!task.owned) continue;
      if (isOpen(task) && now >= task.record.deadlineAt) {
        task.status = 'failed';
        this.writes.fail(task, { taskId: task.record.taskId, reason: deadlineReason(task), signedWeight: bestWeight(task) });
        changed = true;
      } else if (
        task.status === 'aggregated' &&
        !task.needsCompletion &&
        !this.writes.isDirty(task) &&
        task.record.status === 'aggregated' &&
        now >= (task.aggregatedAt ?? 0) + this.lateWindowMs
      ) {
        this.retire(task);
      }
    }
    if (changed) this.writes.requestFlush();
    this.batches.sweep((id, task) => this.active.get(id) === task);
  }
}
