/**
 * `avs demo automation`: the automation service's lifecycle on a fresh devnet, one checked step at a time:
 *
 * 1. start a chain, deploy the automation AVS, register 4 operators with different stakes as executors (each with a
 *    delegated signer), arrange them, and start the aggregator and the operator nodes — the heaviest operator with
 *    the devnet fault flag that makes its executor skip its own slots;
 * 2. a vault deposits ether and registers two workflows: a time workflow (every 12 s, DevnetCounter.increment) and a
 *    condition workflow (when the DevnetPriceFeed's price is updated above a level, call its onPriceAbove);
 * 3. the price is raised above the level at the start of a slot of the faulty executor: it leaves the condition
 *    workflow unrun, and the next executor runs it;
 * 4. executors rotate across slots, each slot's executor drawn in proportion to stake; every run lands in a slot of
 *    its sender's operator;
 * 5. every honest executor's judged slot gets a clean verdict: its due runs happened in its slot;
 * 6. the faulty executor left a due workflow unrun: the attesters' verdict is a fault, posted on-chain, and its
 *    allocation is slashed;
 * 7. everything is torn down.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Address, type Hex, getAddress, parseEther } from 'viem';
import { AllocationManagerAbi, DevnetPriceFeedAbi } from '../core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../core/chain/clients.ts';
import { type AutomationTargets, deployAutomationTargets } from '../devnet/automation.ts';
import { type DevnetAutomation, automationOnlyServices } from '../devnet/automationServices.ts';
import { type DevnetVault, counterWorkflow, depositToVault, priceAboveWorkflow, registerVaultWorkflow } from '../devnet/automationWorkflows.ts';
import { type Devnet, startDevnet } from '../devnet/devnet.ts';
import { readArrangements } from '../services/automation/arrangements.ts';
import { AutomationChainIndex } from '../services/automation/chainIndex.ts';
import { slotAt } from '../services/automation/schedule.ts';
import { type DemoStep, recordEscapedError, stepRunner, tearDownDemo, waitUntil } from './demoSteps.ts';

/** A run of a workflow the demo saw on-chain. */
export type DemoRun = { workflowId: string; slot: string; executor: Address; block: string; success: boolean };
/** A verdict posted on-chain. */
export type DemoVerdict = { slot: string; executor: Address; fault: boolean; slashed: boolean };

/** What `avs demo automation --json` prints. */
export type AutomationDemoReport = {
  ok: boolean;
  steps: DemoStep[];
  runs: DemoRun[];
  verdicts: DemoVerdict[];
  /** Slots each executor held over the demo, beside its share of the stake. */
  rotation: { executor: Address; slots: number; stakeShare: number }[];
};

/** Options of {@link runAutomationDemo}. */
export type AutomationDemoOptions = {
  logLevel?: string;
  onStep?: (step: DemoStep) => void;
  onStepStart?: (name: string) => void;
  /** How long to wait for each on-chain outcome; default 180 s. */
  timeoutMs?: number;
};

const LEVEL = 2_500n * 10n ** 8n;

