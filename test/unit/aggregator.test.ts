import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type Address, type Hex, getAddress, keccak256, toHex } from 'viem';
import { type SigningKey, signDigest, signingKeyFromPrivateKey } from '../../src/core/crypto/ecdsa.ts';
import { attestationDigest, decodeSigData } from '../../src/services/state-proofs/attestation.ts';
import type { WireSignature, WireTask } from '../../src/services/state-proofs/protocol.ts';
import { Aggregator, type AggregatorOptions, type OperatorSession, type TaskEvent } from '../../src/services/state-proofs/aggregator/aggregator.ts';
import type { BlockResolver } from '../../src/services/state-proofs/aggregator/blocks.ts';
import { BlockAheadError, NoOperatorSetError, TimestampAheadError, UnsupportedChainError } from '../../src/services/state-proofs/aggregator/errors.ts';
import { buildOperatorSetSnapshot, staticOperatorSetSource } from '../../src/runtime/operatorSet.ts';
import { type StateProofStoreOptions, createStateProofStore } from '../../src/services/state-proofs/aggregator/store.ts';
import type { TaskView } from '../../src/services/state-proofs/aggregator/views.ts';
import { type SignatureVerifier, startWorkerVerifier } from '../../src/runtime/signatures/verifier.ts';
import { type TestDatabase, forEachDatabase } from '../helpers/db.ts';

const SERVICE_MANAGER = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const DOMAIN = { chainId: 31337, verifyingContract: SERVICE_MANAGER } as const;
const deployment = {
  mainChainId: 31337,
  chains: [
    { chainId: 31337, rpcUrl: 'http://127.0.0.1:1', stateManager: '0x0000000000000000000000000000000000000001' as Address },
    { chainId: 31338, rpcUrl: 'http://127.0.0.1:2', stateManager: '0x0000000000000000000000000000000000000002' as Address },
  ],
  stateProofs: {
    serviceManager: SERVICE_MANAGER as Address,
    stakeRegistry: '0x0000000000000000000000000000000000000003' as Address,
    epochManager: '0x0000000000000000000000000000000000000004' as Address,
  },
};
const USER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as Address;
const EPOCH = 3;

/** Four operators with real keys; weights 10, 20, 30, 40 (total 100), threshold 60. */
const operators = [10n, 20n, 30n, 40n].map((weight, i) => ({
  operator: `0x${(0xa0 + i).toString(16).padStart(40, '0')}` as Address,
  key: signingKeyFromPrivateKey(keccak256(toHex(`signing-key-${i}`))),
  weight,
}));
const [op10, op20, op30, op40] = operators;
const snapshot = () =>
  buildOperatorSetSnapshot(
    EPOCH,
    operators.map((o) => ({ operator: o.operator, signingKey: o.key.address, weight: o.weight })),
    { thresholdWeight: 60n },
  );

/** Blocks 0..head every 12 s from t0. */
function fakeBlocks(head = 1_000n, t0 = 1_700_000_000n): BlockResolver {
  const at = (n: bigint) => ({ blockNumber: n, timestamp: t0 + 12n * n });
  return {
    async blockAt(chainId, n) {
      if (n > head) throw new BlockAheadError(chainId, n, head);
      return at(n);
    },
    async blockAtTimestamp(chainId, t) {
      if (t > at(head).timestamp) throw new TimestampAheadError(chainId, t, at(head).timestamp);
      return at((t - t0) / 12n);
    },
    async head() {
      return at(head);
    },
  };
}

class FakeSession implements OperatorSession {
  readonly operator: Address;
  readonly signingKey: Address;
  readonly publicKey: Uint8Array;
  readonly connectedAt = Date.now();
  readonly messages: WireTask[][] = [];
  constructor(readonly key: SigningKey, operator: Address) {
    this.operator = operator;
    this.signingKey = key.address;
    this.publicKey = key.publicKey;
  }
  send(tasks: WireTask[]): void {
    this.messages.push(tasks);
  }
  get tasks(): WireTask[] {
    return this.messages.flat();
  }
}

