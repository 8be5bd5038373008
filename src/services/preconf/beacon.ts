/**
 * A client for the standard Ethereum Beacon node API (ethereum/beacon-APIs), the endpoints the preconf gateway reads to
 * build its proposer lookahead:
 *
 * - `GET /eth/v1/beacon/genesis` → genesis time, validators root, fork version;
 * - `GET /eth/v1/config/spec` → SECONDS_PER_SLOT and SLOTS_PER_EPOCH;
 * - `GET /eth/v1/validator/duties/proposer/{epoch}` → the proposer of each slot of an epoch;
 * - `GET /eth/v1/beacon/states/{state_id}/validators/{validator_id}` → one validator;
 * - `GET /eth/v1/node/syncing` → the head slot and whether the node is synced.
 *
 * Only standard endpoints and JSON, so it reads any consensus client (Lighthouse, Prysm, Teku, Nimbus, Lodestar) as
 * well as the devnet's (`src/devnet/beaconNode.ts`). Numbers travel as decimal strings and come back as bigints; every
 * answer is checked with zod. The wire schemas are exported so the devnet server answers the same shapes.
 *
 * ```ts
 * const beacon = createBeaconApiClient({ url: 'http://127.0.0.1:5052' });
 * const [genesis, spec] = await Promise.all([beacon.getGenesis(), beacon.getSpec()]);
 * const slot = currentSlot(genesis, spec, BigInt(Math.floor(Date.now() / 1000)));
 * const duties = await beacon.getProposerDuties(slot / spec.slotsPerEpoch);
 * ```
 */
import { type Hex, concat, sha256 } from 'viem';
import { z } from 'zod';

