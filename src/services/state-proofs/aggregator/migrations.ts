/**
 * Schema of the state-proofs aggregator, one migration set for SQLite and Postgres (conventions in
 * `core/db/migrations.ts`: decimal text for uint256/uint64 and weights, 0/1 integers for booleans, unix ms bigints).
 */
import type { Kysely, Migration } from 'kysely';
import type { MigrationSet } from '../../../core/db/migrations.ts';

/** Lifecycle of a task: pending → signing → aggregated, or → failed with a reason. */
export type TaskStatus = 'pending' | 'signing' | 'aggregated' | 'failed';

/** Row of `sp_tasks`. Addresses and hashes are lowercase 0x hex. */
export interface TasksTable {
  task_id: string;
  chain_id: string;
  user: string;
  key: string;
  block_number: string;
  timestamp: string;
  reference_epoch: number;
  status: TaskStatus;
  failure_reason: string | null;
  value: string | null;
  exists: number | null;
  digest: string | null;
  sig_data: string | null;
  signer_count: number;
  signed_weight: string;
  threshold_weight: string;
  created_at: number;
  updated_at: number;
  deadline_at: number;
  aggregated_at: number | null;
  /**
   * Replica that holds the task while it is unfinished (and, once aggregated or failed, the one that finished it);
   * null for tasks stored before replicas existed.
   */
  claimed_by: string | null;
  /** Unix ms until which `claimed_by` holds the task; another replica may claim it after that. */
  lease_until: number | null;
}

/** Row of `sp_signatures`: an operator's one accepted answer to a task. */
export interface SignaturesTable {
  task_id: string;
  operator: string;
  signing_key: string;
  digest: string;
  value: string;
  exists: number;
  reference_epoch: number;
  signature: string;
  weight: string;
  received_at: number;
}

/** Row of `sp_signature_conflicts`: a later, different answer by an operator that already answered (equivocation). */
export interface SignatureConflictsTable extends SignaturesTable {}

/** Kysely database type of the aggregator's tables. */
export interface AggregatorTables {
  sp_tasks: TasksTable;
  sp_signatures: SignaturesTable;
  sp_signature_conflicts: SignatureConflictsTable;
}

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

/** The aggregator's migrations (bookkeeping tables `state_proofs_aggregator_migrations*`). */
export const aggregatorMigrations: MigrationSet = {
  name: 'state_proofs_aggregator',
  migrations: { '0001_tasks_and_signatures': initial, '0002_proof_feed': proofFeed, '0003_replica_claims': replicaClaims },
};
