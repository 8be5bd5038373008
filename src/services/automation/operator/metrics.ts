/**
 * The automation operator node's Prometheus metrics (EigenLayer AVS Node Specification, "Metrics", plus
 * `avs_automation_operator_*`):
 *
 * | metric | meaning |
 * |---|---|
 * | `eigen_registered_stakes{quorum_number="0", quorum_name="automation"}` | the operator's latest weight in the automation stake registry (weight units) |
 * | `eigen_performance_score` | 0..100: own slots not missed out of own slots seen (100 before any) |
 * | `eigen_slashing_status` | 1 once SlotVerdicts slashed the operator as executor (an `ExecutorSlashed` event), else 0 |
 * | `avs_automation_operator_workflows_total{outcome}` | workflow runs in this node's landed batches: `succeeded`, `failed` |
 * | `avs_automation_operator_gas_used_total` | gas used by this node's landed batches (units) |
 * | `avs_automation_operator_slots_total{kind}` | own slots `held` (seen), and `missed` (due work found, no run landed) |
 * | `avs_automation_operator_verdicts_total{verdict}` | verdicts the attester signed: `clean`, `fault` |
 * | `avs_automation_operator_connected` | 1 while authenticated with the aggregator |
 *
 * Chain-backed values are read at most every `refreshMs` (default 30 s), in the background: a scrape never waits on RPC.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { type Address, type PublicClient, getAddress } from 'viem';
import { ECDSAStakeRegistryAbi, SlotVerdictsAbi } from '../../../core/chain/abis/generated/index.ts';
import type { Logger } from '../../../core/logging.ts';
import type { AutomationContracts } from '../deployment.ts';
import type { AutomationOperatorNode } from './node.ts';

/** Options of {@link registerAutomationOperatorMetrics}. */
export type AutomationOperatorMetricsOptions = {
  registry: Registry;
  node: AutomationOperatorNode;
  operator: Address;
  contracts: Pick<AutomationContracts, 'stakeRegistry' | 'slotVerdicts'>;
  /** Main-chain client. */
  client: PublicClient;
  /** First block of the automation contracts' events (default 0). */
  fromBlock?: bigint;
  refreshMs?: number;
  logger?: Logger;
};

type ChainView = { weight: bigint; slashed: boolean };

/** Registers the node's metrics on `registry`. Returns a function that stops the background refresh. */
export function registerAutomationOperatorMetrics(options: AutomationOperatorMetricsOptions): () => void {
  const { registry, node, client, contracts } = options;
  const operator = getAddress(options.operator);
  const refreshMs = options.refreshMs ?? 30_000;
  const view: ChainView = { weight: 0n, slashed: false };
  let refreshedAt = 0;
  let refreshing: Promise<void> | undefined;
  let stopped = false;

  const refresh = () => {
    if (stopped || refreshing || Date.now() - refreshedAt < refreshMs) return;
    refreshedAt = Date.now();
    refreshing = readChain(client, contracts, operator, options.fromBlock ?? 0n, view)
      .catch((error) => options.logger?.warn({ err: String((error as Error).message).split('\n')[0] }, 'cannot refresh operator metrics from the chain'))
      .finally(() => {
        refreshing = undefined;
      });
  };
  refresh();

  new Gauge({
    name: 'eigen_registered_stakes',
    help: "The operator's latest weight in the automation stake registry (weight units: slashable stake x multiplier / 10000)",
    labelNames: ['quorum_number', 'quorum_name'],
    registers: [registry],
    collect() {
      refresh();
      this.set({ quorum_number: '0', quorum_name: 'automation' }, Number(view.weight));
    },
  });
  new Gauge({
    name: 'eigen_performance_score',
    help: 'Own executor slots not missed out of own slots seen, 0..100',
    registers: [registry],
    collect() {
      const { slotsHeld, slotsMissed } = node.stats.executor;
      this.set(slotsHeld === 0 ? 100 : Math.max(0, Math.min(100, Math.round((100 * (slotsHeld - slotsMissed)) / slotsHeld))));
    },
  });
  new Gauge({
    name: 'eigen_slashing_status',
    help: '1 once SlotVerdicts slashed the operator as executor of a slot, else 0',
    registers: [registry],
    collect() {
      refresh();
      this.set(view.slashed ? 1 : 0);
    },
  });
  new Counter({
    name: 'avs_automation_operator_workflows_total',
    help: "Workflow runs in this node's landed batches, by outcome: succeeded, failed",
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      const s = node.stats.executor;
      this.reset();
      this.inc({ outcome: 'succeeded' }, s.workflowsSucceeded);
      this.inc({ outcome: 'failed' }, s.workflowsFailed);
    },
  });
  new Counter({
    name: 'avs_automation_operator_gas_used_total',
    help: "Gas used by this node's landed batches (units)",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(Number(node.stats.executor.gasUsed));
    },
  });
  new Counter({
    name: 'avs_automation_operator_slots_total',
    help: 'Own executor slots: held (seen from their first block), missed (due work found, no run landed)',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      const s = node.stats.executor;
      this.reset();
      this.inc({ kind: 'held' }, s.slotsHeld);
      this.inc({ kind: 'missed' }, s.slotsMissed);
    },
  });
  new Counter({
    name: 'avs_automation_operator_verdicts_total',
    help: "Verdicts on other executors' slots signed by this node's attester: clean, fault",
    labelNames: ['verdict'],
    registers: [registry],
    collect() {
      const a = node.stats.attester;
      this.reset();
      this.inc({ verdict: 'clean' }, (a?.verdictsSigned ?? 0) - (a?.faultsFound ?? 0));
      this.inc({ verdict: 'fault' }, a?.faultsFound ?? 0);
    },
  });
  new Gauge({
    name: 'avs_automation_operator_connected',
    help: '1 while authenticated with the aggregator',
    registers: [registry],
    collect() {
      this.set(node.stats.attester?.authenticated ? 1 : 0);
    },
  });

  return () => {
    stopped = true;
  };
}

async function readChain(client: PublicClient, contracts: AutomationOperatorMetricsOptions['contracts'], operator: Address, fromBlock: bigint, view: ChainView): Promise<void> {
  view.weight = await client.readContract({ address: contracts.stakeRegistry, abi: ECDSAStakeRegistryAbi, functionName: 'getLatestOperatorWeight', args: [operator] });
  if (view.slashed) return;
  const slashes = await client.getContractEvents({ address: contracts.slotVerdicts, abi: SlotVerdictsAbi, eventName: 'ExecutorSlashed', args: { executor: operator }, fromBlock });
  view.slashed = slashes.length > 0;
}
