/**
 * One write batch of the task store, inside the caller's transaction: answers and conflicts inserted, then the guarded
 * transitions (pending → signing, → aggregated, proof extensions, → failed), each applied only from the status it
 * expects, so a transition already made (by another replica, or an earlier life of this process) is skipped and left
 * out of the result.
 */
import { type RawBuilder, type Transaction, sql } from 'kysely';
import type { Hex } from 'viem';
import { powerOfTwoChunks } from '../../core/db/chunks.ts';
import type { TaskRows, TaskTableNames } from './storeSchema.ts';
import type { AnswerRecord, StoreWriteBatch, StoreWriteResult } from './types.ts';

/** Largest multi-row INSERT. */
const INSERT_CHUNK = 256;
/** Largest batched UPDATE (one `CASE task_id WHEN ... THEN ... END` per column, searched per row). */
const UPDATE_CHUNK = 128;

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
  for (const part of powerOfTwoChunks([...new Set((batch.signing ?? []).map((id) => id.toLowerCase()))], INSERT_CHUNK)) {
    const updated: { task_id: string }[] = await trx
      .updateTable(t.tasks)
      .set({ status: 'signing', updated_at: now })
      .where('task_id', 'in', part)
      .where('status', '=', 'pending')
      .returning('task_id')
      .execute();
    for (const r of updated) result.signing.push(r.task_id as Hex);
  }
  for (const part of powerOfTwoChunks(batch.completions ?? [], UPDATE_CHUNK)) {
    const updated: { task_id: string }[] = await trx
      .updateTable(t.tasks)
      .set({
        status: 'aggregated',
        result: caseById(part, (c) => rows.encodeAnswer(c.result)),
        digest: caseById(part, (c) => c.digest.toLowerCase()),
        sig_data: caseById(part, (c) => c.sigData),
        signer_count: caseById(part, (c) => c.signerCount, 'integer'),
        signed_weight: caseById(part, (c) => c.signedWeight.toString()),
        failure_reason: null,
        aggregated_at: now,
        updated_at: now,
        claimed_by: replicaId,
      })
      .where('task_id', 'in', part.map((c) => c.taskId.toLowerCase()))
      .where('status', 'in', ['pending', 'signing'])
      .returning('task_id')
      .execute();
    for (const r of updated) result.completed.push(r.task_id as Hex);
  }
  for (const part of powerOfTwoChunks(batch.extensions ?? [], UPDATE_CHUNK)) {
    const updated: { task_id: string }[] = await trx
      .updateTable(t.tasks)
      .set({
        sig_data: caseById(part, (e) => e.sigData),
        signer_count: caseById(part, (e) => e.signerCount, 'integer'),
        signed_weight: caseById(part, (e) => e.signedWeight.toString()),
        updated_at: now,
      })
      .where('task_id', 'in', part.map((e) => e.taskId.toLowerCase()))
      .where('status', '=', 'aggregated')
      .where('digest', '=', caseById(part, (e) => e.digest.toLowerCase()))
      .where('signer_count', '<', caseById(part, (e) => e.signerCount, 'integer'))
      .returning('task_id')
      .execute();
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

/**
 * `CASE task_id WHEN <id> THEN <value> ... END`: one UPDATE sets a different value per task (portable SQLite and
 * Postgres; integers are cast so Postgres does not type the parameters as text).
 */
function caseById<T extends { taskId: Hex }>(items: readonly T[], value: (item: T) => string | number, cast?: 'integer'): RawBuilder<any> {
  const branches = items.map((item) =>
    cast ? sql`when ${item.taskId.toLowerCase()} then cast(${value(item)} as integer)` : sql`when ${item.taskId.toLowerCase()} then ${value(item)}`,
  );
  return sql`case task_id ${sql.join(branches, sql` `)} end`;
}
