/**
 * Deploys the automation AVS on the main chain of an existing EigenLayer core:
 *
 * EpochManager (the AVS's epoch clock) → AutomationServiceManager → ECDSAStakeRegistry (operator set 0; weights are
 * slashable stake) wired as both's stake registry → ExecutorSchedule (slots of `slotBlocks` blocks) → ProtocolFees →
 * DittoEntryPoint → SlotVerdicts; then the AVS metadata URI, operator set 0 with its strategies and SlotVerdicts as its
 * slasher, and the ServiceManager as AVS registrar. The owned contracts (EpochManager, ServiceManager, registry, and
 * ProtocolFees, created with its final owner) go to `timelock` when one is given (the main chain's OwnerTimelock), else
 * to `owner` (default the deployer).
 */
import { type Address, type PrivateKeyAccount, getAddress, parseAbi } from 'viem';
import {
  AutomationServiceManagerAbi,
  AutomationServiceManagerBytecode,
  DittoEntryPointAbi,
  DittoEntryPointBytecode,
  ECDSAStakeRegistryAbi,
  ECDSAStakeRegistryBytecode,
  EpochManagerAbi,
  EpochManagerBytecode,
  ExecutorScheduleAbi,
  ExecutorScheduleBytecode,
  ProtocolFeesAbi,
  ProtocolFeesBytecode,
  SlotVerdictsAbi,
  SlotVerdictsBytecode,
} from '../../core/chain/abis/generated/index.ts';
import { makePublicClient, makeWalletClient } from '../../core/chain/clients.ts';
import type { Deployment } from '../../core/chain/deployment.ts';
import { TxQueue, type TxQueueOptions } from '../../core/chain/transactions.ts';
import { assertEpochConfig } from '../../core/epochs.ts';
import { type AutomationContracts, automationSectionSchema } from './deployment.ts';

/** The operator set of the automation AVS. */
export const AUTOMATION_OPERATOR_SET_ID = 0;
/** Default most operators in the registry. */
export const DEFAULT_MAX_OPERATORS = 128n;

const OwnableAbi = parseAbi(['function transferOwnership(address newOwner)']);

/** The options are inconsistent (no strategy, a threshold out of range, ...). */
export class AutomationDeployError extends Error {
  override name = 'AutomationDeployError';
}

/** Options of {@link deployAutomation}. Amounts in wei, durations in seconds unless named otherwise. */
export type DeployAutomationOptions = {
  deployer: PrivateKeyAccount;
  main: { chainId: number; rpcUrl: string };
  eigenlayer: Omit<Deployment['eigenlayer'], 'strategies'>;
  /** The AVS's epoch clock: genesis (unix seconds), length and grace period (seconds). */
  epoch: { genesis: bigint; length: bigint; grace: bigint };
  /** Strategies of operator set 0, ascending by address, with multipliers in basis points of a share. */
  strategies: readonly { strategy: Address; multiplier: bigint }[];
  /** Share of the attesters' weight a verdict needs, basis points (1..10,000). */
  thresholdBps: number;
  /** Weights below this cannot register (weight units, > 0). */
  minimumWeight: bigint;
  /** How many epochs old a verdict's reference epoch may be, for the registry's signature checks. */
  maxProofAgeEpochs: number;
  maxOperators?: bigint;
  /** Blocks per slot (> 0). */
  slotBlocks: number;
  /** Blocks an executor has to react to a due workflow before attesters count it left unrun (default 2, < slotBlocks). */
  reactionBlocks?: number;
  /** Seconds an executor has to react, on top of the blocks (default 3). */
  reactionSeconds?: number;
  /** ProtocolFees: fixed reward per successful run (wei), failure compensation (bps of the cost), per-run gas overhead. */
  fees: { fixedReward: bigint; failureCompensationBps: number; gasOverhead: bigint };
  /** Share of a faulty executor's allocation slashed, wad (1e18 = 100 %). */
  wadToSlash: bigint;
  metadataUri: string;
  /** The owner while wiring and afterwards when no timelock is given; default the deployer. */
  owner?: Address;
  /** The main chain's OwnerTimelock to hand the owned contracts to. */
  timelock?: Address;
  send?: TxQueueOptions;
  onProgress?: (message: string) => void;
};

