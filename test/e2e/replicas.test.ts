/**
 * Two aggregator replicas share one Postgres database, serve the same operators and API, and neither
 * lose nor double-process a task when one of them is killed mid-load (decision aggregator-0004).
 *
 * Real parts only: anvil chains with the devnet deployment, a fresh Postgres database on 127.0.0.1:5432, replica A as
 * an `avs aggregator run` child process (so it can be SIGKILLed: no shutdown hook, no lease handed back), replica B in
 * this process, four `avs operator run` children that dial one URL: a TCP load balancer in front of the two replicas
 * (round-robin; a connection to a dead replica goes to the next), as a deployment would run them.
 *
 * 1. Batch 1 (100 proofs at a final block), requests alternating A and B: every task ends aggregated; B's SSE stream of a
 *    task that A created and aggregated reports its completion (B learns it through LISTEN/NOTIFY).
 * 2. Batch 2 (100 proofs at a block the paused chain has not finalized): half requested (alternating), then A is killed
 *    while holding its tasks, the rest requested from B. Once the chain moves on, B takes over A's tasks when their
 *    leases lapse, A's operators reconnect through the load balancer to B, and every task ends aggregated.
 * 3. Nothing was processed twice: one row per task finished by exactly one replica, one answer per operator per task,
 *    no conflicting answers, each proof verifies on the main chain and attests the value written.
 *
 * Waits are polls with generous bounds; nothing asserts a duration.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { Address, Hex } from 'viem';
import { ECDSAStakeRegistryAbi, StateManagerAbi } from '../../src/core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../../src/core/chain/clients.ts';
import { type Database, openDatabase } from '../../src/core/db/database.ts';
import { type Devnet, startDevnet, writeDeploymentFile } from '../../src/devnet/devnet.ts';
import { ERC1271_MAGIC_VALUE, attestationDigest, decodeSigData } from '../../src/services/state-proofs/attestation.ts';
import { type AggregatorService, startAggregatorService } from '../../src/services/state-proofs/aggregator/service.ts';
import { assertPostgresReachable, skipWithoutPostgres } from '../helpers/db.ts';
import { type Query, REMOTE_CHAIN, type TaskJson, httpJson, requestProof } from '../helpers/aggregatorApi.ts';
import { type Proc, isRunning, logTail, startAvs, stopProc, waitWhileRunning } from '../helpers/processes.ts';
import { stepper } from '../helpers/steps.ts';
import { freePort } from '../helpers/wait.ts';

const ADMIN_URL = process.env.TEST_POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REPLICA_A = 'replica-a';
const REPLICA_B = 'replica-b';
/** Bound of every wait: generous on a loaded 2-core machine; reaching it is a failure, never a timing assertion. */
const WAIT_MS = 300_000;

/** Waits (bounded by {@link WAIT_MS}), failing when a watched process exits, with its log. */
function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, watch: readonly Proc[] = [], intervalMs = 200): Promise<T> {
  return waitWhileRunning(what, probe, watch, { timeoutMs: WAIT_MS, intervalMs });
}

// ---------------------------------------------------------------------------------------------------------------------
// A TCP load balancer in front of the replicas (what the operators and a deployment's users dial)
// ---------------------------------------------------------------------------------------------------------------------

type LoadBalancer = { port: number; close(): Promise<void> };

