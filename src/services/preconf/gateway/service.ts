/**
 * The preconf gateway process in one call: store (migrations), the {@link PreconfGateway} over a lookahead source and
 * the delegate keys it holds, the HTTP API (`/v1/lookahead`, `/v1/preconfs`), the dashboard (`/dashboard`), the
 * EigenLayer node API (`/eigen`) and Prometheus metrics (`/metrics`) on one port.
 *
 * ```ts
 * const service = await startPreconfGatewayService({ lookahead, registry, registryChainId: 1, delegateKeys: [key], database, port: 8110 });
 * // service.url
 * await service.close();
 * ```
 */
import type { Registry } from 'prom-client';
import type { Address, PrivateKeyAccount } from 'viem';
import type { Database } from '../../../core/db/database.ts';
import { createMetricsRegistry, registerMetricsRoute } from '../../../core/http/metrics.ts';
import { eigenNodeApi } from '../../../core/http/nodeApi.ts';
import { type HttpServer, createHttpServer } from '../../../core/http/server.ts';
import { type Logger, silentLogger } from '../../../core/logging.ts';
import type { LookaheadSource } from '../lookahead.ts';
import { registerPreconfGatewayRoutes } from './api.ts';
import { registerPreconfGatewayDashboard } from './dashboard/index.ts';
import { PreconfGateway } from './gateway.ts';
import { type PreconfStore, createPreconfStore } from './store.ts';

/** Software version reported by the node API. */
export const PRECONF_GATEWAY_VERSION = '0.1.0';

/** Options of {@link createPreconfGatewayApp} and {@link startPreconfGatewayService}. */
export type PreconfGatewayServiceOptions = {
  lookahead: LookaheadSource;
  /** The UniFiAVSManager, and the id of the chain it is on. */
  registry: Address;
  registryChainId: number;
  /** The delegate keys the gateway signs with. */
  delegateKeys: readonly PrivateKeyAccount[];
  /** An open database; migrated here, closed by the caller. */
  database: Database<any>;
  logger?: Logger;
  host?: string;
  /** Port (default 8110; 0 picks a free one). */
  port?: number;
  metrics?: Registry;
  /** Unix seconds now (default the system clock). */
  now?: () => bigint;
  /** Check every reply against its schema (tests). */
  validateResponses?: boolean;
};

/** An assembled (not yet listening) gateway. */
export type PreconfGatewayApp = { app: HttpServer; metrics: Registry; gateway: PreconfGateway; store: PreconfStore };

/** A listening gateway. */
export type PreconfGatewayService = PreconfGatewayApp & {
  /** Base URL, e.g. `http://127.0.0.1:8110`. */
  url: string;
  port: number;
  /** Closes the server. Idempotent. */
  close(): Promise<void>;
};

/**
 * Builds the gateway and its server, without listening.
 * @throws {MigrationError} when the database cannot be migrated.
 */
export async function createPreconfGatewayApp(options: PreconfGatewayServiceOptions): Promise<PreconfGatewayApp> {
  const logger = options.logger ?? silentLogger();
  const metrics = options.metrics ?? createMetricsRegistry('preconf');
  const store = await createPreconfStore(options.database);
  const gateway = new PreconfGateway({
    lookahead: options.lookahead,
    registry: options.registry,
    registryChainId: options.registryChainId,
    delegateKeys: options.delegateKeys,
    store,
    now: options.now,
    metrics,
    logger: logger.child({ component: 'gateway' }),
  });
  const app = await createHttpServer({
    title: 'avs-stack preconf gateway',
    version: PRECONF_GATEWAY_VERSION,
    description: 'The proposer lookahead as the UniFiAVSManager registry sees it, and preconfirmations signed with the operators’ delegate keys.',
    logger: options.logger?.child({ component: 'http' }, { level: 'warn' }),
    validateResponses: options.validateResponses,
  });
  registerMetricsRoute(app, metrics);
  registerPreconfGatewayRoutes(app, gateway);
  registerPreconfGatewayDashboard(app);
  await app.register(eigenNodeApi, {
    prefix: '/eigen',
    nodeName: 'avs-stack preconf gateway',
    nodeVersion: PRECONF_GATEWAY_VERSION,
    services: [
      {
        id: 'lookahead',
        name: 'Proposer lookahead',
        description: 'Proposer duties from the beacon node and their registrations in UniFiAVSManager',
        status: () => (gateway.lastLookaheadRead === undefined ? 'Initializing' : gateway.lastLookaheadRead === 'ok' ? 'Up' : 'Down'),
      },
      {
        id: 'signer',
        name: 'Delegate keys',
        description: 'Keys the gateway signs preconfirmations with',
        status: () => (gateway.delegateKeys.length > 0 ? 'Up' : 'Down'),
      },
    ],
  });
  await app.ready();
  return { app, metrics, gateway, store };
}

/**
 * Starts the gateway and listens on `host:port`; a wildcard host is shown as 127.0.0.1 in the URL.
 * @throws as {@link createPreconfGatewayApp}, or when the port cannot be bound (the server is closed again).
 */
export async function startPreconfGatewayService(options: PreconfGatewayServiceOptions): Promise<PreconfGatewayService> {
  const built = await createPreconfGatewayApp(options);
  const host = options.host ?? '127.0.0.1';
  try {
    await built.app.listen({ host, port: options.port ?? 8110 });
  } catch (error) {
    await built.app.close();
    throw error;
  }
  const address = built.app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 8110);
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    ...built,
    url: `http://${shownHost}:${port}`,
    port,
    close() {
      closing ??= built.app.close().then(() => undefined);
      return closing;
    },
  };
}
