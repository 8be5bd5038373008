/**
 * End-to-end proof throughput and latency on a local devnet.
 *
 * Starts a fresh devnet (anvil 31337 + 31338, N operators), runs the aggregator in this process and each operator node
 * as its own process (`avs operator run --devnet-operator i`), as operators run in production. A user writes `count`
 * keys on 31338 in one block; once that block is final the bench sends `count` proof requests over HTTP with
 * `concurrency` in flight, then reads every task back. Latency of a proof = the aggregator's `aggregatedAt` minus the
 * moment this client sent the request (same machine clock). Throughput = proofs / (last aggregatedAt − first send).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateManagerAbi } from '../src/core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../src/core/chain/clients.ts';
import { openDatabase } from '../src/core/db/index.ts';
import { silentLogger } from '../src/core/logging.ts';
import { startDevnet } from '../src/devnet/devnet.ts';
import { startAggregatorService } from '../src/state-proofs/aggregator/service.ts';

/** Figures of one throughput run. */
export type ThroughputResult = {
  operators: number;
  proofs: number;
  failed: number;
  proofsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
};

/** Options of {@link measureThroughput}. */
export type ThroughputOptions = { operators: number; proofs: number; concurrency: number; log?: (line: string) => void };

const REMOTE_CHAIN = 31338;

/** Runs one devnet and measures proofs per second and latency. */
export async function measureThroughput(options: ThroughputOptions): Promise<ThroughputResult> {
  const log = options.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'avs-bench-'));
  const deploymentPath = join(dir, 'devnet.json');
  const children: ChildProcess[] = [];
  const devnet = await startDevnet({
    operators: options.operators,
    dir,
    writeDeployment: deploymentPath,
    onProgress: (m) => log(`  devnet: ${m}`),
    services: async (base) => {
      const database = await openDatabase({ sqlitePath: join(base.dataDir, 'aggregator.sqlite') });
      const aggregator = await startAggregatorService({
        deployment: base.deployment,
        database,
        clients: base.clients,
        port: 0,
        logger: silentLogger(),
      });
      for (const o of base.operators) {
        const child = spawn(
          process.execPath,
          [
            // BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the operator processes.
            ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
            'bin/avs.js', 'operator', 'run',
            '--devnet-operator', String(o.index),
            '--deployment', deploymentPath,
            '--aggregator', aggregator.wsUrl,
            '--confirmations', '2',
            '--db', join(base.dataDir, `operator-${o.index}.sqlite`),
          ],
          { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, LOG_LEVEL: 'warn' } },
        );
        children.push(child);
      }
      return {
        endpoints: { 'aggregator http': aggregator.url },
        aggregatorUrl: aggregator.url,
        async stop() {
          for (const c of children) c.kill('SIGTERM');
          await aggregator.close();
          await database.close();
        },
      };
    },
  });
  try {
    const api = devnet.services!.aggregatorUrl!;
    await waitForOperators(api, options.operators);
    log(`  ${options.operators} operator processes connected`);

    const remote = devnet.deployment.chains.find((c) => c.chainId === REMOTE_CHAIN)!;
    const wallet = makeWalletClient(REMOTE_CHAIN, remote.rpcUrl, devnet.user);
    const client = devnet.clients.get(REMOTE_CHAIN)!;
    const params = Array.from({ length: options.proofs }, (_, i) => ({ key: BigInt(i + 1), value: BigInt(1_000 + i) }));
    let blockNumber = 0n;
    for (let i = 0; i < params.length; i += 200) {
      const hash = await wallet.writeContract({
        address: remote.stateManager,
        abi: StateManagerAbi,
        functionName: 'batchSetValues',
        args: [params.slice(i, i + 200)],
      });
      blockNumber = (await client.waitForTransactionReceipt({ hash })).blockNumber;
    }
    while ((await client.getBlockNumber({ cacheTime: 0 })) < blockNumber + 3n) await sleep(200);
    log(`  wrote ${params.length} keys up to block ${blockNumber} on ${REMOTE_CHAIN}; requesting proofs`);

    // One warm-up proof so that first-use costs (caches, JIT) are not counted.
    const warm = await request(api, { chainId: String(REMOTE_CHAIN), user: devnet.user.address, key: '1', blockNumber: blockNumber.toString() });
    await waitForTasks(api, [warm.taskId]);

    const sentAt = new Map<string, number>();
    const ids: string[] = [];
    let next = 1;
    const firstSend = Date.now();
    const worker = async () => {
      while (next < params.length) {
        const p = params[next++];
        const sent = Date.now();
        const task = await request(api, {
          chainId: String(REMOTE_CHAIN),
          user: devnet.user.address,
          key: p.key.toString(),
          blockNumber: blockNumber.toString(),
        });
        sentAt.set(task.taskId, sent);
        ids.push(task.taskId);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    const tasks = await waitForTasks(api, ids);

    const latencies: number[] = [];
    let lastAggregated = firstSend;
    let failed = 0;
    for (const t of tasks) {
      if (t.status !== 'aggregated' || !t.aggregatedAt) {
        failed++;
        continue;
      }
      const at = Date.parse(t.aggregatedAt);
      lastAggregated = Math.max(lastAggregated, at);
      latencies.push(at - sentAt.get(t.taskId)!);
    }
    latencies.sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] ?? 0;
    return {
      operators: options.operators,
      proofs: latencies.length,
      failed,
      proofsPerSecond: round(latencies.length / ((lastAggregated - firstSend) / 1000)),
      latencyMs: { p50: pct(50), p99: pct(99), max: latencies.at(-1) ?? 0 },
    };
  } finally {
    await devnet.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

type Task = { taskId: string; status: string; aggregatedAt: string | null };

async function request(api: string, body: Record<string, string>): Promise<Task> {
  const response = await fetch(`${api}/v1/state-proofs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 200 && response.status !== 202) throw new Error(`POST /v1/state-proofs: ${response.status} ${await response.text()}`);
  return (await response.json()) as Task;
}

async function waitForTasks(api: string, ids: readonly string[], timeoutMs = 120_000): Promise<Task[]> {
  const deadline = Date.now() + timeoutMs;
  const done = new Map<string, Task>();
  while (done.size < ids.length) {
    if (Date.now() > deadline) throw new Error(`${ids.length - done.size} proofs not finished after ${timeoutMs / 1000} s`);
    const pending = ids.filter((id) => !done.has(id));
    for (let i = 0; i < pending.length; i += 64) {
      const batch = await Promise.all(pending.slice(i, i + 64).map(async (id) => (await fetch(`${api}/v1/state-proofs/${id}`)).json() as Promise<Task>));
      for (const t of batch) if (t.status === 'aggregated' || t.status === 'failed') done.set(t.taskId, t);
    }
    if (done.size < ids.length) await sleep(100);
  }
  return ids.map((id) => done.get(id)!);
}

async function waitForOperators(api: string, count: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = (await (await fetch(`${api}/v1/operators`)).json()) as { operators: { connected: boolean }[] };
    if (body.operators.filter((o) => o.connected).length >= count) return;
    if (Date.now() > deadline) throw new Error(`operators did not connect within ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number) => Math.round(n * 10) / 10;
