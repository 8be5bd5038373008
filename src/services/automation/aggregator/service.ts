/**
 * The automation aggregator process in one call: store (migrations), the operator set from the automation
 * ECDSAStakeRegistry, the chain index, the {@link AutomationAggregator} (arrangements, verdict tasks, submission), the
 * HTTP API (`/v1/automation/*`), the dashboard (`/dashboard`), the operators' WebSocket hub (ECDSA authentication), the
 * EigenLayer node API (`/eigen`) and Prometheus metrics (`/metrics`) on one port.
 *
 * ```ts
 * const service = await startAutomationAggregatorService({ deployment, database, account, port: 8100 });
 * // service.url, service.wsUrl
 * await service.close();
 * ```
 */
import type { Registry } from 'prom-client';
import type { PrivateKeyAccount, PublicClient } from 'viem';
import { makePublicClient, makeWalletClient } from '../../../core/chain/clients.ts';
import type { Database } from '../../../core/db/database.ts';
import { createMetricsRegistry, registerMetricsRoute } from '../../../core/http/metrics.ts';
import { eigenNodeApi } from '../../../core/http/nodeApi.ts';
import { type HttpServer, createHttpServer } from '../../../core/http/server.ts';
import { type Logger, silentLogger } from '../../../core/logging.ts';
import { type OperatorHub, registerOperatorHub } from '../../../runtime/operators/hub.ts';
import { type ListeningAggregator, listenAggregator } from '../../../runtime/operators/listen.ts';
import { type OperatorSetSource, createChainOperatorSetSource } from '../../../runtime/operatorSet.ts';
import { registerTaskEngineMetrics } from '../../../runtime/tasks/metrics.ts';
import { AutomationChainIndex } from '../chainIndex.ts';
import type { AutomationDeployment } from '../deployment.ts';
import { AUTOMATION_SERVICE_NAME, automationProtocol } from '../protocol.ts';
import { AutomationAggregator } from './aggregator.ts';
import { registerAutomationRoutes } from './api.ts';
import { registerAutomationDashboard } from './dashboard/index.ts';
import { createAutomationStore } from './store.ts';

/** Software version reported by the node API. */
export const AUTOMATION_AGGREGATOR_VERSION = '0.1.0';

/** Options of {@link createAutomationAggregatorApp} and {@link startAutomationAggregatorService}. */
export type AutomationAggregatorServiceOptions = {
  deployment: AutomationDeployment;
  /** An open database; migrated here, closed by the caller. */
  database: Database<any>;
  /** Sends arrangeExecutors and submitVerdict (any funded account). Without it nothing is posted. */
  account?: PrivateKeyAccount;
  logger?: Logger;
  host?: string;
  /** Port (default 8100; 0 picks a free one). */
  port?: number;
  taskDeadlineMs?: number;
  lateWindowMs?: number;
  operatorSetRefreshMs?: number;
  /** Head poll period, ms (default 500). */
  pollMs?: number;
  /** First main-chain block to read the automation contracts' events from (default 0). */
  fromBlock?: bigint;
  /** Overrides (tests). */
  client?: PublicClient;
  operatorSet?: OperatorSetSource;
  metrics?: Registry;
  validateResponses?: boolean;
};

/** An assembled (not yet listening) aggregator. */
export type AutomationAggregatorApp = {
  app: HttpServer;
  metrics: Registry;
  aggregator: AutomationAggregator;
  index: AutomationChainIndex;
  hub: OperatorHub;
  operatorSet: OperatorSetSource;
};

/** A running aggregator. */
export type AutomationAggregatorService = AutomationAggregatorApp & ListeningAggregator;

/**
 * Builds and starts the aggregator and its server, without listening.
 * @throws {MigrationError}; errors of the first chain reads.
 */
