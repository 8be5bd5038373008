/**
 * Deploys the state-proofs AVS on top of an existing EigenLayer core: the same function deploys to
 * the devnet (after its devnet core, see src/devnet/deploy.ts) and to a public network (`avs deploy`, where the core and
 * each remote chain's Abridge endpoints already exist).
 *
 * Main chain: EpochManager → StateProofsServiceManager → ECDSAStakeRegistry (wired both ways), a StateManager,
 * RegistryStateSender, MainChainVerifier, StateDisputeResolver, the AVS metadata URI, operator set 0 with the resolver as
 * its slasher, the ServiceManager as its own AVS registrar, and the challenger reward pool. Every remote chain: a
 * StateManager, LightStakeRegistry + RegistryStateReceiver, and a RemoteChainVerifier; then the routes between them through
 * the chain pair's Abridge (docs/decisions/replication-0001.md, disputes-0001.md). Finally every owned contract on every
 * chain is handed to that chain's OwnerTimelock (OpenZeppelin's TimelockController) whose delay is longer than the
 * resolver's EXPOSURE_WINDOW, with the configured owner as proposer and executor (docs/trust-assumptions.md).
 */
import { type Address, type PrivateKeyAccount, type PublicClient, getAddress, parseAbi, zeroAddress } from 'viem';
import {
  ECDSAStakeRegistryAbi,
  ECDSAStakeRegistryBytecode,
  EpochManagerAbi,
  EpochManagerBytecode,
  LightStakeRegistryAbi,
  LightStakeRegistryBytecode,
  MainChainVerifierAbi,
  MainChainVerifierBytecode,
  OwnerTimelockAbi,
  OwnerTimelockBytecode,
  RegistryStateReceiverAbi,
  RegistryStateReceiverBytecode,
  RegistryStateSenderAbi,
  RegistryStateSenderBytecode,
  RemoteChainVerifierAbi,
  RemoteChainVerifierBytecode,
  StateDisputeResolverAbi,
  StateDisputeResolverBytecode,
  StateManagerAbi,
  StateManagerBytecode,
  StateProofsServiceManagerAbi,
  StateProofsServiceManagerBytecode,
} from '../../core/chain/abis/generated/index.ts';
import { makePublicClient, makeWalletClient } from '../../core/chain/clients.ts';
import { parseDeployment } from '../../core/chain/deployment.ts';
import { TxQueue, type TxQueueOptions } from '../../core/chain/transactions.ts';
import { assertEpochConfig } from '../../core/epochs.ts';
import { STATE_PROOFS_SERVICE, type StateProofsDeployment, stateProofsDeployment } from './deployment.ts';

/** OpenZeppelin Ownable's hand-over, which every owned contract here inherits. */
const OwnableAbi = parseAbi(['function transferOwnership(address newOwner)']);

/** The AVS's operator set: the one the StateDisputeResolver slashes, and whose slashable stake is the weight. */
export const STATE_PROOFS_OPERATOR_SET_ID = 0;

/**
 * Default most operators registered at once: the largest set whose first sync to a remote chain one bridge message
 * carries with the gas {@link STATE_UPDATE_GAS} budgets, 300,000 + 128 × 150,000 = 19.5M, within the devnet bridge's
 * 20M cap per message (LightStakeRegistry accepts at most 1,228).
 */
export const DEFAULT_MAX_OPERATORS = 128n;

/** Destination gas of an epoch update through the bridge: a base plus a share per operator in the set. */
export const STATE_UPDATE_GAS = { base: 300_000n, perOperator: 150_000n } as const;
/** Destination gas of MainChainVerifier.handleMessage. */
export const VERIFICATION_GAS = 150_000n;
/** Default MainChainVerifier.MAX_CLOCK_SKEW: how far a source chain's clock may run ahead of the main chain's, seconds. */
export const DEFAULT_MAX_CLOCK_SKEW = 300n;

/**
 * Default time, seconds, operators have to react to a scheduled owner call before it can run, on top of the resolver's
 * EXPOSURE_WINDOW: one day.
 */
export const DEFAULT_TIMELOCK_REACTION_TIME = 86_400n;

