/**
 * When is a block safe to attest? Operators sign only final blocks (signing at 2 confirmations would make
 * operators slashable after a reorg). Finality is either the chain's `finalized` tag (public networks) or a
 * confirmation depth (devnets, whose chains have no finality gadget).
 */
import type { PublicClient } from 'viem';

/** `{ confirmations: n }`: final once the head is n blocks past it; `'finalized'`: at or below the finalized tag. */
export type FinalityRule = { confirmations: number } | 'finalized';

/** Thrown when waiting for finality is abandoned (node stopping or deadline). */
export class FinalityTimeoutError extends Error {
  override name = 'FinalityTimeoutError';
}

type Waiter = { blockNumber: bigint; resolve: () => void; reject: (error: Error) => void };

/**
 * Tracks the highest final block of one chain, polling only while someone waits.
 * One tracker per chain; `waitFor` resolves once `blockNumber` is final.
 */
export class FinalityTracker {
  private finalHeight = -1n;
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private stopped = false;

  constructor(
    private readonly client: PublicClient,
    private readonly rule: FinalityRule,
    private readonly pollIntervalMs = 250,
  ) {}

  /** Highest block known to be final (−1 before the first poll). */
  get height(): bigint {
    return this.finalHeight;
  }

  /** Resolves when `blockNumber` is final on this chain. @throws {FinalityTimeoutError} when the tracker stops. */
  async waitFor(blockNumber: bigint): Promise<void> {
    if (blockNumber <= this.finalHeight) return;
    if (this.stopped) throw new FinalityTimeoutError('finality tracker stopped');
    const promise = new Promise<void>((resolve, reject) => this.waiters.push({ blockNumber, resolve, reject }));
    this.schedule(0);
    return promise;
  }

  /** Stops polling and rejects every waiter. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(new FinalityTimeoutError('finality tracker stopped'));
  }

  private schedule(delay: number): void {
    if (this.timer || this.polling || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, delay);
  }

  private async poll(): Promise<void> {
    this.polling = true;
    try {
      this.finalHeight = await this.readFinalHeight();
    } catch {
      // RPC hiccup: keep the last known height and try again on the next tick.
    } finally {
      this.polling = false;
    }
    const ready = this.waiters.filter((w) => w.blockNumber <= this.finalHeight);
    this.waiters = this.waiters.filter((w) => w.blockNumber > this.finalHeight);
    for (const w of ready) w.resolve();
    if (this.waiters.length > 0) this.schedule(this.pollIntervalMs);
  }

  private async readFinalHeight(): Promise<bigint> {
    if (this.rule === 'finalized') {
      const block = await this.client.getBlock({ blockTag: 'finalized' });
      return block.number ?? -1n;
    }
    const head = await this.client.getBlockNumber({ cacheTime: 0 });
    return head - BigInt(this.rule.confirmations);
  }
}
