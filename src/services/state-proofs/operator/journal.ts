/**
 * The operator's signing journal: every attestation it signed, written before the signature leaves the node.
 * It makes a restarted node answer a task it already signed with the same reading and the same signature, so an
 * operator never signs two different values for one task (the slashable mistake) whatever restarts in between.
 *
 * Entries are keyed by (chain id, block number, task id, reference epoch), not by the task id first. Task ids are
 * hashes, so a key led by them sends each new entry to a random page of an index that grows with every task ever
 * signed: in SQLite alone an entry cost 20 µs of CPU with 50,000 entries stored and 31 µs with 200,000. Tasks arrive in
 * bursts about recent blocks, so led by the block their entries land next to each other at the index's end, and the
 * cost stays flat as the journal grows (7–8 µs with 200,000; `npm run bench -- operator` measures the whole node with
 * a journal of 200,000 entries). The node knows every task's chain and block (the task id is checked to be the hash of
 * its query before the journal is read).
 */
import { type Kysely, sql } from 'kysely';
import { type BulkInsert, type Database, type MigrationSet, bulkInsert, migrateToLatest, openDatabase, powerOfTwoChunks } from '../../../core/db/index.ts';
import type { Address, Hex } from 'viem';

/** One row of the journal. */
type JournalRow = {
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

/** Table layout of the journal. */
export type JournalDatabase = {
  /** The entries, keyed by (chain_id, block_number, task_id, reference_epoch). */
  operator_signed_attestations: JournalRow & {
    /** The task's chain id and block number, as decimal text (SQLite stores them as integers). */
    chain_id: string;
    block_number: string;
  };
  /** Entries written before the key led by the block (migration 0003): read, never written. */
  operator_signed_attestations_v1: JournalRow;
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
  '0003_block_keyed_entries': {
    // The earlier entries keep their table (their chain and block were never stored); new ones go to the block-keyed one.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('operator_signed_attestations').renameTo('operator_signed_attestations_v1').execute();
      await db.schema
        .createTable('operator_signed_attestations')
        .addColumn('chain_id', 'bigint', (c) => c.notNull())
        .addColumn('block_number', 'bigint', (c) => c.notNull())
        .addColumn('task_id', 'varchar(66)', (c) => c.notNull())
        .addColumn('reference_epoch', 'integer', (c) => c.notNull())
        .addColumn('value', 'varchar(78)', (c) => c.notNull())
        .addColumn('exists', 'integer', (c) => c.notNull())
        .addColumn('digest', 'varchar(66)', (c) => c.notNull())
        .addColumn('signature', 'varchar(132)', (c) => c.notNull())
        .addColumn('signed_at', 'bigint', (c) => c.notNull())
        .addColumn('batch_root', 'varchar(66)')
        .addPrimaryKeyConstraint('operator_signed_attestations_block_pk', ['chain_id', 'block_number', 'task_id', 'reference_epoch'])
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('operator_signed_attestations').execute();
      await db.schema.alterTable('operator_signed_attestations_v1').renameTo('operator_signed_attestations').execute();
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
  return { database, journal: await SigningJournal.open(database.kysely as never) };
}

/** Where a task's entries are found: the task, and its query's chain id and block number. */
export type JournalKey = { taskId: Hex; chainId: bigint; blockNumber: bigint };

/** One journal entry. */
export type SignedAttestation = JournalKey & {
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

  /**
   * A journal over `db`, migrated. `hasV1Entries` says whether entries written before migration 0003 exist and must
   * be read too ({@link SigningJournal.open} finds out).
   */
  constructor(
    private readonly db: Kysely<JournalDatabase>,
    private readonly hasV1Entries = true,
  ) {
    this.insert = bulkInsert(db, {
      table: 'operator_signed_attestations',
      columns: ['chain_id', 'block_number', 'task_id', 'reference_epoch', 'value', 'exists', 'digest', 'signature', 'signed_at', 'batch_root'],
      finish: (insert) => insert.onConflict((oc) => oc.columns(['chain_id', 'block_number', 'task_id', 'reference_epoch']).doNothing()),
    });
  }

  /** The journal over a migrated `db`, reading the entries of before migration 0003 only if there are any. */
  static async open(db: Kysely<JournalDatabase>): Promise<SigningJournal> {
    const v1 = await db.selectFrom('operator_signed_attestations_v1').select('task_id').limit(1).execute();
    return new SigningJournal(db, v1.length > 0);
  }

  /** Every entry recorded for these tasks, any epoch. */
  async findByTasks(tasks: readonly JournalKey[]): Promise<SignedAttestation[]> {
    const found: SignedAttestation[] = [];
    // One lookup per (chain, block): a burst's tasks share a few blocks.
    const byBlock = new Map<string, JournalKey[]>();
    for (const t of tasks) {
      const block = `${t.chainId}:${t.blockNumber}`;
      const list = byBlock.get(block);
      if (list) list.push(t);
      else byBlock.set(block, [t]);
    }
    for (const group of byBlock.values()) {
      const { chainId, blockNumber } = group[0]!;
      for (const part of powerOfTwoChunks(group, 256)) {
        const rows = await this.db
          .selectFrom('operator_signed_attestations')
          .selectAll()
          .where('chain_id', '=', chainId.toString())
          .where('block_number', '=', blockNumber.toString())
          .where('task_id', 'in', part.map((t) => t.taskId.toLowerCase()))
          .execute();
        for (const r of rows) found.push(entryOf(r, chainId, blockNumber));
      }
    }
    if (this.hasV1Entries && tasks.length > 0) {
      // Entries of before 0003 hold task ids as the wire gave them (lowercase from this project's aggregator).
      const keyOf = new Map(tasks.map((t) => [t.taskId.toLowerCase(), t]));
      for (const part of powerOfTwoChunks([...new Set(tasks.map((t) => t.taskId))], 256)) {
        for (const r of await this.db.selectFrom('operator_signed_attestations_v1').selectAll().where('task_id', 'in', part).execute()) {
          const key = keyOf.get(r.task_id.toLowerCase())!;
          found.push(entryOf(r, key.chainId, key.blockNumber));
        }
      }
    }
    return found;
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
          chain_id: e.chainId.toString(),
          block_number: e.blockNumber.toString(),
          task_id: e.taskId.toLowerCase(),
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

  /** Number of entries, those of before migration 0003 included (metrics, tests). */
  async count(): Promise<number> {
    let n = 0;
    for (const table of ['operator_signed_attestations', 'operator_signed_attestations_v1'] as const) {
      const row = await this.db.selectFrom(table).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
      n += Number(row.n);
    }
    return n;
  }
}

/** The entry of a stored row of the task at `chainId`, `blockNumber`. */
function entryOf(r: JournalRow, chainId: bigint, blockNumber: bigint): SignedAttestation {
  return {
    taskId: r.task_id as Hex,
    chainId,
    blockNumber,
    referenceEpoch: Number(r.reference_epoch),
    value: BigInt(r.value),
    exists: Number(r.exists) === 1,
    digest: r.digest as Hex,
    signature: r.signature as Hex,
    ...(r.batch_root ? { batchRoot: r.batch_root as Hex } : {}),
  };
}
