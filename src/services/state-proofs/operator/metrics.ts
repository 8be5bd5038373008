/**
 * The operator node's Prometheus metrics (EigenLayer AVS Node Specification, "Metrics", plus `avs_state_proofs_operator_*`):
 *
 * | metric | meaning |
 * |---|---|
 * | `eigen_registered_stakes{quorum_number="0", quorum_name="state-proofs"}` | the operator's registered weight (Σ shares × multiplier / 10000) |
 * | `eigen_performance_score` | 0..100: tasks answered with a signature out of tasks received (100 before any task) |
 * | `eigen_fees_earned_total{token}` | rewards assigned to the operator by this AVS's operator-directed submissions, token base units |
 * | `eigen_slashing_status` | 1 once the StateDisputeResolver slashed the operator, else 0 |
 * | `avs_state_proofs_operator_tasks_total{outcome}` | tasks received, signed, re-sent from the journal, refused |
 * | `avs_state_proofs_operator_connected` | 1 while authenticated with the aggregator |
 *
 * Chain-backed values are read at most every `refreshMs` (default 30 s), in the background: a scrape never waits on RPC.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { type Address, type PublicClient, getAddress } from 'viem';
import { ECDSAStakeRegistryAbi, RewardsCoordinatorAbi, StateDisputeResolverAbi } from '../../../core/chain/abis/generated/index.ts';
import type { StateProofsDeployment } from '../deployment.ts';
import type { Logger } from '../../../core/logging.ts';
import type { OperatorNode } from './node.ts';

/** Options of {@link registerOperatorMetrics}. */
export type OperatorMetricsOptions = {
  registry: Registry;
  node: OperatorNode;
  operator: Address;
  deployment: StateProofsDeployment;
  /** Main-chain client. */
  client: PublicClient;
  refreshMs?: number;
  logger?: Logger;
};

/** Chain-backed values, as last read. */
type ChainView = { weight: bigint; fees: Map<string, bigint>; slashed: boolean };

/**
 * Registers the operator's metrics on `registry`. Returns a function that stops the background refresh.
 */
export function registerOperatorMetrics(options: OperatorMetricsOptions): () => void {
  const { registry, node, deployment, client } = options;
  const operator = getAddress(options.operator);
  const refreshMs = options.refreshMs ?? 30_000;
  const view: ChainView = { weight: 0n, fees: new Map(), slashed: false };
  let refreshedAt = 0;
  let refreshing: Promise<void> | undefined;
  let stopped = false;

  const refresh = () => {
    if (stopped || refreshing || Date.now() - refreshedAt < refreshMs) return;
    refreshedAt = Date.now();
    refreshing = readChain(client, deployment, operator, view)
      .catch((error) => options.logger?.warn({ err: String((error as Error).message).split('\n')[0] }, 'cannot refresh operator metrics from the chain'))
      .finally(() => {
        refreshing = undefined;
      });
  };
  refresh();

  new Gauge({
    name: 'eigen_registered_stakes',
    help: "The operator's registered weight in the AVS's quorum (weight units: shares x multiplier / 10000)",
    labelNames: ['quorum_number', 'quorum_name'],
    registers: [registry],
    collect() {
      refresh();
      this.set({ quorum_number: '0', quorum_name: 'state-proofs' }, Number(view.weight));
    },
  });
  new Gauge({
    name: 'eigen_performance_score',
    help: 'Tasks answered with a signature out of tasks received, 0..100',
    registers: [registry],
    collect() {
      const s = node.stats;
      const answered = s.tasksReceived - s.taskErrors;
      this.set(s.tasksReceived === 0 ? 100 : Math.max(0, Math.round((100 * answered) / s.tasksReceived)));
    },
  });
  new Counter({
    name: 'eigen_fees_earned_total',
    help: "Rewards assigned to this operator by the AVS's operator-directed rewards submissions, token base units",
    labelNames: ['token'],
    registers: [registry],
    collect() {
      refresh();
      this.reset();
      for (const [token, amount] of view.fees) this.inc({ token }, Number(amount));
    },
  });
  new Gauge({
    name: 'eigen_slashing_status',
    help: '1 once the operator was slashed for a wrong attestation, else 0',
    registers: [registry],
    collect() {
      refresh();
      this.set(view.slashed ? 1 : 0);
    },
  });
  new Counter({
    name: 'avs_state_proofs_operator_tasks_total',
    help: 'Tasks by outcome: received, signed, reused (answered again from the journal), refused',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      const s = node.stats;
      this.reset();
      this.inc({ outcome: 'received' }, s.tasksReceived);
      this.inc({ outcome: 'signed' }, s.signaturesSent);
      this.inc({ outcome: 'reused' }, s.signaturesReused);
      this.inc({ outcome: 'refused' }, s.taskErrors);
    },
  });
  new Gauge({
    name: 'avs_state_proofs_operator_connected',
    help: '1 while authenticated with the aggregator',
    registers: [registry],
    collect() {
      this.set(node.stats.authenticated ? 1 : 0);
    },
  });

  return () => {
    stopped = true;
  };
}

async function readChain(client: PublicClient, deployment: StateProofsDeployment, operator: Address, view: ChainView): Promise<void> {
  view.weight = await client.readContract({
    address: deployment.stateProofs.stakeRegistry,
    abi: ECDSAStakeRegistryAbi,
    functionName: 'getLatestOperatorWeight',
    args: [operator],
  });
  const submissions = await client.getContractEvents({
    address: deployment.eigenlayer.rewardsCoordinator,
    abi: RewardsCoordinatorAbi,
    eventName: 'OperatorDirectedAVSRewardsSubmissionCreated',
    args: { avs: deployment.stateProofs.serviceManager },
    fromBlock: 0n,
  });
  const fees = new Map<string, bigint>();
  for (const e of submissions) {
    const submission = e.args.operatorDirectedRewardsSubmission;
    if (!submission) continue;
    for (const r of submission.operatorRewards) {
      if (getAddress(r.operator) !== operator) continue;
      const token = getAddress(submission.token);
      fees.set(token, (fees.get(token) ?? 0n) + r.amount);
    }
  }
  view.fees = fees;
  const resolver = deployment.stateProofs.stateDisputeResolver;
  if (resolver) {
    const slashes = await client.getContractEvents({
      address: resolver,
      abi: StateDisputeResolverAbi,
      eventName: 'SignerSlashed',
      args: { operator },
      fromBlock: 0n,
    });
    view.slashed = slashes.length > 0;
  }
}
