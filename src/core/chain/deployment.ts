/**
 * Where a deployment lives: chains, RPC endpoints and contract addresses. Written by `avs devnet` to `.avs/devnet.json`,
 * or by hand for a public network (EigenLayer's real core addresses go in `eigenlayer`).
 */
import { readFileSync } from 'node:fs';
import type { Address } from 'viem';
import { z } from 'zod';
import { addressSchema as address, decimalSchema as decimal, eigenLayerCoreSchema, rpcUrlSchema } from './schemas.ts';

/** One chain of a deployment. */
export const chainDeploymentSchema = z.object({
  chainId: z.number().int().positive(),
  name: z.string().optional(),
  /** JSON-RPC endpoint, http(s). */
  rpcUrl: rpcUrlSchema,
  /** StateManager on this chain (every supported chain has one). */
  stateManager: address,
  /**
   * The message bridge between this chain and the main chain (remote chains only): `local` is the IAbridge endpoint on
   * this chain, `main` its peer on the main chain (one Abridge instance per pair of chains).
   */
  bridge: z.object({ local: address, main: address }).optional(),
  /** Remote chains: the replica of the operator registry, and the contract that accepts its epoch updates. */
  lightStakeRegistry: address.optional(),
  registryStateReceiver: address.optional(),
  /** RemoteChainVerifier on this chain: bridges the true history entry to the main chain for disputes. */
  remoteChainVerifier: address.optional(),
  /**
   * OwnerTimelock (OpenZeppelin TimelockController) that owns every owned contract on this chain; its delay is longer
   * than the StateDisputeResolver's EXPOSURE_WINDOW.
   */
  timelock: address.optional(),
});

/** A whole state-proofs deployment. */
export const deploymentSchema = z.object({
  /** Main chain: where EigenLayer, the ServiceManager and the ECDSAStakeRegistry live. */
  mainChainId: z.number().int().positive(),
  chains: z.array(chainDeploymentSchema).min(1),
  eigenlayer: eigenLayerCoreSchema.extend({
    /** Strategies of the quorum, ascending. */
    strategies: z.array(address),
  }),
  stateProofs: z.object({
    serviceManager: address,
    stakeRegistry: address,
    epochManager: address,
    /** Sends each epoch's operator set to the remote chains' receivers. */
    registryStateSender: address.optional(),
    /** Disputes: challenges, and the verified states they are resolved against. */
    stateDisputeResolver: address.optional(),
    mainChainVerifier: address.optional(),
  }),
  /** Epoch clock of the EpochManager, in seconds. */
  epoch: z.object({ genesis: decimal, length: decimal, grace: decimal }),
});

export type ChainDeployment = z.infer<typeof chainDeploymentSchema>;
export type Deployment = z.infer<typeof deploymentSchema>;

/** Thrown when a deployment file is missing or invalid; the message names the file and the bad key. */
export class DeploymentError extends Error {
  override name = 'DeploymentError';
}

/**
 * Validates a parsed deployment object.
 * @throws {DeploymentError} naming the first invalid key, e.g. `chains.0.rpcUrl: must be an http(s) URL`.
 */
export function parseDeployment(value: unknown, source = 'deployment'): Deployment {
  const result = deploymentSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new DeploymentError(`${source}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  if (!result.data.chains.some((c) => c.chainId === result.data.mainChainId)) {
    throw new DeploymentError(`${source}: chains: the main chain ${result.data.mainChainId} is not listed`);
  }
  return result.data;
}

/**
 * Reads a JSON file for a loader whose errors are its own named class.
 * @param what What the file is, for messages (e.g. `deployment file`).
 * @param toError Builds the loader's error from a message naming the file.
 * @throws what `toError` builds, when the file cannot be read or is not JSON.
 */
export function readJsonFile(path: string, what: string, toError: (message: string) => Error): unknown {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (error) {
    throw toError(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw toError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Reads and validates a deployment JSON file.
 * @throws {DeploymentError} when the file cannot be read or parsed, or is invalid.
 */
export function readDeployment(path: string): Deployment {
  return parseDeployment(readJsonFile(path, 'deployment file', (message) => new DeploymentError(message)), path);
}

/**
 * `aggregator.url` of a deployment file written by `avs devnet` (which adds its endpoints to the deployment), if the file
 * is readable and has one.
 */
export function aggregatorUrlOfDeploymentFile(path: string): string | undefined {
  try {
    const json = readJsonFile(path, 'deployment file', (message) => new DeploymentError(message)) as { aggregator?: { url?: unknown } };
    return typeof json?.aggregator?.url === 'string' ? json.aggregator.url : undefined;
  } catch {
    return undefined;
  }
}

/** The deployment's entry for `chainId`. @throws {DeploymentError} for an unsupported chain. */
export function chainOf(deployment: Deployment, chainId: number): ChainDeployment {
  const chain = deployment.chains.find((c) => c.chainId === chainId);
  if (!chain) throw new DeploymentError(`chain ${chainId} is not part of this deployment`);
  return chain;
}

/** The main chain's entry. */
export function mainChainOf(deployment: Deployment): ChainDeployment {
  return chainOf(deployment, deployment.mainChainId);
}

/** JSON form of a deployment (bigints as decimal strings), the inverse of {@link parseDeployment}. */
export function serializeDeployment(deployment: Deployment): string {
  return JSON.stringify(deployment, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n';
}

export type { Address };
