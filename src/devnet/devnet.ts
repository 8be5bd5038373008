/**
 * A whole local devnet in one call (docs/architecture.md, "Devnet"): anvil chains as child processes, every contract
 * deployed, operators funded, restaked and registered, and (when wired) the aggregator and one operator node per
 * operator running in this process tree. `avs devnet` and `avs demo` are thin wrappers around {@link startDevnet}.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Address, PrivateKeyAccount, PublicClient } from 'viem';
import { DevnetTokenAbi } from '../core/chain/abis/generated/index.ts';
import { makePublicClient, makeWalletClient } from '../core/chain/clients.ts';
import { serializeDeployment } from '../core/chain/deployment.ts';
import type { StateProofsDeployment } from '../services/state-proofs/deployment.ts';
import { devAccount } from './accounts.ts';
import { type AnvilChain, type MiningMode, startAnvils, stopAnvils } from './anvil.ts';
import type { EpochPublisher } from '../runtime/publisher.ts';
import type { RunningChallenger } from '../services/state-proofs/challenger/run.ts';
import type { RunningOperator } from '../services/state-proofs/operator/run.ts';
import type { DeployedBridgePair } from './bridge.ts';
import type { Relayer } from './relayer.ts';
import { type DeployParameters, deployDevnet } from './deploy.ts';
import { type SeedResult, type SeededOperator, seedOperators } from './seed.ts';
import type { Arrangement } from '../services/automation/schedule.ts';
import { type AutomationDevnet, arrangeAutomationExecutors, seedAutomationOperators } from './automation.ts';
import { type MultiProverDevnet, seedMultiProverOperators } from './multiProver.ts';
import type { DevnetAutomation } from './automationServices.ts';
import type { DevnetMultiProver } from './multiProverServices.ts';
import { type PreconfDevnet, seedDevnetPreconf } from './preconf.ts';
import type { DevnetPreconf } from './preconfServices.ts';
import { advanceChainsTo, advanceToEpoch, chainTime } from './time.ts';
import { epochInterval } from '../core/epochs.ts';

/** The main chain of every devnet. */
export const DEVNET_MAIN_CHAIN_ID = 31337;

/** Devnet tokens minted to the epoch publisher for operators' rewards (base units: a million tokens). */
export const DEVNET_PUBLISHER_REWARD_FUNDS = 10n ** 24n;

/** Rewards the devnet's publisher pays per epoch (base units: 1,000 tokens). */
export const DEVNET_REWARDS_PER_EPOCH = 10n ** 21n;

/** Running off-chain services of a devnet (aggregator and operator nodes). */
export type DevnetServices = {
  /** Endpoints to print, e.g. `{ 'aggregator http': 'http://127.0.0.1:8080' }`. */
  endpoints: Record<string, string>;
  /** Aggregator HTTP base URL (the `aggregator.url` of the deployment file). */
  aggregatorUrl?: string;
  /** The running operator nodes, relayer, challenger and epoch publisher, when started. */
  operators?: RunningOperator[];
  relayer?: Relayer;
  challenger?: RunningChallenger;
  publisher?: EpochPublisher;
  /** The multi-prover's aggregator and operator nodes, when started. */
  multiProver?: DevnetMultiProver;
  /** The automation service's aggregator and operator nodes, when started. */
  automation?: DevnetAutomation;
  /** The preconf service's beacon node and gateway, when started. */
  preconf?: DevnetPreconf;
  stop(): Promise<void>;
};

/** Starts a devnet's off-chain services once its contracts and operators are in place. */
export type ServicesStarter = (devnet: DevnetBase) => Promise<DevnetServices>;

