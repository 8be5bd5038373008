/**
 * Schema migrations: each service owns a named, in-code {@link MigrationSet} that runs unchanged on SQLite and
 * Postgres, and keeps its own bookkeeping tables (`<name>_migrations`, `<name>_migrations_lock`) so several services
 * can share one database. Runs through Kysely's Migrator, which serialises concurrent runners (a Postgres advisory
 * lock; SQLite's single writer), so two replicas starting together apply each migration once.
 *
 * Portable DDL conventions: `text` for decimal big integers, hex and enums; `integer` for booleans (0/1) and small
 * counters; `bigint` for unix-millisecond times. No dialect-specific types or defaults.
 */
import { type Migration, type MigrationResult, Migrator, sql } from 'kysely';
import type { Database } from './database.ts';

/** A service's migrations, applied in ascending order of their keys (e.g. `0001_tasks`). */
export type MigrationSet = {
  /** Identifier of the set; names its bookkeeping tables. Letters, digits and `_`. */
  name: string;
  /** Migrations by name; names sort in application order. */
  migrations: Record<string, Migration>;
};

/** Thrown when a migration fails or a set is malformed; names the set and the failing migration. */
export class MigrationError extends Error {
  override name = 'MigrationError';
}

/**
 * Applies every migration of `set` not yet applied to `db`. On Postgres the bookkeeping tables live in the connection's
 * current schema (the first of `search_path`), so schemas of one database stay independent.
 * @returns the names of the migrations applied by this call, in order (empty when up to date).
 * @throws {MigrationError} naming the set and the migration that failed (with the database's message).
 */
export async function migrateToLatest(db: Database<any>, set: MigrationSet): Promise<string[]> {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,40}$/.test(set.name)) {
    throw new MigrationError(`invalid migration set name ${JSON.stringify(set.name)}: expected letters, digits and _`);
  }
  let schema: string | undefined;
  if (db.dialect === 'postgres') {
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db.kysely);
    schema = rows[0]?.schema;
  }
  const migrator = new Migrator({
    db: db.kysely,
    ...(schema ? { migrationTableSchema: schema } : {}),
    provider: { getMigrations: async () => set.migrations },
    migrationTableName: `${set.name}_migrations`,
    migrationLockTableName: `${set.name}_migrations_lock`,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r: MigrationResult) => r.status === 'Error');
    const where = failed ? `migration ${failed.migrationName}` : 'migration bookkeeping';
    throw new MigrationError(`${set.name}: ${where} failed: ${(error as Error)?.message ?? String(error)}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