/** Runs the demo on a fresh devnet in a temporary directory and tears it down. Never throws: failures are steps. */
export async function runAutomationDemo(options: AutomationDemoOptions = {}): Promise<AutomationDemoReport> {
  const steps: DemoStep[] = [];
  const report: AutomationDemoReport = { ok: false, steps, runs: [], verdicts: [], rotation: [] };
  const step = stepRunner(steps, options);
  const dir = mkdtempSync(join(tmpdir(), 'avs-demo-automation-'));
  const timeoutMs = options.timeoutMs ?? 180_000;
  let devnet: Devnet | undefined;
  try {
    devnet = await step('start a fresh devnet with the automation service', async () => {
      // The heaviest of 4 operators (index 3) runs with the skip-slots fault.
      const started = await startDevnet({
        operators: 4,
        remoteChains: 0,
        multiProver: false,
        dir,
        services: automationOnlyServices({ logLevel: options.logLevel ?? 'silent', skipSlots: [3] }),
      });
      const a = started.automation!;
      return {
        value: started,
        detail: `${a.operators.length} executors (stakes ${a.operators.map((o) => `${o.stake / 10n ** 18n}`).join(', ')} tokens), slots of ${a.section.slotBlocks} blocks; operator 3 skips its slots (fault flag)`,
      };
    });
    const automation = devnet.services?.automation as DevnetAutomation;
    const section = devnet.automation!.section;
    const client = devnet.clients.get(devnet.deployment.mainChainId)!;
    const vault = makeWalletClient(devnet.deployment.mainChainId, devnet.chains[0]!.rpcUrl, devnet.user);
    const send = async (hash: Promise<Hex>) => {
      const receipt = await client.waitForTransactionReceipt({ hash: await hash });
      if (receipt.status !== 'success') throw new Error(`transaction ${receipt.transactionHash} reverted`);
      return receipt;
    };
    const faulty = automation.operators.find((o) => o.skipSlots)!.address;

    const targets: AutomationTargets = await step('a vault deposits 10 ether and registers a time and a condition workflow', async () => {
      const deployed = await deployAutomationTargets({ client, deployer: devnet!.deployer });
      const owner: DevnetVault = { client, account: devnet!.user, entryPoint: section.entryPoint };
      await depositToVault(owner, parseEther('10'));
      const now = (await client.getBlock()).timestamp;
      const time = await registerVaultWorkflow(owner, counterWorkflow(deployed.counter, 12n, now));
      const condition = await registerVaultWorkflow(owner, priceAboveWorkflow(deployed.priceFeed, LEVEL));
      return {
        value: deployed,
        detail: `workflow ${time}: DevnetCounter.increment every 12 s; workflow ${condition}: DevnetPriceFeed.onPriceAbove when the price is updated above ${LEVEL / 10n ** 8n}`,
      };
    });

    const allocation = async () =>
      (
        await client.readContract({
          address: devnet!.deployment.eigenlayer.allocationManager,
          abi: AllocationManagerAbi,
          functionName: 'getAllocation',
          args: [faulty, { avs: section.serviceManager, id: 0 }, devnet!.automation!.strategy],
        })
      ).currentMagnitude;
    const magnitudeBefore = await allocation();

    await step('the price is raised above the level at the start of the faulty executor’s slot; it leaves the condition workflow unrun, the next executor runs it', async () => {
      const slotBlocks = BigInt(section.slotBlocks);
      // Wait for a head whose next block opens a slot of the faulty executor, then update the price in that block.
      const slot = await waitUntil(
        async () => {
          const head = await client.getBlockNumber({ cacheTime: 0 });
          const next = slotAt(await readArrangements(client, section.executorSchedule), head + 1n, slotBlocks);
          return next?.executor && getAddress(next.executor) === getAddress(faulty) && head + 1n <= next.startBlock + 1n ? next : undefined;
        },
        timeoutMs,
        'a slot of the faulty executor',
      );
      const raised = await send(vault.writeContract({ address: targets.priceFeed, abi: DevnetPriceFeedAbi, functionName: 'setPrice', args: [LEVEL + 10n ** 8n] }));
      const triggers = await waitUntil(
        async () => {
          const n = await client.readContract({ address: targets.priceFeed, abi: DevnetPriceFeedAbi, functionName: 'triggers' });
          return n > 0n ? n : undefined;
        },
        timeoutMs,
        'the condition workflow to run',
      );
      const runs = await client.getContractEvents({ address: targets.priceFeed, abi: DevnetPriceFeedAbi, eventName: 'PriceAboveTriggered', fromBlock: raised.blockNumber });
      const ranAt = runs[0]?.blockNumber ?? 0n;
      return {
        value: undefined,
        ok: ranAt >= slot.endBlock,
        detail: `price updated in block ${raised.blockNumber} (faulty executor’s slot ${slot.startBlock}–${slot.endBlock - 1n}); onPriceAbove ran ${triggers} time(s), first in block ${ranAt}`,
      };
    });

    const index = new AutomationChainIndex({ client, contracts: section });
    await step('the executor that skipped its slot is found at fault by the attesters and slashed', async () => {
      const verdict = await waitUntil(
        async () => {
          await index.sync();
          return index.verdicts().find((v) => v.fault);
        },
        timeoutMs,
        'a fault verdict',
      );
      const after = await allocation();
      return {
        value: verdict,
        ok: getAddress(verdict.executor) === getAddress(faulty) && verdict.slash !== null && after < magnitudeBefore,
        detail: `slot ${verdict.slotStartBlock}: executor ${short(verdict.executor)} left due work unrun; verdict tx ${short(verdict.transactionHash)}, magnitude ${magnitudeBefore} → ${after}`,
      };
    });

    await step('every honest executor’s judged slot has a clean verdict; every run landed in its sender’s slot', async () => {
      const honestClean = await waitUntil(
        async () => {
          await index.sync();
          const clean = index.verdicts(1_000).filter((v) => !v.fault);
          return clean.length >= 3 ? clean : undefined;
        },
        timeoutMs,
        'clean verdicts',
      );
      const arrangements = await readArrangements(client, section.executorSchedule);
      const signerOf = new Map(devnet!.automation!.operators.map((o) => [(o.signer?.address ?? o.address).toLowerCase(), o.address]));
      const runs = index.runs(undefined, 10_000).filter((r) => r.status === 'Succeeded' || r.status === 'Failed').reverse();
      let misplaced = 0;
      for (const r of runs) {
        const slot = slotAt(arrangements, r.blockNumber, BigInt(section.slotBlocks))!;
        const operator = signerOf.get(r.executor.toLowerCase()) ?? r.executor;
        if (getAddress(operator) !== getAddress(slot.executor!)) misplaced++;
        report.runs.push({ workflowId: r.id.toString(), slot: slot.startBlock.toString(), executor: getAddress(operator), block: r.blockNumber.toString(), success: r.status === 'Succeeded' });
      }
      const wrongFaults = index.verdicts(1_000).filter((v) => v.fault && getAddress(v.executor) !== getAddress(faulty));
      return {
        value: undefined,
        ok: misplaced === 0 && wrongFaults.length === 0 && runs.some((r) => getAddress(signerOf.get(r.executor.toLowerCase()) ?? r.executor) === getAddress(faulty)) === false,
        detail: `${honestClean.length} clean verdicts, ${wrongFaults.length} faults against honest executors; ${runs.length} runs, ${misplaced} outside their sender's slots`,
      };
    });

    await step('executors rotate across slots in proportion to stake', async () => {
      const arrangements = await readArrangements(client, section.executorSchedule);
      const head = await client.getBlockNumber({ cacheTime: 0 });
      const first = arrangements[0]!.startBlock;
      const counts = new Map<string, number>();
      let total = 0;
      for (let block = first; ; ) {
        const slot = slotAt(arrangements, block, BigInt(section.slotBlocks));
        if (!slot || slot.endBlock > head) break;
        if (slot.executor) {
          counts.set(slot.executor, (counts.get(slot.executor) ?? 0) + 1);
          total++;
        }
        block = slot.endBlock;
      }
      const stakeTotal = devnet!.automation!.operators.reduce((s, o) => s + o.stake, 0n);
      report.rotation = devnet!.automation!.operators.map((o) => ({
        executor: o.address,
        slots: counts.get(o.address) ?? 0,
        stakeShare: Number((o.stake * 10_000n) / stakeTotal) / 10_000,
      }));
      return {
        value: undefined,
        ok: counts.size >= 2,
        detail: `${total} slots: ${report.rotation.map((r) => `${short(r.executor)} ${r.slots} (stake ${(r.stakeShare * 100).toFixed(0)} %)`).join(', ')}`,
      };
    });

    await index.sync();
    report.verdicts = index
      .verdicts(1_000)
      .reverse()
      .map((v) => ({ slot: v.slotStartBlock.toString(), executor: v.executor, fault: v.fault, slashed: v.slash !== null }));
    report.ok = steps.every((s) => s.ok);
  } catch (error) {
    recordEscapedError(steps, options, error);
  } finally {
    await tearDownDemo(step, devnet, dir, 'services stopped, chain killed');
  }
  report.ok = steps.length > 0 && steps.every((s) => s.ok) && report.verdicts.some((v) => v.fault && v.slashed);
  return report;
}

function short(hex: string): string {
  return `${hex.slice(0, 10)}…`;
}
