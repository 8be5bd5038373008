/**
 * The aggregator process in one call: store (migrations), operator set and block lookups from the deployment's
 * chains, the {@link Aggregator}, its HTTP API (state proofs, operators, epochs, chains, verify), the operators'
 * WebSocket hub, the dashboard (`/dashboard`), the EigenLayer node API (`/eigen`) and Prometheus metrics (`/metrics`)
 * on one port.
 *
 * ```ts
 * const database = await openDatabase({ url: process.env.DATABASE_URL, name: 'aggregator' });
 * const service = await startAggregatorService({ deployment, database, port: 8080 });
 * // service.url: http://127.0.0.1:8080, service.wsUrl: ws://127.0.0.1:8080/v1/operators/ws
 * await service.close();   // stops taking work, commits what is decided, closes sockets (not the database)
 * await database.close();
 * ```
 */
import type { PrivateKeyAccount, PublicClient } from 'viem';
import type { StateProofsDeployment } from '../deployment.ts';
import { makePublicClient } from '../../../core/chain/clients.ts';
import { instrumentRpcClients } from '../../../core/chain/rpcMetrics.ts';
import type { Database } from '../../../core/db/database.ts';
import type { Registry } from 'prom-client';
import { createMetricsRegistry, registerMetricsRoute } from '../../../core/http/metrics.ts';
import { eigenNodeApi } from '../../../core/http/nodeApi.ts';
import { type HttpServer, createHttpServer } from '../../../core/http/server.ts';
import { type Logger, silentLogger } from '../../../core/logging.ts';
import { Aggregator, type AggregatorOptions } from './aggregator.ts';
import { type BlockResolver, createBlockResolver } from './blocks.ts';
import { type OperatorHub, registerOperatorHub } from '../../../runtime/operators/hub.ts';
import { type ListeningAggregator, listenAggregator } from '../../../runtime/operators/listen.ts';
import { STATE_PROOFS_SERVICE, stateProofsProtocol } from '../protocol.ts';
import { registerStateProofRoutes } from './api.ts';
import { registerChainRoutes } from './chainsApi.ts';
import { registerDashboard } from './dashboard/index.ts';
import { type OperatorSetSource, createChainOperatorSetSource } from '../../../runtime/operatorSet.ts';
import { registerAggregatorMetrics } from './metrics.ts';
import { type EpochPublisher, type StateProofsPublisherOptions, createStateProofsPublisher } from './publisher.ts';
import { createStateProofStore } from './store.ts';
import { type SignatureVerifier, startWorkerVerifier } from '../../../runtime/signatures/verifier.ts';
import type { TaskView } from './views.ts';

/** Software version reported by the node API. */
export const AGGREGATOR_VERSION = '0.1.0';

/** Options of {@link createAggregatorApp} and {@link startAggregatorService}. */
export type AggregatorServiceOptions = {
  deployment: StateProofsDeployment;
  /** An open database (see `openDatabase`); migrated here, closed by the caller. */
  database: Database<any>;
  logger?: Logger;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default 8080; 0 picks a free one, see {@link AggregatorService.port}). */
  port?: number;
  /**
   * This replica's id when several share one Postgres database (decision aggregator-0004); default
   * `<hostname>-<pid>-<random>`. Give each replica its own.
   */
  replicaId?: string;
  /** Lease of a replica's claim on a task, ms (default 10,000): how soon another replica takes over a dead one's tasks. */
  leaseMs?: number;
  /** Tuning passed to the {@link Aggregator}: deadlines, late window, dispatch delay, limits. */
  taskDeadlineMs?: number;
  lateWindowMs?: number;
  dispatchDelayMs?: number;
  /**
   * Batched signing: batches close at `maxSize` tasks (1–10,000) or `maxDelayMs` after their first; `false` signs
   * every task on its own. Default `{ maxSize: 1024, maxDelayMs: 5 }`.
   */
  batching?: { maxSize: number; maxDelayMs: number } | false;
  maxActiveTasks?: number;
  /** Operator-set refresh period (current epoch and future epochs), ms (default 2,000). */
  operatorSetRefreshMs?: number;
  /** First main-chain block to scan for registry events (default 0). */
  registryFromBlock?: bigint;
  /** Overrides (tests, embedding): viem clients by chain id, the operator set, block lookups. */
  clients?: ReadonlyMap<number, PublicClient>;
  operatorSet?: OperatorSetSource;
  blocks?: BlockResolver;
  /** Verify operators' signatures in a worker thread, off the event loop (default true). */
  verifyInWorker?: boolean;
  /** Prometheus registry to register the aggregator's metrics on (default a new one with process metrics). */
  metrics?: Registry;
  /** Check every HTTP response against its schema (default false; tests turn it on). */
  validateResponses?: boolean;
  /** `node_name` of the node API (default `avs-stack state-proofs aggregator`). */
  nodeName?: string;
  /**
   * Runs the epoch publisher ({@link EpochPublisher}: weight refreshes, operator sets sent to remote chains) paid by this
   * account; default none (another process, or nobody, keeps epochs).
   */
  publisher?: { account: PrivateKeyAccount; intervalMs?: number; rewards?: Omit<NonNullable<StateProofsPublisherOptions['rewards']>, 'store'> };
};

/** An assembled (not yet listening) aggregator. */
export type AggregatorApp = {
  app: HttpServer;
  /** Served at `GET /metrics`. */
  metrics: Registry;
  aggregator: Aggregator;
  hub: OperatorHub;
  operatorSet: OperatorSetSource;
  blocks: BlockResolver;
  /** The epoch publisher, when {@link AggregatorServiceOptions.publisher} is set. */
  publisher?: EpochPublisher;
};

