/**
 * Loading a role's configuration: the file, the environment and flags merged (flag > env > file > default, see
 * `sources.ts`), validated against the role's schema, then the deployment it names loaded, seen through the role's view,
 * and cross-checked by the role. All problems are collected and thrown together as one {@link ConfigError}.
 */
import type { z } from 'zod';
import { type Deployment, DeploymentError, deploymentIssues, parseDeployment, readDeployment } from '../chain/deployment.ts';
import { ConfigError, type ConfigIssue } from './errors.ts';
import type { ConfigRoleRegistry, ConfigRoleSpec, ConfigValues, DeploymentBase, RoleContext } from './role.ts';
import { type ConfigEntry, type FlagValue, type MergedConfig, envEntries, fileEntries, flagEntries, isPlainObject, mergeEntries, originOf } from './sources.ts';

/** The main chain of a local devnet (anvil's default chain id). */
const DEVNET_MAIN_CHAIN_ID = 31337;

/** Where a role's configuration comes from. Every part is optional. */
export type ConfigSources = {
  /** JSON config file. */
  file?: string;
  /** Environment (default: none; pass `process.env` to apply overrides). */
  env?: NodeJS.ProcessEnv;
  /** Flags given on the command line (strongest). */
  flags?: readonly FlagValue[];
};

/** A validated configuration, before its deployment is loaded. */
export type ConfigRead<V extends ConfigValues = ConfigValues, D extends DeploymentBase = Deployment> = {
  /** The role's name. */
  role: string;
  spec: ConfigRoleSpec<V, D>;
  values: V;
  /** Origin of each key that was set (dotted key → file path, variable or flag). */
  origins: ReadonlyMap<string, string>;
  file?: string;
};

/** A validated configuration with its deployment, as the role's view sees it. */
export type LoadedConfig<V extends ConfigValues = ConfigValues, D extends DeploymentBase = Deployment> = ConfigRead<V, D> & {
  deployment: D;
  /** The deployment file, when the config names one (not inline). */
  deploymentPath?: string;
};

/**
 * Merges and validates a role's configuration (no network, no deployment file yet: {@link loadConfigDeployment} does
 * that; an inline deployment is checked here, with the sections of the role's view).
 * @param registry Every role the program runs: a file's `role` must name one of them (default: this role alone).
 * @throws {ConfigError} with every issue, each naming its key (`operator.rpc.31337`) and origin.
 */
export function readConfig<V extends ConfigValues, D extends DeploymentBase>(spec: ConfigRoleSpec<V, D>, sources: ConfigSources = {}, registry?: ConfigRoleRegistry): ConfigRead<V, D> {
  const role = spec.name;
  const issues: ConfigIssue[] = [];
  const entries: ConfigEntry[] = [];
  if (sources.file !== undefined) {
    const file = fileEntries(spec, sources.file);
    if (file.role !== undefined && file.role !== role) {
      const names = (registry ?? [spec]).map((r) => r.name);
      const message = names.includes(file.role as string) ? `this file is for the ${String(file.role)}, not the ${role}` : `must be one of ${names.join(', ')}`;
      issues.push({ key: `${role}.role`, message, origin: sources.file });
    }
    entries.push(...file.entries);
  }
  if (sources.env) entries.push(...envEntries(spec, sources.env));
  entries.push(...flagEntries(sources.flags ?? []));
  const merged = mergeEntries(entries);
  const result = spec.schema.safeParse(merged.value);
  if (!result.success) issues.push(...result.error.issues.flatMap((i) => issuesOf(role, i, merged)));
  // An inline deployment is checked here too, so one run lists every bad key (a file is read by loadConfigDeployment).
  const inline = merged.value.deployment;
  if (isPlainObject(inline)) {
    const origin = merged.origins.get('deployment');
    const found = deploymentIssues(inline, spec.deployment?.sections ?? []);
    issues.push(...found.map((i) => ({ key: `${role}.deployment.${i.key}`, message: i.message, origin })));
  }
  if (issues.length > 0 || !result.success) throw new ConfigError(issues);
  return { role, spec, values: result.data, origins: merged.origins, file: sources.file };
}

