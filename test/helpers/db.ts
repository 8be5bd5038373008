/**
 * Runs a database test suite twice: on a fresh SQLite file and on Postgres in a fresh, uniquely named schema
 * (ARCHITECTURE.md: "every test that touches the database runs on both").
 *
 * Postgres is expected at postgres://postgres@127.0.0.1:5432/test (trust auth), or at TEST_DATABASE_URL. When it is not
 * reachable the Postgres half FAILS with a message saying so; it never skips.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import pg from 'pg';
import { type Database, type DatabaseDialect, openDatabase } from '../../src/core/db/database.ts';

/** Postgres used by the tests. */
export const TEST_POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A database opened for a test, which can be opened again (another pool / handle on the same data) to simulate a restart. */
export type TestDatabase = Database<any> & {
  /** Opens a second, independent connection to the same database (same file / same schema). */
  reopen(): Promise<Database<any>>;
};

/** What a suite body receives. */
export type DatabaseFixture = {
  /** Engine of this half of the suite. */
  dialect: DatabaseDialect;
  /** A fresh, empty database (a new SQLite file, or a new Postgres schema); everything is removed after the suite. */
  fresh(): Promise<TestDatabase>;
};

/**
 * Declares `describe(`${name} [sqlite]`)` and `describe(`${name} [postgres]`)`, each calling `fn` with a fixture.
 * Databases from `fixture.fresh()` are closed, and their files or schemas removed, when the suite ends.
 */
export function forEachDatabase(name: string, fn: (fixture: DatabaseFixture) => void): void {
  describe(`${name} [sqlite]`, () => {
    let dir: string | undefined;
    const opened: Database<any>[] = [];
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'avs-db-test-'));
    });
    after(async () => {
      for (const db of opened) await db.close().catch(() => {});
      if (dir) rmSync(dir, { recursive: true, force: true });
    });
    let counter = 0;
    fn({
      dialect: 'sqlite',
      async fresh() {
        if (!dir) throw new Error('forEachDatabase: fresh() must be called inside a test or hook');
        const sqlitePath = join(dir, `db-${++counter}.sqlite`);
        const open = async () => {
          const db = await openDatabase({ sqlitePath });
          opened.push(db);
          return db;
        };
        const db = await open();
        return Object.assign(db, { reopen: open });
      },
    });
  });

  describe(`${name} [postgres]`, () => {
    const opened: Database<any>[] = [];
    const schemas: string[] = [];
    before(async () => {
      await assertPostgresReachable();
    });
    after(async () => {
      for (const db of opened) await db.close().catch(() => {});
      if (schemas.length === 0) return;
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      try {
        for (const schema of schemas) await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    });
    fn({
      dialect: 'postgres',
      async fresh() {
        const schema = `test_${process.pid}_${randomBytes(6).toString('hex')}`;
        schemas.push(schema);
        const open = async () => {
          const db = await openDatabase({ url: TEST_POSTGRES_URL, schema, poolSize: 4 });
          opened.push(db);
          return db;
        };
        const db = await open();
        return Object.assign(db, { reopen: open });
      },
    });
  });
}

async function assertPostgresReachable(): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new Error(
      `Postgres is not reachable at ${TEST_POSTGRES_URL} (${(error as Error).message}). ` +
        'The database tests run on both SQLite and Postgres; start Postgres (trust auth, database "test") or set TEST_DATABASE_URL.',
    );
  } finally {
    await client.end().catch(() => {});
  }
}
