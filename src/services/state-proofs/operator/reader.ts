/**
 * Reads what an operator attests: `StateManager.tryGetHistoryAtBlock(user, key, blockNumber)` and the block's
 * timestamp, through the operator's own RPC endpoints, only once the block is final.
 */
import { type Address, type Hex, type PublicClient, concat, decodeAbiParameters, encodeAbiParameters, toFunctionSelector } from 'viem';
import { StateManagerAbi } from '../../../core/chain/abis/generated/index.ts';
import { makePublicClient } from '../../../core/chain/clients.ts';
import { type FinalityRule, FinalityTracker } from './finality.ts';

/** One chain the operator reads: its RPC endpoint and StateManager. */
export type ReadableChain = { chainId: number; rpcUrl: string; stateManager: Address };

/** What the operator saw at a block. */
export type HistoryReading = { exists: boolean; value: bigint; blockTimestamp: bigint };

/** Thrown when a task cannot be read on this operator's chains; the message is sent back as the task error. */
export class UnreadableTaskError extends Error {
  override name = 'UnreadableTaskError';
}

type ChainReader = { client: PublicClient; stateManager: Address; finality: FinalityTracker; timestamps: Map<bigint, bigint> };

const TIMESTAMP_CACHE_LIMIT = 10_000;

/**
 * `tryGetHistoryAtBlock` from the generated ABI, encoded and decoded with its typed inputs and outputs. Calls go out as
 * plain `eth_call` requests (batched by the transport): `readContract` re-derives the selector, re-validates the
 * addresses and formats the request on every call, which was a sixth of an operator's CPU per task.
 */
const tryGetHistoryAtBlock = (() => {
  const item = StateManagerAbi.find((x) => x.type === 'function' && x.name === 'tryGetHistoryAtBlock');
  if (!item || item.type !== 'function' || item.name !== 'tryGetHistoryAtBlock') throw new Error('StateManager ABI has no tryGetHistoryAtBlock');
  return { item, selector: toFunctionSelector(item) };
})();

/** Reads histories on every configured chain, waiting for finality first. */
export class StateReader {
  private readonly chains = new Map<number, ChainReader>();

  constructor(chains: readonly ReadableChain[], rule: FinalityRule, pollIntervalMs = 250) {
    for (const c of chains) {
      const client = makePublicClient(c.chainId, c.rpcUrl, { pollingInterval: pollIntervalMs });
      this.chains.set(c.chainId, {
        client,
        stateManager: c.stateManager,
        finality: new FinalityTracker(client, rule, pollIntervalMs),
        timestamps: new Map(),
      });
    }
  }

  /**
   * The latest block number of `chainId` (not necessarily final).
   * @throws {UnreadableTaskError} for an unknown chain.
   */
  async head(chainId: number): Promise<bigint> {
    const chain = this.chains.get(chainId);
    if (!chain) throw new UnreadableTaskError(`chain ${chainId} is not configured on this operator`);
    return chain.client.getBlockNumber({ cacheTime: 0 });
  }

  /** Chain ids this reader serves. */
  get chainIds(): number[] {
    return [...this.chains.keys()];
  }

  /**
   * Waits until `blockNumber` is final on `chainId`, then reads the history entry and the block timestamp.
   * @throws {UnreadableTaskError} for an unknown chain or a block that does not exist.
   */
  async read(chainId: number, user: Address, key: bigint, blockNumber: bigint): Promise<HistoryReading> {
    const chain = this.chains.get(chainId);
    if (!chain) throw new UnreadableTaskError(`chain ${chainId} is not configured on this operator`);
    await chain.finality.waitFor(blockNumber);
    const [blockTimestamp, [exists, entry]] = await Promise.all([
      this.blockTimestamp(chain, blockNumber),
      this.call(chain, user, key, blockNumber),
    ]);
    return { exists, value: exists ? entry.value : 0n, blockTimestamp };
  }

  private async call(chain: ChainReader, user: Address, key: bigint, blockNumber: bigint) {
    const { item, selector } = tryGetHistoryAtBlock;
    const data = concat([selector, encodeAbiParameters(item.inputs, [user, key, blockNumber])]);
    const result = (await chain.client.request({ method: 'eth_call', params: [{ to: chain.stateManager, data }, 'latest'] })) as Hex;
    return decodeAbiParameters(item.outputs, result);
  }

  /** Stops finality polling; pending reads reject. */
  stop(): void {
    for (const c of this.chains.values()) c.finality.stop();
  }

  private async blockTimestamp(chain: ChainReader, blockNumber: bigint): Promise<bigint> {
    const cached = chain.timestamps.get(blockNumber);
    if (cached !== undefined) return cached;
    let timestamp: bigint;
    try {
      timestamp = (await chain.client.getBlock({ blockNumber })).timestamp;
    } catch (error) {
      throw new UnreadableTaskError(`block ${blockNumber} not found: ${(error as Error).message.split('\n')[0]}`);
    }
    if (chain.timestamps.size >= TIMESTAMP_CACHE_LIMIT) chain.timestamps.delete(chain.timestamps.keys().next().value!);
    chain.timestamps.set(blockNumber, timestamp);
    return timestamp;
  }
}