/** Options for {@link startDevnet}. */
export type StartDevnetOptions = DeployParameters & {
  /** Number of operators; default 4. */
  operators?: number;
  /** Number of remote chains (31338, 31339, ...); default 1. */
  remoteChains?: number;
  /** Block production of every chain; default a block per transaction plus one every second. */
  mining?: MiningMode;
  /**
   * Directory for the devnet's databases (`<dir>/devnet/`, emptied at start) and, when `writeDeployment` is set, the
   * deployment file. Default `.avs`.
   */
  dir?: string;
  /** Write the deployment to this file (e.g. `.avs/devnet.json`); default: not written. */
  writeDeployment?: string;
  /** Starts the aggregator and operator nodes; default: none (chains, contracts and registrations only). */
  services?: ServicesStarter;
  /** Progress lines for long steps. */
  onProgress?: (message: string) => void;
  /** Receives anvil's own log lines. */
  onChainLog?: (line: string, chainId: number) => void;
};

/** A devnet before its services start. */
export type DevnetBase = {
  chains: AnvilChain[];
  deployment: StateProofsDeployment;
  /** Devnet token the strategy holds (anyone may mint). */
  token: Address;
  /** Deployer and owner of every contract (anvil dev account 0). */
  deployer: PrivateKeyAccount;
  /** A funded account for users of the devnet (anvil dev account 1), distinct from deployer and operators. */
  user: PrivateKeyAccount;
  /** Pays the epoch publisher's transactions: weight refreshes, state updates to remote chains (anvil dev account 2). */
  publisher: PrivateKeyAccount;
  /** Delivers bridge messages; authorised on every devnet bridge endpoint (anvil dev account 3). */
  relayer: PrivateKeyAccount;
  /** Posts challenge bonds and pays verification fees for the devnet's challenger (anvil dev account 4). */
  challenger: PrivateKeyAccount;
  /** The bridge pair of each remote chain. */
  bridges: DeployedBridgePair[];
  /**
   * The multi-prover beside state-proofs (its contracts are in `deployment.services['multi-prover']`): its strategy,
   * and the operators' BLS key hashes, quorums and weights from `multiProver.activeEpoch` on. Absent with
   * `multiProver: false`.
   */
  multiProver?: MultiProverDevnet;
  /**
   * The automation AVS beside state-proofs (its contracts are in `deployment.services.automation`): its strategy, the
   * operators with their delegated signers, all active executors, and the first arrangement. Absent with
   * `automation: false`.
   */
  automation?: AutomationDevnet & { arrangement: Arrangement };
  /**
   * The preconf registry beside the others (its contracts are in `deployment.services.preconf`): the beacon chain's
   * validators, the pods, the gateway's delegate key and the operators registered at seeding. Absent with
   * `preconf: false`.
   */
  preconf?: PreconfDevnet;
  operators: SeededOperator[];
  seed: SeedResult;
  thresholdBps: number;
  maxProofAgeEpochs: number;
  /** Where the devnet keeps its databases. */
  dataDir: string;
  /** A public client per chain id. */
  clients: Map<number, PublicClient>;
};

/** A running devnet. */
export type Devnet = DevnetBase & {
  services?: DevnetServices;
  /** The deployment file written, if any. */
  deploymentPath?: string;
  /** Stops services, then chains. Idempotent; never throws. */
  stop(): Promise<void>;
};

/**
 * Starts chains, deploys, seeds operators, starts services and writes the deployment file.
 * Everything started is stopped again if a later step fails.
 */
