/**
 * Loading a role's configuration: the file, the environment and flags merged (flag > env > file > default, see
 * `sources.ts`), validated against the role's schema, then the deployment it names loaded and cross-checked.
 * All problems are collected and thrown together as one {@link ConfigError}.
 */
import type { z } from 'zod';
import { type Deployment, DeploymentError, aggregatorUrlOfDeploymentFile, deploymentSchema, readDeployment } from '../chain/deployment.ts';
import { ConfigError, type ConfigIssue } from './errors.ts';
import {
  type AggregatorConfigInput,
  CONFIG_SCHEMAS,
  type ChallengerConfigInput,
  type OperatorConfigInput,
} from './schemas.ts';
import {
  CONFIG_ROLES,
  type ConfigEntry,
  type ConfigRole,
  type FlagValue,
  type MergedConfig,
  envEntries,
  fileEntries,
  flagEntries,
  isPlainObject,
  mergeEntries,
  originOf,
} from './sources.ts';

/** Where a role's configuration comes from. Every part is optional. */
export type ConfigSources = {
  /** JSON config file. */
  file?: string;
  /** Environment (default: none; pass `process.env` to apply overrides). */
  env?: NodeJS.ProcessEnv;
  /** Flags given on the command line (strongest). */
  flags?: readonly FlagValue[];
};

/** Validated values per role. */
export type ConfigInputs = { operator: OperatorConfigInput; aggregator: AggregatorConfigInput; challenger: ChallengerConfigInput };

/** A validated configuration, before its deployment is loaded. */
export type ConfigRead<R extends ConfigRole> = {
  role: R;
  values: ConfigInputs[R];
  /** Origin of each key that was set (dotted key → file path, variable or flag). */
  origins: ReadonlyMap<string, string>;
  file?: string;
};

/** A validated configuration with its deployment. */
export type LoadedConfig<R extends ConfigRole> = ConfigRead<R> & {
  deployment: Deployment;
  /** The deployment file, when the config names one (not inline). */
  deploymentPath?: string;
};

/**
 * Merges and validates a role's configuration (no network, no deployment yet: {@link loadConfigDeployment} does that).
 * @throws {ConfigError} with every issue, each naming its key (`operator.rpc.31337`) and origin.
 */
export function readConfig<R extends ConfigRole>(role: R, sources: ConfigSources = {}): ConfigRead<R> {
  const issues: ConfigIssue[] = [];
  const entries: ConfigEntry[] = [];
  if (sources.file !== undefined) {
    const file = fileEntries(role, sources.file);
    if (file.role !== undefined && file.role !== role) {
      const message = CONFIG_ROLES.includes(file.role as ConfigRole)
        ? `this file is for the ${String(file.role)}, not the ${role}`
        : `must be one of ${CONFIG_ROLES.join(', ')}`;
      issues.push({ key: `${role}.role`, message, origin: sources.file });
    }
    entries.push(...file.entries);
  }
  if (sources.env) entries.push(...envEntries(role, sources.env));
  entries.push(...flagEntries(sources.flags ?? []));
  const merged = mergeEntries(entries);
  const schema = CONFIG_SCHEMAS[role] as unknown as z.ZodType<ConfigInputs[R]>;
  const result = schema.safeParse(merged.value);
  if (!result.success) issues.push(...result.error.issues.flatMap((i) => issuesOf(role, i, merged)));
  // An inline deployment is checked here too, so one run lists every bad key (a file is read by loadConfigDeployment).
  const inline = merged.value.deployment;
  if (typeof inline === 'object' && inline !== null) {
    const parsed = deploymentSchema.safeParse(inline);
    const origin = merged.origins.get('deployment');
    if (!parsed.success) issues.push(...parsed.error.issues.map((i) => ({ key: [role, 'deployment', ...i.path.map(String)].join('.'), message: i.message, origin })));
  }
  if (issues.length > 0 || !result.success) throw new ConfigError(issues);
  return { role, values: result.data, origins: merged.origins, file: sources.file };
}

function issuesOf(role: ConfigRole, issue: z.core.$ZodIssue, merged: MergedConfig): ConfigIssue[] {
  const origins = merged.origins;
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => ({ key: [role, ...issue.path.map(String), k].join('.'), message: 'unknown key', origin: originOf(origins, [...issue.path, k]) }));
  }
  const message =
    issue.code === 'invalid_type' && valueAt(merged.value, issue.path) === undefined
      ? 'is required'
      : issue.code === 'invalid_key'
        ? (issue.issues[0]?.message ?? issue.message)
        : issue.message;
  return [{ key: [role, ...issue.path.map(String)].join('.'), message, origin: originOf(origins, issue.path) }];
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let node = value;
  for (const key of path) node = isPlainObject(node) ? node[String(key)] : undefined;
  return node;
}

