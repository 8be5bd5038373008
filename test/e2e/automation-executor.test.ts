/**
 * The automation executors of 3 operators on a devnet: a vault registers a time workflow (DevnetCounter.increment
 * every 3 s) and a condition workflow (DevnetPriceFeed.checkPriceAbove); every run lands in a block whose slot belongs
 * to the sender's operator (ExecutorSchedule.executorAt), the counter goes up, the condition workflow runs only once
 * the price has crossed its level, and an executor with the skipSlots fault leaves its slots without runs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Address, type PublicClient, getAddress, parseEther, parseEventLogs } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { DevnetCounterAbi, DevnetPriceFeedAbi, DittoEntryPointAbi, ExecutorScheduleAbi } from '../../src/core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../../src/core/chain/clients.ts';
import { RunStatus, type WorkflowRef } from '../../src/services/automation/operator/batching.ts';
import { AutomationExecutor, type WorkflowCandidates } from '../../src/services/automation/operator/executor.ts';
import { type DevnetVault, counterWorkflow, depositToVault, priceAboveWorkflow, registerVaultWorkflow } from '../../src/devnet/automationWorkflows.ts';
import { type AutomationTestDevnet, startAutomationDevnet } from '../helpers/automationDevnet.ts';
import { waitFor } from '../helpers/wait.ts';

const LEVEL = 2_500n * 10n ** 8n;

/** Every workflow id of the known vaults (the executor's simulation tells which are due). */
function vaultCandidates(client: PublicClient, entryPoint: Address, vaults: readonly Address[]): WorkflowCandidates {
  return async (head) => {
    const counts = await Promise.all(vaults.map((vault) => client.readContract({ address: entryPoint, abi: DittoEntryPointAbi, functionName: 'workflowCount', args: [vault], blockNumber: head })));
    return vaults.flatMap((vault, i): WorkflowRef[] => Array.from({ length: Number(counts[i]) }, (_, id) => ({ vault, id: BigInt(id) })));
  };
}

