/**
 * End-to-end proof throughput, latency and CPU per proof on a local devnet.
 *
 * Starts a fresh devnet (anvil 31337 + 31338, N operators) and runs the aggregator (`avs aggregator run`) and each
 * operator node (`avs operator run --devnet-operator i`) as its own process, as they run in production; this process is
 * only the client. The aggregator stores its tasks in SQLite or in a fresh Postgres database (DATABASE_URL, see
 * bench/postgres.ts), and signs them batched (its default) or each on its own (`--batch-size 0`); operators keep their
 * journals in SQLite either way. A user writes `count` keys on 31338; once the last block is final the bench sends
 * `count` proof requests over HTTP with `concurrency` HTTP requests in flight, each asking one proof
 * (`POST /v1/state-proofs`) or `requestBatch` of them (`POST /v1/state-proofs/batch`), then reads every task back. Latency of a proof = the
 * aggregator's `aggregatedAt` minus the moment this client sent the request (same machine clock). Throughput = proofs /
 * (last aggregatedAt − first send). CPU per proof = a process's user + system CPU time over the burst (from its
 * Prometheus `/metrics`, read right before the first request and as soon as the aggregator counts every task finished)
 * divided by the proofs requested.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateManagerAbi } from '../src/core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../src/core/chain/clients.ts';
import { type DevnetBase, type DevnetServices, startDevnet, writeDeploymentFile } from '../src/devnet/devnet.ts';
import { type BenchDatabase, createBenchDatabase } from './postgres.ts';

/** Where the aggregator stores its tasks. */
export type BenchDatabaseKind = 'sqlite' | 'postgres';

/** Figures of one throughput run. */
export type ThroughputResult = {
  operators: number;
  database: BenchDatabaseKind;
  /** False when the aggregator signed every task on its own (`--batch-size 0`). */
  batched: boolean;
  /** Proofs asked per HTTP request (1: `POST /v1/state-proofs`; more: `POST /v1/state-proofs/batch`). */
  requestBatch: number;
  proofs: number;
  failed: number;
  /** Aggregated proofs whose attested value is not the value written (must be 0). */
  wrongValues: number;
  proofsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** Time from sending a POST to having its whole answer (the task is stored by then), in ms. */
  postMs: { p50: number; p99: number; max: number };
  /**
   * CPU time (user + system) per requested proof over the burst, in ms: of the aggregator process, and of an operator
   * process (the mean of all operators); `machine` is every core's busy time (this client, anvil, every node process and
   * whatever else runs), from `os.cpus()`.
   */
  cpuMsPerProof: { aggregator: number; operator: number; machine: number };
  /**
   * Reading every proof back once the burst is over, as a client polling `GET /v1/state-proofs/{taskId}` does (64 GETs
   * in flight): GETs per second, and the aggregator's CPU per GET in ms.
   */
  reads: { perSecond: number; aggregatorCpuMs: number };
  /**
   * Late signatures that extended a proof already aggregated, per proof: each rewrites the proof. Counted until the
   * read-back is over, so late answers that come after the burst count too.
   */
  extensionsPerProof: number;
};

/** Options of {@link measureThroughput}. */
export type ThroughputOptions = {
  operators: number;
  proofs: number;
  /** HTTP requests in flight. */
  concurrency: number;
  /** Proofs per HTTP request (default 1); more than 1 sends them to `POST /v1/state-proofs/batch`. */
  requestBatch?: number;
  /** The aggregator's database (default sqlite). */
  database?: BenchDatabaseKind;
  /** False runs the aggregator with `--batch-size 0`, every task signed on its own (default true). */
  batched?: boolean;
  log?: (line: string) => void;
};

const REMOTE_CHAIN = 31338;

/**
 * Runs one devnet and measures proofs per second, latency and CPU per proof. A Postgres run creates the aggregator's
 * database first and drops it after.
 */
export async function measureThroughput(options: ThroughputOptions): Promise<ThroughputResult> {
  const postgres = options.database === 'postgres' ? await createBenchDatabase() : undefined;
  try {
    return await runDevnet(options, postgres);
  } finally {
    await postgres?.drop();
  }
}

