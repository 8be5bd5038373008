/**
 * The multi-prover's off-chain half on a devnet, in this process with SQLite databases in the devnet's data directory:
 * its aggregator (HTTP API, operators' WebSocket hub with BLS authentication, block watcher over the proven chains,
 * confirmState submitter paid by anvil dev account 5) and one operator node per registered operator, each with a
 * devnet TEE prover whose enclave key it keeps live on-chain. {@link startDevnetMultiProver} runs beside the
 * state-proofs services (`avs devnet`); {@link multiProverOnlyServices} runs it alone (`avs demo multi-prover`).
 */
import { join } from 'node:path';
import { openDatabase } from '../core/db/index.ts';
import { type Logger, createLogger } from '../core/logging.ts';
import { type MultiProverAggregatorService, startMultiProverAggregatorService } from '../services/multi-prover/aggregator/service.ts';
import { multiProverDeployment } from '../services/multi-prover/deployment.ts';
import { type RunningMultiProverOperator, startMultiProverOperator } from '../services/multi-prover/operator/run.ts';
import { devAccount, devnetBlsKey } from './accounts.ts';
import type { DevnetBase, DevnetServices, ServicesStarter } from './devnet.ts';

/** The dev account that pays the multi-prover's confirmState transactions. */
const CONFIRMER_ACCOUNT_INDEX = 5;

/** Options of {@link startDevnetMultiProver}. */
export type DevnetMultiProverOptions = {
  logger: Logger;
  /** Interface of the aggregator and the operators' node APIs; default 127.0.0.1. */
  host?: string;
  /** Aggregator port; default 0 (a free one). */
  port?: number;
  /** Prove every n-th block of each proven chain; default 5 (false: only requested blocks). */
  everyBlocks?: number | false;
  /** Depth a block needs before it is proven; default 2. */
  confirmations?: number;
  /** Time a task has to reach every quorum's threshold, ms; default 15 minutes. */
  taskDeadlineMs?: number;
  /** Resolve only once every operator's prover is live and its node authenticated; default true. */
  waitForOperators?: boolean;
};

/** The running multi-prover of a devnet. */
export type DevnetMultiProver = {
  aggregator: MultiProverAggregatorService;
  /** One per registered operator, in the devnet's operator order. */
  operators: (RunningMultiProverOperator & { index: number; address: `0x${string}` })[];
  endpoints: Record<string, string>;
  stop(): Promise<void>;
};

/**
 * Starts the multi-prover aggregator and operator nodes of `devnet` (see the module comment). The caller stops them.
 * @throws when the devnet has no multi-prover, or a node does not become ready within 30 s.
 */
export async function startDevnetMultiProver(devnet: DevnetBase, options: DevnetMultiProverOptions): Promise<DevnetMultiProver> {
  if (!devnet.multiProver) throw new Error('this devnet was started without the multi-prover');
  const { logger } = options;
  const deployment = multiProverDeployment(devnet.deployment, 'devnet');
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => {});
  };
  try {
    const database = await openDatabase({ sqlitePath: join(devnet.dataDir, 'multi-prover-aggregator.sqlite') });
    stops.push(() => database.close());
    const aggregator = await startMultiProverAggregatorService({
      deployment,
      database,
      account: devAccount(CONFIRMER_ACCOUNT_INDEX),
      clients: devnet.clients,
      host: options.host,
      port: options.port ?? 0,
      logger: logger.child({ component: 'multi-prover-aggregator' }),
      taskDeadlineMs: options.taskDeadlineMs,
      blockWatch: options.everyBlocks === false ? false : { everyBlocks: options.everyBlocks ?? 5, confirmations: options.confirmations ?? 2, pollMs: 500 },
    });
    stops.push(() => aggregator.close());
    const operators: DevnetMultiProver['operators'] = [];
    for (const member of devnet.multiProver.operators) {
      const seeded = devnet.operators.find((o) => o.index === member.index);
      if (!seeded) continue;
      const running = await startMultiProverOperator({
        deployment,
        aggregatorUrl: aggregator.wsUrl,
        operator: seeded.address,
        blsKey: devnetBlsKey(member.index),
        livenessPrivateKey: seeded.operatorKey,
        sqlitePath: join(devnet.dataDir, `multi-prover-operator-${member.index}.sqlite`),
        nodeApi: { host: options.host, port: 0 },
        logger: logger.child({ component: 'multi-prover-operator', operator: seeded.address }),
      });
      operators.push(Object.assign(running, { index: member.index, address: seeded.address }));
      stops.push(() => running.stop());
    }
    if (options.waitForOperators !== false) await waitForOperators(operators, aggregator, 30_000);
    const endpoints: Record<string, string> = {
      'multi-prover dashboard': `${aggregator.url}/dashboard`,
      'multi-prover http': aggregator.url,
      'multi-prover tasks api': `${aggregator.url}/v1/multi-prover/tasks`,
      'multi-prover openapi': `${aggregator.url}/openapi.json`,
      'multi-prover operators ws': aggregator.wsUrl,
    };
    for (const o of operators) if (o.nodeApi) endpoints[`multi-prover operator ${o.index} node api`] = `${o.nodeApi.url}/eigen/node`;
    return { aggregator, operators, endpoints, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Resolves once every node authenticated and every prover is live, as the aggregator sees it (it reads the liveness
 * events); rejects after `timeoutMs` naming who is missing.
 */
async function waitForOperators(operators: DevnetMultiProver['operators'], aggregator: MultiProverAggregatorService, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`multi-prover operators ${operators.map((o) => o.index).join(', ')} were not all live and connected within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    const seenLive = async (operator: string) => {
      while (!aggregator.liveness.provers().some((p) => p.operator.toLowerCase() === operator.toLowerCase() && p.liveUntil > aggregator.liveness.chainNow())) {
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await Promise.race([
      Promise.all(operators.map(async (o) => Promise.all([o.keeper.ready(), o.node.authenticated(), seenLive(o.address)]))),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A {@link ServicesStarter} running only the multi-prover (no state-proofs aggregator, relayer or challenger). */
export function multiProverOnlyServices(options: Partial<DevnetMultiProverOptions> & { logLevel?: string } = {}): ServicesStarter {
  return async (devnet: DevnetBase): Promise<DevnetServices> => {
    const logger = options.logger ?? createLogger('devnet', { level: options.logLevel ?? 'info' });
    const multiProver = await startDevnetMultiProver(devnet, { ...options, logger });
    return { endpoints: multiProver.endpoints, multiProver, stop: multiProver.stop };
  };
}
