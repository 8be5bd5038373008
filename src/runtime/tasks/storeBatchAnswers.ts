/**
 * Answers signed in a batch, stored once per batch instead of once per task and operator.
 *
 * An operator that answers a batch signs one root over the digests of all its answers. Honest operators that read the
 * same values make the same digests, hence the same root, so the batch is stored as:
 * - `<prefix>batch_leaves`: one row per task and root (the answer and its digest under that root), primary key
 *   (task_created_at, task_id, root): led by the task's creation time, so the leaves of a batch's tasks, created
 *   together, are written together at the index's end (led by the task id, a hash, each leaf went to a random page of
 *   an index of every leaf ever stored: about 25 µs of SQLite's CPU per task with 100,000 stored). Leaves are read
 *   through their task's row, which gives the time;
 * - `<prefix>batch_signatures`: one row per root and operator (the signature over the root, the signing key, the weight,
 *   when it arrived), primary key (root, operator).
 * With n operators that is one row per task instead of n, each one a random-key insert into a large index: the biggest
 * cost of a write batch.
 *
 * Read back, operator X's answer to task T under root R exists when both rows do, and is the same {@link AnswerRecord}
 * that was written (its signature the batched form, signature then root, `batchSignature.ts`). A (root, operator) row
 * says X signed every leaf of R; if the engine took some of those answers only as duplicates, the reader keeps one
 * answer per (task, operator), the first received, as the single-answer table's primary key does.
 */
import { type Kysely, type Migration, type Transaction, sql } from 'kysely';
import type { Address, Hex } from 'viem';
import { powerOfTwoChunks } from '../../core/db/chunks.ts';
import { batchRootOfSignature, encodeBatchedAnswerSignature, signatureOfAnswer } from './batchSignature.ts';
import type { TaskCreationTimes } from './storeCreationTimes.ts';
import type { StoreInserts } from './storeInserts.ts';
import { STATUS_OPEN, type TaskRows, taskTableNames } from './storeSchema.ts';
import type { AnswerRecord } from './types.ts';

/** Table names of the batched answers under a prefix. */
export type BatchAnswerTableNames = { leaves: string; signatures: string };

/** Row of `<prefix>batch_leaves`: one answer under one root. */
export interface BatchLeafRow {
  /** The task's `created_at` (unix ms): leads the key (see the module comment). */
  task_created_at: number;
  task_id: string;
  root: string;
  digest: string;
  /** The answer ({@link TaskCodec.encodeAnswer}). */
  answer: string;
}

/** Row of `<prefix>batch_signatures`: one operator's signature over one root. */
export interface BatchSignatureRow {
  root: string;
  operator: string;
  signing_key: string;
  /** 65 bytes r‖s‖v over the batch message of `root`. */
  signature: string;
  reference_epoch: number;
  weight: string;
  received_at: number;
}

/** The batched-answer table names for a (validated) task table prefix. */
export function batchAnswerTableNames(prefix: string): BatchAnswerTableNames {
  return { leaves: `${prefix}batch_leaves`, signatures: `${prefix}batch_signatures` };
}

/**
 * The migration that creates the batched-answer tables under `prefix`, to follow `createTaskTablesMigration(prefix)` in
 * a service's migration set. It also drops `<prefix>answers_epoch`, an index no query used that cost one more random
 * insert per answer.
 */