export async function createAutomationAggregatorApp(options: AutomationAggregatorServiceOptions): Promise<AutomationAggregatorApp> {
  const { deployment } = options;
  const logger = options.logger ?? silentLogger();
  const metrics = options.metrics ?? createMetricsRegistry('automation');
  const main = deployment.chains.find((c) => c.chainId === deployment.mainChainId);
  if (!main) throw new Error(`the deployment has no main chain ${deployment.mainChainId}`);
  const client = options.client ?? makePublicClient(main.chainId, main.rpcUrl);
  const a = deployment.automation;
  const operatorSet =
    options.operatorSet ??
    createChainOperatorSetSource({ client, stakeRegistry: a.stakeRegistry, epochManager: a.epochManager, refreshMs: options.operatorSetRefreshMs, fromBlock: options.fromBlock, logger });
  const index = new AutomationChainIndex({ client, contracts: a, fromBlock: options.fromBlock, logger });
  const store = await createAutomationStore(options.database);
  let onTaskFinished: (task: { status: string; createdAt: number; aggregatedAt: number | null }) => void = () => {};
  const aggregator = new AutomationAggregator({
    deployment,
    store,
    operatorSet,
    client,
    index,
    wallet: options.account ? makeWalletClient(main.chainId, main.rpcUrl, options.account) : undefined,
    logger: logger.child({ component: 'aggregator' }),
    taskDeadlineMs: options.taskDeadlineMs,
    lateWindowMs: options.lateWindowMs,
    pollMs: options.pollMs,
    onTaskFinished: (task) => onTaskFinished(task.record),
  });
  const app = await createHttpServer({
    title: 'avs-stack automation aggregator',
    version: AUTOMATION_AGGREGATOR_VERSION,
    description: 'Workflows, their runs, the executor schedule and the attesters’ slot verdicts of the automation service.',
    logger: options.logger?.child({ component: 'http' }, { level: 'warn' }),
    validateResponses: options.validateResponses,
  });
  const hub = await registerOperatorHub(app, {
    engine: aggregator.engine,
    operatorSet,
    protocol: automationProtocol,
    service: AUTOMATION_SERVICE_NAME,
    mainChainId: deployment.mainChainId,
    serviceManager: a.serviceManager,
    logger: logger.child({ component: 'hub' }),
  });
  onTaskFinished = registerTaskEngineMetrics(metrics, {
    prefix: 'avs_automation',
    stats: () => aggregator.engine.stats,
    activeTasks: () => aggregator.engine.activeTaskCount,
    isRunning: () => aggregator.isRunning,
    connectedOperators: () => hub.connected().length,
  });
  registerMetricsRoute(app, metrics);
  registerAutomationRoutes(app, { aggregator, index, client, contracts: a, operatorSet, hub });
  registerAutomationDashboard(app);
  await app.register(eigenNodeApi, {
    prefix: '/eigen',
    nodeName: 'avs-stack automation aggregator',
    nodeVersion: AUTOMATION_AGGREGATOR_VERSION,
    services: [
      { id: 'aggregator', name: 'Verdict aggregator', description: 'Slot-verdict tasks and ECDSA signatures', status: () => (aggregator.isRunning ? 'Up' : 'Down') },
      { id: 'submitter', name: 'Verdict submitter', description: 'Sends submitVerdict and arrangeExecutors', status: () => (aggregator.submitter ? 'Up' : 'Down') },
      { id: 'operators', name: 'Operator connections', description: 'Authenticated operator WebSocket connections', status: () => (hub.connected().length > 0 ? 'Up' : 'Initializing') },
    ],
  });
  app.addHook('onClose', async () => {
    await aggregator.stop();
    operatorSet.close();
  });
  try {
    await aggregator.start();
    await app.ready();
  } catch (error) {
    await app.close().catch(() => {});
    throw error;
  }
  return { app, metrics, aggregator, index, hub, operatorSet };
}

/**
 * Starts the aggregator and listens on `host:port`.
 * @throws as {@link createAutomationAggregatorApp}, or when the port cannot be bound.
 */
export async function startAutomationAggregatorService(options: AutomationAggregatorServiceOptions): Promise<AutomationAggregatorService> {
  const built = await createAutomationAggregatorApp(options);
  return { ...built, ...(await listenAggregator(built.app, options.host ?? '127.0.0.1', options.port ?? 8100)) };
}
