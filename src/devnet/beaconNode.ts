/**
 * The devnet's beacon node: the standard Beacon API endpoints the preconf gateway reads, served over the devnet's
 * beacon chain (`beaconChain.ts`: a wall-clock slot clock, fixed validators, a deterministic proposer schedule).
 *
 * | Path | Answer |
 * |---|---|
 * | GET /eth/v1/beacon/genesis | `{ data: { genesis_time, genesis_validators_root, genesis_fork_version } }` |
 * | GET /eth/v1/config/spec | `{ data: { SECONDS_PER_SLOT, SLOTS_PER_EPOCH, … } }` |
 * | GET /eth/v1/validator/duties/proposer/{epoch} | `{ dependent_root, execution_optimistic, data: [{ pubkey, validator_index, slot }] }`; 400 beyond the next epoch |
 * | GET /eth/v1/beacon/states/{state_id}/validators/{validator_id} | `{ execution_optimistic, finalized, data: { index, balance, status, validator } }`; 404 unknown |
 * | GET /eth/v1/node/syncing | `{ data: { head_slot, sync_distance, is_syncing, is_optimistic, el_offline } }` |
 *
 * Shapes as ethereum/beacon-APIs has them (numbers as decimal strings, errors `{ code, message }`), so the gateway
 * reads this node and a real one with the same client (`services/preconf/beacon.ts`).
 *
 * ```ts
 * const keys = devnetValidatorKeys(4);
 * const node = await startDevnetBeaconNode({
 *   genesisTime: now, secondsPerSlot: 2n,
 *   validators: keys.map((k) => ({ ...k, withdrawalCredentials: podWithdrawalCredentials(pod) })),
 * });
 * node.setValidatorStatus(1n, 'withdrawal_done'); // proposes nothing from the current slot on
 * await node.close();
 * ```
 */
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { FastifyError } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { type Address, type Hex, bytesToHex, concat, toBytes } from 'viem';
import { z } from 'zod';
import { HttpError, validationMessage } from '../core/http/errors.ts';
import { uintInput } from '../core/http/schemas.ts';
import { type HttpServer, createHttpServer } from '../core/http/server.ts';
import type { Logger } from '../core/logging.ts';
import {
  type ValidatorStatus,
  beaconErrorWire,
  genesisWire,
  proposerDutiesWire,
  specWire,
  syncingWire,
  validatorPubkeyHash,
  validatorWire,
} from '../services/preconf/beacon.ts';
import {
  DEVNET_VALIDATOR_BALANCE_GWEI,
  DevnetBeaconChain,
  type DevnetBeaconChainOptions,
  type DevnetValidator,
  MIN_VALIDATOR_WITHDRAWABILITY_DELAY,
} from './beaconChain.ts';

export { validatorPubkeyHash };
export { DevnetBeaconError, type DevnetValidator, FAR_FUTURE_EPOCH } from './beaconChain.ts';

/** Options of {@link startDevnetBeaconNode}: the chain's ({@link DevnetBeaconChainOptions}) and where to listen. */
export type DevnetBeaconNodeOptions = DevnetBeaconChainOptions & {
  /** Interface (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: a free one). */
  port?: number;
  /** Request logs at warn and above. */
  logger?: Logger;
};

/** A listening devnet beacon node. */
export type DevnetBeaconNode = {
  /** Base URL of the Beacon API, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** The chain it serves (clock, schedule, records), for tests and the devnet to read directly. */
  chain: DevnetBeaconChain;
  /** The validators, by index. */
  validators: readonly DevnetValidator[];
  /**
   * Sets validator `index`'s status from the current slot on; only `active_*` validators propose.
   * @throws {DevnetBeaconError} for an unknown index or status.
   */
  setValidatorStatus(index: bigint, status: ValidatorStatus): void;
  close(): Promise<void>;
};

type ErrorReply = z.infer<typeof beaconErrorWire>;

