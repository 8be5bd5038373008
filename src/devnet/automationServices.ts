/**
 * The automation service's off-chain half on a devnet, in this process with a SQLite database in the devnet's data
 * directory: its aggregator (HTTP API, operators' WebSocket hub, arrangeExecutors at each epoch and submitVerdict,
 * paid by anvil dev account 6) and one operator node per seeded operator (executor from its delegated signer, attester
 * with its signing key). {@link startDevnetAutomation} runs beside the other services (`avs devnet`);
 * {@link automationOnlyServices} runs it alone (`avs demo automation`).
 */
import { join } from 'node:path';
import { privateKeyToAccount } from 'viem/accounts';
import { signingKeyFromPrivateKey } from '../core/crypto/ecdsa.ts';
import { openDatabase } from '../core/db/index.ts';
import { type Logger, createLogger } from '../core/logging.ts';
import { type AutomationAggregatorService, startAutomationAggregatorService } from '../services/automation/aggregator/service.ts';
import { automationDeployment } from '../services/automation/deployment.ts';
import { AutomationOperatorNode } from '../services/automation/operator/node.ts';
import { devAccount } from './accounts.ts';
import type { DevnetBase, DevnetServices, ServicesStarter } from './devnet.ts';

/** The dev account that pays the automation aggregator's arrangeExecutors and submitVerdict transactions. */
const SUBMITTER_ACCOUNT_INDEX = 6;

/** Options of {@link startDevnetAutomation}. */
export type DevnetAutomationOptions = {
  logger: Logger;
  /** Interface of the aggregator; default 127.0.0.1. */
  host?: string;
  /** Aggregator port; default 0 (a free one). */
  port?: number;
  /**
   * FAULT INJECTION (demos, tests): the operators with these devnet indexes run their executor with `skipSlots`, idle
   * in their own slots, and are slashed when attesters find a due workflow left unrun.
   */
  skipSlots?: readonly number[];
  /** Resolve only once every operator node's attester authenticated with the aggregator; default true. */
  waitForOperators?: boolean;
};

/** The running automation service of a devnet. */
export type DevnetAutomation = {
  aggregator: AutomationAggregatorService;
  /** One per seeded operator, in the devnet's operator order. */
  operators: { index: number; address: `0x${string}`; node: AutomationOperatorNode; skipSlots: boolean }[];
  endpoints: Record<string, string>;
  stop(): Promise<void>;
};

/**
 * Starts the automation aggregator and operator nodes of `devnet` (see the module comment). The caller stops them.
 * @throws when the devnet has no automation AVS, or a node does not authenticate within 30 s.
 */
export async function startDevnetAutomation(devnet: DevnetBase, options: DevnetAutomationOptions): Promise<DevnetAutomation> {
  if (!devnet.automation) throw new Error('this devnet was started without the automation AVS');
  const { logger } = options;
  const deployment = automationDeployment(devnet.deployment, 'devnet');
  const main = devnet.chains.find((c) => c.chainId === deployment.mainChainId)!;
  const client = devnet.clients.get(deployment.mainChainId)!;
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => {});
  };
  try {
    const database = await openDatabase({ sqlitePath: join(devnet.dataDir, 'automation-aggregator.sqlite') });
    stops.push(() => database.close());
    const aggregator = await startAutomationAggregatorService({
      deployment,
      database,
      account: devAccount(SUBMITTER_ACCOUNT_INDEX),
      client,
      host: options.host,
      port: options.port ?? 0,
      pollMs: 250,
      logger: logger.child({ component: 'automation-aggregator' }),
    });
    stops.push(() => aggregator.close());
    const operators: DevnetAutomation['operators'] = [];
    for (const member of devnet.automation.operators) {
      const seeded = devnet.operators.find((o) => o.index === member.index);
      if (!seeded) continue;
      const skipSlots = options.skipSlots?.includes(member.index) ?? false;
      const node = new AutomationOperatorNode({
        deployment,
        client,
        rpcUrl: main.rpcUrl,
        wsUrl: main.wsUrl,
        aggregatorUrl: aggregator.wsUrl,
        operator: member.address,
        signingKey: signingKeyFromPrivateKey(seeded.signingKey),
        executionAccount: privateKeyToAccount(member.signer?.key ?? member.operatorKey),
        skipSlots,
        logger: logger.child({ component: 'automation-operator', operator: member.address }),
      });
      await node.start();
      stops.push(() => node.stop());
      operators.push({ index: member.index, address: member.address, node, skipSlots });
    }
    if (options.waitForOperators !== false) await waitForAttesters(operators, 30_000);
    const endpoints: Record<string, string> = {
      'automation dashboard': `${aggregator.url}/dashboard`,
      'automation http': aggregator.url,
      'automation openapi': `${aggregator.url}/openapi.json`,
      'automation operators ws': aggregator.wsUrl,
    };
    return { aggregator, operators, endpoints, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Resolves once every node's attester authenticated; rejects after `timeoutMs` naming who is missing. */
async function waitForAttesters(operators: DevnetAutomation['operators'], timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const missing = operators.filter((o) => !o.node.stats.attester?.authenticated).map((o) => o.index);
      reject(new Error(`automation operators ${missing.join(', ')} did not authenticate with the aggregator within ${timeoutMs / 1000} s`));
    }, timeoutMs);
  });
  try {
    await Promise.race([Promise.all(operators.map((o) => o.node.attester?.authenticated())), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A {@link ServicesStarter} running only the automation service (no state-proofs aggregator, relayer or challenger). */
export function automationOnlyServices(options: Partial<DevnetAutomationOptions> & { logLevel?: string } = {}): ServicesStarter {
  return async (devnet: DevnetBase): Promise<DevnetServices> => {
    const logger = options.logger ?? createLogger('devnet', { level: options.logLevel ?? 'info' });
    const automation = await startDevnetAutomation(devnet, { ...options, logger });
    return { endpoints: automation.endpoints, automation, stop: automation.stop };
  };
}
