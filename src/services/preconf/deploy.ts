/**
 * Deploys the preconf registry (UniFiAVSManager) on the main chain of an existing EigenLayer core, with the chain ids
 * of its bitmap positions 1, 2, …, and publishes its AVS metadata URI in the AVSDirectory. The registry is created with
 * its final owner (the main chain's OwnerTimelock when one is given, else `owner`, default the deployer), so nothing
 * has to be handed over afterwards.
 */
import { type Address, type PrivateKeyAccount, getAddress } from 'viem';
import { UniFiAVSManagerAbi, UniFiAVSManagerBytecode } from '../../core/chain/abis/generated/index.ts';
import { makePublicClient, makeWalletClient } from '../../core/chain/clients.ts';
import type { Deployment } from '../../core/chain/deployment.ts';
import { TxQueue, type TxQueueOptions } from '../../core/chain/transactions.ts';
import { type PreconfContracts, preconfSectionSchema } from './deployment.ts';

/** Most chain ids a bitmap can stand for (positions 1..255). */
export const MAX_PRECONF_CHAINS = 255;

/** The options are inconsistent (a zero delay, a repeated chain id, ...). */
export class PreconfDeployError extends Error {
  override name = 'PreconfDeployError';
}

/** Options of {@link deployPreconf}. */
export type DeployPreconfOptions = {
  deployer: PrivateKeyAccount;
  main: { chainId: number; rpcUrl: string };
  eigenlayer: Pick<Deployment['eigenlayer'], 'delegationManager' | 'avsDirectory'>;
  /** EigenLayer's EigenPodManager. */
  eigenPodManager: Address;
  /** Blocks a commitment change, a validator's or an operator's deregistration waits (> 0). */
  deregistrationDelay: bigint;
  /** Chain ids (EIP-155) for bitmap positions 1, 2, …, in that order; distinct, non-zero, at most 255. */
  chainIds: readonly bigint[];
  metadataUri: string;
  /** The owner when no timelock is given; default the deployer. */
  owner?: Address;
  /** The main chain's OwnerTimelock: owns the registry (chain ids, delay, metadata). */
  timelock?: Address;
  /** Present on a devnet: the account that activates validators in the devnet EigenPodManager. */
  devnetBeaconChainOracle?: Address;
  send?: TxQueueOptions;
  onProgress?: (message: string) => void;
};

/**
 * Checks the options without touching a chain.
 * @throws {PreconfDeployError} naming the first inconsistency.
 */
export function checkPreconfOptions(options: Pick<DeployPreconfOptions, 'deregistrationDelay' | 'chainIds'>): void {
  if (options.deregistrationDelay <= 0n) throw new PreconfDeployError('deregistrationDelay must be at least 1 block');
  if (options.deregistrationDelay >= 2n ** 64n) throw new PreconfDeployError('deregistrationDelay must fit in 64 bits');
  if (options.chainIds.length > MAX_PRECONF_CHAINS) throw new PreconfDeployError(`at most ${MAX_PRECONF_CHAINS} chain ids fit in the bitmap`);
  const seen = new Set<bigint>();
  for (const id of options.chainIds) {
    if (id <= 0n) throw new PreconfDeployError(`chain id ${id} is not a positive integer`);
    if (seen.has(id)) throw new PreconfDeployError(`chain id ${id} appears twice`);
    seen.add(id);
  }
}

/**
 * Deploys the registry on `options.main` (see the module comment).
 * @returns The `services.preconf` section (validated against its schema).
 * @throws {PreconfDeployError} when the options are inconsistent (before any transaction).
 * @throws {SetupTransactionError} naming the step that reverted.
 */
export async function deployPreconf(options: DeployPreconfOptions): Promise<PreconfContracts> {
  const { deployer, main, eigenlayer } = options;
  checkPreconfOptions(options);
  const progress = options.onProgress ?? (() => {});
  const client = makePublicClient(main.chainId, main.rpcUrl);
  const q = new TxQueue(makeWalletClient(main.chainId, main.rpcUrl, deployer), client, options.send);
  const finalOwner = options.timelock ? getAddress(options.timelock) : options.owner ? getAddress(options.owner) : deployer.address;

  progress('deploying the preconf registry');
  // One transaction: the constructor maps the chain ids and publishes the metadata URI, so the registry can be created
  // with its final owner (a timelock could not be handed an Ownable2Step contract without a delayed accept).
  const registry = await q.deploy('UniFiAVSManager', { abi: UniFiAVSManagerAbi, bytecode: UniFiAVSManagerBytecode }, [
    options.eigenPodManager,
    eigenlayer.delegationManager,
    eigenlayer.avsDirectory,
    options.deregistrationDelay,
    [...options.chainIds],
    options.metadataUri,
    finalOwner,
  ]);
  await q.settle();
  return preconfSectionSchema.parse({
    registry,
    eigenPodManager: options.eigenPodManager,
    ...(options.devnetBeaconChainOracle ? { devnet: { beaconChainOracle: options.devnetBeaconChainOracle } } : {}),
  });
}
