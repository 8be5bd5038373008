/**
 * Opening a database (docs/architecture.md, "Off-chain rules"): SQLite through better-sqlite3 is the embedded default under
 * `.avs/`; Postgres (a pg Pool) when a `postgres://` URL is given, which the CLI takes from `DATABASE_URL`.
 * Both are driven through Kysely, and one migration set serves both (see `migrations.ts`).
 *
 * Portable column conventions used by every service: integers that may exceed 2^53 (uint256, uint64, weights) are
 * stored as decimal `text`; booleans as `integer` 0/1; times as `bigint` unix milliseconds. Postgres `int8` values are
 * parsed to JS numbers (they are times and counters, far below 2^53), so both dialects return the same shapes.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';

/** Which engine a {@link Database} runs on. */
export type DatabaseDialect = 'sqlite' | 'postgres';

/** An open database: the Kysely instance, its engine, and how to close it. */
export type Database<DB = unknown> = {
  /** Query builder; typed by the caller's table interfaces. */
  kysely: Kysely<DB>;
  /** Engine behind {@link Database.kysely}. */
  dialect: DatabaseDialect;
  /** Where it lives, safe to log: the SQLite file path, or the Postgres URL without its password (plus the schema). */
  location: string;
  /** Closes the SQLite handle or ends the Postgres pool (and its listeners). Idempotent. */
  close(): Promise<void>;
  /**
   * Postgres only (undefined on SQLite): `LISTEN channel` on a dedicated connection (not one of the pool's), calling
   * `onNotification` with each payload. A lost connection is re-established with backoff (200 ms up to 5 s); since
   * notifications sent meanwhile are lost, `onReconnect` is called once it listens again, so the caller can re-read.
   * @throws {DatabaseError} when the channel is not a plain identifier or the first connection fails.
   */
  listen?(channel: string, onNotification: (payload: string) => void, onReconnect?: () => void): Promise<DatabaseListener>;
};

/** A LISTEN subscription from {@link Database.listen}. */
export type DatabaseListener = {
  /** Stops listening and closes the dedicated connection. Idempotent. */
  close(): Promise<void>;
};

/** Options of {@link openDatabase}. */
export type OpenDatabaseOptions = {
  /** A `postgres://` or `postgresql://` URL (e.g. `DATABASE_URL`). When absent, SQLite is used. */
  url?: string;
  /** SQLite file path. Default `.avs/<name>.sqlite` under the working directory; its directory is created. */
  sqlitePath?: string;
  /** Base name of the default SQLite file (default `avs`). */
  name?: string;
  /** Postgres only: schema to work in, set as `search_path` on every pool connection (created when missing). */
  schema?: string;
  /** Postgres only: pool size (default 10). */
  poolSize?: number;
  /** SQLite only: busy timeout in milliseconds (default 5000). */
  busyTimeoutMs?: number;
  /**
   * SQLite only: page size in bytes of a new file, a power of two from 512 to 65,536 (default SQLite's 4,096). An
   * existing file keeps the size it was created with. Larger pages suit tables of rows of a few kilobytes written in
   * bulk (the task store's proofs); small rows inserted at random keys do better on the default.
   */
  sqlitePageSize?: number;
};

/** Thrown when a database cannot be opened; the message says which one and why. */
export class DatabaseError extends Error {
  override name = 'DatabaseError';
}

const PG_INT8_OID = 20;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Opens (and for SQLite creates) a database.
 *
 * SQLite runs in WAL mode with `synchronous = NORMAL` (a committed transaction survives a process crash; a power loss
 * may lose the last few), a busy timeout, and foreign keys on. Postgres gets a pool whose connections each start with
 * `search_path` set to `schema` when one is given; the pool is checked with `select 1` before this returns.
 *
 * @throws {DatabaseError} for an unsupported URL scheme, a bad schema name, a bad SQLite page size, an SQLite file that
 *   cannot be opened, or an unreachable Postgres server (the message names the URL without its password).
 */
export async function openDatabase<DB = unknown>(options: OpenDatabaseOptions = {}): Promise<Database<DB>> {
  const pageSize = options.sqlitePageSize;
  if (pageSize !== undefined && !(Number.isInteger(pageSize) && pageSize >= 512 && pageSize <= 65_536 && (pageSize & (pageSize - 1)) === 0)) {
    throw new DatabaseError(`invalid SQLite page size ${pageSize}: expected a power of two from 512 to 65536`);
  }
  if (options.url !== undefined && options.url !== '') {
    if (!/^postgres(ql)?:\/\//i.test(options.url)) {
      throw new DatabaseError(`unsupported database URL ${redactUrl(options.url)}: expected postgres:// or postgresql://`);
    }
    return openPostgres<DB>(options.url, options);
  }
  return openSqlite<DB>(options.sqlitePath ?? join('.avs', `${options.name ?? 'avs'}.sqlite`), options);
}

