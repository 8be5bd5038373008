/**
 * Automation figures on a devnet (4 operators, slots of 6 blocks, blocks every second and per transaction):
 *
 * - gas per workflow run, batched (one runMultipleWorkflows of `batch` time workflows) against single (one workflow
 *   per transaction), and the most workflow runs of that kind one 30-million-gas block holds;
 * - then the real service (aggregator and 4 operator nodes) for `seconds`: workflow runs, runs per block that had any,
 *   verdicts posted and the gas of submitVerdict, and the share of due runs executed within their slot — every ended
 *   slot replayed by the attesters' own rule: of the (workflow, slot) pairs due and runnable in the slot, how many ran
 *   in it, how many were left unrun although the executor had its reaction blocks, and how many slots were at fault
 *   (target: every run that could execute ran in its slot, no fault).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Address, type Hex, type PublicClient, parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { DevnetPriceFeedAbi, DittoEntryPointAbi, SlotVerdictsAbi } from '../src/core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../src/core/chain/clients.ts';
import { silentLogger } from '../src/core/logging.ts';
import { deployAutomationTargets } from '../src/devnet/automation.ts';
import { startDevnetAutomation } from '../src/devnet/automationServices.ts';
import { type DevnetVault, counterWorkflow, depositToVault, priceAboveWorkflow, registerVaultWorkflow } from '../src/devnet/automationWorkflows.ts';
import { type Devnet, startDevnet } from '../src/devnet/devnet.ts';
import { readArrangements } from '../src/services/automation/arrangements.ts';
import { AutomationChainIndex } from '../src/services/automation/chainIndex.ts';
import { replaySlot } from '../src/services/automation/replay.ts';
import { slotAt } from '../src/services/automation/schedule.ts';

/** What {@link measureAutomation} returns. */
export type AutomationBench = {
  gasPerRun: { batched: number; single: number; batchSize: number };
  runsPerBlockCapacity: number;
  longRun: {
    seconds: number;
    workflows: number;
    runs: number;
    blocksWithRuns: number;
    maxRunsPerBlock: number;
    slotsJudged: number;
    /** (workflow, slot) pairs due and runnable in the slot. */
    duePairs: number;
    /** Of them, run in the slot. */
    dueRunInSlot: number;
    /** Of them, left unrun although the executor had its reaction blocks (the attesters' faults). */
    leftUnrun: number;
    /** dueRunInSlot / (dueRunInSlot + leftUnrun): the due runs that could execute in their slot and did. */
    shareRunInSlot: number;
    faultSlots: number;
    verdictsPosted: number;
    submitVerdictGas: number;
  };
};

const BLOCK_GAS_LIMIT = 30_000_000;

