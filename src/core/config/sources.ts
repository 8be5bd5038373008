/**
 * Where configuration values come from, and how they combine: defaults (in the schemas) < the config file < environment
 * variables < command-line flags. Each source becomes a list of {@link ConfigEntry} (one per leaf key, with its origin);
 * {@link mergeEntries} applies them in order, so a later source replaces a key and everything under it.
 *
 * Environment variables: `AVS_<ROLE>__<KEY>__<SUBKEY>`, keys in upper snake case, `__` between levels, e.g.
 * `AVS_OPERATOR__RPC__31337=https://...` sets `rpc["31337"]`, `AVS_AGGREGATOR__TASK_DEADLINE_MS=60000` sets
 * `taskDeadlineMs`. The variables a role read before config files existed (its `legacyEnv`) stay as aliases, weaker
 * than these.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError } from './errors.ts';
import type { ConfigRoleSpec } from './role.ts';

/** One leaf value and where it came from. `null` removes the key (and what is under it) set by an earlier source. */
export type ConfigEntry = { path: readonly string[]; value: unknown; origin: string };

/** A value given by a flag: the dotted key it sets, e.g. `rpc.31337` or `nodeApi.port`. Undefined values are skipped. */
export type FlagValue = { key: string; flag: string; value: unknown };

/** Keys whose object value is replaced as a whole by a later source, never merged key by key. */
const ATOMIC_KEYS = new Set(['deployment']);

/** Keys holding file paths in every role (the `deploymentSource` and `database` building blocks); roles add theirs. */
const PATH_KEYS = ['deployment', 'database.sqlitePath'];

/** The prefix of a role's structured variables, e.g. `AVS_OPERATOR__` (a `-` in the name becomes `_`). */
export function envPrefix(role: string): string {
  return `AVS_${role.toUpperCase().replace(/-/g, '_')}__`;
}

/** The structured variable for a dotted key, e.g. (`operator`, `nodeApi.port`) → `AVS_OPERATOR__NODE_API__PORT`. */
export function envNameOf(role: string, key: string): string {
  return envPrefix(role) + key.split('.').map((s) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('__');
}

/** `NODE_API` → `nodeApi`; chain ids stay as they are. */
function keyOfEnvSegment(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * Entries from the environment: the role's legacy variables first, then every non-empty `AVS_<ROLE>__*` variable (values
 * stay strings; the schemas accept numbers and booleans written as text). Empty variables count as unset.
 */
export function envEntries(role: Pick<ConfigRoleSpec, 'name' | 'legacyEnv'>, env: NodeJS.ProcessEnv): ConfigEntry[] {
  const entries: ConfigEntry[] = [];
  for (const [name, key, ignoredWhenSet] of role.legacyEnv ?? []) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (ignoredWhenSet !== undefined && env[ignoredWhenSet]) continue;
    entries.push({ path: key.split('.'), value, origin: name });
  }
  const prefix = envPrefix(role.name);
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (!name.startsWith(prefix) || value === undefined || value === '') continue;
    const segments = name.slice(prefix.length).split('__').filter((s) => s !== '');
    if (segments.length === 0) continue;
    entries.push({ path: segments.map(keyOfEnvSegment), value, origin: name });
  }
  return entries;
}

/** Entries from flags, in order; undefined values are skipped, `null` removes a key. */
export function flagEntries(flags: readonly FlagValue[]): ConfigEntry[] {
  return flags.filter((f) => f.value !== undefined).map((f) => ({ path: f.key.split('.'), value: f.value, origin: f.flag }));
}

/**
 * Reads a JSON config file into entries (relative paths resolved against the file's directory). A top-level `role`
 * key is returned apart: it says which process the file is for.
 * @throws {ConfigError} when the file cannot be read, is not JSON, or is not a JSON object (key `<role>`).
 */
export function fileEntries(spec: Pick<ConfigRoleSpec, 'name' | 'pathKeys'>, file: string): { entries: ConfigEntry[]; role?: unknown } {
  const role = spec.name;
  const pathKeys = [...PATH_KEYS, ...(spec.pathKeys ?? [])];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    throw new ConfigError([{ key: role, message: `cannot read config file ${file}: ${why}` }]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([{ key: role, message: `config file ${file} is not valid JSON: ${(error as Error).message}` }]);
  }
  if (!isPlainObject(json)) throw new ConfigError([{ key: role, message: `config file ${file} must hold a JSON object` }]);
  const { role: fileRole, ...rest } = json;
  const base = dirname(resolve(file));
  const entries = flatten(rest, [], file);
  for (const entry of entries) {
    if (pathKeys.includes(entry.path.join('.')) && typeof entry.value === 'string' && entry.value !== '' && !isAbsolute(entry.value)) {
      entry.value = resolve(base, entry.value);
    }
  }
  return { entries, role: fileRole };
}

function flatten(value: Record<string, unknown>, prefix: string[], origin: string): ConfigEntry[] {
  const out: ConfigEntry[] = [];
  for (const [key, child] of Object.entries(value)) {
    // `$comment` (any key starting with `$`): notes in a JSON file, which has no comments.
    if (key.startsWith('$')) continue;
    const path = [...prefix, key];
    if (isPlainObject(child) && Object.keys(child).length > 0 && !ATOMIC_KEYS.has(path.join('.'))) out.push(...flatten(child, path, origin));
    else out.push({ path, value: child, origin });
  }
  return out;
}

/** The merged configuration object, and the origin of each key set (dotted path → origin). */
export type MergedConfig = { value: Record<string, unknown>; origins: Map<string, string> };

/**
 * Applies entries in order: an entry replaces the same key, every key under it, and any non-object value above it;
 * `null` only removes.
 */
export function mergeEntries(entries: readonly ConfigEntry[]): MergedConfig {
  const leaves = new Map<string, ConfigEntry>();
  for (const entry of entries) {
    const key = entry.path.join('.');
    for (const other of [...leaves.keys()]) {
      if (other === key || other.startsWith(`${key}.`) || key.startsWith(`${other}.`)) leaves.delete(other);
    }
    if (entry.value !== null) leaves.set(key, entry);
  }
  const value: Record<string, unknown> = {};
  const origins = new Map<string, string>();
  for (const [key, entry] of leaves) {
    let node = value;
    for (const segment of entry.path.slice(0, -1)) {
      if (!isPlainObject(node[segment])) node[segment] = {};
      node = node[segment] as Record<string, unknown>;
    }
    node[entry.path[entry.path.length - 1]] = entry.value;
    origins.set(key, entry.origin);
  }
  return { value, origins };
}

/** The origin of the value at `path` (or of the nearest key above it that was set as a whole). */
export function originOf(origins: ReadonlyMap<string, string>, path: readonly PropertyKey[]): string | undefined {
  for (let n = path.length; n > 0; n--) {
    const origin = origins.get(path.slice(0, n).map(String).join('.'));
    if (origin) return origin;
  }
  // A problem with an object as a whole (e.g. two key sources given): the origins of the keys under it.
  const prefix = path.map(String).join('.');
  const below = new Set([...origins].filter(([k]) => prefix === '' || k.startsWith(`${prefix}.`)).map(([, o]) => o));
  return below.size > 0 ? [...below].join(', ') : undefined;
}

/** A JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