/** {@link measureThroughput} on one devnet, the aggregator on `postgres` when given, else on a SQLite file. */
async function runDevnet(options: ThroughputOptions, postgres: BenchDatabase | undefined): Promise<ThroughputResult> {
  const log = options.log ?? (() => {});
  const batched = options.batched ?? true;
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  const dir = mkdtempSync(join(tmpdir(), 'avs-bench-'));
  const deploymentPath = join(dir, 'devnet.json');
  const processes: ServiceProcesses = { children: [], operatorMetrics: [] };
  const devnet = await startDevnet({
    operators: options.operators,
    dir,
    writeDeployment: deploymentPath,
    onProgress: (m) => log(`  devnet: ${m}`),
    services: (base) =>
      startServices(base, { deploymentPath, env, batched, postgres }, processes).catch(async (error: unknown) => {
        // The devnet stops only services it was handed; children started before the failure are stopped here.
        await stopChildren(processes.children);
        throw error;
      }),
  }).catch((error: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
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

    const before = await readCpu(api, processes.operatorMetrics);
    const machineBefore = machineBusySeconds();
    const sentAt = new Map<string, number>();
    const ids: string[] = [];
    let next = 1;
    const firstSend = Date.now();
    const requestBatch = options.requestBatch ?? 1;
    const worker = async () => {
      while (next < params.length) {
        const slice = params.slice(next, next + requestBatch);
        next += slice.length;
        const sent = Date.now();
        const sentHr = performance.now();
        const queries = slice.map((p) => ({
          chainId: String(REMOTE_CHAIN),
          user: devnet.user.address,
          key: p.key.toString(),
          blockNumber: blockNumber.toString(),
        }));
        const tasks = requestBatch === 1 ? [await request(agent, api, queries[0])] : await requestMany(agent, api, queries);
        const postMs = performance.now() - sentHr;
        tasks.forEach((task, i) => {
          sentAt.set(task.taskId, sent);
          expected.set(task.taskId, slice[i].value);
          postTimes.push(postMs);
          ids.push(task.taskId);
        });
      }
    };
    const postTimes: number[] = [];
    const expected = new Map<string, bigint>();
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    // The aggregator's own count tells when the burst is over: polling every task would cost it CPU inside the window.
    await waitForFinished(api, before.finished + ids.length);
    const after = await readCpu(api, processes.operatorMetrics);
    const machineBusy = machineBusySeconds() - machineBefore;
    const readStart = performance.now();
    const { tasks, reads } = await waitForTasks(api, ids);
    const readSeconds = (performance.now() - readStart) / 1000;
    const afterReads = await readCpu(api, []);

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
    const cpuMs = (seconds: number) => round((seconds * 1000) / ids.length, 1000);
    const operatorCpu = after.operators.reduce((sum, s, i) => sum + s - before.operators[i], 0) / processes.operatorMetrics.length;
    return {
      operators: options.operators,
      database: postgres ? 'postgres' : 'sqlite',
      batched,
      requestBatch: options.requestBatch ?? 1,
      proofs: latencies.length,
      failed,
      wrongValues,
      proofsPerSecond: round(latencies.length / ((lastAggregated - firstSend) / 1000)),
      latencyMs: { p50: pct(50), p99: pct(99), max: latencies.at(-1) ?? 0 },
      postMs: { p50: pctOf(postTimes, 50), p99: pctOf(postTimes, 99), max: Math.round(postTimes.at(-1) ?? 0) },
      cpuMsPerProof: { aggregator: cpuMs(after.aggregator - before.aggregator), operator: cpuMs(operatorCpu), machine: cpuMs(machineBusy) },
      reads: { perSecond: round(reads / readSeconds), aggregatorCpuMs: round(((afterReads.aggregator - after.aggregator) * 1000) / reads, 1000) },
      extensionsPerProof: round((afterReads.extended - before.extended) / ids.length, 100),
    };
  } finally {
    agent.destroy();
    await devnet.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The processes {@link startServices} started. */
type ServiceProcesses = {
  /** The aggregator first, then the operators. */
  children: ChildProcess[];
  /** Each operator's `/metrics` URL. */
  operatorMetrics: string[];
};

/**
 * Starts the aggregator process, waits until it answers, then starts one process per operator, each serving its metrics
 * on a free port. Only the aggregator gets DATABASE_URL (Postgres runs): operators keep their journals in SQLite files.
 */
async function startServices(
  base: DevnetBase,
  run: { deploymentPath: string; env: NodeJS.ProcessEnv; batched: boolean; postgres: BenchDatabase | undefined },
  started: ServiceProcesses,
): Promise<DevnetServices> {
  const { deploymentPath, env, batched, postgres } = run;
  writeDeploymentFile(deploymentPath, base);
  const port = await freePort();
  const aggregatorUrl = `http://127.0.0.1:${port}`;
  const wsUrl = `ws://127.0.0.1:${port}/v1/operators/ws`;
  const aggregator = spawn(
    process.execPath,
    [
      ...nodeArgs(),
      'bin/avs.js', 'aggregator', 'run',
      '--deployment', deploymentPath,
      '--port', String(port),
      '--db', join(base.dataDir, 'aggregator.sqlite'),
      ...(batched ? [] : ['--batch-size', '0']),
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], env: postgres ? { ...env, DATABASE_URL: postgres.url } : env },
  );
  started.children.push(aggregator);
  await waitForHealth(aggregatorUrl, aggregator);
  for (const o of base.operators) {
    const nodeApiPort = await freePort();
    started.operatorMetrics.push(`http://127.0.0.1:${nodeApiPort}/metrics`);
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
        '--node-api-port', String(nodeApiPort),
      ],
      { stdio: ['ignore', 'ignore', 'inherit'], env },
    );
    started.children.push(child);
  }
  return { endpoints: { 'aggregator http': aggregatorUrl }, aggregatorUrl, stop: () => stopChildren(started.children) };
}

async function stopChildren(children: readonly ChildProcess[]): Promise<void> {
  await Promise.all(children.map((c) => stopChild(c)));
}

