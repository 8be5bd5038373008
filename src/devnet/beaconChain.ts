/**
 * The beacon chain a devnet pretends to have: a clock of slots and epochs from a genesis time, a fixed set of validators
 * whose statuses change only when told (`setStatus`), and a deterministic proposer schedule. `beaconNode.ts` serves it
 * over the Beacon API.
 *
 * Proposer schedule: the proposer of slot `s` is `A[sha256(genesis_validators_root ‖ uint64le(s)) mod |A|]`, where `A`
 * are the validators active at `s` (statuses `active_ongoing`, `active_exiting`, `active_slashed`, as the consensus
 * specs' get_active_validator_indices counts them) sorted by index, the digest read as a big-endian integer and `s`
 * as 8 little-endian bytes (how the consensus specs encode integers). Unlike mainnet's RANDAO-based shuffle it needs no
 * blocks, and any two nodes with the same validators and statuses agree on it. A slot with no active validator has no
 * proposer.
 *
 * A status set at slot `c` holds from `c` on: earlier slots keep the proposers and validator records they had, so
 * history does not change under a reader, while the rest of the current epoch and the next follow the new status.
 */
import { type Hex, concat, sha256 } from 'viem';
import { VALIDATOR_STATUSES, type ValidatorStatus } from '../services/preconf/beacon.ts';

/** Epoch value of an unset exit or activation (2^64 − 1). */
export const FAR_FUTURE_EPOCH = 2n ** 64n - 1n;
/** A validator's balance on the devnet while it has one: 32 ETH, in gwei. */
export const DEVNET_VALIDATOR_BALANCE_GWEI = 32_000_000_000n;
/** Epochs from an exit until the balance can be withdrawn (consensus specs' MIN_VALIDATOR_WITHDRAWABILITY_DELAY). */
export const MIN_VALIDATOR_WITHDRAWABILITY_DELAY = 256n;
/** Epochs from asking to exit until the exit epoch (compute_activation_exit_epoch of the consensus specs: 1 + 4). */
const EXIT_DELAY_EPOCHS = 5n;

/** A validator as the devnet is given it. */
export type DevnetValidator = {
  /** Beacon-chain validator index. */
  index: bigint;
  /** 48-byte compressed BLS12-381 G1 public key. */
  pubkey: Hex;
  /** 32 bytes: 0x01 ‖ 11 zero bytes ‖ withdrawal address (an EigenPod, for a restaked validator). */
  withdrawalCredentials: Hex;
};

/** A validator's record in the state at one slot, as the Beacon API reports it. Balances in gwei. */
export type ValidatorRecord = DevnetValidator & {
  status: ValidatorStatus;
  balance: bigint;
  effectiveBalance: bigint;
  slashed: boolean;
  activationEligibilityEpoch: bigint;
  activationEpoch: bigint;
  exitEpoch: bigint;
  withdrawableEpoch: bigint;
};

/** The proposer of one slot. */
export type ScheduledProposer = { slot: bigint; validator: DevnetValidator };

/** Thrown for an unusable devnet beacon chain configuration or an unknown validator or status. */
export class DevnetBeaconError extends Error {
  override name = 'DevnetBeaconError';
}

/** Options of {@link DevnetBeaconChain}. */
export type DevnetBeaconChainOptions = {
  /** Unix time (seconds) slot 0 starts. */
  genesisTime: bigint;
  /** Slot length, seconds (default 12). */
  secondsPerSlot?: bigint;
  /** Slots per epoch (default 32). */
  slotsPerEpoch?: bigint;
  /** The validators, each `active_ongoing` from genesis. Indices and pubkeys must be unique. */
  validators: readonly DevnetValidator[];
  /** 32 bytes; default sha256 of the pubkeys concatenated by index (a stand-in for the SSZ root of the registry). */
  genesisValidatorsRoot?: Hex;
  /** 4 bytes; default 0x10000000 (distinct from mainnet's 0x00000000, so signatures do not carry over). */
  genesisForkVersion?: Hex;
  /** Unix time now, seconds (default the wall clock); the devnet may follow its chains' clock instead. */
  now?: () => bigint;
};

type StatusChange = { fromSlot: bigint; status: ValidatorStatus };

const isActive = (s: ValidatorStatus) => s === 'active_ongoing' || s === 'active_exiting' || s === 'active_slashed';
const isPending = (s: ValidatorStatus) => s === 'pending_initialized' || s === 'pending_queued';
const isGone = (s: ValidatorStatus) => s.startsWith('exited_') || s.startsWith('withdrawal_');

