/**
 * The automation AVS on a running devnet, beside state-proofs on the main chain:
 *
 * - {@link deployDevnetAutomation}: a strategy of its own over the devnet token (an operator's magnitude in a strategy
 *   is shared by every operator set, and the devnet's operators allocate all of theirs in the state-proofs strategy to
 *   state-proofs), then {@link deployAutomation} with that strategy, devnet fees, and the main chain's OwnerTimelock as
 *   owner.
 * - {@link seedAutomationOperators}: each operator restakes in that strategy, joins operator set 0 with its whole
 *   magnitude, registers in the automation stake registry with its signing key, names a delegated signer (funded, from
 *   {@link devnetAutomationSignerKey}) and activates as an executor.
 * - {@link arrangeAutomationExecutors}: moves the clock to the epoch where the registrations count and arranges it.
 * - {@link deployAutomationTargets}: a DevnetCounter and a DevnetPriceFeed for demo workflows.
 */
import { type Address, type Hex, type PrivateKeyAccount, type PublicClient, parseEther, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  AllocationManagerAbi,
  DevnetCounterAbi,
  DevnetCounterBytecode,
  DevnetPriceFeedAbi,
  DevnetPriceFeedBytecode,
  DevnetTokenAbi,
  ECDSAStakeRegistryAbi,
  ExecutorScheduleAbi,
  StrategyBaseAbi,
  StrategyBaseBytecode,
  StrategyManagerAbi,
} from '../core/chain/abis/generated/index.ts';
import { makePublicClient, makeWalletClient } from '../core/chain/clients.ts';
import type { Deployment } from '../core/chain/deployment.ts';
import { TxQueue } from '../core/chain/transactions.ts';
import { epochInterval } from '../core/epochs.ts';
import { signAvsRegistration } from '../runtime/registration.ts';
import { AUTOMATION_OPERATOR_SET_ID, deployAutomation } from '../services/automation/deploy.ts';
import type { AutomationContracts } from '../services/automation/deployment.ts';
import { readArrangements } from '../services/automation/arrangements.ts';
import type { Arrangement } from '../services/automation/schedule.ts';
import { derivedPrivateKey } from './accounts.ts';
import { advanceToEpoch, chainTime } from './time.ts';

/** One whole wad of magnitude (100 % of an operator's stake in a strategy). */
const WAD = 10n ** 18n;
/** Ether given to each delegated signer for its executions' gas. */
const SIGNER_FUNDS = parseEther('100');

/** Devnet protocol fees: 1e14 wei per successful run, half the gas cost on failure, 40,000 gas of per-run overhead. */
export const DEVNET_AUTOMATION_FEES = { fixedReward: 100_000_000_000_000n, failureCompensationBps: 5_000, gasOverhead: 40_000n } as const;

/** Options of {@link deployDevnetAutomation}. */
export type DeployDevnetAutomationOptions = {
  deployer: PrivateKeyAccount;
  main: { chainId: number; rpcUrl: string };
  /** The devnet deployment so far: its EigenLayer core, epoch clock, and the main chain's timelock. */
  deployment: Pick<Deployment, 'mainChainId' | 'chains' | 'eigenlayer' | 'epoch'>;
  /** The devnet token (the new strategy holds it). */
  token: Address;
  /** Blocks per slot; default 6. */
  slotBlocks?: number;
  /** Blocks an executor has to react to a due workflow; default 2. */
  reactionBlocks?: number;
  onProgress?: (message: string) => void;
};

/** What {@link deployDevnetAutomation} returns. */
export type DevnetAutomationDeployment = {
  /** `services.automation`. */
  section: AutomationContracts;
  /** The strategy (over the devnet token) of operator set 0. */
  strategy: Address;
};

/**
 * Deploys the automation strategy and the automation AVS on the devnet's main chain (see the module comment).
 * @throws {SetupTransactionError} naming the step that reverted.
 */
