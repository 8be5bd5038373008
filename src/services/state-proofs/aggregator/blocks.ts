/**
 * Block lookups behind a proof request (docs/architecture.md, "State proofs", step 2): the timestamp of a requested block
 * (refusing blocks ahead of the head), and the last block at or before a requested timestamp. Block timestamps and
 * resolved timestamps are cached; concurrent lookups of one block share one RPC call.
 */
import type { PublicClient } from 'viem';
import { BlockAheadError, TimestampAheadError, TimestampBeforeChainError, UnsupportedChainError } from './errors.ts';

/** A block number and its timestamp (unix seconds). */
export type BlockRef = { blockNumber: bigint; timestamp: bigint };

/** What the aggregator needs to know about blocks. */
export type BlockResolver = {
  /**
   * Block `blockNumber` of `chainId` with its timestamp.
   * @throws {BlockAheadError} when the block is past the chain head. {UnsupportedChainError} for an unknown chain.
   */
  blockAt(chainId: number, blockNumber: bigint): Promise<BlockRef>;
  /**
   * The last block of `chainId` whose timestamp is at or before `timestamp` (unix seconds).
   * @throws {TimestampAheadError} when `timestamp` is after the head's (the answer is not known yet).
   * @throws {TimestampBeforeChainError} when it precedes block 0.
   */
  blockAtTimestamp(chainId: number, timestamp: bigint): Promise<BlockRef>;
  /** The head of `chainId` (cached for `headTtlMs`). */
  head(chainId: number): Promise<BlockRef>;
};

/** Options of {@link createBlockResolver}. */
export type BlockResolverOptions = {
  /** How long a fetched head is reused, in milliseconds (default 500). A block past it triggers one refresh. */
  headTtlMs?: number;
  /** Block timestamps kept (default 100,000). */
  cacheSize?: number;
};

/**
 * A {@link BlockResolver} over viem clients, one per chain id.
 *
 * Timestamp search: interpolation steps (blocks are near-regular) alternating with bisection, so it takes a handful of
 * calls on regular chains and never more than about 2·log2(head) on irregular ones. A reorg that changes the
 * timestamp of a cached, not yet final block is not noticed here; operators check the timestamp against their own
 * RPC at finality and refuse a mismatch.
 */
export function createBlockResolver(clients: ReadonlyMap<number, PublicClient>, options: BlockResolverOptions = {}): BlockResolver {
  const headTtlMs = options.headTtlMs ?? 500;
  const timestamps = new LruMap<string, bigint>(options.cacheSize ?? 100_000);
  const resolved = new LruMap<string, BlockRef>(10_000);
  const inflight = new Map<string, Promise<bigint>>();
  const heads = new Map<number, { ref: BlockRef; at: number }>();
  const headFetches = new Map<number, Promise<BlockRef>>();

  function client(chainId: number): PublicClient {
    const c = clients.get(chainId);
    if (!c) throw new UnsupportedChainError(chainId, [...clients.keys()]);
    return c;
  }

  /** Fetches the head now (one request per chain at a time). */
  function fetchHead(chainId: number): Promise<BlockRef> {
    const running = headFetches.get(chainId);
    if (running) return running;
    const pending = client(chainId)
      .getBlock({ blockTag: 'latest' })
      .then((block) => {
        const ref = { blockNumber: block.number, timestamp: block.timestamp };
        timestamps.set(`${chainId}:${ref.blockNumber}`, ref.timestamp);
        heads.set(chainId, { ref, at: Date.now() });
        return ref;
      })
      .finally(() => headFetches.delete(chainId));
    headFetches.set(chainId, pending);
    return pending;
  }

  async function head(chainId: number): Promise<BlockRef> {
    client(chainId);
    const entry = heads.get(chainId);
    if (entry && Date.now() - entry.at < headTtlMs) return entry.ref;
    return fetchHead(chainId);
  }

  async function timestampOf(chainId: number, blockNumber: bigint): Promise<bigint> {
    const key = `${chainId}:${blockNumber}`;
    const cached = timestamps.get(key);
    if (cached !== undefined) return cached;
    const running = inflight.get(key);
    if (running) return running;
    const pending = client(chainId)
      .getBlock({ blockNumber })
      .then((block) => {
        timestamps.set(key, block.timestamp);
        return block.timestamp;
      })
      .finally(() => inflight.delete(key));
    inflight.set(key, pending);
    return pending;
  }

  async function blockAt(chainId: number, blockNumber: bigint): Promise<BlockRef> {
    const cached = timestamps.get(`${chainId}:${blockNumber}`);
    if (cached !== undefined) return { blockNumber, timestamp: cached };
    let top = await head(chainId);
    if (blockNumber > top.blockNumber) top = await fetchHead(chainId);
    if (blockNumber > top.blockNumber) throw new BlockAheadError(chainId, blockNumber, top.blockNumber);
    return { blockNumber, timestamp: await timestampOf(chainId, blockNumber) };
  }

  async function blockAtTimestamp(chainId: number, timestamp: bigint): Promise<BlockRef> {
    const key = `${chainId}:${timestamp}`;
    const hit = resolved.get(key);
    if (hit) return hit;
    let top = await head(chainId);
    if (timestamp > top.timestamp) top = await fetchHead(chainId);
    if (timestamp > top.timestamp) throw new TimestampAheadError(chainId, timestamp, top.timestamp);
    if (timestamp === top.timestamp) return top;
    const first = await timestampOf(chainId, 0n);
    if (timestamp < first) throw new TimestampBeforeChainError(chainId, timestamp, first);
    // Invariant: ts(lo) <= timestamp < ts(hi).
    let lo = 0n;
    let loTs = first;
    let hi = top.blockNumber;
    let hiTs = top.timestamp;
    let step = 0;
    while (hi - lo > 1n) {
      let mid: bigint;
      if (step++ % 2 === 0 && hiTs > loTs) {
        mid = lo + ((timestamp - loTs) * (hi - lo)) / (hiTs - loTs);
        if (mid <= lo) mid = lo + 1n;
        if (mid >= hi) mid = hi - 1n;
      } else {
        mid = (lo + hi) / 2n;
      }
      const midTs = await timestampOf(chainId, mid);
      if (midTs <= timestamp) {
        lo = mid;
        loTs = midTs;
      } else {
        hi = mid;
        hiTs = midTs;
      }
    }
    const ref = { blockNumber: lo, timestamp: loTs };
    resolved.set(key, ref);
    return ref;
  }

  return { blockAt, blockAtTimestamp, head };
}

/** A Map that forgets its least recently used entries beyond `capacity`. */
class LruMap<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as K);
  }
}