const decimal = z.string().regex(/^(0|[1-9][0-9]*)$/, { error: 'expected a decimal integer string' });
const hexBytes = (bytes: number) =>
  z.string().regex(new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`), { error: `expected ${bytes} bytes of 0x hex` });
const bytes4 = hexBytes(4);
const bytes32 = hexBytes(32);
/** A 48-byte compressed BLS12-381 G1 public key. */
const blsPubkey = hexBytes(48);

/** Validator statuses of the Beacon API (ethereum/beacon-APIs, "ValidatorStatus"). */
export const VALIDATOR_STATUSES = [
  'pending_initialized',
  'pending_queued',
  'active_ongoing',
  'active_exiting',
  'active_slashed',
  'exited_unslashed',
  'exited_slashed',
  'withdrawal_possible',
  'withdrawal_done',
] as const;
/** A validator's status as the Beacon API names it. */
export type ValidatorStatus = (typeof VALIDATOR_STATUSES)[number];

/** Body of `GET /eth/v1/beacon/genesis`. */
export const genesisWire = z.object({
  data: z.object({ genesis_time: decimal, genesis_validators_root: bytes32, genesis_fork_version: bytes4 }),
});

/** Body of `GET /eth/v1/config/spec`: every constant as a string (decimal, or 0x hex for versions and addresses). */
export const specWire = z.object({ data: z.record(z.string(), z.string()) });

/** Body of `GET /eth/v1/validator/duties/proposer/{epoch}`. */
export const proposerDutiesWire = z.object({
  dependent_root: bytes32,
  execution_optimistic: z.boolean(),
  data: z.array(z.object({ pubkey: blsPubkey, validator_index: decimal, slot: decimal })),
});

/** Body of `GET /eth/v1/beacon/states/{state_id}/validators/{validator_id}`. */
export const validatorWire = z.object({
  execution_optimistic: z.boolean(),
  finalized: z.boolean(),
  data: z.object({
    index: decimal,
    balance: decimal,
    status: z.enum(VALIDATOR_STATUSES),
    validator: z.object({
      pubkey: blsPubkey,
      withdrawal_credentials: bytes32,
      effective_balance: decimal,
      slashed: z.boolean(),
      activation_eligibility_epoch: decimal,
      activation_epoch: decimal,
      exit_epoch: decimal,
      withdrawable_epoch: decimal,
    }),
  }),
});

/** Body of `GET /eth/v1/node/syncing`; `is_optimistic` and `el_offline` are absent on older nodes. */
export const syncingWire = z.object({
  data: z.object({
    head_slot: decimal,
    sync_distance: decimal,
    is_syncing: z.boolean(),
    is_optimistic: z.boolean().optional(),
    el_offline: z.boolean().optional(),
  }),
});

/** Body of a Beacon API error answer. */
export const beaconErrorWire = z.object({ code: z.number().int(), message: z.string() });

/** The chain's genesis. */
export type BeaconGenesis = {
  /** Unix time (seconds) slot 0 starts. */
  genesisTime: bigint;
  /** 32 bytes; part of every signing domain. */
  genesisValidatorsRoot: Hex;
  /** 4 bytes. */
  genesisForkVersion: Hex;
};

/** The two chain constants slot arithmetic needs. */
export type BeaconSpec = {
  /** Slot length in seconds. */
  secondsPerSlot: bigint;
  /** Slots in an epoch. */
  slotsPerEpoch: bigint;
};

/** The proposer of one slot. */
export type ProposerDuty = { slot: bigint; validatorIndex: bigint; pubkey: Hex };

/** One validator in one beacon state. Balances in gwei; epochs 2^64 − 1 (FAR_FUTURE_EPOCH) when not set. */
export type BeaconValidator = {
  index: bigint;
  status: ValidatorStatus;
  /** Actual balance, gwei. */
  balance: bigint;
  pubkey: Hex;
  /** 32 bytes: 0x01 or 0x02, 11 zero bytes, then the withdrawal address (an EigenPod's, for restaked validators). */
  withdrawalCredentials: Hex;
  /** Balance counted for consensus, gwei. */
  effectiveBalance: bigint;
  slashed: boolean;
  activationEligibilityEpoch: bigint;
  activationEpoch: bigint;
  exitEpoch: bigint;
  withdrawableEpoch: bigint;
  /** The state read is finalized. */
  finalized: boolean;
  /** The state's execution payload was not yet verified by the node's execution client. */
  executionOptimistic: boolean;
};

/** The node's sync state. */
export type BeaconSyncing = {
  headSlot: bigint;
  /** Slots between the head and the current slot. */
  syncDistance: bigint;
  isSyncing: boolean;
  /** False when the node does not say. */
  isOptimistic: boolean;
  /** False when the node does not say. */
  elOffline: boolean;
};

/** A state to read: a named one, a slot, or a 32-byte state root. */
export type BeaconStateId = 'head' | 'finalized' | 'justified' | 'genesis' | bigint | Hex;

/**
 * Thrown when a Beacon API read fails: the node answered an error status, answered something that is not the spec's
 * shape, or could not be reached. The message names the request path and the status and reason.
 */
export class BeaconApiError extends Error {
  override name = 'BeaconApiError';
  constructor(
    /** Path of the request, e.g. `/eth/v1/validator/duties/proposer/12`. */
    readonly path: string,
    /** HTTP status of the answer; undefined when there was none (network failure, timeout). */
    readonly status: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Thrown by {@link validatorPubkeyHash} for a key that is not 48 bytes of 0x hex. */
export class InvalidValidatorPubkeyError extends Error {
  override name = 'InvalidValidatorPubkeyError';
}

const ZERO_16_BYTES: Hex = `0x${'00'.repeat(16)}`;

/**
 * The key EigenPods and UniFiAVSManager know a validator by: sha256(pubkey ‖ 16 zero bytes), the hash_tree_root of the
 * 48-byte key as SSZ pads it to two 32-byte chunks. Not keccak256.
 * @param pubkey 48-byte compressed BLS12-381 public key.
 * @throws {InvalidValidatorPubkeyError} when `pubkey` is not 48 bytes.
 */
export function validatorPubkeyHash(pubkey: Hex): Hex {
  if (!/^0x[0-9a-fA-F]{96}$/.test(pubkey)) throw new InvalidValidatorPubkeyError(`a validator pubkey is 48 bytes of 0x hex, got ${pubkey.slice(0, 20)}…`);
  return sha256(concat([pubkey, ZERO_16_BYTES]));
}

/** Options of {@link createBeaconApiClient}. */
export type BeaconApiClientOptions = {
  /** Base URL of the node's REST API, e.g. `http://127.0.0.1:5052`; a path prefix is kept. */
  url: string;
  /** The fetch to use (default the global one). */
  fetch?: typeof fetch;
  /** Abandon a request after this many milliseconds (default 10,000). */
  timeoutMs?: number;
};

/** A Beacon API client; every method throws {@link BeaconApiError} on failure. */
export type BeaconApiClient = {
  readonly url: string;
  getGenesis(): Promise<BeaconGenesis>;
  /** @throws {BeaconApiError} also when SECONDS_PER_SLOT or SLOTS_PER_EPOCH is missing or not a positive integer. */
  getSpec(): Promise<BeaconSpec>;
  /** The proposer of every slot of `epoch`, by slot. Nodes refuse (400) epochs beyond the next. */
  getProposerDuties(epoch: bigint): Promise<ProposerDuty[]>;
  /**
   * One validator by index or 48-byte pubkey in state `stateId`.
   * @throws {BeaconApiError} with status 404 when the state or validator is unknown.
   */
  getValidator(stateId: BeaconStateId, id: bigint | Hex): Promise<BeaconValidator>;
  getSyncing(): Promise<BeaconSyncing>;
};

