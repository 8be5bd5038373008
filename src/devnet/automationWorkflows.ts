/**
 * Vault-side helpers for the automation AVS on a devnet (demo, benchmarks, tests): fund a vault's deposit, register a
 * workflow and get its id, and the two demo workflows over the devnet targets (a counter every N seconds, and a price
 * feed's "updated above a level").
 */
import { type Address, type PrivateKeyAccount, type PublicClient, encodeFunctionData } from 'viem';
import { DevnetCounterAbi, DevnetPriceFeedAbi, DittoEntryPointAbi } from '../core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../core/chain/clients.ts';
import { type WorkflowParams, conditionTrigger, registeredWorkflowId, timeTrigger } from '../services/automation/workflowParams.ts';

/** 1 gwei in wei. */
const GWEI = 10n ** 9n;
/** The demo workflows' gas price cap: far above a devnet's base fee (wei per gas). */
export const DEMO_MAX_GAS_PRICE = 100n * GWEI;

/** A vault on a devnet: its funded account and the entry point it uses. */
export type DevnetVault = { client: PublicClient; account: PrivateKeyAccount; entryPoint: Address };

/** A vault transaction that did not succeed. */
export class VaultTransactionError extends Error {
  override name = 'VaultTransactionError';
}

/**
 * Adds `amount` wei to the vault's deposit.
 * @throws {VaultTransactionError} when the deposit reverts.
 */
export async function depositToVault(vault: DevnetVault, amount: bigint): Promise<void> {
  const wallet = walletOf(vault);
  const hash = await wallet.writeContract({ address: vault.entryPoint, abi: DittoEntryPointAbi, functionName: 'deposit', args: [vault.account.address], value: amount });
  const receipt = await vault.client.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new VaultTransactionError(`deposit of ${amount} wei reverted (tx ${hash})`);
}

/**
 * Registers `params` as the vault's next workflow and returns its id.
 * @throws {VaultTransactionError} when the registration reverts or its event is missing.
 */
export async function registerVaultWorkflow(vault: DevnetVault, params: WorkflowParams): Promise<bigint> {
  const hash = await walletOf(vault).writeContract({ address: vault.entryPoint, abi: DittoEntryPointAbi, functionName: 'registerWorkflow', args: [params] });
  const receipt = await vault.client.waitForTransactionReceipt({ hash });
  const id = receipt.status === 'success' ? registeredWorkflowId(receipt.logs, vault.entryPoint, vault.account.address) : undefined;
  if (id === undefined) throw new VaultTransactionError(`registerWorkflow reverted or emitted no WorkflowRegistered (tx ${hash})`);
  return id;
}

/** `DevnetCounter.increment()` every `intervalSeconds` from `start` (unix seconds), 100,000 gas at most. */
export function counterWorkflow(counter: Address, intervalSeconds: bigint, start: bigint): WorkflowParams {
  return {
    target: counter,
    callData: encodeFunctionData({ abi: DevnetCounterAbi, functionName: 'increment' }),
    maxGasLimit: 100_000n,
    maxGasPrice: DEMO_MAX_GAS_PRICE,
    trigger: timeTrigger(start, intervalSeconds),
  };
}

/** `DevnetPriceFeed.onPriceAbove(level)` once per price update above `level` (its own checker), 200,000 gas at most. */
export function priceAboveWorkflow(priceFeed: Address, level: bigint): WorkflowParams {
  return {
    target: priceFeed,
    callData: '0x',
    maxGasLimit: 200_000n,
    maxGasPrice: DEMO_MAX_GAS_PRICE,
    trigger: conditionTrigger(priceFeed, encodeFunctionData({ abi: DevnetPriceFeedAbi, functionName: 'checkPriceAbove', args: [level] })),
  };
}

function walletOf(vault: DevnetVault) {
  const chain = vault.client.chain!;
  return makeWalletClient(chain.id, chain.rpcUrls.default.http[0]!, vault.account);
}
