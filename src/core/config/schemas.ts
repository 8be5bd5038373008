/**
 * The config file of each role (operator, aggregator, challenger) as zod schemas. Every key is optional in the file
 * unless stated; defaults live here. Numbers and booleans may be written as text (that is how environment variables
 * arrive). Error messages name what is expected and never echo the value.
 * Reference: docs/configuration.md.
 */
import type { Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { z } from 'zod';
import { addressSchema as address, rpcUrlSchema } from '../chain/schemas.ts';

/** Default deployment file (written by `avs devnet`). */
export const DEFAULT_DEPLOYMENT = '.avs/devnet.json';

/** pino levels accepted by `logLevel`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const numberFromText = (v: unknown) => (typeof v === 'string' && /^\s*-?[0-9]+\s*$/.test(v) ? Number(v) : v);

/** An integer from `min` to `max`, as a JSON number or decimal text. */
function integer(min: number, max: number, what = 'an integer') {
  const message = `must be ${what} from ${min} to ${max}`;
  return z.preprocess(numberFromText, z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message }));
}

const boolean = z.preprocess(
  (v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v),
  z.boolean({ error: 'must be true or false' }),
);

/** A URL with one of `protocols` (without the colon). */
function url(protocols: readonly string[], what: string) {
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
const rpcMap = z.record(z.string().regex(/^[1-9][0-9]{0,15}$/, { error: 'must be a chain id (a positive integer)' }), rpcUrlSchema).default({});

const privateKey = z
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
const wei = z
  .union([z.string().regex(/^[0-9]{1,78}$/), z.number().int().nonnegative()], { error: 'must be an amount in base units (a non-negative integer)' })
  .transform((v) => BigInt(v));

const path = z.string({ error: 'must be a file path' }).min(1, { error: 'must be a file path' });

/** A deployment file path (relative to the config file), or the deployment itself inline. */
const deploymentSource = z
  .union([path, z.record(z.string(), z.unknown())], { error: 'must be a deployment file path or an inline deployment object' })
  .default(DEFAULT_DEPLOYMENT);

/** Blocks a read waits for (devnets), or `finalized` (the finalized block tag; public networks). */
const confirmations = z.union([z.literal('finalized'), integer(0, 1000)], { error: 'must be a number of blocks from 0 to 1000, or "finalized"' });

const database = z
  .strictObject({
    /** `postgres://` URL; when set, Postgres is used instead of SQLite. */
    url: url(['postgres', 'postgresql'], 'a postgres:// or postgresql:// URL').optional(),
    /** SQLite file (relative to the config file). */
    sqlitePath: path.optional(),
  })
  .default({});

const nodeApi = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: integer(0, 65535, 'a port'),
});

const logLevel = z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info');

/** Exactly one of the key sources `keys` present. */
function oneKeySource<T extends Record<string, unknown>>(keys: readonly (keyof T & string)[]) {
  return (value: T, ctx: z.RefinementCtx) => {
    const given = keys.filter((k) => value[k] !== undefined);
    if (given.length === 0) ctx.addIssue({ code: 'custom', message: `give one of ${keys.join(', ')}` });
    if (given.length > 1) ctx.addIssue({ code: 'custom', message: `give one of ${given.join(', ')}, not both` });
  };
}

const keySourceFields = {
  /** Web3 Secret Storage keystore (e.g. `<name>.ecdsa.key.json` from `avs operator keys create`). */
  keystore: path.optional(),
  /** File holding the keystore password; else `AVS_KEYSTORE_PASSWORD`, else a prompt. */
  passwordFile: path.optional(),
  /** Plain hex key: devnets (never write one into a file you share). */
  privateKey: privateKey.optional(),
};

/** `operator run`: the operator node. */
export const operatorConfigSchema = z
  .strictObject({
    deployment: deploymentSource,
    /** The operator's EigenLayer address (derived from `signingKey.devnetOperator` when that is used). */
    address: address.optional(),
    /** Where the registered signing key comes from: one of keystore, devnetOperator, privateKey. */
    signingKey: z
      .strictObject({ ...keySourceFields, devnetOperator: integer(0, 1000, 'a devnet operator index').optional() })
      .superRefine(oneKeySource(['keystore', 'devnetOperator', 'privateKey']))
      .default({}),
    /** The operator's own RPC endpoints by chain id; chains not listed use the deployment's. */
    rpc: rpcMap,
    /** Default: 2 on a devnet (main chain 31337), `finalized` elsewhere. */
    confirmations: confirmations.optional(),
    /** Aggregator, http(s) or ws(s); default: `aggregator.url` of the deployment file. */
    aggregatorUrl: url(['http', 'https', 'ws', 'wss'], 'an http(s) or ws(s) URL').optional(),
    /** Signing journal. Default SQLite `.avs/operator-<address>.sqlite`. */
    database,
    /** EigenLayer node API and metrics; default not served. */
    nodeApi: nodeApi.optional(),
    logLevel,
  })
  .superRefine((value, ctx) => {
    if (value.address === undefined && value.signingKey.devnetOperator === undefined) {
      ctx.addIssue({ code: 'custom', path: ['address'], message: 'is required (the operator’s EigenLayer address; flag --operator, or AVS_OPERATOR_ADDRESS)' });
    }
  });

