/**
 * The automation section of a deployment file (`services.automation`): the main-chain contracts of the automation AVS
 * and its slot length.
 *
 * ```json
 * "services": {
 *   "automation": {
 *     "serviceManager": "0x…", "stakeRegistry": "0x…", "epochManager": "0x…", "executorSchedule": "0x…",
 *     "protocolFees": "0x…", "entryPoint": "0x…", "slotVerdicts": "0x…", "slotBlocks": 4, "reactionBlocks": 2, "reactionSeconds": 3
 *   }
 * }
 * ```
 */
import { z } from 'zod';
import { type Deployment, defineServiceSection, serviceSection } from '../../core/chain/deployment.ts';
import { addressSchema as address } from '../../core/chain/schemas.ts';

/** The service's key under `services`. */
export const AUTOMATION_SERVICE = 'automation';

/** `services.automation`. */
export const automationSectionSchema = z.strictObject({
  /** AutomationServiceManager: the AVS in EigenLayer (operator set 0). */
  serviceManager: address,
  /** The AVS's ECDSAStakeRegistry: executors' and attesters' signing keys and stake weights per epoch. */
  stakeRegistry: address,
  /** The AVS's epoch clock. */
  epochManager: address,
  /** ExecutorSchedule: delegated signers, activation, the executor of each slot. */
  executorSchedule: address,
  /** ProtocolFees: executors' compensation parameters. */
  protocolFees: address,
  /** DittoEntryPoint: workflows, prefunds, runMultipleWorkflows. */
  entryPoint: address,
  /** SlotVerdicts: attesters' verdicts and the slashing of faulty executors (the operator set's slasher). */
  slotVerdicts: address,
  /** Blocks per slot (ExecutorSchedule.slotBlocks). */
  slotBlocks: z.number().int().positive(),
  /**
   * Blocks an executor has to react to a due workflow: attesters find a fault only where a workflow stayed due and
   * runnable for this many blocks after the one it became due in, and was not run (docs/decisions/automation-0003-replay.md).
   * Off-chain protocol parameter every node of the deployment shares; default 2.
   */
  reactionBlocks: z.number().int().nonnegative().default(2),
  /**
   * Seconds the executor has to react, on top of the blocks: a stretch of blocks due and unrun is a fault only once it
   * also spans this much chain time. It matters where blocks can come faster than any node reacts (a devnet mines one
   * per transaction); with 12-second blocks the blocks decide. Default 3.
   */
  reactionSeconds: z.number().int().nonnegative().default(3),
});

/** The section as read from the file. */
export type AutomationContracts = z.output<typeof automationSectionSchema>;
/** The core deployment with the automation contracts merged in. */
export type AutomationDeployment = Deployment & { automation: AutomationContracts };

/** The section, for the deployment readers of the core. */
export const AUTOMATION_SECTION = defineServiceSection({ name: AUTOMATION_SERVICE, schema: automationSectionSchema, everyChain: false });

/**
 * The automation view of a parsed deployment.
 * @throws {DeploymentError} naming `services.automation.<key>` when the section is missing or invalid.
 */
export function automationDeployment(deployment: Deployment, source = 'deployment'): AutomationDeployment {
  return { ...deployment, automation: serviceSection(deployment, AUTOMATION_SECTION, source) };
}
