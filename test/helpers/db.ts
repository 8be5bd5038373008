/**
 * Runs a database test suite twice: on a fresh SQLite file and on Postgres in a fresh, uniquely named schema (every test
 * that touches the database runs on both engines).
 *
 * Postgres is expected at postgres://postgres@127.0.0.1:5432/test (trust auth), or at TEST_DATABASE_URL. When it is not
 * reachable the Postgres suites are skipped, each with the reason; with AVS_REQUIRE_POSTGRES=1 (set by .ci/run) they
 * run and fail with that reason instead, so CI never passes without them.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import pg from 'pg';
import { type Database, type DatabaseDialect, openDatabase, redactUrl } from '../../src/core/db/database.ts';

/** Postgres used by the tests. */
export const TEST_POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** True when an unreachable Postgres must fail the Postgres tests rather than skip them. */
export const POSTGRES_REQUIRED = process.env.AVS_REQUIRE_POSTGRES === '1';

/** Why Postgres at `url` cannot be used (one line), or undefined when it answers `select 1`. */
export async function postgresUnreachable(url: string = TEST_POSTGRES_URL): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    // Connecting to `localhost` fails with an AggregateError (IPv6 and IPv4) whose message is empty; its code is not.
    const { code, message } = error as NodeJS.ErrnoException;
    return `Postgres is not reachable at ${redactUrl(url)} (${message || code || 'no answer'})`;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * The `skip` option for a suite or test that needs Postgres at `url`: the reason when it is unreachable, else false.
 * Always false under AVS_REQUIRE_POSTGRES=1, so the test runs and {@link assertPostgresReachable} fails it.
 * @param variable The environment variable that overrides `url`, named in the reason.
 */
export async function skipWithoutPostgres(url: string = TEST_POSTGRES_URL, variable = 'TEST_DATABASE_URL'): Promise<string | false> {
  if (POSTGRES_REQUIRED) return false;
  const reason = await postgresUnreachable(url);
  return reason ? `skipped: ${reason}; start Postgres (trust auth) or set ${variable} (AVS_REQUIRE_POSTGRES=1 fails instead)` : false;
}

/** {@link skipWithoutPostgres} for TEST_POSTGRES_URL, probed once per test file. */
export const postgresSkip = await skipWithoutPostgres();

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

  describe(`${name} [postgres]`, { skip: postgresSkip }, () => {
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

/**
 * Fails unless Postgres at `url` answers, with a message saying how to provide it (`variable` overrides `url`).
 * @throws {Error} when it is unreachable.
 */
export async function assertPostgresReachable(url: string = TEST_POSTGRES_URL, variable = 'TEST_DATABASE_URL'): Promise<void> {
  const reason = await postgresUnreachable(url);
  if (reason) {
    throw new Error(
      `${reason}. The database tests run on both SQLite and Postgres; start Postgres (trust auth) with that database, or set ${variable}.`,
    );
  }
}
