/**
 * The devnet bridge relayer (docs/decisions/bridge-0001-devnet-abridge.md). For every bridge pair it runs two
 * lanes, one per direction: it reads `MessageSent` on the source endpoint and calls `deliverMessage` on the destination,
 * exactly once and in nonce order.
 *
 * It holds no state that matters. Each pass starts from the destination's `nextInboundNonce`, the on-chain record of
 * what has landed; the source's messages are found from there by `getLogs` on the nonce topic in bounded block ranges
 * (backwards from the confirmed head, the first time), then forwards. So a restart, or a crash between sending a
 * delivery and seeing its receipt, neither loses nor repeats a delivery: one that landed shows in the nonce, and one
 * sent twice is refused by the endpoint (`InboundNonceMismatch`) before it costs gas (every delivery is simulated
 * through gas estimation first).
 */
import {
  type Account,
  type Address,
  BaseError,
  type Chain,
  ContractFunctionRevertedError,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
  decodeErrorResult,
  parseEventLogs,
} from 'viem';
import { Counter, Gauge, type Registry } from 'prom-client';
import { DevnetAbridgeAbi } from '../core/chain/abis/generated/index.ts';
import { makePublicClient, makeWalletClient } from '../core/chain/clients.ts';
import { type Logger, silentLogger } from '../core/logging.ts';
import type { BridgePair } from './bridge.ts';
import { describeRevert } from '../core/chain/transactions.ts';

/** A chain the relayer talks to. */
export type RelayerChain = { chainId: number; rpcUrl: string };

/** Options for {@link Relayer}. */
export type RelayerOptions = {
  /** Pairs to relay, both directions each. */
  pairs: readonly BridgePair[];
  /** RPC endpoint of every chain the pairs name. */
  chains: readonly RelayerChain[];
  /** Signs deliveries; must be an authorised relayer on every endpoint. */
  account: Account;
  /** A message is delivered once its block has this many confirmations (1 = the block itself); default 2. */
  confirmations?: number;
  /** Pause between passes when there is nothing to deliver, milliseconds; default 500. */
  pollIntervalMs?: number;
  /** Largest block range of one getLogs request; default 2,000. */
  maxBlockRange?: bigint;
  /** Messages read ahead per lane before delivering; default 1,000. */
  maxPending?: number;
  /** How long {@link Relayer.stop} waits for a delivery in flight, milliseconds; default 10,000. */
  stopGraceMs?: number;
  logger?: Logger;
  /** Registers `avs_relayer_*` metrics here when given. */
  metrics?: Registry;
  /** Called after each delivery lands (delivered or recorded as failed by the endpoint). */
  onDelivery?: (delivery: Delivery) => void;
};

/** A message as the source endpoint's `MessageSent` carries it. */
export type SentMessage = {
  guid: Hex;
  nonce: bigint;
  sender: Address;
  receiver: Address;
  gasLimit: bigint;
  message: Hex;
  fee: bigint;
  blockNumber: bigint;
};

/** One delivery that landed. */
export type Delivery = {
  sourceChainId: number;
  destinationChainId: number;
  guid: Hex;
  nonce: bigint;
  /** `failed`: the endpoint recorded the receiver's failure; anyone may retry it (`retryMessage`). */
  outcome: 'delivered' | 'failed';
  /** For `failed`: the endpoint's reason, decoded when possible (e.g. `HandlerReverted(0x…)`). */
  reason?: string;
  transactionHash: Hex;
  gasUsed: bigint;
};

/** What one lane has done since the relayer started. */
export type LaneStatus = {
  sourceChainId: number;
  destinationChainId: number;
  /** Next nonce the destination expects, as last read. */
  nextInboundNonce: bigint;
  /** Next nonce the source will assign, as of the confirmed head last read. */
  nextOutboundNonce: bigint;
  delivered: number;
  failed: number;
  lastError?: string;
};

/** The relayer's configuration does not match the chains (wrong peers, not authorised, unknown chain). */
export class RelayerConfigError extends Error {
  override name = 'RelayerConfigError';
}

/** A delivery transaction reverted or a sent message cannot be found. */
export class RelayError extends Error {
  override name = 'RelayError';
}

type Side = { chainId: number; endpoint: Address; startBlock: bigint; client: PublicClient };

type Metrics = { delivered: Counter<string>; errors: Counter<string>; backlog: Gauge<string> };