/** `aggregator run`: the aggregator service (tuning: see `AggregatorServiceOptions`). */
export const aggregatorConfigSchema = z.strictObject({
  deployment: deploymentSource,
  host: z.string().min(1, { error: 'must be an interface address' }).default('127.0.0.1'),
  port: integer(0, 65535, 'a port').default(8080),
  /** RPC endpoints by chain id, replacing the deployment's. */
  rpc: rpcMap,
  database,
  logLevel,
  /** Time a task has to reach its threshold, ms (default 900,000). */
  taskDeadlineMs: integer(1_000, 7 * 24 * 3600_000, 'milliseconds').optional(),
  /** Signatures keep extending an aggregated proof this long, ms (default 2,000). */
  lateWindowMs: integer(0, 3600_000, 'milliseconds').optional(),
  /** New tasks are batched this long before dispatch, ms (default 2). */
  dispatchDelayMs: integer(0, 60_000, 'milliseconds').optional(),
  /** Tasks in flight beyond which requests get 503 (default 100,000). */
  maxActiveTasks: integer(1, 10_000_000, 'a count').optional(),
  /** Operator-set refresh period, ms (default 2,000). */
  operatorSetRefreshMs: integer(100, 3600_000, 'milliseconds').optional(),
  /** First main-chain block scanned for registry events (default 0). */
  registryFromBlock: integer(0, Number.MAX_SAFE_INTEGER, 'a block number').transform((n) => BigInt(n)).optional(),
  /** Verify operators' signatures in a worker thread (default true). */
  verifyInWorker: boolean.default(true),
  /**
   * This replica's id when several share one Postgres database (docs/scaling.md): its task leases are recorded under
   * it; keep it stable across restarts. Default `<hostname>-<pid>-<random>`.
   */
  replicaId: z
    .string({ error: "must be 1 to 64 letters, digits, '.', '_' or '-'" })
    .regex(/^[A-Za-z0-9._-]{1,64}$/, { error: "must be 1 to 64 letters, digits, '.', '_' or '-'" })
    .optional(),
  /**
   * The epoch publisher (docs/decisions/publisher-0001-epoch-publisher.md): weight refreshes, each final operator set sent to
   * every remote chain, and each ended epoch's rewards. Paid by this account, which must be the ServiceManager's rewards
   * initiator to submit rewards. Default: no publisher (another process, or nobody, keeps epochs).
   */
  publisher: z
    .strictObject({
      ...keySourceFields,
      /** Pass period, ms (default 2,000). */
      intervalMs: integer(100, 3600_000, 'milliseconds').optional(),
      /** Rewards per ended epoch: `budgetPerEpoch` base units of the ERC-20 `token`, split as docs/rewards.md says. */
      rewards: z.strictObject({ token: address, budgetPerEpoch: wei }).optional(),
    })
    .superRefine(oneKeySource(['keystore', 'privateKey']))
    .optional(),
});

/** `challenger run`: the watchtower. */
export const challengerConfigSchema = z.strictObject({
  deployment: deploymentSource,
  /** Account paying bonds and bridge fees: one of keystore, privateKey (devnets only). */
  key: z.strictObject(keySourceFields).superRefine(oneKeySource(['keystore', 'privateKey'])).default({}),
  aggregatorUrl: url(['http', 'https'], 'an http(s) URL').optional(),
  rpc: rpcMap,
  confirmations: confirmations.optional(),
  database,
  /** Bond per challenge in wei (default: the resolver's minimum). */
  bond: wei.optional(),
  nodeApi: nodeApi.optional(),
  logLevel,
});

/** Validated operator config, before the deployment is loaded. */
export type OperatorConfigInput = z.output<typeof operatorConfigSchema>;
/** Validated aggregator config, before the deployment is loaded. */
export type AggregatorConfigInput = z.output<typeof aggregatorConfigSchema>;
/** Validated challenger config, before the deployment is loaded. */
export type ChallengerConfigInput = z.output<typeof challengerConfigSchema>;

/** The schema of each role. */
export const CONFIG_SCHEMAS = {
  operator: operatorConfigSchema,
  aggregator: aggregatorConfigSchema,
  challenger: challengerConfigSchema,
} as const;