function issuesOf(role: string, issue: z.core.$ZodIssue, merged: MergedConfig): ConfigIssue[] {
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
 * Loads the deployment a validated configuration names (file or inline), builds the role's view of it, and checks the
 * keys that depend on it: RPC chain ids must be chains of the deployment, then the role's own checks (devnet-only keys
 * need the devnet's main chain 31337, ...); then the role completes its values from the deployment.
 * @throws {ConfigError} naming `<role>.deployment` (unreadable or invalid file, with the inner key in the message),
 *   `<role>.deployment.<key>` (inline), `<role>.rpc.<id>`, or a key the role checks.
 */
export function loadConfigDeployment<V extends ConfigValues, D extends DeploymentBase>(read: ConfigRead<V, D>): LoadedConfig<V, D> {
  const { role, spec } = read;
  const source = read.values.deployment;
  const origin = read.origins.get('deployment');
  let core: Deployment;
  let view: D;
  let deploymentPath: string | undefined;
  try {
    if (typeof source === 'string') {
      deploymentPath = source;
      core = readDeployment(source);
    } else {
      core = parseDeployment(source, 'inline deployment');
    }
    // Without a view of its own, a role reads the core deployment (D is then Deployment, its default).
    view = spec.deployment ? spec.deployment.of(core, deploymentPath ?? 'inline deployment') : (core as unknown as D);
  } catch (error) {
    if (!(error instanceof DeploymentError)) throw error;
    if (deploymentPath !== undefined || error.issues.length === 0) throw new ConfigError([{ key: `${role}.deployment`, message: error.message, origin }]);
    throw new ConfigError(error.issues.map((i) => ({ key: `${role}.deployment.${i.key}`, message: i.message, origin })));
  }
  const issues: ConfigIssue[] = [];
  for (const id of Object.keys(read.values.rpc)) {
    if (!core.chains.some((c) => c.chainId === Number(id))) {
      issues.push({ key: `${role}.rpc.${id}`, message: `chain ${id} is not part of the deployment`, origin: read.origins.get(`rpc.${id}`) });
    }
  }
  const context: RoleContext<V, D> = {
    values: { ...read.values },
    deployment: view,
    deploymentPath,
    origins: read.origins,
    devnet: core.mainChainId === DEVNET_MAIN_CHAIN_ID,
  };
  for (const issue of spec.check?.(context) ?? []) {
    issues.push({ key: `${role}.${issue.key}`, message: issue.message, origin: issue.origin ?? read.origins.get(issue.key) });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const values = spec.complete ? spec.complete(context) : context.values;
  return { ...read, values, deployment: view, deploymentPath };
}

/**
 * Reads, validates and loads a role's configuration: {@link readConfig} then {@link loadConfigDeployment}.
 * @throws {ConfigError} naming every bad key.
 */
export function loadConfig<V extends ConfigValues, D extends DeploymentBase>(spec: ConfigRoleSpec<V, D>, sources: ConfigSources = {}, registry?: ConfigRoleRegistry): LoadedConfig<V, D> {
  return loadConfigDeployment(readConfig(spec, sources, registry));
}

/** A loaded configuration as the RPC helpers read it: its `rpc` values and the deployment's chains. */
type RpcConfig = { values: { rpc: Record<string, string> }; deployment: Pick<DeploymentBase, 'chains'> };

/** The RPC endpoint a loaded configuration uses for `chainId`: its own `rpc` entry, else the deployment's. */
export function rpcUrlOf(config: RpcConfig, chainId: number): string {
  const own = config.values.rpc[String(chainId)];
  return own ?? config.deployment.chains.find((c) => c.chainId === chainId)?.rpcUrl ?? '';
}

/** RPC endpoints by chain id for every chain of the deployment (own entries first). */
export function rpcUrlsOf(config: RpcConfig): Record<number, string> {
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
  return mainChainId === DEVNET_MAIN_CHAIN_ID ? { confirmations: 2 } : 'finalized';
}