/** One direction of one pair. */
class Lane {
  readonly name: string;
  private readonly log: Logger;
  /** Next source block to scan forward from; undefined until the next message has been located. */
  private cursor: bigint | undefined;
  private readonly pending = new Map<bigint, SentMessage>();
  readonly status: LaneStatus;

  constructor(
    private readonly source: Side,
    private readonly destination: Side & { wallet: WalletClient<Transport, Chain, Account> },
    private readonly options: Required<Pick<RelayerOptions, 'confirmations' | 'maxBlockRange' | 'maxPending'>> &
      Pick<RelayerOptions, 'onDelivery'>,
    logger: Logger,
    private readonly metrics: Metrics | undefined,
    private readonly stopping: () => boolean,
  ) {
    this.name = `${source.chainId}→${destination.chainId}`;
    this.log = logger.child({ lane: this.name });
    this.status = {
      sourceChainId: source.chainId,
      destinationChainId: destination.chainId,
      nextInboundNonce: 0n,
      nextOutboundNonce: 0n,
      delivered: 0,
      failed: 0,
    };
  }

  private get labels() {
    return { source_chain_id: String(this.source.chainId), destination_chain_id: String(this.destination.chainId) };
  }

  /**
   * Checks that the destination endpoint's peer is the source endpoint and that the account may deliver.
   * @throws {RelayerConfigError} otherwise.
   */
  async check(account: Address): Promise<void> {
    const dst = { address: this.destination.endpoint, abi: DevnetAbridgeAbi } as const;
    const [peer, peerChainId, authorised] = await Promise.all([
      this.destination.client.readContract({ ...dst, functionName: 'peer' }),
      this.destination.client.readContract({ ...dst, functionName: 'PEER_CHAIN_ID' }),
      this.destination.client.readContract({ ...dst, functionName: 'isRelayer', args: [account] }),
    ]).catch((error: unknown) => {
      throw new RelayerConfigError(
        `lane ${this.name}: cannot read the endpoint ${this.destination.endpoint} on ${this.destination.chainId} (is it a DevnetAbridge?): ${describeRevert(error)}`,
      );
    });
    if (peer.toLowerCase() !== this.source.endpoint.toLowerCase() || peerChainId !== BigInt(this.source.chainId)) {
      throw new RelayerConfigError(
        `lane ${this.name}: the endpoint ${this.destination.endpoint} on ${this.destination.chainId} has peer ${peer} on ${peerChainId}, ` +
          `not ${this.source.endpoint} on ${this.source.chainId}`,
      );
    }
    if (!authorised) {
      throw new RelayerConfigError(`lane ${this.name}: ${account} is not an authorised relayer of ${this.destination.endpoint} on ${this.destination.chainId}`);
    }
  }

  /** One pass: delivers every confirmed message from the destination's next inbound nonce on. Returns how many landed. */
  async pass(): Promise<number> {
    const head = await this.source.client.getBlockNumber({ cacheTime: 0 });
    const safe = head - BigInt(this.options.confirmations - 1);
    if (safe < this.source.startBlock || safe < 0n) return 0;
    const [nextIn, nextOut] = await Promise.all([
      this.nextInboundNonce(),
      this.source.client.readContract({
        address: this.source.endpoint,
        abi: DevnetAbridgeAbi,
        functionName: 'nextOutboundNonce',
        blockNumber: safe,
      }),
    ]);
    this.status.nextInboundNonce = nextIn;
    this.status.nextOutboundNonce = nextOut;
    this.metrics?.backlog.set(this.labels, Number(nextOut > nextIn ? nextOut - nextIn : 0n));
    for (const nonce of this.pending.keys()) if (nonce < nextIn) this.pending.delete(nonce);
    if (nextIn >= nextOut) return 0;

    if (!this.pending.has(nextIn)) {
      if (this.cursor === undefined) this.cursor = await this.locate(nextIn, safe);
      await this.scanForward(nextIn, safe);
      if (!this.pending.has(nextIn)) {
        // Not where the cursor said (a reorg, or a gap): locate it again next pass.
        this.cursor = undefined;
        throw new RelayError(`lane ${this.name}: message ${nextIn} is confirmed on ${this.source.chainId} but was not found in its logs`);
      }
    }

    let landed = 0;
    let next = nextIn;
    while (!this.stopping()) {
      const message = this.pending.get(next);
      if (!message) break;
      let result: 'landed' | 'stale';
      try {
        result = await this.deliver(message);
      } catch (error) {
        // Read the source again next pass: if its logs changed (a reorg), the pending copy is what failed.
        this.pending.clear();
        this.cursor = undefined;
        throw error;
      }
      if (result === 'stale') break; // someone else delivered it: re-read the nonce on the next pass
      this.pending.delete(next);
      landed++;
      next++;
      this.status.nextInboundNonce = next;
    }
    return landed;
  }

