/**
 * The building blocks of every role's config schema (the roles themselves are defined by their services, see
 * `ConfigRoleSpec`): integers, URLs, keys, amounts, paths, the deployment source, database, node API and log level.
 * Numbers and booleans may be written as text (that is how environment variables arrive). Error messages name what is
 * expected and never echo the value. Reference: docs/configuration.md.
 */
import type { Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { z } from 'zod';
import { chainIdKeySchema } from '../chain/deployment.ts';
import { rpcUrlSchema } from '../chain/schemas.ts';

/** Default deployment file (written by `avs devnet`). */
export const DEFAULT_DEPLOYMENT = '.avs/devnet.json';

/** pino levels accepted by `logLevel`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const numberFromText = (v: unknown) => (typeof v === 'string' && /^\s*-?[0-9]+\s*$/.test(v) ? Number(v) : v);

/** An integer from `min` to `max`, as a JSON number or decimal text. */
export function integer(min: number, max: number, what = 'an integer') {
  const message = `must be ${what} from ${min} to ${max}`;
  return z.preprocess(numberFromText, z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message }));
}

/** `true`/`false` as JSON booleans or text (`1`/`0` too). */
export const boolean = z.preprocess(
  (v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v),
  z.boolean({ error: 'must be true or false' }),
);

/** A URL with one of `protocols` (without the colon). */
export function url(protocols: readonly string[], what: string) {
  return z.string({ error: `must be ${what}` }).refine(
    (text) => {
      try {
        return protocols.includes(new URL(text).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    },
    { error: `must be ${what}` },
  );
}

/** RPC endpoints by chain id: `{ "31337": "http://..." }`. */
export const rpcMap = z.record(chainIdKeySchema, rpcUrlSchema).default({});

/** A plain 32-byte hex secp256k1 private key, with or without 0x (normalized to 0x). */
export const privateKey = z
  .string({ error: 'must be a 32-byte hex private key' })
  .regex(/^(0x)?[0-9a-fA-F]{64}$/, { error: 'must be a 32-byte hex private key' })
  .transform((k) => (k.startsWith('0x') ? k : `0x${k}`) as Hex)
  .refine(
    (k) => {
      try {
        privateKeyToAccount(k);
        return true;
      } catch {
        return false;
      }
    },
    { error: 'is not a valid secp256k1 private key' },
  );

/** An amount in wei or token base units: a non-negative integer, as a JSON number or decimal text. */
export const wei = z
  .union([z.string().regex(/^[0-9]{1,78}$/), z.number().int().nonnegative()], { error: 'must be an amount in base units (a non-negative integer)' })
  .transform((v) => BigInt(v));

/** A file path (relative ones in a file: to the file's directory, see `pathKeys`). */
export const path = z.string({ error: 'must be a file path' }).min(1, { error: 'must be a file path' });

/** A deployment file path (relative to the config file), or the deployment itself inline. */
export const deploymentSource = z
  .union([path, z.record(z.string(), z.unknown())], { error: 'must be a deployment file path or an inline deployment object' })
  .default(DEFAULT_DEPLOYMENT);

/** Blocks a read waits for (devnets), or `finalized` (the finalized block tag; public networks). */
export const confirmations = z.union([z.literal('finalized'), integer(0, 1000)], { error: 'must be a number of blocks from 0 to 1000, or "finalized"' });

/** `database`: Postgres by URL, else an SQLite file (its default path is the role's). */
export const database = z
  .strictObject({
    /** `postgres://` URL; when set, Postgres is used instead of SQLite. */
    url: url(['postgres', 'postgresql'], 'a postgres:// or postgresql:// URL').optional(),
    /** SQLite file (relative to the config file). */
    sqlitePath: path.optional(),
  })
  .default({});

/** `nodeApi`: where the EigenLayer node API and metrics are served. */
export const nodeApi = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: integer(0, 65535, 'a port'),
});

/** `logLevel`, a pino level. */
export const logLevel = z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info');

/** Exactly one of the key sources `keys` present. */
export function oneKeySource<T extends Record<string, unknown>>(keys: readonly (keyof T & string)[]) {
  return (value: T, ctx: z.RefinementCtx) => {
    const given = keys.filter((k) => value[k] !== undefined);
    if (given.length === 0) ctx.addIssue({ code: 'custom', message: `give one of ${keys.join(', ')}` });
    if (given.length > 1) ctx.addIssue({ code: 'custom', message: `give one of ${given.join(', ')}, not both` });
  };
}

/** The fields of a key source (spread into a role's key object, checked with {@link oneKeySource}). */
export const keySourceFields = {
  /** Web3 Secret Storage keystore (e.g. `<name>.ecdsa.key.json` from `avs operator keys create`). */
  keystore: path.optional(),
  /** File holding the keystore password; else `AVS_KEYSTORE_PASSWORD`, else a prompt. */
  passwordFile: path.optional(),
  /** Plain hex key: devnets (never write one into a file you share). */
  privateKey: privateKey.optional(),
};
