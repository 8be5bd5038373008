import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { type Address, type Hex, getAddress, hashMessage, keccak256, toHex } from 'viem';
import WebSocket from 'ws';
import { buildAttestationBatch, verifyBatchProof } from '../../src/core/crypto/attestation-batch.ts';
import { type SigningKey, signDigest, signingKeyFromPrivateKey } from '../../src/core/crypto/ecdsa.ts';
import { attestationDigest, decodeSigData } from '../../src/services/state-proofs/attestation.ts';
import { type AggregatorToOperator, PROTOCOL_VERSION, authMessage } from '../../src/services/state-proofs/protocol.ts';
import type { BlockResolver } from '../../src/services/state-proofs/aggregator/blocks.ts';
import { BlockAheadError, TimestampAheadError } from '../../src/services/state-proofs/aggregator/errors.ts';
import { type StaticOperatorSetSource, buildOperatorSetSnapshot, staticOperatorSetSource } from '../../src/runtime/operatorSet.ts';
import type { TaskResponse } from '../../src/services/state-proofs/aggregator/api.ts';
import { type AggregatorService, startAggregatorService } from '../../src/services/state-proofs/aggregator/service.ts';
import { forEachDatabase } from '../helpers/db.ts';
import { TEST_DOMAIN, TEST_SERVICE_MANAGER, testDeployment } from '../helpers/deployment.ts';

const deployment = testDeployment({ remoteChain: false });
const EPOCH = 5;
const USER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as Address;
const T0 = 1_700_000_000n;

const ops = [60n, 40n, 50n].map((weight, i) => ({
  operator: `0x${(0xc0 + i).toString(16).padStart(40, '0')}` as Address,
  key: signingKeyFromPrivateKey(keccak256(toHex(`hub-key-${i}`))),
  weight,
}));
const [opA, opB, opLater] = ops;

const blocks: BlockResolver = {
  async blockAt(chainId, n) {
    if (n > 1000n) throw new BlockAheadError(chainId, n, 1000n);
    return { blockNumber: n, timestamp: T0 + 12n * n };
  },
  async blockAtTimestamp(chainId, t) {
    throw new TimestampAheadError(chainId, t, T0);
  },
  async head() {
    return { blockNumber: 1000n, timestamp: T0 + 12_000n };
  },
};

/** A raw operator client: speaks the protocol by hand. */
class Client {
  readonly socket: WebSocket;
  private readonly inbox: AggregatorToOperator[] = [];
  private waiters: (() => void)[] = [];
  closed: Promise<number>;

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.socket.on('message', (data) => {
      this.inbox.push(JSON.parse(data.toString()));
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => this.socket.on('close', (code) => resolve(code)));
  }

