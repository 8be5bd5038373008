/**
 * The task store's partial indexes (`partialTaskIndexesMigration`): each task is held only in the index of its state,
 * the store's queries still find every task in every state, and on SQLite each of those queries reads its index
 * rather than scanning the tasks table (its planner uses a partial index only when a query states the index's status
 * condition word for word).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type KyselyPlugin, type RootOperationNode, sql } from 'kysely';
import { type Hex, keccak256, toHex } from 'viem';
import { encodeBatchedAnswerSignature } from '../../src/runtime/tasks/batchSignature.ts';
import { type NewStateProofTask, createStateProofStore } from '../../src/services/state-proofs/aggregator/store.ts';
import { forEachDatabase } from '../helpers/db.ts';

const TASKS = 'state_proofs_tasks';
const LEAVES = 'state_proofs_batch_leaves';

/** An answer to `taskId` signed in a batch (the store keeps its leaf and the batch signature). */
function batchedAnswer(taskId: Hex, i: number) {
  return {
    taskId,
    operator: '0x000000000000000000000000000000000000000a' as Hex,
    signingKey: '0x000000000000000000000000000000000000000a' as Hex,
    digest: keccak256(toHex(`digest ${i}`)),
    answer: { value: BigInt(i), exists: true },
    referenceEpoch: 4,
    signature: encodeBatchedAnswerSignature(`0x${'0a'.repeat(65)}`, keccak256(toHex('root'))),
    weight: 10n,
    receivedAt: 4_000,
  };
}

function task(i: number, epoch: number): NewStateProofTask {
  return {
    taskId: keccak256(toHex(`indexed task ${i}`)),
    query: { chainId: 31337n, user: '0x00000000000000000000000000000000000000aa', key: BigInt(i), blockNumber: 10n, timestamp: 1_700_000_000n },
    referenceEpoch: epoch,
    thresholdWeight: 10n,
    createdAt: 1_000 + i,
    deadlineAt: 100_000 + i,
  };
}

/** Stores tasks 0–7 of epoch 4 and 8–9 of epoch 5, then moves them to: 0–1 pending, 2–3 signing, 4–6 aggregated, 7 failed, 8 aggregated, 9 failed. */
async function tasksInEveryState(store: Awaited<ReturnType<typeof createStateProofStore>>): Promise<Hex[]> {
  const tasks = Array.from({ length: 10 }, (_, i) => task(i, i < 8 ? 4 : 5));
  await store.insertTasks(tasks);
  const id = (i: number) => tasks[i].taskId;
  const completion = (i: number) => ({ taskId: id(i), result: { value: BigInt(i), exists: true }, digest: keccak256(toHex(i)), sigData: '0x01' as Hex, signerCount: 1, signedWeight: 10n });
  await store.write({ signing: [2, 3, 4, 5].map(id) }, 2_000);
  await store.write({ completions: [4, 5, 6, 8].map(completion), failures: [7, 9].map((i) => ({ taskId: id(i), reason: 'deadline', signedWeight: 0n })) }, 3_000);
  return tasks.map((t) => t.taskId);
}

