/**
 * Where the CLI finds the multi-prover aggregator, and a client for its tasks API: `POST /v1/multi-prover/tasks`,
 * `GET /v1/multi-prover/tasks/{taskId}` and its `/events` stream (SSE). Numbers stay the decimal strings the API sends,
 * so `--json` prints the task exactly as the aggregator described it.
 */
import type { Hex } from 'viem';
import { z } from 'zod';
import { pollUntil } from '../core/http/pollUntil.ts';
import { multiProverUrlOfDeploymentFile } from '../services/multi-prover/config.ts';
import { AggregatorApiError } from './aggregator-client.ts';
import { UsageError } from './errors.ts';
import { DEFAULT_DEPLOYMENT_PATH } from './options.ts';

export { AggregatorApiError };

/** A task that did not settle (confirmed on-chain, or failed) in time. */
export class TaskTimeoutError extends Error {
  override name = 'TaskTimeoutError';
}

/** Environment variable naming the multi-prover aggregator when `--aggregator` is not given. */
export const MULTI_PROVER_URL_ENV = 'AVS_MULTI_PROVER_URL';

/**
 * The multi-prover aggregator's HTTP base URL: `--aggregator`, else `$AVS_MULTI_PROVER_URL`, else
 * `aggregator.multiProverUrl` in the deployment file (written by `avs devnet`).
 * @throws {UsageError} when none is set, or it is not an http(s) URL.
 */
export function resolveMultiProverUrl(option: string | undefined, deploymentPath: string | undefined): string {
  const url = option ?? (process.env[MULTI_PROVER_URL_ENV] || undefined) ?? multiProverUrlOfDeploymentFile(deploymentPath ?? DEFAULT_DEPLOYMENT_PATH);
  if (!url) throw new UsageError(`no multi-prover aggregator URL: pass --aggregator, set ${MULTI_PROVER_URL_ENV}, or run \`avs devnet\``);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--aggregator must be an http(s) URL, got "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`--aggregator must be an http(s) URL, got "${url}"`);
  return url.replace(/\/+$/, '');
}

const decimal = z.string().regex(/^[0-9]+$/);
const hex = z.string().regex(/^0x[0-9a-fA-F]*$/);

/** A block-state task as the API returns it (the aggregator's `blockStateTaskResponse`). */
export const blockStateTaskSchema = z.object({
  taskId: hex.transform((v) => v as Hex),
  status: z.enum(['pending', 'signing', 'aggregated', 'failed']),
  committeeId: decimal,
  chainId: decimal,
  blockNumber: decimal,
  quorumNumbers: z.array(z.number().int()),
  referenceEpoch: z.number().int(),
  state: z.object({ blockHash: hex, stateRoot: hex }).nullable(),
  digest: hex.nullable(),
  stateSignature: hex.nullable(),
  signers: z.array(z.object({ operator: hex, weight: decimal })),
  signedWeight: decimal,
  thresholdWeight: decimal,
  failureReason: z.string().nullable(),
  confirmation: z
    .object({
      status: z.enum(['submitted', 'confirmed', 'failed']),
      txHash: hex.nullable(),
      blockNumber: decimal.nullable(),
      reason: z.string().nullable(),
      attempts: z.number().int(),
      updatedAt: z.string(),
    })
    .nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  aggregatedAt: z.string().nullable(),
});
export type BlockStateTask = z.infer<typeof blockStateTaskSchema>;

/** What a block state is asked for: a proven chain's block, for a committee (default: the deployment's first). */
export type BlockStateRequest = { chainId: number; blockNumber: bigint; committeeId?: bigint };

/** Whether nothing more will happen to a task: it failed, or its confirmation was confirmed or failed. */
export function isSettled(task: BlockStateTask): boolean {
  if (task.status === 'failed') return true;
  return task.status === 'aggregated' && task.confirmation !== null && task.confirmation.status !== 'submitted';
}

async function call(url: string, init?: RequestInit): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, headers: { accept: 'application/json', ...(init?.body ? { 'content-type': 'application/json' } : {}) } });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new AggregatorApiError(0, `cannot reach the multi-prover aggregator at ${new URL(url).origin}: ${cause ?? (error as Error).message}`);
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

function parseTask(body: unknown): BlockStateTask {
  const result = blockStateTaskSchema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new AggregatorApiError(200, `unexpected aggregator answer: ${issue.path.join('.')}: ${issue.message}`);
  }
  return result.data;
}

/**
 * Asks for a block state; resolves to the (new or existing) task.
 * @throws {AggregatorApiError} when the aggregator cannot be reached or refuses (an unproven chain, a future block, ...).
 */
export async function requestBlockState(baseUrl: string, request: BlockStateRequest): Promise<BlockStateTask> {
  const body = {
    chainId: String(request.chainId),
    blockNumber: request.blockNumber.toString(),
    ...(request.committeeId !== undefined ? { committeeId: request.committeeId.toString() } : {}),
  };
  return parseTask(await call(`${baseUrl}/v1/multi-prover/tasks`, { method: 'POST', body: JSON.stringify(body) }));
}

/**
 * The current state of a task.
 * @throws {AggregatorApiError} (status 404 for an unknown task).
 */
export async function getBlockStateTask(baseUrl: string, taskId: Hex): Promise<BlockStateTask> {
  return parseTask(await call(`${baseUrl}/v1/multi-prover/tasks/${taskId}`));
}

/**
 * Waits until a task is settled ({@link isSettled}): follows its SSE stream and re-reads the task on every event, polling
 * as a fallback so a dropped stream never loses the outcome.
 * @throws {TaskTimeoutError} after `timeoutMs` (default 120,000).
 */
export async function waitForSettled(
  baseUrl: string,
  taskId: Hex,
  options: { timeoutMs?: number; pollMs?: number; onUpdate?: (task: BlockStateTask) => void } = {},
): Promise<BlockStateTask> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  return pollUntil({
    eventsUrl: `${baseUrl}/v1/multi-prover/tasks/${taskId}/events`,
    read: () => getBlockStateTask(baseUrl, taskId),
    isFinal: isSettled,
    timeoutMs,
    pollMs: options.pollMs ?? 1_000,
    onUpdate: options.onUpdate,
    timeoutError: (task) => {
      const hint = task.status === 'aggregated' && task.confirmation === null ? ' and not sent on-chain (does the aggregator have a confirmer key?)' : '';
      return new TaskTimeoutError(`task ${taskId} is still ${task.confirmation ? `${task.status}, confirmation ${task.confirmation.status}` : task.status}${hint} after ${timeoutMs / 1000} s`);
    },
  });
}
