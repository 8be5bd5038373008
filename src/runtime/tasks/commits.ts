/**
 * What a committed write batch means for the engine's memory: tasks that moved to signing, proofs completed or
 * extended, tasks failed; subscribers hear each change after its commit. A guarded transition that did not apply
 * (another replica, or an earlier life of this process, made it first) is resolved by adopting the stored outcome.
 */
import type { Hex } from 'viem';
import type { Logger } from '../../core/logging.ts';
import { type ActiveTask, snapshotOf } from './activeTask.ts';
import type { TaskEngineStats } from './engine.ts';
import type { TaskEvents } from './taskEvents.ts';
import { type StoreWriteResult, type TaskSnapshot, isFinalStatus } from './types.ts';
import type { PendingTransitions } from './writeBatcher.ts';

/** The engine's state a commit changes. */
export type CommitHost<Q, A, WT> = {
  /** Tasks in memory by lowercase id. */
  active: Map<string, ActiveTask<Q, A, WT>>;
  stats: TaskEngineStats;
  log: Logger;
  events: TaskEvents<Q, A>;
  /** Whether the task's proof is queued for the next flush. */
  isDirty(task: ActiveTask<Q, A, WT>): boolean;
  /** Drops an aggregated task whose proof cannot grow any more from memory, keeping its signers for reads. */
  retire(task: ActiveTask<Q, A, WT>): void;
  /** The stored task with its signers. */
  getTask(taskId: Hex): Promise<TaskSnapshot<Q, A> | undefined>;
  onTaskFinished?: (task: TaskSnapshot<Q, A>) => void;
};

/** Applies committed batches to the engine's memory. */
export class CommitApplier<Q, A, WT> {
  constructor(private readonly host: CommitHost<Q, A, WT>) {}

  /** Applies committed transitions to memory and tells subscribers; adopts the stored outcome of transitions lost. */
  async apply(result: StoreWriteResult, pending: PendingTransitions<Q, A, WT>, now: number): Promise<void> {
    const ids = (list: readonly Hex[]) => new Set(list.map((id) => id.toLowerCase()));
    const signing = ids(result.signing);
    for (const [id, task] of pending.signing) {
      if (!signing.has(id.toLowerCase()) || task.record.status !== 'pending') continue;
      task.record = { ...task.record, status: 'signing', updatedAt: now };
      if (task.status === 'pending') task.status = 'signing';
      this.emit(task);
    }
    const completed = ids(result.completed);
    const extended = ids(result.extended);
    for (const [id, entry] of pending.proofs) {
      const { task, proof } = entry;
      const applied = entry.completion ? completed.has(id.toLowerCase()) : extended.has(id.toLowerCase());
      if (!applied) {
        // A completion lost to another replica (or an earlier life of this process): adopt the stored outcome.
        // An extension not applied was superseded by a larger one; nothing to do.
        if (entry.completion) await this.adoptStored(task);
        continue;
      }
      if (entry.completion) this.host.stats.tasksAggregated++;
      else this.host.stats.proofsExtended++;
      task.signers = entry.signers;
      task.record = {
        ...task.record,
        status: 'aggregated',
        result: entry.result,
        digest: proof.digest,
        sigData: proof.sigData,
        signerCount: proof.signerCount,
        signedWeight: proof.signedWeight,
        failureReason: null,
        aggregatedAt: entry.completion ? now : task.record.aggregatedAt,
        updatedAt: now,
      };
      this.emit(task);
      if (entry.completion) this.finished(task);
      if (task.answers.size >= task.snapshot.operators.size && !this.host.isDirty(task)) {
        // Every operator of the set has answered: the proof cannot grow any more.
        this.host.retire(task);
      }
    }
    const failed = ids(result.failed);
    for (const [id, { task, failure }] of pending.failures) {
      if (!failed.has(id.toLowerCase())) {
        await this.adoptStored(task);
        continue;
      }
      this.host.stats.tasksFailed++;
      task.record = { ...task.record, status: 'failed', failureReason: failure.reason, signedWeight: failure.signedWeight, updatedAt: now };
      this.host.log.warn({ taskId: id, reason: failure.reason }, 'task failed');
      this.emit(task);
      this.finished(task);
      this.host.active.delete(id.toLowerCase());
    }
  }

  /** Takes the stored state of a task this process lost a guarded transition on, tells subscribers, and drops it. */
  private async adoptStored(task: ActiveTask<Q, A, WT>): Promise<void> {
    this.host.active.delete(task.record.taskId.toLowerCase());
    try {
      const snapshot = await this.host.getTask(task.record.taskId);
      if (snapshot && isFinalStatus(snapshot.record.status)) this.host.events.emit(snapshot.record.taskId, snapshot);
    } catch (error) {
      this.host.log.warn({ taskId: task.record.taskId, err: (error as Error).message }, 'cannot read a task finished elsewhere');
    }
  }

  private finished(task: ActiveTask<Q, A, WT>): void {
    try {
      this.host.onTaskFinished?.(snapshotOf(task));
    } catch (error) {
      this.host.log.warn({ err: (error as Error).message }, 'onTaskFinished failed');
    }
  }

  private emit(task: ActiveTask<Q, A, WT>): void {
    this.host.events.emit(task.record.taskId, snapshotOf(task));
  }
}
