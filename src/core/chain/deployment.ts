/**
 * Where a deployment lives: chains, RPC endpoints, the EigenLayer core and the epoch clock (the core fields), plus one
 * section per service under `services.<service>` with that service's contracts. Written by `avs devnet` to
 * `.avs/devnet.json`, by `avs deploy`, or by hand for a public network (docs/configuration.md, "The deployment file").
 *
 * The core knows no service: a service reads its own section with {@link serviceSection} and a schema of its own, and
 * builds whatever typed view its code wants on top (docs/decisions/config-0002-service-sections.md).
 */
import { readFileSync } from 'node:fs';
import type { Address } from 'viem';
import { z } from 'zod';
import { addressSchema as address, decimalSchema as decimal, eigenLayerCoreSchema, rpcUrlSchema } from './schemas.ts';

/** A chain id as an object key (`"31337"`): a positive integer without leading zeros. */
export const chainIdKeySchema = z.string().regex(/^[1-9][0-9]{0,15}$/, { error: 'must be a chain id (a positive integer)' });

/** One chain of a deployment: the fields every service shares. A service's contracts on it are in its own section. */
export const chainDeploymentSchema = z.object({
  chainId: z.number().int().positive(),
  name: z.string().optional(),
  /** JSON-RPC endpoint, http(s). */
  rpcUrl: rpcUrlSchema,
  /**
   * The message bridge between this chain and the main chain (remote chains only): `local` is the IAbridge endpoint on
   * this chain, `main` its peer on the main chain (one Abridge instance per pair of chains).
   */
  bridge: z.object({ local: address, main: address }).optional(),
  /**
   * OwnerTimelock (OpenZeppelin TimelockController) that owns every owned contract on this chain; its delay is longer
   * than any dispute window of the services deployed on it.
   */
  timelock: address.optional(),
});

/** Service names: the keys under `services` (lower case letters, digits and `-`). */
const serviceNameSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, { error: 'must be a service name (lower case letters, digits and -)' });

/** A whole deployment: the core fields and the services' sections, each still unparsed. */
export const deploymentSchema = z.object({
  /** Main chain: where EigenLayer and every service's main contracts live. */
  mainChainId: z.number().int().positive(),
  chains: z.array(chainDeploymentSchema).min(1),
  eigenlayer: eigenLayerCoreSchema.extend({
    /** Strategies of the quorum, ascending. */
    strategies: z.array(address),
  }),
  /** Epoch clock of the EpochManager, in seconds. */
  epoch: z.object({ genesis: decimal, length: decimal, grace: decimal }),
  /** One section per service, by service name; each is read by its service with {@link serviceSection}. */
  services: z.record(serviceNameSchema, z.record(z.string(), z.unknown(), { error: 'must be an object (a service section)' })).default({}),
});

export type ChainDeployment = z.infer<typeof chainDeploymentSchema>;
export type Deployment = z.infer<typeof deploymentSchema>;

/**
 * Top-level keys that tools write beside the deployment and readers of the schema skip: `avs devnet` adds `aggregator`
 * (its `url`) and `devnet` (the devnet's token, accounts and endpoints). Keys starting with `$` (`$comment`), at the top
 * level or in a chain, are notes.
 */
export const DEPLOYMENT_EXTENSION_KEYS: readonly string[] = ['aggregator', 'devnet'];

/** One problem with a deployment: the dotted key (`chains.0.rpcUrl`, `services.<name>.chains.31337`) and what is wrong. */
export type DeploymentIssue = { key: string; message: string };

/** Thrown when a deployment file is missing or invalid; the message names the file and the bad key. */
export class DeploymentError extends Error {
  override name = 'DeploymentError';
  /** Every problem found, each with its key (empty when the file could not be read at all). */
  readonly issues: readonly DeploymentIssue[];

  constructor(message: string, issues: readonly DeploymentIssue[] = []) {
    super(message);
    this.issues = issues;
  }

  /** An error whose message is `<source>: <first key>: <its message>`. */
  static of(source: string, issues: readonly DeploymentIssue[]): DeploymentError {
    return new DeploymentError(`${source}: ${issues[0].key || '(root)'}: ${issues[0].message}`, issues);
  }
}