  /** Next message of `type` (earlier messages of other types are dropped). */
  async next<T extends AggregatorToOperator['type']>(type: T): Promise<Extract<AggregatorToOperator, { type: T }>> {
    for (;;) {
      const i = this.inbox.findIndex((m) => m.type === type);
      if (i >= 0) return this.inbox.splice(0, i + 1)[i] as Extract<AggregatorToOperator, { type: T }>;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Whether a message of `type` is waiting. */
  has(type: AggregatorToOperator['type']): boolean {
    return this.inbox.some((m) => m.type === type);
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  async authenticate(operator: Address, key: SigningKey, signWith: SigningKey = key): Promise<void> {
    const challenge = await this.next('challenge');
    assert.equal(challenge.version, PROTOCOL_VERSION);
    assert.equal(challenge.chainId, 31337);
    assert.equal(challenge.serviceManager.toLowerCase(), TEST_SERVICE_MANAGER.toLowerCase());
    assert.match(challenge.nonce, /^0x[0-9a-f]{64}$/);
    const text = authMessage({ nonce: challenge.nonce, operator, signingKey: key.address, serviceManager: challenge.serviceManager });
    this.send({ type: 'auth', operator, signingKey: key.address, signature: signDigest(signWith, hashMessage(text)), nodeVersion: 'test/1' });
  }

  close(): void {
    this.socket.close();
  }
}

forEachDatabase('operator hub', (fixture) => {
  const services: AggregatorService[] = [];
  const clients: Client[] = [];
  after(async () => {
    for (const c of clients) c.close();
    for (const s of services) await s.close();
  });

  async function start(batching: { maxSize: number; maxDelayMs: number } | false = false): Promise<{ service: AggregatorService; source: StaticOperatorSetSource; connect(): Client }> {
    const source = staticOperatorSetSource(
      [buildOperatorSetSnapshot(EPOCH, [opA, opB].map((o) => ({ operator: o.operator, signingKey: o.key.address, weight: o.weight })), { thresholdWeight: 60n })],
      EPOCH,
    );
    // opLater registers now: effective at the next epoch only.
    source.setSnapshot(
      buildOperatorSetSnapshot(EPOCH + 1, ops.map((o) => ({ operator: o.operator, signingKey: o.key.address, weight: o.weight })), { thresholdWeight: 90n }),
    );
    const service = await startAggregatorService({
      deployment,
      database: await fixture.fresh(),
      port: 0,
      clients: new Map(),
      blocks,
      operatorSet: source,
      lateWindowMs: 0,
      validateResponses: true,
      batching,
    });
    services.push(service);
    return {
      service,
      source,
      connect() {
        const c = new Client(service.wsUrl);
        clients.push(c);
        return c;
      },
    };
  }

  it('authenticates operators with the real handshake, pushes tasks, aggregates their signatures, and streams events', async () => {
    const { service, connect } = await start();
    const a = connect();
    const b = connect();
    await a.authenticate(opA.operator, opA.key);
    await b.authenticate(opB.operator, opB.key);
    assert.deepEqual(await a.next('welcome'), { type: 'welcome', operator: getAddress(opA.operator), epoch: EPOCH });
    await b.next('welcome');

    const listed = (await (await fetch(`${service.url}/v1/operators`)).json()) as { operators: { connected: boolean; nodeVersion: string }[] };
    assert.deepEqual(listed.operators.map((o: { connected: boolean; nodeVersion: string }) => [o.connected, o.nodeVersion]), [
      [true, 'test/1'],
      [true, 'test/1'],
    ]);
    assert.equal((await fetch(`${service.url}/eigen/node/health`)).status, 200);

    const created = await fetch(`${service.url}/v1/state-proofs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chainId: 31337, user: USER, key: '9', blockNumber: '77' }),
    });
    assert.equal(created.status, 202);
    const { taskId } = (await created.json()) as { taskId: Hex };

    // Follow it over SSE while the operators sign.
    const stream = await fetch(`${service.url}/v1/state-proofs/${taskId}/events`);
    assert.equal(stream.status, 200);
    const collected = (async () => {
      const decoder = new TextDecoder();
      let text = '';
      for await (const chunk of stream.body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk);
      return text
        .split('\n\n')
        .filter((f) => f.startsWith('event: status'))
        .map((f) => JSON.parse(f.slice(f.indexOf('data: ') + 6)).status as string);
    })();

    const [tasksA, tasksB] = [await a.next('tasks'), await b.next('tasks')];
    assert.deepEqual(tasksA.tasks.map((t) => t.taskId), [taskId]);
    assert.deepEqual(tasksB.tasks.map((t) => t.taskId), [taskId]);
    const task = tasksA.tasks[0];
    assert.deepEqual(
      { chainId: task.chainId, blockNumber: task.blockNumber, timestamp: task.timestamp, key: task.key, referenceEpoch: task.referenceEpoch },
      { chainId: '31337', blockNumber: '77', timestamp: (T0 + 12n * 77n).toString(), key: '9', referenceEpoch: EPOCH },
    );
    const digest = attestationDigest(TEST_DOMAIN, {
      user: USER,
      chainId: 31337n,
      blockNumber: 77n,
      timestamp: T0 + 12n * 77n,
      key: 9n,
      value: 0n,
      exists: false,
      epoch: EPOCH,
    });
    // Operator B (40) first: below threshold; then A (60) reaches it.
    b.send({ type: 'signatures', signatures: [{ taskId, value: '0', exists: false, referenceEpoch: EPOCH, signature: signDigest(opB.key, digest) }] });
    a.send({ type: 'signatures', signatures: [{ taskId, value: '0', exists: false, referenceEpoch: EPOCH, signature: signDigest(opA.key, digest) }] });

    const statuses = await collected;
    assert.equal(statuses.at(-1), 'aggregated');
    assert.ok(statuses.includes('signing') || statuses[0] === 'signing' || statuses[0] === 'pending');
    const proof = (await (await fetch(`${service.url}/v1/state-proofs/${taskId}`)).json()) as TaskResponse;
    assert.equal(proof.status, 'aggregated');
    assert.equal(proof.digest, digest);
    assert.equal(proof.attestation.exists, false);
    assert.equal(proof.attestation.value, '0');
    assert.ok(BigInt(proof.signedWeight) >= 60n);
    assert.ok(decodeSigData(proof.sigData as Hex).operators.length >= 1);
  });

  it('sends new tasks as one batch and aggregates them from one signature per operator over their root', async () => {
    const { service, connect } = await start({ maxSize: 16, maxDelayMs: 20 });
    const a = connect();
    const b = connect();
    await a.authenticate(opA.operator, opA.key);
    await b.authenticate(opB.operator, opB.key);
    await a.next('welcome');
    await b.next('welcome');
    const keys = [21n, 22n, 23n];
    const ids = await Promise.all(
      keys.map(async (key) => {
        const res = await fetch(`${service.url}/v1/state-proofs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ chainId: 31337, user: USER, key: key.toString(), blockNumber: '77' }),
        });
        return ((await res.json()) as { taskId: Hex }).taskId;
      }),
    );
    const [batchA, batchB] = [await a.next('batch'), await b.next('batch')];
    assert.equal(batchA.batchId, batchB.batchId, 'one batch, the same for both operators');
    assert.deepEqual(batchA.tasks.map((t) => t.taskId).sort(), [...ids].sort());
    const digests = batchA.tasks.map((t) =>
      attestationDigest(TEST_DOMAIN, { user: USER, chainId: 31337n, blockNumber: 77n, timestamp: T0 + 12n * 77n, key: BigInt(t.key), value: 5n, exists: true, epoch: EPOCH }),
    );
    const tree = buildAttestationBatch(digests);
    const answers = batchA.tasks.map((t) => ({ taskId: t.taskId, value: '5', exists: true, referenceEpoch: EPOCH }));
    for (const [client, op] of [[b, opB], [a, opA]] as const) {
      client.send({ type: 'batchSignature', batchId: batchA.batchId, root: tree.root, signature: signDigest(op.key, tree.batchDigest), answers });
    }
    for (const id of ids) {
      let proof: TaskResponse | undefined;
      for (let i = 0; i < 200 && proof?.status !== 'aggregated'; i++) {
        await new Promise((r) => setTimeout(r, 25));
        proof = (await (await fetch(`${service.url}/v1/state-proofs/${id}`)).json()) as TaskResponse;
      }
      assert.equal(proof?.status, 'aggregated');
      const decoded = decodeSigData(proof!.sigData as Hex);
      assert.equal(decoded.form, 'batched', 'GET returns the proof in the form it was signed in');
      assert.ok(decoded.form === 'batched' && verifyBatchProof(proof!.digest as Hex, decoded.proof, tree.root));
      assert.equal(decoded.operators.length, 2);
    }
  });

  it('refuses an auth signature that is not by the claimed signing key', async () => {
    const { connect } = await start();
    const c = connect();
    await c.authenticate(opA.operator, opA.key, opB.key);
    assert.match((await c.next('error')).message, /not by signingKey/);
    assert.equal(await c.closed, 1008);
  });

  it('refuses a signing key that is not the operator\'s registered one', async () => {
    const { connect } = await start();
    const c = connect();
    // opB's key, claimed for opA: valid signature, wrong registration.
    await c.authenticate(opA.operator, opB.key);
    const error = await c.next('error');
    assert.match(error.message, new RegExp(`${opB.key.address} is not the registered signing key of operator ${opA.operator}`));
    assert.equal(await c.closed, 1008);
  });

  it('lets an operator registered for the next effective epoch connect, without sending it this epoch\'s tasks', async () => {
    const { service, connect } = await start();
    const c = connect();
    await c.authenticate(opLater.operator, opLater.key);
    assert.equal((await c.next('welcome')).operator, getAddress(opLater.operator));
    const a = connect();
    await a.authenticate(opA.operator, opA.key);
    await a.next('welcome');
    await fetch(`${service.url}/v1/state-proofs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chainId: 31337, user: USER, key: '1', blockNumber: '1' }),
    });
    await a.next('tasks');
    await service.aggregator.idle();
    // Round-trip on c's own socket so anything sent to it before has arrived.
    c.send({ type: 'taskErrors', errors: [] });
    await new Promise((resolve) => c.socket.ping(undefined, undefined, () => setTimeout(resolve, 0)));
    assert.equal(c.has('tasks'), false, 'not in the current epoch\'s set: no tasks');
  });

  it('closes on malformed messages and on messages before auth, and survives them', async () => {
    const { service, connect } = await start();
    const garbage = connect();
    await garbage.next('challenge');
    garbage.send('{not json');
    assert.match((await garbage.next('error')).message, /not JSON/);
    assert.equal(await garbage.closed, 1002);

    const early = connect();
    await early.next('challenge');
    early.send({ type: 'signatures', signatures: [] });
    assert.match((await early.next('error')).message, /authenticate first/);

    const wrongShape = connect();
    await wrongShape.authenticate(opA.operator, opA.key);
    await wrongShape.next('welcome');
    wrongShape.send({ type: 'signatures', signatures: [{ taskId: '0x12' }] });
    assert.match((await wrongShape.next('error')).message, /malformed message: signatures\.0\.taskId/);
    await wrongShape.closed;

    assert.equal((await fetch(`${service.url}/eigen/node`)).status, 200, 'server still up');
  });

  it('replaces an earlier connection of the same operator', async () => {
    const { service, connect } = await start();
    const first = connect();
    await first.authenticate(opA.operator, opA.key);
    await first.next('welcome');
    const second = connect();
    await second.authenticate(opA.operator, opA.key);
    await second.next('welcome');
    assert.match((await first.next('error')).message, /replaced/);
    await first.closed;
    assert.equal(service.hub.connected().length, 1);
  });
});
