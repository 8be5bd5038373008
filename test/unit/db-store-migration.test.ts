import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type Hex, keccak256, toHex } from 'viem';
import { migrateToLatest } from '../../src/core/db/migrations.ts';
import { aggregatorMigrations } from '../../src/services/state-proofs/aggregator/migrations.ts';
import { createStateProofStore } from '../../src/services/state-proofs/aggregator/store.ts';
import { forEachDatabase } from '../helpers/db.ts';

const USER = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
const OP_A = '0x000000000000000000000000000000000000000a';
const OP_B = '0x000000000000000000000000000000000000000b';
const D1 = keccak256('0x01');
const D2 = keccak256('0x02');

/** The aggregator's schema before the task engine's tables (migrations 0001 to 0003). */
const before = { name: aggregatorMigrations.name, migrations: Object.fromEntries(Object.entries(aggregatorMigrations.migrations).slice(0, 3)) };

forEachDatabase('state-proofs store migration', (fixture) => {
  it('moves every task, answer and conflict of the per-column tables into the engine tables, losing nothing', async () => {
    const database = await fixture.fresh();
    assert.deepEqual(await migrateToLatest(database, before), ['0001_tasks_and_signatures', '0002_proof_feed', '0003_replica_claims']);
    const aggregated = keccak256(toHex('aggregated'));
    const open = keccak256(toHex('open'));
    const row = (taskId: Hex, extra: Record<string, unknown>) => ({
      task_id: taskId,
      chain_id: '31338',
      user: USER,
      key: (2n ** 255n + 7n).toString(),
      block_number: (2n ** 63n).toString(),
      timestamp: '1700000000',
      reference_epoch: 4,
      status: 'pending',
      failure_reason: null,
      value: null,
      exists: null,
      digest: null,
      sig_data: null,
      signer_count: 0,
      signed_weight: '0',
      threshold_weight: (10n ** 30n).toString(),
      created_at: 1000,
      updated_at: 1000,
      deadline_at: 61_000,
      aggregated_at: null,
      claimed_by: 'replica-a',
      lease_until: 11_000,
      ...extra,
    });
    const answer = (taskId: Hex, operator: string, digest: Hex, value: bigint, exists: number) => ({
      task_id: taskId,
      operator,
      signing_key: operator,
      digest,
      value: value.toString(),
      exists,
      reference_epoch: 4,
      signature: `0x${'11'.repeat(65)}`,
      weight: (10n ** 29n).toString(),
      received_at: 2000,
    });
    const db = database.kysely;
    await db
      .insertInto('sp_tasks')
      .values([
        row(aggregated, { status: 'aggregated', value: (2n ** 256n - 1n).toString(), exists: 0, digest: D1, sig_data: '0xabcd', signer_count: 1, signed_weight: '7', aggregated_at: 3000, updated_at: 3000 }),
        row(open, { status: 'signing' }),
      ])
      .execute();
    await db.insertInto('sp_signatures').values([answer(aggregated, OP_A, D1, 2n ** 256n - 1n, 0), answer(open, OP_B, D2, 5n, 1)]).execute();
    await db.insertInto('sp_signature_conflicts').values([answer(aggregated, OP_A, D2, 9n, 1)]).execute();

    const store = await createStateProofStore(database);
    const done = await store.getTask(aggregated);
    assert.equal(done?.status, 'aggregated');
    assert.deepEqual(done?.query, { user: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', chainId: 31338n, blockNumber: 2n ** 63n, timestamp: 1_700_000_000n, key: 2n ** 255n + 7n });
    assert.deepEqual(done?.result, { value: 2n ** 256n - 1n, exists: false });
    assert.deepEqual([done?.digest, done?.sigData, done?.signerCount, done?.signedWeight, done?.aggregatedAt, done?.claimedBy], [D1, '0xabcd', 1, 7n, 3000, 'replica-a']);
    assert.deepEqual((await store.listAnswers(aggregated)).map((a) => [a.operator, a.digest, a.answer]), [[OP_A, D1, { value: 2n ** 256n - 1n, exists: false }]]);
    assert.deepEqual((await store.listConflicts(aggregated)).map((a) => [a.operator, a.digest, a.answer]), [[OP_A, D2, { value: 9n, exists: true }]]);
    const unfinished = await store.listUnfinished();
    assert.deepEqual(unfinished.map((u) => [u.task.taskId, u.task.status, u.task.result, u.task.leaseUntil, u.answers.map((a) => a.answer)]), [
      [open, 'signing', null, 11_000, [{ value: 5n, exists: true }]],
    ]);
    assert.deepEqual(await store.countEpochTasks(4), { aggregated: 1, failed: 0, unfinished: 1 });
    // The old tables are gone; the migration runs once.
    await assert.rejects(db.selectFrom('sp_tasks').selectAll().execute());
    assert.deepEqual(await migrateToLatest(database, aggregatorMigrations), []);
  });
});
