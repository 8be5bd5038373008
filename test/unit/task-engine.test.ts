/**
 * The runtime task engine with a task type that is not state proofs: the seam a second service plugs into. A toy
 * service asks operators for the square of a number; its tables live under their own prefix in the same database as
 * the state-proofs tables, and the engine aggregates, groups and fails its tasks by the same rules.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type Hex, keccak256, toHex } from 'viem';
import { type SigningKey, signDigest } from '../../src/core/crypto/ecdsa.ts';
import { migrateToLatest } from '../../src/core/db/migrations.ts';
import { staticOperatorSetSource } from '../../src/runtime/operatorSet.ts';
import { TaskEngine } from '../../src/runtime/tasks/engine.ts';
import type { OperatorSession } from '../../src/runtime/tasks/sessions.ts';
import type { TaskSnapshot } from '../../src/runtime/tasks/types.ts';
import { aggregatorMigrations } from '../../src/services/state-proofs/aggregator/migrations.ts';
import { forEachDatabase } from '../helpers/db.ts';
import {
  SQUARES_EPOCH,
  type SquaresAnswer,
  type SquaresQuery,
  type SquaresWireAnswer,
  type SquaresWireTask,
  squares,
  squaresOperators,
  squaresSnapshot,
  toyTaskStore,
} from '../helpers/squares.ts';

type Query = SquaresQuery;
type Answer = SquaresAnswer;
type WireTask = SquaresWireTask;
type WireAnswer = SquaresWireAnswer;

const EPOCH = SQUARES_EPOCH;
const operators = squaresOperators('squares-key', 0xb0);
const snapshot = squaresSnapshot(operators);

function session(o: (typeof operators)[number]): OperatorSession<WireTask> & { received: WireTask[] } {
  const received: WireTask[] = [];
  return { operator: o.operator, signingKey: o.key.address, publicKey: o.key.publicKey, connectedAt: 0, received, send: (tasks) => received.push(...tasks) };
}

function answer(task: WireTask, key: SigningKey, square: bigint): WireAnswer {
  const digest = squares.digest({ n: BigInt(task.n) }, { square }, task.referenceEpoch);
  return { taskId: task.taskId, square: square.toString(), referenceEpoch: task.referenceEpoch, signature: signDigest(key, digest) };
}

/** Counts the store's `listAnswers` calls from now on (reads of a proof's signers from its stored answers). */
function countAnswerReads(store: { listAnswers(taskId: Hex): Promise<unknown> }): { count: number } {
  const reads = { count: 0 };
  const listAnswers = store.listAnswers.bind(store);
  store.listAnswers = (taskId) => {
    reads.count++;
    return listAnswers(taskId);
  };
  return reads;
}

