/**
 * The preconf gateway: it holds delegate keys of UniFiAVSManager operators and, for a slot whose proposer is one of
 * their registered validators, signs preconfirmations of the transactions clients send it. It reads who proposes which
 * slot, and the registry's view of them, from a {@link LookaheadSource}; it signs only for a proposer that is
 * registered, backed by stake and committed to the transaction's chain, before its slot starts, with a delegate key it
 * holds. Every preconfirmation signed is stored first-writer-wins per (chainId, slot, txHash), so asking again returns
 * the same one, after a restart as well.
 *
 * ```ts
 * const gateway = new PreconfGateway({ lookahead, registry, registryChainId: 1, delegateKeys: [account], store });
 * const { preconf, created } = await gateway.requestPreconf({ chainId: 1n, slot: 9_000_123n, signedTransaction });
 * ```
 */
import { Counter, type Registry } from 'prom-client';
import { type Address, type Hex, type PrivateKeyAccount, getAddress, keccak256, parseTransaction, recoverTransactionAddress } from 'viem';
import { type Logger, silentLogger } from '../../../core/logging.ts';
import { type LookaheadSlot, type LookaheadSource, type PreconfRefusal, preconfRefusal } from '../lookahead.ts';
import { type PreconfDomain, type Preconfirmation, delegateKeyAddress, preconfirmationDigest, signPreconfirmation } from '../preconfirmation.ts';
import type { PreconfListFilter, PreconfStore, StoredPreconf } from './store.ts';

/** Why this gateway will not preconfirm: the proposer's state ({@link PreconfRefusal}), or the gateway's own limits. */
export type GatewayRefusal = PreconfRefusal | 'delegate-key-not-held' | 'slot-not-in-lookahead';

/** Every {@link GatewayRefusal}, for schemas and metrics. */
export const GATEWAY_REFUSALS = [
  'slot-passed',
  'not-registered',
  'not-backed-by-stake',
  'no-delegate-key',
  'chain-not-committed',
  'delegate-key-not-held',
  'slot-not-in-lookahead',
] as const satisfies readonly GatewayRefusal[];

/** The gateway will not preconfirm for `chainId` in `slot`, for `reason`. */
export class PreconfRefusedError extends Error {
  override name = 'PreconfRefusedError';
  constructor(
    readonly reason: GatewayRefusal,
    readonly chainId: bigint,
    readonly slot: bigint,
    message?: string,
  ) {
    super(message ?? `cannot preconfirm for chain ${chainId} in slot ${slot}: ${reason}`);
  }
}

/** The slot's proposer signs with a delegate key this gateway does not hold (reason `delegate-key-not-held`). */
export class DelegateKeyNotHeldError extends PreconfRefusedError {
  override name = 'DelegateKeyNotHeldError';
  constructor(chainId: bigint, slot: bigint, readonly delegateKey: Hex) {
    super('delegate-key-not-held', chainId, slot, `cannot preconfirm in slot ${slot}: its proposer's delegate key ${delegateKey} is not held by this gateway`);
  }
}

/** The slot is beyond the lookahead (reason `slot-not-in-lookahead`): its proposer is not known yet. */
export class SlotNotInLookaheadError extends PreconfRefusedError {
  override name = 'SlotNotInLookaheadError';
  constructor(chainId: bigint, slot: bigint, last: bigint | undefined) {
    super('slot-not-in-lookahead', chainId, slot, `slot ${slot} is not in the lookahead (${last === undefined ? 'which is empty' : `which ends at slot ${last}`})`);
  }
}

/** The signed transaction is not one (not a transaction, unsigned, a bad signature) or is for another chain. */
export class PreconfTransactionError extends Error {
  override name = 'PreconfTransactionError';
  /** The request field at fault. */
  readonly field = 'signedTransaction';
}

/** The lookahead source failed (the beacon node or the registry cannot be read); answered 503. */
export class LookaheadUnavailableError extends Error {
  override name = 'LookaheadUnavailableError';
  readonly statusCode = 503;
}

/** A lookahead slot and whether this gateway can preconfirm in it now. */
export type GatewaySlot = LookaheadSlot & {
  /** For the chain asked about, or, when none was, for at least one chain. */
  canPreconf: boolean;
  /** Why not (null when it can). */
  reason: GatewayRefusal | null;
};

/** What a client asks the gateway to preconfirm. */
export type PreconfRequest = {
  /** The chain the transaction is for (uint256). */
  chainId: bigint;
  /** The beacon-chain slot it should be included in (uint64). */
  slot: bigint;
  /** The signed transaction, RLP / typed-envelope bytes as `eth_sendRawTransaction` takes them. */
  signedTransaction: Hex;
};

