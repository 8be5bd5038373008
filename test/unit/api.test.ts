import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { type Address, keccak256, toHex } from 'viem';
import { signDigest, signingKeyFromPrivateKey } from '../../src/core/crypto/ecdsa.ts';
import { HttpError } from '../../src/core/http/errors.ts';
import { eigenNodeApi } from '../../src/core/http/nodeApi.ts';
import { createHttpServer } from '../../src/core/http/server.ts';
import { attestationDigest, decodeSigData } from '../../src/services/state-proofs/attestation.ts';
import type { OperatorSession } from '../../src/services/state-proofs/aggregator/aggregator.ts';
import type { BlockResolver } from '../../src/services/state-proofs/aggregator/blocks.ts';
import { BlockAheadError, TimestampAheadError, TimestampBeforeChainError } from '../../src/services/state-proofs/aggregator/errors.ts';
import { buildOperatorSetSnapshot, staticOperatorSetSource } from '../../src/runtime/operatorSet.ts';
import { type AggregatorApp, createAggregatorApp } from '../../src/services/state-proofs/aggregator/service.ts';
import { forEachDatabase } from '../helpers/db.ts';
import { TEST_DOMAIN, TEST_SERVICE_MANAGER, testDeployment } from '../helpers/deployment.ts';

const deployment = testDeployment({ genesis: 1_700_000_000n });
const USER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const EPOCH = 3;
const T0 = 1_700_000_000n;
const operators = [40n, 30n].map((weight, i) => ({
  operator: `0x${(0xb0 + i).toString(16).padStart(40, '0')}` as Address,
  key: signingKeyFromPrivateKey(keccak256(toHex(`api-key-${i}`))),
  weight,
}));

function fakeBlocks(head = 1_000n): BlockResolver {
  const at = (n: bigint) => ({ blockNumber: n, timestamp: T0 + 12n * n });
  return {
    async blockAt(chainId, n) {
      if (n > head) throw new BlockAheadError(chainId, n, head);
      return at(n);
    },
    async blockAtTimestamp(chainId, t) {
      if (t < T0) throw new TimestampBeforeChainError(chainId, t, T0);
      if (t > at(head).timestamp) throw new TimestampAheadError(chainId, t, at(head).timestamp);
      return at((t - T0) / 12n);
    },
    async head() {
      return at(head);
    },
  };
}

function session(i: number): OperatorSession {
  const o = operators[i];
  return { operator: o.operator, signingKey: o.key.address, publicKey: o.key.publicKey, connectedAt: 0, send() {} };
}

