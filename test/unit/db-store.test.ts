import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sql } from 'kysely';
import { type Hex, keccak256, toHex } from 'viem';
import { type NewStateProofTask, type StateAnswerRecord, createStateProofStore } from '../../src/services/state-proofs/aggregator/store.ts';
import { forEachDatabase } from '../helpers/db.ts';

const USER = '0x00000000000000000000000000000000000000aa';
const OP_A = '0x000000000000000000000000000000000000000a';
const OP_B = '0x000000000000000000000000000000000000000b';

function task(i: number, overrides: Partial<NewStateProofTask> = {}): NewStateProofTask {
  return {
    taskId: keccak256(toHex(`task-${i}`)),
    query: { chainId: 31337n, user: USER, key: 2n ** 200n + BigInt(i), blockNumber: 2n ** 63n - 1n, timestamp: 1_700_000_000n + BigInt(i) },
    referenceEpoch: 3,
    thresholdWeight: 10n ** 30n,
    createdAt: 1000 + i,
    deadlineAt: 61_000 + i,
    ...overrides,
  };
}

function sig(taskId: Hex, operator: string, digest: Hex, value = 5n): StateAnswerRecord {
  return {
    taskId,
    operator: operator as `0x${string}`,
    signingKey: operator as `0x${string}`,
    digest,
    answer: { value, exists: true },
    referenceEpoch: 3,
    signature: `0x${'11'.repeat(65)}`,
    weight: 10n ** 29n,
    receivedAt: 2000,
  };
}

const D1 = keccak256('0x01');
const D2 = keccak256('0x02');

