/**
 * The automation AVS deployed on a devnet's EigenLayer core by `deployAutomation`: the `services.automation` section,
 * operator set 0 with SlotVerdicts as its slasher, the contracts wired to each other, ownership handed to the main
 * chain's timelock; and the options refused before any transaction.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Address, type PublicClient, getAddress, parseAbi } from 'viem';
import {
  AllocationManagerAbi,
  DittoEntryPointAbi,
  ExecutorScheduleAbi,
  SlotVerdictsAbi,
} from '../../src/core/chain/abis/generated/index.ts';
import { type Devnet, startDevnet } from '../../src/devnet/devnet.ts';
import { AutomationDeployError, type DeployAutomationOptions, checkAutomationOptions, deployAutomation } from '../../src/services/automation/deploy.ts';
import type { AutomationContracts } from '../../src/services/automation/deployment.ts';

const OwnableAbi = parseAbi(['function owner() view returns (address)']);

describe('automation deployment on a devnet', () => {
  let devnet: Devnet;
  let dir: string;
  let client: PublicClient;
  let section: AutomationContracts;
  let timelock: Address;

  const options = (): DeployAutomationOptions => {
    const { deployment } = devnet;
    const main = deployment.chains.find((c) => c.chainId === deployment.mainChainId)!;
    return {
      deployer: devnet.deployer,
      main: { chainId: main.chainId, rpcUrl: main.rpcUrl },
      eigenlayer: deployment.eigenlayer,
      epoch: { genesis: deployment.epoch.genesis, length: deployment.epoch.length, grace: deployment.epoch.grace },
      strategies: [{ strategy: deployment.eigenlayer.strategies[0]!, multiplier: 10_000n }],
      thresholdBps: 6_667,
      minimumWeight: 1n,
      maxProofAgeEpochs: 2,
      slotBlocks: 4,
      fees: { fixedReward: 200_000_000_000_000n, failureCompensationBps: 5_000, gasOverhead: 40_000n },
      wadToSlash: 10n ** 17n,
      metadataUri: 'https://avs-stack.invalid/devnet/automation.json',
      timelock: main.timelock,
    };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'avs-automation-deploy-'));
    devnet = await startDevnet({ operators: 1, remoteChains: 0, dir });
    client = devnet.clients.get(devnet.deployment.mainChainId)!;
    timelock = devnet.deployment.chains.find((c) => c.chainId === devnet.deployment.mainChainId)!.timelock!;
    section = await deployAutomation(options());
  });

  after(async () => {
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates operator set 0 with SlotVerdicts as its slasher', async () => {
    const set = { avs: section.serviceManager, id: 0 };
    const am = devnet.deployment.eigenlayer.allocationManager;
    assert.equal(await client.readContract({ address: am, abi: AllocationManagerAbi, functionName: 'isOperatorSet', args: [set] }), true);
    assert.equal(getAddress(await client.readContract({ address: am, abi: AllocationManagerAbi, functionName: 'getSlasher', args: [set] })), section.slotVerdicts);
  });

  it('wires the schedule, the entry point and the verdicts to each other', async () => {
    const read = (address: Address, abi: readonly unknown[], functionName: string) => client.readContract({ address, abi: abi as never, functionName: functionName as never }) as Promise<unknown>;
    assert.equal(getAddress((await read(section.executorSchedule, ExecutorScheduleAbi, 'registry')) as Address), section.stakeRegistry);
    assert.equal(await read(section.executorSchedule, ExecutorScheduleAbi, 'slotBlocks'), 4n);
    assert.equal(getAddress((await read(section.entryPoint, DittoEntryPointAbi, 'executorSchedule')) as Address), section.executorSchedule);
    assert.equal(getAddress((await read(section.entryPoint, DittoEntryPointAbi, 'protocolFees')) as Address), section.protocolFees);
    assert.equal(getAddress((await read(section.slotVerdicts, SlotVerdictsAbi, 'schedule')) as Address), section.executorSchedule);
    assert.equal(getAddress((await read(section.slotVerdicts, SlotVerdictsAbi, 'avs')) as Address), section.serviceManager);
  });

  it('hands every owned contract to the main chain timelock', async () => {
    for (const address of [section.epochManager, section.serviceManager, section.stakeRegistry, section.protocolFees]) {
      assert.equal(getAddress(await client.readContract({ address, abi: OwnableAbi, functionName: 'owner' })), getAddress(timelock));
    }
  });

  it('refuses inconsistent options before any transaction', () => {
    assert.throws(() => checkAutomationOptions({ ...options(), thresholdBps: 0 }), AutomationDeployError);
    assert.throws(() => checkAutomationOptions({ ...options(), slotBlocks: 0 }), AutomationDeployError);
    assert.throws(() => checkAutomationOptions({ ...options(), strategies: [] }), AutomationDeployError);
    assert.throws(() => checkAutomationOptions({ ...options(), wadToSlash: 0n }), AutomationDeployError);
  });
});
