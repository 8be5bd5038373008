/**
 * A small client for the aggregator's HTTP API (ARCHITECTURE.md, "The user-facing contract"):
 * `POST /v1/state-proofs`, `GET /v1/state-proofs/{taskId}`, `GET /v1/state-proofs/{taskId}/events` (SSE).
 * Bigints travel as decimal strings; this client returns them as bigints.
 */
import { readFileSync } from 'node:fs';
import { type Address, type Hex, getAddress } from 'viem';
import { z } from 'zod';
import { UsageError } from './errors.ts';
import { DEFAULT_DEPLOYMENT_PATH } from './options.ts';

/** Thrown for an error answer of the aggregator; carries the HTTP status and the aggregator's message. */
export class AggregatorApiError extends Error {
  override name = 'AggregatorApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Thrown when a proof does not reach a final status in time. */
export class ProofTimeoutError extends Error {
  override name = 'ProofTimeoutError';
}

const big = z.union([z.string().regex(/^[0-9]+$/), z.number().int().nonnegative()]).transform((v) => BigInt(v));
const nullableBig = z.union([big, z.null()]);
const hex = z.string().regex(/^0x[0-9a-fA-F]*$/);

/** A task as the API returns it (the aggregator's TaskView). */
export const proofTaskSchema = z.object({
  taskId: hex.transform((v) => v as Hex),
  status: z.enum(['pending', 'signing', 'aggregated', 'failed']),
  attestation: z.object({
    user: z.string().transform((v) => getAddress(v)),
    chainId: big,
    blockNumber: big,
    timestamp: big,
    key: big,
    value: nullableBig,
    exists: z.boolean().nullable(),
    epoch: z.number().int(),
  }),
  digest: hex.nullable().transform((v) => v as Hex | null),
  sigData: hex.nullable().transform((v) => v as Hex | null),
  signers: z.array(z.object({ operator: z.string().transform((v) => getAddress(v)), weight: big })),
  signedWeight: big,
  thresholdWeight: big,
  failureReason: z.string().nullable(),
});
export type ProofTask = z.infer<typeof proofTaskSchema>;

/** What a proof is asked for: a block or a timestamp (exactly one). */
export type ProofQuery = { chainId: number; user: Address; key: bigint; blockNumber?: bigint; timestamp?: bigint };

/**
 * The aggregator's HTTP base URL: `--aggregator`, else `AVS_AGGREGATOR_URL`, else `aggregator.url` in the deployment
 * file (written by `avs devnet`).
 * @throws {UsageError} when none is set.
 */
export function resolveAggregatorUrl(option: string | undefined, deploymentPath: string | undefined): string {
  const fromFile = (): string | undefined => {
    try {
      const json = JSON.parse(readFileSync(deploymentPath ?? DEFAULT_DEPLOYMENT_PATH, 'utf8')) as { aggregator?: { url?: unknown } };
      return typeof json.aggregator?.url === 'string' ? json.aggregator.url : undefined;
    } catch {
      return undefined;
    }
  };
  const url = option ?? process.env.AVS_AGGREGATOR_URL ?? fromFile();
  if (!url) throw new UsageError('no aggregator URL: pass --aggregator, set AVS_AGGREGATOR_URL, or run `avs devnet`');
  try {
    new URL(url);
  } catch {
    throw new UsageError(`--aggregator must be a URL, got "${url}"`);
  }
  return url.replace(/\/+$/, '');
}

/** The operators' WebSocket endpoint of an aggregator given by its HTTP (or already WebSocket) URL. */
export function operatorSocketUrl(aggregatorUrl: string): string {
  const url = new URL(aggregatorUrl);
  if (url.protocol === 'ws:' || url.protocol === 'wss:') return aggregatorUrl;
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = '/v1/operators/ws';
  return url.toString();
}

async function call(url: string, init?: RequestInit): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, headers: { accept: 'application/json', ...(init?.body ? { 'content-type': 'application/json' } : {}) } });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new AggregatorApiError(0, `cannot reach the aggregator at ${new URL(url).origin}: ${cause ?? (error as Error).message}`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const message = (body as { message?: unknown } | undefined)?.message;
    throw new AggregatorApiError(response.status, `aggregator answered ${response.status}: ${typeof message === 'string' ? message : text.slice(0, 200)}`);
  }
  return body;
}

function parseTask(body: unknown): ProofTask {
  const candidate = (body as { task?: unknown })?.task ?? body;
  const result = proofTaskSchema.safeParse(candidate);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new AggregatorApiError(200, `unexpected aggregator answer: ${issue.path.join('.')}: ${issue.message}`);
  }
  return result.data;
}

/** Asks for a proof; resolves to the (new or existing) task. */
export async function requestProof(baseUrl: string, query: ProofQuery): Promise<ProofTask> {
  const body = {
    chainId: query.chainId,
    user: query.user,
    key: query.key.toString(),
    ...(query.blockNumber !== undefined ? { blockNumber: query.blockNumber.toString() } : {}),
    ...(query.timestamp !== undefined ? { timestamp: query.timestamp.toString() } : {}),
  };
  return parseTask(await call(`${baseUrl}/v1/state-proofs`, { method: 'POST', body: JSON.stringify(body) }));
}

/** The current state of a task. */
export async function getProof(baseUrl: string, taskId: Hex): Promise<ProofTask> {
  return parseTask(await call(`${baseUrl}/v1/state-proofs/${taskId}`));
}

/**
 * Waits until a task is aggregated or failed: follows the SSE stream, and polls as a fallback (an SSE hiccup never
 * loses the result because every wake-up re-reads the task).
 * @throws {ProofTimeoutError} after `timeoutMs` (default 60,000).
 */
export async function waitForProof(
  baseUrl: string,
  taskId: Hex,
  options: { timeoutMs?: number; pollMs?: number; onUpdate?: (task: ProofTask) => void } = {},
): Promise<ProofTask> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const controller = new AbortController();
  let wake: (() => void) | undefined;
  const stream = followEvents(`${baseUrl}/v1/state-proofs/${taskId}/events`, controller.signal, () => wake?.());
  try {
    for (;;) {
      const task = await getProof(baseUrl, taskId);
      options.onUpdate?.(task);
      if (task.status === 'aggregated' || task.status === 'failed') return task;
      const left = deadline - Date.now();
      if (left <= 0) throw new ProofTimeoutError(`proof ${taskId} is still ${task.status} after ${options.timeoutMs ?? 60_000} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, options.pollMs ?? 500));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    controller.abort();
    await stream.catch(() => {});
  }
}

/** Reads an SSE stream and calls `onEvent` for each event; ends silently on abort or error. */
async function followEvents(url: string, signal: AbortSignal, onEvent: () => void): Promise<void> {
  try {
    const response = await fetch(url, { headers: { accept: 'text/event-stream' }, signal });
    if (!response.ok || !response.body) return;
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      if (decoder.decode(chunk, { stream: true }).includes('\n\n')) onEvent();
    }
  } catch {
    // Polling carries on.
  }
}
