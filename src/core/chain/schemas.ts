/**
 * zod schemas of the chain values every file and API of avs-stack carries: addresses, unsigned integers, RPC endpoints,
 * and the EigenLayer core's addresses. One definition each, so a deployment file, a deploy config, a role's config file
 * and the HTTP and WebSocket messages accept and refuse the same things with the same message. Each parser prefixes
 * the message with the field's path (`chains.0.rpcUrl: must be an http(s) URL`).
 */
import { type Address, getAddress } from 'viem';
import { z } from 'zod';

const ADDRESS_MESSAGE = 'expected a 20-byte 0x address';

/** A 20-byte 0x address as written (any case): wire messages and responses, which keep the text they carry. */
export const hexAddressSchema = z.string({ error: ADDRESS_MESSAGE }).regex(/^0x[0-9a-fA-F]{40}$/, { error: ADDRESS_MESSAGE });

/** A 20-byte 0x address, checksummed on the way in. */
export const addressSchema = hexAddressSchema.transform((a): Address => getAddress(a));

/** A non-negative integer as a JSON number or decimal text, as a bigint. */
export const decimalSchema = z
  .union([z.string().regex(/^[0-9]+$/, 'expected a decimal integer'), z.number().int().nonnegative()])
  .transform((v) => BigInt(v));

const RPC_URL_MESSAGE = 'must be an http(s) URL';

/**
 * A JSON-RPC endpoint: http:// or https:// only, since every client speaks JSON-RPC over HTTP (viem's `http`
 * transport, `./clients.ts`); a ws:// or wss:// URL is refused where it is read rather than failing at the first call.
 */
export const rpcUrlSchema = z.string({ error: RPC_URL_MESSAGE }).refine(
  (text) => {
    try {
      const { protocol } = new URL(text);
      return protocol === 'http:' || protocol === 'https:';
    } catch {
      return false;
    }
  },
  { error: RPC_URL_MESSAGE },
);

/** The EigenLayer core contracts an AVS plugs into (eigenlayer-contracts v1.x on public networks). */
export const eigenLayerCoreSchema = z.object({
  delegationManager: addressSchema,
  strategyManager: addressSchema,
  avsDirectory: addressSchema,
  allocationManager: addressSchema,
  rewardsCoordinator: addressSchema,
});