/** The Beacon API routes over `chain`, with spec error bodies; register with `{ prefix: '/eth' }`. */
function beaconApi(chain: DevnetBeaconChain) {
  return async (app: HttpServer) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (hasZodFastifySchemaValidationErrors(error) || error.validation) return reply.code(400).send({ code: 400, message: validationMessage(error) } satisfies ErrorReply);
      const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
      if (status === 500) request.log.error({ err: error, url: request.url }, 'beacon API request failed');
      return reply.code(status).send({ code: status, message: status === 500 ? 'Internal server error' : error.message } satisfies ErrorReply);
    });
    app.setNotFoundHandler((request, reply) =>
      reply.code(404).send({ code: 404, message: `no route ${request.method} ${request.url.split('?')[0]}` } satisfies ErrorReply),
    );
    const errors = { 400: beaconErrorWire, 404: beaconErrorWire, 500: beaconErrorWire };
    const tags = ['beacon'];

    app.get('/v1/beacon/genesis', { schema: { summary: 'Genesis', tags, response: { 200: genesisWire } } }, async () => ({
      data: {
        genesis_time: chain.genesisTime.toString(),
        genesis_validators_root: chain.genesisValidatorsRoot,
        genesis_fork_version: chain.genesisForkVersion,
      },
    }));

    app.get('/v1/config/spec', { schema: { summary: 'Chain constants', tags, response: { 200: specWire } } }, async () => ({
      data: {
        CONFIG_NAME: 'avs-stack-devnet',
        SECONDS_PER_SLOT: chain.secondsPerSlot.toString(),
        SLOTS_PER_EPOCH: chain.slotsPerEpoch.toString(),
        GENESIS_FORK_VERSION: chain.genesisForkVersion,
        MAX_EFFECTIVE_BALANCE: DEVNET_VALIDATOR_BALANCE_GWEI.toString(),
        MIN_VALIDATOR_WITHDRAWABILITY_DELAY: MIN_VALIDATOR_WITHDRAWABILITY_DELAY.toString(),
      },
    }));

    app.get(
      '/v1/validator/duties/proposer/:epoch',
      {
        schema: {
          summary: 'Proposers of every slot of an epoch (up to the next one)',
          tags,
          params: z.object({ epoch: uintInput(64) }),
          response: { 200: proposerDutiesWire, ...errors },
        },
      },
      async (request) => {
        const { epoch } = request.params;
        const current = chain.currentEpoch();
        // Real nodes only know the schedule up to the next epoch: later ones depend on randomness not yet revealed.
        if (epoch > current + 1n) throw new HttpError(400, `Request epoch ${epoch} is more than one epoch ahead of current epoch ${current}`);
        const { dependentRoot, duties } = chain.proposerDuties(epoch);
        return {
          dependent_root: dependentRoot,
          execution_optimistic: false,
          data: duties.map((d) => ({ pubkey: d.validator.pubkey, validator_index: d.validator.index.toString(), slot: d.slot.toString() })),
        };
      },
    );

    app.get(
      '/v1/beacon/states/:state_id/validators/:validator_id',
      {
        schema: {
          summary: 'One validator in a state',
          tags,
          params: z.object({
            state_id: z.string().describe('head, finalized, justified, genesis, a slot, or a 0x state root'),
            validator_id: z.string().describe('an index or a 0x pubkey'),
          }),
          response: { 200: validatorWire, ...errors },
        },
      },
      async (request) => {
        const { state_id: stateId, validator_id: validatorId } = request.params;
        const slot = stateSlot(chain, stateId);
        const validator = /^(0|[1-9][0-9]{0,19})$/.test(validatorId)
          ? chain.find(BigInt(validatorId))
          : /^0x[0-9a-fA-F]{96}$/.test(validatorId)
            ? chain.find(validatorId as Hex)
            : invalid(`Invalid validator ID: ${validatorId}`);
        if (!validator) throw new HttpError(404, 'Validator not found');
        const r = chain.recordAt(validator, slot);
        return {
          execution_optimistic: false,
          finalized: slot <= finalizedSlot(chain),
          data: {
            index: r.index.toString(),
            balance: r.balance.toString(),
            status: r.status,
            validator: {
              pubkey: r.pubkey,
              withdrawal_credentials: r.withdrawalCredentials,
              effective_balance: r.effectiveBalance.toString(),
              slashed: r.slashed,
              activation_eligibility_epoch: r.activationEligibilityEpoch.toString(),
              activation_epoch: r.activationEpoch.toString(),
              exit_epoch: r.exitEpoch.toString(),
              withdrawable_epoch: r.withdrawableEpoch.toString(),
            },
          },
        };
      },
    );

    app.get('/v1/node/syncing', { schema: { summary: 'Sync state', tags, response: { 200: syncingWire } } }, async () => ({
      data: { head_slot: chain.currentSlot().toString(), sync_distance: '0', is_syncing: false, is_optimistic: false, el_offline: false },
    }));
  };
}

function invalid(message: string): never {
  throw new HttpError(400, message);
}

