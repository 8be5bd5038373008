/**
 * A client for the state-proof aggregator's HTTP API (docs/architecture.md, "The user-facing contract"):
 * `POST /v1/state-proofs`, `GET /v1/state-proofs` (the feed of published proofs), `GET /v1/state-proofs/{taskId}` and
 * `GET /v1/state-proofs/{taskId}/events` (SSE). Bigints travel as decimal strings; this client returns them as bigints.
 * Used by the CLI, the demo and the challenger.
 */
import { type Address, type Hex, getAddress } from 'viem';
import { z } from 'zod';
import { pollUntil } from '../../core/http/pollUntil.ts';

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

/** The JSON body of one proof request. */
function requestBody(query: ProofQuery) {
  return {
    chainId: query.chainId,
    user: query.user,
    key: query.key.toString(),
    ...(query.blockNumber !== undefined ? { blockNumber: query.blockNumber.toString() } : {}),
    ...(query.timestamp !== undefined ? { timestamp: query.timestamp.toString() } : {}),
  };
}

/** Asks for a proof; resolves to the (new or existing) task. */
export async function requestProof(baseUrl: string, query: ProofQuery): Promise<ProofTask> {
  return parseTask(await call(`${baseUrl}/v1/state-proofs`, { method: 'POST', body: JSON.stringify(requestBody(query)) }));
}

/**
 * Asks for many proofs in one round trip (`POST /v1/state-proofs/batch`, 1 to 1,000 queries); resolves to their tasks
 * in query order. The batch is taken whole or not at all, so a refused one can be retried as it is.
 * @throws {AggregatorApiError} when the aggregator cannot be reached or refuses the batch (its message names the
 *   refused query as `body.requests.<index>`).
 */
export async function requestProofs(baseUrl: string, queries: readonly ProofQuery[]): Promise<ProofTask[]> {
  const body = (await call(`${baseUrl}/v1/state-proofs/batch`, {
    method: 'POST',
    body: JSON.stringify({ requests: queries.map(requestBody) }),
  })) as { tasks?: unknown };
  if (!Array.isArray(body?.tasks) || body.tasks.length !== queries.length) {
    throw new AggregatorApiError(200, `unexpected aggregator answer: tasks is not a list of ${queries.length}`);
  }
  return body.tasks.map(parseTask);
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
  const timeoutMs = options.timeoutMs ?? 60_000;
  return pollUntil({
    eventsUrl: `${baseUrl}/v1/state-proofs/${taskId}/events`,
    read: () => getProof(baseUrl, taskId),
    isFinal: (task) => task.status === 'aggregated' || task.status === 'failed',
    timeoutMs,
    pollMs: options.pollMs ?? 500,
    onUpdate: options.onUpdate,
    timeoutError: (task) => new ProofTimeoutError(`proof ${taskId} is still ${task.status} after ${timeoutMs} ms`),
  });
}

/** A page of the proof feed: aggregated proofs in write order, and the cursor to pass next time. */
export type ProofFeedPage = { proofs: ProofTask[]; next: string | null };

/**
 * One page of `GET /v1/state-proofs` after `cursor` (the `next` of the previous page; undefined for the start).
 * @param limit Page size, 1 to 500.
 * @throws {AggregatorApiError} when the aggregator cannot be reached or answers an error.
 */
export async function listProofs(baseUrl: string, cursor: string | undefined, limit = 100): Promise<ProofFeedPage> {
  const query = new URLSearchParams({ limit: String(limit), ...(cursor ? { after: cursor } : {}) });
  const body = (await call(`${baseUrl}/v1/state-proofs?${query}`)) as { proofs?: unknown; next?: unknown };
  if (!Array.isArray(body?.proofs)) throw new AggregatorApiError(200, 'unexpected aggregator answer: proofs is not a list');
  return { proofs: body.proofs.map(parseTask), next: typeof body.next === 'string' ? body.next : null };
}
