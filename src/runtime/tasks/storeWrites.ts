/**
 * One write batch of the task store, inside the caller's transaction: answers and conflicts inserted, then the guarded
 * transitions (pending → signing, → aggregated, proof extensions, → failed), each applied only from the status it
 * expects, so a transition already made (by another replica, or an earlier life of this process) is skipped and left
 * out of the result.
 */
import { type RawBuilder, type Transaction, sql } from 'kysely';
import type { Hex } from 'viem';
import { powerOfTwoChunks } from '../../core/db/chunks.ts';
import { insertBatchedAnswers, isBatchedAnswer } from './storeBatchAnswers.ts';
import type { TaskCreationTimes } from './storeCreationTimes.ts';
import type { StoreInserts } from './storeInserts.ts';
import type { ProofHeadRow, ProofHeads } from './storeProofHeads.ts';
import type { TaskRows, TaskTableNames } from './storeSchema.ts';
import type { AnswerRecord, StoreWriteBatch, StoreWriteResult } from './types.ts';

/** Largest batched UPDATE (`UPDATE ... FROM (VALUES ...)`, one row of values per task). */
const UPDATE_CHUNK = 256;

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
export type WriteParts = { inserts: StoreInserts; heads: ProofHeads; creationTimes: TaskCreationTimes };

/**
 * Applies `batch` in `trx` (inserting through `parts.inserts`, storing proofs split by `parts.heads`); `now` stamps
 * `updated_at` and `aggregated_at`, `replicaId` the finisher in `claimed_by`.
 */
export async function writeBatch<Q, A>(
  trx: Transaction<any>,
  { inserts, heads, creationTimes }: WriteParts,
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
  const tasks = sql.table(t.tasks);
  for (const part of powerOfTwoChunks([...new Set((batch.signing ?? []).map((id) => id.toLowerCase()))], UPDATE_CHUNK)) {
    const values = part.map((id) => sql`(${id})`);
    result.signing.push(...(await updateFromValues(trx, tasks, sql`status = 'signing', updated_at = ${now}`, values, sql`${tasks}.status = 'pending'`)));
  }
  // Proof heads first, in the same transaction: a task never names a head that is not stored.
  const newHeads: ProofHeadRow[] = [];
  const splitProof = (sigData: Hex) => {
    const split = heads.split(sigData);
    if (split.head) newHeads.push(split.head);
    return { headId: split.head?.head_id ?? null, rest: split.rest };
  };
  const completions = (batch.completions ?? []).map((c) => ({ ...c, stored: splitProof(c.sigData) }));
  const extensions = (batch.extensions ?? []).map((e) => ({ ...e, stored: splitProof(e.sigData) }));
  await heads.insert(trx, newHeads);
  for (const part of powerOfTwoChunks(completions, UPDATE_CHUNK)) {
    const values = part.map(
      (c) =>
        sql`(${c.taskId.toLowerCase()}, ${rows.encodeAnswer(c.result)}, ${c.digest.toLowerCase()}, ${c.stored.headId}, ${c.stored.rest}, ${c.signerCount}, ${c.signedWeight.toString()})`,
    );
    const set = sql`status = 'aggregated', result = v.column2, digest = v.column3, sig_head = v.column4, sig_data = v.column5,
      signer_count = cast(v.column6 as integer), signed_weight = v.column7, failure_reason = null, aggregated_at = ${now},
      updated_at = ${now}, claimed_by = ${replicaId}`;
    result.completed.push(...(await updateFromValues(trx, tasks, set, values, sql`${tasks}.status in ('pending', 'signing')`)));
  }
  for (const part of powerOfTwoChunks(extensions, UPDATE_CHUNK)) {
    const values = part.map(
      (e) => sql`(${e.taskId.toLowerCase()}, ${e.digest.toLowerCase()}, ${e.stored.headId}, ${e.stored.rest}, ${e.signerCount}, ${e.signedWeight.toString()})`,
    );
    const set = sql`sig_head = v.column3, sig_data = v.column4, signer_count = cast(v.column5 as integer), signed_weight = v.column6, updated_at = ${now}`;
    const guard = sql`${tasks}.status = 'aggregated' and ${tasks}.digest = v.column2 and ${tasks}.signer_count < cast(v.column5 as integer)`;
    result.extended.push(...(await updateFromValues(trx, tasks, set, values, guard)));
  }
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

/**
 * `UPDATE <tasks> SET <set> FROM (VALUES <values>) AS v WHERE <tasks>.task_id = v.column1 AND <guard>`: one statement
 * sets a different value per task, and returns the ids it updated. Each value row starts with the task id; `set` and
 * `guard` read the rest as `v.column2`, ... (the names VALUES columns get in both SQLite and Postgres). Joining the list
 * on the primary key matters: with `task_id IN (...) AND status = ...` SQLite's planner scans the status index, every
 * unfinished task, once per statement.
 */
async function updateFromValues(
  trx: Transaction<any>,
  tasks: RawBuilder<unknown>,
  set: RawBuilder<unknown>,
  values: readonly RawBuilder<unknown>[],
  guard: RawBuilder<unknown>,
): Promise<Hex[]> {
  const { rows } = await sql<{ task_id: string }>`
    update ${tasks} set ${set} from (values ${sql.join(values)}) as v
    where ${tasks}.task_id = v.column1 and ${guard}
    returning ${tasks}.task_id`.execute(trx);
  return rows.map((r) => r.task_id as Hex);
}
