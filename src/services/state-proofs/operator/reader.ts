/**
 * Reads what an operator attests: `StateManager.tryGetHistoryAtBlock(user, key, blockNumber)` and the block's
 * timestamp, through the operator's own RPC endpoints, only once the block is final. A batch of tasks is read with
 * `tryGetValuesAtBlocks` (the same lookups, returning only `exists` and `value`), a few `eth_call`s that the transport
 * sends in one JSON-RPC round trip.
 */
import type { Address, Hex, PublicClient } from 'viem';
import { makePublicClient } from '../../../core/chain/clients.ts';
import { type FinalityRule, FinalityTracker } from './finality.ts';
import { type ValuesResult, decodeValuesResult, encodeValuesCall } from './valuesCall.ts';

/** One chain the operator reads: its RPC endpoint and StateManager. */
export type ReadableChain = { chainId: number; rpcUrl: string; stateManager: Address };

/** What the operator saw at a block. */
export type HistoryReading = { exists: boolean; value: bigint; blockTimestamp: bigint };

/** One history to read: the chain, and the arguments of `tryGetHistoryAtBlock`. */
export type ReadRequest = { chainId: number; user: Address; key: bigint; blockNumber: bigint };

/** Thrown when a task cannot be read on this operator's chains; the message is sent back as the task error. */
export class UnreadableTaskError extends Error {
  override name = 'UnreadableTaskError';
}

type ChainReader = { client: PublicClient; stateManager: Address; finality: FinalityTracker; timestamps: Map<bigint, bigint> };

const TIMESTAMP_CACHE_LIMIT = 10_000;

/**
 * Queries per `tryGetValuesAtBlocks` call. Measured on anvil with `tryGetHistoriesAtBlocks`, which makes the same
 * lookups and returns more, a query costs about 9,300 gas on a one-entry history (cold storage reads) and 2,300 more
 * per doubling of the history's length: 256 queries take 2.4M gas on one-entry histories, 5.7M on 64-entry ones, and
 * would take about 14M on million-entry ones, under anvil's 30M `eth_call` cap (geth's is 50M).
 */
const QUERIES_PER_CALL = 256;

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
   * @throws {FinalityTimeoutError} when the reader stops first.
   */
  async read(chainId: number, user: Address, key: bigint, blockNumber: bigint): Promise<HistoryReading> {
    const [reading] = await this.readMany([{ chainId, user, key, blockNumber }]);
    if (reading instanceof Error) throw reading;
    return reading!;
  }

  /**
   * Reads a batch of histories, each as {@link read} would, in one round trip per chain: per chain it waits once, until
   * the highest block asked for is final, then reads the timestamps of the distinct blocks and the entries, in calls of
   * {@link QUERIES_PER_CALL} queries, all sent together. Never rejects: each item gets its reading or its own error.
   * @returns In input order, the reading or the error: {@link UnreadableTaskError} for an unknown chain or a block that
   *   does not exist, `FinalityTimeoutError` when the reader stops first, the RPC error of a failed call.
   */
  async readMany(items: readonly ReadRequest[]): Promise<(HistoryReading | Error)[]> {
    const results: (HistoryReading | Error)[] = new Array(items.length);
    const byChain = new Map<number, number[]>();
    for (const [i, item] of items.entries()) {
      const indices = byChain.get(item.chainId);
      if (indices) indices.push(i);
      else byChain.set(item.chainId, [i]);
    }
    await Promise.all(
      [...byChain].map(async ([chainId, indices]) => {
        const chain = this.chains.get(chainId);
        if (!chain) {
          for (const i of indices) results[i] = new UnreadableTaskError(`chain ${chainId} is not configured on this operator`);
          return;
        }
        const readings = await this.readChain(chain, indices.map((i) => items[i]!));
        for (const [j, i] of indices.entries()) results[i] = readings[j]!;
      }),
    );
    return results;
  }

  /** {@link readMany} for the items of one chain. */
  private async readChain(chain: ChainReader, items: readonly ReadRequest[]): Promise<(HistoryReading | Error)[]> {
    let highest = items[0]!.blockNumber;
    for (const item of items) if (item.blockNumber > highest) highest = item.blockNumber;
    try {
      await chain.finality.waitFor(highest);
    } catch (error) {
      return items.map(() => error as Error);
    }
    const blocks = [...new Set(items.map((item) => item.blockNumber))];
    const chunks: ReadRequest[][] = [];
    for (let start = 0; start < items.length; start += QUERIES_PER_CALL) chunks.push(items.slice(start, start + QUERIES_PER_CALL));
    const [timestamps, entries] = await Promise.all([
      Promise.all(blocks.map((b) => this.blockTimestamp(chain, b).catch((error: Error) => error))),
      Promise.all(chunks.map((c) => this.call(chain, c).catch((error: Error) => error))),
    ]);
    const timestampOf = new Map(blocks.map((b, j) => [b, timestamps[j]!]));
    const results: (HistoryReading | Error)[] = [];
    for (const [i, item] of items.entries()) {
      // A missing block says more about the task than a failed call: its error wins.
      const blockTimestamp = timestampOf.get(item.blockNumber)!;
      const chunk = entries[Math.floor(i / QUERIES_PER_CALL)]!;
      if (blockTimestamp instanceof Error) results.push(blockTimestamp);
      else if (chunk instanceof Error) results.push(chunk);
      else {
        const j = i % QUERIES_PER_CALL;
        results.push({ exists: chunk.exists[j]!, value: chunk.exists[j] ? chunk.values[j]! : 0n, blockTimestamp });
      }
    }
    return results;
  }

  /**
   * One `tryGetValuesAtBlocks` call, sent as a plain `eth_call` (batched by the transport) with the call data of
   * `valuesCall.ts`: `readContract` re-derives the selector, re-validates the addresses and formats the request on
   * every call, which was a sixth of an operator's CPU per task.
   */
  private async call(chain: ChainReader, items: readonly ReadRequest[]): Promise<ValuesResult> {
    const data = encodeValuesCall(items);
    const result = (await chain.client.request({ method: 'eth_call', params: [{ to: chain.stateManager, data }, 'latest'] })) as Hex;
    return decodeValuesResult(result, items.length);
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
