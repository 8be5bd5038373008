import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sql } from 'kysely';
import { type Hex, keccak256, toHex } from 'viem';
import { encodeBatchedAnswerSignature } from '../../src/runtime/tasks/batchSignature.ts';
import { type NewStateProofTask, type StateAnswerRecord, createStateProofStore } from '../../src/services/state-proofs/aggregator/store.ts';
import { createTaskStore } from '../../src/runtime/tasks/store.ts';
import { STATE_PROOFS_TABLE_PREFIX, aggregatorMigrations } from '../../src/services/state-proofs/aggregator/migrations.ts';
import { stateProofCodec } from '../../src/services/state-proofs/aggregator/taskType.ts';
import { forEachDatabase } from '../helpers/db.ts';

const USER = '0x00000000000000000000000000000000000000aa';
const OP_A = '0x000000000000000000000000000000000000000a';
const OP_B = '0x000000000000000000000000000000000000000b';
const OP_C = '0x000000000000000000000000000000000000000c';
const ROOT_1 = keccak256('0xr1' as Hex);
const ROOT_2 = keccak256('0xr2' as Hex);

function task(i: number): NewStateProofTask {
  return {
    taskId: keccak256(toHex(`task-${i}`)),
    query: { chainId: 31337n, user: USER, key: BigInt(i), blockNumber: 10n, timestamp: 1_700_000_000n },
    referenceEpoch: 3,
    thresholdWeight: 10n ** 30n,
    createdAt: 1000 + i,
    deadlineAt: 61_000 + i,
  };
}

/** Operator `operator`'s answer to task `i`, signed in the batch of `root` (or alone when root is undefined). */
function answer(i: number, operator: string, root: Hex | undefined, receivedAt: number, value = BigInt(i)): StateAnswerRecord {
  const signature = `0x${operator.slice(-2).repeat(65)}` as Hex;
  return {
    taskId: task(i).taskId,
    operator: operator as Hex,
    signingKey: operator as Hex,
    digest: keccak256(toHex(`digest-${i}-${value}`)),
    answer: { value, exists: true },
    referenceEpoch: 3,
    signature: root ? encodeBatchedAnswerSignature(signature, root) : signature,
    weight: 10n ** 29n,
    receivedAt,
  };
}

async function rowCount(database: { kysely: unknown }, table: string): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(database.kysely as never);
  return Number(rows[0]!.n);
}

