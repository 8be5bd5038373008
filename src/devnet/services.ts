/**
 * The off-chain half of a devnet, all in this process with SQLite databases in the devnet's data directory: the
 * aggregator (HTTP API, operators' WebSocket hub, node API) with its epoch publisher, one operator node per seeded
 * operator, the bridge relayer, and a challenger watching every proof.
 */
import { join } from 'node:path';
import { openDatabase } from '../core/db/index.ts';
import { type Logger, createLogger } from '../core/logging.ts';
import { startAggregatorService } from '../services/state-proofs/aggregator/service.ts';
import { STATE_PROOFS_SQLITE_PAGE_SIZE } from '../services/state-proofs/aggregator/store.ts';
import { type RunningChallenger, startChallenger } from '../services/state-proofs/challenger/run.ts';
import type { OperatorFault } from '../services/state-proofs/operator/node.ts';
import { type RunningOperator, startOperator } from '../services/state-proofs/operator/run.ts';
import { devPrivateKey } from './accounts.ts';
import { type DevnetAutomation, type DevnetAutomationOptions, startDevnetAutomation } from './automationServices.ts';
import { type DevnetPreconf, type DevnetPreconfOptions, startDevnetPreconf } from './preconfServices.ts';
import { type DevnetMultiProver, type DevnetMultiProverOptions, startDevnetMultiProver } from './multiProverServices.ts';
import { type Relayer, startRelayer } from './relayer.ts';
import { DEVNET_REWARDS_PER_EPOCH, type DevnetBase, type DevnetServices, type ServicesStarter } from './devnet.ts';

/** Options for {@link devnetServices}. */
export type DevnetServicesOptions = {
  /** pino level of the services' logs (`silent` for none); default `info`. */
  logLevel?: string;
  /** Logger to use instead of a new one (its level wins). */
  logger?: Logger;
  /** Aggregator HTTP port; default 0 (a free one). */
  aggregatorPort?: number;
  /** Aggregator interface; default 127.0.0.1. */
  aggregatorHost?: string;
  /** Confirmations an operator waits for before reading a block; default 2 (anvil has no finality). */
  confirmations?: number;
  /** Chain polling interval of the operator nodes, ms; default 250. */
  pollIntervalMs?: number;
  /** Resolve only once every operator node has authenticated with the aggregator; default true. */
  waitForOperators?: boolean;
  /** Run the relayer, the epoch publisher and the challenger; default true. */
  crossChain?: boolean;
  /**
   * Devnet fault injection (dispute demos and tests): the first `operators` operator nodes sign `value + 1` for the
   * queries `fault` selects.
   */
  faulty?: { operators: number; fault: OperatorFault };
  /**
   * Also run the multi-prover's aggregator and operator nodes (when the devnet deployed it): `avs devnet` does;
   * default false.
   */
  multiProver?: boolean | Omit<DevnetMultiProverOptions, 'logger'>;
  /**
   * Also run the automation service's aggregator and operator nodes (when the devnet deployed it): `avs devnet` does;
   * default false.
   */
  automation?: boolean | Omit<DevnetAutomationOptions, 'logger'>;
  /** Also run the preconf service's beacon node and gateway (when the devnet deployed it): `avs devnet` does; default false. */
  preconf?: boolean | Omit<DevnetPreconfOptions, 'logger'>;
};

/** The devnet's dev-account index of the challenger (see `DevnetBase.challenger`). */
const CHALLENGER_ACCOUNT_INDEX = 4;