/**
 * Checks the options without touching a chain.
 * @throws {AutomationDeployError} naming the first inconsistency.
 */
export function checkAutomationOptions(
  options: Pick<DeployAutomationOptions, 'strategies' | 'thresholdBps' | 'minimumWeight' | 'slotBlocks' | 'reactionBlocks' | 'reactionSeconds' | 'fees' | 'wadToSlash'>,
): void {
  const fail = (message: string): never => {
    throw new AutomationDeployError(message);
  };
  if (options.strategies.length === 0) fail('at least one strategy is needed');
  options.strategies.forEach((s, i) => {
    if (s.multiplier <= 0n) fail(`strategy ${s.strategy} has multiplier ${s.multiplier} (must be > 0)`);
    if (i > 0 && BigInt(s.strategy) <= BigInt(options.strategies[i - 1]!.strategy)) fail('strategies must be in ascending address order, without repeats');
  });
  if (!Number.isInteger(options.thresholdBps) || options.thresholdBps < 1 || options.thresholdBps > 10_000) fail(`thresholdBps ${options.thresholdBps} is not in 1..10000`);
  if (options.minimumWeight <= 0n) fail('minimumWeight must be above 0');
  if (!Number.isInteger(options.slotBlocks) || options.slotBlocks <= 0) fail(`slotBlocks ${options.slotBlocks} must be a positive integer`);
  const reaction = options.reactionBlocks ?? 2;
  if (!Number.isInteger(reaction) || reaction < 0 || reaction >= options.slotBlocks) {
    fail(`reactionBlocks ${reaction} must be an integer from 0 to slotBlocks − 1 (${options.slotBlocks - 1})`);
  }
  const seconds = options.reactionSeconds ?? 3;
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 3600) fail(`reactionSeconds ${seconds} must be an integer from 0 to 3600`);
  if (options.fees.failureCompensationBps < 0 || options.fees.failureCompensationBps > 10_000) fail('fees.failureCompensationBps must be from 0 to 10000');
  if (options.wadToSlash <= 0n || options.wadToSlash > 10n ** 18n) fail('wadToSlash must be from 1 to 1e18 (100%)');
}

/**
 * Deploys and wires the automation AVS on `options.main`.
 * @returns The `services.automation` section (validated against its schema).
 * @throws {AutomationDeployError} when the options are inconsistent (before any transaction).
 * @throws {SetupTransactionError} naming the step that reverted.
 */
