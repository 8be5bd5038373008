/**
 * Seeding a devnet with operators (docs/architecture.md, "Registration"): each gets funded, mints and restakes devnet
 * tokens, registers as an EigenLayer operator, and registers to the AVS through
 * `ECDSAStakeRegistry.registerOperatorWithSignature` with a real AVSDirectory EIP-712 signature and a signing key of
 * its own (never the operator key), after joining the AVS's operator set in the AllocationManager and allocating its whole
 * magnitude to it (the registry weighs only stake the StateDisputeResolver can slash). Weights are then refreshed and the chain's clock advanced to the epoch in which
 * the registrations take effect, so the operator set is active when seeding returns.
 */
import { type Address, type Hex, type PrivateKeyAccount, type PublicClient, parseEther, parseUnits } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  AllocationManagerAbi,
  DelegationManagerAbi,
  DevnetTokenAbi,
  ECDSAStakeRegistryAbi,
  StrategyManagerAbi,
} from '../core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../core/chain/clients.ts';
import type { StateProofsDeployment } from '../services/state-proofs/deployment.ts';
import { epochInterval } from '../core/epochs.ts';
import { derivedPrivateKey } from './accounts.ts';
import { signAvsRegistration } from '../runtime/registration.ts';
import { registrationTarget } from '../services/state-proofs/registration.ts';
import { advanceToEpoch } from './time.ts';
import { TxQueue } from '../core/chain/transactions.ts';

/** Keys of one devnet operator. Plain hex keys: devnet only. */
export type OperatorKeys = {
  /** The operator's EigenLayer key (its address is the operator). */
  operatorKey: Hex;
  /** The key that signs attestations, registered in the ECDSAStakeRegistry; distinct from the operator key. */
  signingKey: Hex;
};

/** A seeded operator. */
export type SeededOperator = OperatorKeys & {
  index: number;
  address: Address;
  signingKeyAddress: Address;
  /** Tokens restaked (token units). */
  stake: bigint;
  /** Delegated shares in the strategy (equal to the stake for a fresh strategy). */
  shares: bigint;
  /** Registry weight: slashable shares × multiplier / 10000 (all its shares: it allocates everything). */
  weight: bigint;
};

/** What {@link seedOperators} returns. */
export type SeedResult = {
  operators: SeededOperator[];
  /** The epoch from which the whole set is registered (the chain has been advanced into it). */
  activeEpoch: number;
  totalWeight: bigint;
  /** Signed weight a proof needs at `activeEpoch`. */
  thresholdWeight: bigint;
};

/** Options for {@link seedOperators}. */
export type SeedOptions = {
  /** Main chain client (anvil: uses `anvil_setBalance`, `evm_increaseTime`, `evm_mine`). */
  client: PublicClient;
  deployment: StateProofsDeployment;
  /** The devnet token the strategy holds. */
  token: Address;
  /** Account that refreshes weights (`updateOperators`); any funded account. */
  publisher: PrivateKeyAccount;
  /** Number of operators; default 4. */
  operators?: number;
  /** Stake per operator in whole tokens; default {@link defaultStake}. */
  stakes?: readonly bigint[];
  /** Token decimals; default 18. */
  decimals?: number;
  /** Advance the chain into the epoch where the set is active; default true. */
  activate?: boolean;
  /** Progress lines for long steps. */
  onProgress?: (message: string) => void;
};

/** Deterministic keys of devnet operator `index` (reproducible across runs; not anvil's funded dev accounts). */
export function devnetOperatorKeys(index: number): OperatorKeys {
  return { operatorKey: derivedPrivateKey(`operator/${index}`), signingKey: derivedPrivateKey(`signing-key/${index}`) };
}

/**
 * Default stake of operator `index`, in whole tokens: 1000, 1700, 2400, 3100, ... so weights differ and no single
 * operator of a default set of 4 reaches a two-thirds threshold on its own.
 */
export function defaultStake(index: number): bigint {
  return 1000n + 700n * BigInt(index);
}

/**
 * Funds, restakes and registers `operators` operators, refreshes their weights, and (by default) advances the chain
 * into the epoch where they take effect.
 * @throws {SetupTransactionError} naming the step that reverted.
 */
