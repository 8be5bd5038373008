import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { BulkUpdateError, bulkUpdate } from '../../src/core/db/bulkUpdate.ts';
import { forEachDatabase } from '../helpers/db.ts';

type Widget = { id: string; status: string; amount: string; note: string | null; count: number; updated_at: number; updated_by: string | null; checked_at: number };

async function widgets(db: Kysely<any>, count: number): Promise<Widget[]> {
  await db.schema
    .createTable('widgets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('amount', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .addColumn('checked_at', 'bigint', (c) => c.notNull())
    .execute();
  const rows = Array.from({ length: count }, (_, i) => ({ id: `w${i}`, status: i % 4 === 3 ? 'closed' : 'open', amount: '0', note: null, count: 0, updated_at: 0, updated_by: null, checked_at: 0 }));
  await db.insertInto('widgets').values(rows).execute();
  return rows;
}

/** Sets amount, note and count of open widgets: two arguments (time, who; the time bound twice), rows of [id, amount, note, count]. */
function updateOpen(db: Kysely<any>, maxRows?: number) {
  return bulkUpdate(db, {
    table: 'widgets',
    key: 'id',
    width: 4,
    args: 2,
    ...(maxRows ? { maxRows } : {}),
    set: (arg) => sql`amount = v.column2, note = v.column3, count = cast(v.column4 as integer), updated_at = ${arg(0)}, updated_by = ${arg(1)}, checked_at = ${arg(0)}`,
    guard: () => sql`widgets.status = 'open'`,
  });
}

const all = (db: Kysely<any>) => db.selectFrom('widgets').selectAll().orderBy('id').execute() as Promise<Widget[]>;

forEachDatabase('bulk update', (fixture) => {
  it('sets each row its own values and every row the arguments, across statements of several row counts', async () => {
    const db = (await fixture.fresh()).kysely as Kysely<any>;
    const before = await widgets(db, 40);
    const update = updateOpen(db, 8);
    // 13 rows: statements of 8, 4 and 1; then 13 more reuse those texts. Only open widgets change.
    const values = (i: number) => [`w${i}`, (10n ** 30n + BigInt(i)).toString(), i % 3 === 0 ? null : `note ${i}`, i * 2];
    const first = Array.from({ length: 13 }, (_, i) => values(i));
    const second = Array.from({ length: 13 }, (_, i) => values(20 + i));
    const updated = [...(await update(db, [1_700_000_000_000, 'replica-a'], first)), ...(await update(db, [1_700_000_000_001, 'replica-b'], second))];
    const open = (i: number) => i % 4 !== 3;
    const expectedIds = [...Array.from({ length: 13 }, (_, i) => i), ...Array.from({ length: 13 }, (_, i) => 20 + i)].filter(open).map((i) => `w${i}`);
    assert.deepEqual(updated.sort(), expectedIds.sort());
    const expected = before.map((w, i) => {
      const inFirst = i < 13;
      const inSecond = i >= 20 && i < 33;
      if (!open(i) || (!inFirst && !inSecond)) return w;
      return { ...w, amount: (10n ** 30n + BigInt(i)).toString(), note: i % 3 === 0 ? null : `note ${i}`, count: i * 2, updated_at: inFirst ? 1_700_000_000_000 : 1_700_000_000_001, checked_at: inFirst ? 1_700_000_000_000 : 1_700_000_000_001, updated_by: inFirst ? 'replica-a' : 'replica-b' };
    });
    assert.deepEqual(await all(db), [...expected].sort((a, b) => (a.id < b.id ? -1 : 1)));
  });

  it('updates inside the caller transaction, so a rollback leaves nothing', async () => {
    const db = (await fixture.fresh()).kysely as Kysely<any>;
    const before = await widgets(db, 3);
    const update = updateOpen(db);
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        assert.deepEqual(await update(trx, [5, 'x'], [['w0', '1', null, 1]]), ['w0']);
        throw new Error('abort');
      }),
      /abort/,
    );
    assert.deepEqual(await all(db), before);
  });

  it('does nothing for no rows, and refuses a wrong argument count or row width', async () => {
    const db = (await fixture.fresh()).kysely as Kysely<any>;
    await widgets(db, 2);
    const update = updateOpen(db);
    assert.deepEqual(await update(db, [1, 'x'], []), []);
    await assert.rejects(update(db, [1], [['w0', '1', null, 1]]), BulkUpdateError);
    await assert.rejects(update(db, [1, 'x'], [['w0', '1', null]]), BulkUpdateError);
  });
});

it('refuses a width below 1 and an argument the SET names but the options do not give', () => {
  const db = {} as Kysely<any>;
  assert.throws(() => bulkUpdate(db, { table: 't', key: 'id', width: 0, args: 0, set: () => sql`a = 1`, guard: () => sql`true` }), BulkUpdateError);
  assert.throws(() => bulkUpdate(db, { table: 't', key: 'id', width: 1, args: -1, set: () => sql`a = 1`, guard: () => sql`true` }), BulkUpdateError);
});
