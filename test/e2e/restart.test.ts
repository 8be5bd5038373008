/**
 * The aggregator killed mid-task and restarted finishes the task without losing or duplicating it
 * (docs/architecture.md, "Off-chain rules": a restart of any process loses nothing and signs nothing twice in conflicting ways).
 *
 * Real processes against real anvil chains: the devnet runs no services in this process; `avs aggregator run` and
 * `avs operator run` are children of the test, each with its own SQLite file, and the aggregator is killed with SIGKILL
 * (no shutdown hook runs) and started again on the same database and port.
 *
 * 1. Killed with tasks stored and unsigned (no operator running yet): the restarted aggregator still serves them as
 *    unfinished, a repeated request finds the same task, and once the operators start every task is aggregated once,
 *    verifies on-chain and attests the value written.
 * 2. Killed while the operators sign a batch: batch A is final and being signed; batch B is at a block the chain (paused)
 *    has not finalized, so every operator is waiting on it. After the kill the chain moves on and the operators sign B
 *    while the aggregator is down (journaled, undeliverable). After the restart every task ends aggregated exactly once,
 *    and no operator's journal holds two different answers to a task.
 *
 * Waits are polls with generous bounds; nothing asserts a duration.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import type { Address, Hex } from 'viem';
import { ECDSAStakeRegistryAbi, StateManagerAbi } from '../../src/core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../../src/core/chain/clients.ts';
import { type Devnet, startDevnet, writeDeploymentFile } from '../../src/devnet/devnet.ts';
import { ERC1271_MAGIC_VALUE, attestationDigest, computeTaskId, decodeSigData } from '../../src/services/state-proofs/attestation.ts';
import { type Query, REMOTE_CHAIN, type TaskJson, getTask, httpJson, requestProof } from '../helpers/aggregatorApi.ts';
import { type Proc, isRunning, logTail, startAvs, stopProc, waitWhileRunning } from '../helpers/processes.ts';
import { stepper } from '../helpers/steps.ts';
import { freePort } from '../helpers/wait.ts';

/** Bound of every wait: generous on a loaded 2-core machine; reaching it is a failure, never a timing assertion. */
const WAIT_MS = 300_000;

/** Waits (bounded by {@link WAIT_MS}), failing when a watched process exits, with its log. */
function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, watch: readonly Proc[] = [], intervalMs = 100): Promise<T> {
  return waitWhileRunning(what, probe, watch, { timeoutMs: WAIT_MS, intervalMs });
}

const isUnfinished = (status: string) => status === 'pending' || status === 'signing';

// ---------------------------------------------------------------------------------------------------------------------
// A devnet with the aggregator and operators as processes
// ---------------------------------------------------------------------------------------------------------------------

/** One scenario's world: a devnet without in-process services, and the processes the scenario runs against it. */
class World {
  devnet!: Devnet;
  dir!: string;
  deploymentPath!: string;
  port!: number;
  aggregator?: Proc;
  operators: Proc[] = [];
  readonly all: Proc[] = [];

