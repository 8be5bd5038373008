/**
 * The task engine for a service whose operators sign with BN254 BLS keys and whose proofs must satisfy several
 * quorums at once (the multi-prover's shape): answers are verified by the BLS scheme against each operator's registered
 * G2 key, an operator the service screens out (e.g. its prover is not live) never counts, and a task is a proof only
 * once every quorum it names reaches its own threshold, however heavy the answer is elsewhere.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type Address, type Hex, encodeAbiParameters, keccak256, toHex } from 'viem';
import { type BlsKeyPair, blsKeyPairFromSecret, g1ToHex } from '../../src/core/crypto/bls.ts';
import { blsSign } from '../../src/core/crypto/bls-signing.ts';
import { type OperatorEntry, type OperatorSetSnapshot, staticOperatorSetSource } from '../../src/runtime/operatorSet.ts';
import { blsAnswerScheme } from '../../src/runtime/signatures/answerScheme.ts';
import { TaskEngine } from '../../src/runtime/tasks/engine.ts';
import type { OperatorSession } from '../../src/runtime/tasks/sessions.ts';
import type { TaskType } from '../../src/runtime/tasks/taskType.ts';
import { forEachDatabase } from '../helpers/db.ts';
import { toyTaskStore } from '../helpers/squares.ts';

type Query = { text: string; quorums: number[] };
type Answer = { hash: Hex };
type WireTask = { taskId: Hex; text: string; referenceEpoch: number };
type WireAnswer = { taskId: Hex; hash: string; referenceEpoch: number; signature: string };

/** Operators hash a text; the proof names its signers (the BLS aggregation itself is the service's, not the engine's). */
const hashes: TaskType<Query, Answer, WireTask, WireAnswer> = {
  name: 'hashes',
  codec: {
    encodeQuery: (q) => JSON.stringify(q),
    decodeQuery: (text) => JSON.parse(text),
    encodeAnswer: (a) => JSON.stringify(a),
    decodeAnswer: (text) => JSON.parse(text),
  },
  wireTask: (record) => ({ taskId: record.taskId, text: record.query.text, referenceEpoch: record.referenceEpoch }),
  readAnswer: (wire) => (/^0x[0-9a-f]{64}$/.test(wire.hash) ? { answer: { hash: wire.hash as Hex } } : { rejected: 'hash is not 32 bytes of hex' }),
  answerKey: (a) => a.hash,
  digest: (q, a, epoch) => keccak256(encodeAbiParameters([{ type: 'string' }, { type: 'bytes32' }, { type: 'uint32' }], [q.text, a.hash, epoch])),
  encodeProof: (signers) => encodeAbiParameters([{ type: 'address[]' }], [[...signers].map((s) => s.operator).sort()]),
  proofSigners: () => [],
  quorumsOf: (q) => q.quorums,
};

const EPOCH = 3;
type Member = { operator: Address; key: BlsKeyPair; quorums: Map<number, bigint> };
// Quorum 0: a 10, b 10, d 5 (threshold 15 of 25); quorum 1: c 10, d 5 (threshold 10 of 15).
const members: Member[] = [
  [10n, 0n],
  [10n, 0n],
  [0n, 10n],
  [5n, 5n],
].map(([q0, q1], i) => ({
  operator: `0x${(0xc0 + i).toString(16).padStart(40, '0')}` as Address,
  key: blsKeyPairFromSecret(BigInt(keccak256(toHex(`quorum-member-${i}`))) % 2n ** 250n),
  quorums: new Map<number, bigint>([...(q0 ? [[0, q0]] : []), ...(q1 ? [[1, q1]] : [])] as [number, bigint][]),
}));
const [a, b, c, d] = members;

function snapshotOf(): OperatorSetSnapshot {
  const operators = new Map<string, OperatorEntry>();
  for (const m of members) {
    const weight = [...m.quorums.values()].reduce((x, y) => x + y, 0n);
    operators.set(m.operator.toLowerCase(), {
      operator: m.operator,
      signingKey: m.operator,
      weight,
      quorumWeights: m.quorums,
      blsKey: { g1: m.key.publicKeyG1, g2: m.key.publicKeyG2 },
    });
  }
  const quorums = new Map([
    [0, { totalWeight: 25n, thresholdWeight: 15n }],
    [1, { totalWeight: 15n, thresholdWeight: 10n }],
  ]);
  // The set-wide threshold is below what a and b sign together: only the per-quorum rule keeps their answer from being a proof.
  return { epoch: EPOCH, operators, totalWeight: 40n, thresholdWeight: 15n, quorums };
}