forEachDatabase('task engine with another service’s task type', (fixture) => {
  it('shares a database with state proofs under its own table prefix, aggregates by weight, and keeps a wrong answer apart', async () => {
    const database = await fixture.fresh();
    await migrateToLatest(database, aggregatorMigrations);
    const store = await toyTaskStore(database, 'squares_', squares.codec);
    const clock = { t: 1_000 };
    const finished: TaskSnapshot<Query, Answer>[] = [];
    const engine = new TaskEngine({
      taskType: squares,
      store,
      operatorSet: staticOperatorSetSource([snapshot], EPOCH),
      mainChainId: 31337,
      taskDeadlineMs: 60_000,
      sweepIntervalMs: 5,
      now: () => clock.t,
      onTaskFinished: (t) => finished.push(t),
    });
    await engine.start();
    const sessions = operators.map(session);
    for (const s of sessions) engine.attachOperator(s);

    const id = keccak256(toHex('square of 12'));
    const { task, created } = await engine.submit(id, { n: 12n });
    assert.equal(created, true);
    assert.deepEqual([task.record.status, task.record.referenceEpoch, task.record.thresholdWeight], ['pending', EPOCH, 40n]);
    await engine.idle();
    assert.deepEqual(
      sessions.map((s) => s.received),
      sessions.map(() => [{ taskId: id, n: '12', referenceEpoch: EPOCH }]),
      'every operator of the set got the wire task the task type describes',
    );

    // 30 says 145 (wrong), 10 says 144: neither reaches 40; 20 says 144: 30 < 40 still; all signatures recorded.
    engine.handleAnswers(sessions[2], [answer(sessions[2].received[0], operators[2].key, 145n)]);
    engine.handleAnswers(sessions[0], [answer(sessions[0].received[0], operators[0].key, 144n)]);
    engine.handleAnswers(sessions[1], [{ ...answer(sessions[1].received[0], operators[1].key, 144n), square: 'x' }]);
    await engine.idle();
    assert.equal(engine.stats.signaturesRejected, 1, 'an answer the task type cannot read is refused');
    assert.equal((await engine.getTask(id))?.record.status, 'signing');
    engine.handleAnswers(sessions[1], [answer(sessions[1].received[0], operators[1].key, 144n)]);
    await engine.idle();
    const still = await engine.getTask(id);
    assert.equal(still?.record.status, 'signing', 'the right answer has 30 of 40: the wrong one never adds to it');
    assert.equal((await store.listAnswers(id)).length, 3);

    // A second task reaches the threshold: 10 + 30 = 40.
    const id2 = keccak256(toHex('square of 3'));
    await engine.submit(id2, { n: 3n });
    await engine.idle();
    engine.handleAnswers(sessions[0], [answer(sessions[0].received[1], operators[0].key, 9n)]);
    engine.handleAnswers(sessions[2], [answer(sessions[2].received[1], operators[2].key, 9n)]);
    await engine.idle();
    const done = await engine.getTask(id2);
    assert.equal(done?.record.status, 'aggregated');
    assert.deepEqual(done?.record.result, { square: 9n });
    assert.equal(done?.record.signedWeight, 40n);
    assert.deepEqual(done?.signers.map((s) => s.operator.toLowerCase()).sort(), [operators[0].operator, operators[2].operator].sort());
    assert.deepEqual([...squares.proofSigners(done?.record.sigData as Hex)].map((a) => a.toLowerCase()).sort(), [operators[0].operator, operators[2].operator].map((a) => a.toLowerCase()).sort());

    // The first task fails at its deadline, naming the split.
    clock.t += 61_000;
    await new Promise((r) => setTimeout(r, 50));
    await engine.idle();
    const failed = await engine.getTask(id);
    assert.equal(failed?.record.status, 'failed');
    assert.match(failed?.record.failureReason ?? '', /signed weight 30 of threshold 40 \(3 of 3 operators answered, split over 2 different answers\)/);
    assert.deepEqual(finished.map((t) => [t.record.taskId, t.record.status]), [
      [id2, 'aggregated'],
      [id, 'failed'],
    ]);
    await engine.stop();

    // The state-proofs tables are untouched by the toy service, and the toy's tasks are its own.
    assert.deepEqual(await store.countEpochTasks(EPOCH), { aggregated: 1, failed: 1, unfinished: 0 });
    const stateProofTasks = await database.kysely.selectFrom('state_proofs_tasks').selectAll().execute();
    assert.deepEqual(stateProofTasks, []);
  });

  it('takes a task\'s reference epoch and threshold from submit, and refuses the operators the task type excludes', async () => {
    const database = await fixture.fresh();
    await migrateToLatest(database, aggregatorMigrations);
    const store = await toyTaskStore(database, 'squares_', squares.codec);
    // Odd n excludes the heaviest operator (as an automation verdict excludes its slot's executor).
    const judged: typeof squares = { ...squares, excludedOperators: (q) => (q.n % 2n === 1n ? [operators[2].operator] : []) };
    const source = staticOperatorSetSource([snapshot], EPOCH + 3);
    const engine = new TaskEngine({ taskType: judged, store, operatorSet: source, mainChainId: 31337, sweepIntervalMs: 5 });
    await engine.start();
    const sessions = operators.map(session);
    for (const s of sessions) engine.attachOperator(s);

    const id = keccak256(toHex('square of 5'));
    // Threshold over the two others' 30: 20 of it.
    const { task } = await engine.submit(id, { n: 5n }, { referenceEpoch: EPOCH, thresholdWeight: 20n });
    assert.deepEqual([task.record.referenceEpoch, task.record.thresholdWeight], [EPOCH, 20n]);
    await engine.idle();
    const wire = sessions[2].received[0]!;
    assert.equal(wire.referenceEpoch, EPOCH, 'operators sign for the epoch given, not the current one');
    engine.handleAnswers(sessions[2], [answer(wire, operators[2].key, 25n)]);
    await engine.idle();
    assert.equal(engine.stats.signaturesRejected, 1, 'the excluded operator is refused');
    assert.equal((await engine.getTask(id))?.record.status, 'signing');
    engine.handleAnswers(sessions[1], [answer(sessions[1].received[0]!, operators[1].key, 25n)]);
    await engine.idle();
    const done = await engine.getTask(id);
    assert.equal(done?.record.status, 'aggregated', '20 of the threshold 20');
    assert.deepEqual(done?.signers.map((s) => s.operator.toLowerCase()), [operators[1].operator.toLowerCase()]);
    await engine.stop();
  });
  it('serves a proof that left memory with its signers, without reading its answers again', async () => {
    const database = await fixture.fresh();
    const store = await toyTaskStore(database, 'squares_', squares.codec);
    const clock = { t: 1_000 };
    const engine = new TaskEngine({ taskType: squares, store, operatorSet: staticOperatorSetSource([snapshot], EPOCH), mainChainId: 31337, lateWindowMs: 100, sweepIntervalMs: 5, now: () => clock.t });
    await engine.start();
    const sessions = operators.map(session);
    for (const s of sessions) engine.attachOperator(s);
    const id = keccak256(toHex('square of 5'));
    await engine.submit(id, { n: 5n });
    await engine.idle();
    for (const i of [0, 2]) engine.handleAnswers(sessions[i], [answer(sessions[i].received[0], operators[i].key, 25n)]);
    await engine.idle();
    const made = await engine.getTask(id);
    assert.equal(made?.record.status, 'aggregated');
    // The late window passes and the sweep drops the task from memory.
    clock.t += 1_000;
    await new Promise((r) => setTimeout(r, 50));
    const answerReads = countAnswerReads(store);
    const read = await engine.getTask(id);
    assert.deepEqual(read?.signers, made?.signers);
    assert.equal(read?.signers.length, 2);
    assert.equal(answerReads.count, 0, 'the signers of a recent proof come from memory');
    await engine.stop();
    // A new life of the engine has no such memory: the signers are read from the stored answers, the same.
    const restarted = new TaskEngine({ taskType: squares, store, operatorSet: staticOperatorSetSource([snapshot], EPOCH), mainChainId: 31337, now: () => clock.t });
    await restarted.start();
    const stored = await restarted.getTask(id);
    assert.deepEqual(stored?.signers.map((s) => [s.operator.toLowerCase(), s.weight]), made?.signers.map((s) => [s.operator.toLowerCase(), s.weight]));
    assert.equal(answerReads.count, 1);
    await restarted.stop();
  });

  it('serves a proof every operator signed, which leaves memory at once, without reading its answers again', async (t) => {
    const database = await fixture.fresh();
    const store = await toyTaskStore(database, 'squares_', squares.codec);
    const engine = new TaskEngine({ taskType: squares, store, operatorSet: staticOperatorSetSource([snapshot], EPOCH), mainChainId: 31337, lateWindowMs: 60_000 });
    await engine.start();
    t.after(() => engine.stop());
    const sessions = operators.map(session);
    for (const s of sessions) engine.attachOperator(s);
    const id = keccak256(toHex('square of 6'));
    await engine.submit(id, { n: 6n });
    await engine.idle();
    for (const [i, s] of sessions.entries()) engine.handleAnswers(s, [answer(s.received[0], operators[i].key, 36n)]);
    await engine.idle();
    assert.equal(engine.activeTaskCount, 0, 'a proof every operator signed cannot grow: it left memory');
    const answerReads = countAnswerReads(store);
    const read = await engine.getTask(id);
    assert.equal(read?.record.status, 'aggregated');
    assert.equal(read?.signers.length, operators.length);
    assert.equal(answerReads.count, 0, 'its signers come from memory');
  });
});
