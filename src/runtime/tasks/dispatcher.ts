/**
 * Sends tasks to connected operators: new tasks are collected for `delayMs` and go out as one `tasks` message per
 * operator (at most 1,000 tasks each), only to operators of the task's operator set that have not answered it. A newly
 * authenticated connection gets every open task it may sign. A task sent to anyone moves pending → signing.
 *
 * With batching, new tasks go out in batches instead: a batch closes when it holds `maxSize` tasks or `delayMs` after
 * its first task, holds tasks of one reference epoch, and goes to every connected operator of that epoch's set as one
 * `batch` message, to be answered with one signature over the root of its answers. A proof carries signatures over one
 * root, so a task is batched only when the batch alone can make its proof: the operators connected here must hold its
 * threshold weight, and the task must be one this process may finish (`mayBatch`: on a shared store, one whose lease
 * it holds). Other tasks go out on their own: their single signatures count together, wherever they were given. An
 * operator that connects while a batch it has not answered is held (it reconnected mid-batch) gets that whole batch
 * again, so it signs the same root as the others; open tasks of no held batch go to it on their own.
 */
import type { Hex } from 'viem';
import type { Logger } from '../../core/logging.ts';
import { type ActiveTask, isOpen } from './activeTask.ts';
import type { BatchBook, DispatchedBatch } from './batches.ts';
import type { OperatorSession } from './sessions.ts';
import type { WriteBatcher } from './writeBatcher.ts';

const MAX_TASKS_PER_MESSAGE = 1_000;

/** How new tasks are batched (see the module comment). */
export type DispatchBatching<Q, A, WT> = {
  maxSize: number;
  book: BatchBook<ActiveTask<Q, A, WT>>;
  /** Whether answers to `task` given in a batch can make its proof here (on a shared store: this process holds it). */
  mayBatch(task: ActiveTask<Q, A, WT>): boolean;
};

/** Connected operators and the tasks waiting to be sent to them. */
export class Dispatcher<Q, A, WT> {
  private readonly sessions = new Map<string, OperatorSession<WT>>();
  private queue: ActiveTask<Q, A, WT>[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly writes: WriteBatcher<Q, A, WT>,
    private readonly log: Logger,
    private readonly delayMs: number,
    private readonly running: () => boolean,
    private readonly batching?: DispatchBatching<Q, A, WT>,
  ) {}

  /** Whether a dispatch round is scheduled. */
  get pending(): boolean {
    return this.timer !== undefined;
  }

  /** Waits until the scheduled round has run (tests, benchmarks). */
  async settle(): Promise<void> {
    if (this.timer) await new Promise((r) => setTimeout(r, this.delayMs + 1));
  }

  /** Authenticated operators currently connected. */
  connected(): OperatorSession<WT>[] {
    return [...this.sessions.values()];
  }

  /** Registers a connection (replacing the operator's earlier one) and sends it the open `tasks` it may sign. */
  attach(session: OperatorSession<WT>, tasks: Iterable<ActiveTask<Q, A, WT>>): void {
    const op = session.operator.toLowerCase();
    this.sessions.set(op, session);
    if (!this.running()) return;
    const single: ActiveTask<Q, A, WT>[] = [];
    const batches = new Map<string, DispatchedBatch<ActiveTask<Q, A, WT>>>();
    for (const task of tasks) {
      if (!isOpen(task) || !task.snapshot.operators.has(op) || task.answers.has(op)) continue;
      const batch = task.batchId && session.sendBatch ? this.batching?.book.get(task.batchId) : undefined;
      if (batch) batches.set(batch.batchId, batch);
      else single.push(task);
    }
    // The whole batch, finished tasks included: the root it signs must be the one the other operators signed.
    for (const batch of batches.values()) {
      const tasks = [...batch.tasks.values()];
      this.sendBatch(session, batch.batchId, tasks, tasks.map((t) => t.wire));
    }
    this.sendTo(session, single);
  }

  /** Forgets a connection (if it is still the operator's current one). */
  detach(session: OperatorSession<WT>): void {
    const op = session.operator.toLowerCase();
    if (this.sessions.get(op) === session) this.sessions.delete(op);
  }

