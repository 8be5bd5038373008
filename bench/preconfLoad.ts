/**
 * HTTP load on a running preconf gateway, from a worker thread: the devnet runs the gateway in this process, so the
 * clients get an event loop of their own and the gateway's loop does only the gateway's work (the two threads still
 * share the machine's cores with anvil).
 *
 * - `lookahead`: `clients` keep-alive connections each asking GET /v1/lookahead?chainId= back to back for `seconds`.
 * - `preconfs`: `clients` connections each posting POST /v1/preconfs back to back for `seconds`, every request a
 *   distinct transaction (a transfer of the signer at its own nonce, all signed before the clock starts), for the
 *   furthest slot of the lookahead that the gateway can preconfirm for the chain and that starts at least
 *   {@link SLOT_MARGIN_MS} later (the lookahead is re-read every second, outside the count). The run ends early when
 *   the transactions run out (`ranOut`).
 *
 * Requests go over node:http with a keep-alive agent, the cheapest client in node, connections opened before the clock.
 */
import { Agent, request as httpRequest } from 'node:http';
import type { MessagePort } from 'node:worker_threads';
import { type Hex, parseEther, parseGwei } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { startModuleWorker } from '../src/core/workers/index.ts';

/** One load run: what to ask, how many clients, for how long. */
export type GatewayLoadJob = {
  kind: 'lookahead' | 'preconfs';
  /** Gateway base URL. */
  url: string;
  /** Chain id the lookahead is judged for and the transactions are for. */
  chainId: number;
  clients: number;
  seconds: number;
  /** `preconfs`: the key signing the transactions, its first nonce and how many to sign. */
  signer?: { key: Hex; firstNonce: number; count: number };
};

/** What one run measured. Latency is from sending a request to having its whole answer. */
export type GatewayLoadResult = {
  /** Answered as asked (200 for the lookahead, 201 for a new preconfirmation). */
  ok: number;
  /** Answered otherwise, by status code. */
  failed: Record<string, number>;
  /** `ok` per second of the run. */
  perSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** Length of the run, s. */
  seconds: number;
  /** `preconfs`: the run ended because every signed transaction was sent. */
  ranOut?: boolean;
};

/** A slot is used only if it starts at least this much later (the gateway refuses slots that started). */
const SLOT_MARGIN_MS = 1_500;

/** Runs `job` in a worker thread and resolves with its figures. @throws when the worker fails. */
export function runGatewayLoad(job: GatewayLoadJob): Promise<GatewayLoadResult> {
  return new Promise((resolve, reject) => {
    const worker = startModuleWorker(new URL(import.meta.url), job);
    worker.once('message', (result: GatewayLoadResult) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`gateway load worker exited with code ${code} before reporting`)));
  });
}

/** Worker entry (see src/core/workers): runs the job and posts its {@link GatewayLoadResult}. */
export async function runWorker(job: GatewayLoadJob, port: MessagePort): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.clients });
  try {
    port.postMessage(job.kind === 'lookahead' ? await lookaheadLoad(agent, job) : await preconfLoad(agent, job));
  } finally {
    agent.destroy();
  }
}

type Answer = { status: number; body: string };
type LookaheadJson = { slots: { slot: string; startsAt: string; canPreconf: boolean }[] };

async function lookaheadLoad(agent: Agent, job: GatewayLoadJob): Promise<GatewayLoadResult> {
  const path = `/v1/lookahead?chainId=${job.chainId}`;
  await Promise.all(Array.from({ length: job.clients }, () => send(agent, job.url, 'GET', path)));
  return measure(job, async () => send(agent, job.url, 'GET', path), 200);
}

async function preconfLoad(agent: Agent, job: GatewayLoadJob): Promise<GatewayLoadResult> {
  const { key, firstNonce, count } = job.signer!;
  const account = privateKeyToAccount(key);
  const transactions: Hex[] = [];
  const transfer = { chainId: job.chainId, type: 'eip1559', to: account.address, value: parseEther('0.001'), gas: 21_000n, maxFeePerGas: parseGwei('2'), maxPriorityFeePerGas: parseGwei('1') } as const;
  for (let i = 0; i < count; i++) transactions.push(await account.signTransaction({ ...transfer, nonce: firstNonce + i }));
  const lookaheadPath = `/v1/lookahead?chainId=${job.chainId}`;
  let usable: { slot: string; startsAt: number }[] = [];
  const refresh = async () => {
    const { body } = await send(agent, job.url, 'GET', lookaheadPath);
    usable = (JSON.parse(body) as LookaheadJson).slots.filter((s) => s.canPreconf).map((s) => ({ slot: s.slot, startsAt: Date.parse(s.startsAt) }));
  };
  await refresh();
  const timer = setInterval(() => void refresh().catch(() => {}), 1_000);
  await Promise.all(Array.from({ length: job.clients }, () => send(agent, job.url, 'GET', '/v1/preconfs?limit=1')));
  let next = 0;
  const result = await measure(job, async () => {
    if (next >= transactions.length) return undefined;
    const signedTransaction = transactions[next++]!;
    let slot = usable.filter((s) => s.startsAt - Date.now() >= SLOT_MARGIN_MS).at(-1);
    while (!slot) {
      await new Promise((r) => setTimeout(r, 100));
      slot = usable.filter((s) => s.startsAt - Date.now() >= SLOT_MARGIN_MS).at(-1);
    }
    return send(agent, job.url, 'POST', '/v1/preconfs', { chainId: String(job.chainId), slot: slot.slot, signedTransaction });
  }, 201);
  clearInterval(timer);
  return { ...result, ranOut: next >= transactions.length };
}

/**
 * `job.clients` loops calling `ask` back to back for `job.seconds` (or until it returns undefined), each answer timed.
 * Latency covers the HTTP exchange only: `ask` times it itself through {@link send}.
 */
async function measure(job: GatewayLoadJob, ask: () => Promise<(Answer & { ms: number }) | undefined>, okStatus: number): Promise<GatewayLoadResult> {
  const latencies: number[] = [];
  const failed: Record<string, number> = {};
  const start = performance.now();
  const end = start + job.seconds * 1000;
  const client = async () => {
    while (performance.now() < end) {
      const answer = await ask();
      if (!answer) return;
      if (answer.status === okStatus) latencies.push(answer.ms);
      else failed[answer.status] = (failed[answer.status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: job.clients }, client));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => round(latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] ?? 0);
  return {
    ok: latencies.length,
    failed,
    perSecond: Math.round(latencies.length / seconds),
    latencyMs: { p50: pct(50), p99: pct(99), max: round(latencies.at(-1) ?? 0) },
    seconds: round(seconds),
  };
}

const round = (x: number) => Math.round(x * 100) / 100;

/** One request over `agent`; resolves with the status, the whole body and the milliseconds it took. */
function send(agent: Agent, url: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer & { ms: number }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method, agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}
