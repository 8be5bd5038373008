/**
 * The task store's record of an epoch, as the rewards split needs it: the proofs aggregated with reference epoch E and
 * who signed each, read through the store's interface (any service's task store).
 *
 * A proof's signers are the operators in its `sigData` (late signers included, since extensions rewrite `sigData`) whose
 * stored answer has the proof's digest, as the API's `signers`. An operator that also gave a conflicting answer to the
 * same task (an equivocation) is left out of that proof: equivocating is not paid.
 */
import { type Address, type Hex, getAddress } from 'viem';
import type { AnswerRecord, EpochProofCursor, EpochTaskCounts, TaskRecord } from '../tasks/types.ts';
import { type EpochProof, ProofTally } from './split.ts';

export type { EpochProofCursor, EpochTaskCounts };

/** What the records are read from: a task store (`runtime/tasks/store.ts`) and how its proofs name their signers. */
export type EpochRecordSource = {
  countEpochTasks(epoch: number): Promise<EpochTaskCounts>;
  listEpochProofs(epoch: number, page: { after?: EpochProofCursor; limit: number }): Promise<TaskRecord<unknown, unknown>[]>;
  listAnswersOf(taskIds: readonly Hex[]): Promise<Map<Hex, AnswerRecord<unknown>[]>>;
  listConflictsOf(taskIds: readonly Hex[]): Promise<Map<Hex, AnswerRecord<unknown>[]>>;
  /** The operators in a proof's `sigData` (the service's task type knows its encoding). */
  proofSigners(sigData: Hex): readonly Address[];
};

/** One aggregated proof of the epoch with its rewarded signers. */
export type EpochProofRecord = EpochProof & {
  /** EIP-712 digest of the proof's attestation. */
  digest: Hex;
  /** Signers (checksummed, ascending), with the weight the aggregator stored for each (weight at the epoch). */
  signers: Address[];
  storedWeights: bigint[];
  /** Operators in `sigData` left out because they also signed a different answer to this task. */
  equivocators: Address[];
};

/** A page of {@link listEpochProofs}. */
export type EpochProofPage = {
  proofs: EpochProofRecord[];
  /** Pass as `after` for the next page; undefined when this was the last page. */
  next: EpochProofCursor | undefined;
};

/** Everything the split needs from the database for one epoch. */
export type EpochRecords = {
  epoch: number;
  tasks: EpochTaskCounts;
  /** Who signed which of the epoch's proofs. */
  tally: ProofTally;
  /** Weight at the epoch the aggregator stored per signer (lowercase address → weight). */
  storedWeights: Map<string, bigint>;
  /** (task, operator) pairs left out for equivocation. */
  equivocations: number;
};

/** Default page size: task ids per query (the `in (...)` lists stay far below both engines' parameter limits). */
export const DEFAULT_PAGE_SIZE = 256;

/**
 * One page of the proofs aggregated with reference epoch `epoch`, in the order they were aggregated (then by task id),
 * strictly after `after`.
 * @param options.limit Page size (default {@link DEFAULT_PAGE_SIZE}).
 * @throws the store's errors.
 */
export async function listEpochProofs(source: EpochRecordSource, epoch: number, options: { after?: EpochProofCursor; limit?: number } = {}): Promise<EpochProofPage> {
  const limit = options.limit ?? DEFAULT_PAGE_SIZE;
  const tasks = await source.listEpochProofs(epoch, { after: options.after, limit });
  if (tasks.length === 0) return { proofs: [], next: undefined };
  const ids = tasks.map((t) => t.taskId);
  const [answers, conflicts] = await Promise.all([source.listAnswersOf(ids), source.listConflictsOf(ids)]);
  const proofs = tasks.map((task): EpochProofRecord => {
    const digest = (task.digest ?? '').toLowerCase() as Hex;
    const byOperator = new Map((answers.get(task.taskId.toLowerCase() as Hex) ?? []).map((a) => [a.operator.toLowerCase(), a]));
    const conflicted = new Set((conflicts.get(task.taskId.toLowerCase() as Hex) ?? []).map((c) => c.operator.toLowerCase()));
    const signers: Address[] = [];
    const storedWeights: bigint[] = [];
    const equivocators: Address[] = [];
    // sigData lists operators strictly ascending, so signers come out ascending too.
    const inProof = task.sigData ? source.proofSigners(task.sigData) : [];
    for (const operator of inProof) {
      const op = operator.toLowerCase();
      const answer = byOperator.get(op);
      if (!answer || answer.digest.toLowerCase() !== digest) continue;
      if (conflicted.has(op)) {
        equivocators.push(getAddress(op));
        continue;
      }
      signers.push(getAddress(op));
      storedWeights.push(answer.weight);
    }
    return { taskId: task.taskId, aggregatedAt: task.aggregatedAt ?? 0, digest, signers, storedWeights, equivocators };
  });
  const last = tasks[tasks.length - 1]!;
  return { proofs, next: tasks.length < limit ? undefined : { aggregatedAt: last.aggregatedAt ?? 0, taskId: last.taskId } };
}

/**
 * Reads epoch `epoch`'s whole record page by page into a {@link ProofTally} (memory grows with the number of
 * operators, not of proofs).
 * @param options.pageSize Task ids per query (default {@link DEFAULT_PAGE_SIZE}).
 * @throws the store's errors.
 */
export async function readEpochRecords(source: EpochRecordSource, epoch: number, options: { pageSize?: number } = {}): Promise<EpochRecords> {
  const tasks = await source.countEpochTasks(epoch);
  const tally = new ProofTally();
  const storedWeights = new Map<string, bigint>();
  let equivocations = 0;
  let after: EpochProofCursor | undefined;
  do {
    const page = await listEpochProofs(source, epoch, { after, limit: options.pageSize });
    for (const proof of page.proofs) {
      tally.add(proof);
      equivocations += proof.equivocators.length;
      proof.signers.forEach((s, i) => {
        const op = s.toLowerCase();
        if (!storedWeights.has(op)) storedWeights.set(op, proof.storedWeights[i]);
      });
    }
    after = page.next;
  } while (after);
  return { epoch, tasks, tally, storedWeights, equivocations };
}
