/**
 * The engine's writes, batched: new tasks are inserted in group commits (one transaction per round, however many
 * requests arrived meanwhile), and everything else decided in memory (answers, conflicts, pending → signing,
 * completions, proof extensions, failures) goes out in one {@link StoreWriteBatch} per flush. A failed write is retried
 * with backoff; nothing decided is dropped. Never a database round trip per answer.
 */
import type { Hex } from 'viem';
import type { Logger } from '../../core/logging.ts';
import type { ActiveTask } from './activeTask.ts';
import { signatureOfAnswer } from './batchSignature.ts';
import type { TaskStore } from './store.ts';
import type { TaskType, WireAnswerBase } from './taskType.ts';
import type { AnswerRecord, InsertedTask, NewTask, ProofExtension, ProofSigner, StoreWriteBatch, StoreWriteResult, TaskFailure } from './types.ts';

/** A proof written by one flush: the task, what was written, and whether it completed the task or extended it. */
export type PendingProof<Q, A, WT> = {
  task: ActiveTask<Q, A, WT>;
  proof: ProofExtension;
  completion: boolean;
  signers: ProofSigner[];
  result: A;
};

/** Transitions of one write batch, by task id, to apply to memory once committed. */
export type PendingTransitions<Q, A, WT> = {
  signing: Map<Hex, ActiveTask<Q, A, WT>>;
  proofs: Map<Hex, PendingProof<Q, A, WT>>;
  failures: Map<Hex, { task: ActiveTask<Q, A, WT>; failure: TaskFailure }>;
};

/** Options of {@link WriteBatcher}. */
export type WriteBatcherOptions<Q, A, WT> = {
  store: TaskStore<Q, A>;
  taskType: TaskType<Q, A, WT, WireAnswerBase>;
  log: Logger;
  now: () => number;
  /** False once the engine stops: a failing write then gives up after its longest backoff. */
  running: () => boolean;
  /** Applies a committed batch to memory. `now` is the time stamped in the database. */
  onCommitted(result: StoreWriteResult, pending: PendingTransitions<Q, A, WT>, now: number): Promise<void>;
  /** Called on each failed write attempt (metrics). */
  onWriteFailure(): void;
  /** The Merkle path of `digest` in the batch tree of `root` (proofs of batched answers), if that tree is held. */
  proofPath?(root: Hex, digest: Hex): readonly Hex[] | undefined;
};

/** Largest group commit of new tasks. */
const INSERT_BATCH = 2_000;

/** Batches the engine's writes; see the module comment. */
export class WriteBatcher<Q, A, WT> {
  private insertQueue: { task: NewTask<Q>; resolve: (r: InsertedTask<Q, A>) => void; reject: (e: unknown) => void }[] = [];
  private readonly inserting = new Map<string, Promise<InsertedTask<Q, A>>>();
  private insertLoop: Promise<void> | undefined;

  private answers: AnswerRecord<A>[] = [];
  private conflicts: AnswerRecord<A>[] = [];
  private signing = new Set<ActiveTask<Q, A, WT>>();
  private failures = new Map<ActiveTask<Q, A, WT>, TaskFailure>();
  private dirty = new Set<ActiveTask<Q, A, WT>>();
  private flushLoop: Promise<void> | undefined;
  private flushRequested = false;

  constructor(private readonly options: WriteBatcherOptions<Q, A, WT>) {}

  /** Whether anything is queued or being written. */
  get busy(): boolean {
    return this.insertLoop !== undefined || this.flushLoop !== undefined || this.flushRequested;
  }

  /** The insert of `taskId` in flight, if one is. */
  insertOf(taskId: Hex): Promise<InsertedTask<Q, A>> | undefined {
    return this.inserting.get(taskId);
  }

  /** Queues a new task for the next group commit; resolves once it is stored (or found stored). */
  insert(task: NewTask<Q>): Promise<InsertedTask<Q, A>> {
    const promise = new Promise<InsertedTask<Q, A>>((resolve, reject) => this.insertQueue.push({ task, resolve, reject }));
    this.inserting.set(task.taskId, promise);
    const clear = () => {
      if (this.inserting.get(task.taskId) === promise) this.inserting.delete(task.taskId);
    };
    promise.then(clear, clear);
    if (!this.insertLoop) {
      this.insertLoop = (async () => {
        await new Promise((r) => setImmediate(r));
        while (this.insertQueue.length > 0) {
          const batch = this.insertQueue.splice(0, INSERT_BATCH);
          try {
            const results = await this.options.store.insertTasks(batch.map((b) => b.task));
            batch.forEach((b, i) => b.resolve(results[i]));
          } catch (error) {
            this.options.log.error({ err: (error as Error).message }, 'cannot store tasks');
            for (const b of batch) b.reject(error);
          }
        }
      })().finally(() => {
        this.insertLoop = undefined;
      });
    }
    return promise;
  }

  /** Queues an accepted answer. */
  addAnswer(answer: AnswerRecord<A>): void {
    this.answers.push(answer);
  }

  /** Queues a second, different answer of an operator (kept as evidence). */
  addConflict(answer: AnswerRecord<A>): void {
    this.conflicts.push(answer);
  }

  /** Queues pending → signing (written only if the stored task is still pending). */
  markSigning(task: ActiveTask<Q, A, WT>): void {
    this.signing.add(task);
  }

