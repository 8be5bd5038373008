/**
 * The task engine's tables, named under a service's prefix (`<prefix>tasks`, `<prefix>answers`,
 * `<prefix>answer_conflicts`) so services can share one database. The service's query and answers are stored as the
 * text its {@link TaskCodec} writes; the engine's columns follow `core/db/migrations.ts` (decimal text for weights,
 * unix-ms bigints, lowercase hex).
 */
import { type Kysely, type Migration, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Address, Hex } from 'viem';
import type { TaskCodec } from './taskType.ts';
import type { AnswerRecord, EpochProofCursor, NewTask, TaskRecord, TaskStatus } from './types.ts';

/** Row of `<prefix>tasks`. */
export interface TaskRow {
  task_id: string;
  /** The service's query ({@link TaskCodec.encodeQuery}). */
  query: string;
  reference_epoch: number;
  status: TaskStatus;
  failure_reason: string | null;
  /** The aggregated answer ({@link TaskCodec.encodeAnswer}), once aggregated. */
  result: string | null;
  digest: string | null;
  /**
   * The proof, or when {@link TaskRow.sig_head} is set the hex digits that follow that head (`storeProofHeads.ts`).
   */
  sig_data: string | null;
  /** Id of the proof's head in `<prefix>proof_heads`; null when `sig_data` is the whole proof. */
  sig_head?: string | null;
  signer_count: number;
  signed_weight: string;
  threshold_weight: string;
  created_at: number;
  updated_at: number;
  deadline_at: number;
  aggregated_at: number | null;
  claimed_by: string | null;
  lease_until: number | null;
}

/** Row of `<prefix>answers` (one accepted answer per task and operator) and `<prefix>answer_conflicts` (equivocations). */
export interface AnswerRow {
  task_id: string;
  operator: string;
  signing_key: string;
  digest: string;
  /** The operator's answer ({@link TaskCodec.encodeAnswer}). */
  answer: string;
  reference_epoch: number;
  signature: string;
  weight: string;
  received_at: number;
}

/** Table names under a prefix. */
export type TaskTableNames = { tasks: string; answers: string; conflicts: string };

/**
 * The table names for `prefix` (letters, digits and `_`, e.g. `state_proofs_`).
 * @throws {Error} for a prefix that is not a plain SQL identifier part.
 */
export function taskTableNames(prefix: string): TaskTableNames {
  if (!/^[a-z][a-z0-9_]{0,30}$/.test(prefix)) throw new Error(`task table prefix ${JSON.stringify(prefix)} must be lowercase letters, digits and _`);
  return { tasks: `${prefix}tasks`, answers: `${prefix}answers`, conflicts: `${prefix}answer_conflicts` };
}

/**
 * The migration that creates the engine's tables under `prefix`; a service puts it in its own migration set (before any
 * migration that fills them).
 */