type Task = { taskId: string; status: string; aggregatedAt: string | null; attestation: { value: string | null; exists: boolean | null } };

/**
 * POST /v1/state-proofs over a keep-alive `agent`; resolves with the task once the whole answer is read. node:http costs
 * the client several times less CPU per request than fetch, and the client shares the machine with what it measures.
 */
function request(agent: Agent, api: string, body: Record<string, string>): Promise<Task> {
  return post<Task>(agent, `${api}/v1/state-proofs`, body);
}

/** POST /v1/state-proofs/batch: the tasks of `bodies`, in order. */
async function requestMany(agent: Agent, api: string, bodies: Record<string, string>[]): Promise<Task[]> {
  return (await post<{ tasks: Task[] }>(agent, `${api}/v1/state-proofs/batch`, { requests: bodies })).tasks;
}

async function post<T>(agent: Agent, url: string, body: unknown): Promise<T> {
  const payload = JSON.stringify(body);
  return new Promise<T>((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (response.statusCode !== 200 && response.statusCode !== 202) reject(new Error(`POST ${url}: ${response.statusCode} ${text}`));
          else resolve(JSON.parse(text) as T);
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** CPU seconds (user + system) of the aggregator and of each operator, and the tasks the aggregator has finished. */
type CpuReading = { aggregator: number; operators: number[]; finished: number; extended: number };

async function readCpu(api: string, operatorMetrics: readonly string[]): Promise<CpuReading> {
  const [aggregator, ...operators] = await Promise.all([`${api}/metrics`, ...operatorMetrics].map(scrape));
  return {
    aggregator: cpuSeconds(aggregator),
    operators: operators.map(cpuSeconds),
    finished: finishedTasks(aggregator),
    extended: metricValue(aggregator, 'avs_state_proofs_proof_extensions_total'),
  };
}

/** Busy (non-idle) CPU seconds of every core since boot. */
function machineBusySeconds(): number {
  let ms = 0;
  for (const { times } of cpus()) ms += times.user + times.nice + times.sys + times.irq;
  return ms / 1000;
}

/** Polls the aggregator's `/metrics` until it counts `target` tasks aggregated or failed. */
async function waitForFinished(api: string, target: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const finished = finishedTasks(await scrape(`${api}/metrics`));
    if (finished >= target) return;
    if (Date.now() > deadline) throw new Error(`${target - finished} proofs not finished after ${timeoutMs / 1000} s`);
    await sleep(50);
  }
}

async function scrape(url: string): Promise<string> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status}`);
  return response.text();
}

const cpuSeconds = (metrics: string) =>
  metricValue(metrics, 'process_cpu_user_seconds_total') + metricValue(metrics, 'process_cpu_system_seconds_total');
const finishedTasks = (metrics: string) =>
  metricValue(metrics, 'avs_state_proofs_tasks_total', 'outcome="aggregated"') + metricValue(metrics, 'avs_state_proofs_tasks_total', 'outcome="failed"');

/**
 * The sum of the samples of `name` in Prometheus text (whose labels contain `label`, when given).
 * @throws {Error} when there is no such sample: a renamed metric must not read as zero CPU.
 */
function metricValue(metrics: string, name: string, label?: string): number {
  let sum: number | undefined;
  for (const line of metrics.split('\n')) {
    const sample = /^([A-Za-z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!sample || sample[1] !== name || (label && !sample[2]?.includes(label))) continue;
    sum = (sum ?? 0) + Number(sample[3]);
  }
  if (sum === undefined) throw new Error(`no ${name}${label ? `{${label}}` : ''} in /metrics`);
  return sum;
}

/** GETs every task until each is finished; resolves with them and the number of GETs made. */
async function waitForTasks(api: string, ids: readonly string[], timeoutMs = 120_000): Promise<{ tasks: Task[]; reads: number }> {
  const deadline = Date.now() + timeoutMs;
  const done = new Map<string, Task>();
  let reads = 0;
  while (done.size < ids.length) {
    if (Date.now() > deadline) throw new Error(`${ids.length - done.size} proofs not finished after ${timeoutMs / 1000} s`);
    const pending = ids.filter((id) => !done.has(id));
    for (let i = 0; i < pending.length; i += 64) {
      const batch = await Promise.all(pending.slice(i, i + 64).map(async (id) => (await fetch(`${api}/v1/state-proofs/${id}`)).json() as Promise<Task>));
      reads += batch.length;
      for (const t of batch) if (t.status === 'aggregated' || t.status === 'failed') done.set(t.taskId, t);
    }
    if (done.size < ids.length) await sleep(100);
  }
  return { tasks: ids.map((id) => done.get(id)!), reads };
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

/** Waits until the aggregator answers; fails at once if its process `child` exits first (its stderr says why). */
async function waitForHealth(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the aggregator exited (${child.exitCode ?? child.signalCode}) before answering`);
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
/** `n` rounded to 1 / `per` (default one decimal). */
const round = (n: number, per = 10) => Math.round(n * per) / per;
