/**
 * The state-proofs section of a deployment file (`services.state-proofs`) and the typed view the service's code reads:
 * the core deployment with the main-chain contracts under `stateProofs` and each chain's contracts merged into its
 * chain entry, so `deployment.stateProofs.serviceManager` and `chainOf(deployment, id).stateManager` read as one object.
 *
 * ```json
 * "services": {
 *   "state-proofs": {
 *     "serviceManager": "0x…", "stakeRegistry": "0x…", "epochManager": "0x…",
 *     "registryStateSender": "0x…", "stateDisputeResolver": "0x…", "mainChainVerifier": "0x…",
 *     "chains": { "31337": { "stateManager": "0x…" }, "31338": { "stateManager": "0x…", "lightStakeRegistry": "0x…", … } }
 *   }
 * }
 * ```
 */
import { z } from 'zod';
import {
  type ChainDeployment,
  type Deployment,
  DeploymentError,
  type DeploymentView,
  chainIdKeySchema,
  defineServiceSection,
  readDeployment,
  readJsonFile,
  serviceSection,
} from '../../core/chain/deployment.ts';
import { addressSchema as address } from '../../core/chain/schemas.ts';

/** The service's key under `services`. */
export const STATE_PROOFS_SERVICE = 'state-proofs';

/** The state-proofs contracts on one chain. */
export const stateProofsChainSchema = z.strictObject({
  /** StateManager on this chain (every chain of a state-proofs deployment has one). */
  stateManager: address,
  /** Remote chains: the replica of the operator registry, and the contract that accepts its epoch updates. */
  lightStakeRegistry: address.optional(),
  registryStateReceiver: address.optional(),
  /** RemoteChainVerifier on this chain: bridges the true history entry to the main chain for disputes. */
  remoteChainVerifier: address.optional(),
});

/** `services.state-proofs`: the main-chain contracts, then each chain's by chain id. */
export const stateProofsSectionSchema = z.strictObject({
  serviceManager: address,
  stakeRegistry: address,
  epochManager: address,
  /** Sends each epoch's operator set to the remote chains' receivers. */
  registryStateSender: address.optional(),
  /** Disputes: challenges, and the verified states they are resolved against. */
  stateDisputeResolver: address.optional(),
  mainChainVerifier: address.optional(),
  chains: z.record(chainIdKeySchema, stateProofsChainSchema),
});

/** The section as read from the file. */
export type StateProofsSection = z.output<typeof stateProofsSectionSchema>;
/** The main-chain contracts of the service (the section without its chains). */
export type StateProofsContracts = Omit<StateProofsSection, 'chains'>;
/** A chain of a state-proofs deployment: its core fields and the service's contracts on it. */
export type StateProofsChain = ChainDeployment & z.output<typeof stateProofsChainSchema>;
/** The core deployment with the state-proofs contracts merged in (see the module comment). */
export type StateProofsDeployment = Omit<Deployment, 'chains'> & { chains: StateProofsChain[]; stateProofs: StateProofsContracts };

/** The section, for the deployment readers of the core; every chain needs a StateManager. */
export const STATE_PROOFS_SECTION = defineServiceSection({ name: STATE_PROOFS_SERVICE, schema: stateProofsSectionSchema, everyChain: true });

/**
 * The state-proofs view of a parsed deployment.
 * @param source Names the deployment in messages (its file path).
 * @throws {DeploymentError} naming `services.state-proofs.<key>` when the section is missing or invalid, or a chain has
 *   no entry in it.
 */
export function stateProofsDeployment(deployment: Deployment, source = 'deployment'): StateProofsDeployment {
  const { chains, ...contracts } = serviceSection(deployment, STATE_PROOFS_SECTION, source);
  return {
    ...deployment,
    chains: deployment.chains.map((chain) => ({ ...chain, ...chains[String(chain.chainId)] })),
    stateProofs: contracts,
  };
}

/** The view the config roles of the service load their deployment into. */
export const stateProofsView: DeploymentView<StateProofsDeployment> = { sections: [STATE_PROOFS_SECTION], of: stateProofsDeployment };

/**
 * Reads a deployment file and returns its state-proofs view.
 * @throws {DeploymentError} when the file cannot be read, is invalid, or has no valid state-proofs section.
 */
export function readStateProofsDeployment(path: string): StateProofsDeployment {
  return stateProofsDeployment(readDeployment(path), path);
}

/**
 * `aggregator.url` of a deployment file written by `avs devnet` (which adds the aggregator's endpoint beside the
 * deployment), if the file is readable and has one.
 */
export function aggregatorUrlOfDeploymentFile(path: string): string | undefined {
  try {
    const json = readJsonFile(path, 'deployment file', (message) => new DeploymentError(message)) as { aggregator?: { url?: unknown } };
    return typeof json?.aggregator?.url === 'string' ? json.aggregator.url : undefined;
  } catch {
    return undefined;
  }
}
