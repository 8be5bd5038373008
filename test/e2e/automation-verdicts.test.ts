/**
 * Attesters, the aggregator and SlotVerdicts on a devnet, with the real processes' parts: 3 automation operator nodes
 * (executor + attester) and the aggregator service. A vault's time workflow is due every 2 s. The heaviest operator
 * runs with the skipSlots fault: every slot of its own in which the workflow was due gets a fault verdict and a slash;
 * every honest executor's slot gets a clean verdict; nobody is slashed for a slot that was not theirs. The verdict
 * digest the attesters sign is the contract's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Address, type PublicClient, getAddress, parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { AllocationManagerAbi, ExecutorScheduleAbi, SlotVerdictsAbi } from '../../src/core/chain/abis/generated/index.ts';
import { signingKeyFromPrivateKey } from '../../src/core/crypto/ecdsa.ts';
import { type Database, openDatabase } from '../../src/core/db/index.ts';
import { type DevnetVault, counterWorkflow, depositToVault, registerVaultWorkflow } from '../../src/devnet/automationWorkflows.ts';
import { silentLogger } from '../../src/core/logging.ts';
import { type AutomationAggregatorService, startAutomationAggregatorService } from '../../src/services/automation/aggregator/service.ts';
import type { AutomationDeployment } from '../../src/services/automation/deployment.ts';
import { AutomationOperatorNode } from '../../src/services/automation/operator/node.ts';
import { slotVerdictDigest } from '../../src/services/automation/verdict.ts';
import { advanceToEpoch, currentEpoch } from '../../src/devnet/time.ts';
import { createArrangementReader, readArrangements } from '../../src/services/automation/arrangements.ts';
import { type AutomationTestDevnet, startAutomationDevnet } from '../helpers/automationDevnet.ts';
import { waitFor } from '../helpers/wait.ts';

describe('automation verdicts on a devnet', () => {
  let t: AutomationTestDevnet;
  let client: PublicClient;
  let deployment: AutomationDeployment;
  let database: Database;
  let aggregator: AutomationAggregatorService;
  let nodes: AutomationOperatorNode[] = [];
  let faulty: Address;

  before(async () => {
    t = await startAutomationDevnet({ slotBlocks: 6 });
    client = t.client;
    deployment = { ...t.devnet.deployment, automation: t.section };
    const chain = t.devnet.chains[0]!;
    const vault: DevnetVault = { client, account: t.vault, entryPoint: t.section.entryPoint };
    await depositToVault(vault, parseEther('10'));
    await registerVaultWorkflow(vault, counterWorkflow(t.targets.counter, 2n, (await client.getBlock()).timestamp));
    database = await openDatabase({ sqlitePath: ':memory:' });
    aggregator = await startAutomationAggregatorService({ deployment, database, account: t.devnet.deployer, port: 0, pollMs: 200 });
    // The heaviest operator skips its slots.
    faulty = t.automation.operators.reduce((a, b) => (b.stake > a.stake ? b : a)).address;
    const seeded = t.devnet.operators;
    nodes = t.automation.operators.map(
      (o, i) =>
        new AutomationOperatorNode({
          deployment,
          client,
          rpcUrl: chain.rpcUrl,
          wsUrl: chain.wsUrl,
          aggregatorUrl: aggregator.wsUrl,
          operator: o.address,
          signingKey: signingKeyFromPrivateKey(seeded[i]!.signingKey),
          executionAccount: privateKeyToAccount(o.signer!.key),
          skipSlots: o.address === faulty,
          logger: silentLogger(),
        }),
    );
    await Promise.all(nodes.map((n) => n.start()));
  });

  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await aggregator?.close();
    await database?.close();
    await t?.stop();
  });

  it('posts a fault verdict and slashes the executor that skipped its slot, and clean verdicts for the others', async () => {
    const allocation = () =>
      client.readContract({
        address: t.devnet.deployment.eigenlayer.allocationManager,
        abi: AllocationManagerAbi,
        functionName: 'getAllocation',
        args: [faulty, { avs: t.section.serviceManager, id: 0 }, t.automation.strategy],
      });
    const before = (await allocation()).currentMagnitude;
    const verdicts = async () =>
      client.getContractEvents({ address: t.section.slotVerdicts, abi: SlotVerdictsAbi, eventName: 'VerdictPosted', fromBlock: 0n });
    await waitFor('a fault verdict and two clean ones', async () => {
      const posted = await verdicts();
      const faults = posted.filter((v) => v.args.fault);
      const clean = posted.filter((v) => !v.args.fault);
      return faults.length >= 1 && clean.length >= 2 ? true : undefined;
    });
    const posted = await verdicts();
    for (const v of posted) {
      const [scheduled] = await client.readContract({ address: t.section.executorSchedule, abi: ExecutorScheduleAbi, functionName: 'executorAt', args: [v.args.slotStartBlock!] });
      assert.equal(getAddress(v.args.executor!), getAddress(scheduled), 'a verdict names the slot’s own executor');
      if (v.args.fault) assert.equal(getAddress(v.args.executor!), faulty, 'only the faulty executor is found at fault');
    }
    const slashes = await client.getContractEvents({ address: t.section.slotVerdicts, abi: SlotVerdictsAbi, eventName: 'ExecutorSlashed', fromBlock: 0n });
    assert.ok(slashes.length >= 1);
    for (const s of slashes) assert.equal(getAddress(s.args.executor!), faulty);
    assert.ok((await allocation()).currentMagnitude < before, 'the faulty executor’s allocation was slashed');

    // What the attesters signed is the contract's digest.
    const v = posted[0]!.args;
    const verdict = { slotStartBlock: v.slotStartBlock!, executor: v.executor!, dueWorkflows: v.dueWorkflows!, fault: v.fault!, referenceEpoch: t.arrangement.epoch };
    const onChain = await client.readContract({ address: t.section.slotVerdicts, abi: SlotVerdictsAbi, functionName: 'verdictDigest', args: [verdict] });
    assert.equal(slotVerdictDigest(verdict, { chainId: deployment.mainChainId, slotVerdicts: t.section.slotVerdicts }), onChain);

    const stats = nodes.map((n) => n.stats);
    assert.ok(stats.some((s) => (s.attester?.faultsFound ?? 0) > 0), 'attesters found the fault');
    const faultyNode = nodes[t.automation.operators.findIndex((o) => o.address === faulty)]!;
    assert.equal(faultyNode.stats.executor.workflowsSucceeded, 0, 'the faulty executor ran nothing');
  });

  it('keeps judging slots after the next epoch is arranged (every attester reads the new arrangement)', async () => {
    const arranged = async () => (await readArrangements(client, t.section.executorSchedule)).length;
    // A reader as an attester keeps one: read now, then by several tasks at once once an arrangement is added.
    const reader = createArrangementReader(client, t.section.executorSchedule);
    await reader.read();
    const epoch = await currentEpoch(client, deployment.epoch);
    for (const e of [epoch + 1, epoch + 2]) {
      const before = await arranged();
      await advanceToEpoch(client, deployment.epoch, e);
      await waitFor(`the aggregator to arrange epoch ${e}`, async () => ((await arranged()) > before ? true : undefined));
      const concurrent = await Promise.all([reader.read(), reader.read(), reader.read()]);
      for (const list of concurrent) assert.deepEqual(list.map((a) => a.epoch), (await readArrangements(client, t.section.executorSchedule)).map((a) => a.epoch));
    }
    const next = (await readArrangements(client, t.section.executorSchedule)).at(-1)!;
    await waitFor('two verdicts on slots of the new arrangement', async () => {
      const posted = await client.getContractEvents({ address: t.section.slotVerdicts, abi: SlotVerdictsAbi, eventName: 'VerdictPosted', fromBlock: next.startBlock });
      return posted.filter((v) => v.args.slotStartBlock! >= next.startBlock).length >= 2 ? true : undefined;
    });
    const refused = nodes.reduce((n, node) => n + (node.stats.attester?.tasksRefused ?? 0), 0);
    const executorSlots = nodes.reduce((n, node) => n + node.stats.executor.slotsHeld, 0);
    assert.ok(refused <= executorSlots, `attesters refuse only the slots they executed themselves (${refused} refusals, ${executorSlots} own slots)`);
  });
});

