/**
 * Assembles and starts an automation operator: its node (chain index, executor from the delegated signer, attester with
 * the registered signing key) on the operator's main-chain RPC and, optionally, the EigenLayer node API with metrics.
 * {@link startAutomationOperator} takes everything explicitly; {@link startAutomationOperatorFromConfig} takes a loaded
 * `automation-operator` config and the caller's way of opening keystores (the command line's).
 *
 * Stopping never deactivates the operator: its slots stay its duty until `deactivate` is sent explicitly.
 */
import { type Address, type Hex, isAddressEqual, parseGwei } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { makePublicClient } from '../../../core/chain/clients.ts';
import { mainChainOf } from '../../../core/chain/deployment.ts';
import { instrumentRpcClients } from '../../../core/chain/rpcMetrics.ts';
import { type LoadedConfig, rpcUrlOf } from '../../../core/config/index.ts';
import { signingKeyFromPrivateKey } from '../../../core/crypto/ecdsa.ts';
import { createMetricsRegistry } from '../../../core/http/metrics.ts';
import { type NodeServer, startNodeServer } from '../../../core/http/nodeServer.ts';
import { type Logger, createLogger } from '../../../core/logging.ts';
import { OPERATOR_WS_PATH } from '../../../runtime/operators/hub.ts';
import type { AutomationOperatorConfig } from '../config.ts';
import type { AutomationDeployment } from '../deployment.ts';
import { registerAutomationOperatorMetrics } from './metrics.ts';
import { AutomationOperatorNode } from './node.ts';

/** Software version the node reports (node API, authentication). */
export const AUTOMATION_OPERATOR_VERSION = '0.1.0';

/** Options of {@link startAutomationOperator}. */
export type StartAutomationOperatorOptions = {
  deployment: AutomationDeployment;
  /** Aggregator URL: its operators' WebSocket (`ws(s)://…/v1/operators/ws`), or its http(s) base URL. Without it the node executes but does not attest. */
  aggregatorUrl?: string;
  /** The operator's EigenLayer address. */
  operator: Address;
  /** Private key of its signing key in the automation stake registry (verdicts, authentication). */
  signingPrivateKey: Hex;
  /** Private key of the account sending runMultipleWorkflows: its delegated signer, or the operator key. */
  executionPrivateKey: Hex;
  /** Main-chain HTTP RPC; default the deployment's. An operator should use its own. */
  rpcUrl?: string;
  /** Main-chain WebSocket RPC to follow heads by subscription; default: poll `rpcUrl`. */
  wsUrl?: string;
  /** First block of the automation contracts' events (default 0). */
  fromBlock?: bigint;
  /** Priority fee of executions, wei per gas (default 1 gwei). */
  priorityFee?: bigint;
  /** Serve the EigenLayer node API (`/eigen`) and Prometheus metrics (`/metrics`) here; default: not served. */
  nodeApi?: { host?: string; port: number };
  logger?: Logger;
};

/** A started operator: its node, its node API, and how to stop both (the operator stays active). */
export type RunningAutomationOperator = {
  node: AutomationOperatorNode;
  nodeApi?: NodeServer;
  stop(): Promise<void>;
};

/** The operator's WebSocket URL of an aggregator URL: ws(s) as given, http(s) mapped to ws(s) with the hub's path. */
export function automationAggregatorSocketUrl(aggregatorUrl: string): string {
  const parsed = new URL(aggregatorUrl);
  if (parsed.protocol === 'ws:' || parsed.protocol === 'wss:') return aggregatorUrl;
  parsed.protocol = parsed.protocol === 'https:' ? 'wss:' : 'ws:';
  parsed.pathname = `${parsed.pathname.replace(/\/+$/, '')}${OPERATOR_WS_PATH}`;
  return parsed.toString();
}

/**
 * Starts the node (its executor follows heads once this resolves; the attester keeps dialing the aggregator in the
 * background) and the node API when asked.
 * @throws viem's errors when the main chain cannot be read; the node server's when the port cannot be bound (the node
 *   is stopped again first).
 */