/** The timelock delay asked for is not longer than the resolver's EXPOSURE_WINDOW. */
export class TimelockDelayError extends Error {
  override name = 'TimelockDelayError';
}

/**
 * MAX_CLOCK_SKEW for a resolution period (seconds): {@link DEFAULT_MAX_CLOCK_SKEW}, but at most a quarter of the
 * period, so a report that a block was not produced can still count before the deadline.
 */
export function defaultClockSkew(resolutionPeriod: bigint): bigint {
  return resolutionPeriod / 4n < DEFAULT_MAX_CLOCK_SKEW ? resolutionPeriod / 4n : DEFAULT_MAX_CLOCK_SKEW;
}

/** A chain to deploy to. */
export type ChainEndpoint = { chainId: number; rpcUrl: string; name?: string };

/** A remote chain and the Abridge pair that connects it to the main chain. */
export type RemoteChainEndpoint = ChainEndpoint & {
  /** `local`: the Abridge endpoint on this chain; `main`: its peer on the main chain. */
  bridge: { local: Address; main: Address };
};

/** The EigenLayer core the AVS plugs into (eigenlayer-contracts v1.x addresses on public networks). */
export type EigenLayerCore = {
  delegationManager: Address;
  strategyManager: Address;
  avsDirectory: Address;
  allocationManager: Address;
  rewardsCoordinator: Address;
};

/** Options of {@link deployStateProofs}. Amounts in wei, durations in seconds unless named otherwise. */
export type DeployStateProofsOptions = {
  deployer: PrivateKeyAccount;
  main: ChainEndpoint;
  remotes: readonly RemoteChainEndpoint[];
  eigenlayer: EigenLayerCore;
  /** The quorum: strategies (ascending addresses) and their multipliers in basis points of a share (10,000 = 1×). */
  quorum: readonly { strategy: Address; multiplier: bigint }[];
  /** Epoch clock: genesis (unix seconds), length and grace period (seconds). */
  epoch: { genesis: bigint; length: bigint; grace: bigint };
  /** Signed weight a proof needs, basis points of the total weight. */
  thresholdBps: number;
  /** Weights below this count as 0 and registration below it is refused (weight units, > 0). */
  minimumWeight: bigint;
  /** Most operators registered at once; default {@link DEFAULT_MAX_OPERATORS}. */
  maxOperators?: bigint;
  /** How many epochs old a proof's reference epoch may be. */
  maxProofAgeEpochs: number;
  /**
   * Proposer and executor of the timelocks that own every contract once deployed (default the deployer; e.g. the AVS
   * team's multisig). The deployer owns the contracts while wiring, then hands each to its chain's OwnerTimelock
   * ({@link DeployStateProofsOptions.timelockDelay}).
   */
  owner?: Address;
  /**
   * Minimum delay of every chain's OwnerTimelock, seconds; must be longer than the resolver's EXPOSURE_WINDOW. Default
   * EXPOSURE_WINDOW + {@link DEFAULT_TIMELOCK_REACTION_TIME}: an operator that leaves within a day of seeing a call
   * scheduled is out of every dispute's reach before the call can run.
   */
  timelockDelay?: bigint;
  /** The ServiceManager's rewards initiator: the account of the aggregator's epoch publisher. */
  rewardsInitiator: Address;
  /** AVS metadata URI registered in the AVSDirectory. */
  metadataUri: string;
  disputes: {
    /** Smallest challenge bond, wei. */
    minBond: bigint;
    /** Seconds after a challenge by which the truth must be verified. */
    resolutionPeriod: bigint;
    /** Share of each wrong signer's allocation slashed, wad (1e18 = 100%). */
    wadToSlash: bigint;
    /** Paid to a successful challenger on top of its bond, wei. */
    challengerReward: bigint;
    /** Receives the bond of a failed challenge. */
    bondRecipient: Address;
    /** Lower bound of the main chain's block time, seconds (sizes the challenge window in blocks). */
    minBlockTime: number;
    /** Initial challenger reward pool, wei (sent by the deployer). */
    rewardPool: bigint;
    /** How far a source chain's clock may run ahead of the main chain's, seconds; default {@link defaultClockSkew}. */
    maxClockSkew?: bigint;
  };
  /** How transactions go out: `pipelined` on devnets, `confirmed` on public networks. */
  send?: TxQueueOptions;
  /** Progress lines for long steps. */
  onProgress?: (message: string) => void;
};

