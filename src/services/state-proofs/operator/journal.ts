/**
 * The operator's signing journal: every attestation it signed, written before the signature leaves the node.
 * It makes a restarted node answer a task it already signed with the same reading and the same signature, so an
 * operator never signs two different values for one task (the slashable mistake) whatever restarts in between.
 */
import { type Kysely, sql } from 'kysely';
import { type BulkInsert, type Database, type MigrationSet, bulkInsert, migrateToLatest, openDatabase, powerOfTwoChunks } from '../../../core/db/index.ts';
import type { Address, Hex } from 'viem';

/** Table layout of the journal. */
export type JournalDatabase = {
  operator_signed_attestations: {
    task_id: string;
    reference_epoch: number;
    value: string;
    exists: number;
    digest: string;
    signature: string;
    signed_at: number;
    /** Root of the batch the entry was signed in (`signature` is then over the batch message); null: signed alone. */
    batch_root: string | null;
  };
};

/** Migrations of the journal (one set for SQLite and Postgres). */
export const journalMigrations: MigrationSet = {
  name: 'state_proofs_operator',
  migrations: {
  '0001_operator_signed_attestations': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('operator_signed_attestations')
        .addColumn('task_id', 'varchar(66)', (c) => c.notNull())
        .addColumn('reference_epoch', 'integer', (c) => c.notNull())
        .addColumn('value', 'varchar(78)', (c) => c.notNull())
        .addColumn('exists', 'integer', (c) => c.notNull())
        .addColumn('digest', 'varchar(66)', (c) => c.notNull())
        .addColumn('signature', 'varchar(132)', (c) => c.notNull())
        .addColumn('signed_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('operator_signed_attestations_pk', ['task_id', 'reference_epoch'])
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('operator_signed_attestations').execute();
    },
  },
  '0002_batch_root': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('operator_signed_attestations').addColumn('batch_root', 'varchar(66)').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('operator_signed_attestations').dropColumn('batch_root').execute();
    },
  },
  },
};

/**
 * The Postgres schema of an operator's journal, `operator_<address>`: operators that share one database (one
 * `DATABASE_URL`) must never read each other's entries, or a node would re-send another operator's signature as its own.
 */
export function operatorJournalSchema(operator: Address): string {
  return `operator_${operator.slice(2).toLowerCase()}`;
}

/**
 * Opens and migrates `operator`'s journal: Postgres (in {@link operatorJournalSchema}) when `databaseUrl` is given,
 * else the SQLite file `sqlitePath` (default `.avs/operator-<address>.sqlite`).
 * @throws {DatabaseError} / {MigrationError} when it cannot be opened or migrated (the database is closed again).
 */
export async function openSigningJournal(options: { operator: Address; databaseUrl?: string; sqlitePath?: string }): Promise<{ database: Database; journal: SigningJournal }> {
  const database = await openDatabase({
    url: options.databaseUrl,
    sqlitePath: options.sqlitePath ?? `.avs/operator-${options.operator.toLowerCase()}.sqlite`,
    schema: options.databaseUrl ? operatorJournalSchema(options.operator) : undefined,
  });
  try {
    await migrateToLatest(database, journalMigrations);
  } catch (error) {
    await database.close();
    throw error;
  }
  return { database, journal: new SigningJournal(database.kysely as never) };
}

/** One journal entry. */
export type SignedAttestation = {
  taskId: Hex;
  referenceEpoch: number;
  value: bigint;
  exists: boolean;
  digest: Hex;
  /** 65 bytes r‖s‖v: over `digest`, or over the batch message of `batchRoot` when signed in a batch. */
  signature: Hex;
  /** Merkle root of the batch the attestation was signed in (its digest is a leaf); absent when signed alone. */
  batchRoot?: Hex;
};

/** Reads and appends signed attestations. */
export class SigningJournal {
  private readonly insert: BulkInsert<JournalDatabase['operator_signed_attestations']>;

  constructor(private readonly db: Kysely<JournalDatabase>) {
    this.insert = bulkInsert(db, {
      table: 'operator_signed_attestations',
      columns: ['task_id', 'reference_epoch', 'value', 'exists', 'digest', 'signature', 'signed_at', 'batch_root'],
      finish: (insert) => insert.onConflict((oc) => oc.columns(['task_id', 'reference_epoch']).doNothing()),
    });
  }

  /** Every entry recorded for these tasks, any epoch. */
  async findByTasks(taskIds: readonly Hex[]): Promise<SignedAttestation[]> {
    const rows: JournalDatabase['operator_signed_attestations'][] = [];
    for (const part of powerOfTwoChunks(taskIds, 256)) {
      rows.push(...(await this.db.selectFrom('operator_signed_attestations').selectAll().where('task_id', 'in', part).execute()));
    }
    return rows.map((r) => ({
      taskId: r.task_id as Hex,
      referenceEpoch: Number(r.reference_epoch),
      value: BigInt(r.value),
      exists: Number(r.exists) === 1,
      digest: r.digest as Hex,
      signature: r.signature as Hex,
      ...(r.batch_root ? { batchRoot: r.batch_root as Hex } : {}),
    }));
  }

  /**
   * Records signatures in one transaction. An entry that already exists for (task, epoch) is kept as it was:
   * the first signature is the one the node stands by.
   */
  async append(entries: readonly SignedAttestation[]): Promise<void> {
    if (entries.length === 0) return;
    const now = Date.now();
    await this.db.transaction().execute((tx) =>
      this.insert(
        tx,
        entries.map((e) => ({
          task_id: e.taskId,
          reference_epoch: e.referenceEpoch,
          value: e.value.toString(),
          exists: e.exists ? 1 : 0,
          digest: e.digest,
          signature: e.signature,
          signed_at: now,
          batch_root: e.batchRoot ?? null,
        })),
      ),
    );
  }

  /** Number of entries (metrics, tests). */
  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('operator_signed_attestations')
      .select(sql<number>`count(*)`.as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
