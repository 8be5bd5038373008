/**
 * The aggregator's Prometheus metrics (names `avs_state_proofs_*`; `eigen_performance_score` per the node spec).
 * Counters mirror {@link Aggregator.stats} at scrape time; the latency histogram is fed as tasks finish.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Aggregator } from './aggregator.ts';
import type { OperatorHub } from '../../../runtime/operators/hub.ts';
import type { TaskView } from './views.ts';

/** Registers the aggregator's metrics on `registry`; returns the hook to call when a task finishes. */
export function registerAggregatorMetrics(registry: Registry, aggregator: Aggregator, hub: OperatorHub): (task: TaskView) => void {
  const stats = () => aggregator.stats;
  new Counter({
    name: 'avs_state_proofs_tasks_total',
    help: 'Proof tasks by outcome: created, aggregated, failed',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ outcome: 'created' }, stats().tasksCreated);
      this.inc({ outcome: 'aggregated' }, stats().tasksAggregated);
      this.inc({ outcome: 'failed' }, stats().tasksFailed);
    },
  });
  new Counter({
    name: 'avs_state_proofs_signatures_total',
    help: 'Operator signatures by result: accepted, duplicate, conflicting, rejected, unknown_task',
    labelNames: ['result'],
    registers: [registry],
    collect() {
      this.reset();
      const s = stats();
      this.inc({ result: 'accepted' }, s.signaturesAccepted);
      this.inc({ result: 'duplicate' }, s.signaturesDuplicate);
      this.inc({ result: 'conflicting' }, s.signaturesConflicting);
      this.inc({ result: 'rejected' }, s.signaturesRejected);
      this.inc({ result: 'unknown_task' }, s.signaturesUnknownTask);
    },
  });
  new Counter({
    name: 'avs_state_proofs_proof_extensions_total',
    help: 'Proofs rebuilt with late signatures',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats().proofsExtended);
    },
  });
  new Counter({
    name: 'avs_state_proofs_db_write_failures_total',
    help: 'Failed database write batches (retried)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats().writeFailures);
    },
  });
  new Gauge({
    name: 'avs_state_proofs_active_tasks',
    help: 'Tasks held in memory (unfinished, or in their late-signature window)',
    registers: [registry],
    collect() {
      this.set(aggregator.activeTaskCount);
    },
  });
  new Gauge({
    name: 'avs_state_proofs_connected_operators',
    help: 'Authenticated operator connections',
    registers: [registry],
    collect() {
      this.set(hub.connected().length);
    },
  });
  new Gauge({
    name: 'eigen_performance_score',
    help: 'Node performance, 0 to 100: 100 running with operators connected, 50 running without, 0 stopped',
    registers: [registry],
    collect() {
      this.set(!aggregator.isRunning ? 0 : hub.connected().length > 0 ? 100 : 50);
    },
  });
  const latency = new Histogram({
    name: 'avs_state_proofs_time_to_proof_seconds',
    help: 'Time from task creation to aggregation',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900],
    registers: [registry],
  });
  return (task) => {
    if (task.status === 'aggregated' && task.aggregatedAt !== null) latency.observe(Math.max(0, task.aggregatedAt - task.createdAt) / 1000);
  };
}
