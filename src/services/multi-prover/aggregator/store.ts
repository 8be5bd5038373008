/**
 * The multi-prover aggregator's database: the runtime task engine's tables under the `multi_prover_` prefix (block-state
 * tasks and their answers) and the on-chain confirmations of aggregated tasks (`multi_prover_confirmations`): a row per
 * task once its confirmState transaction is sent, updated when it is mined, failed, or found already confirmed. One
 * migration set for SQLite and Postgres (conventions in `core/db/migrations.ts`).
 */
import type { Kysely, Migration } from 'kysely';
import type { Hex } from 'viem';
import type { Database } from '../../../core/db/database.ts';
import type { MigrationSet } from '../../../core/db/migrations.ts';
import { type TaskStore, createTaskStore } from '../../../runtime/tasks/store.ts';
import { batchLeavesByTaskTimeMigration, createBatchAnswerTablesMigration } from '../../../runtime/tasks/storeBatchAnswers.ts';
import { createTaskTablesMigration, epochIndexByAggregationMigration, partialTaskIndexesMigration } from '../../../runtime/tasks/storeSchema.ts';
import { proofHeadsMigration } from '../../../runtime/tasks/storeProofHeads.ts';
import { type BlockStateAnswer, type BlockStateQuery, blockStateCodec } from './taskType.ts';

/** Prefix of the multi-prover's task tables. */
export const MULTI_PROVER_TABLE_PREFIX = 'multi_prover_';

/** Where a task's on-chain confirmation stands. */
export type ConfirmationStatus = 'submitted' | 'confirmed' | 'failed';

/** A task's on-chain confirmation. Times are unix ms. */
export type ConfirmationRecord = {
  taskId: Hex;
  status: ConfirmationStatus;
  /** The confirmState transaction (null when the state was found confirmed by another transaction). */
  txHash: Hex | null;
  /** Block of the confirming transaction, once mined. */
  blockNumber: bigint | null;
  /** Why it failed (a contract error, or the state confirmed on-chain differs from the task's). */
  reason: string | null;
  attempts: number;
  updatedAt: number;
};

type ConfirmationsTable = {
  task_id: string;
  status: string;
  tx_hash: string | null;
  block_number: string | null;
  reason: string | null;
  attempts: number;
  updated_at: number;
};
type Tables = { multi_prover_confirmations: ConfirmationsTable };

const confirmations: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('multi_prover_confirmations')
      .addColumn('task_id', 'text', (c) => c.primaryKey())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('tx_hash', 'text')
      .addColumn('block_number', 'text')
      .addColumn('reason', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};

/** The multi-prover aggregator's migrations. */
export const multiProverMigrations: MigrationSet = {
  name: 'multi_prover',
  migrations: {
    '0001_tasks': createTaskTablesMigration(MULTI_PROVER_TABLE_PREFIX),
    '0002_confirmations': confirmations,
    '0003_batch_answers': createBatchAnswerTablesMigration(MULTI_PROVER_TABLE_PREFIX),
    '0004_partial_task_indexes': partialTaskIndexesMigration(MULTI_PROVER_TABLE_PREFIX),
    '0005_epoch_index_by_aggregation': epochIndexByAggregationMigration(MULTI_PROVER_TABLE_PREFIX),
    '0006_batch_leaves_by_task_time': batchLeavesByTaskTimeMigration(MULTI_PROVER_TABLE_PREFIX),
    '0007_proof_heads': proofHeadsMigration(MULTI_PROVER_TABLE_PREFIX),
  },
};

/** The multi-prover aggregator's store: the task store and the confirmations. */
export type MultiProverStore = {
  tasks: TaskStore<BlockStateQuery, BlockStateAnswer>;
  /** The confirmation of `taskId`, if one was recorded. */
  getConfirmation(taskId: Hex): Promise<ConfirmationRecord | undefined>;
  /** Records (insert or replace) a task's confirmation. */
  putConfirmation(record: ConfirmationRecord): Promise<void>;
  /** Confirmations in `status`, oldest update first. */
  listConfirmations(status: ConfirmationStatus, limit?: number): Promise<ConfirmationRecord[]>;
  /** Latest confirmed tasks, newest first. */
  listConfirmed(limit: number): Promise<ConfirmationRecord[]>;
};

function fromRow(row: ConfirmationsTable): ConfirmationRecord {
  return {
    taskId: row.task_id as Hex,
    status: row.status as ConfirmationStatus,
    txHash: row.tx_hash as Hex | null,
    blockNumber: row.block_number === null ? null : BigInt(row.block_number),
    reason: row.reason,
    attempts: Number(row.attempts),
    updatedAt: Number(row.updated_at),
  };
}

/**
 * Runs the multi-prover migrations on `database` and returns its store.
 * @throws {MigrationError} when the schema cannot be brought up to date.
 */
export async function createMultiProverStore(database: Database<any>, options: { replicaId?: string; leaseMs?: number } = {}): Promise<MultiProverStore> {
  const tasks = await createTaskStore(database, { ...options, prefix: MULTI_PROVER_TABLE_PREFIX, migrations: multiProverMigrations, codec: blockStateCodec });
  const db = database.kysely as Kysely<Tables>;
  return {
    tasks,
    async getConfirmation(taskId) {
      const row = await db.selectFrom('multi_prover_confirmations').selectAll().where('task_id', '=', taskId.toLowerCase()).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },
    async putConfirmation(r) {
      const row: ConfirmationsTable = {
        task_id: r.taskId.toLowerCase(),
        status: r.status,
        tx_hash: r.txHash,
        block_number: r.blockNumber === null ? null : r.blockNumber.toString(),
        reason: r.reason,
        attempts: r.attempts,
        updated_at: r.updatedAt,
      };
      await db
        .insertInto('multi_prover_confirmations')
        .values(row)
        .onConflict((oc) => oc.column('task_id').doUpdateSet({ ...row }))
        .execute();
    },
    async listConfirmations(status, limit = 1_000) {
      const rows = await db.selectFrom('multi_prover_confirmations').selectAll().where('status', '=', status).orderBy('updated_at').limit(limit).execute();
      return rows.map(fromRow);
    },
    async listConfirmed(limit) {
      const rows = await db.selectFrom('multi_prover_confirmations').selectAll().where('status', '=', 'confirmed').orderBy('updated_at', 'desc').limit(limit).execute();
      return rows.map(fromRow);
    },
  };
}