forEachDatabase('task store: answers signed in a batch', (fixture) => {
  it('stores a batch once per task and once per operator, and reads back every answer as written', async () => {
    const database = await fixture.fresh();
    const store = await createStateProofStore(database);
    await store.insertTasks([task(1), task(2), task(3)]);
    const batch = [OP_A, OP_B, OP_C].flatMap((op, k) => [1, 2, 3].map((i) => answer(i, op, ROOT_1, 2000 + k)));
    assert.equal((await store.write({ answers: batch })).answersInserted, 9);
    assert.equal(await rowCount(database, 'state_proofs_batch_leaves'), 3);
    assert.equal(await rowCount(database, 'state_proofs_batch_signatures'), 3);
    assert.equal(await rowCount(database, 'state_proofs_answers'), 0);

    assert.deepEqual(await store.listAnswers(task(2).taskId), [OP_A, OP_B, OP_C].map((op, k) => answer(2, op, ROOT_1, 2000 + k)));
    const of = await store.listAnswersOf([task(3).taskId, task(1).taskId]);
    assert.deepEqual(of.get(task(1).taskId), [OP_A, OP_B, OP_C].map((op, k) => answer(1, op, ROOT_1, 2000 + k)));
    assert.equal(of.get(task(3).taskId)?.length, 3);
    // The same batch again inserts nothing.
    assert.equal((await store.write({ answers: batch })).answersInserted, 0);
    assert.equal(await rowCount(database, 'state_proofs_batch_leaves'), 3);
  });

  it('keeps one answer per operator, the first received, across single and batched answers', async () => {
    const store = await createStateProofStore(await fixture.fresh());
    await store.insertTasks([task(1), task(2)]);
    // A answers task 1 alone first; later it signs a batch over tasks 1 and 2 (the engine took only task 2 from it).
    const alone = answer(1, OP_A, undefined, 1500);
    await store.write({ answers: [alone] });
    await store.write({ answers: [answer(2, OP_A, ROOT_1, 2000)] });
    // B signed a batch first, then the same tasks in another batch.
    await store.write({ answers: [answer(1, OP_B, ROOT_1, 1800), answer(2, OP_B, ROOT_1, 1800)] });
    await store.write({ answers: [answer(1, OP_B, ROOT_2, 2500)] });
    const answers = await store.listAnswers(task(1).taskId);
    assert.deepEqual(answers, [alone, answer(1, OP_B, ROOT_1, 1800)]);
  });

  it('reloads unfinished tasks with their batched answers in the order received, and leaves finished ones out', async () => {
    const database = await fixture.fresh();
    const store = await createStateProofStore(database);
    await store.insertTasks([task(1), task(2)]);
    await store.write({ answers: [answer(1, OP_B, ROOT_1, 2200), answer(2, OP_B, ROOT_1, 2200)] });
    await store.write({ answers: [answer(1, OP_A, undefined, 2100)] });
    await store.write({
      completions: [{ taskId: task(2).taskId, result: { value: 2n, exists: true }, digest: answer(2, OP_B, ROOT_1, 0).digest, sigData: '0x01', signerCount: 1, signedWeight: 1n }],
    });
    const reopened = await createStateProofStore(database);
    const unfinished = await reopened.listUnfinished();
    assert.deepEqual(
      unfinished.map((u) => [u.task.taskId, u.answers]),
      [[task(1).taskId, [answer(1, OP_A, undefined, 2100), answer(1, OP_B, ROOT_1, 2200)]]],
    );
  });

  it('keeps the leaves stored before they were keyed by their task’s creation time (migration 0009)', async () => {
    const database = await fixture.fresh();
    // The schema as it was before 0009, with a batch stored in it: the old leaves (task_id, root, digest, answer).
    const before = { ...aggregatorMigrations, migrations: Object.fromEntries(Object.entries(aggregatorMigrations.migrations).filter(([name]) => name < '0009')) };
    const old = await createTaskStore(database, { prefix: STATE_PROOFS_TABLE_PREFIX, migrations: before, codec: stateProofCodec });
    await old.insertTasks([task(1), task(2)]);
    await sql`insert into state_proofs_batch_leaves (task_id, root, digest, answer)
      values (${task(1).taskId}, ${ROOT_1}, ${answer(1, OP_A, ROOT_1, 0).digest}, '{"value":"1","exists":true}'),
             (${task(2).taskId}, ${ROOT_1}, ${answer(2, OP_A, ROOT_1, 0).digest}, '{"value":"2","exists":true}')`.execute(database.kysely);
    await sql`insert into state_proofs_batch_signatures (root, operator, signing_key, signature, reference_epoch, weight, received_at)
      values (${ROOT_1}, ${OP_A}, ${OP_A}, ${`0x${'0a'.repeat(65)}`}, 3, ${(10n ** 29n).toString()}, 2000)`.execute(database.kysely);
    const store = await createStateProofStore(database);
    assert.deepEqual(await store.listAnswers(task(2).taskId), [answer(2, OP_A, ROOT_1, 2000)]);
    assert.deepEqual((await store.listUnfinished()).map((u) => u.answers), [[answer(1, OP_A, ROOT_1, 2000)], [answer(2, OP_A, ROOT_1, 2000)]]);
    const { rows } = await sql<{ at: number | string }>`select task_created_at as at from state_proofs_batch_leaves order by task_created_at`.execute(database.kysely);
    assert.deepEqual(rows.map((r) => Number(r.at)), [task(1).createdAt, task(2).createdAt]);
  });

  it('keys the leaves by the stored creation time whether or not this store wrote the task, and leaves out unknown tasks', async () => {
    const database = await fixture.fresh();
    const writer = await createStateProofStore(database);
    await writer.insertTasks([task(1)]);
    // A second store on the same database (another replica, or this one restarted) has not seen task 1 in memory.
    const other = await createStateProofStore(database);
    const written = await other.write({ answers: [answer(1, OP_A, ROOT_1, 2000), answer(9, OP_A, ROOT_1, 2000)] });
    assert.equal(written.answersInserted, 1);
    await writer.write({ answers: [answer(1, OP_B, ROOT_1, 2100)] });
    const { rows } = await sql<{ at: number | string }>`select task_created_at as at from state_proofs_batch_leaves`.execute(database.kysely);
    assert.deepEqual(rows.map((r) => Number(r.at)), [task(1).createdAt]);
    assert.deepEqual(await writer.listAnswers(task(1).taskId), [answer(1, OP_A, ROOT_1, 2000), answer(1, OP_B, ROOT_1, 2100)]);
    assert.deepEqual(await other.listAnswers(task(9).taskId), []);
  });
});
