/**
 * The preconf gateway's HTTP API:
 *
 * - `GET /v1/lookahead?chainId=` → the lookahead: each slot's proposer, the registry's view of it, and whether this
 *   gateway can preconfirm in it now (for `chainId`, or for at least one chain when omitted) and why not.
 * - `POST /v1/preconfs {chainId, slot, signedTransaction}` → 201 with a new preconfirmation, 200 with the one signed
 *   before for the same (chainId, slot, transaction); 409 `{error, message, reason}` when the slot has passed, 422 for
 *   the other refusals (the proposer's registration, commitment or key, or a slot beyond the lookahead).
 * - `GET /v1/preconfs/:digest` → one preconfirmation, with its signed transaction (404 unknown).
 * - `GET /v1/preconfs?fromSlot=&toSlot=&limit=` → preconfirmations signed, highest slot first.
 *
 * Bigints as decimal strings, addresses and hashes as 0x hex, times as ISO 8601; bad input is answered 400 naming the
 * field, and a lookahead that cannot be read 503.
 */
import type { Hex } from 'viem';
import { z } from 'zod';
import { hexAddressSchema as address } from '../../../core/chain/schemas.ts';
import { HttpError, NotFoundError } from '../../../core/http/errors.ts';
import { decimalOutput as decimal, uintInput } from '../../../core/http/schemas.ts';
import type { HttpServer } from '../../../core/http/server.ts';
import { GATEWAY_REFUSALS, type GatewaySlot, type PreconfGateway, PreconfRefusedError, PreconfTransactionError } from './gateway.ts';
import type { StoredPreconf } from './store.ts';

const hex = z.string().regex(/^0x[0-9a-fA-F]*$/);
const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, { error: 'expected 32 bytes of 0x hex' });
const errorResponse = z.object({ error: z.string(), message: z.string() });
const refusalResponse = errorResponse.extend({ reason: z.enum(GATEWAY_REFUSALS) });
/** Unix seconds as ISO 8601; null beyond the dates JavaScript can show. */
const isoSeconds = (seconds: bigint) => (seconds <= 8_640_000_000_000n ? new Date(Number(seconds) * 1000).toISOString() : null);

const slotResponse = z.object({
  slot: decimal,
  startsAt: z.string().nullable().describe('when the slot starts'),
  validatorIndex: decimal,
  pubkey: hex.describe("the proposer's 48-byte BLS public key"),
  blsPubKeyHash: bytes32.describe('sha256(pubkey ‖ 16 zero bytes)'),
  operator: address.nullable().describe('the operator it is registered with (null: never registered)'),
  registered: z.boolean(),
  backedByStake: z.boolean(),
  delegateKey: hex.nullable().describe("the operator's delegate key in force (null: not registered or none)"),
  chainIds: z.array(decimal).describe('chains the operator preconfirms for'),
  canPreconf: z.boolean().describe('this gateway can preconfirm in this slot now (for the chain asked, or for one chain)'),
  reason: z.enum(GATEWAY_REFUSALS).nullable().describe('why not (null when it can)'),
});

function slotToJson(s: GatewaySlot): z.infer<typeof slotResponse> {
  const r = s.registration;
  return {
    slot: s.slot.toString(),
    startsAt: isoSeconds(s.startsAt),
    validatorIndex: s.validatorIndex.toString(),
    pubkey: s.pubkey,
    blsPubKeyHash: s.blsPubKeyHash,
    operator: r ? r.operator : null,
    registered: r?.registered ?? false,
    backedByStake: r?.backedByStake ?? false,
    delegateKey: r && r.delegateKey !== '0x' ? r.delegateKey : null,
    chainIds: (r?.chainIds ?? []).map((c) => c.toString()),
    canPreconf: s.canPreconf,
    reason: s.reason,
  };
}

/** A preconfirmation in API form. */
export const preconfResponse = z.object({
  preconfirmation: z.object({ chainId: decimal, slot: decimal, txHash: bytes32, blsPubKeyHash: bytes32 }),
  registry: address.describe('the UniFiAVSManager: verifyingContract of the EIP-712 domain'),
  registryChainId: decimal.describe("chainId of the EIP-712 domain: the registry's chain"),
  digest: bytes32.describe('the EIP-712 digest signed (UniFiAVSManager.preconfirmationDigest); the id'),
  signer: address.describe('the delegate key that signed'),
  signature: hex.describe('65 bytes r ‖ s ‖ v'),
  createdAt: z.string(),
});
const preconfWithTransaction = preconfResponse.extend({ signedTransaction: hex });