/** Options of {@link PreconfGateway}. */
export type PreconfGatewayOptions = {
  lookahead: LookaheadSource;
  /** The UniFiAVSManager and the id of the chain it is on: the preconfirmations' EIP-712 domain. */
  registry: Address;
  registryChainId: number;
  /** The delegate keys this gateway signs with. */
  delegateKeys: readonly PrivateKeyAccount[];
  store: PreconfStore;
  /** Unix seconds now (default the system clock). */
  now?: () => bigint;
  /** Registry the gateway's metrics go to (default: a registry of their own). */
  metrics?: Registry;
  logger?: Logger;
};

/** Signs, stores and answers preconfirmations (module documentation above). */
export class PreconfGateway {
  /** The registry domain preconfirmations are signed in. */
  readonly domain: PreconfDomain;
  /** Result of the last lookahead read: undefined before the first. */
  lastLookaheadRead: 'ok' | 'error' | undefined;
  readonly #source: LookaheadSource;
  readonly #keys: Map<string, PrivateKeyAccount>;
  readonly #store: PreconfStore;
  readonly #now: () => bigint;
  readonly #logger: Logger;
  readonly #metrics: { signed: Counter<'chain_id'>; repeated: Counter; refused: Counter<'reason'>; reads: Counter<'result'> };

  constructor(options: PreconfGatewayOptions) {
    this.domain = { registry: getAddress(options.registry), registryChainId: options.registryChainId };
    this.#source = options.lookahead;
    this.#keys = new Map(options.delegateKeys.map((a) => [a.address.toLowerCase(), a]));
    this.#store = options.store;
    this.#now = options.now ?? (() => BigInt(Math.floor(Date.now() / 1000)));
    this.#logger = options.logger ?? silentLogger();
    const registers = options.metrics ? [options.metrics] : [];
    const counter = <L extends string>(name: string, help: string, labelNames: L[] = []) =>
      // A registry already holding the metric (a gateway restarted in the same process) keeps counting on it.
      (options.metrics?.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter<L>({ name, help, labelNames, registers });
    this.#metrics = {
      signed: counter('avs_preconf_gateway_preconfs_signed_total', 'Preconfirmations signed, by chain id', ['chain_id']),
      repeated: counter('avs_preconf_gateway_preconfs_repeated_total', 'Requests answered with a preconfirmation signed before'),
      refused: counter('avs_preconf_gateway_preconfs_refused_total', 'Preconfirmation requests refused, by reason', ['reason']),
      reads: counter('avs_preconf_gateway_lookahead_reads_total', 'Lookahead reads, by result: ok, error', ['result']),
    };
  }