forEachDatabase('aggregator API', (fixture) => {
  const apps: AggregatorApp[] = [];
  const open = async (options: { maxActiveTasks?: number } = {}) => {
    const built = await createAggregatorApp({
      ...options,
      deployment,
      database: await fixture.fresh(),
      clients: new Map(),
      blocks: fakeBlocks(),
      operatorSet: staticOperatorSetSource(
        [buildOperatorSetSnapshot(EPOCH, operators.map((o) => ({ operator: o.operator, signingKey: o.key.address, weight: o.weight })), { thresholdWeight: 50n })],
        EPOCH,
      ),
      lateWindowMs: 0,
      validateResponses: true,
    });
    apps.push(built);
    return built;
  };
  after(async () => {
    for (const built of apps) await built.app.close();
  });

  it('POST creates a task (202, bigints as strings), again returns the same one, then 200 once aggregated', async () => {
    const { app, aggregator } = await open();
    const body = { chainId: 31338, user: USER, key: (2n ** 255n).toString(), blockNumber: '42' };
    const first = await app.inject({ method: 'POST', url: '/v1/state-proofs', payload: body });
    assert.equal(first.statusCode, 202, first.body);
    const task = first.json();
    assert.equal(first.headers.location, `/v1/state-proofs/${task.taskId}`);
    assert.equal(task.status, 'pending');
    assert.deepEqual(task.attestation, {
      user: USER,
      chainId: '31338',
      blockNumber: '42',
      timestamp: (T0 + 12n * 42n).toString(),
      key: (2n ** 255n).toString(),
      value: null,
      exists: null,
      epoch: EPOCH,
    });
    assert.equal(task.thresholdWeight, '50');
    assert.equal(task.signedWeight, '0');
    assert.deepEqual(task.signers, []);

    const again = await app.inject({ method: 'POST', url: '/v1/state-proofs', payload: { ...body, chainId: '31338' } });
    assert.equal(again.statusCode, 202);
    assert.equal(again.json().taskId, task.taskId);

    const attestation = { user: USER as Address, chainId: 31338n, blockNumber: 42n, timestamp: T0 + 12n * 42n, key: 2n ** 255n, value: 7n, exists: true, epoch: EPOCH };
    const digest = attestationDigest(TEST_DOMAIN, attestation);
    const done = new Promise((resolve) => aggregator.subscribe(task.taskId, (e) => e.task.status === 'aggregated' && resolve(e)));
    operators.forEach((o, i) =>
      aggregator.handleSignatures(session(i), [{ taskId: task.taskId, value: '7', exists: true, referenceEpoch: EPOCH, signature: signDigest(o.key, digest) }]),
    );
    await done;
    await aggregator.idle();

    const got = await app.inject({ method: 'GET', url: `/v1/state-proofs/${task.taskId}` });
    assert.equal(got.statusCode, 200);
    const proof = got.json();
    assert.equal(proof.status, 'aggregated');
    assert.equal(proof.digest, digest);
    assert.equal(proof.attestation.value, '7');
    assert.equal(proof.attestation.exists, true);
    assert.equal(proof.signedWeight, '70');
    assert.deepEqual(
      proof.signers.map((s: { operator: string; weight: string }) => [s.operator.toLowerCase(), s.weight]),
      [
        [operators[0].operator, '40'],
        [operators[1].operator, '30'],
      ],
    );
    assert.equal(decodeSigData(proof.sigData).operators.length, 2);
    assert.equal(typeof proof.aggregatedAt, 'string');

    const once = await app.inject({ method: 'POST', url: '/v1/state-proofs', payload: body });
    assert.equal(once.statusCode, 200);
    assert.equal(once.json().sigData, proof.sigData);

    // SSE on a finished task: one status event, then the stream ends.
    const events = await app.inject({ method: 'GET', url: `/v1/state-proofs/${task.taskId}/events` });
    assert.equal(events.statusCode, 200);
    assert.match(events.headers['content-type'] as string, /text\/event-stream/);
    const frames = events.body.split('\n\n').filter((f) => f.startsWith('event:'));
    assert.equal(frames.length, 1);
    assert.equal(JSON.parse(frames[0].split('\n').find((l) => l.startsWith('data: '))!.slice(6)).status, 'aggregated');

    // The proof feed lists it with its signers; the `next` cursor then yields nothing new.
    const feed = (await app.inject({ method: 'GET', url: '/v1/state-proofs?limit=10' })).json();
    assert.equal(feed.proofs.length, 1);
    assert.equal(feed.proofs[0].sigData, proof.sigData);
    assert.deepEqual(feed.proofs[0].signers, proof.signers);
    const after = (await app.inject({ method: 'GET', url: `/v1/state-proofs?after=${feed.next}` })).json();
    assert.deepEqual(after, { proofs: [], next: feed.next });
  });

  it('answers 400 naming the proof feed parameter that is wrong', async () => {
    const { app } = await open();
    const cursor = await app.inject({ method: 'GET', url: '/v1/state-proofs?after=yesterday' });
    assert.equal(cursor.statusCode, 400);
    assert.match(cursor.json().message, /after/);
    const limit = await app.inject({ method: 'GET', url: '/v1/state-proofs?limit=0' });
    assert.equal(limit.statusCode, 400);
    assert.match(limit.json().message, /limit/);
    assert.deepEqual((await app.inject({ method: 'GET', url: '/v1/state-proofs' })).json(), { proofs: [], next: null });
  });

  it('answers 400 naming the bad field', async () => {
    const { app } = await open();
    const post = (payload: unknown) => app.inject({ method: 'POST', url: '/v1/state-proofs', payload: payload as object });
    const cases: [unknown, RegExp][] = [
      [{ chainId: 31338, user: '0x1234', key: '1', blockNumber: '1' }, /^body\.user: expected a 20-byte 0x address$/],
      [{ chainId: 31338, user: USER, key: '1' }, /^body\.blockNumber: give exactly one of blockNumber and timestamp$/],
      [{ chainId: 31338, user: USER, key: '1', blockNumber: '1', timestamp: '1' }, /^body\.blockNumber: give exactly one/],
      [{ chainId: 31338, user: USER, key: (2n ** 256n).toString(), blockNumber: '1' }, /^body\.key: does not fit in uint256$/],
      [{ chainId: 31338, user: USER, key: '-1', blockNumber: '1' }, /^body\.key: expected a non-negative decimal integer string$/],
      [{ chainId: 31338, user: USER, key: 1.5, blockNumber: '1' }, /^body\.key: /],
      [{ chainId: 31338, user: USER, key: '1', timestamp: (2n ** 48n).toString() }, /^body\.timestamp: does not fit in uint48$/],
      [{ user: USER, key: '1', blockNumber: '1' }, /^body\.chainId: /],
      [{ chainId: 1, user: USER, key: '1', blockNumber: '1' }, /chain 1 is not part of this deployment/],
      [{ chainId: 31338, user: USER, key: '1', blockNumber: '5000' }, /block 5000 is ahead of the head of chain 31338 \(1000\)/],
      [{ chainId: 31338, user: USER, key: '1', timestamp: '1' }, /^timestamp 1 is before the first block of chain 31338/],
    ];
    for (const [payload, pattern] of cases) {
      const res = await post(payload);
      assert.equal(res.statusCode, 400, `${JSON.stringify(payload)} → ${res.body}`);
      assert.equal(res.json().error, 'Bad Request');
      assert.match(res.json().message, pattern, JSON.stringify(payload));
    }
    const badJson = await app.inject({ method: 'POST', url: '/v1/state-proofs', headers: { 'content-type': 'application/json' }, payload: '{"chainId":' });
    assert.equal(badJson.statusCode, 400);
    assert.equal(badJson.json().error, 'Bad Request');
    const badId = await app.inject({ method: 'GET', url: '/v1/state-proofs/0x1234' });
    assert.equal(badId.statusCode, 400);
    assert.match(badId.json().message, /^params\.taskId: expected a 32-byte 0x hex task id$/);
  });

  it('POST /batch creates the task of every request in order, the same tasks single requests get', async () => {
    const { app, aggregator } = await open();
    const requests = [
      { chainId: 31338, user: USER, key: '1', blockNumber: '42' },
      { chainId: '31338', user: USER.toLowerCase(), key: '2', timestamp: (T0 + 12n * 43n + 5n).toString() },
      { chainId: 31338, user: USER, key: '1', blockNumber: '42' },
    ];
    const res = await app.inject({ method: 'POST', url: '/v1/state-proofs/batch', payload: { requests } });
    assert.equal(res.statusCode, 200, res.body);
    const { tasks } = res.json();
    assert.equal(tasks.length, 3);
    assert.deepEqual(tasks.map((t: { attestation: { key: string; blockNumber: string } }) => [t.attestation.key, t.attestation.blockNumber]), [
      ['1', '42'],
      ['2', '43'],
      ['1', '42'],
    ]);
    assert.equal(tasks[2].taskId, tasks[0].taskId, 'a repeated request names the same task');
    assert.ok(tasks.every((t: { status: string }) => t.status === 'pending'));
    assert.equal(aggregator.activeTaskCount, 2);
    const single = await app.inject({ method: 'POST', url: '/v1/state-proofs', payload: requests[1] });
    assert.equal(single.json().taskId, tasks[1].taskId);
  });

  it('POST /batch refuses the whole batch naming the request at fault, and creates none of it', async () => {
    const { app, aggregator } = await open();
    const good = { chainId: 31338, user: USER, key: '1', blockNumber: '42' };
    const post = (requests: unknown) => app.inject({ method: 'POST', url: '/v1/state-proofs/batch', payload: { requests } as object });
    const cases: [unknown, RegExp][] = [
      [[good, { ...good, user: '0x1234' }], /^body\.requests\.1\.user: expected a 20-byte 0x address$/],
      [[good, good, { chainId: 31338, user: USER, key: '1' }], /^body\.requests\.2\.blockNumber: give exactly one of blockNumber and timestamp$/],
      [[good, { ...good, blockNumber: '5000' }], /^body\.requests\.1\.blockNumber: block 5000 is ahead of the head of chain 31338 \(1000\)$/],
      [[{ ...good, chainId: 1 }, good], /^body\.requests\.0\.chainId: chain 1 is not part of this deployment/],
      [[], /^body\.requests: /],
      [Array.from({ length: 1_001 }, () => good), /^body\.requests: /],
    ];
    for (const [requests, pattern] of cases) {
      const res = await post(requests);
      assert.equal(res.statusCode, 400, res.body);
      assert.match(res.json().message, pattern);
    }
    assert.equal(aggregator.activeTaskCount, 0, 'no task of a refused batch was created');
  });

  it('POST /batch answers 503 for a batch that would pass the task limit, and creates none of it', async () => {
    const { app, aggregator } = await open({ maxActiveTasks: 2 });
    const requests = [1, 2, 3].map((key) => ({ chainId: 31338, user: USER, key: String(key), blockNumber: '42' }));
    const res = await app.inject({ method: 'POST', url: '/v1/state-proofs/batch', payload: { requests } });
    assert.equal(res.statusCode, 503, res.body);
    assert.match(res.json().message, /tasks in flight; retry shortly/);
    assert.equal(aggregator.activeTaskCount, 0);
    const fits = await app.inject({ method: 'POST', url: '/v1/state-proofs/batch', payload: { requests: requests.slice(0, 2) } });
    assert.equal(fits.statusCode, 200, fits.body);
  });

  it('answers 404 for unknown tasks and routes', async () => {
    const { app } = await open();
    const unknown = keccak256('0x01');
    for (const url of [`/v1/state-proofs/${unknown}`, `/v1/state-proofs/${unknown}/events`, '/v1/nothing']) {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.json().error, 'Not Found');
    }
  });

  it('serves the operators, the epoch clock and the OpenAPI document', async () => {
    const { app } = await open();
    const ops = (await app.inject({ method: 'GET', url: '/v1/operators' })).json();
    assert.equal(ops.epoch, EPOCH);
    assert.equal(ops.totalWeight, '70');
    assert.equal(ops.thresholdWeight, '50');
    assert.deepEqual(
      ops.operators.map((o: { weight: string; connected: boolean }) => [o.weight, o.connected]),
      [
        ['40', false],
        ['30', false],
      ],
    );

    const epoch = (await app.inject({ method: 'GET', url: '/v1/epochs/current' })).json();
    const now = T0 + 12_000n; // head 1000 at 12 s
    assert.deepEqual(epoch, {
      epoch: 100,
      start: (T0 + 12_000n).toString(),
      graceStart: (T0 + 12_100n).toString(),
      end: (T0 + 12_120n).toString(),
      effectiveEpoch: 101,
      now: now.toString(),
    });

    const doc = await app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(doc.statusCode, 200);
    const openapi = doc.json();
    assert.match(openapi.openapi, /^3\./);
    for (const path of ['/v1/state-proofs', '/v1/state-proofs/{taskId}', '/v1/state-proofs/{taskId}/events', '/v1/operators', '/v1/epochs/current']) {
      assert.ok(openapi.paths[path], `${path} documented`);
    }
    const body = openapi.paths['/v1/state-proofs'].post.requestBody.content['application/json'].schema;
    assert.deepEqual(Object.keys(body.properties).sort(), ['blockNumber', 'chainId', 'key', 'timestamp', 'user']);
    assert.ok(openapi.paths['/v1/state-proofs'].post.responses['202']);
  });

  it('answers 503 with a reason, not 500, when the main chain cannot be read', async () => {
    const down = () => Promise.reject(new Error('HTTP request failed.\nURL: http://10.0.0.1:8545'));
    const built = await createAggregatorApp({
      deployment,
      database: await fixture.fresh(),
      clients: new Map(),
      blocks: { ...fakeBlocks(), head: down },
      operatorSet: { currentEpoch: down, effectiveEpoch: down, getSnapshot: down, close() {} },
      validateResponses: true,
    });
    apps.push(built);
    for (const [method, url] of [['GET', '/v1/operators'], ['GET', '/v1/epochs/current']] as const) {
      const res = await built.app.inject({ method, url });
      assert.equal(res.statusCode, 503, url);
      assert.equal(res.json().message, 'cannot read the main chain right now: HTTP request failed.');
    }
    const post = await built.app.inject({ method: 'POST', url: '/v1/state-proofs', payload: { chainId: 31338, user: USER, key: '1', blockNumber: '1' } });
    assert.equal(post.statusCode, 503);
    assert.equal(post.json().message, 'cannot read chain 31337 right now: HTTP request failed.');
  });

  it('mounts the EigenLayer node API under /eigen', async () => {
    const { app } = await open();
    const node = await app.inject({ method: 'GET', url: '/eigen/node' });
    assert.deepEqual(node.json(), { node_name: 'avs-stack state-proofs aggregator', spec_version: 'v0.0.1', node_version: '0.1.0' });
    // No operator connected yet: partially healthy.
    assert.equal((await app.inject({ method: 'GET', url: '/eigen/node/health' })).statusCode, 206);
    const services = (await app.inject({ method: 'GET', url: '/eigen/node/services' })).json().services;
    assert.deepEqual(services.map((s: { id: string; status: string }) => [s.id, s.status]), [
      ['aggregator', 'Up'],
      ['operators', 'Initializing'],
    ]);
    assert.equal((await app.inject({ method: 'GET', url: '/eigen/node/services/aggregator/health' })).statusCode, 200);
    assert.equal((await app.inject({ method: 'GET', url: '/eigen/node/services/nope/health' })).statusCode, 404);
    const version = await app.inject({ method: 'GET', url: '/eigen/node?version=v9.9.9' });
    assert.equal(version.statusCode, 404);
    assert.deepEqual(version.json(), { message: 'API version not found' });
    assert.equal((await app.inject({ method: 'GET', url: '/eigen/node?version=v0.0.1' })).statusCode, 200);
  });

  it('serves Prometheus metrics, AVS-specific ones without the eigen_ prefix', async () => {
    const { app } = await open();
    await app.inject({ method: 'POST', url: '/v1/state-proofs', payload: { chainId: 31338, user: USER, key: '1', blockNumber: '1' } });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /text\/plain/);
    assert.match(res.body, /avs_state_proofs_tasks_total\{outcome="created",avs_name="state-proofs"\} 1/);
    assert.match(res.body, /avs_state_proofs_active_tasks\{avs_name="state-proofs"\} 1/);
    assert.match(res.body, /eigen_performance_score\{avs_name="state-proofs"\} 50/);
    assert.match(res.body, /avs_state_proofs_time_to_proof_seconds_bucket/);
  });
});

