/**
 * The multi-prover aggregator process in one call: store (migrations), the operator set from the MultiProverRegistry,
 * provers' liveness from the TEELivenessVerifier, the {@link MultiProverAggregator} with its block watcher and
 * confirmState submitter, the HTTP API, the dashboard (`/dashboard`), the operators' WebSocket hub (BLS
 * authentication), the EigenLayer node API (`/eigen`) and Prometheus metrics (`/metrics`) on one port.
 *
 * ```ts
 * const service = await startMultiProverAggregatorService({ deployment, database, account, port: 8090 });
 * // service.url, service.wsUrl
 * await service.close();
 * ```
 */
import type { Registry } from 'prom-client';
import { type PrivateKeyAccount, type PublicClient } from 'viem';
import { makePublicClient, makeWalletClient } from '../../../core/chain/clients.ts';
import type { Database } from '../../../core/db/database.ts';
import { createMetricsRegistry, registerMetricsRoute } from '../../../core/http/metrics.ts';
import { eigenNodeApi } from '../../../core/http/nodeApi.ts';
import { type HttpServer, createHttpServer } from '../../../core/http/server.ts';
import { type Logger, silentLogger } from '../../../core/logging.ts';
import { blsAuthScheme } from '../../../runtime/operators/blsAuth.ts';
import { type OperatorHub, registerOperatorHub } from '../../../runtime/operators/hub.ts';
import { type ListeningAggregator, listenAggregator } from '../../../runtime/operators/listen.ts';
import type { OperatorSetSource } from '../../../runtime/operatorSet.ts';
import { registerTaskEngineMetrics } from '../../../runtime/tasks/metrics.ts';
import type { MultiProverDeployment } from '../deployment.ts';
import { MULTI_PROVER_SERVICE, multiProverProtocol } from '../protocol.ts';
import { type BlockWatchOptions, MultiProverAggregator } from './aggregator.ts';
import { registerMultiProverRoutes } from './api.ts';
import { registerQuoteRoutes } from './quoteApi.ts';
import { Confirmer } from './confirmer.ts';
import { registerMultiProverDashboard } from './dashboard/index.ts';
import { type LivenessView, createLivenessView } from './liveness.ts';
import { createMultiProverOperatorSetSource } from './operatorSet.ts';
import { createMultiProverStore } from './store.ts';

/** Software version reported by the node API. */
export const MULTI_PROVER_AGGREGATOR_VERSION = '0.1.0';

/** Options of {@link createMultiProverAggregatorApp} and {@link startMultiProverAggregatorService}. */
export type MultiProverAggregatorServiceOptions = {
  deployment: MultiProverDeployment;
  /** An open database; migrated here, closed by the caller. */
  database: Database<any>;
  /** Sends confirmState (any funded account: the signatures are the authority). Without it nothing is confirmed. */
  account?: PrivateKeyAccount;
  logger?: Logger;
  host?: string;
  /** Port (default 8090; 0 picks a free one). */
  port?: number;
  /** Create tasks for new blocks of the proven chains (default: every block, 2 deep; false: only requested tasks). */
  blockWatch?: BlockWatchOptions | false;
  taskDeadlineMs?: number;
  lateWindowMs?: number;
  operatorSetRefreshMs?: number;
  /** First main-chain block to scan for the registry's and liveness verifier's events (default 0). */
  fromBlock?: bigint;
  /** Overrides (tests): clients by chain id, the operator set. */
  clients?: ReadonlyMap<number, PublicClient>;
  operatorSet?: OperatorSetSource;
  metrics?: Registry;
  validateResponses?: boolean;
};

/** An assembled (not yet listening) aggregator. */
export type MultiProverAggregatorApp = {
  app: HttpServer;
  metrics: Registry;
  aggregator: MultiProverAggregator;
  confirmer: Confirmer | undefined;
  hub: OperatorHub;
  operatorSet: OperatorSetSource;
  liveness: LivenessView;
};

/** A running aggregator. */
export type MultiProverAggregatorService = MultiProverAggregatorApp & ListeningAggregator;

/**
 * Builds and starts the aggregator and its server, without listening.
 * @throws {MigrationError}; errors of the first chain reads (operator set, liveness events).
 */
