/**
 * Reading proofs back (GET of one task, the proof feed): the stored task with the signers of its proof. A proof's
 * signers come from its stored answers, two more queries per read, unless this process still knows them: from the
 * task in memory, or, for the {@link RECENT_PROOFS} proofs it finished most recently and has since dropped from
 * memory, from a small cache. A proof only gains signers, so a known list whose count matches the stored proof's is
 * that proof's; another count (another replica extended it, or an extension is still being written) reads the
 * answers.
 */
import type { Hex } from 'viem';
import type { ActiveTask } from './activeTask.ts';
import type { TaskStore } from './store.ts';
import type { AnswerRecord, ProofFeedCursor, TaskRecord, TaskSnapshot } from './types.ts';

/** How many recently finished proofs keep their signers in memory after leaving it (about 100 bytes each plus signers). */
export const RECENT_PROOFS = 16_384;

type Signers = TaskSnapshot<unknown, unknown>['signers'];

/** The proof reads of one engine. */
export class ProofReads<Q, A, WT> {
  /** Signers of proofs finished here and dropped from memory, by lowercase task id, oldest first. */
  private readonly recent = new Map<string, Signers>();

  constructor(
    private readonly store: TaskStore<Q, A>,
    /** The operators a proof's sigData names (the task type's `proofSigners`). */
    private readonly proofSigners: (sigData: Hex) => readonly string[],
    /** The engine's tasks in memory, by lowercase task id. */
    private readonly active: ReadonlyMap<string, ActiveTask<Q, A, WT>>,
  ) {}

  /** Keeps the signers of a proof this process finished as it leaves memory (the end of its late window). */
  remember(taskId: string, signers: Signers): void {
    this.recent.set(taskId, signers);
    if (this.recent.size > RECENT_PROOFS) this.recent.delete(this.recent.keys().next().value!);
  }

  /** Forgets the remembered signers (the engine stopped). */
  clear(): void {
    this.recent.clear();
  }

  /** The stored task with the signers of its proof, or undefined for an unknown id. */
  async getTask(taskId: Hex): Promise<TaskSnapshot<Q, A> | undefined> {
    const record = await this.store.getTask(taskId);
    if (!record) return undefined;
    if (record.status !== 'aggregated' || !record.digest) return { record, signers: [] };
    const known = this.active.get(record.taskId)?.signers ?? this.recent.get(record.taskId);
    if (known && known.length === record.signerCount) return { record, signers: known };
    return { record, signers: this.signersOf(record, await this.store.listAnswers(record.taskId)) };
  }

  /** A page of the proof feed, strictly after `after`, with the signers of each proof. */
  async listProofs(after: ProofFeedCursor | undefined, limit: number): Promise<TaskSnapshot<Q, A>[]> {
    const records = await this.store.listProofs({ after, limit });
    const answers = await this.store.listAnswersOf(records.map((r) => r.taskId));
    return records.map((record) => ({ record, signers: this.signersOf(record, answers.get(record.taskId.toLowerCase() as Hex) ?? []) }));
  }

  /** The proof's signers: operators in `sigData` whose stored answer has the proof's digest. */
  private signersOf(record: TaskRecord<Q, A>, answers: readonly AnswerRecord<A>[]): Signers {
    if (!record.sigData || !record.digest) return [];
    const inProof = new Set(this.proofSigners(record.sigData).map((o) => o.toLowerCase()));
    return answers.filter((a) => a.digest === record.digest && inProof.has(a.operator.toLowerCase())).map((a) => ({ operator: a.operator, weight: a.weight }));
  }
}