/** The devnet finalizes two epochs behind the head, as a healthy chain does: the start of epoch current − 2. */
function finalizedSlot(chain: DevnetBeaconChain): bigint {
  const epoch = chain.currentEpoch();
  return epoch >= 2n ? (epoch - 2n) * chain.slotsPerEpoch : 0n;
}

/**
 * The slot of a Beacon API state id: head (the current slot), genesis (0), finalized, justified (one epoch behind the
 * head), or a slot up to the head. State roots are well-formed but unknown: the devnet keeps no states.
 * @throws {HttpError} 400 for a malformed id, 404 for a slot beyond the head or a state root.
 */
function stateSlot(chain: DevnetBeaconChain, stateId: string): bigint {
  const head = chain.currentSlot();
  if (stateId === 'head') return head;
  if (stateId === 'genesis') return 0n;
  if (stateId === 'finalized') return finalizedSlot(chain);
  if (stateId === 'justified') {
    const epoch = chain.currentEpoch();
    return epoch >= 1n ? (epoch - 1n) * chain.slotsPerEpoch : 0n;
  }
  if (/^(0|[1-9][0-9]{0,19})$/.test(stateId)) {
    const slot = BigInt(stateId);
    if (slot > head) throw new HttpError(404, 'State not found');
    return slot;
  }
  if (/^0x[0-9a-fA-F]{64}$/.test(stateId)) throw new HttpError(404, 'State not found');
  return invalid(`Invalid state ID: ${stateId}`);
}

/**
 * Starts the devnet beacon node on `options.host:port`.
 * @throws {DevnetBeaconError} for unusable options; an Error naming host and port when the port cannot be bound.
 */
export async function startDevnetBeaconNode(options: DevnetBeaconNodeOptions): Promise<DevnetBeaconNode> {
  const chain = new DevnetBeaconChain(options);
  const app = await createHttpServer({
    title: 'avs-stack devnet beacon node',
    version: '0.1.0',
    description: 'The standard Beacon API endpoints the preconf gateway reads, over the devnet beacon chain.',
    logger: options.logger?.child({ component: 'beacon-node' }, { level: 'warn' }),
  });
  await app.register(beaconApi(chain), { prefix: '/eth' });
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  try {
    await app.listen({ host, port });
  } catch (error) {
    await app.close();
    throw new Error(`cannot serve the devnet beacon node on ${host}:${port}: ${(error as Error).message}`);
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    url: `http://${shown}:${bound}`,
    chain,
    validators: chain.validators,
    setValidatorStatus: (index, status) => chain.setStatus(index, status),
    close: () => app.close().then(() => undefined),
  };
}

/** A devnet validator's BLS key pair and index. */
export type DevnetValidatorKey = {
  /** Beacon-chain validator index. */
  index: bigint;
  /** 32-byte BLS12-381 secret scalar, big-endian, in [1, r − 1]. */
  secretKey: Hex;
  /** 48-byte compressed G1 public key (the Ethereum consensus layer's, "long signatures" mode). */
  pubkey: Hex;
};

/** Bytes reduced into a secret scalar: 1.5 × its 32, so the reduction mod r has no measurable bias. */
const KEY_MATERIAL_BYTES = 48;

/**
 * `count` BLS12-381 key pairs with indices 0..count − 1, the same on every call with the same `label`: the secret key
 * of index i is 48 bytes of HKDF-SHA256(ikm = utf8(label), info = uint64be(i)) reduced to [1, r − 1]. Devnet only:
 * anyone can derive them.
 */
export function devnetValidatorKeys(count: number, label = 'avs-stack devnet validator'): DevnetValidatorKey[] {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  const bls = bls12_381.longSignatures;
  const ikm = new TextEncoder().encode(label);
  return Array.from({ length: count }, (_, i) => {
    const material = hkdf(sha256, ikm, undefined, toBytes(BigInt(i), { size: 8 }), KEY_MATERIAL_BYTES);
    const { secretKey, publicKey } = bls.keygen(material);
    return { index: BigInt(i), secretKey: bytesToHex(secretKey), pubkey: bytesToHex(publicKey.toBytes(true)) };
  });
}

/** 0x01 withdrawal credentials paying to `address` (an EigenPod's, for a restaked validator): 0x01 ‖ 11 zero bytes ‖ address. */
export function podWithdrawalCredentials(address: Address): Hex {
  return concat(['0x01', `0x${'00'.repeat(11)}`, address]).toLowerCase() as Hex;
}