  get api(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/v1/operators/ws`;
  }
  get aggregatorDb(): string {
    return join(this.dir, 'aggregator.sqlite');
  }
  journalPath(index: number): string {
    return join(this.dir, `operator-${index}.sqlite`);
  }
  get remoteRpc(): string {
    return this.devnet.deployment.chains.find((c) => c.chainId === REMOTE_CHAIN)!.rpcUrl;
  }

  async start(prefix: string): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    this.deploymentPath = join(this.dir, 'devnet.json');
    this.devnet = await startDevnet({ operators: 4, remoteChains: 1, dir: this.dir });
    this.port = await freePort();
    writeDeploymentFile(this.deploymentPath, this.devnet, { endpoints: { 'aggregator http': this.api }, aggregatorUrl: this.api, stop: async () => {} });
  }

  /** Starts `avs aggregator run` (same port, same database every time) and waits until it answers. */
  async startAggregator(): Promise<Proc> {
    const proc = startAvs(this.dir, 'aggregator', [
      'aggregator', 'run', '--deployment', this.deploymentPath, '--port', String(this.port), '--db', this.aggregatorDb,
    ]);
    this.aggregator = proc;
    this.all.push(proc);
    await waitFor(
      `the aggregator at ${this.api}`,
      async () => ((await fetch(`${this.api}/v1/epochs/current`, { signal: AbortSignal.timeout(10_000) })).status === 200 ? true : undefined),
      [proc],
      200,
    );
    return proc;
  }

  /** SIGKILL: no shutdown hook, no last flush. */
  async killAggregator(): Promise<void> {
    const proc = this.aggregator!;
    proc.child.kill('SIGKILL');
    const { signal } = await proc.exited;
    assert.equal(signal, 'SIGKILL');
  }

  startOperators(): void {
    for (const o of this.devnet.operators) {
      const proc = startAvs(this.dir, `operator-${o.index}`, [
        'operator', 'run',
        '--devnet-operator', String(o.index),
        '--deployment', this.deploymentPath,
        '--aggregator', this.wsUrl,
        '--confirmations', '2',
        '--db', this.journalPath(o.index),
      ]);
      this.operators.push(proc);
      this.all.push(proc);
    }
  }

  async waitForOperatorsConnected(): Promise<void> {
    const expected = this.devnet.operators.length;
    await waitFor(
      `${expected} operators connected`,
      async () => {
        const { body } = await httpJson<{ operators: { connected: boolean }[] }>(`${this.api}/v1/operators`);
        return body.operators.filter((o) => o.connected).length === expected ? true : undefined;
      },
      this.all.filter(isRunning),
      200,
    );
  }

  /** Writes `entries` on the remote chain in one transaction and returns its block (mined by the chain's own mining). */
  async write(entries: readonly { key: bigint; value: bigint }[], mine = false): Promise<bigint> {
    const wallet = makeWalletClient(REMOTE_CHAIN, this.remoteRpc, this.devnet.user);
    const client = this.devnet.clients.get(REMOTE_CHAIN)!;
    const hash = await wallet.writeContract({
      address: this.devnet.deployment.chains.find((c) => c.chainId === REMOTE_CHAIN)!.stateManager,
      abi: StateManagerAbi,
      functionName: 'batchSetValues',
      args: [entries.map((e) => ({ key: e.key, value: e.value }))],
    });
    if (mine) await this.anvil('evm_mine', []);
    const receipt = await client.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, 'success');
    return receipt.blockNumber;
  }

  async waitForConfirmations(blockNumber: bigint, confirmations: bigint): Promise<void> {
    const client = this.devnet.clients.get(REMOTE_CHAIN)!;
    await waitFor(`block ${blockNumber} to have ${confirmations} confirmations`, async () =>
      (await client.getBlockNumber({ cacheTime: 0 })) >= blockNumber + confirmations ? true : undefined,
    );
  }

  /** An anvil JSON-RPC call on the remote chain (mining control). */
  async anvil(method: string, params: unknown[]): Promise<unknown> {
    const { body } = await httpJson<{ result?: unknown; error?: { message: string } }>(this.remoteRpc, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result;
  }

  async waitForFinal(taskIds: readonly Hex[]): Promise<Map<Hex, TaskJson>> {
    const done = new Map<Hex, TaskJson>();
    await waitFor(
      `${taskIds.length} tasks to be aggregated or failed`,
      async () => {
        for (const id of taskIds) {
          if (done.has(id)) continue;
          const task = await getTask(this.api, id);
          if (!isUnfinished(task.status)) done.set(id, task);
        }
        return done.size === taskIds.length ? true : undefined;
      },
      this.all.filter(isRunning),
      250,
    );
    return done;
  }

  async stop(): Promise<void> {
    await Promise.all(this.all.map(stopProc));
    await this.devnet?.stop();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Reading the databases (read-only, while the processes run)
// ---------------------------------------------------------------------------------------------------------------------

type JournalRow = { task_id: string; reference_epoch: number; value: string; exists: number; digest: string };

/** Every entry of an operator's signing journal (empty before the node created it). */
function readJournal(path: string): JournalRow[] {
  if (!existsSync(path)) return [];
  const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return db.prepare('select task_id, reference_epoch, value, "exists", digest from operator_signed_attestations').all() as JournalRow[];
  } catch (error) {
    if (/no such table/.test((error as Error).message)) return [];
    throw error;
  } finally {
    db.close();
  }
}

type AggregatorRows = {
  tasks: { task_id: string; status: string; aggregated_at: number | null }[];
  signatures: { task_id: string; operator: string; digest: string; value: string }[];
  conflicts: { task_id: string; operator: string }[];
};

function readAggregatorDb(path: string): AggregatorRows {
  const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return {
      tasks: db.prepare('select task_id, status, aggregated_at from state_proofs_tasks').all() as AggregatorRows['tasks'],
      // The answer is the task engine's text column: {"value":"…","exists":…}.
      signatures: (db.prepare('select task_id, operator, digest, answer from state_proofs_answers').all() as (Omit<AggregatorRows['signatures'][number], 'value'> & { answer: string })[]).map(
        ({ answer, ...row }) => ({ ...row, value: (JSON.parse(answer) as { value: string }).value }),
      ),
      conflicts: db.prepare('select task_id, operator from state_proofs_answer_conflicts').all() as AggregatorRows['conflicts'],
    };
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Shared assertions
// ---------------------------------------------------------------------------------------------------------------------

/**
 * Every task is aggregated, stored exactly once, found again (same id) by a repeated request, attests the value
 * written under the digest computed here, and verifies on the main chain's ECDSAStakeRegistry.
 */
async function assertAggregatedOnce(world: World, tasks: ReadonlyMap<Hex, Query>, final: ReadonlyMap<Hex, TaskJson>): Promise<void> {
  const { devnet } = world;
  const user = devnet.user.address;
  const main = devnet.clients.get(devnet.deployment.mainChainId)!;
  const domain = { chainId: devnet.deployment.mainChainId, verifyingContract: devnet.deployment.stateProofs.serviceManager };
  const registered = new Set(devnet.operators.map((o) => o.address.toLowerCase()));

  for (const [taskId, q] of tasks) {
    const task = final.get(taskId)!;
    assert.equal(task.status, 'aggregated', `task ${taskId} (key ${q.key}) ended ${task.status}: ${task.failureReason}`);
    assert.equal(task.attestation.user, user);
    assert.equal(task.attestation.chainId, String(REMOTE_CHAIN));
    assert.equal(task.attestation.key, q.key.toString());
    assert.equal(task.attestation.blockNumber, q.blockNumber.toString());
    assert.equal(task.attestation.exists, true);
    assert.equal(task.attestation.value, q.value.toString(), `task ${taskId} attests the value written at key ${q.key}`);

    const digest = attestationDigest(domain, {
      user,
      chainId: BigInt(REMOTE_CHAIN),
      blockNumber: q.blockNumber,
      timestamp: BigInt(task.attestation.timestamp),
      key: q.key,
      value: q.value,
      exists: true,
      epoch: task.attestation.epoch,
    });
    assert.equal(task.digest, digest, 'the proof is over the value written');
    const sig = decodeSigData(task.sigData!);
    assert.equal(sig.referenceEpoch, task.attestation.epoch);
    assert.ok(sig.operators.every((o) => registered.has(o.toLowerCase())));
    const result = await main.readContract({
      address: devnet.deployment.stateProofs.stakeRegistry,
      abi: ECDSAStakeRegistryAbi,
      functionName: 'isValidSignature',
      args: [task.digest!, task.sigData!],
    });
    assert.equal(result, ERC1271_MAGIC_VALUE, `isValidSignature of task ${taskId}`);

    // Not duplicated: the same query finds the same, finished task (200), finished once (same aggregatedAt).
    const again = await requestProof(world.api, user, q);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.taskId, taskId);
    assert.equal(again.body.status, 'aggregated');
    assert.equal(again.body.digest, digest);
    assert.equal(again.body.aggregatedAt, task.aggregatedAt);
    assert.equal((await getTask(world.api, taskId)).aggregatedAt, task.aggregatedAt);
  }

  // The database holds each task once and no other task; no operator's answer conflicted with an earlier one.
  const rows = readAggregatorDb(world.aggregatorDb);
  assert.deepEqual(rows.tasks.map((t) => t.task_id).sort(), [...tasks.keys()].map((id) => id.toLowerCase()).sort());
  assert.ok(rows.tasks.every((t) => t.status === 'aggregated' && t.aggregated_at !== null));
  assert.deepEqual(rows.conflicts, [], 'no operator sent two different answers to a task');
  const byId = new Map([...tasks].map(([id, q]) => [id.toLowerCase(), q]));
  for (const s of rows.signatures) {
    const q = byId.get(s.task_id.toLowerCase());
    assert.ok(q, `signature for an unknown task ${s.task_id}`);
    assert.equal(s.value, q.value.toString(), `operator ${s.operator} answered task ${s.task_id} with the value written`);
  }
  // The answers were verified in the worker thread, which `avs` started from its TypeScript module, never inline.
  assert.doesNotMatch(
    readFileSync(world.aggregator!.log, 'utf8'),
    /signature verification worker failed|cannot start the signature verification worker/,
    'the verification worker ran',
  );
}

/** No operator's journal holds two different answers to one task, and every answer is the value written. */
function assertJournalsConsistent(world: World, tasks: ReadonlyMap<Hex, Query>): void {
  const byId = new Map([...tasks].map(([id, q]) => [id.toLowerCase(), q]));
  for (const o of world.devnet.operators) {
    const rows = readJournal(world.journalPath(o.index));
    const answers = new Map<string, Set<string>>();
    for (const r of rows) {
      const q = byId.get(r.task_id.toLowerCase());
      assert.ok(q, `operator ${o.index} journaled an unknown task ${r.task_id}`);
      const set = answers.get(r.task_id.toLowerCase()) ?? new Set();
      set.add(`${r.value}:${Number(r.exists) === 1}`);
      answers.set(r.task_id.toLowerCase(), set);
    }
    for (const [taskId, set] of answers) {
      assert.equal(set.size, 1, `operator ${o.index} signed ${set.size} different answers to task ${taskId}: ${[...set].join(', ')}`);
      assert.deepEqual([...set], [`${byId.get(taskId)!.value}:true`], `operator ${o.index} signed the value written for ${taskId}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Scenario 1: killed with tasks stored and unsigned
// ---------------------------------------------------------------------------------------------------------------------

describe('aggregator killed (SIGKILL) with tasks stored and unsigned, then restarted', () => {
  const world = new World();
  const step = stepper();
  const tasks = new Map<Hex, Query>();

  before(async () => {
    await world.start('avs-restart-1-');
  });
  after(async () => {
    await world.stop();
  });

  step('stores the requested tasks while no operator runs', async () => {
    await world.startAggregator();
    const entries = [1n, 2n, 3n].map((key) => ({ key: 7_000n + key, value: 10n ** 30n + key * 1_111n }));
    const blockNumber = await world.write(entries);
    await world.waitForConfirmations(blockNumber, 3n);

    const timestamp = (await world.devnet.clients.get(REMOTE_CHAIN)!.getBlock({ blockNumber })).timestamp;
    for (const e of entries) {
      const q = { ...e, blockNumber };
      const { status, body } = await requestProof(world.api, world.devnet.user.address, q);
      assert.equal(status, 202, JSON.stringify(body));
      assert.ok(isUnfinished(body.status), `status ${body.status}`);
      const expectedId = computeTaskId({ user: world.devnet.user.address, chainId: BigInt(REMOTE_CHAIN), blockNumber, timestamp, key: e.key });
      assert.equal(body.taskId, expectedId, 'the task id is the challengeId of the query');
      assert.equal(tasks.has(body.taskId), false);
      tasks.set(body.taskId, q);
    }
    assert.equal(tasks.size, 3);
  });

  step('after SIGKILL and a restart on the same database, the tasks are still there, unfinished', async () => {
    await world.killAggregator();
    const stored = readAggregatorDb(world.aggregatorDb);
    assert.equal(stored.tasks.length, 3, 'committed before the 202');

    await world.startAggregator();
    for (const [taskId, q] of tasks) {
      const task = await getTask(world.api, taskId);
      assert.ok(isUnfinished(task.status), `task ${taskId} is ${task.status}`);
      assert.equal(task.attestation.key, q.key.toString());
      assert.equal(task.attestation.blockNumber, q.blockNumber.toString());
      assert.equal(task.attestation.value, null);
      assert.equal(task.sigData, null);

      // The same query finds the same task, not a new one.
      const again = await requestProof(world.api, world.devnet.user.address, q);
      assert.equal(again.status, 202, JSON.stringify(again.body));
      assert.equal(again.body.taskId, taskId);
      assert.ok(isUnfinished(again.body.status));
    }
    assert.equal(readAggregatorDb(world.aggregatorDb).tasks.length, 3, 'no task was added');
  });

  step('once the operators run, every task is aggregated exactly once and verifies on-chain', async () => {
    world.startOperators();
    const final = await world.waitForFinal([...tasks.keys()]);
    await assertAggregatedOnce(world, tasks, final);
    assertJournalsConsistent(world, tasks);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Scenario 2: killed while the operators sign a batch
// ---------------------------------------------------------------------------------------------------------------------

describe('aggregator killed (SIGKILL) while operators sign a batch, then restarted', () => {
  const world = new World();
  const step = stepper();
  const batchA = new Map<Hex, Query>();
  const batchB = new Map<Hex, Query>();
  const all = new Map<Hex, Query>();
  let signer: number | undefined;

  before(async () => {
    await world.start('avs-restart-2-');
  });
  after(async () => {
    await world.stop();
  });

  step('operators run and sign batch A while batch B waits for finality; the aggregator is killed', async (t) => {
    await world.startAggregator();
    world.startOperators();
    await world.waitForOperatorsConnected();

    // The remote chain mines only when told to from here on, so which blocks are final is decided by the test.
    await world.anvil('evm_setIntervalMining', [0]);
    const entriesA = Array.from({ length: 8 }, (_, i) => ({ key: 100n + BigInt(i), value: 5_000_000n + BigInt(i) }));
    const entriesB = Array.from({ length: 8 }, (_, i) => ({ key: 200n + BigInt(i), value: 9_000_000n + BigInt(i) }));
    const blockA = await world.write(entriesA, true);
    for (let i = 0; i < 3; i++) await world.anvil('evm_mine', []);
    const blockB = await world.write(entriesB, true);
    // A has 4 confirmations (final at 2); B has none and cannot become final while the chain is paused.

    const user = world.devnet.user.address;
    const request = async (entries: typeof entriesA, blockNumber: bigint, into: Map<Hex, Query>) => {
      const responses = await Promise.all(entries.map((e) => requestProof(world.api, user, { ...e, blockNumber })));
      responses.forEach(({ status, body }, i) => {
        assert.ok(status === 202 || status === 200, `${status} ${JSON.stringify(body)}`);
        into.set(body.taskId, { ...entries[i], blockNumber });
        all.set(body.taskId, { ...entries[i], blockNumber });
      });
    };
    // B first: every B task is dispatched to every operator no later than any A task.
    await request(entriesB, blockB, batchB);
    await request(entriesA, blockA, batchA);
    assert.equal(all.size, 16);

    // As soon as an operator has signed part of batch A, kill the aggregator.
    const aIds = new Set([...batchA.keys()].map((id) => id.toLowerCase()));
    signer = await waitFor(
      'an operator to sign a task of batch A',
      () => world.devnet.operators.find((o) => readJournal(world.journalPath(o.index)).some((r) => aIds.has(r.task_id.toLowerCase())))?.index,
      world.all.filter(isRunning),
      10,
    );
    await world.killAggregator();

    const bIds = new Set([...batchB.keys()].map((id) => id.toLowerCase()));
    const atKill = readAggregatorDb(world.aggregatorDb);
    const status = (ids: Set<string>) => atKill.tasks.filter((r) => ids.has(r.task_id)).map((r) => r.status);
    t.diagnostic(`at the kill: batch A ${JSON.stringify(count(status(aIds)))}, batch B ${JSON.stringify(count(status(bIds)))}, ${atKill.signatures.length} signatures stored`);
    assert.equal(atKill.tasks.length, 16, 'every requested task was stored');
    assert.ok(status(bIds).every(isUnfinished), 'batch B was unfinished when the aggregator died');
    for (const o of world.devnet.operators) {
      assert.ok(!readJournal(world.journalPath(o.index)).some((r) => bIds.has(r.task_id.toLowerCase())), `operator ${o.index} could not sign B yet`);
    }
  });

  step('while the aggregator is down, the chain moves on and the operators sign batch B (journaled, not delivered)', async () => {
    for (let i = 0; i < 3; i++) await world.anvil('evm_mine', []);
    await world.anvil('evm_setIntervalMining', [1]);
    const bIds = new Set([...batchB.keys()].map((id) => id.toLowerCase()));
    // The operator that signed A received B before A, so it is waiting on B and signs it now.
    await waitFor(
      `operator ${signer} to sign every task of batch B`,
      () => {
        const signed = new Set(readJournal(world.journalPath(signer!)).map((r) => r.task_id.toLowerCase()));
        return [...bIds].every((id) => signed.has(id)) ? true : undefined;
      },
      world.operators,
    );
    const stored = readAggregatorDb(world.aggregatorDb);
    assert.ok(stored.tasks.filter((r) => bIds.has(r.task_id)).every((r) => isUnfinished(r.status)), 'nobody took B while the aggregator was down');
  });

  step('after the restart every task ends aggregated exactly once and no operator signed two answers to a task', async () => {
    await world.startAggregator();
    const final = await world.waitForFinal([...all.keys()]);
    await assertAggregatedOnce(world, all, final);
    assertJournalsConsistent(world, all);
  });
});

function count(statuses: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of statuses) out[s] = (out[s] ?? 0) + 1;
  return out;
}