export function createBatchAnswerTablesMigration(prefix: string): Migration {
  const b = batchAnswerTableNames(prefix);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable(b.leaves)
        .addColumn('task_id', 'text', (c) => c.notNull())
        .addColumn('root', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('answer', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint(`${b.leaves}_pk`, ['task_id', 'root'])
        .execute();
      await db.schema
        .createTable(b.signatures)
        .addColumn('root', 'text', (c) => c.notNull())
        .addColumn('operator', 'text', (c) => c.notNull())
        .addColumn('signing_key', 'text', (c) => c.notNull())
        .addColumn('signature', 'text', (c) => c.notNull())
        .addColumn('reference_epoch', 'integer', (c) => c.notNull())
        .addColumn('weight', 'text', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint(`${b.signatures}_pk`, ['root', 'operator'])
        .execute();
      await db.schema.dropIndex(`${prefix}answers_epoch`).ifExists().execute();
    },
  };
}

/**
 * The migration that re-keys `<prefix>batch_leaves` by (task_created_at, task_id, root) (see the module comment),
 * copying the leaves stored so far; to follow {@link createBatchAnswerTablesMigration} in a service's migration set.
 * A leaf whose task is not stored (none are written) is dropped: it could not be read.
 */
export function batchLeavesByTaskTimeMigration(prefix: string): Migration {
  const b = batchAnswerTableNames(prefix);
  const { tasks } = taskTableNames(prefix);
  const old = `${b.leaves}_by_task`;
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable(b.leaves).renameTo(old).execute();
      await db.schema
        .createTable(b.leaves)
        .addColumn('task_created_at', 'bigint', (c) => c.notNull())
        .addColumn('task_id', 'text', (c) => c.notNull())
        .addColumn('root', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('answer', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint(`${b.leaves}_time_pk`, ['task_created_at', 'task_id', 'root'])
        .execute();
      await sql`
        insert into ${sql.table(b.leaves)} (task_created_at, task_id, root, digest, answer)
        select t.created_at, l.task_id, l.root, l.digest, l.answer
        from ${sql.table(old)} l join ${sql.table(tasks)} t on t.task_id = l.task_id`.execute(db);
      await db.schema.dropTable(old).execute();
    },
  };
}

/** Whether `answer` was signed in a batch (its stored signature names a root). */
export function isBatchedAnswer(answer: AnswerRecord<unknown>): boolean {
  return batchRootOfSignature(answer.signature) !== undefined;
}

/** Largest multi-row INSERT and `in (...)` list. */
const CHUNK = 256;

/**
 * Inserts batched answers in `trx`: their leaves, and each (root, operator) signature once. Rows already stored are
 * kept as they are; an answer to a task not stored in `tasksTable` is left out (answers are taken only for stored
 * tasks). A task's creation time, which keys its leaves, comes from `known` when the store remembers it, else from
 * `tasksTable`. Returns how many of `answers` belong to a (root, operator) signature this call inserted.
 */
export async function insertBatchedAnswers<A>(
  trx: Transaction<any>,
  inserts: Pick<StoreInserts, 'leaves' | 'signatures'>,
  rows: TaskRows<unknown, A>,
  tasksTable: string,
  answers: readonly AnswerRecord<A>[],
  known: TaskCreationTimes,
): Promise<number> {
  if (answers.length === 0) return 0;
  const createdAt = await createdAtOf(trx, tasksTable, answers, known);
  const leaves = new Map<string, BatchLeafRow>();
  const signatures = new Map<string, { row: BatchSignatureRow; answers: number }>();
  for (const a of answers) {
    const root = batchRootOfSignature(a.signature)!.toLowerCase();
    const taskId = a.taskId.toLowerCase();
    const taskCreatedAt = createdAt.get(taskId);
    if (taskCreatedAt === undefined) continue;
    const leafKey = `${taskId}:${root}`;
    if (!leaves.has(leafKey)) {
      leaves.set(leafKey, { task_created_at: taskCreatedAt, task_id: taskId, root, digest: a.digest.toLowerCase(), answer: rows.encodeAnswer(a.answer) });
    }
    const operator = a.operator.toLowerCase();
    const signatureKey = `${root}:${operator}`;
    const entry = signatures.get(signatureKey);
    if (entry) entry.answers++;
    else {
      signatures.set(signatureKey, {
        answers: 1,
        row: {
          root,
          operator,
          signing_key: a.signingKey.toLowerCase(),
          signature: signatureOfAnswer(a.signature).toLowerCase(),
          reference_epoch: a.referenceEpoch,
          weight: a.weight.toString(),
          received_at: a.receivedAt,
        },
      });
    }
  }
  await inserts.leaves(trx, [...leaves.values()]);
  let inserted = 0;
  for (const r of (await inserts.signatures(trx, [...signatures.values()].map((s) => s.row))).returned) {
    inserted += signatures.get(`${r.root}:${r.operator}`)?.answers ?? 0;
  }
  return inserted;
}

/** `created_at` of the stored tasks of `answers`, by lowercase task id: from `known`, else selected. */
async function createdAtOf(
  trx: Transaction<any>,
  tasksTable: string,
  answers: readonly AnswerRecord<unknown>[],
  known: TaskCreationTimes,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const unknown = new Set<string>();
  for (const a of answers) {
    const id = a.taskId.toLowerCase();
    if (out.has(id)) continue;
    const time = known.get(id);
    if (time === undefined) unknown.add(id);
    else out.set(id, time);
  }
  for (const part of powerOfTwoChunks([...unknown], CHUNK)) {
    const found = (await trx.selectFrom(tasksTable).select(['task_id', 'created_at']).where('task_id', 'in', part).execute()) as { task_id: string; created_at: number | string }[];
    for (const r of found) out.set(r.task_id, Number(r.created_at));
  }
  return out;
}

/** A joined leaf and signature, as {@link batchedAnswersOf} selects them. */
type JoinedRow = Omit<BatchLeafRow, 'task_created_at'> & Omit<BatchSignatureRow, 'root'>;

/** The answer record of a joined row. */
function answerOf<A>(rows: TaskRows<unknown, A>, r: JoinedRow): AnswerRecord<A> {
  return {
    taskId: r.task_id as Hex,
    operator: r.operator as Address,
    signingKey: r.signing_key as Address,
    digest: r.digest as Hex,
    answer: rows.decodeAnswer(r.answer),
    referenceEpoch: Number(r.reference_epoch),
    signature: encodeBatchedAnswerSignature(r.signature as Hex, r.root as Hex),
    weight: BigInt(r.weight),
    receivedAt: Number(r.received_at),
  };
}

/**
 * The joined select of tasks, their leaves and the leaves' signatures: from the task row, whose `created_at` leads the
 * leaves' key.
 */
function joined(db: Kysely<any> | Transaction<any>, b: BatchAnswerTableNames & { tasks: string }) {
  return db
    .selectFrom(`${b.tasks} as t`)
    .innerJoin(`${b.leaves} as l`, (join) => join.onRef('l.task_created_at', '=', 't.created_at').onRef('l.task_id', '=', 't.task_id'))
    .innerJoin(`${b.signatures} as s`, 's.root', 'l.root')
    .select(['l.task_id', 'l.root', 'l.digest', 'l.answer', 's.operator', 's.signing_key', 's.signature', 's.reference_epoch', 's.weight', 's.received_at']);
}

/** Batched answers to `taskIds` (lowercase), by task. */
export async function batchedAnswersOf<A>(
  db: Kysely<any>,
  b: BatchAnswerTableNames & { tasks: string },
  rows: TaskRows<unknown, A>,
  taskIds: readonly string[],
): Promise<Map<string, AnswerRecord<A>[]>> {
  const found: JoinedRow[] = [];
  for (const part of powerOfTwoChunks(taskIds, CHUNK)) {
    found.push(...((await joined(db, b).where('t.task_id', 'in', part).execute()) as JoinedRow[]));
  }
  return byTask(rows, found);
}

/** Batched answers to the unfinished tasks (pending or signing), by task. */
export async function batchedAnswersOfOpenTasks<A>(
  db: Kysely<any>,
  b: BatchAnswerTableNames & { tasks: string },
  rows: TaskRows<unknown, A>,
): Promise<Map<string, AnswerRecord<A>[]>> {
  // The open tasks are read off their partial index (the condition in its exact words), then their leaves looked up.
  const found = (await joined(db, b).where(STATUS_OPEN).execute()) as JoinedRow[];
  return byTask(rows, found);
}

/** The answer records of joined rows, by task. */
function byTask<A>(rows: TaskRows<unknown, A>, found: readonly JoinedRow[]): Map<string, AnswerRecord<A>[]> {
  const out = new Map<string, AnswerRecord<A>[]>();
  for (const r of found) {
    const list = out.get(r.task_id);
    if (list) list.push(answerOf(rows, r));
    else out.set(r.task_id, [answerOf(rows, r)]);
  }
  return out;
}

/**
 * One answer per operator of one task from the single-answer rows and the batched ones: the first received wins (a
 * single-answer row on a tie), as the single-answer table's primary key keeps the first.
 */
export function mergeAnswers<A>(single: readonly AnswerRecord<A>[], batched: readonly AnswerRecord<A>[] | undefined): AnswerRecord<A>[] {
  if (!batched || batched.length === 0) return [...single];
  const byOperator = new Map<string, AnswerRecord<A>>();
  for (const a of single) byOperator.set(a.operator.toLowerCase(), a);
  for (const a of batched) {
    const key = a.operator.toLowerCase();
    const prior = byOperator.get(key);
    if (!prior || a.receivedAt < prior.receivedAt) byOperator.set(key, a);
  }
  return [...byOperator.values()];
}