  /** Queues a task for the next round. */
  add(task: ActiveTask<Q, A, WT>): void {
    this.queue.push(task);
    if (this.batching && this.queue.length >= this.batching.maxSize) {
      // A full batch closes now (on the next turn, so the requests of this turn join it).
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.dispatch(), 0);
    } else if (!this.timer) this.timer = setTimeout(() => this.dispatch(), this.delayMs);
  }

  /** Drops the queue and the connections (the engine stopped). */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
    this.sessions.clear();
  }

  private dispatch(): void {
    this.timer = undefined;
    const tasks = this.queue.filter(isOpen);
    this.queue = [];
    if (!this.running() || tasks.length === 0) return;
    if (this.batching) {
      const batched: ActiveTask<Q, A, WT>[] = [];
      const single: ActiveTask<Q, A, WT>[] = [];
      const weights = new Map<number, bigint>();
      for (const t of tasks) (this.batching.mayBatch(t) && this.connectedWeight(t, weights) >= t.record.thresholdWeight ? batched : single).push(t);
      if (batched.length > 0) this.dispatchBatches(batched, this.batching);
      if (single.length > 0) this.dispatchSingly(single);
      return;
    }
    this.dispatchSingly(tasks);
  }

  /** The weight of the operators of `task`'s set connected here (cached per reference epoch in `cache`). */
  private connectedWeight(task: ActiveTask<Q, A, WT>, cache: Map<number, bigint>): bigint {
    const epoch = task.record.referenceEpoch;
    let weight = cache.get(epoch);
    if (weight === undefined) {
      weight = 0n;
      for (const op of this.sessions.keys()) weight += task.snapshot.operators.get(op)?.weight ?? 0n;
      cache.set(epoch, weight);
    }
    return weight;
  }

  private dispatchSingly(tasks: readonly ActiveTask<Q, A, WT>[]): void {
    for (const session of this.sessions.values()) {
      const op = session.operator.toLowerCase();
      this.sendTo(
        session,
        tasks.filter((t) => t.snapshot.operators.has(op) && !t.answers.has(op)),
      );
    }
  }

  private dispatchBatches(tasks: readonly ActiveTask<Q, A, WT>[], batching: DispatchBatching<Q, A, WT>): void {
    const byEpoch = new Map<number, ActiveTask<Q, A, WT>[]>();
    for (const t of tasks) {
      const list = byEpoch.get(t.record.referenceEpoch);
      if (list) list.push(t);
      else byEpoch.set(t.record.referenceEpoch, [t]);
    }
    for (const [epoch, list] of byEpoch) {
      for (let i = 0; i < list.length; i += batching.maxSize) {
        const chunk = list.slice(i, i + batching.maxSize);
        const batch = batching.book.open(chunk.map((t) => ({ id: t.record.taskId, task: t })), epoch);
        for (const t of chunk) t.batchId = batch.batchId;
        // Tasks of one epoch share its operator set; every member gets the same wire array (encoded once by the hub).
        const members = chunk[0].snapshot.operators;
        const wires = chunk.map((t) => t.wire);
        for (const session of this.sessions.values()) {
          if (members.has(session.operator.toLowerCase())) this.sendBatch(session, batch.batchId, chunk, wires);
        }
      }
    }
  }

  /** Sends `tasks` (whose wire forms are `wires`) to `session` as batch `batchId` (as plain tasks to a session that takes no batches). */
  private sendBatch(session: OperatorSession<WT>, batchId: Hex, tasks: readonly ActiveTask<Q, A, WT>[], wires: readonly WT[]): void {
    try {
      if (session.sendBatch) session.sendBatch(batchId, wires);
      else session.send([...wires]);
    } catch (error) {
      this.log.warn({ operator: session.operator, err: (error as Error).message }, 'cannot send a batch to operator');
      return;
    }
    for (const t of tasks) if (t.status === 'pending') this.writes.markSigning(t);
    this.writes.requestFlush();
  }

  private sendTo(session: OperatorSession<WT>, tasks: readonly ActiveTask<Q, A, WT>[]): void {
    if (tasks.length === 0) return;
    for (let i = 0; i < tasks.length; i += MAX_TASKS_PER_MESSAGE) {
      const part = tasks.slice(i, i + MAX_TASKS_PER_MESSAGE);
      try {
        session.send(part.map((t) => t.wire));
      } catch (error) {
        this.log.warn({ operator: session.operator, err: (error as Error).message }, 'cannot send tasks to operator');
        return;
      }
      for (const t of part) if (t.status === 'pending') this.writes.markSigning(t);
    }
    this.writes.requestFlush();
  }
}