  /** Queues the task's proof (completion or extension) for the next flush. */
  markDirty(task: ActiveTask<Q, A, WT>): void {
    this.dirty.add(task);
  }

  /** Whether the task's proof is queued and not yet taken by a flush. */
  isDirty(task: ActiveTask<Q, A, WT>): boolean {
    return this.dirty.has(task);
  }

  /** Queues pending|signing → failed. */
  fail(task: ActiveTask<Q, A, WT>, failure: TaskFailure): void {
    this.failures.set(task, failure);
  }

  /** Waits for the inserts and flushes in flight, flushing until nothing is left. */
  async drain(): Promise<void> {
    while (this.insertLoop || this.flushLoop || this.flushRequested) {
      await this.insertLoop;
      this.requestFlush();
      await this.flushLoop;
    }
  }

  /** Resolves once the writes queued so far have been attempted (tests, benchmarks). */
  async settle(): Promise<void> {
    await this.insertLoop;
    await this.flushLoop;
    if (this.flushRequested && !this.flushLoop) await new Promise((r) => setImmediate(r));
  }

  /** Schedules a flush (coalesced: one loop writes whatever is queued when it runs). */
  requestFlush(): void {
    this.flushRequested = true;
    if (this.flushLoop) return;
    this.flushLoop = (async () => {
      await new Promise((r) => setImmediate(r));
      let backoff = 100;
      while (this.flushRequested) {
        this.flushRequested = false;
        const { batch, pending } = this.takeBatch();
        if (!batch) continue;
        for (;;) {
          try {
            // One clock reading for the commit and for memory, so every route reports the times stored.
            const now = this.options.now();
            const result = await this.options.store.write(batch, now);
            await this.options.onCommitted(result, pending, now);
            backoff = 100;
            break;
          } catch (error) {
            this.options.onWriteFailure();
            this.options.log.error({ err: (error as Error).message, retryInMs: backoff }, 'database write failed; retrying');
            await new Promise((r) => setTimeout(r, backoff));
            backoff = Math.min(backoff * 2, 5_000);
            if (!this.options.running() && backoff >= 5_000) return;
          }
        }
      }
    })().finally(() => {
      this.flushLoop = undefined;
      if (this.flushRequested && this.options.running()) this.requestFlush();
    });
  }

  /** Moves everything queued into one write batch, remembering which task each transition belongs to. */
  private takeBatch(): { batch?: StoreWriteBatch<A>; pending: PendingTransitions<Q, A, WT> } {
    const pending: PendingTransitions<Q, A, WT> = { signing: new Map(), proofs: new Map(), failures: new Map() };
    const batch: Required<StoreWriteBatch<A>> = {
      answers: this.answers,
      conflicts: this.conflicts,
      signing: [],
      completions: [],
      extensions: [],
      failures: [],
    };
    this.answers = [];
    this.conflicts = [];
    for (const task of this.signing) {
      if (task.record.status !== 'pending') continue;
      // A task this batch completes goes from pending to aggregated in one write (the completion accepts either).
      if (task.needsCompletion && task.status === 'aggregated' && this.dirty.has(task)) continue;
      batch.signing.push(task.record.taskId);
      pending.signing.set(task.record.taskId, task);
    }
    this.signing.clear();
    for (const task of this.dirty) {
      const group = task.proofGroup ? task.groups.get(task.proofGroup) : undefined;
      if (!group || task.status !== 'aggregated') continue;
      const digest = group.digest;
      let signedBatch: { root: Hex; proof: readonly Hex[] } | undefined;
      if (group.root) {
        const proof = this.options.proofPath?.(group.root, digest);
        if (!proof) {
          // Cannot happen while the batch is held (answers of an unknown tree are never counted); never write a bad proof.
          this.options.log.error({ taskId: task.record.taskId, root: group.root }, 'no batch tree for an aggregated task; proof not written');
          continue;
        }
        signedBatch = { root: group.root, proof };
      }
      const signers = [...group.signers.values()].map((s) => (signedBatch ? { ...s, signature: signatureOfAnswer(s.signature) } : s));
      const proof: ProofExtension = {
        taskId: task.record.taskId,
        digest,
        sigData: this.options.taskType.encodeProof(signers, task.record.referenceEpoch, {
          query: task.record.query,
          digest,
          snapshot: task.snapshot,
          ...(signedBatch ? { batch: signedBatch } : {}),
        }),
        signerCount: signers.length,
        signedWeight: signers.reduce((sum, x) => sum + x.weight, 0n),
      };
      task.writtenSigners = signers.length;
      const completion = task.needsCompletion;
      task.needsCompletion = false;
      if (completion) batch.completions.push({ ...proof, result: group.answer });
      else batch.extensions.push(proof);
      pending.proofs.set(task.record.taskId, {
        task,
        proof,
        completion,
        signers: signers.map((x) => ({ operator: x.operator, weight: x.weight })),
        result: group.answer,
      });
    }
    this.dirty.clear();
    for (const [task, failure] of this.failures) {
      batch.failures.push(failure);
      pending.failures.set(task.record.taskId, { task, failure });
    }
    this.failures.clear();
    const size =
      batch.answers.length + batch.conflicts.length + batch.signing.length + batch.completions.length + batch.extensions.length + batch.failures.length;
    return { batch: size === 0 ? undefined : batch, pending };
  }
}