function session(m: Member): OperatorSession<WireTask> & { received: WireTask[] } {
  const received: WireTask[] = [];
  return { operator: m.operator, signingKey: m.operator, connectedAt: 0, received, send: (tasks) => received.push(...tasks) };
}

function answer(task: WireTask, query: Query, signer: BlsKeyPair, hash: Hex): WireAnswer {
  const digest = hashes.digest(query, { hash }, task.referenceEpoch);
  return { taskId: task.taskId, hash, referenceEpoch: task.referenceEpoch, signature: `0x${g1ToHex(blsSign(signer.secret, digest))}` };
}

forEachDatabase('task engine with BLS answers and several quorums', (fixture) => {
  it('aggregates only once every quorum the task names reaches its threshold, with verified and screened signers', async () => {
    const database = await fixture.fresh();
    const store = await toyTaskStore(database, 'hashes_', hashes.codec);
    const screenedOut = new Set([d.operator.toLowerCase()]);
    const engine = new TaskEngine({
      taskType: hashes,
      store,
      operatorSet: staticOperatorSetSource([snapshotOf()], EPOCH),
      mainChainId: 31337,
      signatureScheme: blsAnswerScheme(),
      screenOperator: (entry) => (screenedOut.has(entry.operator.toLowerCase()) ? 'its prover is not live' : undefined),
      now: () => 1_000,
    });
    await engine.start();
    const sessions = members.map(session);
    for (const s of sessions) engine.attachOperator(s);

    const query: Query = { text: 'hello', quorums: [0, 1] };
    const id = keccak256(toHex('hello task'));
    await engine.submit(id, query);
    await engine.idle();
    const right = keccak256(toHex('hello'));
    const wire = (i: number) => sessions[i].received[0];

    // a and b give quorum 0 its 20 of 15; quorum 1 has nothing: no proof.
    engine.handleAnswers(sessions[0], [answer(wire(0), query, a.key, right)]);
    engine.handleAnswers(sessions[1], [answer(wire(1), query, b.key, right)]);
    await engine.idle();
    assert.equal((await engine.getTask(id))?.record.status, 'signing', 'one quorum over its threshold is not enough');

    // d would add 5 to quorum 1 but is screened out; c signs with b's key: rejected.
    engine.handleAnswers(sessions[3], [answer(wire(3), query, d.key, right)]);
    engine.handleAnswers(sessions[2], [answer(wire(2), query, b.key, right)]);
    await engine.idle();
    assert.equal(engine.stats.signaturesRejected, 2, 'a screened operator and a signature by another key are both refused');
    assert.equal((await engine.getTask(id))?.record.status, 'signing');

    // c signs with its own key: quorum 1 has 10 of 10.
    engine.handleAnswers(sessions[2], [answer(wire(2), query, c.key, right)]);
    await engine.idle();
    const done = await engine.getTask(id);
    assert.equal(done?.record.status, 'aggregated');
    assert.deepEqual(done?.signers.map((s) => s.operator).sort(), [a.operator, b.operator, c.operator].sort());

    // A task naming only quorum 1, answered by a and b alone (40 of the whole set's weight is irrelevant): fails.
    const only1: Query = { text: 'other', quorums: [1] };
    const id2 = keccak256(toHex('other task'));
    await engine.submit(id2, only1);
    await engine.idle();
    engine.handleAnswers(sessions[0], [answer(sessions[0].received[1], only1, a.key, right)]);
    engine.handleAnswers(sessions[1], [answer(sessions[1].received[1], only1, b.key, right)]);
    await engine.idle();
    assert.equal((await engine.getTask(id2))?.record.status, 'signing', 'weight outside the named quorums never counts');
    await engine.stop();
  });
});