function preconfToJson(p: StoredPreconf): z.infer<typeof preconfResponse> {
  const c = p.preconfirmation;
  return {
    preconfirmation: { chainId: c.chainId.toString(), slot: c.slot.toString(), txHash: c.txHash, blsPubKeyHash: c.blsPubKeyHash },
    registry: p.registry,
    registryChainId: p.registryChainId.toString(),
    digest: p.digest,
    signer: p.signer,
    signature: p.signature,
    createdAt: new Date(p.createdAt).toISOString(),
  };
}

/** Registers the gateway's routes on a server from `createHttpServer`. */
export function registerPreconfGatewayRoutes(app: HttpServer, gateway: PreconfGateway): void {
  const tags = ['preconf'];

  app.get(
    '/v1/lookahead',
    {
      schema: {
        summary: 'The proposer lookahead and where this gateway can preconfirm',
        tags,
        querystring: z.object({ chainId: uintInput(256).optional().describe('judge each slot for this chain (default: for any chain)') }),
        response: { 200: z.object({ chainId: decimal.nullable(), slots: z.array(slotResponse) }), 400: errorResponse, 503: errorResponse },
      },
    },
    async (request) => {
      const { chainId } = request.query;
      const slots = await gateway.lookahead(chainId);
      return { chainId: chainId === undefined ? null : chainId.toString(), slots: slots.map(slotToJson) };
    },
  );

  app.post(
    '/v1/preconfs',
    {
      schema: {
        summary: 'Preconfirm a signed transaction in a slot',
        description:
          'Signs, with the delegate key of the slot’s proposer, the EIP-712 Preconfirmation {chainId, slot, keccak256(signedTransaction), the proposer’s blsPubKeyHash}. 201 when signed now, 200 when it was signed before (the same answer every time).',
        tags,
        body: z.object({
          chainId: uintInput(256).describe('the chain the transaction is for'),
          slot: uintInput(64).describe('the beacon-chain slot'),
          signedTransaction: z.string().regex(/^0x([0-9a-fA-F]{2})+$/, { error: 'expected the signed transaction as 0x hex bytes' }),
        }),
        response: { 200: preconfResponse, 201: preconfResponse, 400: errorResponse, 409: refusalResponse, 422: refusalResponse, 503: errorResponse },
      },
    },
    async (request, reply) => {
      const { chainId, slot, signedTransaction } = request.body;
      try {
        const { preconf, created } = await gateway.requestPreconf({ chainId, slot, signedTransaction: signedTransaction as Hex });
        return reply.code(created ? 201 : 200).send(preconfToJson(preconf));
      } catch (error) {
        if (error instanceof PreconfTransactionError) throw new HttpError(400, `body.${error.field}: ${error.message}`);
        if (error instanceof PreconfRefusedError) {
          const status = error.reason === 'slot-passed' ? 409 : 422;
          return reply.code(status).send({ error: status === 409 ? 'Conflict' : 'Unprocessable Entity', message: error.message, reason: error.reason });
        }
        throw error;
      }
    },
  );

  app.get(
    '/v1/preconfs/:digest',
    {
      schema: {
        summary: 'A preconfirmation by digest',
        tags,
        params: z.object({ digest: bytes32 }),
        response: { 200: preconfWithTransaction, 400: errorResponse, 404: errorResponse },
      },
    },
    async (request) => {
      const found = await gateway.getPreconf(request.params.digest as Hex);
      if (!found) throw new NotFoundError(`preconfirmation ${request.params.digest} not found`);
      return { ...preconfToJson(found), signedTransaction: found.signedTransaction };
    },
  );

  app.get(
    '/v1/preconfs',
    {
      schema: {
        summary: 'Preconfirmations signed, highest slot first',
        tags,
        querystring: z.object({
          fromSlot: uintInput(64).optional().describe('lowest slot'),
          toSlot: uintInput(64).optional().describe('highest slot'),
          limit: z.coerce.number().int().min(1).max(500).default(50).describe('how many, 1 to 500'),
        }),
        response: { 200: z.object({ preconfs: z.array(preconfResponse) }), 400: errorResponse },
      },
    },
    async (request) => {
      const { fromSlot, toSlot, limit } = request.query;
      return { preconfs: (await gateway.listPreconfs({ fromSlot, toSlot, limit })).map(preconfToJson) };
    },
  );
}
