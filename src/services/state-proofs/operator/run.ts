/**
 * Assembles and starts an operator node from a deployment: its database and journal, its chain readers, its signing key.
 * `avs operator run` and `avs devnet` call {@link startOperator}.
 */
import type { Address, Hex } from 'viem';
import { mainChainOf } from '../../../core/chain/deployment.ts';
import type { StateProofsDeployment } from '../deployment.ts';
import { signingKeyFromPrivateKey } from '../../../core/crypto/ecdsa.ts';
import type { Database } from '../../../core/db/index.ts';
import { type Logger, createLogger } from '../../../core/logging.ts';
import { type FinalityRule } from './finality.ts';
import { openSigningJournal } from './journal.ts';
import { makePublicClient } from '../../../core/chain/clients.ts';
import { instrumentRpcClients } from '../../../core/chain/rpcMetrics.ts';
import { createMetricsRegistry } from '../../../core/http/metrics.ts';
import { type NodeServer, startNodeServer } from '../../../core/http/nodeServer.ts';
import { registerOperatorMetrics } from './metrics.ts';
import { type OperatorFault, OperatorNode } from './node.ts';

/** Software version the operator node reports (node API, authentication). */
export const OPERATOR_VERSION = '0.1.0';
import { StateReader } from './reader.ts';

/** Options of {@link startOperator}. */
export type StartOperatorOptions = {
  deployment: StateProofsDeployment;
  /** Aggregator WebSocket URL, e.g. `ws://127.0.0.1:8080/v1/operators/ws`. */
  aggregatorUrl: string;
  /** The operator's EigenLayer address. */
  operator: Address;
  /** Private key of the operator's registered signing key (devnets; keystores come with the key tooling). */
  signingPrivateKey: Hex;
  /** RPC endpoints by chain id; default: the deployment's. An operator should use its own. */
  rpcUrls?: Record<number, string>;
  /** When a block counts as final; default 2 confirmations (devnet). Public networks: `'finalized'`. */
  finality?: FinalityRule;
  /** Database URL (postgres://; the journal lives in schema `operator_<address>`) or nothing for SQLite at `sqlitePath`. */
  databaseUrl?: string;
  /** SQLite file for the journal; default `.avs/operator-<address>.sqlite`. */
  sqlitePath?: string;
  logger?: Logger;
  /** Chain polling interval in milliseconds (default 250). */
  pollIntervalMs?: number;
  /** Devnet fault injection (demos and dispute tests); refused unless the main chain is the devnet's 31337. */
  fault?: OperatorFault;
  /** Serve the EigenLayer node API (`/eigen`) and Prometheus metrics (`/metrics`) here; default: not served. */
  nodeApi?: { host?: string; port: number };
};

/** Thrown when a fault is configured for a node outside a devnet. */
export class FaultOutsideDevnetError extends Error {
  override name = 'FaultOutsideDevnetError';
  constructor(mainChainId: number) {
    super(`fault injection is for devnets only (main chain 31337); this deployment's main chain is ${mainChainId}`);
  }
}

/** A started operator: the node, and how to stop everything it opened. */
export type RunningOperator = { node: OperatorNode; database: Database; nodeApi?: NodeServer; stop(): Promise<void> };

/**
 * Opens the journal database (migrating it), builds the readers and starts the node.
 * @throws {DatabaseError} / {MigrationError} when the journal cannot be opened; {InvalidSignatureError} for a bad key;
 *   {FaultOutsideDevnetError} for fault injection outside a devnet.
 */
export async function startOperator(options: StartOperatorOptions): Promise<RunningOperator> {
  const { deployment } = options;
  if (options.fault && deployment.mainChainId !== 31337) throw new FaultOutsideDevnetError(deployment.mainChainId);
  // Before any client exists, so the node's chain reads feed eigen_rpc_* too.
  const registry = options.nodeApi ? createMetricsRegistry('state-proofs') : undefined;
  if (registry) instrumentRpcClients(registry);
  const signingKey = signingKeyFromPrivateKey(options.signingPrivateKey);
  const logger = options.logger ?? createLogger('operator').child({ operator: options.operator });
  const { database, journal } = await openSigningJournal({ operator: options.operator, databaseUrl: options.databaseUrl, sqlitePath: options.sqlitePath });
  const reader = new StateReader(
    deployment.chains.map((c) => ({ chainId: c.chainId, rpcUrl: options.rpcUrls?.[c.chainId] ?? c.rpcUrl, stateManager: c.stateManager })),
    options.finality ?? { confirmations: 2 },
    options.pollIntervalMs,
  );
  const node = new OperatorNode({
    aggregatorUrl: options.aggregatorUrl,
    operator: options.operator,
    signingKey,
    domain: { chainId: mainChainOf(deployment).chainId, verifyingContract: deployment.stateProofs.serviceManager },
    reader,
    journal,
    logger,
    fault: options.fault,
  });
  node.start();
  let nodeApi: NodeServer | undefined;
  let stopMetrics = () => {};
  if (options.nodeApi && registry) {
    try {
      const main = mainChainOf(deployment);
      stopMetrics = registerOperatorMetrics({
        registry,
        node,
        operator: options.operator,
        deployment,
        client: makePublicClient(main.chainId, options.rpcUrls?.[main.chainId] ?? main.rpcUrl),
        logger,
      });
      nodeApi = await startNodeServer({
        ...options.nodeApi,
        nodeName: 'avs-stack state-proofs operator',
        nodeVersion: OPERATOR_VERSION,
        registry,
        logger,
        services: [
          {
            id: 'aggregator',
            name: 'Aggregator connection',
            description: 'Authenticated WebSocket to the aggregator',
            status: () => (node.stats.authenticated ? 'Up' : node.stats.connected ? 'Initializing' : 'Down'),
          },
        ],
      });
    } catch (error) {
      stopMetrics();
      await node.stop();
      await database.close();
      throw error;
    }
  }
  return {
    node,
    database,
    nodeApi,
    async stop() {
      stopMetrics();
      await nodeApi?.close();
      await node.stop();
      await database.close();
    },
  };
}