  private async nextInboundNonce(): Promise<bigint> {
    return this.destination.client.readContract({
      address: this.destination.endpoint,
      abi: DevnetAbridgeAbi,
      functionName: 'nextInboundNonce',
    });
  }

  /** The block of message `nonce`: getLogs on the nonce topic, backwards from `safe` in bounded ranges. */
  private async locate(nonce: bigint, safe: bigint): Promise<bigint> {
    const range = this.options.maxBlockRange;
    for (let to = safe; to >= this.source.startBlock; to -= range) {
      const from = to - range + 1n > this.source.startBlock ? to - range + 1n : this.source.startBlock;
      const logs = await this.source.client.getContractEvents({
        address: this.source.endpoint,
        abi: DevnetAbridgeAbi,
        eventName: 'MessageSent',
        args: { nonce },
        fromBlock: from,
        toBlock: to,
        strict: true,
      });
      const found = logs.find((l) => !l.removed);
      if (found) {
        this.log.debug({ nonce, block: found.blockNumber }, 'located the next message');
        return found.blockNumber;
      }
      if (from === this.source.startBlock) break;
    }
    throw new RelayError(
      `lane ${this.name}: no MessageSent with nonce ${nonce} from ${this.source.endpoint} between blocks ${this.source.startBlock} and ${safe}`,
    );
  }

  /** Reads MessageSent forwards from the cursor to `safe` (bounded ranges) into `pending`, up to maxPending messages. */
  private async scanForward(nextIn: bigint, safe: bigint): Promise<void> {
    const range = this.options.maxBlockRange;
    while (this.cursor! <= safe && this.pending.size < this.options.maxPending) {
      const from = this.cursor!;
      const to = from + range - 1n < safe ? from + range - 1n : safe;
      const logs = await this.source.client.getContractEvents({
        address: this.source.endpoint,
        abi: DevnetAbridgeAbi,
        eventName: 'MessageSent',
        fromBlock: from,
        toBlock: to,
        strict: true,
      });
      for (const log of logs) {
        if (log.removed || log.args.nonce < nextIn) continue;
        this.pending.set(log.args.nonce, {
          guid: log.args.guid,
          nonce: log.args.nonce,
          sender: log.args.sender,
          receiver: log.args.receiver,
          gasLimit: log.args.gasLimit,
          message: log.args.message,
          fee: log.args.fee,
          blockNumber: log.blockNumber,
        });
      }
      this.cursor = to + 1n;
    }
  }

