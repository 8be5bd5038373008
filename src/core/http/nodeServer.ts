/**
 * The HTTP side every long-running process without an API of its own serves (operator nodes, the relayer, watchtowers): the
 * EigenLayer node API under `/eigen` and Prometheus metrics at `/metrics`, on one port.
 *
 * ```ts
 * const server = await startNodeServer({ port: 9090, nodeName: 'avs-stack <service> operator', nodeVersion: '0.1.0', registry, services });
 * // server.url: http://127.0.0.1:9090 — GET /eigen/node, /eigen/node/health, /metrics
 * await server.close();
 * ```
 */
import type { Registry } from 'prom-client';
import type { Logger } from '../logging.ts';
import { registerMetricsRoute } from './metrics.ts';
import { type NodeService, eigenNodeApi } from './nodeApi.ts';
import { createHttpServer } from './server.ts';

/** Options of {@link startNodeServer}. */
export type NodeServerOptions = {
  /** Interface (default 127.0.0.1). */
  host?: string;
  /** Port (0: a free one). */
  port: number;
  /** `node_name` and `node_version` of the node API. */
  nodeName: string;
  nodeVersion: string;
  /** Served at `/metrics`. */
  registry: Registry;
  /** Backing services reported by the node API. */
  services: readonly NodeService[];
  logger?: Logger;
};

/** A listening node server. */
export type NodeServer = { url: string; port: number; close(): Promise<void> };

/**
 * Starts the node API and metrics server.
 * @throws when the port cannot be bound (e.g. EADDRINUSE), naming host and port.
 */
export async function startNodeServer(options: NodeServerOptions): Promise<NodeServer> {
  const app = await createHttpServer({
    title: options.nodeName,
    version: options.nodeVersion,
    logger: options.logger?.child({ component: 'http' }, { level: 'warn' }),
  });
  registerMetricsRoute(app, options.registry);
  await app.register(eigenNodeApi, { prefix: '/eigen', nodeName: options.nodeName, nodeVersion: options.nodeVersion, services: options.services });
  const host = options.host ?? '127.0.0.1';
  try {
    await app.listen({ host, port: options.port });
  } catch (error) {
    await app.close();
    throw new Error(`cannot serve the node API on ${host}:${options.port}: ${(error as Error).message}`);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return { url: `http://${shown}:${port}`, port, close: () => app.close().then(() => undefined) };
}