forEachDatabase('task store', (fixture) => {
  it('stores a task as pending with big integers intact, and creating it again returns the stored one', async () => {
    const store = await createStateProofStore(await fixture.fresh());
    const t = task(1);
    const [first] = await store.insertTasks([t]);
    assert.equal(first.created, true);
    assert.equal(first.task.status, 'pending');
    const stored = await store.getTask(t.taskId);
    assert.deepEqual(stored, first.task);
    assert.equal(stored?.query.key, t.query.key);
    assert.equal(stored?.query.blockNumber, t.query.blockNumber);
    assert.equal(stored?.thresholdWeight, 10n ** 30n);

    await store.write({ signing: [t.taskId] }, 5000);
    const [again] = await store.insertTasks([{ ...t, createdAt: 9999, deadlineAt: 99_999 }]);
    assert.equal(again.created, false);
    assert.equal(again.task.status, 'signing');
    assert.equal(again.task.createdAt, t.createdAt);
  });

  it('inserts a batch in input order, reporting which were new (duplicates inside a batch created once)', async () => {
    const store = await createStateProofStore(await fixture.fresh());
    await store.insertTasks([task(2)]);
    const results = await store.insertTasks([task(1), task(2), task(3), task(1)]);
    assert.deepEqual(
      results.map((r) => [r.task.taskId, r.created]),
      [
        [task(1).taskId, true],
        [task(2).taskId, false],
        [task(3).taskId, true],
        [task(1).taskId, false],
      ],
    );
    assert.equal(await store.getTask(keccak256('0xdead')), undefined);
  });

  it('guards every transition: each applies once, and never out of order', async () => {
    const store = await createStateProofStore(await fixture.fresh());
    const t = task(1);
    await store.insertTasks([t]);
    assert.deepEqual((await store.write({ signing: [t.taskId] })).signing, [t.taskId]);
    assert.deepEqual((await store.write({ signing: [t.taskId] })).signing, []);

    const completion = { taskId: t.taskId, result: { value: 5n, exists: true }, digest: D1, sigData: '0xaa' as Hex, signerCount: 1, signedWeight: 7n };
    assert.deepEqual((await store.write({ completions: [completion] }, 3000)).completed, [t.taskId]);
    // A second replica (or a restarted process) completing the same task does nothing.
    assert.deepEqual((await store.write({ completions: [{ ...completion, digest: D2 }] })).completed, []);
    assert.deepEqual((await store.write({ failures: [{ taskId: t.taskId, reason: 'late', signedWeight: 0n }] })).failed, []);
    assert.deepEqual((await store.write({ signing: [t.taskId] })).signing, []);

    const done = await store.getTask(t.taskId);
    assert.equal(done?.status, 'aggregated');
    assert.equal(done?.digest, D1);
    assert.equal(done?.aggregatedAt, 3000);
    assert.equal(done?.result?.value, 5n);
    assert.equal(done?.result?.exists, true);
  });

  it('extends a proof only for the same digest and only with more signers', async () => {
    const store = await createStateProofStore(await fixture.fresh());
    const t = task(1);
    await store.insertTasks([t]);
    await store.write({ completions: [{ taskId: t.taskId, result: { value: 5n, exists: true }, digest: D1, sigData: '0xaa', signerCount: 2, signedWeight: 7n }] });
    assert.deepEqual((await store.write({ extensions: [{ taskId: t.taskId, digest: D2, sigData: '0xbb', signerCount: 3, signedWeight: 9n }] })).extended, []);
    assert.deepEqual((await store.write({ extensions: [{ taskId: t.taskId, digest: D1, sigData: '0xbb', signerCount: 2, signedWeight: 9n }] })).extended, []);
    assert.deepEqual((await store.write({ extensions: [{ taskId: t.taskId, digest: D1, sigData: '0xcc', signerCount: 3, signedWeight: 9n }] })).extended, [t.taskId]);
    const stored = await store.getTask(t.taskId);
    assert.equal(stored?.sigData, '0xcc');
    assert.equal(stored?.signedWeight, 9n);
    assert.equal(stored?.signerCount, 3);
  });

  it('lists aggregated tasks in write order after a cursor, an extended proof again at its new position', async () => {
    const store = await createStateProofStore(await fixture.fresh());
    const [a, b, c] = [task(1), task(2), task(3)];
    await store.insertTasks([a, b, c]);
    const done = (t: NewStateProofTask, d: Hex) => ({ taskId: t.taskId, result: { value: 5n, exists: true }, digest: d, sigData: '0xaa' as Hex, signerCount: 1, signedWeight: 7n });
    await store.write({ completions: [done(b, D1)] }, 3000);
    await store.write({ completions: [done(a, D1), done(c, D2)] }, 4000);
    await store.write({ answers: [sig(b.taskId, OP_A, D1)] }, 4500);
    const ids = (list: { taskId: Hex }[]) => list.map((t) => t.taskId);
    const sameTime = [a.taskId, c.taskId].sort();
    assert.deepEqual(ids(await store.listProofs({ limit: 10 })), [b.taskId, ...sameTime]);
    assert.deepEqual(ids(await store.listProofs({ limit: 2 })), [b.taskId, sameTime[0]]);
    assert.deepEqual(ids(await store.listProofs({ after: { updatedAt: 4000, taskId: sameTime[0] }, limit: 10 })), [sameTime[1]]);

    await store.write({ extensions: [{ taskId: b.taskId, digest: D1, sigData: '0xbbbb', signerCount: 2, signedWeight: 9n }] }, 5000);
    const later = await store.listProofs({ after: { updatedAt: 4000, taskId: sameTime[1] }, limit: 10 });
    assert.deepEqual(ids(later), [b.taskId]);
    assert.equal(later[0].sigData, '0xbbbb');

    const signatures = await store.listAnswersOf([b.taskId, a.taskId]);
    assert.deepEqual([...signatures.keys()], [b.taskId.toLowerCase()]);
    assert.equal(signatures.get(b.taskId.toLowerCase() as Hex)?.[0].operator, OP_A);
  });

  it('applies many completions and extensions in one batch, each with its own values and guard', async () => {
    const store = await createStateProofStore(await fixture.fresh());
    const tasks = Array.from({ length: 250 }, (_, i) => task(i));
    await store.insertTasks(tasks);
    const completions = tasks.map((t, i) => ({
      taskId: t.taskId,
      result: { value: 2n ** 200n + BigInt(i), exists: i % 2 === 0 },
      digest: keccak256(toHex(i)),
      sigData: toHex(`sig-${i}`),
      signerCount: 1 + (i % 3),
      signedWeight: BigInt(i) * 10n ** 20n,
    }));
    const done = await store.write({ completions: completions.slice(0, 240) }, 4242);
    assert.equal(done.completed.length, 240);
    for (const c of completions.slice(0, 240)) {
      const stored = await store.getTask(c.taskId);
      assert.deepEqual(
        [stored?.status, stored?.result?.value, stored?.result?.exists, stored?.digest, stored?.sigData, stored?.signerCount, stored?.signedWeight, stored?.aggregatedAt],
        ['aggregated', c.result.value, c.result.exists, c.digest, c.sigData, c.signerCount, c.signedWeight, 4242],
      );
    }
    assert.equal((await store.getTask(tasks[245].taskId))?.status, 'pending');
    const extensions = completions.slice(0, 4).map((c, i) => ({
      taskId: c.taskId,
      // 0: more signers, right digest; 1: wrong digest; 2: not more signers; 3: more signers.
      digest: i === 1 ? D2 : c.digest,
      sigData: toHex(`ext-${i}`),
      signerCount: i === 2 ? c.signerCount : c.signerCount + 1,
      signedWeight: 1n,
    }));
    const ext = await store.write({ extensions });
    assert.deepEqual(new Set(ext.extended), new Set([extensions[0].taskId, extensions[3].taskId]));
    assert.equal((await store.getTask(extensions[0].taskId))?.sigData, toHex('ext-0'));
    assert.equal((await store.getTask(extensions[1].taskId))?.sigData, completions[1].sigData);
  });

  it('fails a task with its reason, once', async () => {
    const store = await createStateProofStore(await fixture.fresh());
    const t = task(1);
    await store.insertTasks([t]);
    const failure = { taskId: t.taskId, reason: 'deadline passed: signed weight 1 of threshold 10', signedWeight: 1n };
    assert.deepEqual((await store.write({ failures: [failure] })).failed, [t.taskId]);
    assert.deepEqual((await store.write({ failures: [failure] })).failed, []);
    const stored = await store.getTask(t.taskId);
    assert.equal(stored?.status, 'failed');
    assert.equal(stored?.failureReason, failure.reason);
    assert.equal(stored?.signedWeight, 1n);
  });

  it('keeps an operator\'s first answer; a different later answer is a conflict and never overwrites', async () => {
    const store = await createStateProofStore(await fixture.fresh());
    const t = task(1);
    await store.insertTasks([t]);
    const first = sig(t.taskId, OP_A, D1, 5n);
    assert.equal((await store.write({ answers: [first, sig(t.taskId, OP_B, D1, 5n)] })).answersInserted, 2);
    const second = sig(t.taskId, OP_A, D2, 6n);
    assert.equal((await store.write({ answers: [second], conflicts: [second] })).answersInserted, 0);
    const stored = await store.listAnswers(t.taskId);
    assert.deepEqual(stored.map((s) => [s.operator, s.digest, s.answer.value]), [
      [OP_A, D1, 5n],
      [OP_B, D1, 5n],
    ]);
    assert.deepEqual(stored[0], first);
    const conflicts = await store.listConflicts(t.taskId);
    assert.deepEqual(conflicts, [second]);
    // Recording the same conflict twice keeps one row.
    await store.write({ conflicts: [second] });
    assert.equal((await store.listConflicts(t.taskId)).length, 1);
  });

  it('reloads unfinished tasks with their answers after a restart, oldest first', async () => {
    const database = await fixture.fresh();
    const store = await createStateProofStore(database);
    const [a, b, c] = [task(1), task(2), task(3)];
    await store.insertTasks([c, a, b]);
    await store.write({ signing: [a.taskId], answers: [sig(a.taskId, OP_A, D1)] });
    await store.write({ completions: [{ taskId: b.taskId, result: { value: 1n, exists: true }, digest: D1, sigData: '0x', signerCount: 1, signedWeight: 1n }] });
    await database.close();

    const restarted = await createStateProofStore(await database.reopen());
    const unfinished = await restarted.listUnfinished();
    assert.deepEqual(
      unfinished.map((u) => [u.task.taskId, u.task.status, u.answers.length]),
      [
        [a.taskId, 'signing', 1],
        [c.taskId, 'pending', 0],
      ],
    );
    assert.deepEqual(unfinished[0].answers[0], sig(a.taskId, OP_A, D1));
  });

  it('lets exactly one of two replicas complete a task', async () => {
    const database = await fixture.fresh();
    const one = await createStateProofStore(database);
    const two = await createStateProofStore(await database.reopen());
    const tasks = Array.from({ length: 20 }, (_, i) => task(i));
    await one.insertTasks(tasks);
    const completions = (digest: Hex) =>
      tasks.map((t) => ({ taskId: t.taskId, result: { value: 5n, exists: true }, digest, sigData: '0xaa' as Hex, signerCount: 1, signedWeight: 7n }));
    // Postgres replicas race for real; SQLite is one process's embedded store, so the second writer comes after.
    const [r1, r2] =
      fixture.dialect === 'postgres'
        ? await Promise.all([one.write({ completions: completions(D1) }), two.write({ completions: completions(D2) })])
        : [await one.write({ completions: completions(D1) }), await two.write({ completions: completions(D2) })];
    assert.equal(r1.completed.length + r2.completed.length, 20);
    for (const t of tasks) assert.equal(r1.completed.includes(t.taskId) !== r2.completed.includes(t.taskId), true);
  });

  it('writes large batches in one call (chunked under parameter limits)', async () => {
    const store = await createStateProofStore(await fixture.fresh());
    const tasks = Array.from({ length: 1200 }, (_, i) => task(i));
    const results = await store.insertTasks(tasks);
    assert.equal(results.filter((r) => r.created).length, 1200);
    const signatures = tasks.flatMap((t) => [sig(t.taskId, OP_A, D1), sig(t.taskId, OP_B, D1)]);
    const r = await store.write({ answers: signatures, signing: tasks.map((t) => t.taskId) });
    assert.equal(r.answersInserted, 2400);
    assert.equal(r.signing.length, 1200);
    assert.equal((await store.listUnfinished()).length, 1200);
    // 299 completions: chunks of 128, 128, 32, 8, 2 and 1 rows, each row getting its own values.
    const completions = tasks.slice(0, 299).map((t, i) => ({
      taskId: t.taskId,
      result: { value: BigInt(i), exists: i % 2 === 0 },
      digest: D1,
      sigData: `0x${i.toString(16).padStart(4, '0')}` as Hex,
      signerCount: 1 + (i % 3),
      signedWeight: BigInt(1000 + i),
    }));
    const done = await store.write({ completions });
    assert.equal(done.completed.length, 299);
    for (const i of [0, 127, 128, 255, 256, 287, 288, 295, 296, 297, 298]) {
      const stored = await store.getTask(tasks[i].taskId);
      assert.equal(stored?.status, 'aggregated');
      assert.equal(stored?.result?.value, BigInt(i));
      assert.equal(stored?.result?.exists, i % 2 === 0);
      assert.equal(stored?.sigData, `0x${i.toString(16).padStart(4, '0')}`);
      assert.equal(stored?.signerCount, 1 + (i % 3));
      assert.equal(stored?.signedWeight, BigInt(1000 + i));
    }
    assert.equal((await store.listUnfinished()).length, 1200 - 299);
  });

  it('claims only tasks whose lease lapsed, renews what it holds, and records who finished a task', async () => {
    const database = await fixture.fresh();
    const a = await createStateProofStore(database, { replicaId: 'replica-a', leaseMs: 1000 });
    const b = await createStateProofStore(await database.reopen(), { replicaId: 'replica-b', leaseMs: 1000 });
    const tasks = [task(1, { createdAt: 1000 }), task(2, { createdAt: 1001 }), task(3, { createdAt: 1002 })];
    const inserted = await a.insertTasks(tasks);
    assert.deepEqual(inserted.map((r) => [r.task.claimedBy, r.task.leaseUntil]), [['replica-a', 2000], ['replica-a', 2001], ['replica-a', 2002]]);
    // Held by a: nothing to claim before its leases end.
    assert.deepEqual(await b.claimTasks(1500, 10), []);
    assert.equal((await a.renewClaims(1500)).length, 3);
    assert.deepEqual(await b.claimTasks(2400, 10), []);
    // a stops renewing: b takes the tasks over, oldest first, with their stored answers.
    await a.write({ answers: [sig(tasks[0].taskId, OP_A, D1)] });
    const claimed = await b.claimTasks(2600, 10);
    assert.deepEqual(claimed.map((c) => c.task.taskId), tasks.map((t) => t.taskId.toLowerCase()));
    assert.ok(claimed.every((c) => c.task.claimedBy === 'replica-b' && c.task.leaseUntil === 3600));
    assert.deepEqual(claimed[0].answers.map((x) => x.operator), [OP_A]);
    // a learns it lost them; b holds them.
    assert.deepEqual(await a.renewClaims(2700), []);
    assert.equal((await b.renewClaims(2700)).length, 3);
    // Finished tasks are never claimed again, and name the replica that finished them.
    await b.write({ completions: [{ taskId: tasks[0].taskId, result: { value: 5n, exists: true }, digest: D1, sigData: '0x01', signerCount: 1, signedWeight: 1n }] });
    await b.write({ failures: [{ taskId: tasks[1].taskId, reason: 'deadline', signedWeight: 0n }] });
    assert.equal((await a.getTask(tasks[0].taskId))?.claimedBy, 'replica-b');
    assert.equal((await a.getTask(tasks[1].taskId))?.claimedBy, 'replica-b');
    assert.deepEqual((await a.claimTasks(99_999, 10)).map((c) => c.task.taskId), [tasks[2].taskId.toLowerCase()]);
    // A graceful stop hands the lease back at once.
    await a.releaseClaims();
    assert.deepEqual((await b.claimTasks(3000, 10)).map((c) => c.task.taskId), [tasks[2].taskId.toLowerCase()]);
  });

  it('refuses a malformed replica id or lease, naming the option', async () => {
    const database = await fixture.fresh();
    await assert.rejects(createStateProofStore(database, { replicaId: 'has space' }), /replicaId/);
    await assert.rejects(createStateProofStore(database, { leaseMs: 10 }), /leaseMs/);
  });

  if (fixture.dialect === 'postgres') {
    it('never gives one task to two replicas claiming at the same time (FOR UPDATE SKIP LOCKED)', async () => {
      const database = await fixture.fresh();
      const replicas = await Promise.all(
        ['r1', 'r2', 'r3'].map(async (id, i) => createStateProofStore(i === 0 ? database : await database.reopen(), { replicaId: id, leaseMs: 1000 })),
      );
      const tasks = Array.from({ length: 400 }, (_, i) => task(i, { createdAt: 1000 }));
      await replicas[0].insertTasks(tasks);
      // Leases lapsed for everyone: three replicas race in small claims until nothing is left.
      const got = new Map<string, string[]>(replicas.map((r) => [r.replicaId, []]));
      await Promise.all(
        replicas.map(async (r) => {
          for (;;) {
            const claimed = await r.claimTasks(10_000, 7);
            if (claimed.length === 0) return;
            got.get(r.replicaId)!.push(...claimed.map((c) => c.task.taskId));
          }
        }),
      );
      const all = [...got.values()].flat();
      assert.equal(all.length, 400, 'every task claimed');
      assert.equal(new Set(all).size, 400, 'no task claimed twice');
      assert.ok([...got.values()].filter((ids) => ids.length > 0).length >= 2, 'the claims were spread over the replicas');
      for (const [replicaId, ids] of got) {
        const stored = await replicas[0].getTasks(ids as Hex[]);
        assert.ok(stored.every((t) => t.claimedBy === replicaId));
      }
    });

    it('notifies other replicas of the tasks a transaction changed (LISTEN/NOTIFY), at commit, not the writer itself', async () => {
      const database = await fixture.fresh();
      const a = await createStateProofStore(database, { replicaId: 'replica-a' });
      const b = await createStateProofStore(await database.reopen(), { replicaId: 'replica-b' });
      const heardByA: Hex[] = [];
      const heardByB: Hex[] = [];
      let wake: () => void = () => {};
      const listenerA = await a.listen((id) => {
        heardByA.push(id);
        wake();
      }, () => {});
      const listenerB = await b.listen((id) => heardByB.push(id), () => {});
      const until = async (what: string, done: () => boolean) => {
        const bound = Date.now() + 60_000;
        while (!done()) {
          if (Date.now() > bound) assert.fail(`no notification: ${what}`);
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, 200);
          });
        }
      };
      const [t1, t2] = [task(1), task(2)];
      await b.insertTasks([t1, t2]);
      await until('two created tasks', () => heardByA.length >= 2);
      assert.deepEqual([...heardByA].sort(), [t1.taskId, t2.taskId].map((id) => id.toLowerCase()).sort());
      heardByA.length = 0;
      await b.write({ answers: [sig(t1.taskId, OP_A, D1), sig(t1.taskId, OP_B, D1)] });
      await until('an answered task', () => heardByA.length >= 1);
      assert.deepEqual(heardByA, [t1.taskId.toLowerCase()], 'one notification per task per transaction');
      // The writer never hears itself.
      await a.write({ failures: [{ taskId: t2.taskId, reason: 'deadline', signedWeight: 0n }] });
      heardByA.length = 0;
      await b.write({ failures: [{ taskId: t1.taskId, reason: 'deadline', signedWeight: 0n }] });
      await until('a failed task', () => heardByA.length >= 1);
      assert.deepEqual(heardByA, [t1.taskId.toLowerCase()]);
      assert.deepEqual(heardByB, [t2.taskId.toLowerCase()], 'b heard only what a wrote');
      await listenerA.close();
      await listenerB.close();
    });

    it('re-opens a lost listening connection and asks for a re-read, then hears again', async () => {
      const database = await fixture.fresh();
      const a = await createStateProofStore(database, { replicaId: 'replica-a' });
      const b = await createStateProofStore(await database.reopen(), { replicaId: 'replica-b' });
      const heard: Hex[] = [];
      let resyncs = 0;
      const listener = await a.listen((id) => heard.push(id), () => resyncs++);
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(database.kysely);
      const killed = await sql<{ ok: boolean }>`select pg_terminate_backend(pid) as ok from pg_stat_activity where query = ${`listen "state_proofs_tasks_${rows[0].schema}"`}`.execute(
        database.kysely,
      );
      assert.deepEqual(killed.rows.map((r) => r.ok), [true], 'the listening connection was found and ended');
      const bound = Date.now() + 60_000;
      while (resyncs === 0) {
        if (Date.now() > bound) assert.fail('the listening connection was not re-opened');
        await new Promise((r) => setTimeout(r, 50));
      }
      const t = task(7);
      await b.insertTasks([t]);
      while (heard.length === 0) {
        if (Date.now() > bound) assert.fail('no notification after the re-connection');
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(heard, [t.taskId.toLowerCase()]);
      await listener.close();
    });
  } else {
    it('has no notifications to listen to on SQLite (one replica)', async () => {
      const store = await createStateProofStore(await fixture.fresh());
      assert.equal(store.shared, false);
      const listener = await store.listen(() => assert.fail('SQLite has no other replica to hear'), () => {});
      await store.insertTasks([task(1)]);
      await listener.close();
    });
  }
});