export async function startAutomationOperator(options: StartAutomationOperatorOptions): Promise<RunningAutomationOperator> {
  const { deployment, operator } = options;
  // Before any client exists, so the node's chain reads feed eigen_rpc_* too.
  const registry = options.nodeApi ? createMetricsRegistry('automation') : undefined;
  if (registry) instrumentRpcClients(registry);
  const logger = options.logger ?? createLogger('automation-operator').child({ operator });
  const main = mainChainOf(deployment);
  const rpcUrl = options.rpcUrl ?? main.rpcUrl;
  const client = makePublicClient(main.chainId, rpcUrl);
  const node = new AutomationOperatorNode({
    deployment,
    client,
    rpcUrl,
    wsUrl: options.wsUrl,
    aggregatorUrl: options.aggregatorUrl === undefined ? undefined : automationAggregatorSocketUrl(options.aggregatorUrl),
    operator,
    signingKey: signingKeyFromPrivateKey(options.signingPrivateKey),
    executionAccount: privateKeyToAccount(options.executionPrivateKey),
    fromBlock: options.fromBlock,
    priorityFee: options.priorityFee,
    logger,
    nodeVersion: AUTOMATION_OPERATOR_VERSION,
  });
  await node.start();
  let nodeApi: NodeServer | undefined;
  let stopMetrics = () => {};
  if (options.nodeApi && registry) {
    try {
      stopMetrics = registerAutomationOperatorMetrics({ registry, node, operator, contracts: deployment.automation, client, fromBlock: options.fromBlock, logger });
      nodeApi = await startNodeServer({
        ...options.nodeApi,
        nodeName: 'avs-stack automation operator',
        nodeVersion: AUTOMATION_OPERATOR_VERSION,
        registry,
        logger,
        services: [
          {
            id: 'executor',
            name: 'Workflow executor',
            description: "Runs the due workflows in the operator's own slots",
            status: () => (node.stats.executor.lastHead === null ? 'Initializing' : 'Up'),
          },
          {
            id: 'aggregator',
            name: 'Aggregator connection',
            description: 'Authenticated WebSocket to the aggregator (slot verdicts)',
            status: () => {
              const attester = node.stats.attester;
              return !attester ? 'Down' : attester.authenticated ? 'Up' : attester.connected ? 'Initializing' : 'Down';
            },
          },
        ],
      });
    } catch (error) {
      stopMetrics();
      await node.stop();
      throw error;
    }
  }
  return {
    node,
    nodeApi,
    async stop() {
      stopMetrics();
      await nodeApi?.close();
      await node.stop();
    },
  };
}

/** How {@link startAutomationOperatorFromConfig} gets at keys: the caller's keystore reader and devnet keys. */
export type AutomationOperatorKeyAccess = {
  /** The private key of an ECDSA keystore (Web3 Secret Storage), for `signingKey.keystore` and `executionKey.keystore`. */
  ecdsaKeystore(source: { keystore: string; passwordFile?: string }): Promise<Hex>;
  /** Devnets: seeded operator `index`'s keys (operator, signing key, delegated signer), for `signingKey.devnetOperator`. */
  devnetOperator?(index: number): { operatorKey: Hex; signingKey: Hex; executionKey: Hex };
};

/** The config names keys the caller cannot provide, or an address that is not the devnet operator's. */
export class AutomationOperatorConfigError extends Error {
  override name = 'AutomationOperatorConfigError';
}

/**
 * Starts the operator of a loaded `automation-operator` config (see config.ts): keys from the keystores (or the
 * devnet operator's), the main chain's RPC from `rpc` over the deployment's, `wsUrl` and `aggregatorUrl` as completed.
 * @throws {AutomationOperatorConfigError} for a devnet operator without `keys.devnetOperator`, or an address that is
 *   not that operator's; the keystores' errors (wrong password); {@link startAutomationOperator}'s.
 */
export async function startAutomationOperatorFromConfig(
  config: LoadedConfig<AutomationOperatorConfig, AutomationDeployment>,
  keys: AutomationOperatorKeyAccess,
  logger?: Logger,
): Promise<RunningAutomationOperator> {
  const { values, deployment } = config;
  const keyOf = (source: { keystore?: string; passwordFile?: string; privateKey?: Hex }): Promise<Hex> =>
    source.keystore !== undefined ? keys.ecdsaKeystore({ keystore: source.keystore, passwordFile: source.passwordFile }) : Promise.resolve(source.privateKey!);
  let operator: Address;
  let signingPrivateKey: Hex;
  let devnetExecutionKey: Hex | undefined;
  const index = values.signingKey.devnetOperator;
  if (index !== undefined) {
    if (!keys.devnetOperator) throw new AutomationOperatorConfigError('signingKey.devnetOperator needs the devnet operators’ keys');
    const devnet = keys.devnetOperator(index);
    operator = privateKeyToAccount(devnet.operatorKey).address;
    if (values.address !== undefined && !isAddressEqual(values.address, operator)) {
      throw new AutomationOperatorConfigError(`devnet operator ${index} is ${operator}, not ${values.address}`);
    }
    signingPrivateKey = devnet.signingKey;
    devnetExecutionKey = devnet.executionKey;
  } else {
    // The schema requires address and executionKey unless a devnet operator is used.
    operator = values.address!;
    signingPrivateKey = await keyOf(values.signingKey);
  }
  const executionPrivateKey = values.executionKey ? await keyOf(values.executionKey) : devnetExecutionKey!;
  return startAutomationOperator({
    deployment,
    aggregatorUrl: values.aggregatorUrl,
    operator,
    signingPrivateKey,
    executionPrivateKey,
    rpcUrl: rpcUrlOf(config, deployment.mainChainId),
    wsUrl: values.wsUrl,
    fromBlock: values.fromBlock,
    priorityFee: values.priorityFeeGwei === undefined ? undefined : parseGwei(String(values.priorityFeeGwei)),
    nodeApi: values.nodeApi,
    logger: logger ?? createLogger('automation-operator', { level: values.logLevel }).child({ operator }),
  });
}