  /** Addresses of the delegate keys held. */
  get delegateKeys(): Address[] {
    return [...this.#keys.values()].map((a) => a.address);
  }

  /**
   * The lookahead, each slot with whether this gateway can preconfirm in it now: for `chainId`, or when omitted for
   * at least one of the proposer's committed chains.
   * @throws {LookaheadUnavailableError} when the source cannot be read.
   */
  async lookahead(chainId?: bigint): Promise<GatewaySlot[]> {
    const slots = await this.#readLookahead();
    const now = this.#now();
    return slots.map((slot) => {
      const reason = this.#refusal(slot, chainId, now);
      return { ...slot, canPreconf: reason === null, reason };
    });
  }

  /**
   * Preconfirms `request.signedTransaction` for its chain and slot: the stored preconfirmation when one exists for
   * (chainId, slot, keccak256(signedTransaction)) (`created: false`), else a new one signed with the slot proposer's
   * delegate key and stored (`created: true`).
   * @throws {PreconfTransactionError} when signedTransaction is not a signed transaction or carries another chain id.
   * @throws {PreconfRefusedError} (or {@link DelegateKeyNotHeldError}, {@link SlotNotInLookaheadError}) with the reason.
   * @throws {LookaheadUnavailableError} when the lookahead cannot be read; the store's errors.
   */
  async requestPreconf(request: PreconfRequest): Promise<{ preconf: StoredPreconf; created: boolean }> {
    const { chainId, slot, signedTransaction } = request;
    await checkSignedTransaction(signedTransaction, chainId);
    const txHash = keccak256(signedTransaction);
    const earlier = await this.#store.get(chainId, slot, txHash);
    if (earlier) {
      this.#metrics.repeated.inc();
      return { preconf: earlier, created: false };
    }
    try {
      const { proposer, account } = await this.#signer(chainId, slot);
      const preconfirmation: Preconfirmation = { chainId, slot, txHash, blsPubKeyHash: proposer.blsPubKeyHash };
      const signature = await signPreconfirmation(account, preconfirmation, this.domain);
      const result = await this.#store.insert({
        digest: preconfirmationDigest(preconfirmation, this.domain),
        preconfirmation,
        ...this.domain,
        signer: account.address,
        signature,
        signedTransaction,
        createdAt: Date.now(),
      });
      if (result.created) {
        this.#metrics.signed.inc({ chain_id: chainId.toString() });
        this.#logger.info({ chainId: chainId.toString(), slot: slot.toString(), txHash, digest: result.record.digest, signer: account.address }, 'preconfirmation signed');
      } else {
        this.#metrics.repeated.inc();
      }
      return { preconf: result.record, created: result.created };
    } catch (error) {
      if (error instanceof PreconfRefusedError) {
        this.#metrics.refused.inc({ reason: error.reason });
        this.#logger.debug({ chainId: chainId.toString(), slot: slot.toString(), reason: error.reason }, 'preconfirmation refused');
      }
      throw error;
    }
  }

  /** The preconfirmation with this digest, if this gateway signed it. */
  getPreconf(digest: Hex): Promise<StoredPreconf | undefined> {
    return this.#store.getByDigest(digest);
  }

  /** Preconfirmations signed, by slot range, highest slot first (see {@link PreconfStore.list}). */
  listPreconfs(filter: PreconfListFilter): Promise<StoredPreconf[]> {
    return this.#store.list(filter);
  }

  /** The slot's proposer and the key to sign with, or the refusal. */
  async #signer(chainId: bigint, slot: bigint): Promise<{ proposer: LookaheadSlot; account: PrivateKeyAccount }> {
    const slots = await this.#readLookahead();
    const proposer = slots.find((s) => s.slot === slot);
    if (!proposer) {
      // Before the lookahead's first slot: that slot is over.
      if (slots.length > 0 && slot < slots[0]!.slot) throw new PreconfRefusedError('slot-passed', chainId, slot);
      throw new SlotNotInLookaheadError(chainId, slot, slots.at(-1)?.slot);
    }
    const reason = preconfRefusal(proposer, chainId, this.#now());
    if (reason) throw new PreconfRefusedError(reason, chainId, slot);
    const account = this.#account(proposer);
    if (!account) throw new DelegateKeyNotHeldError(chainId, slot, proposer.registration!.delegateKey);
    return { proposer, account };
  }

  #refusal(slot: LookaheadSlot, chainId: bigint | undefined, now: bigint): GatewayRefusal | null {
    // No chain asked: judge by a chain it committed to (-1 stands for none, so the refusal names the missing commitment).
    const chain = chainId ?? slot.registration?.chainIds[0] ?? -1n;
    return preconfRefusal(slot, chain, now) ?? (this.#account(slot) ? null : 'delegate-key-not-held');
  }

  #account(slot: LookaheadSlot): PrivateKeyAccount | undefined {
    const address = slot.registration ? delegateKeyAddress(slot.registration.delegateKey) : null;
    return address ? this.#keys.get(address.toLowerCase()) : undefined;
  }

  async #readLookahead(): Promise<LookaheadSlot[]> {
    try {
      const slots = await this.#source.lookahead();
      this.#metrics.reads.inc({ result: 'ok' });
      this.lastLookaheadRead = 'ok';
      return slots;
    } catch (error) {
      this.#metrics.reads.inc({ result: 'error' });
      this.lastLookaheadRead = 'error';
      throw new LookaheadUnavailableError(`cannot read the lookahead right now: ${String((error as Error)?.message ?? error).split('\n')[0]}`, { cause: error });
    }
  }
}

/**
 * Checks that `raw` is a signed transaction whose signature recovers and whose chain id, if it carries one (pre-EIP-155
 * legacy transactions do not), is `chainId`.
 * @throws {PreconfTransactionError} naming what is wrong.
 */
export async function checkSignedTransaction(raw: Hex, chainId: bigint): Promise<void> {
  let parsed: ReturnType<typeof parseTransaction>;
  try {
    parsed = parseTransaction(raw);
  } catch (error) {
    throw new PreconfTransactionError(`not a transaction: ${String((error as Error).message).split('\n')[0]}`);
  }
  if (parsed.r === undefined || parsed.s === undefined) throw new PreconfTransactionError('the transaction is not signed');
  try {
    await recoverTransactionAddress({ serializedTransaction: raw as never });
  } catch {
    throw new PreconfTransactionError('the transaction signature does not recover a sender');
  }
  if (parsed.chainId !== undefined && BigInt(parsed.chainId) !== chainId) {
    throw new PreconfTransactionError(`the transaction is for chain ${parsed.chainId}, not ${chainId}`);
  }
}
