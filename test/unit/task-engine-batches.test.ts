/**
 * Batched signing in the runtime task engine: new tasks go to every operator as one batch, an operator answers the
 * batch with one signature over the Merkle root of its answers' digests, and each task's proof carries the signers'
 * root signatures and the task's Merkle path. A toy service (squares) keeps the test about the engine, on both databases.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type Hex, decodeAbiParameters, keccak256, toHex } from 'viem';
import { batchDigest, buildAttestationBatch, verifyBatchProof } from '../../src/core/crypto/attestation-batch.ts';
import { type SigningKey, publicKeyToAddress, recoverPublicKey, signDigest } from '../../src/core/crypto/ecdsa.ts';
import { staticOperatorSetSource } from '../../src/runtime/operatorSet.ts';
import { TaskEngine } from '../../src/runtime/tasks/engine.ts';
import type { OperatorSession } from '../../src/runtime/tasks/sessions.ts';
import { forEachDatabase } from '../helpers/db.ts';
import {
  SQUARES_BATCHED_PROOF,
  SQUARES_EPOCH,
  SQUARES_PROOF,
  type SquaresAnswer,
  type SquaresQuery,
  type SquaresWireAnswer,
  type SquaresWireTask,
  squares,
  squaresOperators,
  squaresSnapshot,
  toyTaskStore,
} from '../helpers/squares.ts';

const operators = squaresOperators('batch-key', 0xc0);
const snapshot = squaresSnapshot(operators);

type Recorded = OperatorSession<SquaresWireTask> & { single: SquaresWireTask[]; batches: { batchId: Hex; tasks: readonly SquaresWireTask[] }[] };

function session(o: (typeof operators)[number]): Recorded {
  const s: Recorded = {
    operator: o.operator,
    signingKey: o.key.address,
    publicKey: o.key.publicKey,
    connectedAt: 0,
    single: [],
    batches: [],
    send: (tasks) => s.single.push(...tasks),
    sendBatch: (batchId, tasks) => s.batches.push({ batchId, tasks }),
  };
  return s;
}

/** An operator's answer to a batch: squares (or `lie` for some n), one signature over the root by `key`. */
function answerBatch(batch: { batchId: Hex; tasks: readonly SquaresWireTask[] }, key: SigningKey, lie: (n: bigint) => bigint | undefined = () => undefined) {
  const answers = batch.tasks.map((t) => ({ taskId: t.taskId, referenceEpoch: t.referenceEpoch, square: (lie(BigInt(t.n)) ?? BigInt(t.n) ** 2n).toString() }));
  const digests = answers.map((a, i) => squares.digest({ n: BigInt(batch.tasks[i].n) }, { square: BigInt(a.square) }, a.referenceEpoch));
  const tree = buildAttestationBatch(digests);
  return { batchId: batch.batchId, root: tree.root, signature: signDigest(key, tree.batchDigest), answers };
}

const taskId = (n: number) => keccak256(toHex(`batched square of ${n}`));

/**
 * An engine on a fresh database (or on `database`, as another replica) with the operators at `connected` attached
 * (default all).
 */
async function setUp(fixture: { fresh(): Promise<any> }, maxSize: number, options: { connected?: number[]; database?: any } = {}) {
  const database = options.database ?? (await fixture.fresh());
  const store = await toyTaskStore(database, 'squares_', squares.codec);
  const engine = new TaskEngine({
    taskType: squares,
    store,
    operatorSet: staticOperatorSetSource([snapshot], SQUARES_EPOCH),
    mainChainId: 31337,
    sweepIntervalMs: 5,
    batching: { maxSize, maxDelayMs: 5 },
  });
  await engine.start();
  const sessions = operators.map(session);
  for (const i of options.connected ?? [0, 1, 2]) engine.attachOperator(sessions[i]);
  return { database, store, engine, sessions };
}

/** An operator's single answer to a task: the square, signed on its own. */
function singleAnswer(o: (typeof operators)[number], t: SquaresWireTask) {
  const square = BigInt(t.n) ** 2n;
  return { taskId: t.taskId, square: square.toString(), referenceEpoch: t.referenceEpoch, signature: signDigest(o.key, squares.digest({ n: BigInt(t.n) }, { square }, t.referenceEpoch)) };
}

