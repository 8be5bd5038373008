/**
 * An instrumented RPC client (EigenLayer AVS Node Specification, "Metrics"): every JSON-RPC request a viem client makes
 * is timed into `eigen_rpc_request_duration_seconds{method, client_version}` and counted in
 * `eigen_rpc_request_total{method, client_version}`, where `client_version` is the endpoint's `web3_clientVersion`
 * (read once per endpoint, `unknown` until then or if it fails).
 *
 * Call {@link instrumentRpcClients} once at process start with the process's registry; the clients
 * `makePublicClient` / `makeWalletClient` create afterwards are instrumented.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Transport } from 'viem';

/** The two RPC metrics of the node specification. */
export type RpcMetrics = {
  duration: Histogram<'method' | 'client_version'>;
  total: Counter<'method' | 'client_version'>;
};

let processMetrics: RpcMetrics | undefined;

/**
 * Registers the RPC metrics on `registry` and instruments every client created from now on in this process.
 * Calling it again with the same registry returns the same metrics; a different registry replaces them.
 */
export function instrumentRpcClients(registry: Registry): RpcMetrics {
  const existing = registry.getSingleMetric('eigen_rpc_request_total');
  if (processMetrics && existing === processMetrics.total) return processMetrics;
  processMetrics = {
    duration: new Histogram({
      name: 'eigen_rpc_request_duration_seconds',
      help: 'Duration of JSON-RPC requests, seconds',
      labelNames: ['method', 'client_version'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    total: new Counter({
      name: 'eigen_rpc_request_total',
      help: 'JSON-RPC requests made',
      labelNames: ['method', 'client_version'],
      registers: [registry],
    }),
  };
  return processMetrics;
}

/** The process's RPC metrics, if {@link instrumentRpcClients} was called. */
export function currentRpcMetrics(): RpcMetrics | undefined {
  return processMetrics;
}

/** Stops instrumenting new clients (tests). */
export function resetRpcMetrics(): void {
  processMetrics = undefined;
}

/**
 * Wraps `transport` so each request is timed and counted in `metrics`. The endpoint's `web3_clientVersion` is asked
 * once, on the first request, outside the metrics.
 */
export function instrumentTransport(transport: Transport, metrics: RpcMetrics): Transport {
  return (params) => {
    const inner = transport(params);
    let clientVersion = 'unknown';
    let asked = false;
    const askVersion = () => {
      asked = true;
      inner
        .request({ method: 'web3_clientVersion' })
        .then((v) => {
          if (typeof v === 'string' && v.length > 0) clientVersion = v.slice(0, 64);
        })
        .catch(() => {});
    };
    return {
      ...inner,
      request: (async (args: { method: string; params?: unknown }, options?: unknown) => {
        if (!asked) askVersion();
        const labels = { method: args.method, client_version: clientVersion };
        const end = metrics.duration.startTimer(labels);
        try {
          return await (inner.request as (a: unknown, o?: unknown) => Promise<unknown>)(args, options);
        } finally {
          end();
          metrics.total.inc(labels);
        }
      }) as typeof inner.request,
    };
  };
}
