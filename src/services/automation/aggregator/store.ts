/**
 * The automation aggregator's database: the runtime task engine's tables under the `automation_` prefix (slot-verdict
 * tasks and the attesters' signed answers). Posted verdicts are read from the chain, not stored. One migration set
 * for SQLite and Postgres.
 */
import type { Database } from '../../../core/db/database.ts';
import type { MigrationSet } from '../../../core/db/migrations.ts';
import { type TaskStore, createTaskStore } from '../../../runtime/tasks/store.ts';
import { batchLeavesByTaskTimeMigration, createBatchAnswerTablesMigration } from '../../../runtime/tasks/storeBatchAnswers.ts';
import { createTaskTablesMigration, epochIndexByAggregationMigration, partialTaskIndexesMigration } from '../../../runtime/tasks/storeSchema.ts';
import { proofHeadsMigration } from '../../../runtime/tasks/storeProofHeads.ts';
import { type SlotFinding, type SlotQuery, slotVerdictCodec } from './taskType.ts';

/** Prefix of the automation's task tables. */
export const AUTOMATION_TABLE_PREFIX = 'automation_';

/** The automation aggregator's migrations. */
export const automationMigrations: MigrationSet = {
  name: 'automation',
  migrations: {
    '0001_tasks': createTaskTablesMigration(AUTOMATION_TABLE_PREFIX),
    '0002_batch_answers': createBatchAnswerTablesMigration(AUTOMATION_TABLE_PREFIX),
    '0003_partial_task_indexes': partialTaskIndexesMigration(AUTOMATION_TABLE_PREFIX),
    '0004_epoch_index_by_aggregation': epochIndexByAggregationMigration(AUTOMATION_TABLE_PREFIX),
    '0005_batch_leaves_by_task_time': batchLeavesByTaskTimeMigration(AUTOMATION_TABLE_PREFIX),
    '0006_proof_heads': proofHeadsMigration(AUTOMATION_TABLE_PREFIX),
  },
};

/**
 * Runs the automation migrations on `database` and returns its task store.
 * @throws {MigrationError} when the schema cannot be brought up to date.
 */
export async function createAutomationStore(
  database: Database<any>,
  options: { replicaId?: string; leaseMs?: number } = {},
): Promise<TaskStore<SlotQuery, SlotFinding>> {
  return createTaskStore(database, { ...options, prefix: AUTOMATION_TABLE_PREFIX, migrations: automationMigrations, codec: slotVerdictCodec });
}