/** A section of `services`: its name, its schema, and how its per-chain entries relate to the deployment's chains. */
export type ServiceSection<T> = {
  /** Key under `services`, e.g. the service's folder name under `src/services/`. */
  name: string;
  /**
   * The section's schema. A `chains` record in it holds per-chain entries keyed by chain id, each of which must be a
   * chain of the deployment.
   */
  schema: z.ZodType<T>;
  /** Every chain of the deployment needs an entry under `chains` (default: entries are optional). */
  everyChain?: boolean;
};

/**
 * A service's typed view of a deployment, for code that reads its contracts next to the core fields: the sections it
 * reads (so a config check can list their problems with the core's) and the function that builds the view.
 */
export type DeploymentView<D> = {
  sections: readonly ServiceSection<unknown>[];
  /** Builds the view. @throws {DeploymentError} naming `services.<name>.<key>`, prefixed with `source`. */
  of(deployment: Deployment, source: string): D;
};

/**
 * Every problem of a parsed JSON value as a deployment: the core fields, then, for each of `sections`, that service's
 * section. Never throws.
 */
export function deploymentIssues(value: unknown, sections: readonly ServiceSection<unknown>[] = []): DeploymentIssue[] {
  const issues = unknownKeyIssues(value);
  const result = deploymentSchema.safeParse(value);
  if (!result.success) issues.push(...zodIssues(result.error.issues, []));
  else if (!result.data.chains.some((c) => c.chainId === result.data.mainChainId)) {
    issues.push({ key: 'chains', message: `the main chain ${result.data.mainChainId} is not listed` });
  }
  // Sections are checked even when the core is not valid, so one run names every bad key.
  const raw = isPlainObject(value) ? value : {};
  const chainIds = Array.isArray(raw.chains) ? raw.chains.map((c) => (isPlainObject(c) ? c.chainId : undefined)).filter((id): id is number => typeof id === 'number') : [];
  const services = isPlainObject(raw.services) ? raw.services : {};
  for (const section of sections) issues.push(...sectionIssues(services[section.name], section, chainIds).issues);
  return issues;
}

/**
 * Validates a parsed deployment object (core fields only; a service reads its section with {@link serviceSection}).
 * A key the core does not know is refused, so a file in the layout of an older release (service contracts among the
 * core fields) is named rather than half read.
 * @throws {DeploymentError} naming the first invalid key, e.g. `chains.0.rpcUrl: must be an http(s) URL`.
 */
export function parseDeployment(value: unknown, source = 'deployment'): Deployment {
  const issues = deploymentIssues(value);
  if (issues.length > 0) throw DeploymentError.of(source, issues);
  return deploymentSchema.parse(value);
}

/**
 * Parses the section `section.name` of a deployment's `services` with its schema, and checks that every chain id under
 * its `chains` is a chain of the deployment (and, with `everyChain`, that every chain has an entry).
 * @param source Names the deployment in messages (its file path).
 * @throws {DeploymentError} naming `services.<name>.<key>`, e.g. `services.<name>.chains.5: chain 5 is not part of this deployment`.
 */
export function serviceSection<T>(deployment: Pick<Deployment, 'chains' | 'services'>, section: ServiceSection<T>, source = 'deployment'): T {
  const parsed = sectionIssues(
    deployment.services[section.name],
    section,
    deployment.chains.map((c) => c.chainId),
  );
  if (parsed.issues.length > 0) throw DeploymentError.of(source, parsed.issues);
  return parsed.data as T;
}

/** Defines a service section (an identity function, for inference of `T` from the schema). */
export function defineServiceSection<T>(section: ServiceSection<T>): ServiceSection<T> {
  return section;
}

function sectionIssues<T>(value: unknown, section: ServiceSection<T>, chainIds: readonly number[]): { data?: T; issues: DeploymentIssue[] } {
  const prefix = ['services', section.name];
  if (value === undefined) return { issues: [{ key: prefix.join('.'), message: `is required (this deployment has no ${section.name} section)` }] };
  const result = section.schema.safeParse(value);
  if (!result.success) return { issues: zodIssues(result.error.issues, prefix) };
  const issues: DeploymentIssue[] = [];
  const chains = (result.data as { chains?: unknown }).chains;
  const entries = isPlainObject(chains) ? Object.keys(chains) : [];
  for (const id of entries) {
    if (!chainIds.includes(Number(id))) issues.push({ key: [...prefix, 'chains', id].join('.'), message: `chain ${id} is not part of this deployment` });
  }
  if (section.everyChain) {
    for (const id of chainIds) {
      if (!entries.includes(String(id))) issues.push({ key: [...prefix, 'chains', String(id)].join('.'), message: `is required (every chain of the deployment has an entry)` });
    }
  }
  return { data: result.data, issues };
}

