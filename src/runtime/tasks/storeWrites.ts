/**
 * One write batch of the task store, inside the caller's transaction: answers and conflicts inserted, then the guarded
 * transitions (pending → signing, → aggregated, proof extensions, → failed), each applied only from the status it
 * expects, so a transition already made (by another replica, or an earlier life of this process) is skipped and left
 * out of the result.
 */
import { type Transaction, sql } from 'kysely';
import type { Hex } from 'viem';
import { powerOfTwoChunks } from '../../core/db/chunks.ts';
import type { TaskRows, TaskTableNames } from './storeSchema.ts';
import type { AnswerRecord, StoreWriteBatch, StoreWriteResult } from './types.ts';

/** Largest multi-row INSERT. */
const INSERT_CHUNK = 256;
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

/** Applies `batch` in `trx`; `now` stamps `updated_at` and `aggregated_at`, `replicaId` the finisher in `claimed_by`. */
export async function writeBatch<Q, A>(
  trx: Transaction<any>,
  t: TaskTableNames,
  rows: TaskRows<Q, A>,
  replicaId: string,
  batch: StoreWriteBatch<A>,
  now: number,
): Promise<StoreWriteResult> {
  const result: StoreWriteResult = { answersInserted: 0, signing: [], completed: [], extended: [], failed: [] };
  result.answersInserted = await insertAnswers(trx, t.answers, rows, batch.answers ?? []);
  await insertAnswers(trx, t.conflicts, rows, batch.conflicts ?? []);
  // The guarded updates join a VALUES list on the primary key: with `task_id IN (...) AND status = ...` SQLite's planner
  // scans the status index, every unfinished task, once per statement.
  for (const part of powerOfTwoChunks([...new Set((batch.signing ?? []).map((id) => id.toLowerCase()))], INSERT_CHUNK)) {
    const { rows: updated } = await sql<{ task_id: string }>`
      update ${sql.table(t.tasks)} set status = 'signing', updated_at = ${now}
      from (values ${sql.join(part.map((id) => sql`(${id})`))}) as v
      where ${sql.table(t.tasks)}.task_id = v.column1 and ${sql.table(t.tasks)}.status = 'pending'
      returning ${sql.table(t.tasks)}.task_id`.execute(trx);
    for (const r of updated) result.signing.push(r.task_id as Hex);
  }
  for (const part of powerOfTwoChunks(batch.completions ?? [], UPDATE_CHUNK)) {
    const values = part.map(
      (c) => sql`(${c.taskId.toLowerCase()}, ${rows.encodeAnswer(c.result)}, ${c.digest.toLowerCase()}, ${c.sigData}, ${c.signerCount}, ${c.signedWeight.toString()})`,
    );
    // The values' columns are named column1, column2... in both SQLite and Postgres.
    const { rows: updated } = await sql<{ task_id: string }>`
      update ${sql.table(t.tasks)} set status = 'aggregated', result = v.column2, digest = v.column3, sig_data = v.column4,
        signer_count = cast(v.column5 as integer), signed_weight = v.column6, failure_reason = null, aggregated_at = ${now},
        updated_at = ${now}, claimed_by = ${replicaId}
      from (values ${sql.join(values)}) as v
      where ${sql.table(t.tasks)}.task_id = v.column1 and ${sql.table(t.tasks)}.status in ('pending', 'signing')
      returning ${sql.table(t.tasks)}.task_id`.execute(trx);
    for (const r of updated) result.completed.push(r.task_id as Hex);
  }
  for (const part of powerOfTwoChunks(batch.extensions ?? [], UPDATE_CHUNK)) {
    const values = part.map((e) => sql`(${e.taskId.toLowerCase()}, ${e.digest.toLowerCase()}, ${e.sigData}, ${e.signerCount}, ${e.signedWeight.toString()})`);
    const { rows: updated } = await sql<{ task_id: string }>`
      update ${sql.table(t.tasks)} set sig_data = v.column3, signer_count = cast(v.column4 as integer), signed_weight = v.column5,
        updated_at = ${now}
      from (values ${sql.join(values)}) as v
      where ${sql.table(t.tasks)}.task_id = v.column1 and ${sql.table(t.tasks)}.status = 'aggregated'
        and ${sql.table(t.tasks)}.digest = v.column2 and ${sql.table(t.tasks)}.signer_count < cast(v.column4 as integer)
      returning ${sql.table(t.tasks)}.task_id`.execute(trx);
    for (const r of updated) result.extended.push(r.task_id as Hex);
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

async function insertAnswers<Q, A>(trx: Transaction<any>, table: string, rows: TaskRows<Q, A>, answers: readonly AnswerRecord<A>[]): Promise<number> {
  let inserted = 0;
  for (const part of powerOfTwoChunks(answers.map(rows.answerRow), INSERT_CHUNK)) {
    const r = await trx
      .insertInto(table)
      .values(part)
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    inserted += Number(r.numInsertedOrUpdatedRows ?? 0n);
  }
  return inserted;
}