/** Round-robin over `backends` per connection; a backend that refuses the connection is skipped. */
async function startLoadBalancer(backends: readonly number[]): Promise<LoadBalancer> {
  let next = 0;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const server: Server = createServer((client) => {
    track(client);
    client.pause();
    client.on('error', () => {});
    const attempt = (left: number) => {
      if (left === 0 || client.destroyed) return client.destroy();
      const upstream = connect(backends[next++ % backends.length], '127.0.0.1');
      track(upstream);
      let connected = false;
      upstream.once('connect', () => {
        connected = true;
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
      upstream.on('error', () => {
        if (!connected) attempt(left - 1);
      });
      upstream.on('close', () => {
        if (connected) client.destroy();
      });
      client.on('close', () => upstream.destroy());
    };
    attempt(backends.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// The aggregator's HTTP API
// ---------------------------------------------------------------------------------------------------------------------

/** `POST /v1/state-proofs`, asserting the request was taken (202, or 200 for a task already aggregated). */
async function requestTaken(api: string, user: Address, q: Query): Promise<TaskJson> {
  const { status, body } = await requestProof(api, user, q);
  assert.ok(status === 202 || status === 200, `POST ${api}/v1/state-proofs: ${status} ${JSON.stringify(body)}`);
  return body;
}

/** Every `status` event of a task's SSE stream, until the server ends it (the task finished). */
async function readEvents(api: string, taskId: Hex, signal: AbortSignal): Promise<TaskJson[]> {
  const response = await fetch(`${api}/v1/state-proofs/${taskId}/events`, { signal });
  assert.equal(response.status, 200);
  const events: TaskJson[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block.split('\n').find((l) => l.startsWith('data: '));
      if (block.includes('event: status') && data) events.push(JSON.parse(data.slice(6)) as TaskJson);
    }
  }
  return events;
}

// ---------------------------------------------------------------------------------------------------------------------
// The scenario
// ---------------------------------------------------------------------------------------------------------------------

describe('two aggregator replicas on one Postgres database, one killed mid-load', { skip: await skipWithoutPostgres(ADMIN_URL, 'TEST_POSTGRES_ADMIN_URL') }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'avs-replicas-'));
  const dbName = `avs_replicas_${process.pid}_${randomBytes(4).toString('hex')}`;
  const databaseUrl = ADMIN_URL.replace(/\/[^/]*$/, `/${dbName}`);
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  const procs: Proc[] = [];
  const operators: Proc[] = [];
  let devnet: Devnet;
  let database: Database<any>;
  let replicaB: AggregatorService;
  let replicaA: Proc;
  let apiA: string;
  let balancer: LoadBalancer;
  /** Every task requested, with the replica that created it. */
  const tasks = new Map<Hex, Query & { via: 'A' | 'B'; batch: 1 | 2 }>();
  const step = stepper();

  const journalPath = (index: number) => join(dir, `operator-${index}.sqlite`);
  const remote = () => devnet.deployment.chains.find((c) => c.chainId === REMOTE_CHAIN)!;
  const anvil = async (method: string, params: unknown[]) => {
    const { body } = await httpJson<{ result?: unknown; error?: { message: string } }>(remote().rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result;
  };
  /** Writes `entries` on the remote chain in one transaction; returns its block. */
  const write = async (entries: readonly { key: bigint; value: bigint }[], mine: boolean): Promise<bigint> => {
    const hash = await makeWalletClient(REMOTE_CHAIN, remote().rpcUrl, devnet.user).writeContract({
      address: remote().stateManager,
      abi: StateManagerAbi,
      functionName: 'batchSetValues',
      args: [entries.map((e) => ({ key: e.key, value: e.value }))],
    });
    if (mine) await anvil('evm_mine', []);
    const receipt = await devnet.clients.get(REMOTE_CHAIN)!.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, 'success');
    return receipt.blockNumber;
  };
  const connectedTo = async (api: string) =>
    (await httpJson<{ operators: { connected: boolean }[] }>(`${api}/v1/operators`)).body.operators.filter((o) => o.connected).length;
  const rows = async <T>(text: string, values: unknown[] = []): Promise<T[]> => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      return (await client.query(text, values)).rows as T[];
    } finally {
      await client.end();
    }
  };
  /** Requests `entries` at `blockNumber`, alternating replicas A and B (or only B), ten at a time. */
  const requestAll = async (entries: readonly { key: bigint; value: bigint }[], blockNumber: bigint, batch: 1 | 2, onlyB = false) => {
    const user = devnet.user.address;
    for (let i = 0; i < entries.length; i += 10) {
      await Promise.all(
        entries.slice(i, i + 10).map(async (e, j) => {
          const via = onlyB || (i + j) % 2 === 1 ? 'B' : 'A';
          const task = await requestTaken(via === 'A' ? apiA : replicaB.url, user, { ...e, blockNumber });
          tasks.set(task.taskId, { ...e, blockNumber, via, batch });
        }),
      );
    }
  };
  const waitAllAggregated = (ids: readonly Hex[]) =>
    waitFor(
      `${ids.length} tasks to finish (read through replica B)`,
      async () => {
        const pending = await rows<{ n: string }>(`select count(*) as n from state_proofs_tasks where status in ('pending', 'signing')`);
        if (Number(pending[0].n) > 0) return undefined;
        const final = await Promise.all(ids.map(async (id) => (await httpJson<TaskJson>(`${replicaB.url}/v1/state-proofs/${id}`)).body));
        return final.every((t) => t.status === 'aggregated' || t.status === 'failed') ? final : undefined;
      },
      operators,
      500,
    );

  before(async () => {
    await assertPostgresReachable(ADMIN_URL, 'TEST_POSTGRES_ADMIN_URL');
    await admin.connect();
    await admin.query(`create database "${dbName}"`);
    devnet = await startDevnet({ operators: 4, remoteChains: 1, dir });
    const deploymentPath = join(dir, 'devnet.json');
    const portA = await freePort();
    apiA = `http://127.0.0.1:${portA}`;
    writeDeploymentFile(deploymentPath, devnet, { endpoints: {}, aggregatorUrl: apiA, stop: async () => {} });

    replicaA = startAvs(dir, 'replica-a', ['aggregator', 'run', '--deployment', deploymentPath, '--port', String(portA), '--replica-id', REPLICA_A], {
      DATABASE_URL: databaseUrl,
    });
    procs.push(replicaA);
    await waitFor(`replica A at ${apiA}`, async () => ((await fetch(`${apiA}/v1/epochs/current`)).status === 200 ? true : undefined), [replicaA]);
    database = await openDatabase({ url: databaseUrl });
    replicaB = await startAggregatorService({ deployment: devnet.deployment, database, port: 0, replicaId: REPLICA_B, validateResponses: true });

    balancer = await startLoadBalancer([portA, replicaB.port]);
    for (const o of devnet.operators) {
      const proc = startAvs(dir, `operator-${o.index}`, [
        'operator', 'run',
        '--devnet-operator', String(o.index),
        '--deployment', deploymentPath,
        '--aggregator', `ws://127.0.0.1:${balancer.port}/v1/operators/ws`,
        '--confirmations', '2',
        '--db', journalPath(o.index),
      ]);
      operators.push(proc);
      procs.push(proc);
    }
  });

  after(async () => {
    await Promise.all(procs.map(stopProc));
    await replicaB?.close().catch(() => {});
    await database?.close().catch(() => {});
    await balancer?.close().catch(() => {});
    await devnet?.stop().catch(() => {});
    await admin.query(`drop database if exists "${dbName}" with (force)`).catch(() => {});
    await admin.end().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  step('the operators, behind one load balancer URL, are spread over both replicas', async (t) => {
    const split = await waitFor(
      'four operators connected',
      async () => {
        const [a, b] = await Promise.all([connectedTo(apiA), connectedTo(replicaB.url)]);
        return a + b === 4 ? { a, b } : undefined;
      },
      procs,
    );
    t.diagnostic(`operators connected to A: ${split.a}, to B: ${split.b}`);
    assert.ok(split.a > 0 && split.b > 0, `operators on A: ${split.a}, on B: ${split.b}`);
  });

  step('batch 1: requests alternate between replicas; B streams the completion of a task A created and aggregated', async (t) => {
    const entries = Array.from({ length: 100 }, (_, i) => ({ key: 1_000n + BigInt(i), value: 7_000_000n + BigInt(i) }));
    const block = await write(entries, false);
    const watched = new Map<Hex, Promise<TaskJson[]>>();
    const streams = new AbortController();
    // Subscribe on B to the first tasks A creates, as they are created.
    const user = devnet.user.address;
    for (const e of entries.slice(0, 12)) {
      const task = await requestTaken(apiA, user, { ...e, blockNumber: block });
      tasks.set(task.taskId, { ...e, blockNumber: block, via: 'A', batch: 1 });
      watched.set(task.taskId, readEvents(replicaB.url, task.taskId, streams.signal));
    }
    await requestAll(entries.slice(12), block, 1);
    const ids = [...tasks.keys()];
    const final = await waitAllAggregated(ids);
    assert.ok(final.every((t) => t.status === 'aggregated'), final.filter((t) => t.status !== 'aggregated').map((t) => t.failureReason).join('; '));

    const finishedBy = new Map((await rows<{ task_id: Hex; claimed_by: string }>('select task_id, claimed_by from state_proofs_tasks')).map((r) => [r.task_id, r.claimed_by]));
    const byA = [...watched.keys()].filter((id) => finishedBy.get(id.toLowerCase() as Hex) === REPLICA_A);
    t.diagnostic(`batch 1 finished by A: ${[...finishedBy.values()].filter((r) => r === REPLICA_A).length}, by B: ${[...finishedBy.values()].filter((r) => r === REPLICA_B).length}; B streamed ${byA.length} tasks A aggregated`);
    assert.ok(byA.length > 0, 'replica A aggregated some of the tasks it created');
    for (const id of byA) {
      const events = await watched.get(id)!;
      const aggregated = events.filter((e) => e.status === 'aggregated');
      // The stream ends at the first final status: one `aggregated` event, the completion A made.
      assert.equal(aggregated.length, 1, `B's stream of ${id} (aggregated by A) reported the completion: ${JSON.stringify(events.map((e) => e.status))}`);
      const stored = final.find((t) => t.taskId === id)!;
      assert.equal(aggregated[0].aggregatedAt, stored.aggregatedAt, 'completed once: the stored completion is the one streamed');
      assert.equal(aggregated[0].digest, stored.digest);
      // A late signature may have extended the proof since; it only ever adds signers.
      const finalSigners = new Set(stored.signers.map((x) => x.operator));
      assert.ok(aggregated[0].signers.every((x) => finalSigners.has(x.operator)));
    }
    streams.abort();
  });

  step('batch 2: replica A is SIGKILLed holding unfinished tasks; B takes them over and every task ends aggregated', async (t) => {
    // The remote chain mines only when told to: batch 2's block cannot become final until the kill is done.
    await anvil('evm_setIntervalMining', [0]);
    const entries = Array.from({ length: 100 }, (_, i) => ({ key: 2_000n + BigInt(i), value: 9_000_000n + BigInt(i) }));
    const block = await write(entries, true);
    await requestAll(entries.slice(0, 50), block, 2);
    // B learns of the tasks A created (NOTIFY) and holds them too, to send them to its own operators.
    const createdByA = [...tasks].filter(([, q]) => q.batch === 2 && q.via === 'A').map(([id]) => id);
    await waitFor('B to hold the tasks A created', () => (createdByA.every((id) => replicaB.aggregator.isActive(id)) ? true : undefined), procs);

    replicaA.child.kill('SIGKILL');
    assert.equal((await replicaA.exited).signal, 'SIGKILL');
    const heldByA = await rows<{ task_id: Hex; status: string }>(`select task_id, status from state_proofs_tasks where claimed_by = $1 and (query::json->>'blockNumber') = $2`, [
      REPLICA_A,
      block.toString(),
    ]);
    t.diagnostic(`A died holding ${heldByA.length} unfinished tasks`);
    assert.ok(heldByA.length > 0 && heldByA.every((r) => r.status === 'pending' || r.status === 'signing'), 'A died holding unfinished tasks');

    await requestAll(entries.slice(50), block, 2, true);
    for (let i = 0; i < 3; i++) await anvil('evm_mine', []);
    await anvil('evm_setIntervalMining', [1]);

    const final = await waitAllAggregated([...tasks.keys()]);
    assert.ok(final.every((t) => t.status === 'aggregated'), final.filter((t) => t.status !== 'aggregated').map((t) => t.failureReason).join('; '));
    const takenOver = await rows<{ n: string }>(`select count(*) as n from state_proofs_tasks where claimed_by = $1 and task_id = any($2)`, [
      REPLICA_B,
      heldByA.map((r) => r.task_id),
    ]);
    assert.equal(Number(takenOver[0].n), heldByA.length, 'B finished every task A held when it died');
    assert.equal(await connectedTo(replicaB.url), 4, "A's operators reconnected through the load balancer to B");
  });

  step('nothing was lost or processed twice, and every proof verifies on the main chain', async (t) => {
    assert.equal(tasks.size, 200);
    const stored = await rows<{ task_id: Hex; status: string; claimed_by: string; aggregated_at: string }>('select task_id, status, claimed_by, aggregated_at from state_proofs_tasks');
    assert.equal(stored.length, 200, 'one row per task');
    assert.deepEqual(new Set(stored.map((r) => r.task_id)), new Set([...tasks.keys()].map((id) => id.toLowerCase())));
    assert.ok(stored.every((r) => r.status === 'aggregated' && r.aggregated_at !== null));
    assert.ok(stored.every((r) => r.claimed_by === REPLICA_A || r.claimed_by === REPLICA_B));
    t.diagnostic(`finished by A: ${stored.filter((r) => r.claimed_by === REPLICA_A).length}, by B: ${stored.filter((r) => r.claimed_by === REPLICA_B).length}`);
    // Each completion B applied is one row it finished; the rest are A's (whose counters died with it).
    assert.equal(replicaB.aggregator.stats.tasksAggregated, stored.filter((r) => r.claimed_by === REPLICA_B).length);
    const duplicates = await rows('select task_id, operator from state_proofs_answers group by task_id, operator having count(*) > 1');
    assert.deepEqual(duplicates, [], 'one answer per operator per task');
    assert.deepEqual(await rows('select task_id, operator from state_proofs_answer_conflicts'), [], 'no operator gave two answers');
    // Operators connected to A and to B all have answers stored (an answer arriving after its task left both replicas'
    // memory is not, so the count per task depends on timing; every proof signer's answer is checked below).
    const answered = await rows<{ operator: string; n: string }>('select operator, count(*) as n from state_proofs_answers group by operator');
    t.diagnostic(`answers stored per operator: ${answered.map((r) => `${r.operator.slice(0, 8)}… ${r.n}`).join(', ')}`);
    assert.equal(answered.length, 4, 'answers of the operators on both replicas were stored');

    const main = devnet.clients.get(devnet.deployment.mainChainId)!;
    const domain = { chainId: devnet.deployment.mainChainId, verifyingContract: devnet.deployment.stateProofs.serviceManager };
    for (const [taskId, q] of tasks) {
      const task = (await httpJson<TaskJson>(`${replicaB.url}/v1/state-proofs/${taskId}`)).body;
      assert.equal(task.attestation.value, q.value.toString(), `task ${taskId} attests the value written at key ${q.key}`);
      const digest = attestationDigest(domain, {
        user: devnet.user.address,
        chainId: BigInt(REMOTE_CHAIN),
        blockNumber: q.blockNumber,
        timestamp: BigInt(task.attestation.timestamp),
        key: q.key,
        value: q.value,
        exists: true,
        epoch: task.attestation.epoch,
      });
      assert.equal(task.digest, digest);
      assert.deepEqual(
        task.signers.map((x) => x.operator.toLowerCase()),
        decodeSigData(task.sigData!).operators.map((o) => o.toLowerCase()),
        `every signer of task ${taskId}'s proof has its answer stored`,
      );
      const result = await main.readContract({
        address: devnet.deployment.stateProofs.stakeRegistry,
        abi: ECDSAStakeRegistryAbi,
        functionName: 'isValidSignature',
        args: [digest, task.sigData!],
      });
      assert.equal(result, ERC1271_MAGIC_VALUE, `isValidSignature of task ${taskId}`);
    }

    // No operator signed two different answers to a task, whichever replica it was connected to.
    for (const o of devnet.operators) {
      if (!existsSync(journalPath(o.index))) continue;
      const journal = new BetterSqlite3(journalPath(o.index), { readonly: true, fileMustExist: true });
      try {
        const twice = journal.prepare('select task_id from operator_signed_attestations group by task_id having count(distinct digest) > 1').all();
        assert.deepEqual(twice, [], `operator ${o.index}`);
      } finally {
        journal.close();
      }
    }
  });
});