  /**
   * Delivers one message and waits for its receipt. Gas is estimated first, which also simulates the call: a message
   * that already landed is refused there (`InboundNonceMismatch`) and reported as `stale` without a transaction.
   * @throws {RelayError} when the delivery reverts or cannot be simulated for another reason.
   */
  private async deliver(m: SentMessage): Promise<'landed' | 'stale'> {
    const call = {
      address: this.destination.endpoint,
      abi: DevnetAbridgeAbi,
      functionName: 'deliverMessage',
      args: [m.nonce, m.sender, m.receiver, m.gasLimit, m.message, m.guid],
      account: this.destination.wallet.account,
    } as const;
    let gas: bigint;
    try {
      gas = await this.destination.client.estimateContractGas(call);
    } catch (error) {
      if (revertName(error) === 'InboundNonceMismatch') {
        this.log.info({ nonce: m.nonce, guid: m.guid }, 'already delivered');
        return 'stale';
      }
      throw new RelayError(`lane ${this.name}: delivery of message ${m.nonce} would revert: ${describeRevert(error)}`);
    }
    // Headroom over the estimate; unused gas is not charged, and the endpoint reverts rather than starve the receiver.
    const hash = await this.destination.wallet.writeContract({ ...call, gas: gas + gas / 5n + 10_000n });
    const receipt = await this.destination.client.waitForTransactionReceipt({ hash, timeout: 60_000, pollingInterval: 100 });
    if (receipt.status !== 'success') {
      if ((await this.nextInboundNonce()) > m.nonce) {
        this.log.info({ nonce: m.nonce, guid: m.guid, transactionHash: hash }, 'already delivered (our transaction reverted)');
        return 'stale';
      }
      throw new RelayError(`lane ${this.name}: delivery of message ${m.nonce} reverted (${hash})`);
    }
    const events = parseEventLogs({ abi: DevnetAbridgeAbi, logs: receipt.logs, eventName: ['MessageDelivered', 'MessageFailed'] }).filter(
      (e) => e.address.toLowerCase() === this.destination.endpoint.toLowerCase() && e.args.guid === m.guid,
    );
    const failed = events.find((e) => e.eventName === 'MessageFailed');
    const delivery: Delivery = {
      sourceChainId: this.source.chainId,
      destinationChainId: this.destination.chainId,
      guid: m.guid,
      nonce: m.nonce,
      outcome: failed ? 'failed' : 'delivered',
      transactionHash: hash,
      gasUsed: receipt.gasUsed,
    };
    if (failed && failed.eventName === 'MessageFailed') {
      delivery.reason = decodeReason(failed.args.reason);
      this.status.failed++;
      this.log.warn({ nonce: m.nonce, guid: m.guid, receiver: m.receiver, reason: delivery.reason, transactionHash: hash }, 'delivered; the receiver failed (retryable)');
    } else {
      this.status.delivered++;
      this.log.info({ nonce: m.nonce, guid: m.guid, receiver: m.receiver, gasUsed: receipt.gasUsed }, 'delivered');
    }
    this.metrics?.delivered.inc({ ...this.labels, outcome: delivery.outcome });
    this.options.onDelivery?.(delivery);
    return 'landed';
  }

  recordError(error: unknown): void {
    this.status.lastError = error instanceof Error ? error.message : String(error);
    this.metrics?.errors.inc(this.labels);
  }
}

/** The custom error name of a contract revert inside a viem error, if any. */
function revertName(error: unknown): string | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const revert = error.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
  return revert?.data?.errorName;
}

/** A MessageFailed reason as text: the endpoint's error with its argument, or the raw bytes. */
function decodeReason(reason: Hex): string {
  try {
    const decoded = decodeErrorResult({ abi: DevnetAbridgeAbi, data: reason });
    return `${decoded.errorName}(${(decoded.args ?? []).map(String).join(', ')})`;
  } catch {
    return reason;
  }
}

/**
 * Relays every configured pair in both directions until {@link Relayer.stop}. Errors in a pass (an RPC down, a
 * delivery reverting) are logged and retried with backoff; they never stop the relayer.
 */
export class Relayer {
  private readonly lanes: Lane[];
  private readonly logger: Logger;
  private readonly account: Account;
  private readonly pollIntervalMs: number;
  private readonly stopGraceMs: number;
  private stopped = false;
  private started = false;
  /** Wakes the sleeping lanes (stop). */
  private readonly wakers = new Set<() => void>();
  private loops: Promise<void>[] = [];

