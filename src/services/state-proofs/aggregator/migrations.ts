/**
 * Schema of the state-proofs aggregator, one migration set for SQLite and Postgres (conventions in
 * `core/db/migrations.ts`: decimal text for uint256/uint64 and weights, 0/1 integers for booleans, unix ms bigints).
 * Since 0004 the tasks live in the runtime task engine's tables (`runtime/tasks/storeSchema.ts`); 0001 to 0003 built
 * the earlier per-column tables, which 0005 copies over and drops.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { MigrationSet } from '../../../core/db/migrations.ts';
import { batchLeavesByTaskTimeMigration, createBatchAnswerTablesMigration } from '../../../runtime/tasks/storeBatchAnswers.ts';
import { createTaskTablesMigration, epochIndexByAggregationMigration, partialTaskIndexesMigration, taskTableNames } from '../../../runtime/tasks/storeSchema.ts';
import { proofHeadsMigration } from '../../../runtime/tasks/storeProofHeads.ts';

/** Prefix of the runtime task engine's tables for state proofs (`state_proofs_tasks`, ...). */
export const STATE_PROOFS_TABLE_PREFIX = 'state_proofs_';

const initial: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('sp_tasks')
      .addColumn('task_id', 'text', (c) => c.primaryKey())
      .addColumn('chain_id', 'text', (c) => c.notNull())
      .addColumn('user', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('block_number', 'text', (c) => c.notNull())
      .addColumn('timestamp', 'text', (c) => c.notNull())
      .addColumn('reference_epoch', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('failure_reason', 'text')
      .addColumn('value', 'text')
      .addColumn('exists', 'integer')
      .addColumn('digest', 'text')
      .addColumn('sig_data', 'text')
      .addColumn('signer_count', 'integer', (c) => c.notNull())
      .addColumn('signed_weight', 'text', (c) => c.notNull())
      .addColumn('threshold_weight', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('deadline_at', 'bigint', (c) => c.notNull())
      .addColumn('aggregated_at', 'bigint')
      .execute();
    await db.schema.createIndex('sp_tasks_status').on('sp_tasks').columns(['status', 'created_at']).execute();

    for (const table of ['sp_signatures', 'sp_signature_conflicts']) {
      const conflicts = table === 'sp_signature_conflicts';
      await db.schema
        .createTable(table)
        .addColumn('task_id', 'text', (c) => c.notNull())
        .addColumn('operator', 'text', (c) => c.notNull())
        .addColumn('signing_key', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('exists', 'integer', (c) => c.notNull())
        .addColumn('reference_epoch', 'integer', (c) => c.notNull())
        .addColumn('signature', 'text', (c) => c.notNull())
        .addColumn('weight', 'text', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint(`${table}_pk`, conflicts ? ['task_id', 'operator', 'digest'] : ['task_id', 'operator'])
        .execute();
    }
    // Rewards read who signed in an epoch.
    await db.schema.createIndex('sp_signatures_epoch').on('sp_signatures').columns(['reference_epoch', 'operator']).execute();
  },
};

/** The proof feed reads aggregated tasks in write order. */
const proofFeed: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createIndex('sp_tasks_feed').on('sp_tasks').columns(['status', 'updated_at', 'task_id']).execute();
  },
};

/** Replicas sharing one Postgres database claim unfinished tasks with a lease (decision aggregator-0004). */
const replicaClaims: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('sp_tasks').addColumn('claimed_by', 'text').execute();
    await db.schema.alterTable('sp_tasks').addColumn('lease_until', 'bigint').execute();
  },
};

/**
 * Tasks and answers move to the runtime task engine's tables: the engine's columns as they were, the query and the
 * answers as the text `stateProofCodec` (taskType.ts) reads. Written in SQL both engines run, then the old tables go.
 */
const toEngineTables: Migration = {
  async up(db: Kysely<any>) {
    const t = taskTableNames(STATE_PROOFS_TABLE_PREFIX);
    const answer = sql`'{"value":"' || value || '","exists":' || case when "exists" = 1 then 'true' else 'false' end || '}'`;
    await sql`
      insert into ${sql.table(t.tasks)} (task_id, query, reference_epoch, status, failure_reason, result, digest, sig_data,
        signer_count, signed_weight, threshold_weight, created_at, updated_at, deadline_at, aggregated_at, claimed_by, lease_until)
      select task_id,
        '{"chainId":"' || chain_id || '","user":"' || "user" || '","key":"' || "key" || '","blockNumber":"' || block_number ||
          '","timestamp":"' || "timestamp" || '"}',
        reference_epoch, status, failure_reason,
        case when value is null then null else ${answer} end,
        digest, sig_data, signer_count, signed_weight, threshold_weight, created_at, updated_at, deadline_at, aggregated_at,
        claimed_by, lease_until
      from sp_tasks`.execute(db);
    for (const [from, to] of [
      ['sp_signatures', t.answers],
      ['sp_signature_conflicts', t.conflicts],
    ]) {
      await sql`
        insert into ${sql.table(to)} (task_id, operator, signing_key, digest, answer, reference_epoch, signature, weight, received_at)
        select task_id, operator, signing_key, digest, ${answer}, reference_epoch, signature, weight, received_at
        from ${sql.table(from)}`.execute(db);
    }
    for (const table of ['sp_signature_conflicts', 'sp_signatures', 'sp_tasks']) await db.schema.dropTable(table).execute();
  },
};

/** The aggregator's migrations (bookkeeping tables `state_proofs_aggregator_migrations*`). */
export const aggregatorMigrations: MigrationSet = {
  name: 'state_proofs_aggregator',
  migrations: {
    '0001_tasks_and_signatures': initial,
    '0002_proof_feed': proofFeed,
    '0003_replica_claims': replicaClaims,
    '0004_engine_tables': createTaskTablesMigration(STATE_PROOFS_TABLE_PREFIX),
    '0005_to_engine_tables': toEngineTables,
    '0006_batch_answers': createBatchAnswerTablesMigration(STATE_PROOFS_TABLE_PREFIX),
    '0007_partial_task_indexes': partialTaskIndexesMigration(STATE_PROOFS_TABLE_PREFIX),
    '0008_epoch_index_by_aggregation': epochIndexByAggregationMigration(STATE_PROOFS_TABLE_PREFIX),
    '0009_batch_leaves_by_task_time': batchLeavesByTaskTimeMigration(STATE_PROOFS_TABLE_PREFIX),
    '0010_proof_heads': proofHeadsMigration(STATE_PROOFS_TABLE_PREFIX),
  },
};
