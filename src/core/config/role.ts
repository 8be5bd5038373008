/**
 * A config role: one kind of process that takes a config file (an operator node, an aggregator, ...). The core holds the
 * machinery (sources, merging, validation, errors; `load.ts`) and knows no role: each service defines its own with
 * {@link defineConfigRole}, and the command line passes the roles of every service it runs as a registry
 * (docs/decisions/config-0002-service-sections.md).
 */
import type { z } from 'zod';
import type { Deployment, DeploymentView } from '../chain/deployment.ts';

/** What the machinery reads of every view of a deployment: the core deployment, or a service's view of it. */
export type DeploymentBase = Pick<Deployment, 'mainChainId' | 'chains'>;

/** What the machinery reads of every role's values: the deployment it names and its own RPC endpoints. */
export type ConfigValues = {
  /** A deployment file path, or the deployment inline (the `deploymentSource` building block). */
  deployment: string | Record<string, unknown>;
  /** RPC endpoints by chain id (the `rpcMap` building block). */
  rpc: Record<string, string>;
};

/**
 * A variable read before config files existed: its name, the dotted key it sets, and optionally a variable that, when
 * set, makes this one ignored (e.g. a keystore named in the environment wins over a plain key in the environment).
 */
export type LegacyEnvVar = readonly [name: string, key: string, ignoredWhenSet?: string];

/** A problem a role finds in its values against the deployment; the key is below the role (`signingKey.privateKey`). */
export type RoleIssue = {
  key: string;
  message: string;
  /** Default: the origin of `key`. */
  origin?: string;
};

/**
 * The issue of a plain hex key (`key`, its value `given`) set off a devnet: keys on public networks come from
 * keystores (`keystoreKey`). No issue when nothing is given or on a devnet.
 */
export function plainKeyOffDevnet(devnet: boolean, key: string, keystoreKey: string, given: unknown): RoleIssue[] {
  if (given === undefined || devnet) return [];
  return [{ key, message: `plain hex keys are for devnets only: use ${keystoreKey} on a public network` }];
}

/** What a role's hooks see once the deployment is loaded. */
export type RoleContext<V extends ConfigValues, D extends DeploymentBase> = {
  values: V;
  deployment: D;
  /** The deployment file, when the config names one (not inline). */
  deploymentPath?: string;
  /** Origin of each key that was set (dotted key → file path, variable or flag). */
  origins: ReadonlyMap<string, string>;
  /** The deployment is a local devnet (main chain 31337), where plain keys and devnet shortcuts are allowed. */
  devnet: boolean;
};

/**
 * One role. `V` is its validated values, `D` the deployment as its code reads it (the core deployment, or a service's
 * view of it).
 */
export type ConfigRoleSpec<V extends ConfigValues = ConfigValues, D extends DeploymentBase = Deployment> = {
  /**
   * The role's name: the file's `role`, the prefix of its variables (`AVS_<NAME>__`, `-` as `_`), and the first
   * segment of every issue's key. Lower case letters, digits and `-`.
   */
  readonly name: string;
  /** Its config file as a zod schema (strict objects, so an unknown key is named). */
  readonly schema: z.ZodType<V>;
  /** Variables read before config files existed, weaker than `AVS_<NAME>__*`, in order. */
  readonly legacyEnv?: readonly LegacyEnvVar[];
  /**
   * Dotted keys holding file paths, resolved against a config file's directory when relative (`deployment` and
   * `database.sqlitePath` always are).
   */
  readonly pathKeys?: readonly string[];
  /** The view its code reads the deployment through; default the core deployment. */
  readonly deployment?: DeploymentView<D>;
  /** Problems of the values against the deployment (devnet-only keys off a devnet, ...). */
  check?(context: RoleContext<V, D>): RoleIssue[];
  /** Values the deployment completes (e.g. a default taken from the deployment file). Default: the values as they are. */
  complete?(context: RoleContext<V, D>): V;
};

/** The roles a program runs, by which a config file's `role` is validated. */
export type ConfigRoleRegistry = readonly ConfigRoleSpec<ConfigValues, DeploymentBase>[];

/** Defines a role (an identity function, for inference of the values and the deployment view). */
export function defineConfigRole<V extends ConfigValues, D extends DeploymentBase = Deployment>(spec: ConfigRoleSpec<V, D>): ConfigRoleSpec<V, D> {
  return spec;
}

/** The role named `name` in `registry`, if any. */
export function roleNamed(registry: ConfigRoleRegistry, name: string): ConfigRoleSpec<ConfigValues, DeploymentBase> | undefined {
  return registry.find((spec) => spec.name === name);
}
