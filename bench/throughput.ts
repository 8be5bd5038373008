/**
 * End-to-end proof throughput and latency on a local devnet.
 *
 * Starts a fresh devnet (anvil 31337 + 31338, N operators) and runs the aggregator (`avs aggregator run`) and each
 * operator node (`avs operator run --devnet-operator i`) as its own process, as they run in production; this process is
 * only the client. A user writes `count`
 * keys on 31338 in one block; once that block is final the bench sends `count` proof requests over HTTP with
 * `concurrency` in flight, then reads every task back. Latency of a proof = the aggregator's `aggregatedAt` minus the
 * moment this client sent the request (same machine clock). Throughput = proofs / (last aggregatedAt − first send).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateManagerAbi } from '../src/core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../src/core/chain/clients.ts';
import { startDevnet, writeDeploymentFile } from '../src/devnet/devnet.ts';

/** Figures of one throughput run. */
export type ThroughputResult = {
  operators: number;
  proofs: number;
  failed: number;
  /** Aggregated proofs whose attested value is not the value written (must be 0). */
  wrongValues: number;
  proofsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** Time from sending a POST to having its whole answer (the task is stored by then), in ms. */
  postMs: { p50: number; p99: number; max: number };
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
      writeDeploymentFile(deploymentPath, base);
      const port = await freePort();
      const aggregatorUrl = `http://127.0.0.1:${port}`;
      const wsUrl = `ws://127.0.0.1:${port}/v1/operators/ws`;
      children.push(
        spawn(
          process.execPath,
          [
            ...nodeArgs(),
            'bin/avs.js', 'aggregator', 'run',
            '--deployment', deploymentPath,
            '--port', String(port),
            '--db', join(base.dataDir, 'aggregator.sqlite'),
          ],
          { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, LOG_LEVEL: 'warn' } },
        ),
      );
      await waitForHealth(aggregatorUrl);
      for (const o of base.operators) {
        const child = spawn(
          process.execPath,
          [
            ...nodeArgs(),
            'bin/avs.js', 'operator', 'run',
            '--devnet-operator', String(o.index),
            '--deployment', deploymentPath,
            '--aggregator', wsUrl,
            '--confirmations', '2',
            '--db', join(base.dataDir, `operator-${o.index}.sqlite`),
          ],
          { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, LOG_LEVEL: 'warn' } },
        );
        children.push(child);
      }
      return {
        endpoints: { 'aggregator http': aggregatorUrl },
        aggregatorUrl,
        async stop() {
          await Promise.all(children.map((c) => stopChild(c)));
        },
      };
    },
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 1_024 });
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
    const warmBody = { chainId: String(REMOTE_CHAIN), user: devnet.user.address, key: '1', blockNumber: blockNumber.toString() };
    const warm = await request(agent, api, warmBody);
    await waitForTasks(api, [warm.taskId]);
    // Open the client's `concurrency` keep-alive connections before the clock starts (the same query again: the stored
    // task comes back). A server busy with requests accepts about one new connection per event-loop turn, so
    // connections opened in the measured burst would sit unaccepted for seconds and idle part of the client.
    await Promise.all(Array.from({ length: options.concurrency }, () => request(agent, api, warmBody)));

    const sentAt = new Map<string, number>();
    const ids: string[] = [];
    let next = 1;
    const firstSend = Date.now();
    const worker = async () => {
      while (next < params.length) {
        const p = params[next++];
        const sent = Date.now();
        const sentHr = performance.now();
        const task = await request(agent, api, {
          chainId: String(REMOTE_CHAIN),
          user: devnet.user.address,
          key: p.key.toString(),
          blockNumber: blockNumber.toString(),
        });
        sentAt.set(task.taskId, sent);
        expected.set(task.taskId, p.value);
        postTimes.push(performance.now() - sentHr);
        ids.push(task.taskId);
      }
    };
    const postTimes: number[] = [];
    const expected = new Map<string, bigint>();
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    const tasks = await waitForTasks(api, ids);

    const latencies: number[] = [];
    let lastAggregated = firstSend;
    let failed = 0;
    let wrongValues = 0;
    for (const t of tasks) {
      if (t.status !== 'aggregated' || !t.aggregatedAt) {
        failed++;
        continue;
      }
      if (t.attestation.value !== expected.get(t.taskId)?.toString() || t.attestation.exists !== true) wrongValues++;
      const at = Date.parse(t.aggregatedAt);
      lastAggregated = Math.max(lastAggregated, at);
      latencies.push(at - sentAt.get(t.taskId)!);
    }
    latencies.sort((a, b) => a - b);
    postTimes.sort((a, b) => a - b);
    const pctOf = (list: number[], p: number) => Math.round(list[Math.min(list.length - 1, Math.ceil((p / 100) * list.length) - 1)] ?? 0);
    const pct = (p: number) => pctOf(latencies, p);
    return {
      operators: options.operators,
      proofs: latencies.length,
      failed,
      wrongValues,
      proofsPerSecond: round(latencies.length / ((lastAggregated - firstSend) / 1000)),
      latencyMs: { p50: pct(50), p99: pct(99), max: latencies.at(-1) ?? 0 },
      postMs: { p50: pctOf(postTimes, 50), p99: pctOf(postTimes, 99), max: Math.round(postTimes.at(-1) ?? 0) },
    };
  } finally {
    agent.destroy();
    await devnet.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

type Task = { taskId: string; status: string; aggregatedAt: string | null; attestation: { value: string | null; exists: boolean | null } };

/**
 * POST /v1/state-proofs over a keep-alive `agent`; resolves with the task once the whole answer is read. node:http costs
 * the client several times less CPU per request than fetch, and the client shares the machine with what it measures.
 */
function request(agent: Agent, api: string, body: Record<string, string>): Promise<Task> {
  const payload = JSON.stringify(body);
  return new Promise<Task>((resolve, reject) => {
    const req = httpRequest(
      `${api}/v1/state-proofs`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (response.statusCode !== 200 && response.statusCode !== 202) reject(new Error(`POST /v1/state-proofs: ${response.statusCode} ${text}`));
          else resolve(JSON.parse(text) as Task);
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
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

/**
 * Waits until `count` operator processes are connected. The bound is generous: 10 node processes start slowly on a busy
 * 2-core machine.
 */
async function waitForOperators(api: string, count: number, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = (await (await fetch(`${api}/v1/operators`)).json()) as { operators: { connected: boolean }[] };
    if (body.operators.filter((o) => o.connected).length >= count) return;
    if (Date.now() > deadline) throw new Error(`operators did not connect within ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

/** BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", is passed to every node process the bench starts. */
function nodeArgs(): string[] {
  return process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForHealth(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`${url}/v1/epochs/current`)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`aggregator at ${url} not healthy within ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number) => Math.round(n * 10) / 10;