describe('core http', () => {
  it('never leaks a stack or an internal message in a 500, and passes intended statuses through', async () => {
    const app = await createHttpServer({ title: 't', version: '1', validateResponses: true });
    app.get('/boom', async () => {
      throw new Error('secret internal detail at /home/x');
    });
    app.get('/teapot', async () => {
      throw new HttpError(409, 'already there');
    });
    const boom = await app.inject({ method: 'GET', url: '/boom' });
    assert.equal(boom.statusCode, 500);
    assert.deepEqual(boom.json(), { error: 'Internal Server Error', message: 'Internal server error' });
    const conflict = await app.inject({ method: 'GET', url: '/teapot' });
    assert.deepEqual([conflict.statusCode, conflict.json()], [409, { error: 'Conflict', message: 'already there' }]);
    await app.close();
  });

  it('derives node health from its services', async () => {
    const statuses: Record<string, 'Up' | 'Down' | 'Initializing'> = { a: 'Up', b: 'Up' };
    const app = await createHttpServer({ title: 't', version: '1', validateResponses: true });
    await app.register(eigenNodeApi, {
      prefix: '/eigen',
      nodeName: 'n',
      nodeVersion: '1',
      services: ['a', 'b'].map((id) => ({ id, name: id, description: id, status: () => statuses[id] })),
    });
    const health = async () => (await app.inject({ method: 'GET', url: '/eigen/node/health' })).statusCode;
    assert.equal(await health(), 200);
    statuses.b = 'Down';
    assert.equal(await health(), 206);
    assert.equal((await app.inject({ method: 'GET', url: '/eigen/node/services/b/health' })).statusCode, 503);
    statuses.a = 'Down';
    assert.equal(await health(), 503);
    await app.close();
  });
});