export async function deployDevnetAutomation(options: DeployDevnetAutomationOptions): Promise<DevnetAutomationDeployment> {
  const { deployer, main, deployment } = options;
  const progress = options.onProgress ?? (() => {});
  const client = makePublicClient(main.chainId, main.rpcUrl);
  const q = new TxQueue(makeWalletClient(main.chainId, main.rpcUrl, deployer), client);
  progress('deploying the automation strategy');
  const strategy = await q.deploy('automation StrategyBase', { abi: StrategyBaseAbi, bytecode: StrategyBaseBytecode }, [
    deployment.eigenlayer.strategyManager,
    options.token,
  ]);
  await q.write('StrategyManager.addStrategiesToDepositWhitelist(automation)', deployment.eigenlayer.strategyManager, StrategyManagerAbi, 'addStrategiesToDepositWhitelist', [
    [strategy],
  ]);
  await q.settle();
  const { delegationManager, strategyManager, avsDirectory, allocationManager, rewardsCoordinator } = deployment.eigenlayer;
  const section = await deployAutomation({
    deployer,
    main,
    eigenlayer: { delegationManager, strategyManager, avsDirectory, allocationManager, rewardsCoordinator },
    epoch: { genesis: deployment.epoch.genesis, length: deployment.epoch.length, grace: deployment.epoch.grace },
    strategies: [{ strategy, multiplier: 10_000n }],
    thresholdBps: 6_667,
    minimumWeight: 1n,
    maxProofAgeEpochs: 2,
    slotBlocks: options.slotBlocks ?? 6,
    reactionBlocks: options.reactionBlocks ?? 2,
    fees: { ...DEVNET_AUTOMATION_FEES },
    wadToSlash: 10n ** 17n,
    metadataUri: 'https://avs-stack.invalid/devnet/automation.json',
    timelock: deployment.chains.find((c) => c.chainId === deployment.mainChainId)?.timelock,
    onProgress: progress,
  });
  return { section, strategy };
}

/** Deterministic key of devnet operator `index`'s delegated signer for the automation service (label `automation-signer/<index>`). */
export function devnetAutomationSignerKey(index: number): Hex {
  return derivedPrivateKey(`automation-signer/${index}`);
}

/** A devnet operator as the automation service knows it. */
export type AutomationDevnetOperator = {
  index: number;
  /** The operator (its EigenLayer address). */
  address: Address;
  operatorKey: Hex;
  /** Its signing key in the automation stake registry. */
  signingKeyAddress: Address;
  /** Its delegated signer (sends its executions), when it named one. */
  signer?: { address: Address; key: Hex };
  /** Tokens restaked in the automation strategy (token units). */
  stake: bigint;
};

/** The automation part of a running devnet, once seeded. */
export type AutomationDevnet = DevnetAutomationDeployment & {
  operators: AutomationDevnetOperator[];
  /** The epoch from which every registration counts (the registry's effective epoch after the last one). */
  activeEpoch: number;
};

/** Options of {@link seedAutomationOperators}. */
export type SeedAutomationOptions = {
  /** Main chain client (made by makePublicClient; anvil: uses `anvil_setBalance` and `anvil_mine`). */
  client: PublicClient;
  deployment: Pick<Deployment, 'eigenlayer'>;
  deployed: DevnetAutomationDeployment;
  token: Address;
  /** The operators (registered with EigenLayer already), their keys and the stake to restake (token units). */
  operators: readonly { index: number; operatorKey: Hex; signingKey: Hex; stake: bigint }[];
  /**
   * Per operator (same order), its delegated signer's private key, or null for none (it then sends with its own key).
   * Default: {@link devnetAutomationSignerKey} of its index for every operator.
   */
  signers?: readonly (Hex | null)[];
  onProgress?: (message: string) => void;
};