export async function startDevnet(options: StartDevnetOptions = {}): Promise<Devnet> {
  const progress = options.onProgress ?? (() => {});
  const remoteCount = options.remoteChains ?? 1;
  const chainIds = [DEVNET_MAIN_CHAIN_ID, ...Array.from({ length: remoteCount }, (_, i) => DEVNET_MAIN_CHAIN_ID + 1 + i)];
  const dataDir = join(options.dir ?? '.avs', 'devnet');

  progress(`starting ${chainIds.length} anvil chain${chainIds.length > 1 ? 's' : ''} (${chainIds.join(', ')})`);
  const chains = await startAnvils(chainIds, { mining: options.mining, onLog: options.onChainLog });
  let services: DevnetServices | undefined;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (services) await services.stop().catch(() => {});
      await stopAnvils(chains);
    })();
    return stopped;
  };

  try {
    const deployer = devAccount(0);
    const user = devAccount(1);
    const [publisher, relayer, challenger] = [devAccount(2), devAccount(3), devAccount(4)];
    const deployed = await deployDevnet({
      ...options,
      chains: chains.map((c) => ({ chainId: c.chainId, rpcUrl: c.rpcUrl, name: c.chainId === DEVNET_MAIN_CHAIN_ID ? 'devnet main' : `devnet remote ${c.chainId}` })),
      mainChainId: DEVNET_MAIN_CHAIN_ID,
      deployer,
      relayer: relayer.address,
      rewardsInitiator: publisher.address,
      onProgress: progress,
    });
    const clients = new Map(chains.map((c) => [c.chainId, makePublicClient(c.chainId, c.rpcUrl)] as const));
    const mainClient = clients.get(DEVNET_MAIN_CHAIN_ID)!;
    const seed = await seedOperators({
      client: mainClient,
      deployment: deployed.deployment,
      token: deployed.token,
      publisher: deployer,
      operators: options.operators ?? 4,
      // With the multi-prover or automation, the clock moves once every service's registrations are in (below).
      activate: deployed.multiProver || deployed.automation ? false : undefined,
      onProgress: progress,
    });
    // Before the other services' clocks and arrangements: its many setup blocks must not eat into their slots.
    let preconf: PreconfDevnet | undefined;
    if (deployed.preconf) {
      preconf = await seedDevnetPreconf({
        client: mainClient,
        deployment: deployed.deployment,
        section: deployed.preconf,
        deployer,
        operators: seed.operators.map((o) => ({ index: o.index, operatorKey: o.operatorKey })),
        onProgress: progress,
      });
    }

    let active = seed.activeEpoch;
    let multiProver: MultiProverDevnet | undefined;
    if (deployed.multiProver) {
      multiProver = await seedMultiProverOperators({
        client: mainClient,
        deployment: deployed.deployment,
        deployed: deployed.multiProver,
        token: deployed.token,
        operators: seed.operators.map((o) => ({ index: o.index, operatorKey: o.operatorKey, stake: o.stake })),
        onProgress: progress,
      });
      active = Math.max(active, multiProver.activeEpoch);
    }
    let seededAutomation: AutomationDevnet | undefined;
    if (deployed.automation) {
      seededAutomation = await seedAutomationOperators({
        client: mainClient,
        deployment: deployed.deployment,
        deployed: deployed.automation,
        token: deployed.token,
        operators: seed.operators.map((o) => ({ index: o.index, operatorKey: o.operatorKey, signingKey: o.signingKey, stake: o.stake })),
        onProgress: progress,
      });
      active = Math.max(active, seededAutomation.activeEpoch);
    }
    if (deployed.multiProver || deployed.automation) {
      progress(`advancing the clock to epoch ${active} (starts at ${epochInterval(deployed.deployment.epoch, active).start})`);
      await advanceToEpoch(mainClient, deployed.deployment.epoch, active);
    }
    let automation: DevnetBase['automation'];
    if (seededAutomation) {
      progress('arranging the automation executors');
      const arrangement = await arrangeAutomationExecutors({
        client: mainClient,
        epoch: deployed.deployment.epoch,
        section: seededAutomation.section,
        sender: deployer,
        epochToArrange: active,
      });
      automation = { ...seededAutomation, arrangement };
    }

    // The publisher pays operators' rewards in the devnet token (anyone may mint it).
    const mint = await makeWalletClient(DEVNET_MAIN_CHAIN_ID, mainClient.chain!.rpcUrls.default.http[0], deployer).writeContract({
      address: deployed.token,
      abi: DevnetTokenAbi,
      functionName: 'mint',
      args: [publisher.address, DEVNET_PUBLISHER_REWARD_FUNDS],
    });
    await mainClient.waitForTransactionReceipt({ hash: mint });

    // Seeding moved the main chain's clock into the active epoch; remote registries read their own chain's clock.
    await advanceChainsTo([...clients.values()], await chainTime(clients.get(DEVNET_MAIN_CHAIN_ID)!));

    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
    const base: DevnetBase = {
      chains,
      deployment: deployed.deployment,
      token: deployed.token,
      deployer,
      user,
      publisher,
      relayer,
      challenger,
      bridges: deployed.bridges,
      multiProver,
      automation,
      preconf,
      operators: seed.operators,
      seed,
      thresholdBps: deployed.thresholdBps,
      maxProofAgeEpochs: deployed.maxProofAgeEpochs,
      dataDir,
      clients,
    };
    if (options.services) {
      progress('starting the aggregator and operator nodes');
      services = await options.services(base);
    }
    let deploymentPath: string | undefined;
    if (options.writeDeployment) {
      deploymentPath = options.writeDeployment;
      writeDeploymentFile(deploymentPath, base, services);
    }
    return { ...base, services, deploymentPath, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Writes the deployment file: the deployment in its file form (the core fields, the contracts under
 * `services.state-proofs` and `services.multi-prover`; what every command reads) plus the two extension sections
 * readers of the schema skip (`DEPLOYMENT_EXTENSION_KEYS`): `aggregator.url`, and `devnet` (token, users and operators
 * with their addresses, and under `devnet.multiProver` the multi-prover strategy and each operator's BLS key hash,
 * quorums and weights; devnet keys are deterministic, see `devnetOperatorKeys` and `devnetBlsKey`, and are not written).
 */
export function writeDeploymentFile(path: string, devnet: DevnetBase, services?: DevnetServices): void {
  const json = JSON.parse(serializeDeployment(devnet.deployment)) as Record<string, unknown>;
  if (services?.aggregatorUrl) json.aggregator = { url: services.aggregatorUrl };
  if (services?.automation) json.aggregator = { ...(json.aggregator as object), automationUrl: services.automation.aggregator.url };
  if (services?.preconf) json.aggregator = { ...(json.aggregator as object), preconfUrl: services.preconf.gateway.url, beaconUrl: services.preconf.beacon.url };
  json.devnet = {
    token: devnet.token,
    deployer: devnet.deployer.address,
    user: devnet.user.address,
    thresholdBps: devnet.thresholdBps,
    maxProofAgeEpochs: devnet.maxProofAgeEpochs,
    operators: devnet.operators.map((o) => ({
      index: o.index,
      address: o.address,
      signingKey: o.signingKeyAddress,
      weight: o.weight.toString(),
    })),
    endpoints: services?.endpoints ?? {},
  };
  if (devnet.multiProver) {
    (json.devnet as Record<string, unknown>).multiProver = {
      strategy: devnet.multiProver.strategy,
      activeEpoch: devnet.multiProver.activeEpoch,
      operators: devnet.multiProver.operators.map((o) => ({
        index: o.index,
        address: o.address,
        blsKeyHash: o.operatorId,
        quorums: o.quorums,
        weights: Object.fromEntries(Object.entries(o.weights).map(([q, w]) => [q, w.toString()])),
      })),
    };
  }
  if (devnet.automation) {
    (json.devnet as Record<string, unknown>).automation = {
      strategy: devnet.automation.strategy,
      activeEpoch: devnet.automation.activeEpoch,
      operators: devnet.automation.operators.map((o) => ({ index: o.index, address: o.address, signingKey: o.signingKeyAddress, delegatedSigner: o.signer?.address ?? null, stake: o.stake.toString() })),
    };
  }
  if (devnet.preconf) {
    (json.devnet as Record<string, unknown>).preconf = {
      delegateKey: devnet.preconf.delegateKey.address,
      validators: devnet.preconf.validators.map((v) => ({ index: Number(v.index), pubkey: v.pubkey, pubkeyHash: v.pubkeyHash })),
      pods: devnet.preconf.pods.map((p) => ({ operatorIndex: p.operatorIndex, operator: p.operator, owner: p.owner.address, pod: p.pod, validators: p.validators.map((v) => Number(v.index)) })),
      registered: devnet.preconf.registered.map((r) => ({ operatorIndex: r.operatorIndex, operator: r.operator, chainIds: r.chainIds.map(String) })),
    };
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(json, null, 2) + '\n');
}