/**
 * Keys the core does not know, at the top level and in each chain: the service fields of an older layout
 * (`chains[].<contract>`, a top-level section per service) are told where they go now.
 */
function unknownKeyIssues(value: unknown): DeploymentIssue[] {
  if (!isPlainObject(value)) return [];
  const issues: DeploymentIssue[] = [];
  const coreKeys = Object.keys(deploymentSchema.shape);
  const chainKeys = Object.keys(chainDeploymentSchema.shape);
  for (const key of Object.keys(value)) {
    if (key === 'chains' && Array.isArray(value.chains)) {
      value.chains.forEach((chain, index) => {
        if (!isPlainObject(chain)) return;
        const id = typeof chain.chainId === 'number' ? String(chain.chainId) : '<chainId>';
        for (const field of Object.keys(chain).filter((k) => !chainKeys.includes(k) && !k.startsWith('$'))) {
          issues.push({ key: `chains.${index}.${field}`, message: `not a core field; per-service addresses go under services.<service>.chains.${id}` });
        }
      });
    }
    if (coreKeys.includes(key) || DEPLOYMENT_EXTENSION_KEYS.includes(key) || key.startsWith('$')) continue;
    issues.push({ key, message: 'not a core field; per-service contracts go under services.<service>' });
  }
  return issues;
}

/** zod issues as deployment issues under `prefix`; an unknown key in a strict object becomes one issue per key. */
function zodIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly string[]): DeploymentIssue[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => ({ key: [...path, k].join('.'), message: 'unknown key' }));
    const message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
    return [{ key: path.join('.'), message }];
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a JSON file for a loader whose errors are its own named class.
 * @param what What the file is, for messages (e.g. `deployment file`).
 * @param toError Builds the loader's error from a message naming the file.
 * @throws what `toError` builds, when the file cannot be read or is not JSON.
 */
export function readJsonFile(path: string, what: string, toError: (message: string) => Error): unknown {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (error) {
    throw toError(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw toError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Reads and validates a deployment JSON file (core fields; see {@link serviceSection} for a service's section).
 * @throws {DeploymentError} when the file cannot be read or parsed, or is invalid.
 */
export function readDeployment(path: string): Deployment {
  return parseDeployment(readJsonFile(path, 'deployment file', (message) => new DeploymentError(message)), path);
}

/** The deployment's entry for `chainId` (of whatever view: a service's view returns its own chain type). @throws {DeploymentError} for an unsupported chain. */
export function chainOf<C extends ChainDeployment>(deployment: { chains: readonly C[] }, chainId: number): C {
  const chain = deployment.chains.find((c) => c.chainId === chainId);
  if (!chain) throw new DeploymentError(`chain ${chainId} is not part of this deployment`);
  return chain;
}

/** The main chain's entry. */
export function mainChainOf<C extends ChainDeployment>(deployment: { mainChainId: number; chains: readonly C[] }): C {
  return chainOf(deployment, deployment.mainChainId);
}

/**
 * JSON file form of a deployment (bigints as decimal strings), the inverse of {@link parseDeployment}: the core fields
 * and `services` only, so a service's view (core fields plus its own, merged) is written without its duplicates.
 */
export function serializeDeployment(deployment: Deployment): string {
  const chainKeys = Object.keys(chainDeploymentSchema.shape) as (keyof ChainDeployment)[];
  const file = {
    mainChainId: deployment.mainChainId,
    chains: deployment.chains.map((chain) => Object.fromEntries(chainKeys.filter((k) => chain[k] !== undefined).map((k) => [k, chain[k]]))),
    eigenlayer: deployment.eigenlayer,
    epoch: deployment.epoch,
    services: deployment.services,
  };
  return JSON.stringify(file, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n';
}

export type { Address };