const sessionOf = (o: (typeof operators)[number], key = o.key) => new FakeSession(key, o.operator);

/** Signs a task the way an operator node does (with the generic EIP-712 implementation). */
function sign(task: WireTask | TaskView, key: SigningKey, value = 1234n, exists = true, epoch = EPOCH): WireSignature {
  const q =
    'attestation' in task
      ? task.attestation
      : { user: task.user as Address, chainId: BigInt(task.chainId), blockNumber: BigInt(task.blockNumber), timestamp: BigInt(task.timestamp), key: BigInt(task.key) };
  const digest = attestationDigest(DOMAIN, { user: q.user, chainId: q.chainId, blockNumber: q.blockNumber, timestamp: q.timestamp, key: q.key, value, exists, epoch });
  return { taskId: task.taskId, value: value.toString(), exists, referenceEpoch: epoch, signature: signDigest(key, digest) };
}

type Clock = { t: number };

async function makeAggregator(
  database: TestDatabase | Awaited<ReturnType<TestDatabase['reopen']>>,
  { replica, ...options }: Partial<AggregatorOptions> & { clock?: Clock; replica?: StateProofStoreOptions } = {},
) {
  const clock = options.clock ?? { t: 1_000_000 };
  const aggregator = new Aggregator({
    deployment,
    // One replica id unless told otherwise: a second instance on the same database is this replica restarted.
    store: await createStateProofStore(database, { replicaId: 'unit-aggregator', ...replica }),
    operatorSet: staticOperatorSetSource([snapshot()], EPOCH),
    blocks: fakeBlocks(),
    lateWindowMs: 1_000,
    taskDeadlineMs: 60_000,
    sweepIntervalMs: 5,
    now: () => clock.t,
    ...options,
  });
  await aggregator.start();
  return { aggregator, clock };
}

/** Resolves with the first event of `taskId` whose status is `status`. */
function nextStatus(aggregator: Aggregator, taskId: Hex, status: TaskView['status']): Promise<TaskEvent> {
  return new Promise((resolve) => {
    const off = aggregator.subscribe(taskId, (event) => {
      if (event.task.status === status) {
        off();
        resolve(event);
      }
    });
  });
}

const request = (key = 1n, blockNumber = 42n) => ({ chainId: 31338n, user: USER, key, at: { blockNumber } });