/**
 * Restakes, registers and activates every operator as an executor (see the module comment). Does not move the clock:
 * the registrations count from `activeEpoch` ({@link arrangeAutomationExecutors}).
 * @throws {SetupTransactionError} naming the step that reverted.
 */
export async function seedAutomationOperators(options: SeedAutomationOptions): Promise<AutomationDevnet> {
  const { client, deployed, token } = options;
  const { section, strategy } = deployed;
  const chain = client.chain!;
  const rpcUrl = chain.rpcUrls.default.http[0];
  const progress = options.onProgress ?? (() => {});
  const { allocationManager, strategyManager } = options.deployment.eigenlayer;
  const avs = section.serviceManager;
  progress(`restaking and registering ${options.operators.length} operators with the automation AVS`);

  // Allocations and registrations per operator, operators in parallel (each with its own nonces).
  const joined = await Promise.all(
    options.operators.map(async (o, i) => {
      const account = privateKeyToAccount(o.operatorKey);
      const q = new TxQueue(makeWalletClient(chain.id, rpcUrl, account), client);
      const tag = `operator ${o.index} (automation)`;
      await q.write(`${tag}: mint stake`, token, DevnetTokenAbi, 'mint', [account.address, o.stake]);
      await q.write(`${tag}: approve StrategyManager`, token, DevnetTokenAbi, 'approve', [strategyManager, o.stake]);
      await q.write(`${tag}: depositIntoStrategy`, strategyManager, StrategyManagerAbi, 'depositIntoStrategy', [strategy, token, o.stake]);
      await q.write(`${tag}: registerForOperatorSets`, allocationManager, AllocationManagerAbi, 'registerForOperatorSets', [
        account.address,
        { avs, operatorSetIds: [AUTOMATION_OPERATOR_SET_ID], data: '0x' },
      ]);
      await q.write(`${tag}: modifyAllocations`, allocationManager, AllocationManagerAbi, 'modifyAllocations', [
        account.address,
        [{ operatorSet: { avs, id: AUTOMATION_OPERATOR_SET_ID }, strategies: [strategy], newMagnitudes: [WAD] }],
      ]);
      await q.settle();
      return { o, i, account, q, tag };
    }),
  );

  // The registry weighs only slashable stake: mine any allocation delay still pending.
  const allocations = await Promise.all(
    joined.map(({ account }) =>
      client.readContract({ address: allocationManager, abi: AllocationManagerAbi, functionName: 'getAllocation', args: [account.address, { avs, id: AUTOMATION_OPERATOR_SET_ID }, strategy] }),
    ),
  );
  const effectBlock = allocations.reduce((m, a) => (a.pendingDiff > 0n && BigInt(a.effectBlock) > m ? BigInt(a.effectBlock) : m), 0n);
  const head = await client.getBlockNumber();
  if (effectBlock > head) await client.request({ method: 'anvil_mine', params: [toHex(effectBlock - head)] } as never);

  const target = { eigenlayer: { ...options.deployment.eigenlayer }, serviceManager: avs, stakeRegistry: section.stakeRegistry, operatorSetId: AUTOMATION_OPERATOR_SET_ID };
  const operators = await Promise.all(
    joined.map(async ({ o, i, account, q, tag }) => {
      const signature = await signAvsRegistration({ client, avs: target, operator: account });
      const signingKeyAddress = privateKeyToAccount(o.signingKey).address;
      await q.write(`${tag}: registerOperatorWithSignature`, section.stakeRegistry, ECDSAStakeRegistryAbi, 'registerOperatorWithSignature', [signature, signingKeyAddress]);
      const signerKey = options.signers ? options.signers[i] ?? null : devnetAutomationSignerKey(o.index);
      let signer: AutomationDevnetOperator['signer'];
      if (signerKey) {
        signer = { address: privateKeyToAccount(signerKey).address, key: signerKey };
        await client.request({ method: 'anvil_setBalance', params: [signer.address, toHex(SIGNER_FUNDS)] } as never);
        await q.write(`${tag}: setDelegatedSigner`, section.executorSchedule, ExecutorScheduleAbi, 'setDelegatedSigner', [account.address, signer.address]);
      }
      await q.write(`${tag}: activateExecutor`, section.executorSchedule, ExecutorScheduleAbi, 'activateExecutor', [account.address]);
      await q.settle();
      return { index: o.index, address: account.address, operatorKey: o.operatorKey, signingKeyAddress, signer, stake: o.stake } satisfies AutomationDevnetOperator;
    }),
  );
  const activeEpoch = await client.readContract({ address: section.stakeRegistry, abi: ECDSAStakeRegistryAbi, functionName: 'effectiveEpoch' });
  return { ...deployed, operators, activeEpoch };
}

