/**
 * Assembles and starts a challenger from a deployment: its journal database, its own readers of every source chain
 * (waiting for finality like an operator), and its chain calls.
 */
import { Counter, type Registry } from 'prom-client';
import type { Hex, PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { StateProofsDeployment } from '../deployment.ts';
import { type Database, migrateToLatest, openDatabase } from '../../../core/db/index.ts';
import { type Logger, createLogger } from '../../../core/logging.ts';
import type { FinalityRule } from '../operator/finality.ts';
import { StateReader } from '../operator/reader.ts';
import { instrumentRpcClients } from '../../../core/chain/rpcMetrics.ts';
import { createMetricsRegistry } from '../../../core/http/metrics.ts';
import { type NodeServer, startNodeServer } from '../../../core/http/nodeServer.ts';
import { createDisputeChain } from './chain.ts';
import { Challenger, type SlashRetryOptions } from './challenger.ts';
import { ChallengerJournal, challengerMigrations } from './journal.ts';

/** Options of {@link startChallenger}. */
export type StartChallengerOptions = {
  deployment: StateProofsDeployment;
  /** Aggregator HTTP base URL whose proofs are watched. */
  aggregatorUrl: string;
  /** Private key that posts bonds and pays bridge fees (plain hex: devnets; use a keystore elsewhere). */
  privateKey: Hex;
  /** RPC endpoints by chain id; default the deployment's. A watchtower should use its own. */
  rpcUrls?: Record<number, string>;
  /** When a source block counts as final; default 2 confirmations (devnet). Public networks: `'finalized'`. */
  finality?: FinalityRule;
  /** Postgres URL, or nothing for SQLite at `sqlitePath`. */
  databaseUrl?: string;
  /** SQLite file of the journal; default `.avs/challenger.sqlite`. */
  sqlitePath?: string;
  /** Bond posted per challenge, wei; default the resolver's minimum. */
  bond?: bigint;
  /** Poll interval, ms (default 1,000). */
  pollIntervalMs?: number;
  /** Backoff of retries of failed slashes (default 5 s doubling to 5 min). */
  slashRetry?: SlashRetryOptions;
  /** Public clients by chain id (embedding); default from `rpcUrls` / the deployment. */
  clients?: ReadonlyMap<number, PublicClient>;
  logger?: Logger;
  /** Serve the EigenLayer node API (`/eigen`) and Prometheus metrics (`/metrics`) here; default: not served. */
  nodeApi?: { host?: string; port: number };
};

/** A running challenger. */
export type RunningChallenger = {
  challenger: Challenger;
  journal: ChallengerJournal;
  database: Database;
  nodeApi?: NodeServer;
  stop(): Promise<void>;
};

/** Software version the challenger reports in its node API. */
export const CHALLENGER_VERSION = '0.1.0';

/**
 * Opens the journal (migrating it), builds the readers and chain calls, and starts the loop.
 * @throws {DeploymentError} when the deployment has no dispute contracts; {DatabaseError} / {MigrationError} when the
 *   journal cannot be opened.
 */
export async function startChallenger(options: StartChallengerOptions): Promise<RunningChallenger> {
  const { deployment } = options;
  const logger = options.logger ?? createLogger('challenger');
  // Before any client exists, so the challenger's chain calls feed eigen_rpc_* too.
  const registry = options.nodeApi ? createMetricsRegistry('state-proofs') : undefined;
  if (registry) instrumentRpcClients(registry);
  const account = privateKeyToAccount(options.privateKey);
  const chain = createDisputeChain({ deployment, account, clients: options.clients, bond: options.bond });
  const database = await openDatabase({ url: options.databaseUrl, sqlitePath: options.sqlitePath ?? '.avs/challenger.sqlite', name: 'challenger' });
  try {
    await migrateToLatest(database, challengerMigrations);
  } catch (error) {
    await database.close();
    throw error;
  }
  const journal = new ChallengerJournal(database.kysely as never);
  const reader = new StateReader(
    deployment.chains.map((c) => ({ chainId: c.chainId, rpcUrl: options.rpcUrls?.[c.chainId] ?? c.rpcUrl, stateManager: c.stateManager })),
    options.finality ?? { confirmations: 2 },
    options.pollIntervalMs ? Math.min(options.pollIntervalMs, 250) : 250,
  );
  const challenger = new Challenger({
    aggregatorUrl: options.aggregatorUrl,
    truth: reader,
    chain,
    journal,
    logger,
    chainIds: reader.chainIds,
    pollIntervalMs: options.pollIntervalMs,
    slashRetry: options.slashRetry,
  });
  let nodeApi: NodeServer | undefined;
  if (options.nodeApi && registry) {
    registerChallengerMetrics(registry, challenger);
    try {
      nodeApi = await startNodeServer({
        ...options.nodeApi,
        nodeName: 'avs-stack state-proofs challenger',
        nodeVersion: CHALLENGER_VERSION,
        registry,
        logger,
        services: [
          {
            id: 'watcher',
            name: 'Proof watcher',
            description: 'Follows the aggregator proof feed and checks each proof against its source chain',
            status: () => (challenger.stats.proofsChecked > 0 || challenger.stats.errors === 0 ? 'Up' : 'Down'),
          },
        ],
      });
    } catch (error) {
      reader.stop();
      await database.close();
      throw error;
    }
  }
  challenger.start();
  logger.info({ account: account.address, aggregator: options.aggregatorUrl, database: database.location }, 'challenger watching proofs');
  return {
    challenger,
    journal,
    database,
    nodeApi,
    async stop() {
      await nodeApi?.close();
      await challenger.stop();
      reader.stop();
      await database.close();
    },
  };
}

/** `avs_state_proofs_challenger_*` counters, read from the challenger's stats at scrape time. */
function registerChallengerMetrics(registry: Registry, challenger: Challenger): void {
  const counters: [string, string, keyof Challenger['stats']][] = [
    ['avs_state_proofs_challenger_proofs_checked_total', 'Published proofs checked against their source chain', 'proofsChecked'],
    ['avs_state_proofs_challenger_mismatches_total', 'Proofs found to misstate the source chain', 'mismatches'],
    ['avs_state_proofs_challenger_disputes_resolved_total', 'Disputes taken to resolution', 'disputesResolved'],
    ['avs_state_proofs_challenger_errors_total', 'Failed passes or dispute steps (each is retried)', 'errors'],
  ];
  for (const [name, help, stat] of counters) {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(challenger.stats[stat]);
      },
    });
  }
}
