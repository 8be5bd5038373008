/**
 * The multi-prover operator's signing journal: for each (committeeId, metadata) it ever signed, the state it signed.
 * The node records the state here before it BLS-signs a header, and never signs a different state for the same
 * (committeeId, metadata): two signed states for one key are equivocation, which MultiProverServiceManager
 * .slashEquivocation slashes and freezes. Signing the same state again (another reference epoch, a retry, a restart)
 * is allowed: the contract calls that `SameState`, and BLS signatures are deterministic, so nothing else is kept.
 *
 * One migration set for SQLite and Postgres; on Postgres each operator has its own schema, so operators sharing one
 * database never see each other's entries.
 */
import { type Kysely, sql } from 'kysely';
import type { Address, Hex } from 'viem';
import { type Database, type MigrationSet, migrateToLatest, openDatabase } from '../../../core/db/index.ts';

/** Table layout of the journal. */
export type StateJournalDatabase = {
  multi_prover_signed_states: {
    /** uint256 as decimal text. */
    committee_id: string;
    /** The header's metadata, lower-case 0x hex. */
    metadata: string;
    /** The state signed for it, lower-case 0x hex. */
    state: string;
    /** Unix ms of the first record. */
    recorded_at: number;
  };
};

/** Migrations of the journal (one set for SQLite and Postgres). */
export const stateJournalMigrations: MigrationSet = {
  name: 'multi_prover_operator',
  migrations: {
    '0001_multi_prover_signed_states': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('multi_prover_signed_states')
          .addColumn('committee_id', 'text', (c) => c.notNull())
          .addColumn('metadata', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('recorded_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('multi_prover_signed_states_pk', ['committee_id', 'metadata'])
          .execute();
      },
      async down(db: Kysely<any>) {
        await db.schema.dropTable('multi_prover_signed_states').execute();
      },
    },
  },
};

/** A different state is already recorded for this (committeeId, metadata): signing the new one would be equivocation. */
export class EquivocationRefusedError extends Error {
  override name = 'EquivocationRefusedError';
  constructor(
    readonly committeeId: bigint,
    readonly metadata: Hex,
    readonly signedState: Hex,
    readonly refusedState: Hex,
  ) {
    super(
      `refusing to sign state ${refusedState} for committee ${committeeId}, metadata ${metadata}: ` +
        `state ${signedState} was signed for it before (two states would be slashable equivocation)`,
    );
  }
}

/** One (committeeId, metadata) and the state signed for it. */
export type SignedState = { committeeId: bigint; metadata: Hex; state: Hex };

/** Whether {@link StateJournal.commit} recorded the state now or found it recorded before. */
export type CommitOutcome = 'recorded' | 'again';

/** Reads and records the states an operator signed. */
export class StateJournal {
  constructor(private readonly db: Kysely<StateJournalDatabase>) {}

  /**
   * Records `entry.state` for (committeeId, metadata) unless a state is recorded for it already, atomically (the pair
   * is the primary key, so two concurrent commits of different states cannot both succeed).
   * @returns `recorded` when this call recorded it, `again` when the same state was recorded before.
   * @throws {EquivocationRefusedError} when another state is recorded: the caller must not sign.
   */
  async commit(entry: SignedState): Promise<CommitOutcome> {
    const row = { committee_id: entry.committeeId.toString(), metadata: entry.metadata.toLowerCase(), state: entry.state.toLowerCase() };
    const inserted = await this.db
      .insertInto('multi_prover_signed_states')
      .values({ ...row, recorded_at: Date.now() })
      .onConflict((oc) => oc.columns(['committee_id', 'metadata']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) return 'recorded';
    const signed = await this.stateOf(entry.committeeId, entry.metadata);
    if (signed === undefined) throw new Error(`journal: no row for committee ${entry.committeeId}, metadata ${entry.metadata} after a conflicting insert`);
    if (signed !== row.state) throw new EquivocationRefusedError(entry.committeeId, row.metadata as Hex, signed, row.state as Hex);
    return 'again';
  }

  /** The state recorded for (committeeId, metadata), lower-case hex, if any. */
  async stateOf(committeeId: bigint, metadata: Hex): Promise<Hex | undefined> {
    const row = await this.db
      .selectFrom('multi_prover_signed_states')
      .select('state')
      .where('committee_id', '=', committeeId.toString())
      .where('metadata', '=', metadata.toLowerCase())
      .executeTakeFirst();
    return row?.state as Hex | undefined;
  }

  /** Number of (committeeId, metadata) recorded (metrics, tests). */
  async count(): Promise<number> {
    const row = await this.db.selectFrom('multi_prover_signed_states').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

/**
 * The Postgres schema of an operator's multi-prover journal, `multi_prover_operator_<address>` (62 characters, under
 * Postgres' 63).
 */
export function stateJournalSchema(operator: Address): string {
  return `multi_prover_operator_${operator.slice(2).toLowerCase()}`;
}

/**
 * Migrates the journal's tables on an open database and returns the journal.
 * @throws {MigrationError} when a migration fails.
 */
export async function stateJournalOn(database: Database<any>): Promise<StateJournal> {
  await migrateToLatest(database, stateJournalMigrations);
  return new StateJournal(database.kysely as Kysely<StateJournalDatabase>);
}

/**
 * Opens and migrates `operator`'s journal: Postgres (in {@link stateJournalSchema}) when `databaseUrl` is given, else
 * the SQLite file `sqlitePath` (default `.avs/multi-prover-operator-<address>.sqlite`).
 * @throws {DatabaseError} / {MigrationError} when it cannot be opened or migrated (the database is closed again).
 */
export async function openStateJournal(options: { operator: Address; databaseUrl?: string; sqlitePath?: string }): Promise<{ database: Database; journal: StateJournal }> {
  const database = await openDatabase({
    url: options.databaseUrl,
    sqlitePath: options.sqlitePath ?? `.avs/multi-prover-operator-${options.operator.toLowerCase()}.sqlite`,
    schema: options.databaseUrl ? stateJournalSchema(options.operator) : undefined,
  });
  try {
    return { database, journal: await stateJournalOn(database) };
  } catch (error) {
    await database.close();
    throw error;
  }
}
