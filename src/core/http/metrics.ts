/**
 * Prometheus metrics over HTTP (docs/architecture.md, "Off-chain rules"): `GET /metrics` serves a prom-client registry in the
 * text exposition format. Services create their own registry and metrics; AVS-specific names never use the `eigen_`
 * prefix, which the EigenLayer node specification reserves for its own metrics.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance } from 'fastify';

/** A registry with the process's default metrics (CPU, memory, event loop lag), labelled with `avs_name`. */
export function createMetricsRegistry(avsName: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ avs_name: avsName });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Adds `GET /metrics` (hidden from the OpenAPI document) serving `registry`. */
export function registerMetricsRoute(app: FastifyInstance, registry: Registry): void {
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}
