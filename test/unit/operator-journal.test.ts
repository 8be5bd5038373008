import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import type { Kysely } from 'kysely';
import type { Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { migrateToLatest } from '../../src/core/db/index.ts';
import { type JournalDatabase, SigningJournal, journalMigrations, openSigningJournal, operatorJournalSchema } from '../../src/services/state-proofs/operator/journal.ts';
import { TEST_POSTGRES_URL, forEachDatabase, postgresSkip } from '../helpers/db.ts';

const taskId = `0x${'ab'.repeat(32)}` as Hex;
const key = { taskId, chainId: 31_338n, blockNumber: 1_234n };
const entry = (epoch: number, value: bigint) => ({
  ...key,
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
    const rows = await journal.findByTasks([key]);
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
    const rows = (await journal.findByTasks([key])).sort((a, b) => a.referenceEpoch - b.referenceEpoch);
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
    assert.deepEqual((await journal.findByTasks([key])).map((r) => r.value), [max, max]);
  });

  it('finds the entries of tasks at several blocks and chains in one call, each under its own key', async () => {
    const db = await fixture.fresh();
    await migrateToLatest(db, journalMigrations);
    const journal = await SigningJournal.open(db.kysely as never);
    const keys = [0n, 1n, 2n].flatMap((block) =>
      [1n, 31_338n].map((chainId) => ({ taskId: `0x${(Number(block) * 2 + Number(chainId % 2n)).toString(16).padStart(64, '0')}` as Hex, chainId, blockNumber: 100n + block })),
    );
    await journal.append(keys.map((k, i) => ({ ...entry(1, BigInt(i)), ...k })));
    const found = await journal.findByTasks([...keys].reverse());
    assert.equal(found.length, keys.length);
    for (const [i, k] of keys.entries()) {
      const hit = found.find((f) => f.taskId === k.taskId);
      assert.deepEqual([hit?.chainId, hit?.blockNumber, hit?.value], [k.chainId, k.blockNumber, BigInt(i)]);
    }
    // A task id is the hash of its query, chain and block included: under another block it is another task.
    assert.deepEqual(await journal.findByTasks([{ ...keys[0]!, blockNumber: 99n }]), []);
  });

  it('matches task ids whatever their hex case', async () => {
    const db = await fixture.fresh();
    await migrateToLatest(db, journalMigrations);
    const journal = await SigningJournal.open(db.kysely as never);
    const mixed = `0x${'AB'.repeat(32)}` as Hex;
    await journal.append([{ ...entry(2, 5n), taskId: mixed }]);
    assert.deepEqual((await journal.findByTasks([key])).map((r) => r.value), [5n]);
  });

  it('still answers from entries written before the block-keyed layout (migration 0003)', async () => {
    const db = await fixture.fresh();
    // The journal as nodes before 0003 left it: migrated to 0002, one entry in the task-keyed table.
    const upTo0002 = { ...journalMigrations, migrations: Object.fromEntries(Object.entries(journalMigrations.migrations).filter(([name]) => name < '0003')) };
    await migrateToLatest(db, upTo0002);
    const root = `0x${'12'.repeat(32)}` as Hex;
    await (db.kysely as unknown as Kysely<{ operator_signed_attestations: JournalDatabase['operator_signed_attestations_v1'] }>)
      .insertInto('operator_signed_attestations')
      .values({ task_id: taskId, reference_epoch: 3, value: '41', exists: 1, digest: `0x${'cd'.repeat(32)}`, signature: `0x${'ef'.repeat(65)}`, signed_at: 1, batch_root: root })
      .execute();
    assert.deepEqual(await migrateToLatest(db, journalMigrations), ['0003_block_keyed_entries']);
    const journal = await SigningJournal.open(db.kysely as never);
    const [old] = await journal.findByTasks([key]);
    assert.deepEqual(
      { value: old?.value, epoch: old?.referenceEpoch, root: old?.batchRoot, chainId: old?.chainId, blockNumber: old?.blockNumber },
      { value: 41n, epoch: 3, root, chainId: key.chainId, blockNumber: key.blockNumber },
    );
    // New entries go to the block-keyed table; both are counted and found.
    await journal.append([entry(4, 41n)]);
    assert.equal(await journal.count(), 2);
    assert.deepEqual((await journal.findByTasks([key])).map((r) => r.referenceEpoch).sort(), [3, 4]);
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
      assert.equal((await a.journal.findByTasks([key])).length, 1);
      assert.deepEqual(await b.journal.findByTasks([key]), []);
      await b.journal.append([entry(4, 8n)]);
      assert.equal((await a.journal.findByTasks([key]))[0].value, 7n);
      assert.equal((await b.journal.findByTasks([key]))[0].value, 8n);
    } finally {
      await Promise.all([a.database.close(), b.database.close()]);
    }
  });
});
