/**
 * The preconf section of a deployment file (`services.preconf`): the UniFiAVSManager registry on the main chain and
 * the EigenPodManager its validators' pods belong to.
 *
 * ```json
 * "services": {
 *   "preconf": {
 *     "registry": "0x…", "eigenPodManager": "0x…",
 *     "devnet": { "beaconChainOracle": "0x…" }
 *   }
 * }
 * ```
 */
import { z } from 'zod';
import { type Deployment, defineServiceSection, serviceSection } from '../../core/chain/deployment.ts';
import { addressSchema as address } from '../../core/chain/schemas.ts';

/** The service's key under `services`. */
export const PRECONF_SERVICE = 'preconf';

/** `services.preconf`. */
export const preconfSectionSchema = z.strictObject({
  /** UniFiAVSManager: operators, their commitments (delegate key, chains) and their EigenPod validators. */
  registry: address,
  /** EigenLayer's EigenPodManager (on public networks, the one Layr-Labs publishes for that network). */
  eigenPodManager: address,
  /**
   * Present only on a devnet, where the EigenPodManager is the devnet's own: validators become ACTIVE in pods when
   * this account (standing in for the beacon chain) calls `devnetActivateValidator`, not through beacon-state proofs.
   */
  devnet: z.strictObject({ beaconChainOracle: address }).optional(),
});

/** The section as read from the file. */
export type PreconfContracts = z.output<typeof preconfSectionSchema>;
/** The core deployment with the preconf contracts merged in. */
export type PreconfDeployment = Deployment & { preconf: PreconfContracts };

/** The section, for the deployment readers of the core. */
export const PRECONF_SECTION = defineServiceSection({ name: PRECONF_SERVICE, schema: preconfSectionSchema, everyChain: false });

/**
 * The preconf view of a parsed deployment.
 * @throws {DeploymentError} naming `services.preconf.<key>` when the section is missing or invalid.
 */
export function preconfDeployment(deployment: Deployment, source = 'deployment'): PreconfDeployment {
  return { ...deployment, preconf: serviceSection(deployment, PRECONF_SECTION, source) };
}