export async function deployAutomation(options: DeployAutomationOptions): Promise<AutomationContracts> {
  const { deployer, main, epoch, eigenlayer } = options;
  const progress = options.onProgress ?? (() => {});
  assertEpochConfig(epoch);
  checkAutomationOptions(options);
  const client = makePublicClient(main.chainId, main.rpcUrl);
  const permissionController = await client.readContract({
    address: eigenlayer.allocationManager,
    abi: parseAbi(['function permissionController() view returns (address)']),
    functionName: 'permissionController',
  });
  const owner = deployer.address;
  const finalOwner = options.timelock ? getAddress(options.timelock) : options.owner ? getAddress(options.owner) : owner;
  const q = new TxQueue(makeWalletClient(main.chainId, main.rpcUrl, deployer), client, options.send);

  progress('deploying the automation contracts');
  const epochManager = await q.deploy('automation EpochManager', { abi: EpochManagerAbi, bytecode: EpochManagerBytecode }, [epoch.genesis, epoch.length, epoch.grace, owner]);
  const serviceManager = await q.deploy(
    'AutomationServiceManager',
    { abi: AutomationServiceManagerAbi, bytecode: AutomationServiceManagerBytecode },
    [eigenlayer.avsDirectory, eigenlayer.rewardsCoordinator, eigenlayer.allocationManager, owner],
  );
  const stakeRegistry = await q.deploy('automation ECDSAStakeRegistry', { abi: ECDSAStakeRegistryAbi, bytecode: ECDSAStakeRegistryBytecode }, [
    {
      epochManager,
      serviceManager,
      owner,
      quorum: options.strategies.map((s) => ({ strategy: s.strategy, multiplier: s.multiplier })),
      thresholdBps: options.thresholdBps,
      minimumWeight: options.minimumWeight,
      maxProofAgeEpochs: options.maxProofAgeEpochs,
      operatorSetId: AUTOMATION_OPERATOR_SET_ID,
      maxOperators: options.maxOperators ?? DEFAULT_MAX_OPERATORS,
    },
  ]);
  await q.write('EpochManager.setStakeRegistry', epochManager, EpochManagerAbi, 'setStakeRegistry', [stakeRegistry]);
  await q.write('AutomationServiceManager.setStakeRegistry', serviceManager, AutomationServiceManagerAbi, 'setStakeRegistry', [stakeRegistry]);
  const executorSchedule = await q.deploy('ExecutorSchedule', { abi: ExecutorScheduleAbi, bytecode: ExecutorScheduleBytecode }, [
    epochManager,
    stakeRegistry,
    permissionController,
    BigInt(options.slotBlocks),
  ]);
  // ProtocolFees hands ownership over in two steps: it is created with its final owner instead.
  const protocolFees = await q.deploy('ProtocolFees', { abi: ProtocolFeesAbi, bytecode: ProtocolFeesBytecode }, [
    finalOwner,
    options.fees.fixedReward,
    BigInt(options.fees.failureCompensationBps),
    options.fees.gasOverhead,
  ]);
  const entryPoint = await q.deploy('DittoEntryPoint', { abi: DittoEntryPointAbi, bytecode: DittoEntryPointBytecode }, [executorSchedule, protocolFees]);
  const slotVerdicts = await q.deploy('SlotVerdicts', { abi: SlotVerdictsAbi, bytecode: SlotVerdictsBytecode }, [
    executorSchedule,
    eigenlayer.allocationManager,
    serviceManager,
    AUTOMATION_OPERATOR_SET_ID,
    options.wadToSlash,
  ]);

  progress('wiring the automation AVS in EigenLayer');
  await q.write('AutomationServiceManager.updateAVSMetadataURI', serviceManager, AutomationServiceManagerAbi, 'updateAVSMetadataURI', [options.metadataUri]);
  await q.write('AutomationServiceManager.createOperatorSets', serviceManager, AutomationServiceManagerAbi, 'createOperatorSets', [
    [{ operatorSetId: AUTOMATION_OPERATOR_SET_ID, strategies: options.strategies.map((s) => s.strategy), slasher: slotVerdicts }],
  ]);
  await q.write('AutomationServiceManager.setAVSRegistrar', serviceManager, AutomationServiceManagerAbi, 'setAVSRegistrar', [serviceManager]);
  if (finalOwner !== owner) {
    for (const [name, address] of [
      ['automation EpochManager', epochManager],
      ['AutomationServiceManager', serviceManager],
      ['automation ECDSAStakeRegistry', stakeRegistry],
    ] as const) {
      await q.write(`${name}.transferOwnership`, address, OwnableAbi, 'transferOwnership', [finalOwner]);
    }
  }
  await q.settle();
  return automationSectionSchema.parse({
    serviceManager,
    stakeRegistry,
    epochManager,
    executorSchedule,
    protocolFees,
    entryPoint,
    slotVerdicts,
    slotBlocks: options.slotBlocks,
    reactionBlocks: options.reactionBlocks ?? 2,
    reactionSeconds: options.reactionSeconds ?? 3,
  });
}
