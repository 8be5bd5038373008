/**
 * The multi-prover operator node's Prometheus metrics (EigenLayer AVS Node Specification, "Metrics", plus
 * `avs_multi_prover_operator_*`):
 *
 * | metric | meaning |
 * |---|---|
 * | `eigen_registered_stakes{quorum_number, quorum_name}` | the operator's latest weight in each TEE quorum of the deployment (weight units) |
 * | `eigen_performance_score` | 0..100: tasks answered with a signature out of tasks received (100 before any task) |
 * | `eigen_fees_earned_total{token}` | rewards assigned to the operator by this AVS's operator-directed submissions, token base units |
 * | `eigen_slashing_status` | 1 once the MultiProverRegistry froze the operator (slashed for equivocation), else 0 |
 * | `avs_multi_prover_operator_tasks_total{outcome}` | tasks received, signed, refused, and refused as equivocation |
 * | `avs_multi_prover_operator_connected` | 1 while authenticated with the aggregator |
 * | `avs_multi_prover_operator_prover_live_until_seconds{tee_type}` | when the prover's on-chain liveness ends, unix seconds (0: not live) |
 * | `avs_multi_prover_operator_attestations_submitted_total{tee_type}` | liveness proofs this process submitted |
 *
 * Chain-backed values are read at most every `refreshMs` (default 30 s), in the background: a scrape never waits on RPC.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { type Address, type PublicClient, getAddress } from 'viem';
import { MultiProverRegistryAbi, RewardsCoordinatorAbi } from '../../../core/chain/abis/generated/index.ts';
import type { Logger } from '../../../core/logging.ts';
import type { MultiProverDeployment } from '../deployment.ts';
import type { AttestationKeeper } from './attestation.ts';
import type { MultiProverOperatorNode } from './node.ts';

/** Options of {@link registerMultiProverOperatorMetrics}. */
export type MultiProverOperatorMetricsOptions = {
  registry: Registry;
  node: MultiProverOperatorNode;
  keeper: AttestationKeeper;
  /** The TEE type the keeper's prover runs in (label of the prover metrics). */
  teeType: string;
  operator: Address;
  deployment: MultiProverDeployment;
  /** Main-chain client. */
  client: PublicClient;
  refreshMs?: number;
  logger?: Logger;
};

type ChainView = { weights: Map<number, bigint>; fees: Map<string, bigint>; frozen: boolean };

/** Registers the node's metrics on `registry`. Returns a function that stops the background refresh. */
export function registerMultiProverOperatorMetrics(options: MultiProverOperatorMetricsOptions): () => void {
  const { registry, node, keeper, deployment, client, teeType } = options;
  const operator = getAddress(options.operator);
  const refreshMs = options.refreshMs ?? 30_000;
  const view: ChainView = { weights: new Map(), fees: new Map(), frozen: false };
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
    help: "The operator's latest weight in each quorum of the AVS (weight units: slashable stake x multiplier / 10000)",
    labelNames: ['quorum_number', 'quorum_name'],
    registers: [registry],
    collect() {
      refresh();
      for (const q of deployment.multiProver.teeQuorums) {
        this.set({ quorum_number: String(q.quorumNumber), quorum_name: `multi-prover-${q.teeType}` }, Number(view.weights.get(q.quorumNumber) ?? 0n));
      }
    },
  });
  new Gauge({
    name: 'eigen_performance_score',
    help: 'Tasks answered with a signature out of tasks received, 0..100',
    registers: [registry],
    collect() {
      const s = node.stats;
      this.set(s.tasksReceived === 0 ? 100 : Math.max(0, Math.min(100, Math.round((100 * s.tasksSigned) / s.tasksReceived))));
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
    help: '1 once the operator was frozen (slashed for equivocation), else 0',
    registers: [registry],
    collect() {
      refresh();
      this.set(view.frozen ? 1 : 0);
    },
  });
  new Counter({
    name: 'avs_multi_prover_operator_tasks_total',
    help: 'Tasks by outcome: received, signed, refused (task errors), equivocation (refused: another state was signed before)',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      const s = node.stats;
      this.reset();
      this.inc({ outcome: 'received' }, s.tasksReceived);
      this.inc({ outcome: 'signed' }, s.tasksSigned);
      this.inc({ outcome: 'refused' }, s.tasksRefused);
      this.inc({ outcome: 'equivocation' }, s.equivocationsRefused);
    },
  });
  new Gauge({
    name: 'avs_multi_prover_operator_connected',
    help: '1 while authenticated with the aggregator',
    registers: [registry],
    collect() {
      this.set(node.stats.authenticated ? 1 : 0);
    },
  });
  new Gauge({
    name: 'avs_multi_prover_operator_prover_live_until_seconds',
    help: "When the prover's on-chain liveness ends as last seen, unix seconds (0: not live)",
    labelNames: ['tee_type'],
    registers: [registry],
    collect() {
      this.set({ tee_type: teeType }, keeper.liveUntil);
    },
  });
  new Counter({
    name: 'avs_multi_prover_operator_attestations_submitted_total',
    help: 'Liveness proofs (TEELivenessVerifier.submitLivenessProof) this process submitted',
    labelNames: ['tee_type'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ tee_type: teeType }, keeper.stats.attestationsSubmitted);
    },
  });

  return () => {
    stopped = true;
  };
}

async function readChain(client: PublicClient, deployment: MultiProverDeployment, operator: Address, view: ChainView): Promise<void> {
  const { registry, serviceManager, teeQuorums } = deployment.multiProver;
  const weights = new Map<number, bigint>();
  for (const q of teeQuorums) {
    weights.set(
      q.quorumNumber,
      await client.readContract({ address: registry, abi: MultiProverRegistryAbi, functionName: 'getLatestOperatorWeight', args: [q.quorumNumber, operator] }),
    );
  }
  view.weights = weights;
  view.frozen = await client.readContract({ address: registry, abi: MultiProverRegistryAbi, functionName: 'isFrozen', args: [operator] });
  const submissions = await client.getContractEvents({
    address: deployment.eigenlayer.rewardsCoordinator,
    abi: RewardsCoordinatorAbi,
    eventName: 'OperatorDirectedAVSRewardsSubmissionCreated',
    args: { avs: serviceManager },
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
}