function openSqlite<DB>(path: string, options: OpenDatabaseOptions): Database<DB> {
  let handle: BetterSqlite3.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    handle = new BetterSqlite3(path);
    // Before WAL mode and the first write: it only takes effect on a new, empty file.
    if (options.sqlitePageSize !== undefined) handle.pragma(`page_size = ${options.sqlitePageSize}`);
    handle.pragma('journal_mode = WAL');
    handle.pragma('synchronous = NORMAL');
    handle.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    handle.pragma('foreign_keys = ON');
  } catch (error) {
    throw new DatabaseError(`cannot open SQLite database ${path}: ${(error as Error).message}`);
  }
  const kysely = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(handle) }) });
  let closed = false;
  return {
    kysely,
    dialect: 'sqlite',
    location: path,
    async close() {
      if (closed) return;
      closed = true;
      await kysely.destroy();
      // Kysely closes the handle only if it ever ran a query.
      if (handle.open) handle.close();
    },
  };
}

/**
 * Kysely prepares every query anew; with better-sqlite3 that parse is a large part of a small query's cost. Reuse
 * prepared statements by SQL text (least recently used beyond 256). Safe because the driver runs each statement to
 * completion synchronously (`all`/`run`); do not use Kysely's `stream()` on SQLite with this cache.
 */
function withStatementCache(handle: BetterSqlite3.Database): { close(): void; prepare(sql: string): BetterSqlite3.Statement } {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => handle.close(),
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql);
      } else {
        statement = handle.prepare(sql);
        if (cache.size >= 256) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}

async function openPostgres<DB>(url: string, options: OpenDatabaseOptions): Promise<Database<DB>> {
  const schema = options.schema;
  if (schema !== undefined && !IDENTIFIER.test(schema)) {
    throw new DatabaseError(`invalid Postgres schema name ${JSON.stringify(schema)}: expected letters, digits and _`);
  }
  const location = redactUrl(url) + (schema ? ` (schema ${schema})` : '');
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 10_000,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as never,
    },
  });
  // An idle client losing its server emits 'error' on the pool; without a listener that would crash the process.
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    try {
      if (schema) await client.query(`create schema if not exists "${schema}"`);
      await client.query('select 1');
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => {});
    throw new DatabaseError(`cannot connect to Postgres at ${location}: ${(error as Error).message || String(error)}`);
  }
  const kysely = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const listeners = new Set<DatabaseListener>();
  let closed = false;
  return {
    kysely,
    dialect: 'postgres',
    location,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...listeners].map((l) => l.close()));
      await kysely.destroy();
    },
    async listen(channel, onNotification, onReconnect) {
      if (!IDENTIFIER.test(channel)) {
        throw new DatabaseError(`invalid Postgres channel name ${JSON.stringify(channel)}: expected letters, digits and _`);
      }
      const listener = await listenPostgres(url, location, channel, onNotification, onReconnect);
      listeners.add(listener);
      return {
        async close() {
          listeners.delete(listener);
          await listener.close();
        },
      };
    },
  };
}

async function listenPostgres(
  url: string,
  location: string,
  channel: string,
  onNotification: (payload: string) => void,
  onReconnect: (() => void) | undefined,
): Promise<DatabaseListener> {
  let current: pg.Client | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    // TCP keep-alive, so a silently dropped connection ends (and is re-opened) instead of hearing nothing forever.
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, keepAlive: true });
    client.on('notification', (message) => {
      if (message.channel === channel && message.payload !== undefined) onNotification(message.payload);
    });
    // Errors end the connection; 'end' schedules the reconnection.
    client.on('error', () => {});
    client.on('end', () => {
      if (current === client && !stopped) {
        current = undefined;
        retry(200);
      }
    });
    try {
      await client.connect();
      await client.query(`listen "${channel}"`);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (stopped) {
      await client.end().catch(() => {});
      return;
    }
    current = client;
  };
  const retry = (delayMs: number): void => {
    timer = setTimeout(async () => {
      if (stopped) return;
      try {
        await connect();
        onReconnect?.();
      } catch {
        retry(Math.min(delayMs * 2, 5_000));
      }
    }, delayMs);
  };
  try {
    await connect();
  } catch (error) {
    throw new DatabaseError(`cannot listen on Postgres at ${location}: ${(error as Error).message || String(error)}`);
  }
  return {
    async close() {
      stopped = true;
      clearTimeout(timer);
      const client = current;
      current = undefined;
      await client?.end().catch(() => {});
    },
  };
}

/** A URL with its password replaced by `***`, for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  }
}
