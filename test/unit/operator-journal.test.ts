import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import type { Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { migrateToLatest } from '../../src/core/db/index.ts';
import { SigningJournal, journalMigrations, openSigningJournal, operatorJournalSchema } from '../../src/services/state-proofs/operator/journal.ts';
import { TEST_POSTGRES_URL, forEachDatabase, postgresSkip } from '../helpers/db.ts';

const taskId = `0x${'ab'.repeat(32)}` as Hex;
const entry = (epoch: number, value: bigint) => ({
  taskId,
  referenceEpoch: epoch,
  value,
  exists: true,
  digest: `0x${'cd'.repeat(32)}` as Hex,
  signature: `0x${'ef'.repeat(65)}` as Hex,
});

forEachDatabase('operator signing journal', (fixture) => {
  it('keeps the first signature for a (task, epoch) and ignores a later conflicting one', async () => {
    const db = await fixture.fresh();
    await migrateToLatest(db, journalMigrations);
    const journal = new SigningJournal(db.kysely as never);
    await journal.append([entry(3, 10n)]);
    await journal.append([entry(3, 99n)]);
    const rows = await journal.findByTasks([taskId]);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].value, 10n);
    assert.equal(rows[0].exists, true);
  });

  it('records the batch root an attestation was signed under, and none for one signed alone', async () => {
    const db = await fixture.fresh();
    await migrateToLatest(db, journalMigrations);
    const journal = new SigningJournal(db.kysely as never);
    const root = `0x${'12'.repeat(32)}` as Hex;
    await journal.append([{ ...entry(5, 1n), batchRoot: root }, entry(6, 1n)]);
    const rows = (await journal.findByTasks([taskId])).sort((a, b) => a.referenceEpoch - b.referenceEpoch);
    assert.deepEqual(rows.map((r) => r.batchRoot), [root, undefined]);
  });

  it('survives a reopen (restart) with its entries intact, uint256 values included', async () => {
    const db = await fixture.fresh();
    await migrateToLatest(db, journalMigrations);
    const max = (1n << 256n) - 1n;
    await new SigningJournal(db.kysely as never).append([entry(1, max), entry(2, max)]);
    const again = await db.reopen();
    await migrateToLatest(again, journalMigrations);
    const journal = new SigningJournal(again.kysely as never);
    assert.equal(await journal.count(), 2);
    assert.deepEqual((await journal.findByTasks([taskId])).map((r) => r.value), [max, max]);
  });
});

describe('operator signing journals sharing one Postgres database', { skip: postgresSkip }, () => {
  const operators = [privateKeyToAccount(generatePrivateKey()).address, privateKeyToAccount(generatePrivateKey()).address];

  after(async () => {
    const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await client.connect();
    for (const operator of operators) await client.query(`drop schema if exists ${operatorJournalSchema(operator)} cascade`);
    await client.end();
  });

  it('keeps each operator’s entries apart, so no node re-sends another operator’s signature', async () => {
    const [a, b] = await Promise.all(operators.map((operator) => openSigningJournal({ operator, databaseUrl: TEST_POSTGRES_URL })));
    try {
      await a.journal.append([entry(4, 7n)]);
      assert.equal((await a.journal.findByTasks([taskId])).length, 1);
      assert.deepEqual(await b.journal.findByTasks([taskId]), []);
      await b.journal.append([entry(4, 8n)]);
      assert.equal((await a.journal.findByTasks([taskId]))[0].value, 7n);
      assert.equal((await b.journal.findByTasks([taskId]))[0].value, 8n);
    } finally {
      await Promise.all([a.database.close(), b.database.close()]);
    }
  });
});
