import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Kysely } from 'kysely';
import { bulkInsert } from '../../src/core/db/bulkInsert.ts';
import { forEachDatabase } from '../helpers/db.ts';

type Widget = { id: string; amount: string; note: string | null; created_at: number };

async function widgets(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('widgets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('amount', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

const widget = (i: number): Widget => ({ id: `w${i}`, amount: (10n ** 30n + BigInt(i)).toString(), note: i % 3 === 0 ? null : `note ${i}`, created_at: 1_700_000_000_000 + i });

forEachDatabase('bulk insert', (fixture) => {
  it('writes every row with each value in its own column, across statements of several row counts', async () => {
    const db = await fixture.fresh();
    await widgets(db.kysely as Kysely<any>);
    const insert = bulkInsert<Widget>(db.kysely as Kysely<any>, { table: 'widgets', columns: ['id', 'amount', 'note', 'created_at'], maxRows: 8 });
    // 8 + 4 + 1 rows: three statement texts; then 13 more reuse them.
    const first = Array.from({ length: 13 }, (_, i) => widget(i));
    const second = Array.from({ length: 13 }, (_, i) => widget(100 + i));
    assert.equal((await insert(db.kysely as Kysely<any>, first)).inserted, 13);
    assert.equal((await insert(db.kysely as Kysely<any>, second)).inserted, 13);
    const stored = await (db.kysely as Kysely<any>).selectFrom('widgets').selectAll().orderBy('created_at').execute();
    assert.deepEqual(stored, [...first, ...second]);
  });

  it('counts only the rows ON CONFLICT DO NOTHING kept, and returns their RETURNING columns', async () => {
    const db = await fixture.fresh();
    await widgets(db.kysely as Kysely<any>);
    const insert = bulkInsert<Widget, { id: string }>(db.kysely as Kysely<any>, {
      table: 'widgets',
      columns: ['id', 'amount', 'note', 'created_at'],
      finish: (q) => q.onConflict((oc) => oc.column('id').doNothing()).returning('id'),
    });
    await insert(db.kysely as Kysely<any>, [widget(1), widget(2)]);
    const changed = { ...widget(2), amount: '7' };
    const result = await insert(db.kysely as Kysely<any>, [widget(0), changed, widget(3)]);
    assert.deepEqual(result.returned.map((r) => r.id).sort(), ['w0', 'w3']);
    assert.equal(result.inserted, 2);
    const kept = await (db.kysely as Kysely<any>).selectFrom('widgets').select('amount').where('id', '=', 'w2').executeTakeFirstOrThrow();
    assert.equal(kept.amount, widget(2).amount);
  });

  it('inserts inside the caller transaction, so a rollback leaves nothing', async () => {
    const db = await fixture.fresh();
    await widgets(db.kysely as Kysely<any>);
    const insert = bulkInsert<Widget>(db.kysely as Kysely<any>, { table: 'widgets', columns: ['id', 'amount', 'note', 'created_at'] });
    await assert.rejects(
      (db.kysely as Kysely<any>).transaction().execute(async (trx) => {
        await insert(trx, [widget(1), widget(2)]);
        throw new Error('abort');
      }),
      /abort/,
    );
    assert.equal((await (db.kysely as Kysely<any>).selectFrom('widgets').selectAll().execute()).length, 0);
  });

  it('inserts nothing for no rows', async () => {
    const db = await fixture.fresh();
    await widgets(db.kysely as Kysely<any>);
    const insert = bulkInsert<Widget>(db.kysely as Kysely<any>, { table: 'widgets', columns: ['id', 'amount', 'note', 'created_at'] });
    assert.deepEqual(await insert(db.kysely as Kysely<any>, []), { returned: [], inserted: 0 });
  });
});
