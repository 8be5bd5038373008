/**
 * The off-chain half of a devnet: the aggregator (HTTP API, operators' WebSocket hub, node API) and one operator node
 * per seeded operator, all in this process, with SQLite databases in the devnet's data directory.
 */
import { join } from 'node:path';
import { openDatabase } from '../core/db/index.ts';
import { type Logger, createLogger } from '../core/logging.ts';
import { startAggregatorService } from '../state-proofs/aggregator/service.ts';
import { type RunningOperator, startOperator } from '../state-proofs/operator/run.ts';
import type { DevnetBase, DevnetServices, ServicesStarter } from './devnet.ts';

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
};

/** A {@link ServicesStarter} that runs the aggregator and every operator node. */
export function devnetServices(options: DevnetServicesOptions = {}): ServicesStarter {
  return async (devnet: DevnetBase): Promise<DevnetServices> => {
    const logger = options.logger ?? createLogger('devnet', { level: options.logLevel ?? 'info' });
    const database = await openDatabase({ sqlitePath: join(devnet.dataDir, 'aggregator.sqlite') });
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
      });
      stops.push(() => aggregator.close());

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

      const endpoints: Record<string, string> = {
        'aggregator http': aggregator.url,
        'proofs api': `${aggregator.url}/v1/state-proofs`,
        'openapi': `${aggregator.url}/openapi.json`,
        'node api': `${aggregator.url}/eigen/node`,
        'operators ws': aggregator.wsUrl,
      };
      return { endpoints, aggregatorUrl: aggregator.url, stop: stopAll };
    } catch (error) {
      await stopAll();
      throw error;
    }
  };
}
