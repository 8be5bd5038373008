/**
 * The aggregator's Prometheus metrics: the task engine's, named `avs_state_proofs_*` (`runtime/tasks/metrics.ts`).
 */
import type { Registry } from 'prom-client';
import type { OperatorHub } from '../../../runtime/operators/hub.ts';
import { registerTaskEngineMetrics } from '../../../runtime/tasks/metrics.ts';
import type { Aggregator } from './aggregator.ts';
import type { TaskView } from './views.ts';

/** Registers the aggregator's metrics on `registry`; returns the hook to call when a task finishes. */
export function registerAggregatorMetrics(registry: Registry, aggregator: Aggregator, hub: OperatorHub): (task: TaskView) => void {
  return registerTaskEngineMetrics(registry, {
    prefix: 'avs_state_proofs',
    stats: () => aggregator.stats,
    activeTasks: () => aggregator.activeTaskCount,
    isRunning: () => aggregator.isRunning,
    connectedOperators: () => hub.connected().length,
  });
}
