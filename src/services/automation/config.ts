/**
 * The config roles of the automation service, each with its schema, its path keys and its checks against the
 * deployment: `automation-operator` (an operator node: executor and attester) and `automation-aggregator` (the
 * aggregator with its arrangeExecutors and submitVerdict sender). Every key is optional in the file unless stated;
 * defaults live here. Reference: docs/configuration.md. Both are in {@link AUTOMATION_ROLES}.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { DeploymentView } from '../../core/chain/deployment.ts';
import { addressSchema as address } from '../../core/chain/schemas.ts';
import {
  type RoleIssue,
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
  plainKeyOffDevnet,
} from '../../core/config/index.ts';
import { AUTOMATION_SECTION, type AutomationDeployment, automationDeployment } from './deployment.ts';

/** The view the config roles of the service load their deployment into. */
export const automationView: DeploymentView<AutomationDeployment> = { sections: [AUTOMATION_SECTION], of: automationDeployment };

/** Default aggregator port. */
export const AUTOMATION_AGGREGATOR_PORT = 8100;
/** Default SQLite file of the aggregator. */
export const AUTOMATION_AGGREGATOR_SQLITE = '.avs/automation-aggregator.sqlite';

/** An issue when a devnet-only key is used off a devnet. */
function devnetOnly(devnet: boolean, key: string, given: unknown): RoleIssue[] {
  return given === undefined || devnet ? [] : [{ key, message: 'only works on a local devnet (main chain 31337)' }];
}

/**
 * The automation aggregator's URL `avs devnet` writes beside the deployment (`aggregator.automationUrl`, an extension
 * key readers of the schema skip); undefined when the file has none or cannot be read.
 */
export function automationUrlOfDeploymentFile(file: string): string | undefined {
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as { aggregator?: { automationUrl?: unknown } } | null;
    return typeof json?.aggregator?.automationUrl === 'string' ? json.aggregator.automationUrl : undefined;
  } catch {
    return undefined;
  }
}

/** The WebSocket URL anvil serves on the port of its HTTP URL (`http://h:p` → `ws://h:p`); undefined for other URLs. */
export function anvilWsUrlOf(rpcUrl: string): string | undefined {
  try {
    const parsed = new URL(rpcUrl);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
    parsed.protocol = parsed.protocol === 'https:' ? 'wss:' : 'ws:';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return undefined;
  }
}

/** Gwei as a non-negative decimal number (or its text). */
const gwei = z.preprocess(
  (v) => (typeof v === 'string' && /^\s*[0-9]+(\.[0-9]+)?\s*$/.test(v) ? Number(v) : v),
  z.number({ error: 'must be an amount of gwei from 0 to 10000' }).min(0, { error: 'must be an amount of gwei from 0 to 10000' }).max(10_000, { error: 'must be an amount of gwei from 0 to 10000' }),
);

const blockNumber = integer(0, Number.MAX_SAFE_INTEGER, 'a block number').transform((n) => BigInt(n));

// ---------------------------------------------------------------------------------------------------------------------
// Operator

/** `automation operator run`: the operator node (executor and attester). */
export const operatorConfigSchema = z
  .strictObject({
    deployment: deploymentSource,
    /** The operator's EigenLayer address (derived from `signingKey.devnetOperator` when that is used). */
    address: address.optional(),
    /**
     * The ECDSA signing key registered for the operator in the automation stake registry (verdicts, the aggregator's
     * authentication): a keystore, a plain hex key (devnets only) or a devnet operator index.
     */
    signingKey: z
      .strictObject({ ...keySourceFields, devnetOperator: integer(0, 1000, 'a devnet operator index').optional() })
      .superRefine(oneKeySource(['keystore', 'privateKey', 'devnetOperator']))
      .default({}),
    /**
     * The account that sends runMultipleWorkflows: the operator's delegated signer in the ExecutorSchedule (or the
     * operator key). Default with `signingKey.devnetOperator`: that devnet operator's delegated signer.
     */
    executionKey: z.strictObject(keySourceFields).superRefine(oneKeySource(['keystore', 'privateKey'])).optional(),
    /** The operator's own RPC endpoints by chain id (only the main chain is read). */
    rpc: rpcMap,
    /** Main-chain WebSocket endpoint to follow heads by subscription; default on a devnet anvil's, elsewhere polling. */
    wsUrl: url(['ws', 'wss'], 'a ws(s) URL').optional(),
    /** Aggregator, http(s) or ws(s); default: `aggregator.automationUrl` of the deployment file (`avs devnet` writes it). */
    aggregatorUrl: url(['http', 'https', 'ws', 'wss'], 'an http(s) or ws(s) URL').optional(),
    /** EigenLayer node API and metrics; default not served. */
    nodeApi: nodeApi.optional(),
    /** First main-chain block of the automation contracts' events (their deployment block; default 0). */
    fromBlock: blockNumber.optional(),
    /** Priority fee of executions, gwei (default 1). */
    priorityFeeGwei: gwei.optional(),
    logLevel,
  })
  .superRefine((value, ctx) => {
    if (value.signingKey.devnetOperator !== undefined) return;
    if (value.address === undefined) ctx.addIssue({ code: 'custom', path: ['address'], message: 'is required (the operator’s EigenLayer address)' });
    if (value.executionKey === undefined) {
      ctx.addIssue({ code: 'custom', path: ['executionKey'], message: 'is required (the delegated signer sending the executions)' });
    }
  });