/**
 * Deploys and wires the state-proofs AVS and returns its deployment (the state-proofs view; `serializeDeployment` writes
 * its file form, the core fields with the contracts under `services.state-proofs`). Remote chains are deployed in
 * parallel with the main chain.
 * @throws {SetupTransactionError} naming the step that reverted.
 * @throws {Error} when the epoch clock is invalid.
 * @throws {TimelockDelayError} when `timelockDelay` is not longer than the resolver's EXPOSURE_WINDOW.
 */
export async function deployStateProofs(options: DeployStateProofsOptions): Promise<StateProofsDeployment> {
  const { deployer, main, epoch } = options;
  const progress = options.onProgress ?? (() => {});
  // The deployer owns everything while wiring (owner-only setters); ownership moves to `options.owner` at the end.
  const owner = deployer.address;
  assertEpochConfig(epoch);
  // Proposer and executor of every chain's OwnerTimelock.
  const timelockOwner = options.owner ? getAddress(options.owner) : owner;
  const queueFor = (chain: ChainEndpoint) => {
    const client: PublicClient = makePublicClient(chain.chainId, chain.rpcUrl);
    return new TxQueue(makeWalletClient(chain.chainId, chain.rpcUrl, deployer), client, options.send);
  };

  const remote = Promise.all(
    options.remotes.map(async (chain) => {
      const q = queueFor(chain);
      const stateManager = await q.deploy(`StateManager on ${chain.chainId}`, { abi: StateManagerAbi, bytecode: StateManagerBytecode });
      const lightStakeRegistry = await q.deploy(
        `LightStakeRegistry on ${chain.chainId}`,
        { abi: LightStakeRegistryAbi, bytecode: LightStakeRegistryBytecode },
        [epoch.genesis, epoch.length, options.maxProofAgeEpochs, owner],
      );
      const registryStateReceiver = await q.deploy(
        `RegistryStateReceiver on ${chain.chainId}`,
        { abi: RegistryStateReceiverAbi, bytecode: RegistryStateReceiverBytecode },
        [lightStakeRegistry, owner],
      );
      await q.write(`LightStakeRegistry.setStateReceiver on ${chain.chainId}`, lightStakeRegistry, LightStakeRegistryAbi, 'setStateReceiver', [
        registryStateReceiver,
      ]);
      await q.settle();
      return { chain, q, stateManager, lightStakeRegistry, registryStateReceiver };
    }),
  );

  progress('deploying the state-proof contracts');
  const q = queueFor(main);
  const epochManager = await q.deploy('EpochManager', { abi: EpochManagerAbi, bytecode: EpochManagerBytecode }, [
    epoch.genesis,
    epoch.length,
    epoch.grace,
    owner,
  ]);
  const serviceManager = await q.deploy(
    'StateProofsServiceManager',
    { abi: StateProofsServiceManagerAbi, bytecode: StateProofsServiceManagerBytecode },
    [options.eigenlayer.avsDirectory, options.eigenlayer.rewardsCoordinator, options.eigenlayer.allocationManager, owner],
  );
  const stakeRegistry = await q.deploy('ECDSAStakeRegistry', { abi: ECDSAStakeRegistryAbi, bytecode: ECDSAStakeRegistryBytecode }, [
    {
      epochManager,
      serviceManager,
      owner,
      quorum: options.quorum.map((s) => ({ strategy: s.strategy, multiplier: s.multiplier })),
      thresholdBps: options.thresholdBps,
      minimumWeight: options.minimumWeight,
      maxProofAgeEpochs: options.maxProofAgeEpochs,
      operatorSetId: STATE_PROOFS_OPERATOR_SET_ID,
      maxOperators: options.maxOperators ?? DEFAULT_MAX_OPERATORS,
    },
  ]);
  await q.write('EpochManager.setStakeRegistry', epochManager, EpochManagerAbi, 'setStakeRegistry', [stakeRegistry]);
  await q.write('ServiceManager.setStakeRegistry', serviceManager, StateProofsServiceManagerAbi, 'setStakeRegistry', [stakeRegistry]);
  await q.write('ServiceManager.setRewardsInitiator', serviceManager, StateProofsServiceManagerAbi, 'setRewardsInitiator', [options.rewardsInitiator]);
  const mainStateManager = await q.deploy(`StateManager on ${main.chainId}`, { abi: StateManagerAbi, bytecode: StateManagerBytecode });

  progress('deploying the cross-chain and dispute contracts');
  const registryStateSender = await q.deploy('RegistryStateSender', { abi: RegistryStateSenderAbi, bytecode: RegistryStateSenderBytecode }, [
    epochManager,
    owner,
  ]);
  const mainChainVerifier = await q.deploy('MainChainVerifier', { abi: MainChainVerifierAbi, bytecode: MainChainVerifierBytecode }, [
    mainStateManager,
    owner,
    options.disputes.maxClockSkew ?? defaultClockSkew(options.disputes.resolutionPeriod),
  ]);
  const stateDisputeResolver = await q.deploy(
    'StateDisputeResolver',
    { abi: StateDisputeResolverAbi, bytecode: StateDisputeResolverBytecode },
    [
      {
        serviceManager,
        stakeRegistry,
        verifier: mainChainVerifier,
        delegationManager: options.eigenlayer.delegationManager,
        operatorSetId: STATE_PROOFS_OPERATOR_SET_ID,
        minBond: options.disputes.minBond,
        resolutionPeriod: options.disputes.resolutionPeriod,
        wadToSlash: options.disputes.wadToSlash,
        challengerReward: options.disputes.challengerReward,
        bondRecipient: options.disputes.bondRecipient,
        minBlockTime: options.disputes.minBlockTime,
      },
    ],
  );
  await q.write('EpochManager.setStateSender', epochManager, EpochManagerAbi, 'setStateSender', [registryStateSender]);
  await q.write('ServiceManager.updateAVSMetadataURI', serviceManager, StateProofsServiceManagerAbi, 'updateAVSMetadataURI', [options.metadataUri]);
  await q.write('ServiceManager.createOperatorSets', serviceManager, StateProofsServiceManagerAbi, 'createOperatorSets', [
    [{ operatorSetId: STATE_PROOFS_OPERATOR_SET_ID, strategies: options.quorum.map((s) => s.strategy), slasher: stateDisputeResolver }],
  ]);
  await q.write('ServiceManager.setAVSRegistrar', serviceManager, StateProofsServiceManagerAbi, 'setAVSRegistrar', [serviceManager]);
  if (options.disputes.rewardPool > 0n) {
    await q.write('StateDisputeResolver.fundRewardPool', stateDisputeResolver, StateDisputeResolverAbi, 'fundRewardPool', [], options.disputes.rewardPool);
  }

  progress('waiting for receipts');
  const [remotes] = await Promise.all([remote, q.settle()]);
  const mainClient = makePublicClient(main.chainId, main.rpcUrl);
  const exposureWindow = await mainClient.readContract({ address: stateDisputeResolver, abi: StateDisputeResolverAbi, functionName: 'EXPOSURE_WINDOW' });
  const timelockDelay = options.timelockDelay ?? exposureWindow + DEFAULT_TIMELOCK_REACTION_TIME;
  if (timelockDelay <= exposureWindow) {
    throw new TimelockDelayError(`timelockDelay ${timelockDelay} s must be longer than the resolver's EXPOSURE_WINDOW ${exposureWindow} s`);
  }
  const deployTimelock = (tq: TxQueue, chainId: number) =>
    tq.deploy(`OwnerTimelock on ${chainId}`, { abi: OwnerTimelockAbi, bytecode: OwnerTimelockBytecode }, [
      timelockDelay,
      [timelockOwner],
      [timelockOwner],
      zeroAddress,
    ]);

  progress('connecting the chains');
  const remoteChains = await Promise.all(
    remotes.map(async (r) => {
      const remoteChainVerifier = await r.q.deploy(
        `RemoteChainVerifier on ${r.chain.chainId}`,
        { abi: RemoteChainVerifierAbi, bytecode: RemoteChainVerifierBytecode },
        [r.stateManager, r.chain.bridge.local, mainChainVerifier, VERIFICATION_GAS],
      );
      await r.q.write(`RegistryStateReceiver.setRoute on ${r.chain.chainId}`, r.registryStateReceiver, RegistryStateReceiverAbi, 'setRoute', [
        r.chain.bridge.local,
        registryStateSender,
      ]);
      const timelock = await deployTimelock(r.q, r.chain.chainId);
      for (const [name, address] of [
        ['LightStakeRegistry', r.lightStakeRegistry],
        ['RegistryStateReceiver', r.registryStateReceiver],
      ] as const) {
        await r.q.write(`${name}.transferOwnership on ${r.chain.chainId}`, address, OwnableAbi, 'transferOwnership', [timelock]);
      }
      await r.q.settle();
      return {
        chainId: r.chain.chainId,
        name: r.chain.name,
        rpcUrl: r.chain.rpcUrl,
        bridge: r.chain.bridge,
        timelock,
        stateManager: r.stateManager,
        lightStakeRegistry: r.lightStakeRegistry,
        registryStateReceiver: r.registryStateReceiver,
        remoteChainVerifier,
      };
    }),
  );
  for (const r of remoteChains) {
    await q.write(`RegistryStateSender.setRoute for ${r.chainId}`, registryStateSender, RegistryStateSenderAbi, 'setRoute', [
      BigInt(r.chainId),
      r.bridge.main,
      r.registryStateReceiver,
      STATE_UPDATE_GAS.base,
      STATE_UPDATE_GAS.perOperator,
    ]);
    await q.write(`MainChainVerifier.setRoute for ${r.chainId}`, mainChainVerifier, MainChainVerifierAbi, 'setRoute', [
      BigInt(r.chainId),
      r.bridge.main,
      r.remoteChainVerifier,
    ]);
  }
  progress(`handing ownership to timelocks (delay ${timelockDelay} s) run by ${timelockOwner}`);
  const mainTimelock = await deployTimelock(q, main.chainId);
  for (const [name, address] of [
    ['EpochManager', epochManager],
    ['StateProofsServiceManager', serviceManager],
    ['ECDSAStakeRegistry', stakeRegistry],
    ['RegistryStateSender', registryStateSender],
    ['MainChainVerifier', mainChainVerifier],
  ] as const) {
    await q.write(`${name}.transferOwnership`, address, OwnableAbi, 'transferOwnership', [mainTimelock]);
  }
  await q.settle();

  const source = 'state-proofs deployment';
  const file = {
    mainChainId: main.chainId,
    chains: [
      { chainId: main.chainId, name: main.name, rpcUrl: main.rpcUrl, timelock: mainTimelock },
      ...remoteChains.map((r) => ({ chainId: r.chainId, name: r.name, rpcUrl: r.rpcUrl, bridge: r.bridge, timelock: r.timelock })),
    ],
    eigenlayer: { ...options.eigenlayer, strategies: options.quorum.map((s) => s.strategy) },
    epoch: { genesis: epoch.genesis.toString(), length: epoch.length.toString(), grace: epoch.grace.toString() },
    services: {
      [STATE_PROOFS_SERVICE]: {
        serviceManager,
        stakeRegistry,
        epochManager,
        registryStateSender,
        stateDisputeResolver,
        mainChainVerifier,
        chains: Object.fromEntries([
          [String(main.chainId), { stateManager: mainStateManager }],
          ...remoteChains.map((r) => [
            String(r.chainId),
            { stateManager: r.stateManager, lightStakeRegistry: r.lightStakeRegistry, registryStateReceiver: r.registryStateReceiver, remoteChainVerifier: r.remoteChainVerifier },
          ]),
        ]),
      },
    },
  };
  return stateProofsDeployment(parseDeployment(file, source), source);
}
