import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { powerOfTwoChunks } from '../../src/core/db/chunks.ts';
import { DatabaseError, openDatabase, redactUrl } from '../../src/core/db/database.ts';
import { type MigrationSet, MigrationError, migrateToLatest } from '../../src/core/db/migrations.ts';
import { forEachDatabase } from '../helpers/db.ts';

const widgets: MigrationSet = {
  name: 'widgets_test',
  migrations: {
    '0001_widgets': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('widgets')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('amount', 'text', (c) => c.notNull())
          .addColumn('flag', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    '0002_index': {
      async up(db: Kysely<any>) {
        await db.schema.createIndex('widgets_flag').on('widgets').column('flag').execute();
      },
    },
  },
};

forEachDatabase('database', (fixture) => {
  it('applies a migration set once, then reports it up to date', async () => {
    const db = await fixture.fresh();
    assert.equal(db.dialect, fixture.dialect);
    assert.deepEqual(await migrateToLatest(db, widgets), ['0001_widgets', '0002_index']);
    assert.deepEqual(await migrateToLatest(db, widgets), []);
  });

  it('returns the same shapes on both engines (decimal text, 0/1 integers, millisecond bigints as numbers)', async () => {
    const db = await fixture.fresh();
    await migrateToLatest(db, widgets);
    const big = (2n ** 255n + 7n).toString();
    const now = Date.now();
    await db.kysely.insertInto('widgets' as never).values({ id: 'a', amount: big, flag: 1, created_at: now } as never).execute();
    const row = (await db.kysely.selectFrom('widgets' as never).selectAll().executeTakeFirstOrThrow()) as Record<string, unknown>;
    assert.deepEqual(row, { id: 'a', amount: big, flag: 1, created_at: now });
    const { rows } = await sql<{ n: number }>`select count(*) as n from widgets`.execute(db.kysely);
    assert.equal(rows[0].n, 1);
  });

  it('sees committed data from a second connection (restart)', async () => {
    const db = await fixture.fresh();
    await migrateToLatest(db, widgets);
    await db.kysely.insertInto('widgets' as never).values({ id: 'b', amount: '1', flag: 0, created_at: 1 } as never).execute();
    await db.close();
    const again = await db.reopen();
    assert.deepEqual(await migrateToLatest(again, widgets), []);
    const rows = await again.kysely.selectFrom('widgets' as never).select('id' as never).execute();
    assert.deepEqual(rows, [{ id: 'b' }]);
  });

  it('names the failing migration', async () => {
    const db = await fixture.fresh();
    const broken: MigrationSet = {
      name: 'broken_test',
      migrations: { '0001_bad': { up: async (k: Kysely<any>) => void (await sql`select * from no_such_table`.execute(k)) } },
    };
    await assert.rejects(migrateToLatest(db, broken), (e: Error) => e instanceof MigrationError && /0001_bad/.test(e.message));
  });
});

describe('openDatabase', () => {
  it('creates the SQLite directory and uses WAL mode', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'avs-db-'));
    try {
      const path = join(dir, 'nested', 'x.sqlite');
      const db = await openDatabase({ sqlitePath: path });
      const { rows } = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db.kysely);
      assert.equal(rows[0].journal_mode, 'wal');
      assert.ok(existsSync(path));
      await db.close();
      await db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('creates a new SQLite file with the page size asked for, and leaves an existing file at its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'avs-db-'));
    const pageSize = async (db: Awaited<ReturnType<typeof openDatabase>>) =>
      (await sql<{ page_size: number }>`pragma page_size`.execute(db.kysely as Kysely<any>)).rows[0].page_size;
    try {
      const large = await openDatabase({ sqlitePath: join(dir, 'large.sqlite'), sqlitePageSize: 16_384 });
      await migrateToLatest(large, widgets);
      assert.equal(await pageSize(large), 16_384);
      await large.close();
      const plain = await openDatabase({ sqlitePath: join(dir, 'plain.sqlite') });
      await migrateToLatest(plain, widgets);
      await plain.close();
      const reopened = await openDatabase({ sqlitePath: join(dir, 'plain.sqlite'), sqlitePageSize: 16_384 });
      assert.equal(await pageSize(reopened), 4_096);
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an SQLite page size that is not a power of two from 512 to 65536', async () => {
    for (const size of [0, 256, 3_000, 131_072, 1.5]) {
      await assert.rejects(openDatabase({ sqlitePath: ':memory:', sqlitePageSize: size }), (e: Error) => e instanceof DatabaseError && e.message.includes(`page size ${size}`));
    }
  });

  it('refuses an unsupported URL and a bad schema name', async () => {
    await assert.rejects(openDatabase({ url: 'mysql://u:secret@h/db' }), (e: Error) => e instanceof DatabaseError && !e.message.includes('secret'));
    await assert.rejects(openDatabase({ url: 'postgres://127.0.0.1/test', schema: 'x; drop' }), DatabaseError);
  });

  it('fails with a clear message when Postgres is unreachable, without the password', async () => {
    await assert.rejects(
      openDatabase({ url: 'postgres://u:hunter2@127.0.0.1:1/test' }),
      (e: Error) => e instanceof DatabaseError && /cannot connect to Postgres/.test(e.message) && !e.message.includes('hunter2'),
    );
  });

  it('redacts passwords', () => {
    assert.equal(redactUrl('postgres://u:p@h:5432/d'), 'postgres://u:***@h:5432/d');
  });
});

describe('powerOfTwoChunks', () => {
  it('splits into power-of-two sizes up to the maximum, in order', () => {
    const items = Array.from({ length: 235 }, (_, i) => i);
    const parts = powerOfTwoChunks(items, 128);
    assert.deepEqual(
      parts.map((p) => p.length),
      [128, 64, 32, 8, 2, 1],
    );
    assert.deepEqual(parts.flat(), items);
    assert.deepEqual(
      powerOfTwoChunks(Array.from({ length: 365 }, (_, i) => i), 256).map((p) => p.length),
      [256, 64, 32, 8, 4, 1],
    );
    assert.deepEqual(powerOfTwoChunks([], 256), []);
  });
});