/** Validated operator config. */
export type AutomationOperatorConfig = z.output<typeof operatorConfigSchema>;

/** The operator node's role. */
export const operatorRole = defineConfigRole({
  name: 'automation-operator',
  schema: operatorConfigSchema,
  legacyEnv: [['LOG_LEVEL', 'logLevel']],
  pathKeys: ['signingKey.keystore', 'signingKey.passwordFile', 'executionKey.keystore', 'executionKey.passwordFile'],
  deployment: automationView,
  check: ({ values, devnet }) => [
    ...devnetOnly(devnet, 'signingKey.devnetOperator', values.signingKey.devnetOperator),
    ...plainKeyOffDevnet(devnet, 'signingKey.privateKey', 'signingKey.keystore', values.signingKey.privateKey),
    ...plainKeyOffDevnet(devnet, 'executionKey.privateKey', 'executionKey.keystore', values.executionKey?.privateKey),
  ],
  complete: ({ values, deployment, deploymentPath, devnet }) => {
    const main = deployment.chains.find((c) => c.chainId === deployment.mainChainId);
    const rpcUrl = values.rpc[String(deployment.mainChainId)] ?? main?.rpcUrl ?? '';
    return {
      ...values,
      aggregatorUrl: values.aggregatorUrl ?? (deploymentPath === undefined ? undefined : automationUrlOfDeploymentFile(deploymentPath)),
      // Anvil serves WebSocket on its HTTP port; a public RPC's WebSocket lives elsewhere, so there it is polled.
      wsUrl: values.wsUrl ?? (devnet ? anvilWsUrlOf(rpcUrl) : undefined),
    };
  },
});

// ---------------------------------------------------------------------------------------------------------------------
// Aggregator

/** `automation aggregator run`: the aggregator service (tuning: see `AutomationAggregatorServiceOptions`). */
export const aggregatorConfigSchema = z.strictObject({
  deployment: deploymentSource,
  host: z.string().min(1, { error: 'must be an interface address' }).default('127.0.0.1'),
  port: integer(0, 65535, 'a port').default(AUTOMATION_AGGREGATOR_PORT),
  /** RPC endpoints by chain id, replacing the deployment's (only the main chain is read). */
  rpc: rpcMap,
  /** Verdict tasks and signatures. Default SQLite `.avs/automation-aggregator.sqlite`. */
  database,
  /**
   * The account sending arrangeExecutors and submitVerdict (any funded account: the attesters' signatures are the
   * authority): a keystore, a plain hex key (devnets only) or an anvil dev account (devnets only). Default: none, and
   * nothing is posted on-chain.
   */
  submitter: z
    .strictObject({ ...keySourceFields, devnetAccount: integer(0, 19, 'an anvil dev account index').optional() })
    .superRefine(oneKeySource(['keystore', 'privateKey', 'devnetAccount']))
    .optional(),
  /** Time a verdict task has to reach the threshold, ms (default the task engine's). */
  taskDeadlineMs: integer(1_000, 7 * 24 * 3600_000, 'milliseconds').optional(),
  /** Signatures keep extending an aggregated verdict this long, ms. */
  lateWindowMs: integer(0, 3600_000, 'milliseconds').optional(),
  /** Head poll period, ms (default 500). */
  pollMs: integer(50, 3600_000, 'milliseconds').optional(),
  /** Operator-set refresh period, ms (default 2,000). */
  operatorSetRefreshMs: integer(100, 3600_000, 'milliseconds').optional(),
  /** First main-chain block of the automation contracts' events (their deployment block; default 0). */
  fromBlock: blockNumber.optional(),
  logLevel,
});

/** Validated aggregator config. */
export type AutomationAggregatorConfig = z.output<typeof aggregatorConfigSchema>;

/** The aggregator's role. */
export const aggregatorRole = defineConfigRole({
  name: 'automation-aggregator',
  schema: aggregatorConfigSchema,
  legacyEnv: [
    ['DATABASE_URL', 'database.url'],
    ['LOG_LEVEL', 'logLevel'],
  ],
  pathKeys: ['submitter.keystore', 'submitter.passwordFile'],
  deployment: automationView,
  check: ({ values, devnet }) => [
    ...plainKeyOffDevnet(devnet, 'submitter.privateKey', 'submitter.keystore', values.submitter?.privateKey),
    ...devnetOnly(devnet, 'submitter.devnetAccount', values.submitter?.devnetAccount),
  ],
});

/** Every role of the service, for the command line's registry. */
export const AUTOMATION_ROLES = [operatorRole, aggregatorRole] as const;