  /** @throws {RelayerConfigError} when a pair names a chain without an RPC endpoint or a confirmation count is < 1. */
  constructor(options: RelayerOptions) {
    this.logger = (options.logger ?? silentLogger()).child({ component: 'relayer' });
    this.account = options.account;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.stopGraceMs = options.stopGraceMs ?? 10_000;
    const confirmations = options.confirmations ?? 2;
    if (!Number.isInteger(confirmations) || confirmations < 1) {
      throw new RelayerConfigError(`confirmations must be an integer >= 1, got ${confirmations}`);
    }
    const laneOptions = {
      confirmations,
      maxBlockRange: options.maxBlockRange ?? 2_000n,
      maxPending: options.maxPending ?? 1_000,
      onDelivery: options.onDelivery,
    };
    if (laneOptions.maxBlockRange < 1n) throw new RelayerConfigError('maxBlockRange must be at least 1');
    const metrics = options.metrics ? registerRelayerMetrics(options.metrics) : undefined;
    const clients = new Map<number, PublicClient>();
    const wallets = new Map<number, WalletClient<Transport, Chain, Account>>();
    const clientOf = (chainId: number) => {
      const chain = options.chains.find((c) => c.chainId === chainId);
      if (!chain) throw new RelayerConfigError(`no RPC endpoint for chain ${chainId}`);
      if (!clients.has(chainId)) {
        clients.set(chainId, makePublicClient(chainId, chain.rpcUrl, { pollingInterval: 100 }));
        wallets.set(chainId, makeWalletClient(chainId, chain.rpcUrl, options.account));
      }
      return { client: clients.get(chainId)!, wallet: wallets.get(chainId)! };
    };
    this.lanes = [];
    const seen = new Set<string>();
    for (const pair of options.pairs) {
      for (const [from, to] of [
        [pair.a, pair.b],
        [pair.b, pair.a],
      ] as const) {
        const key = `${from.chainId}:${from.endpoint.toLowerCase()}→${to.chainId}:${to.endpoint.toLowerCase()}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const source = { ...from, client: clientOf(from.chainId).client };
        const destination = { ...to, ...clientOf(to.chainId) };
        this.lanes.push(new Lane(source, destination, laneOptions, this.logger, metrics, () => this.stopped));
      }
    }
  }

  /**
   * Checks every lane's endpoints (peers, authorisation), then starts relaying in the background.
   * @throws {RelayerConfigError} when an endpoint's peer is not the other side or the account is not authorised.
   */
  async start(): Promise<void> {
    if (this.started) return;
    await Promise.all(this.lanes.map((lane) => lane.check(this.account.address)));
    this.started = true;
    this.logger.info({ lanes: this.lanes.map((l) => l.name), relayer: this.account.address }, 'relayer started');
    this.loops = this.lanes.map((lane) => this.run(lane));
  }

  /** Each lane's progress. */
  status(): LaneStatus[] {
    return this.lanes.map((l) => ({ ...l.status }));
  }

  /**
   * Stops relaying: no new delivery starts; one in flight gets up to `stopGraceMs` to land. Never throws.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const wake of this.wakers) wake();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(this.loops),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.stopGraceMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    this.logger.info('relayer stopped');
  }

  private async run(lane: Lane): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      let landed = 0;
      try {
        landed = await lane.pass();
        failures = 0;
      } catch (error) {
        failures++;
        lane.recordError(error);
        this.logger.warn({ lane: lane.name, error: error instanceof Error ? error.message : String(error), failures }, 'relay pass failed; retrying');
      }
      if (landed > 0 || this.stopped) continue;
      await this.sleep(this.pollIntervalMs * Math.min(2 ** failures, 16));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }
}

/** Creates a {@link Relayer} and starts it. @throws {RelayerConfigError} as {@link Relayer.start}. */
export async function startRelayer(options: RelayerOptions): Promise<Relayer> {
  const relayer = new Relayer(options);
  await relayer.start();
  return relayer;
}

function registerRelayerMetrics(registry: Registry): Metrics {
  const labelNames = ['source_chain_id', 'destination_chain_id'];
  return {
    delivered: new Counter({
      name: 'avs_relayer_messages_total',
      help: 'Bridge messages delivered, by outcome: delivered, or failed (the receiver failed; retryable on chain)',
      labelNames: [...labelNames, 'outcome'],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'avs_relayer_errors_total',
      help: 'Relay passes that failed (RPC errors, reverted deliveries); each is retried',
      labelNames,
      registers: [registry],
    }),
    backlog: new Gauge({
      name: 'avs_relayer_backlog_messages',
      help: 'Confirmed messages not yet delivered, as of the last pass',
      labelNames,
      registers: [registry],
    }),
  };
}

/**
 * Waits until the destination endpoint has handled (or recorded as failed) the message `guid`.
 * @param options.client Destination chain client; options.endpoint the DevnetAbridge there.
 * @returns `delivered` or `failed`.
 * @throws {RelayError} after `timeoutMs` (default 60,000) without either.
 */
export async function waitForMessage(options: {
  client: PublicClient;
  endpoint: Address;
  guid: Hex;
  timeoutMs?: number;
  pollIntervalMs?: number;
}): Promise<'delivered' | 'failed'> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const status = await options.client.readContract({
      address: options.endpoint,
      abi: DevnetAbridgeAbi,
      functionName: 'messageStatus',
      args: [options.guid],
    });
    if (status === 1) return 'delivered';
    if (status === 2) return 'failed';
    if (Date.now() > deadline) throw new RelayError(`message ${options.guid} was not delivered within ${options.timeoutMs ?? 60_000} ms`);
    await new Promise((r) => setTimeout(r, options.pollIntervalMs ?? 200));
  }
}