/** Creates a client of the Beacon node API at `options.url`. */
export function createBeaconApiClient(options: BeaconApiClientOptions): BeaconApiClient {
  const base = options.url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function get<T extends z.ZodType>(path: string, schema: T): Promise<z.infer<T>> {
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      // undici puts the socket error (ECONNREFUSED, ...) in `cause`.
      const reason = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
      throw new BeaconApiError(path, undefined, `GET ${path}: cannot reach the beacon node at ${new URL(base).origin}: ${reason}`, { cause: error });
    }
    const text = await response.text().catch(() => '');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const spec = beaconErrorWire.safeParse(body);
      const detail = spec.success ? spec.data.message : text.slice(0, 200);
      const reason = `${response.status} ${response.statusText}`.trim();
      throw new BeaconApiError(path, response.status, `GET ${path}: beacon node answered ${reason}${detail ? `: ${detail}` : ''}`);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const [first] = parsed.error.issues;
      const at = first!.path.join('.') || 'body';
      throw new BeaconApiError(path, response.status, `GET ${path}: unexpected answer: ${at}: ${first!.message}`);
    }
    return parsed.data;
  }

  return {
    url: base,
    async getGenesis() {
      const { data } = await get('/eth/v1/beacon/genesis', genesisWire);
      return {
        genesisTime: BigInt(data.genesis_time),
        genesisValidatorsRoot: data.genesis_validators_root.toLowerCase() as Hex,
        genesisForkVersion: data.genesis_fork_version.toLowerCase() as Hex,
      };
    },
    async getSpec() {
      const path = '/eth/v1/config/spec';
      const { data } = await get(path, specWire);
      const positive = (key: string): bigint => {
        const value = data[key];
        if (value === undefined || !/^[1-9][0-9]*$/.test(value)) {
          throw new BeaconApiError(path, 200, `GET ${path}: unexpected answer: data.${key}: expected a positive decimal integer, got ${value ?? 'nothing'}`);
        }
        return BigInt(value);
      };
      return { secondsPerSlot: positive('SECONDS_PER_SLOT'), slotsPerEpoch: positive('SLOTS_PER_EPOCH') };
    },
    async getProposerDuties(epoch) {
      const { data } = await get(`/eth/v1/validator/duties/proposer/${epoch}`, proposerDutiesWire);
      return data
        .map((d) => ({ slot: BigInt(d.slot), validatorIndex: BigInt(d.validator_index), pubkey: d.pubkey.toLowerCase() as Hex }))
        .sort((a, b) => (a.slot < b.slot ? -1 : a.slot > b.slot ? 1 : 0));
    },
    async getValidator(stateId, id) {
      const { execution_optimistic, finalized, data } = await get(`/eth/v1/beacon/states/${stateId}/validators/${id}`, validatorWire);
      const v = data.validator;
      return {
        index: BigInt(data.index),
        status: data.status,
        balance: BigInt(data.balance),
        pubkey: v.pubkey.toLowerCase() as Hex,
        withdrawalCredentials: v.withdrawal_credentials.toLowerCase() as Hex,
        effectiveBalance: BigInt(v.effective_balance),
        slashed: v.slashed,
        activationEligibilityEpoch: BigInt(v.activation_eligibility_epoch),
        activationEpoch: BigInt(v.activation_epoch),
        exitEpoch: BigInt(v.exit_epoch),
        withdrawableEpoch: BigInt(v.withdrawable_epoch),
        finalized,
        executionOptimistic: execution_optimistic,
      };
    },
    async getSyncing() {
      const { data } = await get('/eth/v1/node/syncing', syncingWire);
      return {
        headSlot: BigInt(data.head_slot),
        syncDistance: BigInt(data.sync_distance),
        isSyncing: data.is_syncing,
        isOptimistic: data.is_optimistic ?? false,
        elOffline: data.el_offline ?? false,
      };
    },
  };
}

/**
 * The slot in progress at `nowSeconds` (Unix seconds): floor((now − genesisTime) / secondsPerSlot); 0 before genesis.
 */
export function currentSlot(genesis: Pick<BeaconGenesis, 'genesisTime'>, spec: Pick<BeaconSpec, 'secondsPerSlot'>, nowSeconds: bigint): bigint {
  if (nowSeconds <= genesis.genesisTime) return 0n;
  return (nowSeconds - genesis.genesisTime) / spec.secondsPerSlot;
}

/** Unix time (seconds) `slot` starts: genesisTime + slot × secondsPerSlot. */
export function slotStartTime(genesis: Pick<BeaconGenesis, 'genesisTime'>, spec: Pick<BeaconSpec, 'secondsPerSlot'>, slot: bigint): bigint {
  return genesis.genesisTime + slot * spec.secondsPerSlot;
}

/** The epoch `slot` is in. */
export function epochOfSlot(spec: Pick<BeaconSpec, 'slotsPerEpoch'>, slot: bigint): bigint {
  return slot / spec.slotsPerEpoch;
}
