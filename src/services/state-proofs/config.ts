/**
 * The config roles of the state-proofs service: `operator` (the operator node), `aggregator` (the aggregator with its
 * epoch publisher) and `challenger` (the watchtower), each with its schema, the variables it read before config files
 * existed, its path keys and its checks against the deployment. Every key is optional in the file unless stated;
 * defaults live here. Reference: docs/configuration.md.
 */
import { z } from 'zod';
import { addressSchema as address } from '../../core/chain/schemas.ts';
import {
  type RoleIssue,
  boolean,
  confirmations,
  database,
  defineConfigRole,
  deploymentSource,
  integer,
  keySourceFields,
  logLevel,
  nodeApi,
  oneKeySource,
  rpcMap,
  url,
  wei,
  plainKeyOffDevnet,
} from '../../core/config/index.ts';
import { aggregatorUrlOfDeploymentFile, stateProofsView } from './deployment.ts';

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
  /**
   * Operators sign new tasks in batches of up to this many (one signature over a Merkle root of the batch's
   * attestations); 0 signs every task on its own (default 1,024). A task is batched only when the operators connected to
   * this aggregator hold its threshold weight and, with replicas sharing Postgres, this replica holds its lease.
   */
  batchSize: integer(0, 10_000, 'a count from 0 to 10,000').default(1024),
  /** A batch closes this long after its first task if it is not full, ms (default 5; replaces dispatchDelayMs). */
  batchDelayMs: integer(0, 60_000, 'milliseconds').default(5),
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

/** Validated operator config. */
export type OperatorConfigInput = z.output<typeof operatorConfigSchema>;
/** Validated aggregator config. */
export type AggregatorConfigInput = z.output<typeof aggregatorConfigSchema>;
/** Validated challenger config. */
export type ChallengerConfigInput = z.output<typeof challengerConfigSchema>;

/** Operators and challengers without `aggregatorUrl` take `aggregator.url` from the deployment file `avs devnet` wrote. */
function withAggregatorUrl<V extends { aggregatorUrl?: string }>(values: V, deploymentPath: string | undefined): V {
  if (values.aggregatorUrl !== undefined || deploymentPath === undefined) return values;
  return { ...values, aggregatorUrl: aggregatorUrlOfDeploymentFile(deploymentPath) };
}

/** The operator node's role. */
export const operatorRole = defineConfigRole({
  name: 'operator',
  schema: operatorConfigSchema,
  legacyEnv: [
    ['AVS_OPERATOR_ADDRESS', 'address'],
    // As before config files: a keystore named in the environment wins over a plain hex key in the environment.
    ['AVS_SIGNING_KEY', 'signingKey.privateKey', 'AVS_ECDSA_KEYSTORE'],
    ['AVS_ECDSA_KEYSTORE', 'signingKey.keystore'],
    ['AVS_AGGREGATOR_URL', 'aggregatorUrl'],
    ['DATABASE_URL', 'database.url'],
    ['LOG_LEVEL', 'logLevel'],
  ],
  pathKeys: ['signingKey.keystore', 'signingKey.passwordFile'],
  deployment: stateProofsView,
  check: ({ values, devnet }) =>
    values.signingKey.devnetOperator !== undefined && !devnet
      ? [{ key: 'signingKey.devnetOperator', message: 'only works on a local devnet (main chain 31337)' }]
      : [],
  complete: ({ values, deploymentPath }) => withAggregatorUrl(values, deploymentPath),
});

/** The aggregator's role (with its epoch publisher). */
export const aggregatorRole = defineConfigRole({
  name: 'aggregator',
  schema: aggregatorConfigSchema,
  legacyEnv: [
    ['DATABASE_URL', 'database.url'],
    ['LOG_LEVEL', 'logLevel'],
  ],
  pathKeys: ['publisher.keystore', 'publisher.passwordFile'],
  deployment: stateProofsView,
  check: ({ values, devnet }) => plainKeyOffDevnet(devnet, 'publisher.privateKey', 'publisher.keystore', values.publisher?.privateKey),
});

/** The challenger's role. */
export const challengerRole = defineConfigRole({
  name: 'challenger',
  schema: challengerConfigSchema,
  legacyEnv: [
    // As before config files: a keystore named in the environment wins over a plain hex key in the environment.
    ['AVS_CHALLENGER_KEY', 'key.privateKey', 'AVS_ECDSA_KEYSTORE'],
    ['AVS_ECDSA_KEYSTORE', 'key.keystore'],
    ['AVS_AGGREGATOR_URL', 'aggregatorUrl'],
    ['DATABASE_URL', 'database.url'],
    ['LOG_LEVEL', 'logLevel'],
  ],
  pathKeys: ['key.keystore', 'key.passwordFile'],
  deployment: stateProofsView,
  check: ({ values, devnet }) => plainKeyOffDevnet(devnet, 'key.privateKey', 'key.keystore', values.key.privateKey),
  complete: ({ values, deploymentPath }) => withAggregatorUrl(values, deploymentPath),
});

/** Every role of the service, for the command line's registry. */
export const STATE_PROOFS_ROLES = [operatorRole, aggregatorRole, challengerRole] as const;
