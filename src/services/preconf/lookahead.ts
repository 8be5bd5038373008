/**
 * The proposer lookahead as the preconf gateway serves it: for each upcoming beacon-chain slot, its proposer and what
 * the UniFiAVSManager registry says of it. Built by {@link LookaheadSource} implementations from a Beacon API
 * (proposer duties) and the registry; consumed by the gateway's HTTP API and its preconfirmation signer.
 */
import type { Address, Hex } from 'viem';

/** One upcoming slot and its proposer. */
export type LookaheadSlot = {
  /** Beacon-chain slot. */
  slot: bigint;
  /** Unix time (seconds) the slot starts. */
  startsAt: bigint;
  /** The proposer's beacon-chain validator index. */
  validatorIndex: bigint;
  /** The proposer's 48-byte BLS public key. */
  pubkey: Hex;
  /** sha256(pubkey ‖ 16 zero bytes): the key EigenPods and the registry use. */
  blsPubKeyHash: Hex;
  /** The registry's view of the proposer, or null when it is not (and never was) registered. */
  registration: ProposerRegistration | null;
};

/** What UniFiAVSManager.getValidator reports of a proposer, read at one main-chain block. */
export type ProposerRegistration = {
  operator: Address;
  eigenPod: Address;
  /** Registered now, including a deregistration delay it is still liable in. */
  registered: boolean;
  /** Block (main chain) until which a deregistered validator stays liable; 2^64 − 1 while registered. */
  registeredUntil: bigint;
  /** The pod owner is still delegated to the operator and the validator still ACTIVE in the pod. */
  backedByStake: boolean;
  /** The operator's delegate key in force ('0x' if none); 20 bytes is an Ethereum address. */
  delegateKey: Hex;
  /** The operator's chain bitmap in force, and the chain ids it stands for (registry.bitmapToChainIDs). */
  chainIDBitMap: bigint;
  chainIds: bigint[];
};

/** Why a slot's proposer cannot preconfirm for a chain (null when it can). */
export type PreconfRefusal =
  | 'not-registered'
  | 'not-backed-by-stake'
  | 'chain-not-committed'
  | 'no-delegate-key'
  | 'slot-passed';

/**
 * Whether the proposer of `slot` may preconfirm transactions for `chainId`: registered, backed by stake, committed to
 * the chain, with a delegate key. `now` (Unix seconds) refuses slots that already started.
 * @returns null if it may, else the first reason it may not.
 */
export function preconfRefusal(slot: LookaheadSlot, chainId: bigint, now: bigint): PreconfRefusal | null {
  if (slot.startsAt <= now) return 'slot-passed';
  const r = slot.registration;
  if (!r || !r.registered) return 'not-registered';
  if (!r.backedByStake) return 'not-backed-by-stake';
  if (r.delegateKey === '0x') return 'no-delegate-key';
  if (!r.chainIds.includes(chainId)) return 'chain-not-committed';
  return null;
}

/** Where the gateway gets its lookahead from. */
export interface LookaheadSource {
  /**
   * The slots from the current one to the end of the next beacon epoch, ascending, each with its proposer and the
   * registry's view of it.
   * @throws {BeaconApiError} when the beacon node cannot be read.
   */
  lookahead(): Promise<LookaheadSlot[]>;
}
