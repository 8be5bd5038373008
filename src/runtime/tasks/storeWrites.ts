/**
 * One write batch of the task store, inside the caller's transaction: answers and conflicts inserted, then the guarded
 * transitions (pending → signing, → aggregated, proof extensions, → failed), each applied only from the status it
 * expects, so a transition already made (by another replica, or an earlier life of this process) is skipped and left
 * out of the result.
 */
import { type Kysely, type Transaction, sql } from 'kysely';
import type { Hex } from 'viem';
import { type BulkUpdate, bulkUpdate } from '../../core/db/bulkUpdate.ts';
import { insertBatchedAnswers, isBatchedAnswer } from './storeBatchAnswers.ts';
import type { TaskCreationTimes } from './storeCreationTimes.ts';
import type { StoreInserts } from './storeInserts.ts';
import type { ProofHeadRow, ProofHeads } from './storeProofHeads.ts';
import type { TaskRows, TaskTableNames } from './storeSchema.ts';
import type { AnswerRecord, StoreWriteBatch, StoreWriteResult } from './types.ts';

/** Largest batched UPDATE (one row of values per task). */
const UPDATE_CHUNK = 256;

/** The guarded status changes of a write batch, each one statement per chunk of tasks (`core/db/bulkUpdate.ts`). */
export type StoreUpdates = {
  /** pending → signing. Arguments: now. Rows: [task id]. */
  signing: BulkUpdate;
  /** pending|signing → aggregated with the proof. Arguments: now, replica id. Rows: [task id, result, digest, head id, rest, signer count, signed weight]. */
  completions: BulkUpdate;
  /** A longer proof of an aggregated task with the same digest. Arguments: now. Rows: [task id, digest, head id, rest, signer count, signed weight]. */
  extensions: BulkUpdate;
};

/**
 * The status changes of the task table `t.tasks`. Joining the list of values on the primary key matters: with
 * `task_id IN (...) AND status = ...` SQLite's planner scans the status index, every unfinished task, once per
 * statement.
 */
export function storeUpdates(db: Kysely<any>, t: TaskTableNames): StoreUpdates {
  const tasks = sql.table(t.tasks);
  const table = t.tasks;
  return {
    signing: bulkUpdate(db, {
      table,
      key: 'task_id',
      width: 1,
      args: 1,
      maxRows: UPDATE_CHUNK,
      set: (arg) => sql`status = 'signing', updated_at = ${arg(0)}`,
      guard: () => sql`${tasks}.status = 'pending'`,
    }),
    completions: bulkUpdate(db, {
      table,
      key: 'task_id',
      width: 7,
      args: 2,
      maxRows: UPDATE_CHUNK,
      set: (arg) => sql`status = 'aggregated', result = v.column2, digest = v.column3, sig_head = v.column4, sig_data = v.column5,
        signer_count = cast(v.column6 as integer), signed_weight = v.column7, failure_reason = null, aggregated_at = ${arg(0)},
        updated_at = ${arg(0)}, claimed_by = ${arg(1)}`,
      guard: () => sql`${tasks}.status in ('pending', 'signing')`,
    }),
    extensions: bulkUpdate(db, {
      table,
      key: 'task_id',
      width: 6,
      args: 1,
      maxRows: UPDATE_CHUNK,
      set: (arg) => sql`sig_head = v.column3, sig_data = v.column4, signer_count = cast(v.column5 as integer), signed_weight = v.column6, updated_at = ${arg(0)}`,
      guard: () => sql`${tasks}.status = 'aggregated' and ${tasks}.digest = v.column2 and ${tasks}.signer_count < cast(v.column5 as integer)`,
    }),
  };
}

/** Whether `batch` has nothing to write. */
export function isEmptyBatch(batch: StoreWriteBatch<unknown>): boolean {
  return (
    !batch.answers?.length &&
    !batch.conflicts?.length &&
    !batch.signing?.length &&
    !batch.completions?.length &&
    !batch.extensions?.length &&
    !batch.failures?.length
  );
}

/** What a write batch goes through: the store's inserts, its proof heads, the creation times it knows. */
export type WriteParts = { inserts: StoreInserts; updates: StoreUpdates; heads: ProofHeads; creationTimes: TaskCreationTimes };

/**
 * Applies `batch` in `trx` (inserting through `parts.inserts`, storing proofs split by `parts.heads`, changing statuses through `parts.updates`); `now` stamps
 * `updated_at` and `aggregated_at`, `replicaId` the finisher in `claimed_by`.
 */
export async function writeBatch<Q, A>(
  trx: Transaction<any>,
  { inserts, updates, heads, creationTimes }: WriteParts,
  t: TaskTableNames,
  rows: TaskRows<Q, A>,
  replicaId: string,
  batch: StoreWriteBatch<A>,
  now: number,
): Promise<StoreWriteResult> {
  const result: StoreWriteResult = { answersInserted: 0, signing: [], completed: [], extended: [], failed: [] };
  // Answers signed in a batch go to the batch tables (storeBatchAnswers.ts), the rest one row each.
  const single: AnswerRecord<A>[] = [];
  const batched: AnswerRecord<A>[] = [];
  for (const a of batch.answers ?? []) (isBatchedAnswer(a) ? batched : single).push(a);
  result.answersInserted =
    (await inserts.answers(trx, single.map(rows.answerRow))).inserted + (await insertBatchedAnswers(trx, inserts, rows, t.tasks, batched, creationTimes));
  await inserts.conflicts(trx, (batch.conflicts ?? []).map(rows.answerRow));
  const signing = [...new Set((batch.signing ?? []).map((id) => id.toLowerCase()))].map((id) => [id]);
  // Appended one by one: a flush after a long database outage may hold more ids than a spread call takes arguments.
  for (const id of await updates.signing(trx, [now], signing)) result.signing.push(id as Hex);
  // Proof heads first, in the same transaction: a task never names a head that is not stored.
  const newHeads: ProofHeadRow[] = [];
  const splitProof = (sigData: Hex) => {
    const split = heads.split(sigData);
    if (split.head) newHeads.push(split.head);
    return { headId: split.head?.head_id ?? null, rest: split.rest };
  };
  const completions = (batch.completions ?? []).map((c) => {
    const stored = splitProof(c.sigData);
    return [c.taskId.toLowerCase(), rows.encodeAnswer(c.result), c.digest.toLowerCase(), stored.headId, stored.rest, c.signerCount, c.signedWeight.toString()];
  });
  const extensions = (batch.extensions ?? []).map((e) => {
    const stored = splitProof(e.sigData);
    return [e.taskId.toLowerCase(), e.digest.toLowerCase(), stored.headId, stored.rest, e.signerCount, e.signedWeight.toString()];
  });
  await heads.insert(trx, newHeads);
  for (const id of await updates.completions(trx, [now, replicaId], completions)) result.completed.push(id as Hex);
  for (const id of await updates.extensions(trx, [now], extensions)) result.extended.push(id as Hex);
  for (const f of batch.failures ?? []) {
    const r = await trx
      .updateTable(t.tasks)
      .set({ status: 'failed', failure_reason: f.reason, signed_weight: f.signedWeight.toString(), updated_at: now, claimed_by: replicaId })
      .where('task_id', '=', f.taskId.toLowerCase())
      .where('status', 'in', ['pending', 'signing'])
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 1) result.failed.push(f.taskId);
  }
  return result;
}