/** A running aggregator. */
export type AggregatorService = AggregatorApp & ListeningAggregator;

/**
 * Builds and starts the aggregator (reloading unfinished tasks) and its server, without listening: use `app.inject`
 * in tests, or {@link startAggregatorService} to listen.
 * @throws {MigrationError} when the database cannot be migrated; errors of the first operator-set read when there
 *   are unfinished tasks to reload.
 */
export async function createAggregatorApp(options: AggregatorServiceOptions): Promise<AggregatorApp> {
  const { deployment } = options;
  const logger = options.logger ?? silentLogger();
  const metrics = options.metrics ?? createMetricsRegistry('state-proofs');
  // Before any client exists, so every RPC request feeds eigen_rpc_* on this registry.
  instrumentRpcClients(metrics);
  const clients =
    options.clients ?? new Map(deployment.chains.map((c) => [c.chainId, makePublicClient(c.chainId, c.rpcUrl)] as const));
  const mainClient = clients.get(deployment.mainChainId);
  const operatorSet =
    options.operatorSet ??
    (() => {
      if (!mainClient) throw new Error(`no client for the main chain ${deployment.mainChainId}`);
      return createChainOperatorSetSource({
        client: mainClient,
        stakeRegistry: deployment.stateProofs.stakeRegistry,
        epochManager: deployment.stateProofs.epochManager,
        refreshMs: options.operatorSetRefreshMs,
        fromBlock: options.registryFromBlock,
        logger,
      });
    })();
  const blocks = options.blocks ?? createBlockResolver(clients);
  const store = await createStateProofStore(options.database, { replicaId: options.replicaId, leaseMs: options.leaseMs });
  let verifier: SignatureVerifier | undefined;
  if (options.verifyInWorker !== false) {
    try {
      verifier = startWorkerVerifier({ logger });
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'cannot start the signature verification worker; verifying on the main thread');
    }
  }
  const aggregatorOptions: AggregatorOptions = {
    deployment,
    store,
    operatorSet,
    blocks,
    logger: logger.child({ component: 'aggregator' }),
    taskDeadlineMs: options.taskDeadlineMs,
    lateWindowMs: options.lateWindowMs,
    dispatchDelayMs: options.dispatchDelayMs,
    batching: options.batching === false ? undefined : (options.batching ?? { maxSize: 1024, maxDelayMs: 5 }),
    maxActiveTasks: options.maxActiveTasks,
    verifier,
    onTaskFinished: (task) => onTaskFinished(task),
  };
  let onTaskFinished: (task: TaskView) => void = () => {};
  const aggregator = new Aggregator(aggregatorOptions);

  const app = await createHttpServer({
    title: 'avs-stack state-proofs aggregator',
    version: AGGREGATOR_VERSION,
    description: 'Request state proofs, follow them, and read the operator set and epoch clock.',
    // Per-request lines at info would be one per proof request; keep warnings and errors.
    logger: options.logger?.child({ component: 'http' }, { level: 'warn' }),
    validateResponses: options.validateResponses,
  });
  const hub = await registerOperatorHub(app, {
    engine: aggregator.engine,
    operatorSet,
    protocol: stateProofsProtocol,
    service: STATE_PROOFS_SERVICE,
    mainChainId: deployment.mainChainId,
    serviceManager: deployment.stateProofs.serviceManager,
    logger: logger.child({ component: 'hub' }),
  });
  registerStateProofRoutes(app, { aggregator, operatorSet, blocks, deployment, connections: hub });
  registerChainRoutes(app, { deployment, clients });
  registerDashboard(app);
  onTaskFinished = registerAggregatorMetrics(metrics, aggregator, hub);
  registerMetricsRoute(app, metrics);
  await app.register(eigenNodeApi, {
    prefix: '/eigen',
    nodeName: options.nodeName ?? 'avs-stack state-proofs aggregator',
    nodeVersion: AGGREGATOR_VERSION,
    services: [
      {
        id: 'aggregator',
        name: 'Signature aggregator',
        description: 'Task state machine and signature aggregation',
        status: () => (aggregator.isRunning ? 'Up' : 'Down'),
      },
      {
        id: 'operators',
        name: 'Operator connections',
        description: 'Authenticated operator WebSocket connections',
        status: () => (hub.connected().length > 0 ? 'Up' : 'Initializing'),
      },
    ],
  });
  const publisher = options.publisher
    ? createStateProofsPublisher({
        deployment,
        account: options.publisher.account,
        clients,
        intervalMs: options.publisher.intervalMs,
        rewards: options.publisher.rewards ? { ...options.publisher.rewards, store } : undefined,
        eventsFromBlock: options.registryFromBlock,
        logger: logger.child({ component: 'publisher' }),
      })
    : undefined;
  app.addHook('onClose', async () => {
    await publisher?.stop();
    await aggregator.stop();
    await verifier?.close();
    operatorSet.close();
  });
  try {
    await aggregator.start();
    await app.ready();
    publisher?.start();
  } catch (error) {
    await app.close().catch(() => {});
    await verifier?.close();
    throw error;
  }
  return { app, metrics, aggregator, hub, operatorSet, blocks, publisher };
}

/**
 * Starts the aggregator and listens on `host:port`.
 * @throws as {@link createAggregatorApp}, or when the port cannot be bound (the aggregator is stopped again).
 */
export async function startAggregatorService(options: AggregatorServiceOptions): Promise<AggregatorService> {
  const built = await createAggregatorApp(options);
  return { ...built, ...(await listenAggregator(built.app, options.host ?? '127.0.0.1', options.port ?? 8080)) };
}