export async function createMultiProverAggregatorApp(options: MultiProverAggregatorServiceOptions): Promise<MultiProverAggregatorApp> {
  const { deployment } = options;
  const logger = options.logger ?? silentLogger();
  const metrics = options.metrics ?? createMetricsRegistry('multi-prover');
  const clients = options.clients ?? new Map(deployment.chains.map((c) => [c.chainId, makePublicClient(c.chainId, c.rpcUrl)] as const));
  const mainClient = clients.get(deployment.mainChainId);
  if (!mainClient) throw new Error(`no client for the main chain ${deployment.mainChainId}`);
  const mp = deployment.multiProver;
  const operatorSet =
    options.operatorSet ??
    createMultiProverOperatorSetSource({
      client: mainClient,
      registry: mp.registry,
      epochManager: mp.epochManager,
      refreshMs: options.operatorSetRefreshMs,
      fromBlock: options.fromBlock,
      logger,
    });
  const liveness = createLivenessView({ client: mainClient, livenessVerifier: mp.livenessVerifier, serviceManager: mp.serviceManager, fromBlock: options.fromBlock, logger });
  const store = await createMultiProverStore(options.database);
  let aggregator: MultiProverAggregator | undefined;
  const mainChain = deployment.chains.find((c) => c.chainId === deployment.mainChainId);
  const confirmer =
    options.account && mainChain
      ? new Confirmer({
          store,
          client: mainClient,
          wallet: makeWalletClient(mainChain.chainId, mainChain.rpcUrl, options.account),
          serviceManager: mp.serviceManager,
          logger: logger.child({ component: 'confirmer' }),
          onChange: (record) => aggregator?.confirmationChanged(record),
        })
      : undefined;
  let onTaskFinished: (task: { status: string; createdAt: number; aggregatedAt: number | null }) => void = () => {};
  aggregator = new MultiProverAggregator({
    deployment,
    store,
    operatorSet,
    liveness,
    clients,
    confirmer,
    logger: logger.child({ component: 'aggregator' }),
    taskDeadlineMs: options.taskDeadlineMs,
    lateWindowMs: options.lateWindowMs,
    onTaskFinished: (task) => onTaskFinished(task),
  });
  const app = await createHttpServer({
    title: 'avs-stack multi-prover aggregator',
    version: MULTI_PROVER_AGGREGATOR_VERSION,
    description: 'Request block states proven by TEE provers, follow them to their on-chain confirmation, and read provers and operators.',
    logger: options.logger?.child({ component: 'http' }, { level: 'warn' }),
    validateResponses: options.validateResponses,
  });
  const hub = await registerOperatorHub(app, {
    engine: aggregator.engine,
    operatorSet,
    protocol: multiProverProtocol,
    service: MULTI_PROVER_SERVICE,
    mainChainId: deployment.mainChainId,
    serviceManager: mp.serviceManager,
    authScheme: blsAuthScheme(),
    logger: logger.child({ component: 'hub' }),
  });
  registerMultiProverRoutes(app, { aggregator, operatorSet, liveness, hub });
  // Quotes are checked at the main chain's time, as its verifiers will check them.
  registerQuoteRoutes(app, { now: () => Number(liveness.chainNow()) });
  registerMultiProverDashboard(app);
  const running = aggregator;
  onTaskFinished = registerTaskEngineMetrics(metrics, {
    prefix: 'avs_multi_prover',
    stats: () => running.engine.stats,
    activeTasks: () => running.engine.activeTaskCount,
    isRunning: () => running.isRunning,
    connectedOperators: () => hub.connected().length,
  });
  registerMetricsRoute(app, metrics);
  await app.register(eigenNodeApi, {
    prefix: '/eigen',
    nodeName: 'avs-stack multi-prover aggregator',
    nodeVersion: MULTI_PROVER_AGGREGATOR_VERSION,
    services: [
      { id: 'aggregator', name: 'Signature aggregator', description: 'Block-state tasks and BLS aggregation', status: () => (running.isRunning ? 'Up' : 'Down') },
      { id: 'confirmer', name: 'State confirmer', description: 'Sends confirmState for aggregated states', status: () => (confirmer ? 'Up' : 'Down') },
      { id: 'operators', name: 'Operator connections', description: 'Authenticated operator WebSocket connections', status: () => (hub.connected().length > 0 ? 'Up' : 'Initializing') },
    ],
  });
  app.addHook('onClose', async () => {
    liveness.stop();
    await running.stop();
    operatorSet.close();
  });
  try {
    await liveness.start();
    await running.start();
    if (options.blockWatch !== false) running.watchBlocks(options.blockWatch ?? {});
    await app.ready();
  } catch (error) {
    await app.close().catch(() => {});
    throw error;
  }
  return { app, metrics, aggregator: running, confirmer, hub, operatorSet, liveness };
}

/**
 * Starts the aggregator and listens on `host:port`.
 * @throws as {@link createMultiProverAggregatorApp}, or when the port cannot be bound.
 */
export async function startMultiProverAggregatorService(options: MultiProverAggregatorServiceOptions): Promise<MultiProverAggregatorService> {
  const built = await createMultiProverAggregatorApp(options);
  return { ...built, ...(await listenAggregator(built.app, options.host ?? '127.0.0.1', options.port ?? 8090)) };
}
