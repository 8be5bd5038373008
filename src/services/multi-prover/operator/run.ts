/**
 * Assembles and starts a multi-prover operator: its journal database, its prover's TEE and the attestation keeper that
 * keeps it live, the prover on the operator's RPC endpoints, the node, and (optionally) the EigenLayer node API with
 * metrics. {@link startMultiProverOperator} takes everything explicitly; {@link startMultiProverOperatorFromConfig}
 * takes a loaded `multi-prover-operator` config and the caller's way of opening keystores (the command line's).
 */
import type { Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { mainChainOf } from '../../../core/chain/deployment.ts';
import { makePublicClient, makeWalletClient } from '../../../core/chain/clients.ts';
import { instrumentRpcClients } from '../../../core/chain/rpcMetrics.ts';
import type { LoadedConfig } from '../../../core/config/index.ts';
import { rpcUrlsOf } from '../../../core/config/index.ts';
import { type BlsKeyPair, blsKeyPairFromSecret } from '../../../core/crypto/bls.ts';
import { readBlsKeystoreFile } from '../../../core/crypto/keystore-bls.ts';
import type { Database } from '../../../core/db/index.ts';
import { createMetricsRegistry } from '../../../core/http/metrics.ts';
import { type NodeServer, startNodeServer } from '../../../core/http/nodeServer.ts';
import { type Logger, createLogger } from '../../../core/logging.ts';
import { OPERATOR_WS_PATH } from '../../../runtime/operators/hub.ts';
import type { MultiProverOperatorConfig } from '../config.ts';
import type { MultiProverDeployment, TeeTypeName } from '../deployment.ts';
import { BlockStateProver } from '../prover/blockStateProver.ts';
import { DevnetEnclave } from '../tee/devnetEnclave.ts';
import { type IntelCollateralConfig, IntelTee, intelCollateralPublisher, intelCollateralSourceOf, readIntelPolicy } from '../tee/intelTee.ts';
import { type IntelQuoteSourceConfig, intelQuoteSourceOf } from '../tee/intelQuoteSource.ts';
import { AttestationKeeper, DevnetTee, type ProverTee, devnetAttestationKeyOf, devnetProverMeasurement } from './attestation.ts';
import { openStateJournal } from './journal.ts';
import { registerMultiProverOperatorMetrics } from './metrics.ts';
import { MultiProverOperatorNode } from './node.ts';

/** Software version the node reports (node API, authentication). */
export const MULTI_PROVER_OPERATOR_VERSION = '0.1.0';

/** Options of {@link startMultiProverOperator}. */
export type StartMultiProverOperatorOptions = {
  deployment: MultiProverDeployment;
  /** Aggregator URL: its operators' WebSocket (`ws(s)://…/v1/operators/ws`), or its http(s) base URL. */
  aggregatorUrl: string;
  /** The operator's EigenLayer address. */
  operator: Address;
  /** The operator's registered BN254 key. */
  blsKey: BlsKeyPair;
  /** Private key of the account sending liveness proofs: the operator's, or an appointee's for submitLivenessProof. */
  livenessPrivateKey: Hex;
  /** RPC endpoints by chain id; default: the deployment's. An operator should use its own. */
  rpcUrls?: Record<number, string>;
  /** Postgres URL (the journal lives in schema `multi_prover_operator_<address>`), or nothing for SQLite at `sqlitePath`. */
  databaseUrl?: string;
  /** SQLite journal file; default `.avs/multi-prover-operator-<address>.sqlite`. */
  sqlitePath?: string;
  /** The prover's TEE and the keeper's renewal margin. */
  attestation?: {
    /** Default devnet. */
    teeType?: TeeTypeName;
    /** Devnet TEE: the code identity its enclave is measured as. */
    codeIdentity?: string;
    /** SGX and TDX TEEs (required for them): where quotes and their collateral come from (config `attestation.intel`). */
    intel?: { quoteSource: IntelQuoteSourceConfig; collateral: IntelCollateralConfig };
    /** Default 300. */
    renewBeforeSeconds?: number;
    /** A TEE of the caller's (SGX, TDX, ...): replaces the one built from `teeType`. */
    tee?: ProverTee;
  };
  /** Serve the EigenLayer node API (`/eigen`) and Prometheus metrics (`/metrics`) here; default: not served. */
  nodeApi?: { host?: string; port: number };
  logger?: Logger;
};

/** A started operator: its parts, and how to stop everything it opened. */
export type RunningMultiProverOperator = {
  node: MultiProverOperatorNode;
  keeper: AttestationKeeper;
  database: Database;
  nodeApi?: NodeServer;
  stop(): Promise<void>;
};

/** The TEE type has no implementation in this node yet (pass `attestation.tee`). */
export class UnsupportedTeeError extends Error {
  override name = 'UnsupportedTeeError';
}

/** The operator's WebSocket URL of an aggregator URL: ws(s) as given, http(s) mapped to ws(s) with the hub's path. */
export function aggregatorSocketUrl(aggregatorUrl: string): string {
  const parsed = new URL(aggregatorUrl);
  if (parsed.protocol === 'ws:' || parsed.protocol === 'wss:') return aggregatorUrl;
  parsed.protocol = parsed.protocol === 'https:' ? 'wss:' : 'ws:';
  parsed.pathname = `${parsed.pathname.replace(/\/+$/, '')}${OPERATOR_WS_PATH}`;
  return parsed.toString();
}

/**
 * The TEE of `teeType` for this deployment: the devnet's, an Intel SGX/TDX TEE (quotes from `attestation.intel`, checked
 * with the deployment verifier's policy, collateral submitted to its IntelCollateralStore from `wallet`), or the caller's.
 */
async function proverTee(options: StartMultiProverOperatorOptions, client: PublicClient, wallet: WalletClient<Transport, Chain, Account>): Promise<ProverTee> {
  const attestation = options.attestation ?? {};
  if (attestation.tee) return attestation.tee;
  const teeType = attestation.teeType ?? 'devnet';
  const { multiProver } = options.deployment;
  if (teeType === 'sgx' || teeType === 'tdx') {
    const verifier = multiProver.attestationVerifiers[teeType];
    if (!verifier) throw new UnsupportedTeeError(`the deployment has no ${teeType} attestation verifier`);
    const store = multiProver.intelCollateralStore;
    if (!store) throw new UnsupportedTeeError(`the ${teeType} TEE needs the deployment's intelCollateralStore`);
    const intel = attestation.intel;
    if (!intel) throw new UnsupportedTeeError(`the ${teeType} TEE needs attestation.intel (quoteSource and collateral)`);
    return new IntelTee({
      teeType,
      quoteSource: intelQuoteSourceOf(intel.quoteSource),
      collateralSource: intelCollateralSourceOf(intel.collateral),
      policy: () => readIntelPolicy(client, verifier),
      publishCollateral: intelCollateralPublisher({ publicClient: client, walletClient: wallet, store }),
    });
  }
  if (teeType !== 'devnet') throw new UnsupportedTeeError(`no ${teeType} prover TEE is built into this node; pass attestation.tee`);
  const verifier = multiProver.attestationVerifiers.devnet;
  if (!verifier) throw new UnsupportedTeeError('the deployment has no devnet attestation verifier');
  const attestationKey = multiProver.devnetAttestationKey ?? (await devnetAttestationKeyOf(client, verifier));
  return new DevnetTee({ attestationKey, enclave: new DevnetEnclave(devnetProverMeasurement(attestation.codeIdentity)) });
}

/**
 * Opens the journal (migrating it), builds the TEE, starts the attestation keeper (which proves the prover live and
 * renews it in the background) and the node, and the node API when asked.
 * @throws {DatabaseError} / {MigrationError} when the journal cannot be opened; {UnsupportedTeeError} for a TEE type
 *   without an implementation, or an sgx/tdx TEE without its verifier, collateral store or `attestation.intel`; viem's
 *   errors when the devnet attestation key cannot be read.
 */
export async function startMultiProverOperator(options: StartMultiProverOperatorOptions): Promise<RunningMultiProverOperator> {
  const { deployment, operator } = options;
  // Before any client exists, so the node's chain reads feed eigen_rpc_* too.
  const registry = options.nodeApi ? createMetricsRegistry('multi-prover') : undefined;
  if (registry) instrumentRpcClients(registry);
  const logger = options.logger ?? createLogger('multi-prover-operator').child({ operator });
  const rpcOf = (chainId: number) => options.rpcUrls?.[chainId] ?? deployment.chains.find((c) => c.chainId === chainId)?.rpcUrl ?? '';
  const main = mainChainOf(deployment);
  const client = makePublicClient(main.chainId, rpcOf(main.chainId));
  const wallet = makeWalletClient(main.chainId, rpcOf(main.chainId), privateKeyToAccount(options.livenessPrivateKey));
  const tee = await proverTee(options, client, wallet);
  const teeType = options.attestation?.tee?.teeType ?? options.attestation?.teeType ?? 'devnet';
  const { database, journal } = await openStateJournal({ operator, databaseUrl: options.databaseUrl, sqlitePath: options.sqlitePath });
  const keeper = new AttestationKeeper({
    tee,
    operator,
    client,
    wallet,
    livenessVerifier: deployment.multiProver.livenessVerifier,
    renewBeforeSeconds: options.attestation?.renewBeforeSeconds,
    logger: logger.child({ component: 'attestation' }),
  });
  const prover = new BlockStateProver({
    clients: new Map(deployment.multiProver.provenChains.map((id) => [id, makePublicClient(id, rpcOf(id))])),
    enclave: tee.enclave,
  });
  const node = new MultiProverOperatorNode({
    aggregatorUrl: aggregatorSocketUrl(options.aggregatorUrl),
    deployment,
    operator,
    blsKey: options.blsKey,
    prover,
    proverKey: tee.enclave.address,
    proverLive: () => keeper.ready(),
    journal,
    logger,
    nodeVersion: MULTI_PROVER_OPERATOR_VERSION,
  });
  keeper.start();
  node.start();
  let nodeApi: NodeServer | undefined;
  let stopMetrics = () => {};
  if (options.nodeApi && registry) {
    try {
      stopMetrics = registerMultiProverOperatorMetrics({ registry, node, keeper, teeType, operator, deployment, client, logger });
      nodeApi = await startNodeServer({
        ...options.nodeApi,
        nodeName: 'avs-stack multi-prover operator',
        nodeVersion: MULTI_PROVER_OPERATOR_VERSION,
        registry,
        logger,
        services: [
          {
            id: 'aggregator',
            name: 'Aggregator connection',
            description: 'Authenticated WebSocket to the aggregator',
            status: () => (node.stats.authenticated ? 'Up' : node.stats.connected ? 'Initializing' : 'Down'),
          },
          {
            id: 'prover',
            name: 'TEE prover liveness',
            description: "The prover's liveness proof in the TEELivenessVerifier",
            status: () => (keeper.liveUntil > Date.now() / 1000 ? 'Up' : keeper.stats.lastError ? 'Down' : 'Initializing'),
          },
        ],
      });
    } catch (error) {
      stopMetrics();
      await node.stop();
      await keeper.stop();
      await database.close();
      throw error;
    }
  }
  return {
    node,
    keeper,
    database,
    nodeApi,
    async stop() {
      stopMetrics();
      await nodeApi?.close();
      await node.stop();
      await keeper.stop();
      await database.close();
    },
  };
}

/** How {@link startMultiProverOperatorFromConfig} gets at keys: the caller's password prompt and devnet keys. */
export type OperatorKeyAccess = {
  /** The password of `keystore` (the command line: `passwordFile`, else `AVS_KEYSTORE_PASSWORD`, else a prompt). */
  password(source: { keystore: string; passwordFile?: string }): Promise<string>;
  /** The private key of an ECDSA keystore (Web3 Secret Storage), for `livenessKey.keystore`. */
  ecdsaKeystore(source: { keystore: string; passwordFile?: string }): Promise<Hex>;
  /** Devnets: seeded operator `index`'s keys (the devnet's deterministic keys), for `blsKey.devnetOperator`. */
  devnetOperator?(index: number): { operatorKey: Hex; blsSecret: bigint };
};

/** The config names keys the caller cannot provide, an address that is not the key's operator, or no aggregator. */
export class OperatorConfigError extends Error {
  override name = 'OperatorConfigError';
}

/**
 * Starts the operator of a loaded `multi-prover-operator` config (see config.ts): keys from the keystores (or the
 * devnet operator's), RPC endpoints from `rpc` over the deployment's, the journal from `database`.
 * @throws {OperatorConfigError} for a devnet operator without `keys.devnetOperator`, an address that is not that
 *   operator's, or no aggregator URL; the keystores' errors (wrong password); {@link startMultiProverOperator}'s.
 */
export async function startMultiProverOperatorFromConfig(
  config: LoadedConfig<MultiProverOperatorConfig, MultiProverDeployment>,
  keys: OperatorKeyAccess,
  logger?: Logger,
): Promise<RunningMultiProverOperator> {
  const { values, deployment } = config;
  let operator: Address;
  let blsKey: BlsKeyPair;
  let devnetOperatorKey: Hex | undefined;
  if (values.blsKey.devnetOperator !== undefined) {
    if (!keys.devnetOperator) throw new OperatorConfigError('blsKey.devnetOperator needs the devnet operators’ keys');
    const devnet = keys.devnetOperator(values.blsKey.devnetOperator);
    operator = privateKeyToAccount(devnet.operatorKey).address;
    if (values.address !== undefined && values.address.toLowerCase() !== operator.toLowerCase()) {
      throw new OperatorConfigError(`devnet operator ${values.blsKey.devnetOperator} is ${operator}, not ${values.address}`);
    }
    blsKey = blsKeyPairFromSecret(devnet.blsSecret);
    devnetOperatorKey = devnet.operatorKey;
  } else {
    operator = values.address!;
    const source = { keystore: values.blsKey.keystore!, passwordFile: values.blsKey.passwordFile };
    blsKey = await readBlsKeystoreFile(source.keystore, await keys.password(source));
  }
  // The schema requires livenessKey unless a devnet operator (whose own key then sends) is used.
  const liveness = values.livenessKey;
  const livenessPrivateKey =
    liveness?.keystore !== undefined
      ? await keys.ecdsaKeystore({ keystore: liveness.keystore, passwordFile: liveness.passwordFile })
      : (liveness?.privateKey ?? devnetOperatorKey!);
  if (!values.aggregatorUrl) throw new OperatorConfigError('no aggregator URL: set aggregatorUrl');
  return startMultiProverOperator({
    deployment,
    aggregatorUrl: values.aggregatorUrl,
    operator,
    blsKey,
    livenessPrivateKey,
    rpcUrls: rpcUrlsOf(config),
    databaseUrl: values.database.url,
    sqlitePath: values.database.sqlitePath,
    attestation: values.attestation,
    nodeApi: values.nodeApi,
    logger: logger ?? createLogger('multi-prover-operator', { level: values.logLevel }).child({ operator }),
  });
}