export function createTaskTablesMigration(prefix: string): Migration {
  const t = taskTableNames(prefix);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable(t.tasks)
        .addColumn('task_id', 'text', (c) => c.primaryKey())
        .addColumn('query', 'text', (c) => c.notNull())
        .addColumn('reference_epoch', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('failure_reason', 'text')
        .addColumn('result', 'text')
        .addColumn('digest', 'text')
        .addColumn('sig_data', 'text')
        .addColumn('signer_count', 'integer', (c) => c.notNull())
        .addColumn('signed_weight', 'text', (c) => c.notNull())
        .addColumn('threshold_weight', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('deadline_at', 'bigint', (c) => c.notNull())
        .addColumn('aggregated_at', 'bigint')
        .addColumn('claimed_by', 'text')
        .addColumn('lease_until', 'bigint')
        .execute();
      // Reload and claims read unfinished tasks oldest first; the proof feed reads aggregated ones in write order;
      // rewards read one epoch's tasks.
      await db.schema.createIndex(`${t.tasks}_status`).on(t.tasks).columns(['status', 'created_at']).execute();
      await db.schema.createIndex(`${t.tasks}_feed`).on(t.tasks).columns(['status', 'updated_at', 'task_id']).execute();
      await db.schema.createIndex(`${t.tasks}_epoch`).on(t.tasks).columns(['reference_epoch', 'status', 'task_id']).execute();
      for (const table of [t.answers, t.conflicts]) {
        await db.schema
          .createTable(table)
          .addColumn('task_id', 'text', (c) => c.notNull())
          .addColumn('operator', 'text', (c) => c.notNull())
          .addColumn('signing_key', 'text', (c) => c.notNull())
          .addColumn('digest', 'text', (c) => c.notNull())
          .addColumn('answer', 'text', (c) => c.notNull())
          .addColumn('reference_epoch', 'integer', (c) => c.notNull())
          .addColumn('signature', 'text', (c) => c.notNull())
          .addColumn('weight', 'text', (c) => c.notNull())
          .addColumn('received_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_pk`, table === t.conflicts ? ['task_id', 'operator', 'digest'] : ['task_id', 'operator'])
          .execute();
      }
      await db.schema.createIndex(`${t.answers}_epoch`).on(t.answers).columns(['reference_epoch', 'operator']).execute();
    },
  };
}

/**
 * The status predicates of the engine's partial indexes ({@link partialTaskIndexesMigration}), as SQL literals: a query
 * must state its status condition in exactly these words for SQLite to use the index (its planner proves that a query
 * implies an index's WHERE only term by term, and never through bound parameters).
 */
export const STATUS_OPEN: RawBuilder<SqlBool> = sql.raw(`status in ('pending', 'signing')`);
/** See {@link STATUS_OPEN}. */
export const STATUS_AGGREGATED: RawBuilder<SqlBool> = sql.raw(`status = 'aggregated'`);
/** See {@link STATUS_OPEN}. */
export const STATUS_FAILED: RawBuilder<SqlBool> = sql.raw(`status = 'failed'`);

/**
 * Replaces the task indexes of {@link createTaskTablesMigration} (each led or keyed by `status`, so every status change
 * moved an entry in all three) with partial indexes that hold a task only in the states a query looks for it in:
 *
 * - `<prefix>tasks_open` (created_at, task_id) of unfinished tasks: reload and claims, oldest first;
 * - `<prefix>tasks_feed` (updated_at, task_id) of aggregated tasks: the proof feed, in write order;
 * - `<prefix>tasks_epoch` (reference_epoch, task_id) of aggregated tasks: the rewards' proofs of an epoch (keyed by
 *   aggregation time since {@link epochIndexByAggregationMigration});
 * - `<prefix>tasks_failed` (reference_epoch) of failed tasks: the rewards' counts.
 *
 * Besides the primary key, a task's life (insert, pending → signing, → aggregated) then inserts 3 index entries and
 * deletes 1 on SQLite instead of inserting 9 and deleting 6 (pending → signing leaves its key in `tasks_open` as it
 * was), and 7 on Postgres instead of 12 (each row version gets an entry in the primary key and in every index whose
 * condition it meets). The entry of `tasks_epoch`, the one keyed by the random task id, is written once instead of
 * three times. Both databases take the same `CREATE INDEX ... WHERE`.
 */
export function partialTaskIndexesMigration(prefix: string): Migration {
  const t = taskTableNames(prefix);
  return {
    async up(db: Kysely<any>) {
      for (const name of ['status', 'feed', 'epoch']) await db.schema.dropIndex(`${t.tasks}_${name}`).ifExists().execute();
      await db.schema.createIndex(`${t.tasks}_open`).on(t.tasks).columns(['created_at', 'task_id']).where(STATUS_OPEN).execute();
      await db.schema.createIndex(`${t.tasks}_feed`).on(t.tasks).columns(['updated_at', 'task_id']).where(STATUS_AGGREGATED).execute();
      await db.schema.createIndex(`${t.tasks}_epoch`).on(t.tasks).columns(['reference_epoch', 'task_id']).where(STATUS_AGGREGATED).execute();
      await db.schema.createIndex(`${t.tasks}_failed`).on(t.tasks).column('reference_epoch').where(STATUS_FAILED).execute();
    },
  };
}

/**
 * Keys `<prefix>tasks_epoch` (the rewards' proofs of an epoch) by (reference_epoch, aggregated_at, task_id) instead of
 * (reference_epoch, task_id). Task ids are hashes, so with the id second every completion inserted its entry at a random
 * page of an index that grows with every proof ever made: with 100,000 stored tasks that cost a completion about 25 µs
 * of SQLite's CPU. Keyed by the aggregation time, a completion's entries land together at the index's end. Pages of an
 * epoch's proofs follow the same order ({@link EpochProofCursor}). Aggregated rows without `aggregated_at` (none are
 * written; older data, defensively) take their `updated_at`.
 */
export function epochIndexByAggregationMigration(prefix: string): Migration {
  const t = taskTableNames(prefix);
  return {
    async up(db: Kysely<any>) {
      await db.updateTable(t.tasks).set({ aggregated_at: sql`updated_at` }).where(STATUS_AGGREGATED).where('aggregated_at', 'is', null).execute();
      await db.schema.dropIndex(`${t.tasks}_epoch`).ifExists().execute();
      await db.schema
        .createIndex(`${t.tasks}_epoch`)
        .on(t.tasks)
        .columns(['reference_epoch', 'aggregated_at', 'task_id'])
        .where(STATUS_AGGREGATED)
        .execute();
    },
  };
}

/** Row conversions for one codec. */
export type TaskRows<Q, A> = {
  newTaskRow(task: NewTask<Q>): TaskRow;
  taskOf(row: TaskRow): TaskRecord<Q, A>;
  answerRow(answer: AnswerRecord<A>): AnswerRow;
  answerOf(row: AnswerRow): AnswerRecord<A>;
  /** The text of an answer (a task's `result`). */
  encodeAnswer(answer: A): string;
  /** The answer of its text. */
  decodeAnswer(text: string): A;
};

/** Converts between records and rows with `codec`. */
export function taskRows<Q, A>(codec: TaskCodec<Q, A>): TaskRows<Q, A> {
  return {
    encodeAnswer: (answer) => codec.encodeAnswer(answer),
    decodeAnswer: (text) => codec.decodeAnswer(text),
    newTaskRow: (task) => ({
      task_id: task.taskId.toLowerCase(),
      query: codec.encodeQuery(task.query),
      reference_epoch: task.referenceEpoch,
      status: 'pending',
      failure_reason: null,
      result: null,
      digest: null,
      sig_data: null,
      signer_count: 0,
      signed_weight: '0',
      threshold_weight: task.thresholdWeight.toString(),
      created_at: task.createdAt,
      updated_at: task.createdAt,
      deadline_at: task.deadlineAt,
      aggregated_at: null,
      claimed_by: null,
      lease_until: null,
    }),
    taskOf: (row) => {
      // A proof stored as head + rest must have been put back together (`ProofHeads.join`) before it is read here.
      if (row.sig_head) throw new Error(`task ${row.task_id}: its proof was read without its head ${row.sig_head}`);
      return {
        taskId: row.task_id as Hex,
        query: codec.decodeQuery(row.query),
        referenceEpoch: Number(row.reference_epoch),
        status: row.status,
        failureReason: row.failure_reason,
        result: row.result === null ? null : codec.decodeAnswer(row.result),
        digest: row.digest as Hex | null,
        sigData: row.sig_data as Hex | null,
        signerCount: Number(row.signer_count),
        signedWeight: BigInt(row.signed_weight),
        thresholdWeight: BigInt(row.threshold_weight),
        createdAt: Number(row.created_at),
        updatedAt: Number(row.updated_at),
        deadlineAt: Number(row.deadline_at),
        aggregatedAt: row.aggregated_at === null ? null : Number(row.aggregated_at),
        claimedBy: row.claimed_by ?? null,
        leaseUntil: row.lease_until === null || row.lease_until === undefined ? null : Number(row.lease_until),
      };
    },
    answerRow: (a) => ({
      task_id: a.taskId.toLowerCase(),
      operator: a.operator.toLowerCase(),
      signing_key: a.signingKey.toLowerCase(),
      digest: a.digest.toLowerCase(),
      answer: codec.encodeAnswer(a.answer),
      reference_epoch: a.referenceEpoch,
      signature: a.signature.toLowerCase(),
      weight: a.weight.toString(),
      received_at: a.receivedAt,
    }),
    answerOf: (row) => ({
      taskId: row.task_id as Hex,
      operator: row.operator as Address,
      signingKey: row.signing_key as Address,
      digest: row.digest as Hex,
      answer: codec.decodeAnswer(row.answer),
      referenceEpoch: Number(row.reference_epoch),
      signature: row.signature as Hex,
      weight: BigInt(row.weight),
      receivedAt: Number(row.received_at),
    }),
  };
}