/** `value` as 8 little-endian bytes. */
function uint64le(value: bigint): Hex {
  let hex = '';
  for (let i = 0n; i < 8n; i++) hex += ((value >> (8n * i)) & 0xffn).toString(16).padStart(2, '0');
  return `0x${hex}`;
}

const isHexOf = (value: string, bytes: number) => new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`).test(value);

/** The devnet's beacon chain; see the module comment for the schedule and how statuses change. */
export class DevnetBeaconChain {
  readonly genesisTime: bigint;
  readonly secondsPerSlot: bigint;
  readonly slotsPerEpoch: bigint;
  readonly genesisValidatorsRoot: Hex;
  readonly genesisForkVersion: Hex;
  /** The validators, by index. */
  readonly validators: readonly DevnetValidator[];
  readonly #now: () => bigint;
  readonly #history = new Map<bigint, StatusChange[]>();
  readonly #byPubkey = new Map<string, DevnetValidator>();
  readonly #byIndex = new Map<bigint, DevnetValidator>();

  /** @throws {DevnetBeaconError} on a zero slot length or epoch, a malformed key or credentials, or a duplicate. */
  constructor(options: DevnetBeaconChainOptions) {
    this.genesisTime = options.genesisTime;
    this.secondsPerSlot = options.secondsPerSlot ?? 12n;
    this.slotsPerEpoch = options.slotsPerEpoch ?? 32n;
    if (this.secondsPerSlot <= 0n || this.slotsPerEpoch <= 0n) throw new DevnetBeaconError('secondsPerSlot and slotsPerEpoch must be positive');
    this.#now = options.now ?? (() => BigInt(Math.floor(Date.now() / 1000)));
    const sorted = [...options.validators].sort((a, b) => (a.index < b.index ? -1 : a.index > b.index ? 1 : 0));
    for (const v of sorted) {
      if (v.index < 0n || v.index >= FAR_FUTURE_EPOCH) throw new DevnetBeaconError(`validator index ${v.index} is not a uint64`);
      if (!isHexOf(v.pubkey, 48)) throw new DevnetBeaconError(`validator ${v.index}: pubkey must be 48 bytes of 0x hex`);
      if (!isHexOf(v.withdrawalCredentials, 32)) throw new DevnetBeaconError(`validator ${v.index}: withdrawalCredentials must be 32 bytes of 0x hex`);
      const pubkey = v.pubkey.toLowerCase();
      if (this.#byIndex.has(v.index)) throw new DevnetBeaconError(`validator index ${v.index} is given twice`);
      if (this.#byPubkey.has(pubkey)) throw new DevnetBeaconError(`validator pubkey ${pubkey} is given twice`);
      const normalized = { index: v.index, pubkey: pubkey as Hex, withdrawalCredentials: v.withdrawalCredentials.toLowerCase() as Hex };
      this.#byIndex.set(v.index, normalized);
      this.#byPubkey.set(pubkey, normalized);
      this.#history.set(v.index, [{ fromSlot: 0n, status: 'active_ongoing' }]);
    }
    this.validators = sorted.map((v) => this.#byIndex.get(v.index)!);
    const root = options.genesisValidatorsRoot ?? sha256(this.validators.length ? concat(this.validators.map((v) => v.pubkey)) : '0x');
    const version = options.genesisForkVersion ?? '0x10000000';
    if (!isHexOf(root, 32)) throw new DevnetBeaconError('genesisValidatorsRoot must be 32 bytes of 0x hex');
    if (!isHexOf(version, 4)) throw new DevnetBeaconError('genesisForkVersion must be 4 bytes of 0x hex');
    this.genesisValidatorsRoot = root.toLowerCase() as Hex;
    this.genesisForkVersion = version.toLowerCase() as Hex;
  }

  /** The slot in progress now; 0 before genesis. */
  currentSlot(): bigint {
    const now = this.#now();
    return now <= this.genesisTime ? 0n : (now - this.genesisTime) / this.secondsPerSlot;
  }

  /** The epoch in progress now. */
  currentEpoch(): bigint {
    return this.currentSlot() / this.slotsPerEpoch;
  }

  /** The validator with this index or (48-byte, any case) pubkey, if any. */
  find(id: bigint | Hex): DevnetValidator | undefined {
    return typeof id === 'bigint' ? this.#byIndex.get(id) : this.#byPubkey.get(id.toLowerCase());
  }

  /**
   * Sets a validator's status from the current slot on (a second change in the same slot replaces the first; so
   * does a change at slot 0 the genesis status).
   * Only `active_*` validators propose.
   * @throws {DevnetBeaconError} for an unknown index or status.
   */
  setStatus(index: bigint, status: ValidatorStatus): void {
    const history = this.#history.get(index);
    if (!history) throw new DevnetBeaconError(`no validator with index ${index}`);
    if (!VALIDATOR_STATUSES.includes(status)) throw new DevnetBeaconError(`unknown validator status ${status}`);
    const fromSlot = this.currentSlot();
    if (history.at(-1)!.fromSlot === fromSlot) history.pop();
    history.push({ fromSlot, status });
  }

  /** The status changes of validator `index` in force at `slot`, oldest first (never empty). */
  #historyAt(index: bigint, slot: bigint): StatusChange[] {
    return this.#history.get(index)!.filter((c) => c.fromSlot <= slot);
  }

  /** The validator's status at `slot`. */
  statusAt(index: bigint, slot: bigint): ValidatorStatus {
    return this.#historyAt(index, slot).at(-1)!.status;
  }

  /**
   * The validator's record at `slot`, its epochs derived from when its statuses were set: activation at the first
   * non-pending status (0 for a validator active from genesis), exit at the first status of its current exited or
   * withdrawal run (or 5 epochs after it started exiting), withdrawable 256 epochs after the exit, or at the first
   * `withdrawal_*` status. The balance is 32 ETH until `withdrawal_done`, then 0.
   */
  recordAt(validator: DevnetValidator, slot: bigint): ValidatorRecord {
    const history = this.#historyAt(validator.index, slot);
    const status = history.at(-1)!.status;
    const epochOf = (change: StatusChange | undefined) => (change ? change.fromSlot / this.slotsPerEpoch : FAR_FUTURE_EPOCH);
    /** The first change of the trailing run of changes that satisfy `test`. */
    const runStart = (test: (s: ValidatorStatus) => boolean) => {
      let i = history.length;
      while (i > 0 && test(history[i - 1]!.status)) i--;
      return history[i];
    };
    let exitEpoch = FAR_FUTURE_EPOCH;
    let withdrawableEpoch = FAR_FUTURE_EPOCH;
    if (isGone(status)) {
      exitEpoch = epochOf(runStart(isGone));
      withdrawableEpoch = status.startsWith('withdrawal_') ? epochOf(runStart((s) => s.startsWith('withdrawal_'))) : exitEpoch + MIN_VALIDATOR_WITHDRAWABILITY_DELAY;
    } else if (status === 'active_exiting' || status === 'active_slashed') {
      exitEpoch = epochOf(runStart((s) => s === status)) + EXIT_DELAY_EPOCHS;
      withdrawableEpoch = exitEpoch + MIN_VALIDATOR_WITHDRAWABILITY_DELAY;
    }
    const balance = status === 'withdrawal_done' ? 0n : DEVNET_VALIDATOR_BALANCE_GWEI;
    return {
      ...validator,
      status,
      balance,
      effectiveBalance: balance,
      slashed: history.some((c) => c.status === 'active_slashed' || c.status === 'exited_slashed'),
      activationEligibilityEpoch: epochOf(history.find((c) => c.status !== 'pending_initialized')),
      activationEpoch: epochOf(history.find((c) => !isPending(c.status))),
      exitEpoch,
      withdrawableEpoch,
    };
  }

  /** The proposer of `slot` (see the module comment), or undefined when no validator is active then. */
  proposerAt(slot: bigint): DevnetValidator | undefined {
    const active = this.validators.filter((v) => isActive(this.statusAt(v.index, slot)));
    if (active.length === 0) return undefined;
    const digest = BigInt(sha256(concat([this.genesisValidatorsRoot, uint64le(slot)])));
    return active[Number(digest % BigInt(active.length))];
  }

  /**
   * The proposers of every slot of `epoch` (slots without an active validator left out), and the duties' dependent
   * root: sha256(genesis_validators_root ‖ uint64le(epoch) ‖ uint64le(proposer index or 2^64 − 1) per slot), which
   * changes exactly when the epoch's schedule does, as a real node's changes with the block the schedule depends on.
   */
  proposerDuties(epoch: bigint): { dependentRoot: Hex; duties: ScheduledProposer[] } {
    const duties: ScheduledProposer[] = [];
    const parts: Hex[] = [this.genesisValidatorsRoot, uint64le(epoch)];
    for (let slot = epoch * this.slotsPerEpoch; slot < (epoch + 1n) * this.slotsPerEpoch; slot++) {
      const validator = this.proposerAt(slot);
      if (validator) duties.push({ slot, validator });
      parts.push(uint64le(validator ? validator.index : FAR_FUTURE_EPOCH));
    }
    return { dependentRoot: sha256(concat(parts)), duties };
  }
}