/** Polls `done` until it holds; fails after a generous bound (never a timing assertion). */
async function until(what: string, done: () => boolean | Promise<boolean>): Promise<void> {
  const bound = Date.now() + 60_000;
  while (!(await done())) {
    if (Date.now() > bound) assert.fail(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// Every case runs with signatures verified inline and in the verification worker thread (as the service runs).
for (const mode of ['inline', 'worker'] as const) {
forEachDatabase(`aggregator (${mode} verification)`, (fixture) => {
  let verifier: SignatureVerifier | undefined;
  before(() => {
    verifier = mode === 'worker' ? startWorkerVerifier() : undefined;
  });
  after(async () => {
    await verifier?.close();
  });
  const make: typeof makeAggregator = (database, options = {}) => makeAggregator(database, { verifier, ...options });

  it('stores the task, dispatches it, and aggregates once one answer reaches the threshold', async () => {
    const database = await fixture.fresh();
    const { aggregator } = await make(database);
    const sessions = operators.map((o) => sessionOf(o));
    for (const s of sessions) aggregator.attachOperator(s);
    const events: TaskEvent[] = [];
    const { task, created } = await aggregator.createTask(request());
    aggregator.subscribe(task.taskId, (e) => events.push(e));
    assert.equal(created, true);
    assert.equal(task.status, 'pending');
    assert.equal(task.attestation.timestamp, 1_700_000_000n + 12n * 42n);
    assert.equal(task.thresholdWeight, 60n);
    assert.equal((await aggregator.getTask(task.taskId))?.status, 'pending', 'stored before dispatch');

    await aggregator.idle();
    for (const s of sessions) assert.deepEqual(s.tasks.map((t) => t.taskId), [task.taskId]);
    const wire = sessions[0].tasks[0];
    assert.equal(wire.referenceEpoch, EPOCH);
    assert.equal((await aggregator.getTask(task.taskId))?.status, 'signing');

    const done = nextStatus(aggregator, task.taskId, 'aggregated');
    aggregator.handleSignatures(sessions[3], [sign(wire, op40.key)]);
    await aggregator.idle();
    assert.equal((await aggregator.getTask(task.taskId))?.status, 'signing', '40 < 60');
    aggregator.handleSignatures(sessions[1], [sign(wire, op20.key)]);
    const { task: proof } = await done;

    assert.equal(proof.status, 'aggregated');
    assert.equal(proof.attestation.value, 1234n);
    assert.equal(proof.attestation.exists, true);
    assert.equal(proof.signedWeight, 60n);
    const expectedDigest = attestationDigest(DOMAIN, { ...proof.attestation, value: 1234n, exists: true, epoch: EPOCH } as never);
    assert.equal(proof.digest, expectedDigest);
    const decoded = decodeSigData(proof.sigData as Hex);
    assert.equal(decoded.referenceEpoch, EPOCH);
    assert.deepEqual(decoded.operators.map((o) => o.toLowerCase()), [op20.operator, op40.operator].map((o) => o.toLowerCase()));
    assert.deepEqual(proof.signers.map((s) => [s.operator.toLowerCase(), s.weight]), [
      [op20.operator.toLowerCase(), 20n],
      [op40.operator.toLowerCase(), 40n],
    ]);
    const stored = await aggregator.getTask(task.taskId);
    assert.equal(stored?.sigData, proof.sigData);
    assert.deepEqual(stored?.signers, proof.signers);
    assert.deepEqual(events.map((e) => e.task.status), ['signing', 'aggregated']);
    await aggregator.stop();
  });

  it('is idempotent: the same query is the same task, by block number or by timestamp', async () => {
    const { aggregator } = await make(await fixture.fresh());
    const a = await aggregator.createTask(request(7n, 42n));
    const b = await aggregator.createTask(request(7n, 42n));
    const c = await aggregator.createTask({ chainId: 31338n, user: USER.toLowerCase() as Address, key: 7n, at: { timestamp: 1_700_000_000n + 12n * 42n + 5n } });
    assert.equal(a.created, true);
    assert.equal(b.created, false);
    assert.equal(c.created, false);
    assert.equal(b.task.taskId, a.task.taskId);
    assert.equal(c.task.taskId, a.task.taskId);
    // Concurrent identical requests create one task.
    const many = await Promise.all(Array.from({ length: 10 }, () => aggregator.createTask(request(8n, 43n))));
    assert.equal(many.filter((r) => r.created).length, 1);
    assert.equal(new Set(many.map((r) => r.task.taskId)).size, 1);
    assert.equal(aggregator.stats.tasksCreated, 2);
    await aggregator.stop();
  });

  it('refuses unsupported chains, blocks ahead of the head, and requests with no operator weight', async () => {
    const { aggregator } = await make(await fixture.fresh());
    await assert.rejects(aggregator.createTask({ ...request(), chainId: 1n }), (e: Error) => e instanceof UnsupportedChainError && /chain 1 /.test(e.message));
    await assert.rejects(aggregator.createTask(request(1n, 1_001n)), (e: BlockAheadError) => e instanceof BlockAheadError && e.field === 'body.blockNumber');
    await aggregator.stop();

    const empty = await make(await fixture.fresh(), { operatorSet: staticOperatorSetSource([], EPOCH) });
    await assert.rejects(empty.aggregator.createTask(request()), (e: NoOperatorSetError) => e instanceof NoOperatorSetError && e.statusCode === 503);
    await empty.aggregator.stop();
  });

  it('batches dispatch: concurrent requests reach each operator in a few messages', async () => {
    const { aggregator } = await make(await fixture.fresh());
    const session = sessionOf(op10);
    aggregator.attachOperator(session);
    await Promise.all(Array.from({ length: 50 }, (_, i) => aggregator.createTask(request(BigInt(i)))));
    await aggregator.idle();
    assert.equal(session.tasks.length, 50);
    assert.ok(session.messages.length <= 5, `${session.messages.length} messages for 50 tasks`);
    await aggregator.stop();
  });

  it('rejects a signature by a key that is not the operator\'s registered key, and answers outside the set or epoch', async () => {
    const { aggregator } = await make(await fixture.fresh());
    const impostorKey = signingKeyFromPrivateKey(keccak256(toHex('impostor')));
    const session = sessionOf(op40, impostorKey);
    const outsider = new FakeSession(impostorKey, '0x00000000000000000000000000000000000000ff');
    aggregator.attachOperator(session);
    const { task } = await aggregator.createTask(request());
    aggregator.handleSignatures(session, [sign(task, impostorKey)]);
    aggregator.handleSignatures(outsider, [sign(task, impostorKey)]);
    aggregator.handleSignatures(sessionOf(op40), [sign(task, op40.key, 1234n, true, EPOCH + 1)]);
    aggregator.handleSignatures(sessionOf(op40), [{ ...sign(task, op40.key), signature: '0x1234' }]);
    aggregator.handleSignatures(sessionOf(op40), [{ ...sign(task, op40.key), taskId: keccak256('0x99') }]);
    await aggregator.idle();
    assert.equal(aggregator.stats.signaturesAccepted, 0);
    assert.equal(aggregator.stats.signaturesRejected, 4);
    assert.equal(aggregator.stats.signaturesUnknownTask, 1);
    assert.equal((await aggregator.getTask(task.taskId))?.signedWeight, 0n);
    await aggregator.stop();
  });

  it('groups a tampered value separately: a lie never counts toward the honest answer', async () => {
    const database = await fixture.fresh();
    const { aggregator } = await make(database);
    const { task } = await aggregator.createTask(request());
    const done = nextStatus(aggregator, task.taskId, 'aggregated');
    aggregator.handleSignatures(sessionOf(op40), [sign(task, op40.key, 999n)]); // the lie, 40
    aggregator.handleSignatures(sessionOf(op30), [sign(task, op30.key, 1234n)]); // honest, 30
    aggregator.handleSignatures(sessionOf(op10), [sign(task, op10.key, 1234n)]); // honest, 40 total
    await aggregator.idle();
    assert.equal((await aggregator.getTask(task.taskId))?.status, 'signing', 'neither answer has 60');
    aggregator.handleSignatures(sessionOf(op20), [sign(task, op20.key, 1234n)]); // honest, 60
    const { task: proof } = await done;
    assert.equal(proof.attestation.value, 1234n);
    assert.equal(proof.signedWeight, 60n);
    assert.deepEqual(decodeSigData(proof.sigData as Hex).operators.map((o) => o.toLowerCase()).sort(), [op10, op20, op30].map((o) => o.operator.toLowerCase()).sort());
    const signatures = await (await createStateProofStore(database)).listAnswers(task.taskId);
    assert.equal(signatures.length, 4, 'every verified answer is recorded, the lie included');
    await aggregator.stop();
  });

  it('keeps an operator\'s first answer; a second, different one is a conflict', async () => {
    const database = await fixture.fresh();
    const { aggregator } = await make(database);
    const { task } = await aggregator.createTask(request());
    aggregator.handleSignatures(sessionOf(op40), [sign(task, op40.key, 1n)]);
    aggregator.handleSignatures(sessionOf(op40), [sign(task, op40.key, 1n), sign(task, op40.key, 2n)]);
    await aggregator.idle();
    assert.equal(aggregator.stats.signaturesAccepted, 1);
    assert.equal(aggregator.stats.signaturesDuplicate, 1);
    assert.equal(aggregator.stats.signaturesConflicting, 1);
    const store = await createStateProofStore(database);
    assert.deepEqual((await store.listAnswers(task.taskId)).map((s) => s.answer.value), [1n]);
    assert.deepEqual((await store.listConflicts(task.taskId)).map((s) => s.answer.value), [2n]);
    await aggregator.stop();
  });

  it('extends sigData with late signatures inside the window, then stops', async () => {
    const { aggregator, clock } = await make(await fixture.fresh());
    const { task } = await aggregator.createTask(request());
    const done = nextStatus(aggregator, task.taskId, 'aggregated');
    aggregator.handleSignatures(sessionOf(op40), [sign(task, op40.key)]);
    aggregator.handleSignatures(sessionOf(op20), [sign(task, op20.key)]);
    assert.equal((await done).task.signers.length, 2);

    const extended = new Promise<TaskEvent>((resolve) => aggregator.subscribe(task.taskId, (e) => e.task.signers.length === 3 && resolve(e)));
    aggregator.handleSignatures(sessionOf(op30), [sign(task, op30.key)]);
    const { task: bigger } = await extended;
    assert.equal(bigger.signedWeight, 90n);
    assert.equal(decodeSigData(bigger.sigData as Hex).operators.length, 3);
    await aggregator.idle();
    const stored = await aggregator.getTask(task.taskId);
    assert.equal(stored?.signedWeight, 90n);
    assert.equal(stored?.signers.length, 3);
    assert.equal(stored?.sigData, bigger.sigData);

    // After the window the task is released; a later answer changes nothing.
    clock.t += 1_001;
    while (aggregator.isActive(task.taskId)) await new Promise((r) => setTimeout(r, 5));
    aggregator.handleSignatures(sessionOf(op10), [sign(task, op10.key)]);
    await aggregator.idle();
    assert.equal((await aggregator.getTask(task.taskId))?.signers.length, 3);
    assert.equal(aggregator.stats.tasksAggregated, 1);
    await aggregator.stop();
  });

  it('fails a task whose deadline passes below threshold, naming signed weight and threshold', async () => {
    const { aggregator, clock } = await make(await fixture.fresh());
    const { task } = await aggregator.createTask(request());
    aggregator.handleSignatures(sessionOf(op10), [sign(task, op10.key)]);
    aggregator.handleSignatures(sessionOf(op20), [sign(task, op20.key)]);
    aggregator.handleTaskErrors(sessionOf(op30), [{ taskId: task.taskId, reason: 'block not final yet' }]);
    await aggregator.idle();
    const failed = nextStatus(aggregator, task.taskId, 'failed');
    clock.t += 60_000;
    const { task: view } = await failed;
    assert.match(view.failureReason ?? '', /signed weight 30 of threshold 60/);
    assert.match(view.failureReason ?? '', /block not final yet/);
    const stored = await aggregator.getTask(task.taskId);
    assert.equal(stored?.status, 'failed');
    assert.equal(stored?.failureReason, view.failureReason);
    // A late answer cannot revive it.
    aggregator.handleSignatures(sessionOf(op40), [sign(task, op40.key)]);
    await aggregator.idle();
    assert.equal((await aggregator.getTask(task.taskId))?.status, 'failed');
    await aggregator.stop();
  });

  it('killed mid-task and restarted, it re-dispatches unfinished tasks and finishes each exactly once', async () => {
    const database = await fixture.fresh();
    const clock = { t: 1_000_000 };
    const first = await make(database, { clock });
    const tasks = await Promise.all([1n, 2n, 3n].map((k) => first.aggregator.createTask(request(k))));
    // Task 1: one answer stored before the crash. Task 2: aggregated before the crash. Task 3: nothing.
    first.aggregator.handleSignatures(sessionOf(op40), [sign(tasks[0].task, op40.key), sign(tasks[1].task, op40.key)]);
    first.aggregator.handleSignatures(sessionOf(op30), [sign(tasks[1].task, op30.key)]);
    await first.aggregator.idle();
    assert.equal((await first.aggregator.getTask(tasks[1].task.taskId))?.status, 'aggregated');
    // "Kill": abandon the first instance without a clean stop; a new process opens the same database.
    const finished: string[] = [];
    const second = await make(await database.reopen(), { clock, onTaskFinished: (t) => finished.push(t.taskId) });
    const aggregatedEvents: string[] = [];
    for (const t of tasks) second.aggregator.subscribe(t.task.taskId, (e) => e.task.status === 'aggregated' && aggregatedEvents.push(e.taskId));
    const session30 = sessionOf(op30);
    const session40 = sessionOf(op40);
    second.aggregator.attachOperator(session30);
    second.aggregator.attachOperator(session40);
    // Re-dispatched on connect: only unfinished tasks, only what each operator has not answered.
    assert.deepEqual(session30.tasks.map((t) => t.taskId).sort(), [tasks[0].task.taskId, tasks[2].task.taskId].sort());
    assert.deepEqual(session40.tasks.map((t) => t.taskId), [tasks[2].task.taskId]);

    const done = Promise.all([nextStatus(second.aggregator, tasks[0].task.taskId, 'aggregated'), nextStatus(second.aggregator, tasks[2].task.taskId, 'aggregated')]);
    // Operators re-answer everything they were sent (and resend old answers too): duplicates change nothing.
    second.aggregator.handleSignatures(session30, [sign(tasks[0].task, op30.key), sign(tasks[2].task, op30.key), sign(tasks[1].task, op30.key)]);
    second.aggregator.handleSignatures(session40, [sign(tasks[2].task, op40.key), sign(tasks[0].task, op40.key)]);
    await done;
    await second.aggregator.idle();
    // The abandoned instance, if it were still alive, cannot finish a task twice either.
    first.aggregator.handleSignatures(sessionOf(op30), [sign(tasks[0].task, op30.key)]);
    await first.aggregator.idle();

    assert.deepEqual(aggregatedEvents.sort(), [tasks[0].task.taskId, tasks[2].task.taskId].sort());
    assert.deepEqual(finished.sort(), [tasks[0].task.taskId, tasks[2].task.taskId].sort());
    assert.equal(second.aggregator.stats.tasksAggregated, 2);
    assert.equal(first.aggregator.stats.tasksAggregated, 1);
    for (const t of tasks) {
      const stored = await second.aggregator.getTask(t.task.taskId);
      assert.equal(stored?.status, 'aggregated');
      assert.equal(stored?.signedWeight, 70n);
    }
    await first.aggregator.stop();
    await second.aggregator.stop();
  });

  it('survives garbage from operators', async () => {
    const { aggregator } = await make(await fixture.fresh());
    const { task } = await aggregator.createTask(request());
    const s = sessionOf(op40);
    aggregator.handleSignatures(s, [
      { taskId: task.taskId, value: (1n << 256n).toString(), exists: true, referenceEpoch: EPOCH, signature: '0x' },
      { taskId: task.taskId, value: '1', exists: false, referenceEpoch: EPOCH, signature: `0x${'ff'.repeat(65)}` },
      { taskId: 'not a task id', value: '1', exists: false, referenceEpoch: EPOCH, signature: '0x00' },
    ]);
    aggregator.handleTaskErrors(s, [{ taskId: 'zzz', reason: 'x'.repeat(10_000) }]);
    await aggregator.idle();
    assert.equal(aggregator.stats.signaturesAccepted, 0);
    assert.equal(aggregator.stats.signaturesRejected, 2);
    await aggregator.stop();
  });
  if (fixture.dialect === 'postgres') {
    it('two replicas: each sends a task to its own operators; only the lease holder aggregates, from answers stored by both', async () => {
      const database = await fixture.fresh();
      const clock = { t: 1_000_000 };
      const a = (await make(database, { clock, replica: { replicaId: 'replica-a', leaseMs: 400 } })).aggregator;
      const b = (await make(await database.reopen(), { clock, replica: { replicaId: 'replica-b', leaseMs: 400 } })).aggregator;
      const [s10, s20] = [sessionOf(op10), sessionOf(op20)];
      const [s30, s40] = [sessionOf(op30), sessionOf(op40)];
      a.attachOperator(s10);
      a.attachOperator(s20);
      b.attachOperator(s30);
      b.attachOperator(s40);
      const { task } = await a.createTask(request(1n));
      const onB: TaskEvent[] = [];
      b.subscribe(task.taskId, (e) => onB.push(e));
      // B hears of the task (NOTIFY) and sends it to its operators.
      await until('B to send the task to its operators', () => s30.tasks.length === 1 && s40.tasks.length === 1);
      await a.idle();
      assert.deepEqual(s10.tasks.map((t) => t.taskId), [task.taskId]);

      // B's operators alone reach the threshold (70 of 60), but A holds the task: A aggregates from B's stored answers.
      const done = nextStatus(a, task.taskId, 'aggregated');
      b.handleSignatures(s30, [sign(s30.tasks[0], op30.key)]);
      b.handleSignatures(s40, [sign(s40.tasks[0], op40.key)]);
      const { task: proof } = await done;
      assert.equal(proof.signedWeight, 70n);
      assert.deepEqual(decodeSigData(proof.sigData as Hex).operators, [op30.operator, op40.operator].map((o) => getAddress(o)));
      await until("B's subscriber to hear of the completion", () => onB.some((e) => e.task.status === 'aggregated'));
      await b.idle();
      assert.equal(a.stats.tasksAggregated, 1);
      assert.equal(b.stats.tasksAggregated, 0);
      assert.equal(b.isActive(task.taskId), false, 'B dropped the finished task');
      await a.stop();
      await b.stop();
    });

    it('two replicas: a task whose holder stops renewing its lease is claimed and finished by the other', async () => {
      const database = await fixture.fresh();
      // Separate clocks: A's stands still (a stalled or dead process renews nothing new), B's moves on.
      const clockA = { t: 1_000_000 };
      const clockB = { t: 1_000_000 };
      const a = (await make(database, { clock: clockA, replica: { replicaId: 'replica-a', leaseMs: 400 } })).aggregator;
      const b = (await make(await database.reopen(), { clock: clockB, replica: { replicaId: 'replica-b', leaseMs: 400 } })).aggregator;
      const s40 = sessionOf(op40);
      const s30 = sessionOf(op30);
      b.attachOperator(s40);
      b.attachOperator(s30);
      const { task } = await a.createTask(request(2n));
      await until('B to hold the task', () => s40.tasks.length === 1);
      b.handleSignatures(s40, [sign(s40.tasks[0], op40.key)]);
      await b.idle();
      assert.equal((await b.getTask(task.taskId))?.status, 'signing', 'not B to finish: A holds the lease');

      clockB.t += 1_000;
      await until('B to claim the lapsed lease', async () => (await database.kysely.selectFrom('state_proofs_tasks').select('claimed_by').executeTakeFirst())?.claimed_by === 'replica-b');
      const done = nextStatus(b, task.taskId, 'aggregated');
      b.handleSignatures(s30, [sign(s30.tasks[0], op30.key)]);
      const { task: proof } = await done;
      assert.equal(proof.signedWeight, 70n);
      assert.equal(b.stats.tasksAggregated, 1);
      // A, back from its stall, learns its lease is gone and does not finish the task again.
      await until('A to drop the finished task', () => !a.isActive(task.taskId));
      assert.equal(a.stats.tasksAggregated, 0);
      await a.stop();
      await b.stop();
    });
  } else {
    it('SQLite: the one replica finishes every task, whichever replica id stored it', async () => {
      const database = await fixture.fresh();
      const first = (await make(database, { replica: { replicaId: 'old-id' } })).aggregator;
      const { task } = await first.createTask(request(3n));
      await first.stop();
      const second = (await make(await database.reopen(), { replica: { replicaId: 'new-id' } })).aggregator;
      const done = nextStatus(second, task.taskId, 'aggregated');
      second.handleSignatures(sessionOf(op40), [sign(task, op40.key)]);
      second.handleSignatures(sessionOf(op30), [sign(task, op30.key)]);
      assert.equal((await done).task.signedWeight, 70n);
      await second.stop();
    });
  }
});
}
