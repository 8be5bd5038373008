/**
 * A fresh Postgres database per bench run: created on the server of BENCH_POSTGRES_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres, trust auth) and dropped after the run, so no run reads another's rows.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { redactUrl } from '../src/core/db/database.ts';

/** The maintenance connection the bench creates and drops its databases through. */
export const BENCH_POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database created for one run. */
export type BenchDatabase = {
  /** postgres:// URL of the new database, for DATABASE_URL. */
  url: string;
  /** Drops the database, closing any connection still open to it. */
  drop(): Promise<void>;
};

/** Postgres at BENCH_POSTGRES_URL could not be reached. */
export class BenchPostgresUnreachableError extends Error {
  override name = 'BenchPostgresUnreachableError';
}

/**
 * Creates an empty database `avs_bench_<pid>_<random>` next to the one of `adminUrl`.
 * @throws {BenchPostgresUnreachableError} when Postgres does not answer at `adminUrl`.
 */
export async function createBenchDatabase(adminUrl: string = BENCH_POSTGRES_URL): Promise<BenchDatabase> {
  const name = `avs_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withClient(adminUrl, (client) => client.query(`create database "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // `with (force)` ends connections a killed child may have left open, which would otherwise block the drop.
    drop: () => withClient(adminUrl, (client) => client.query(`drop database if exists "${name}" with (force)`)).then(() => {}),
  };
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    // Connecting to `localhost` fails with an AggregateError (IPv6 and IPv4) whose message is empty; its code is not.
    const { code, message } = error as NodeJS.ErrnoException;
    await client.end().catch(() => {});
    throw new BenchPostgresUnreachableError(
      `Postgres is not reachable at ${redactUrl(url)} (${message || code || 'no answer'}); start it (trust auth), set BENCH_POSTGRES_URL, or run BENCH_DATABASES=sqlite`,
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