/** A {@link ServicesStarter} that runs the aggregator and every operator node. */
export function devnetServices(options: DevnetServicesOptions = {}): ServicesStarter {
  return async (devnet: DevnetBase): Promise<DevnetServices> => {
    const logger = options.logger ?? createLogger('devnet', { level: options.logLevel ?? 'info' });
    const crossChain = options.crossChain !== false;
    const database = await openDatabase({ sqlitePath: join(devnet.dataDir, 'aggregator.sqlite'), sqlitePageSize: STATE_PROOFS_SQLITE_PAGE_SIZE });
    const stops: (() => Promise<void>)[] = [() => database.close()];
    const stopAll = async () => {
      for (const stop of stops.splice(0).reverse()) await stop().catch(() => {});
    };
    try {
      const aggregator = await startAggregatorService({
        deployment: devnet.deployment,
        database,
        clients: devnet.clients,
        host: options.aggregatorHost,
        port: options.aggregatorPort ?? 0,
        logger: logger.child({ component: 'aggregator' }),
        publisher: crossChain
          ? { account: devnet.publisher, intervalMs: 1_000, rewards: { token: devnet.token, budgetPerEpoch: DEVNET_REWARDS_PER_EPOCH } }
          : undefined,
      });
      stops.push(() => aggregator.close());

      let relayer: Relayer | undefined;
      if (crossChain && devnet.bridges.length > 0) {
        relayer = await startRelayer({
          pairs: devnet.bridges,
          chains: devnet.chains.map((c) => ({ chainId: c.chainId, rpcUrl: c.rpcUrl })),
          account: devnet.relayer,
          confirmations: 1,
          pollIntervalMs: 250,
          logger: logger.child({ component: 'relayer' }),
        });
        stops.push(() => relayer!.stop());
      }

      const operators: RunningOperator[] = [];
      for (const o of devnet.operators) {
        const running = await startOperator({
          deployment: devnet.deployment,
          aggregatorUrl: aggregator.wsUrl,
          operator: o.address,
          signingPrivateKey: o.signingKey,
          finality: { confirmations: options.confirmations ?? 2 },
          sqlitePath: join(devnet.dataDir, `operator-${o.index}.sqlite`),
          logger: logger.child({ component: 'operator', operator: o.address }),
          pollIntervalMs: options.pollIntervalMs,
          fault: options.faulty && o.index < options.faulty.operators ? options.faulty.fault : undefined,
          nodeApi: { host: options.aggregatorHost, port: 0 },
        });
        operators.push(running);
        stops.push(() => running.stop());
      }
      if (options.waitForOperators !== false) {
        const timeoutMs = 30_000;
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            const missing = operators.filter((o) => !o.node.stats.authenticated).length;
            reject(new Error(`${missing} operator node(s) did not authenticate with the aggregator within ${timeoutMs / 1000} s`));
          }, timeoutMs);
        });
        try {
          await Promise.race([Promise.all(operators.map((o) => o.node.authenticated())), timeout]);
        } finally {
          clearTimeout(timer);
        }
      }

      let challenger: RunningChallenger | undefined;
      if (crossChain && devnet.deployment.stateProofs.stateDisputeResolver) {
        challenger = await startDevnetChallenger(devnet, {
          aggregatorUrl: aggregator.url,
          logger: logger.child({ component: 'challenger' }),
          confirmations: options.confirmations,
          host: options.aggregatorHost,
        });
        stops.push(() => challenger!.stop());
      }

      let multiProver: DevnetMultiProver | undefined;
      if (options.multiProver && devnet.multiProver) {
        const settings = options.multiProver === true ? {} : options.multiProver;
        multiProver = await startDevnetMultiProver(devnet, { host: options.aggregatorHost, confirmations: options.confirmations, ...settings, logger });
        stops.push(() => multiProver!.stop());
      }

      let automation: DevnetAutomation | undefined;
      if (options.automation && devnet.automation) {
        const settings = options.automation === true ? {} : options.automation;
        automation = await startDevnetAutomation(devnet, { host: options.aggregatorHost, ...settings, logger });
        stops.push(() => automation!.stop());
      }

      let preconf: DevnetPreconf | undefined;
      if (options.preconf && devnet.preconf) {
        const settings = options.preconf === true ? {} : options.preconf;
        preconf = await startDevnetPreconf(devnet, { host: options.aggregatorHost, ...settings, logger });
        stops.push(() => preconf!.stop());
      }

      const endpoints: Record<string, string> = {
        dashboard: `${aggregator.url}/dashboard`,
        'aggregator http': aggregator.url,
        'proofs api': `${aggregator.url}/v1/state-proofs`,
        'openapi': `${aggregator.url}/openapi.json`,
        'node api': `${aggregator.url}/eigen/node`,
        'operators ws': aggregator.wsUrl,
      };
      for (const [i, o] of operators.entries()) if (o.nodeApi) endpoints[`operator ${i} node api`] = `${o.nodeApi.url}/eigen/node`;
      if (challenger?.nodeApi) endpoints['challenger node api'] = `${challenger.nodeApi.url}/eigen/node`;
      Object.assign(endpoints, multiProver?.endpoints, automation?.endpoints, preconf?.endpoints);
      return { endpoints, aggregatorUrl: aggregator.url, operators, relayer, challenger, publisher: aggregator.publisher, multiProver, automation, preconf, stop: stopAll };
    } catch (error) {
      await stopAll();
      throw error;
    }
  };
}

/** Options of {@link startDevnetChallenger}. */
export type DevnetChallengerOptions = {
  /** Aggregator HTTP base URL whose proof feed the challenger follows. */
  aggregatorUrl: string;
  logger: Logger;
  /** Confirmations before a source block is read; default 2 (as the operators). */
  confirmations?: number;
  /** Interface of the challenger's node API (on a free port); default 127.0.0.1. */
  host?: string;
};

/**
 * Starts the devnet's challenger: dev account 4 ({@link DevnetBase.challenger}) posts bonds and pays bridge fees, and
 * its journal is `<dataDir>/challenger.sqlite`. {@link devnetServices} starts one; calling this again after stopping it
 * restarts the challenger on the same journal (it resumes every open dispute). The caller stops what it starts.
 * @throws {DeploymentError} when the deployment has no dispute contracts.
 */
export function startDevnetChallenger(devnet: DevnetBase, options: DevnetChallengerOptions): Promise<RunningChallenger> {
  return startChallenger({
    deployment: devnet.deployment,
    aggregatorUrl: options.aggregatorUrl,
    privateKey: devPrivateKey(CHALLENGER_ACCOUNT_INDEX),
    finality: { confirmations: options.confirmations ?? 2 },
    sqlitePath: join(devnet.dataDir, 'challenger.sqlite'),
    clients: devnet.clients,
    pollIntervalMs: 500,
    logger: options.logger,
    nodeApi: { host: options.host, port: 0 },
  });
}