/** Options of {@link arrangeAutomationExecutors}. */
export type ArrangeAutomationOptions = {
  client: PublicClient;
  /** The devnet's epoch clock (the automation EpochManager shares it). */
  epoch: Deployment['epoch'];
  section: AutomationContracts;
  /** Who sends arrangeExecutors (anyone funded). */
  sender: PrivateKeyAccount;
  /** Epoch to arrange; default the registry's effective epoch now (where every registration so far counts). */
  epochToArrange?: number;
  onProgress?: (message: string) => void;
};

/**
 * Advances the main chain's clock into the epoch where the registrations count (unless it is there already) and
 * arranges it: slot 0 starts at the block of the arrangement.
 * @returns The arrangement made, as read back from ExecutorSchedule.
 * @throws {SetupTransactionError} when arrangeExecutors reverts (e.g. AlreadyArranged).
 */
export async function arrangeAutomationExecutors(options: ArrangeAutomationOptions): Promise<Arrangement> {
  const { client, section } = options;
  const epoch =
    options.epochToArrange ?? (await client.readContract({ address: section.stakeRegistry, abi: ECDSAStakeRegistryAbi, functionName: 'effectiveEpoch' }));
  const start = epochInterval(options.epoch, epoch).start;
  if ((await chainTime(client)) < start) {
    options.onProgress?.(`advancing the clock to epoch ${epoch} (starts at ${start})`);
    await advanceToEpoch(client, options.epoch, epoch);
  }
  const q = new TxQueue(makeWalletClient(client.chain!.id, client.chain!.rpcUrls.default.http[0], options.sender), client);
  await q.write('ExecutorSchedule.arrangeExecutors', section.executorSchedule, ExecutorScheduleAbi, 'arrangeExecutors', []);
  await q.settle();
  const arrangements = await readArrangements(client, section.executorSchedule);
  return arrangements[arrangements.length - 1]!;
}

/** Demo workflow targets on a devnet. */
export type AutomationTargets = {
  /** DevnetCounter: `increment()` counts calls (a time workflow's target). */
  counter: Address;
  /** DevnetPriceFeed: settable price, `checkPriceAbove(level)` checker, `onPriceAbove(level)` target. */
  priceFeed: Address;
};

/**
 * Deploys a DevnetCounter and a DevnetPriceFeed at `initialPrice` (default 2,000e8).
 * @throws {SetupTransactionError} naming the step that reverted.
 */
export async function deployAutomationTargets(options: { client: PublicClient; deployer: PrivateKeyAccount; initialPrice?: bigint }): Promise<AutomationTargets> {
  const { client } = options;
  const q = new TxQueue(makeWalletClient(client.chain!.id, client.chain!.rpcUrls.default.http[0], options.deployer), client);
  const counter = await q.deploy('DevnetCounter', { abi: DevnetCounterAbi, bytecode: DevnetCounterBytecode });
  const priceFeed = await q.deploy('DevnetPriceFeed', { abi: DevnetPriceFeedAbi, bytecode: DevnetPriceFeedBytecode }, [options.initialPrice ?? 2_000n * 10n ** 8n]);
  await q.settle();
  return { counter, priceFeed };
}