describe('automation executors on a devnet', () => {
  let t: AutomationTestDevnet;
  let client: PublicClient;
  let executors: AutomationExecutor[] = [];
  /** Delegated signer → operator. */
  const operatorOf = new Map<string, Address>();

  const startExecutors = async (faulty?: Address): Promise<AutomationExecutor[]> => {
    const chain = t.devnet.chains[0]!;
    executors = t.automation.operators.map(
      (o, i) =>
        new AutomationExecutor({
          chainId: chain.chainId,
          rpcUrl: chain.rpcUrl,
          // Operator 0 polls over HTTP, the others subscribe over WebSocket: both ways of following heads run.
          wsUrl: i === 0 ? undefined : chain.wsUrl,
          section: t.section,
          operator: o.address,
          account: privateKeyToAccount(o.signer!.key),
          candidates: vaultCandidates(client, t.section.entryPoint, [t.vault.address]),
          skipSlots: o.address === faulty,
        }),
    );
    await Promise.all(executors.map((e) => e.start()));
    return executors;
  };
  const stopExecutors = async () => {
    await Promise.all(executors.map((e) => e.stop()));
    executors = [];
  };

  /** Runs (Succeeded or Failed WorkflowRun logs) between two blocks, each with its block's scheduled operator. */
  const runsBetween = async (fromBlock: bigint, toBlock: bigint) => {
    const logs = await client.getContractEvents({ address: t.section.entryPoint, abi: DittoEntryPointAbi, eventName: 'WorkflowRun', fromBlock, toBlock });
    const runs = logs.filter((l) => l.args.status === RunStatus.Succeeded || l.args.status === RunStatus.Failed);
    return Promise.all(
      runs.map(async (l) => {
        const [scheduled] = await client.readContract({ address: t.section.executorSchedule, abi: ExecutorScheduleAbi, functionName: 'executorAt', args: [l.blockNumber] });
        return { log: l, scheduled: getAddress(scheduled), sender: operatorOf.get(l.args.executor!.toLowerCase()) };
      }),
    );
  };

  before(async () => {
    t = await startAutomationDevnet();
    client = t.client;
    for (const o of t.automation.operators) operatorOf.set(o.signer!.address.toLowerCase(), o.address);
    const vault: DevnetVault = { client, account: t.vault, entryPoint: t.section.entryPoint };
    await depositToVault(vault, parseEther('10'));
    await registerVaultWorkflow(vault, counterWorkflow(t.targets.counter, 3n, (await client.getBlock()).timestamp));
    await registerVaultWorkflow(vault, priceAboveWorkflow(t.targets.priceFeed, LEVEL));
  });

  after(async () => {
    await stopExecutors();
    await t?.stop();
  });

  it('runs workflows only in the sender operator’s slots; the condition workflow only once the price crossed its level', async () => {
    const from = await client.getBlockNumber();
    await startExecutors();
    const count = () => client.readContract({ address: t.targets.counter, abi: DevnetCounterAbi, functionName: 'count' });
    await waitFor('the counter to reach 4', async () => ((await count()) >= 4n ? true : undefined));
    assert.equal(await client.readContract({ address: t.targets.priceFeed, abi: DevnetPriceFeedAbi, functionName: 'triggers' }), 0n, 'below its level, the condition workflow never ran');

    const wallet = makeWalletClient(t.devnet.deployment.mainChainId, t.devnet.chains[0]!.rpcUrl, t.vault);
    const raised = await client.waitForTransactionReceipt({
      hash: await wallet.writeContract({ address: t.targets.priceFeed, abi: DevnetPriceFeedAbi, functionName: 'setPrice', args: [LEVEL + 1n] }),
    });
    await waitFor('the condition workflow to run', async () =>
      (await client.readContract({ address: t.targets.priceFeed, abi: DevnetPriceFeedAbi, functionName: 'triggers' })) > 0n ? true : undefined,
    );
    await client.waitForTransactionReceipt({
      hash: await wallet.writeContract({ address: t.targets.priceFeed, abi: DevnetPriceFeedAbi, functionName: 'setPrice', args: [LEVEL - 1n] }),
    });
    const stats = executors.map((e) => ({ ...e.stats }));
    await stopExecutors();

    const to = await client.getBlockNumber();
    const runs = await runsBetween(from, to);
    assert.ok(runs.length >= 5, `expected runs, got ${runs.length}`);
    for (const r of runs) {
      assert.ok(r.sender, `run in block ${r.log.blockNumber} sent by ${r.log.args.executor}, not a delegated signer`);
      assert.equal(r.sender, r.scheduled, `run in block ${r.log.blockNumber} by ${r.sender}, whose slot it is not (${r.scheduled})`);
      assert.equal(r.log.args.status, RunStatus.Succeeded);
    }
    const conditionRuns = runs.filter((r) => r.log.args.id === 1n);
    assert.ok(conditionRuns.length > 0);
    for (const r of conditionRuns) assert.ok(r.log.blockNumber > raised.blockNumber, 'the condition workflow ran before the price crossed its level');
    const triggered = parseEventLogs({
      abi: DevnetPriceFeedAbi,
      eventName: 'PriceAboveTriggered',
      logs: await client.getLogs({ address: t.targets.priceFeed, fromBlock: from, toBlock: to }),
    });
    assert.ok(triggered.every((l) => l.args.price! > LEVEL));
    assert.equal(getAddress(await client.readContract({ address: t.targets.counter, abi: DevnetCounterAbi, functionName: 'lastCaller' })), t.section.entryPoint);
    // The executors' own counters agree with the chain.
    assert.equal(stats.reduce((s, x) => s + x.workflowsSucceeded, 0), runs.length);
    // (A batch can still revert when an interval block slips in before it at the end of a slot: not asserted.)
    assert.ok(stats.some((s) => s.slotsHeld > 0 && s.transactionsSent > 0));
  });

  it('with skipSlots, the faulty operator’s slots have no runs while the others keep running theirs', async () => {
    // The largest stake holds about half the slots.
    const faulty = t.automation.operators[2]!.address;
    const from = (await client.getBlockNumber()) + 1n;
    const started = await startExecutors(faulty);
    const faultyExecutor = started[2]!;
    const others = started.slice(0, 2);
    await waitFor('the faulty executor to miss 2 slots and the others to run', () =>
      faultyExecutor.stats.slotsMissed >= 2 && others.some((e) => e.stats.workflowsSucceeded > 0) ? true : undefined,
    );
    await stopExecutors();
    const to = await client.getBlockNumber();

    const runs = await runsBetween(from, to);
    assert.ok(runs.length > 0);
    for (const r of runs) {
      assert.notEqual(r.scheduled, faulty, `a run in block ${r.log.blockNumber}, a slot of the faulty operator`);
      assert.equal(r.sender, r.scheduled);
    }
    assert.equal(faultyExecutor.stats.transactionsSent, 0);
    assert.ok(faultyExecutor.stats.slotsHeld >= 2);
    assert.ok(faultyExecutor.stats.blocksSkipped > 0);
  });
});
