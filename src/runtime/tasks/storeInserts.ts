/**
 * The task store's multi-row inserts, compiled once per row count (`core/db/bulkInsert.ts`): the engine writes every
 * task, answer and batch leaf through them, so Kysely's per-value compilation stays off the hot path.
 */
import type { Kysely } from 'kysely';
import { type BulkInsert, bulkInsert } from '../../core/db/bulkInsert.ts';
import type { BatchAnswerTableNames, BatchLeafRow, BatchSignatureRow } from './storeBatchAnswers.ts';
import type { AnswerRow, TaskRow, TaskTableNames } from './storeSchema.ts';

/** The inserts of one store's tables. */
export type StoreInserts = {
  /** New tasks; a task id already stored is skipped. Returns the `task_id` of each row inserted. */
  tasks: BulkInsert<TaskRow, { task_id: string }>;
  /** Answers signed alone, one row per (task, operator); a pair already stored is skipped. */
  answers: BulkInsert<AnswerRow>;
  /** Conflicting answers, one row per (task, operator, digest); a row already stored is skipped. */
  conflicts: BulkInsert<AnswerRow>;
  /** Leaves of batched answers, one per (task, root) (keyed with the task's creation time); a leaf already stored is skipped. */
  leaves: BulkInsert<BatchLeafRow>;
  /** Batch signatures, one per (root, operator); a pair already stored is skipped. Returns the pairs inserted. */
  signatures: BulkInsert<BatchSignatureRow, { root: string; operator: string }>;
};

const TASK_COLUMNS: readonly (keyof TaskRow)[] = [
  'task_id', 'query', 'reference_epoch', 'status', 'failure_reason', 'result', 'digest', 'sig_data', 'signer_count',
  'signed_weight', 'threshold_weight', 'created_at', 'updated_at', 'deadline_at', 'aggregated_at', 'claimed_by', 'lease_until',
];
const ANSWER_COLUMNS: readonly (keyof AnswerRow)[] = [
  'task_id', 'operator', 'signing_key', 'digest', 'answer', 'reference_epoch', 'signature', 'weight', 'received_at',
];
const LEAF_COLUMNS: readonly (keyof BatchLeafRow)[] = ['task_created_at', 'task_id', 'root', 'digest', 'answer'];
const SIGNATURE_COLUMNS: readonly (keyof BatchSignatureRow)[] = ['root', 'operator', 'signing_key', 'signature', 'reference_epoch', 'weight', 'received_at'];

/** The inserts of the tables `t`, on `db`'s dialect. */
export function storeInserts(db: Kysely<any>, t: TaskTableNames & BatchAnswerTableNames): StoreInserts {
  return {
    tasks: bulkInsert(db, {
      table: t.tasks,
      columns: TASK_COLUMNS,
      finish: (insert) => insert.onConflict((oc) => oc.column('task_id').doNothing()).returning('task_id'),
    }),
    answers: bulkInsert(db, { table: t.answers, columns: ANSWER_COLUMNS, finish: (insert) => insert.onConflict((oc) => oc.doNothing()) }),
    conflicts: bulkInsert(db, { table: t.conflicts, columns: ANSWER_COLUMNS, finish: (insert) => insert.onConflict((oc) => oc.doNothing()) }),
    leaves: bulkInsert(db, { table: t.leaves, columns: LEAF_COLUMNS, finish: (insert) => insert.onConflict((oc) => oc.doNothing()) }),
    signatures: bulkInsert(db, {
      table: t.signatures,
      columns: SIGNATURE_COLUMNS,
      finish: (insert) => insert.onConflict((oc) => oc.doNothing()).returning(['root', 'operator']),
    }),
  };
}
