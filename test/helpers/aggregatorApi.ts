/**
 * The aggregator's HTTP API as the end-to-end tests call it over the network (JSON in and out), for proofs of values a
 * test wrote on the devnet's remote chain.
 */
import assert from 'node:assert/strict';
import type { Address, Hex } from 'viem';

/** A task as `GET /v1/state-proofs/:taskId` returns it. */
export type TaskJson = {
  taskId: Hex;
  status: 'pending' | 'signing' | 'aggregated' | 'failed';
  attestation: { user: Address; chainId: string; blockNumber: string; timestamp: string; key: string; value: string | null; exists: boolean | null; epoch: number };
  digest: Hex | null;
  sigData: Hex | null;
  signers: { operator: Address; weight: string }[];
  signedWeight: string;
  thresholdWeight: string;
  failureReason: string | null;
  aggregatedAt: string | null;
};

/** A value a test wrote under `key`, and the block to prove it at. */
export type Query = { key: bigint; value: bigint; blockNumber: bigint };

/** The devnet's first remote chain, where the tests write their values. */
export const REMOTE_CHAIN = 31338;

/**
 * `fetch` with a JSON answer (60 s at most).
 * @throws when the answer is not JSON, with the status and the text.
 */
export async function httpJson<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });
  const text = await response.text();
  let body: T;
  try {
    body = JSON.parse(text) as T;
  } catch {
    throw new Error(`${init?.method ?? 'GET'} ${url}: ${response.status} ${text}`);
  }
  return { status: response.status, body };
}

/** `POST /v1/state-proofs` for `user`'s `q.key` at `q.blockNumber` on {@link REMOTE_CHAIN}, whatever the answer. */
export function requestProof(api: string, user: Address, q: Query): Promise<{ status: number; body: TaskJson }> {
  return httpJson<TaskJson>(`${api}/v1/state-proofs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ chainId: String(REMOTE_CHAIN), user, key: q.key.toString(), blockNumber: q.blockNumber.toString() }),
  });
}

/** `GET /v1/state-proofs/:taskId`, asserting a 200 for that task. */
export async function getTask(api: string, taskId: Hex): Promise<TaskJson> {
  const { status, body } = await httpJson<TaskJson>(`${api}/v1/state-proofs/${taskId}`);
  assert.equal(status, 200, `GET /v1/state-proofs/${taskId}: ${status} ${JSON.stringify(body)}`);
  assert.equal(body.taskId, taskId);
  return body;
}