/**
 * Loads the deployment a validated configuration names (file or inline) and checks the keys that depend on it: RPC
 * chain ids must be chains of the deployment, devnet-only keys need the devnet's main chain 31337. Operators and
 * challengers without `aggregatorUrl` take `aggregator.url` from the deployment file (written by `avs devnet`).
 * @throws {ConfigError} naming `<role>.deployment` (unreadable or invalid, with the inner key), `<role>.rpc.<id>`, ...
 */
export function loadConfigDeployment<R extends ConfigRole>(read: ConfigRead<R>): LoadedConfig<R> {
  const { role } = read;
  const source = read.values.deployment;
  const origin = read.origins.get('deployment');
  let deployment: Deployment;
  let deploymentPath: string | undefined;
  if (typeof source === 'string') {
    deploymentPath = source;
    try {
      deployment = readDeployment(source);
    } catch (error) {
      if (!(error instanceof DeploymentError)) throw error;
      throw new ConfigError([{ key: `${role}.deployment`, message: error.message, origin }]);
    }
  } else {
    const parsed = deploymentSchema.safeParse(source);
    if (!parsed.success) {
      throw new ConfigError(parsed.error.issues.map((i) => ({ key: [role, 'deployment', ...i.path.map(String)].join('.'), message: i.message, origin })));
    }
    deployment = parsed.data;
    if (!deployment.chains.some((c) => c.chainId === deployment.mainChainId)) {
      throw new ConfigError([{ key: `${role}.deployment.chains`, message: `the main chain ${deployment.mainChainId} is not listed`, origin }]);
    }
  }
  const issues: ConfigIssue[] = [];
  for (const id of Object.keys(read.values.rpc)) {
    if (!deployment.chains.some((c) => c.chainId === Number(id))) {
      issues.push({ key: `${role}.rpc.${id}`, message: `chain ${id} is not part of the deployment`, origin: read.origins.get(`rpc.${id}`) });
    }
  }
  const devnet = deployment.mainChainId === 31337;
  const values = { ...read.values } as ConfigInputs[ConfigRole];
  if (role === 'operator') {
    const operator = values as OperatorConfigInput;
    if (operator.signingKey.devnetOperator !== undefined && !devnet) {
      issues.push({ key: 'operator.signingKey.devnetOperator', message: 'only works on a local devnet (main chain 31337)', origin: read.origins.get('signingKey.devnetOperator') });
    }
  }
  if (role === 'challenger') {
    const challenger = values as ChallengerConfigInput;
    if (challenger.key.privateKey !== undefined && !devnet) {
      issues.push({ key: 'challenger.key.privateKey', message: 'plain hex keys are for devnets only: use key.keystore on a public network', origin: read.origins.get('key.privateKey') });
    }
  }
  if (role === 'aggregator') {
    const aggregator = values as AggregatorConfigInput;
    if (aggregator.publisher?.privateKey !== undefined && !devnet) {
      issues.push({ key: 'aggregator.publisher.privateKey', message: 'plain hex keys are for devnets only: use publisher.keystore on a public network', origin: read.origins.get('publisher.privateKey') });
    }
  }
  if ((role === 'operator' || role === 'challenger') && deploymentPath !== undefined) {
    const withUrl = values as OperatorConfigInput | ChallengerConfigInput;
    withUrl.aggregatorUrl ??= aggregatorUrlOfDeploymentFile(deploymentPath);
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return { ...read, values: values as ConfigInputs[R], deployment, deploymentPath };
}

/**
 * Reads, validates and loads a role's configuration: {@link readConfig} then {@link loadConfigDeployment}.
 * @throws {ConfigError} naming every bad key.
 */
export function loadConfig<R extends ConfigRole>(role: R, sources: ConfigSources = {}): LoadedConfig<R> {
  return loadConfigDeployment(readConfig(role, sources));
}

/** The RPC endpoint a loaded configuration uses for `chainId`: its own `rpc` entry, else the deployment's. */
export function rpcUrlOf(config: LoadedConfig<ConfigRole>, chainId: number): string {
  const own = config.values.rpc[String(chainId)];
  return own ?? config.deployment.chains.find((c) => c.chainId === chainId)?.rpcUrl ?? '';
}

/** RPC endpoints by chain id for every chain of the deployment (own entries first). */
export function rpcUrlsOf(config: LoadedConfig<ConfigRole>): Record<number, string> {
  return Object.fromEntries(config.deployment.chains.map((c) => [c.chainId, rpcUrlOf(config, c.chainId)]));
}

/**
 * How far behind the head a node reads, from a role's `confirmations` key: `finalized` (the finalized block tag), a
 * number of confirmations, or, when unset, 2 confirmations on a devnet (main chain 31337: anvil has no finality gadget)
 * and the finalized tag elsewhere.
 */
export function finalityOf(confirmations: number | 'finalized' | undefined, mainChainId: number): { confirmations: number } | 'finalized' {
  if (confirmations === 'finalized') return 'finalized';
  if (confirmations !== undefined) return { confirmations };
  return mainChainId === 31337 ? { confirmations: 2 } : 'finalized';
}