export async function seedOperators(options: SeedOptions): Promise<SeedResult> {
  const { client, deployment, token } = options;
  const count = options.operators ?? 4;
  const decimals = options.decimals ?? 18;
  const chainId = deployment.mainChainId;
  const rpcUrl = client.chain?.rpcUrls.default.http[0];
  if (!rpcUrl) throw new Error('the client has no chain RPC URL (make it with makePublicClient)');
  const strategy = deployment.eigenlayer.strategies[0];
  if (!strategy) throw new Error('deployment has no strategy to restake into');
  const progress = options.onProgress ?? (() => {});

  const operators = Array.from({ length: count }, (_, index) => {
    const keys = devnetOperatorKeys(index);
    const account = privateKeyToAccount(keys.operatorKey);
    const whole = options.stakes?.[index] ?? defaultStake(index);
    return { index, keys, account, stake: parseUnits(whole.toString(), decimals) };
  });

  progress(`funding ${count} operators`);
  await Promise.all(
    operators.map((o) =>
      client.request({ method: 'anvil_setBalance', params: [o.account.address, `0x${parseEther('100').toString(16)}`] } as never),
    ),
  );

  // Each operator's transactions go out back to back (its own nonce order); operators run in parallel.
  progress('restaking and registering operators with EigenLayer and the AVS');
  await Promise.all(
    operators.map((o) => registerDevnetOperator({ client, deployment, token, account: o.account, signingKey: o.keys.signingKey, stake: o.stake, index: o.index })),
  );

  progress('refreshing operator weights');
  const publisher = new TxQueue(makeWalletClient(chainId, rpcUrl, options.publisher), client);
  await publisher.write('updateOperators', deployment.stateProofs.stakeRegistry, ECDSAStakeRegistryAbi, 'updateOperators', [
    operators.map((o) => o.account.address),
  ]);
  await publisher.settle();

  // Every change so far takes effect at or before the registry's current effective epoch.
  const registry = { address: deployment.stateProofs.stakeRegistry, abi: ECDSAStakeRegistryAbi } as const;
  const activeEpoch = await client.readContract({ ...registry, functionName: 'effectiveEpoch' });
  if (options.activate !== false) {
    progress(`advancing the clock to epoch ${activeEpoch} (starts at ${epochInterval(deployment.epoch, activeEpoch).start})`);
    await advanceToEpoch(client, deployment.epoch, activeEpoch);
  }

  const [weights, shares, totalWeight, thresholdWeight] = await Promise.all([
    Promise.all(operators.map((o) => client.readContract({ ...registry, functionName: 'getOperatorWeightAtEpoch', args: [o.account.address, activeEpoch] }))),
    client.readContract({
      address: deployment.eigenlayer.delegationManager,
      abi: DelegationManagerAbi,
      functionName: 'getOperatorsShares',
      args: [operators.map((o) => o.account.address), [strategy]],
    }),
    client.readContract({ ...registry, functionName: 'getTotalWeightAtEpoch', args: [activeEpoch] }),
    client.readContract({ ...registry, functionName: 'getThresholdWeightAtEpoch', args: [activeEpoch] }),
  ]);

  return {
    operators: operators.map((o, i) => ({
      ...o.keys,
      index: o.index,
      address: o.account.address,
      signingKeyAddress: privateKeyToAccount(o.keys.signingKey).address,
      stake: o.stake,
      shares: shares[i][0],
      weight: weights[i],
    })),
    activeEpoch,
    totalWeight,
    thresholdWeight,
  };
}

/** Options of {@link registerDevnetOperator}. */
export type RegisterDevnetOperatorOptions = {
  client: PublicClient;
  deployment: StateProofsDeployment;
  /** The devnet token the strategy holds (anyone may mint). */
  token: Address;
  /** The operator's key (funded). */
  account: PrivateKeyAccount;
  /** Private key of its signing key. */
  signingKey: Hex;
  /** Stake to mint and restake, token units. */
  stake: bigint;
  /** Devnet index, for the metadata URI and error labels. */
  index: number;
  /** Also join the AVS (operator set, allocation, stake registry); default true. False: EigenLayer steps only. */
  joinAvs?: boolean;
};

/** Magnitude an operator allocates to the AVS's operator set: all of it (1e18 = 100%). */
const FULL_MAGNITUDE = 10n ** 18n;

/**
 * One operator joins: registers with EigenLayer (allocation delay 0, so allocations take effect at once), restakes
 * `stake`, joins the AVS's operator set 0 and allocates its whole magnitude to it, then registers with the AVS through
 * the stake registry with a real AVSDirectory signature; its weight is the stake the set can slash.
 * @throws {SetupTransactionError} naming the step that reverted.
 */
export async function registerDevnetOperator(options: RegisterDevnetOperatorOptions): Promise<void> {
  const { client, deployment, token, account, stake } = options;
  const rpcUrl = client.chain?.rpcUrls.default.http[0];
  if (!rpcUrl) throw new Error('the client has no chain RPC URL (make it with makePublicClient)');
  const strategy = deployment.eigenlayer.strategies[0];
  const queue = new TxQueue(makeWalletClient(deployment.mainChainId, rpcUrl, account), client);
  const tag = `operator ${options.index}`;
  await queue.write(`${tag}: registerAsOperator`, deployment.eigenlayer.delegationManager, DelegationManagerAbi, 'registerAsOperator', [
    '0x0000000000000000000000000000000000000000',
    0,
    `https://avs-stack.invalid/devnet/operator/${options.index}.json`,
  ]);
  await queue.write(`${tag}: mint stake`, token, DevnetTokenAbi, 'mint', [account.address, stake]);
  await queue.write(`${tag}: approve StrategyManager`, token, DevnetTokenAbi, 'approve', [deployment.eigenlayer.strategyManager, stake]);
  await queue.write(`${tag}: depositIntoStrategy`, deployment.eigenlayer.strategyManager, StrategyManagerAbi, 'depositIntoStrategy', [
    strategy,
    token,
    stake,
  ]);
  if (options.joinAvs === false) {
    await queue.settle();
    return;
  }
  // Join the operator set and allocate first: the registry weighs (and admits) only stake the set can slash.
  const avs = deployment.stateProofs.serviceManager;
  await queue.write(`${tag}: registerForOperatorSets`, deployment.eigenlayer.allocationManager, AllocationManagerAbi, 'registerForOperatorSets', [
    account.address,
    { avs, operatorSetIds: [0], data: '0x' },
  ]);
  await queue.write(`${tag}: modifyAllocations`, deployment.eigenlayer.allocationManager, AllocationManagerAbi, 'modifyAllocations', [
    account.address,
    [{ operatorSet: { avs, id: 0 }, strategies: [strategy], newMagnitudes: [FULL_MAGNITUDE] }],
  ]);
  await queue.settle();
  const signature = await signAvsRegistration({ client, avs: registrationTarget(deployment), operator: account });
  await queue.write(
    `${tag}: registerOperatorWithSignature`,
    deployment.stateProofs.stakeRegistry,
    ECDSAStakeRegistryAbi,
    'registerOperatorWithSignature',
    [signature, privateKeyToAccount(options.signingKey).address],
  );
  await queue.settle();
}
