/**
 * The multi-prover section of a deployment file (`services.multi-prover`) and the typed view the service's code reads:
 * the core deployment with the main-chain contracts under `multiProver`.
 *
 * ```json
 * "services": {
 *   "multi-prover": {
 *     "serviceManager": "0x…", "registry": "0x…", "equivocationSlasher": "0x…", "epochManager": "0x…",
 *     "livenessVerifier": "0x…",
 *     "attestationVerifiers": { "devnet": "0x…" },
 *     "teeQuorums": [{ "quorumNumber": 0, "teeType": "devnet" }, { "quorumNumber": 1, "teeType": "devnet" }],
 *     "committees": [{ "id": "1", "description": "block states", "quorumNumbers": [0, 1] }],
 *     "provenChains": [31338]
 *   }
 * }
 * ```
 */
import { z } from 'zod';
import {
  type Deployment,
  type DeploymentView,
  defineServiceSection,
  readDeployment,
  serviceSection,
} from '../../core/chain/deployment.ts';
import { addressSchema as address } from '../../core/chain/schemas.ts';

/** The service's key under `services`. */
export const MULTI_PROVER_SERVICE = 'multi-prover';

/** TEE types a deployment may accept (the contracts' ITEELivenessVerifier.TeeType, by name). */
export const teeTypeSchema = z.enum(['devnet', 'sgx', 'tdx']);
/** A TEE type's name. */
export type TeeTypeName = z.output<typeof teeTypeSchema>;
/** The contracts' number of each TEE type (ITEELivenessVerifier.TeeType). */
export const TEE_TYPE_NUMBERS: Record<TeeTypeName, number> = { devnet: 1, sgx: 2, tdx: 3 };

const quorumNumber = z.number().int().min(0).max(255);

/** `services.multi-prover`: the main-chain contracts, the TEE quorums and committees, and the chains it proves. */
export const multiProverSectionSchema = z.strictObject({
  serviceManager: address,
  /** MultiProverRegistry: BLS keys, per-quorum weights and thresholds. */
  registry: address,
  /** EquivocationSlasher: the slasher of the operator sets (slashes and freezes operators that sign two states). */
  equivocationSlasher: address,
  epochManager: address,
  /** TEELivenessVerifier: provers' attestations and liveness. */
  livenessVerifier: address,
  /** The IAttestationVerifier of each TEE type this deployment accepts. */
  attestationVerifiers: z.partialRecord(teeTypeSchema, address),
  /** Each quorum's TEE type (as registered in the service manager). */
  teeQuorums: z.array(z.strictObject({ quorumNumber, teeType: teeTypeSchema })).min(1),
  /** Committees: id (decimal string), description, and the quorums whose thresholds confirm its states. */
  committees: z.array(z.strictObject({ id: z.string().regex(/^[0-9]{1,78}$/), description: z.string(), quorumNumbers: z.array(quorumNumber).min(1) })).min(1),
  /** Chains whose block states the deployment proves (each must be a chain of the deployment). */
  provenChains: z.array(z.number().int().positive()),
  /** Devnets only: the address of the devnet attestation key the DevnetAttestationVerifier accepts. */
  devnetAttestationKey: address.optional(),
  /** IntelCollateralStore: Intel's collateral for the sgx and tdx attestation verifiers (when either is accepted). */
  intelCollateralStore: address.optional(),
});

/** The section as read from the file. */
export type MultiProverContracts = z.output<typeof multiProverSectionSchema>;
/** The core deployment with the multi-prover contracts merged in (see the module comment). */
export type MultiProverDeployment = Deployment & { multiProver: MultiProverContracts };

/** The section, for the deployment readers of the core. */
export const MULTI_PROVER_SECTION = defineServiceSection({ name: MULTI_PROVER_SERVICE, schema: multiProverSectionSchema, everyChain: false });

/**
 * The multi-prover view of a parsed deployment.
 * @throws {DeploymentError} naming `services.multi-prover.<key>` when the section is missing or invalid.
 */
export function multiProverDeployment(deployment: Deployment, source = 'deployment'): MultiProverDeployment {
  return { ...deployment, multiProver: serviceSection(deployment, MULTI_PROVER_SECTION, source) };
}

/** The view the config roles of the service load their deployment into. */
export const multiProverView: DeploymentView<MultiProverDeployment> = { sections: [MULTI_PROVER_SECTION], of: multiProverDeployment };

/**
 * Reads a deployment file and returns its multi-prover view.
 * @throws {DeploymentError} when the file cannot be read, is invalid, or has no valid multi-prover section.
 */
export function readMultiProverDeployment(path: string): MultiProverDeployment {
  return multiProverDeployment(readDeployment(path), path);
}
