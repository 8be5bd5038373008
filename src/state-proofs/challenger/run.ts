/**
 * Assembles and starts a challenger from a deployment: its journal database, its own readers of every source chain
 * (waiting for finality like an operator), and its chain calls.
 */
import type { Hex, PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { Deployment } from '../../core/chain/deployment.ts';
import { type Database, migrateToLatest, openDatabase } from '../../core/db/index.ts';
import { type Logger, createLogger } from '../../core/logging.ts';
import type { FinalityRule } from '../operator/finality.ts';
import { StateReader } from '../operator/reader.ts';
import { createDisputeChain } from './chain.ts';
import { Challenger } from './challenger.ts';
import { ChallengerJournal, challengerMigrations } from './journal.ts';

/** Options of {@link startChallenger}. */
export type StartChallengerOptions = {
  deployment: Deployment;
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
  /** Public clients by chain id (embedding); default from `rpcUrls` / the deployment. */
  clients?: ReadonlyMap<number, PublicClient>;
  logger?: Logger;
};

/** A running challenger. */
export type RunningChallenger = { challenger: Challenger; journal: ChallengerJournal; database: Database; stop(): Promise<void> };

/**
 * Opens the journal (migrating it), builds the readers and chain calls, and starts the loop.
 * @throws {DeploymentError} when the deployment has no dispute contracts; {DatabaseError} / {MigrationError} when the
 *   journal cannot be opened.
 */
export async function startChallenger(options: StartChallengerOptions): Promise<RunningChallenger> {
  const { deployment } = options;
  const logger = options.logger ?? createLogger('challenger');
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
  });
  challenger.start();
  logger.info({ account: account.address, aggregator: options.aggregatorUrl, database: database.location }, 'challenger watching proofs');
  return {
    challenger,
    journal,
    database,
    async stop() {
      await challenger.stop();
      reader.stop();
      await database.close();
    },
  };
}
