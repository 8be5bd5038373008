/**
 * The devnet bridge: one {@link DevnetAbridgeAbi | DevnetAbridge} on each of two chains, peers of each other,
 * with a relayer authorised on both (docs/decisions/bridge-0001-devnet-abridge.md). {@link deployBridgePair} deploys a
 * pair; a deployment file names each remote chain's pair in `chains[].bridge` ({@link bridgePairsOf}).
 */
import type { Address, PrivateKeyAccount, PublicClient } from 'viem';
import { getAddress } from 'viem';
import { DevnetAbridgeAbi, DevnetAbridgeBytecode } from '../core/chain/abis/generated/index.ts';
import { makePublicClient, makeWalletClient } from '../core/chain/clients.ts';
import type { Deployment } from '../core/chain/deployment.ts';
import type { ChainEndpoint } from './deploy.ts';
import { TxQueue } from '../core/chain/transactions.ts';

/** Devnet bridge fees: 0.0001 ETH per message plus 1 gwei per unit of destination gas. */
export const DEVNET_BRIDGE_FEES = { baseFee: 100_000_000_000_000n, gasPrice: 1_000_000_000n } as const;

/** One side of a bridge pair. */
export type BridgeEndpoint = {
  chainId: number;
  /** The DevnetAbridge on this chain (its peer is the other side's). */
  endpoint: Address;
  /** A block at or before the endpoint's deployment: where searches for its messages may stop. */
  startBlock: bigint;
};

/** Two endpoints that are each other's peer. */
export type BridgePair = { a: BridgeEndpoint; b: BridgeEndpoint };

/** What {@link deployBridgePair} returns. */
export type DeployedBridgePair = BridgePair & {
  /** Owner of both endpoints (sets fees and relayers, withdraws fees). */
  owner: Address;
  /** The relayer authorised on both endpoints. */
  relayer: Address;
  /** Fee parameters of both endpoints, wei. */
  fees: { baseFee: bigint; gasPrice: bigint };
};

/** Options for {@link deployBridgePair}. */
export type DeployBridgePairOptions = {
  /** The two chains (different chain ids). */
  a: ChainEndpoint;
  b: ChainEndpoint;
  /** Deploys and owns both endpoints (anvil dev account 0 on devnets). */
  deployer: PrivateKeyAccount;
  /** Address allowed to deliver messages on both endpoints. */
  relayer: Address;
  /** Fee per message and per unit of destination gas, wei; default {@link DEVNET_BRIDGE_FEES}. */
  fees?: { baseFee: bigint; gasPrice: bigint };
};

/**
 * Deploys a DevnetAbridge on each chain with the other chain as its peer chain, sets each as the other's peer, and
 * authorises `relayer` on both. Both chains are set up in parallel; on each, the address is predicted from the
 * deployer's nonce so `setPeer` goes out without waiting for the other chain.
 * @returns The endpoints (with the block each search may start from), owner, relayer and fees.
 * @throws {SetupTransactionError} naming the step that reverted.
 * @throws {Error} when both chains have the same id.
 */
export async function deployBridgePair(options: DeployBridgePairOptions): Promise<DeployedBridgePair> {
  if (options.a.chainId === options.b.chainId) throw new Error(`a bridge pair needs two chains, got ${options.a.chainId} twice`);
  const fees = options.fees ?? DEVNET_BRIDGE_FEES;
  const owner = options.deployer.address;
  const sides = [options.a, options.b].map((chain) => {
    const client: PublicClient = makePublicClient(chain.chainId, chain.rpcUrl, { pollingInterval: 50 });
    return { chain, client, q: new TxQueue(makeWalletClient(chain.chainId, chain.rpcUrl, options.deployer), client) };
  });
  const [predictedA, predictedB, startA, startB] = await Promise.all([
    sides[0].q.predictAddress(),
    sides[1].q.predictAddress(),
    sides[0].client.getBlockNumber(),
    sides[1].client.getBlockNumber(),
  ]);
  const predicted = [predictedA, predictedB];
  await Promise.all(
    sides.map(async ({ chain, q }, i) => {
      const peer = sides[1 - i].chain;
      const address = await q.deploy(`DevnetAbridge on ${chain.chainId}`, { abi: DevnetAbridgeAbi, bytecode: DevnetAbridgeBytecode }, [
        BigInt(peer.chainId),
        owner,
        fees.baseFee,
        fees.gasPrice,
      ]);
      if (address !== predicted[i]) throw new Error(`DevnetAbridge on ${chain.chainId} landed at ${address}, not ${predicted[i]}`);
      await q.write(`DevnetAbridge.setPeer on ${chain.chainId}`, address, DevnetAbridgeAbi, 'setPeer', [predicted[1 - i]]);
      await q.write(`DevnetAbridge.setRelayer on ${chain.chainId}`, address, DevnetAbridgeAbi, 'setRelayer', [options.relayer, true]);
      await q.settle();
    }),
  );
  return {
    a: { chainId: options.a.chainId, endpoint: predictedA, startBlock: startA },
    b: { chainId: options.b.chainId, endpoint: predictedB, startBlock: startB },
    owner,
    relayer: getAddress(options.relayer),
    fees: { ...fees },
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// Pairs in a deployment file
// ---------------------------------------------------------------------------------------------------------------------

/**
 * The bridge pairs of a deployment: one per remote chain whose entry has `bridge: { local, main }` (the endpoint on that
 * chain and its peer on the main chain). Searches start at block 0: the file keeps no deployment blocks.
 */
export function bridgePairsOf(deployment: Pick<Deployment, 'mainChainId' | 'chains'>): BridgePair[] {
  return deployment.chains
    .filter((c) => c.chainId !== deployment.mainChainId && c.bridge)
    .map((c) => ({
      a: { chainId: deployment.mainChainId, endpoint: c.bridge!.main, startBlock: 0n },
      b: { chainId: c.chainId, endpoint: c.bridge!.local, startBlock: 0n },
    }));
}

/**
 * The `bridge` field of the deployment entry of chain `remoteChainId` for `pair`, whose other side is the main chain.
 * @throws {Error} when the pair does not join `remoteChainId` and `mainChainId`.
 */
export function chainBridgeEntry(pair: BridgePair, mainChainId: number, remoteChainId: number): { local: Address; main: Address } {
  const main = [pair.a, pair.b].find((s) => s.chainId === mainChainId);
  const local = [pair.a, pair.b].find((s) => s.chainId === remoteChainId);
  if (!main || !local || main === local) {
    throw new Error(`the bridge pair ${pair.a.chainId}↔${pair.b.chainId} does not join chains ${mainChainId} and ${remoteChainId}`);
  }
  return { local: local.endpoint, main: main.endpoint };
}