/** Runs the measurements on a fresh devnet and tears it down. */
export async function measureAutomation(options: { batch?: number; seconds?: number; log?: (line: string) => void } = {}): Promise<AutomationBench> {
  const log = options.log ?? (() => {});
  const batch = options.batch ?? 20;
  const seconds = options.seconds ?? 120;
  const dir = mkdtempSync(join(tmpdir(), 'avs-bench-automation-'));
  let devnet: Devnet | undefined;
  try {
    devnet = await startDevnet({ operators: 4, remoteChains: 0, multiProver: false, dir });
    const client = devnet.clients.get(devnet.deployment.mainChainId)!;
    const section = devnet.automation!.section;
    const chain = devnet.chains[0]!;
    const send = async (hash: Promise<Hex>) => client.waitForTransactionReceipt({ hash: await hash });
    const targets = await deployAutomationTargets({ client, deployer: devnet.deployer });
    const vault: DevnetVault = { client, account: devnet.user, entryPoint: section.entryPoint };
    await depositToVault(vault, parseEther('100'));
    const register = async (interval: bigint) => registerVaultWorkflow(vault, counterWorkflow(targets.counter, interval, (await client.getBlock()).timestamp));

    // Gas: `batch` workflows due once, in one batch; then `batch` more, one per transaction.
    log(`automation gas: ${batch} workflows batched, then ${batch} one per transaction`);
    const signers = new Map(devnet.automation!.operators.map((o) => [o.address.toLowerCase(), privateKeyToAccount(o.signer!.key)]));
    const runAs = async (refs: { vault: Address; id: bigint }[]) => {
      const arrangements = await readArrangements(client, section.executorSchedule);
      const head = await client.getBlockNumber({ cacheTime: 0 });
      const executor = slotAt(arrangements, head + 1n, BigInt(section.slotBlocks))!.executor!;
      const wallet = makeWalletClient(chain.chainId, chain.rpcUrl, signers.get(executor.toLowerCase())!);
      const receipt = await send(wallet.writeContract({ address: section.entryPoint, abi: DittoEntryPointAbi, functionName: 'runMultipleWorkflows', args: [refs], gas: 25_000_000n }));
      if (receipt.status !== 'success') throw new Error(`runMultipleWorkflows reverted in block ${receipt.blockNumber}`);
      return Number(receipt.gasUsed);
    };
    const day = 86_400n;
    for (let i = 0; i < 2 * batch; i++) await register(day);
    const refs = Array.from({ length: 2 * batch }, (_, id) => ({ vault: devnet!.user.address, id: BigInt(id) }));
    const batchedGas = await runAs(refs.slice(0, batch));
    let singleGas = 0;
    for (const ref of refs.slice(batch)) singleGas += await runAs([ref]);
    const gasPerRun = { batched: Math.round(batchedGas / batch), single: Math.round(singleGas / batch), batchSize: batch };
    const runsPerBlockCapacity = Math.floor(BLOCK_GAS_LIMIT / gasPerRun.batched);

    // The service for `seconds`: 6 time workflows every 3 s and a condition workflow fed by a price update every 5 s.
    log(`automation service for ${seconds} s: 6 time workflows every 3 s, a condition workflow, price updates every 5 s`);
    const first = (await client.getBlockNumber()) + 1n;
    for (let i = 0; i < 6; i++) await register(3n);
    await registerVaultWorkflow(vault, priceAboveWorkflow(targets.priceFeed, 0n));
    const running = await startDevnetAutomation(devnet, { logger: silentLogger() });
    const feeder = makeWalletClient(chain.chainId, chain.rpcUrl, devnet.user);
    const feed = setInterval(() => {
      void feeder.writeContract({ address: targets.priceFeed, abi: DevnetPriceFeedAbi, functionName: 'setPrice', args: [BigInt(Date.now())] }).catch(() => {});
    }, 5_000);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    clearInterval(feed);
    // Let the last slots be judged.
    await new Promise((r) => setTimeout(r, 15_000));
    const engine = running.aggregator.aggregator.engine.stats;
    const nodes = running.operators.map((o) => o.node.stats);
    log(
      `  aggregator: ${engine.tasksCreated} verdict tasks, ${engine.tasksAggregated} aggregated, ${engine.tasksFailed} failed; ` +
        `executors: ${nodes.map((n) => `${n.executor.slotsHeld} held/${n.executor.slotsMissed} missed/${n.executor.errors} errors/${n.executor.transactionsReverted} reverted`).join(', ')}; ` +
        `attesters: ${nodes.map((n) => `${n.attester?.verdictsSigned ?? 0} signed/${n.attester?.tasksRefused ?? 0} refused`).join(', ')}`,
    );
    const submissions = running.aggregator.aggregator.submitter?.list() ?? [];
    const byStatus = new Map<string, number>();
    for (const x of submissions) byStatus.set(x.status, (byStatus.get(x.status) ?? 0) + 1);
    const reasons = [...new Set(submissions.filter((x) => x.reason).map((x) => x.reason))].slice(0, 3);
    log(`  submissions: ${[...byStatus].map(([k, v]) => `${v} ${k}`).join(', ')}${reasons.length ? `; reasons: ${reasons.join(' | ')}` : ''}`);
    await running.stop();

    const last = await client.getBlockNumber();
    const longRun = await judgeRun(client, section, first, last, 2 * batch + 7, seconds);
    return { gasPerRun, runsPerBlockCapacity, longRun };
  } finally {
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Replays every ended slot from `first` to `last` and sums up the run (see the module comment). */
async function judgeRun(
  client: PublicClient,
  section: NonNullable<Devnet['automation']>['section'],
  first: bigint,
  last: bigint,
  workflows: number,
  seconds: number,
): Promise<AutomationBench['longRun']> {
  const index = new AutomationChainIndex({ client, contracts: section });
  await index.sync(last);
  const arrangements = await readArrangements(client, section.executorSchedule);
  const slotBlocks = BigInt(section.slotBlocks);
  let duePairs = 0;
  let dueRunInSlot = 0;
  let faultSlots = 0;
  let leftUnrun = 0;
  let slotsJudged = 0;
  for (let block = first; ; ) {
    const slot = slotAt(arrangements, block, slotBlocks);
    if (!slot || slot.endBlock > last) break;
    if (slot.executor) {
      const runs = index.runsIn(slot.startBlock, slot.endBlock - 1n);
      const replay = await replaySlot({
        client,
        contracts: section,
        slot: { startBlock: slot.startBlock, endBlock: slot.endBlock, executor: slot.executor, epoch: slot.epoch },
        workflows: index.workflows(),
        runs,
        reaction: { blocks: section.reactionBlocks, seconds: section.reactionSeconds },
      });
      slotsJudged++;
      duePairs += replay.due.length;
      const ran = new Set(runs.filter((r) => r.status === 'Succeeded' || r.status === 'Failed').map((r) => `${r.vault.toLowerCase()}:${r.id}`));
      dueRunInSlot += replay.due.filter((d) => ran.has(`${d.vault.toLowerCase()}:${d.id}`)).length;
      leftUnrun += replay.unrun.length;
      if (replay.fault) faultSlots++;
    }
    block = slot.endBlock;
  }
  const runs = index.runsIn(first, last).filter((r) => r.status === 'Succeeded' || r.status === 'Failed');
  const perBlock = new Map<bigint, number>();
  for (const r of runs) perBlock.set(r.blockNumber, (perBlock.get(r.blockNumber) ?? 0) + 1);
  const verdicts = await client.getContractEvents({ address: section.slotVerdicts, abi: SlotVerdictsAbi, eventName: 'VerdictPosted', fromBlock: first, toBlock: last });
  const gas = await Promise.all(verdicts.map(async (v) => Number((await client.getTransactionReceipt({ hash: v.transactionHash })).gasUsed)));
  return {
    seconds,
    workflows,
    runs: runs.length,
    blocksWithRuns: perBlock.size,
    maxRunsPerBlock: Math.max(0, ...perBlock.values()),
    slotsJudged,
    duePairs,
    dueRunInSlot,
    leftUnrun,
    shareRunInSlot: dueRunInSlot + leftUnrun === 0 ? 1 : dueRunInSlot / (dueRunInSlot + leftUnrun),
    faultSlots,
    verdictsPosted: verdicts.length,
    submitVerdictGas: gas.length === 0 ? 0 : Math.round(gas.reduce((a, b) => a + b, 0) / gas.length),
  };
}
