/**
 * Prometheus metrics of a service's task engine (names `<prefix>_*`, e.g. `avs_state_proofs_tasks_total`;
 * `eigen_performance_score` per the EigenLayer node spec). Counters mirror the engine's stats at scrape time; the
 * latency histogram is fed as tasks finish.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { TaskEngineStats } from './engineOptions.ts';

/** What the metrics read. */
export type TaskEngineMetricsSource = {
  /** Metric name prefix, e.g. `avs_state_proofs`. */
  prefix: string;
  stats: () => TaskEngineStats;
  activeTasks: () => number;
  isRunning: () => boolean;
  connectedOperators: () => number;
};

/** A finished task, as the latency histogram needs it (unix ms). */
export type FinishedTask = { status: string; createdAt: number; aggregatedAt: number | null };

/** Registers the engine's metrics on `registry`; returns the hook to call when a task finishes. */
export function registerTaskEngineMetrics(registry: Registry, source: TaskEngineMetricsSource): (task: FinishedTask) => void {
  const { prefix, stats } = source;
  new Counter({
    name: `${prefix}_tasks_total`,
    help: 'Tasks by outcome: created, aggregated, failed',
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
    name: `${prefix}_signatures_total`,
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
    name: `${prefix}_proof_extensions_total`,
    help: 'Proofs rebuilt with late signatures',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats().proofsExtended);
    },
  });
  new Counter({
    name: `${prefix}_db_write_failures_total`,
    help: 'Failed database write batches (retried)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats().writeFailures);
    },
  });
  new Gauge({
    name: `${prefix}_active_tasks`,
    help: 'Tasks held in memory (unfinished, or in their late-signature window)',
    registers: [registry],
    collect() {
      this.set(source.activeTasks());
    },
  });
  new Gauge({
    name: `${prefix}_connected_operators`,
    help: 'Authenticated operator connections',
    registers: [registry],
    collect() {
      this.set(source.connectedOperators());
    },
  });
  new Gauge({
    name: 'eigen_performance_score',
    help: 'Node performance, 0 to 100: 100 running with operators connected, 50 running without, 0 stopped',
    registers: [registry],
    collect() {
      this.set(!source.isRunning() ? 0 : source.connectedOperators() > 0 ? 100 : 50);
    },
  });
  const latency = new Histogram({
    name: `${prefix}_time_to_proof_seconds`,
    help: 'Time from task creation to aggregation',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900],
    registers: [registry],
  });
  return (task: FinishedTask) => {
    if (task.status === 'aggregated' && task.aggregatedAt !== null) latency.observe(Math.max(0, task.aggregatedAt - task.createdAt) / 1000);
  };
}
