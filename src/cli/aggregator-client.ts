/**
 * Where the CLI finds the aggregator, and the state-proof API client it uses (re-exported from
 * `src/services/state-proofs/client.ts`).
 */
import { aggregatorUrlOfDeploymentFile } from '../services/state-proofs/deployment.ts';
import { UsageError } from './errors.ts';
import { DEFAULT_DEPLOYMENT_PATH } from './options.ts';

export {
  AggregatorApiError,
  ProofTimeoutError,
  type ProofFeedPage,
  type ProofQuery,
  type ProofTask,
  getProof,
  listProofs,
  proofTaskSchema,
  requestProof,
  waitForProof,
} from '../services/state-proofs/client.ts';

/**
 * The aggregator's HTTP base URL: `--aggregator`, else `AVS_AGGREGATOR_URL`, else `aggregator.url` in the deployment
 * file (written by `avs devnet`).
 * @throws {UsageError} when none is set.
 */
export function resolveAggregatorUrl(option: string | undefined, deploymentPath: string | undefined): string {
  const url = option ?? process.env.AVS_AGGREGATOR_URL ?? aggregatorUrlOfDeploymentFile(deploymentPath ?? DEFAULT_DEPLOYMENT_PATH);
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