forEachDatabase('task store partial indexes', (fixture) => {
  it('replaces the status-led indexes with one partial index per state', async () => {
    const database = await fixture.fresh();
    await createStateProofStore(database);
    const { rows } =
      fixture.dialect === 'sqlite'
        ? await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = ${TASKS} and sql is not null`.execute(database.kysely)
        : await sql<{ name: string }>`select indexname as name from pg_indexes where tablename = ${TASKS} and schemaname = current_schema() and indexname <> ${`${TASKS}_pkey`}`.execute(
            database.kysely,
          );
    assert.deepEqual(rows.map((r) => r.name).sort(), [`${TASKS}_epoch`, `${TASKS}_failed`, `${TASKS}_feed`, `${TASKS}_open`]);
  });

  it('finds every task in every state: unfinished, claims, the feed, an epoch’s proofs and counts', async () => {
    const database = await fixture.fresh();
    const store = await createStateProofStore(database);
    const ids = await tasksInEveryState(store);
    assert.deepEqual((await store.listUnfinished()).map((u) => u.task.taskId), [0, 1, 2, 3].map((i) => ids[i]), 'oldest first');
    assert.deepEqual((await store.listProofs({ limit: 10 })).map((t) => t.taskId).sort(), [4, 5, 6, 8].map((i) => ids[i]).sort());
    // Aggregated in one write: one time, so by task id.
    assert.deepEqual((await store.listEpochProofs(4, { limit: 10 })).map((t) => t.taskId), [4, 5, 6].map((i) => ids[i]).sort(), 'by aggregation time, then task id');
    assert.deepEqual(await store.countEpochTasks(4), { aggregated: 3, failed: 1, unfinished: 4 });
    assert.deepEqual(await store.countEpochTasks(5), { aggregated: 1, failed: 1, unfinished: 0 });
    assert.deepEqual(await store.countEpochTasks(6), { aggregated: 0, failed: 0, unfinished: 0 });
    // Leases of the unfinished tasks only: released, then claimed again.
    await store.releaseClaims();
    assert.deepEqual((await store.claimTasks(5_000, 10)).map((c) => c.task.taskId), [0, 1, 2, 3].map((i) => ids[i]));
    assert.deepEqual((await store.renewClaims(6_000)).sort(), [0, 1, 2, 3].map((i) => ids[i]).sort());
  });

  if (fixture.dialect === 'sqlite') {
    it('reads each state through its index, never by scanning the tasks table (SQLite query plans)', async () => {
      const database = await fixture.fresh();
      // Records every statement the store runs, to ask SQLite for its plan afterwards.
      const recorded: RootOperationNode[] = [];
      const recorder: KyselyPlugin = {
        transformQuery: ({ node }) => {
          recorded.push(node);
          return node;
        },
        transformResult: async ({ result }) => result,
      };
      const store = await createStateProofStore({ ...database, kysely: database.kysely.withPlugin(recorder) });
      await tasksInEveryState(store);
      recorded.length = 0;
      await store.listUnfinished();
      await store.claimTasks(5_000, 10);
      await store.renewClaims(6_000);
      await store.listProofs({ after: { updatedAt: 1, taskId: `0x${'00'.repeat(32)}` }, limit: 10 });
      await store.listEpochProofs(4, { after: { aggregatedAt: 1, taskId: `0x${'00'.repeat(32)}` }, limit: 10 });
      await store.countEpochTasks(4);
      // Answers signed in a batch: leaves written and read through their tasks' rows.
      const ids = (await store.listUnfinished()).map((u) => u.task.taskId);
      await store.write({ answers: ids.map((id, i) => batchedAnswer(id, i)) });
      await store.listAnswersOf(ids);
      await store.listUnfinished();
      const executor = database.kysely.getExecutor();
      const plans: { sql: string; plan: string }[] = [];
      for (const node of recorded) {
        const compiled = executor.compileQuery(node, { queryId: 'plan' } as never);
        if (!compiled.sql.includes(`"${TASKS}"`) && !compiled.sql.includes(`"${LEAVES}"`)) continue;
        const { rows } = await database.kysely.executeQuery<{ detail: string }>({ ...compiled, sql: `explain query plan ${compiled.sql}` });
        plans.push({ sql: compiled.sql, plan: rows.map((r) => r.detail).join(' | ') });
      }
      assert.ok(plans.length >= 8, `the store's queries were recorded (${plans.length})`);
      for (const { sql: text, plan } of plans) {
        // No table read whole: the tasks, nor the answers or leaves of every task ever stored.
        // (An insert's own list of rows is read whole, as it should be.)
        assert.doesNotMatch(plan, /\bSCAN (?!\d+-ROW VALUES CLAUSE)\w+\b(?! USING)/, `${text}\n  plan: ${plan}`);
      }
      const used = plans.map((p) => p.plan).join(' | ');
      assert.match(used, new RegExp(`SEARCH l USING INDEX sqlite_autoindex_${LEAVES}_1 \\(task_created_at=\\? AND task_id=\\?\\)`), 'leaves are read by their task’s time and id');
      for (const index of ['open', 'feed', 'epoch', 'failed']) assert.match(used, new RegExp(`INDEX ${TASKS}_${index}\\b`), `${TASKS}_${index} is read`);
    });
  }
});
