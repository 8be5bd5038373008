/**
 * A bare devnet (main chain only, no services, no multi-prover) with the automation AVS the devnet deploys: 3 operators
 * restaked in the automation strategy with different stakes, each with a delegated signer, activated and arranged, plus a
 * DevnetCounter and a DevnetPriceFeed as workflow targets and a funded vault account. For e2e tests of the automation
 * service.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PrivateKeyAccount, type PublicClient, parseEther } from 'viem';
import { type AutomationDevnet, type AutomationTargets, deployAutomationTargets } from '../../src/devnet/automation.ts';
import { type Devnet, startDevnet } from '../../src/devnet/devnet.ts';
import type { AutomationContracts } from '../../src/services/automation/deployment.ts';
import type { Arrangement } from '../../src/services/automation/schedule.ts';

/** Options of {@link startAutomationDevnet}. */
export type AutomationDevnetOptions = {
  /** Blocks per slot; default 6. */
  slotBlocks?: number;
};

/** A running devnet with the automation AVS arranged and ready. */
export type AutomationTestDevnet = {
  devnet: Devnet;
  /** Main chain client. */
  client: PublicClient;
  /** `services.automation`. */
  section: AutomationContracts;
  /** Strategy, operators (keys, delegated signers, stakes) and the epoch their registrations count from. */
  automation: AutomationDevnet;
  /** The arrangement in force from its start block on (every operator in it). */
  arrangement: Arrangement;
  /** DevnetCounter and DevnetPriceFeed. */
  targets: AutomationTargets;
  /** A funded account (the devnet's user) that registers workflows as a vault. */
  vault: PrivateKeyAccount;
  /** Stops the devnet and removes its directory. Idempotent. */
  stop(): Promise<void>;
};

/**
 * Starts the devnet and brings the automation AVS up (see the module comment). Everything is stopped if a step fails.
 * @throws whatever step failed (SetupTransactionError, AnvilStartError, ...).
 */
export async function startAutomationDevnet(options: AutomationDevnetOptions = {}): Promise<AutomationTestDevnet> {
  const dir = mkdtempSync(join(tmpdir(), 'avs-automation-'));
  let devnet: Devnet | undefined;
  const stop = async (): Promise<void> => {
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // The devnet deploys, seeds (stakes 1,000, 1,700 and 2,400 tokens) and arranges the automation AVS itself.
    devnet = await startDevnet({ operators: 3, remoteChains: 0, multiProver: false, automationSlotBlocks: options.slotBlocks, dir });
    const client = devnet.clients.get(devnet.deployment.mainChainId)!;
    const { arrangement, ...automation } = devnet.automation!;
    const targets = await deployAutomationTargets({ client, deployer: devnet.deployer });
    await client.request({ method: 'anvil_setBalance', params: [devnet.user.address, `0x${parseEther('1000').toString(16)}`] } as never);
    return { devnet, client, section: automation.section, automation, arrangement, targets, vault: devnet.user, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