async function submitAll(engine: TaskEngine<SquaresQuery, SquaresAnswer, SquaresWireTask, SquaresWireAnswer>, ns: readonly number[]) {
  await Promise.all(ns.map((n) => engine.submit(taskId(n), { n: BigInt(n) })));
  await new Promise((r) => setTimeout(r, 20));
  await engine.idle();
}

forEachDatabase('task engine, batched signing', (fixture) => {
  it('sends new tasks as batches closed at the size limit, the same batch to every operator', async () => {
    const { engine, sessions } = await setUp(fixture, 4);
    await submitAll(engine, [1, 2, 3, 4, 5]);
    for (const s of sessions) {
      assert.deepEqual(s.single, [], 'new tasks never go out on their own');
      assert.deepEqual(s.batches.map((b) => b.tasks.length).sort(), [1, 4]);
    }
    assert.deepEqual(sessions[1].batches.map((b) => b.batchId), sessions[0].batches.map((b) => b.batchId), 'one batch id for all operators');
    await engine.stop();
  });

  it('aggregates every task of a batch from one signature per operator, each proof carrying its Merkle path', async () => {
    const { engine, sessions } = await setUp(fixture, 64);
    const ns = [2, 3, 5, 7, 11, 13];
    await submitAll(engine, ns);
    const [batch] = sessions[0].batches;
    const answers0 = answerBatch(batch, operators[0].key);
    const answers2 = answerBatch(batch, operators[2].key);
    engine.handleBatchAnswers(sessions[0], answers0);
    engine.handleBatchAnswers(sessions[2], answers2);
    await engine.idle();
    assert.equal(engine.stats.signaturesAccepted, 12);
    for (const n of ns) {
      const task = await engine.getTask(taskId(n));
      assert.equal(task?.record.status, 'aggregated');
      assert.deepEqual(task?.record.result, { square: BigInt(n) ** 2n });
      assert.equal(task?.record.signedWeight, 40n);
      const [ops, sigs, epoch, proof] = decodeAbiParameters(SQUARES_BATCHED_PROOF, task!.record.sigData!);
      assert.equal(epoch, SQUARES_EPOCH);
      assert.ok(verifyBatchProof(task!.record.digest!, proof, answers0.root), 'the path leads from the digest to the signed root');
      const signerKeys = sigs.map((sig) => publicKeyToAddress(recoverPublicKey(batchDigest(answers0.root), sig)).toLowerCase());
      assert.deepEqual(signerKeys.sort(), [operators[0].key.address, operators[2].key.address].map((a) => a.toLowerCase()).sort());
      assert.deepEqual(ops.map((o) => o.toLowerCase()).sort(), [operators[0].operator, operators[2].operator].sort());
    }
    await engine.stop();
  });

  it('keeps an operator that lied about one task out of every proof of the batch', async () => {
    const { engine, sessions } = await setUp(fixture, 64);
    await submitAll(engine, [4, 6, 8]);
    const [batch] = sessions[0].batches;
    // The heaviest operator (30) lies about 6; with 20 it would reach 40 on the two tasks it answered right.
    engine.handleBatchAnswers(sessions[2], answerBatch(batch, operators[2].key, (n) => (n === 6n ? 37n : undefined)));
    engine.handleBatchAnswers(sessions[1], answerBatch(batch, operators[1].key));
    await engine.idle();
    for (const n of [4, 6, 8]) assert.equal((await engine.getTask(taskId(n)))?.record.status, 'signing', `task ${n}: 20 + 30 never join: they signed different roots`);
    engine.handleBatchAnswers(sessions[0], answerBatch(batch, operators[0].key));
    await engine.idle();
    for (const n of [4, 6, 8]) {
      const task = await engine.getTask(taskId(n));
      assert.equal(task?.record.status, 'signing', `task ${n}: 10 + 20 = 30 of 40`);
    }
    assert.equal(engine.stats.signaturesAccepted, 9, 'every answer is recorded; the liar’s counts only with its own root');
    await engine.stop();
  });

  it('rejects a whole batch whose root is not the root of its answers, or whose signature is not the operator’s', async () => {
    const { engine, sessions } = await setUp(fixture, 64);
    await submitAll(engine, [9, 10]);
    const [batch] = sessions[0].batches;
    const honest = answerBatch(batch, operators[2].key);
    // A root of other answers, correctly signed: the answers sent do not make it.
    const forged = answerBatch(batch, operators[2].key, (n) => n + 1n);
    engine.handleBatchAnswers(sessions[2], { ...honest, root: forged.root, signature: forged.signature });
    // The right root signed by another operator's key.
    engine.handleBatchAnswers(sessions[2], { ...honest, signature: signDigest(operators[0].key, batchDigest(honest.root)) });
    // A task that is not in the batch.
    engine.handleBatchAnswers(sessions[2], { ...honest, answers: [...honest.answers, { ...honest.answers[0], taskId: taskId(99) }] });
    await engine.idle();
    assert.equal(engine.stats.signaturesRejected, 2 + 2 + 3);
    assert.equal(engine.stats.signaturesAccepted, 0);
    engine.handleBatchAnswers(sessions[2], { ...honest, batchId: keccak256(toHex('no such batch')) });
    await engine.idle();
    assert.equal(engine.stats.signaturesUnknownTask, 2, 'answers to an unknown batch are ignored');
    engine.handleBatchAnswers(sessions[2], honest);
    await engine.idle();
    assert.equal(engine.stats.signaturesAccepted, 2);
    await engine.stop();
  });

  it('checks the signature and every answer of an operator that signs a root another operator already made', async () => {
    const { engine, sessions } = await setUp(fixture, 64);
    await submitAll(engine, [13, 14, 15]);
    const [batch] = sessions[0].batches;
    engine.handleBatchAnswers(sessions[2], answerBatch(batch, operators[2].key));
    await engine.idle();
    assert.equal(engine.stats.signaturesAccepted, 3, 'the first operator makes the root');
    const honest = answerBatch(batch, operators[1].key);
    // The known root with the same answers, signed by another operator's key.
    engine.handleBatchAnswers(sessions[1], { ...honest, signature: signDigest(operators[0].key, batchDigest(honest.root)) });
    // The known root, correctly signed, with one answer changed: the answers no longer make the root.
    const lying = honest.answers.map((a, i) => (i === 1 ? { ...a, square: (BigInt(a.square) + 1n).toString() } : a));
    engine.handleBatchAnswers(sessions[1], { ...honest, answers: lying });
    // The known root, correctly signed, with an answer left out.
    engine.handleBatchAnswers(sessions[1], { ...honest, answers: honest.answers.slice(0, 2) });
    await engine.idle();
    assert.equal(engine.stats.signaturesRejected, 3 + 3 + 2);
    assert.equal(engine.stats.signaturesAccepted, 3);
    engine.handleBatchAnswers(sessions[1], honest);
    await engine.idle();
    assert.equal(engine.stats.signaturesAccepted, 6, 'the same answers under its own signature count');
    for (const n of [13, 14, 15]) assert.equal((await engine.getTask(taskId(n)))?.record.status, 'aggregated', `task ${n}: 30 + 20 of 40`);
    await engine.stop();
  });

  it('refuses another batch’s known root and answers sent under a batch they are not from', async () => {
    const { engine, sessions } = await setUp(fixture, 2);
    await submitAll(engine, [21, 22, 23, 24]);
    const [first, second] = sessions[0].batches;
    assert.ok(first && second, 'two batches of two');
    engine.handleBatchAnswers(sessions[2], answerBatch(first, operators[2].key));
    await engine.idle();
    assert.equal(engine.stats.signaturesAccepted, 2);
    // The first batch's root and answers, correctly signed, but under the second batch's id.
    engine.handleBatchAnswers(sessions[1], { ...answerBatch(first, operators[1].key), batchId: second.batchId });
    await engine.idle();
    assert.equal(engine.stats.signaturesRejected, 2);
    assert.equal(engine.stats.signaturesAccepted, 2);
    await engine.stop();
  });

  it('after a restart, answers a task again on its own when the batch tree is gone', async () => {
    const { store, engine, sessions } = await setUp(fixture, 64);
    await submitAll(engine, [12]);
    const [batch] = sessions[0].batches;
    engine.handleBatchAnswers(sessions[2], answerBatch(batch, operators[2].key));
    await engine.idle();
    await engine.stop();
    assert.equal((await store.listAnswers(taskId(12))).length, 1, 'the batched answer is stored');

    const restarted = new TaskEngine({ taskType: squares, store, operatorSet: staticOperatorSetSource([snapshot], SQUARES_EPOCH), mainChainId: 31337, sweepIntervalMs: 5, batching: { maxSize: 64, maxDelayMs: 5 } });
    await restarted.start();
    const again = operators.map(session);
    for (const s of again) restarted.attachOperator(s);
    assert.deepEqual(again[2].single.map((t) => t.taskId), [taskId(12)], 'the operator whose batched answer cannot be proven is asked again');
    restarted.handleAnswers(again[2], [singleAnswer(operators[2], again[2].single[0])]);
    restarted.handleAnswers(again[0], [singleAnswer(operators[0], again[0].single[0])]);
    await restarted.idle();
    const task = await restarted.getTask(taskId(12));
    assert.equal(task?.record.status, 'aggregated');
    assert.equal(decodeAbiParameters(SQUARES_PROOF, task!.record.sigData!)[0].length, 2, 'a proof of single signatures');
    await restarted.stop();
  });

  it('sends an operator that reconnects mid-batch the whole batch again, so its signature joins the same root', async () => {
    const { engine, sessions } = await setUp(fixture, 64);
    await submitAll(engine, [3, 4, 5]);
    const [batch] = sessions[0].batches;
    // Operator 0 answers; operator 2 loses its connection before answering, and comes back.
    engine.handleBatchAnswers(sessions[0], answerBatch(batch, operators[0].key));
    await engine.idle();
    engine.detachOperator(sessions[2]);
    const back = session(operators[2]);
    engine.attachOperator(back);
    assert.deepEqual(back.single, [], 'nothing of the batch goes out on its own');
    assert.deepEqual(back.batches.map((b) => b.batchId), [batch.batchId]);
    assert.deepEqual(back.batches[0].tasks.map((t) => t.n).sort(), ['3', '4', '5']);
    engine.handleBatchAnswers(back, answerBatch(back.batches[0], operators[2].key));
    await engine.idle();
    for (const n of [3, 4, 5]) {
      const task = await engine.getTask(taskId(n));
      assert.equal(task?.record.status, 'aggregated');
      assert.equal(task?.record.signedWeight, 40n, 'both batch signatures count in one proof');
    }
    await engine.stop();
  });

  it('sends tasks on their own while the operators connected hold less than the threshold, so latecomers sign the same form', async () => {
    // Weights 10, 20, 30, threshold 40: operators 0 and 1 (30) cannot make a proof on their own.
    const { engine, sessions } = await setUp(fixture, 64, { connected: [0, 1] });
    await submitAll(engine, [6, 7]);
    for (const s of sessions.slice(0, 2)) {
      assert.deepEqual(s.batches, [], 'no batch while the connected weight is below the threshold');
      assert.deepEqual(s.single.map((t) => t.n).sort(), ['6', '7']);
    }
    engine.attachOperator(sessions[2]);
    assert.deepEqual(sessions[2].single.map((t) => t.n).sort(), ['6', '7'], 'a latecomer gets the open tasks on their own');
    engine.handleAnswers(sessions[0], sessions[0].single.map((t) => singleAnswer(operators[0], t)));
    engine.handleAnswers(sessions[2], sessions[2].single.map((t) => singleAnswer(operators[2], t)));
    await engine.idle();
    for (const n of [6, 7]) assert.equal((await engine.getTask(taskId(n)))?.record.status, 'aggregated');
    // Now the connected weight (60) is enough: new tasks go out batched.
    await submitAll(engine, [8]);
    assert.equal(sessions[2].batches.length, 1);
    await engine.stop();
  });

  if (fixture.dialect === 'postgres') {
    it('batches only the tasks whose lease this replica holds: another replica’s go out on their own', async () => {
      // Replica A has every operator; replica B has none and creates the tasks, so B holds their leases.
      const a = await setUp(fixture, 64);
      const b = await setUp(fixture, 64, { database: a.database, connected: [] });
      try {
        await submitAll(b.engine, [9, 10]);
        for (let i = 0; i < 200 && a.sessions[0].single.length < 2; i++) await new Promise((r) => setTimeout(r, 25));
        for (const s of a.sessions) {
          assert.deepEqual(s.batches, [], 'a batch answered on A could not make a proof B finishes');
          assert.deepEqual(s.single.map((t) => Number(t.n)).sort((x, y) => x - y), [9, 10]);
        }
        await submitAll(a.engine, [11]);
        assert.deepEqual(a.sessions[0].batches.map((batch) => batch.tasks.map((t) => t.n)), [['11']], 'A batches its own tasks');
      } finally {
        await b.engine.stop();
        await a.engine.stop();
      }
    });
  }
});
