/**
 * The config role of the preconf service: `preconf-gateway`, the gateway as its own process (`avs preconf gateway
 * run`) over any Beacon node and the deployment's UniFiAVSManager, signing with the delegate keys it is given. Every
 * key is optional in the file unless stated; defaults live here. Reference: docs/configuration.md. In
 * {@link PRECONF_ROLES}.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import type { DeploymentView } from '../../core/chain/deployment.ts';
import {
  type RoleIssue,
  database,
  defineConfigRole,
  deploymentSource,
  envPrefix,
  integer,
  keySourceFields,
  logLevel,
  oneKeySource,
  plainKeyOffDevnet,
  rpcMap,
  url,
} from '../../core/config/index.ts';
import { PRECONF_SECTION, type PreconfDeployment, preconfDeployment } from './deployment.ts';

/** The view the role loads its deployment into: `services.preconf` must be there. */
export const preconfView: DeploymentView<PreconfDeployment> = { sections: [PRECONF_SECTION], of: preconfDeployment };

/** Default gateway port (the service's). */
export const PRECONF_GATEWAY_PORT = 8110;
/** Default SQLite file of the gateway. */
export const PRECONF_GATEWAY_SQLITE = '.avs/preconf-gateway.sqlite';
/** Default time a built lookahead is served again, ms (the lookahead source's). */
export const PRECONF_LOOKAHEAD_MAX_AGE_MS = 500;

const ROLE = 'preconf-gateway';

/**
 * The Beacon node URL `avs devnet` writes beside the deployment (`aggregator.beaconUrl`, an extension key readers of
 * the schema skip); undefined when the file has none or cannot be read.
 */
export function beaconUrlOfDeploymentFile(file: string): string | undefined {
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as { aggregator?: { beaconUrl?: unknown } } | null;
    return typeof json?.aggregator?.beaconUrl === 'string' ? json.aggregator.beaconUrl : undefined;
  } catch {
    return undefined;
  }
}

/** `true` (JSON or text): the devnet's delegate key. */
const devnetDelegateKey = z.preprocess(
  (v) => (v === 'true' ? true : v),
  z.literal(true, { error: 'must be true (the devnet’s delegate key), or left out' }),
);

/** One delegate key: a keystore, a plain hex key (devnets only) or the devnet's delegate key (devnets only). */
const delegateKeySource = z
  .strictObject({ ...keySourceFields, devnetDelegateKey: devnetDelegateKey.optional() })
  .superRefine(oneKeySource(['keystore', 'privateKey', 'devnetDelegateKey']));

/** A delegate key source as validated. */
export type DelegateKeySource = z.output<typeof delegateKeySource>;

/**
 * A list, or an object keyed by index: the environment sets `AVS_PRECONF_GATEWAY__DELEGATE_KEYS__0__KEYSTORE`, which
 * arrives as `{ "0": { keystore } }`.
 */
const listOrIndexed = (v: unknown) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
  const keys = Object.keys(v);
  if (keys.length === 0 || !keys.every((k) => /^[0-9]+$/.test(k))) return v;
  return keys.sort((a, b) => Number(a) - Number(b)).map((k) => (v as Record<string, unknown>)[k]);
};

/** `avs preconf gateway run`: the gateway (tuning: see `PreconfGatewayServiceOptions`). */
export const gatewayConfigSchema = z.strictObject({
  deployment: deploymentSource,
  host: z.string().min(1, { error: 'must be an interface address' }).default('127.0.0.1'),
  port: integer(0, 65535, 'a port').default(PRECONF_GATEWAY_PORT),
  /** RPC endpoints by chain id, replacing the deployment's (only the main chain, the registry's, is read). */
  rpc: rpcMap,
  /**
   * The Beacon node REST API the proposer duties come from (any consensus client). Required off a devnet; on a devnet
   * the default is `aggregator.beaconUrl` of the deployment file (`avs devnet` writes it).
   */
  beaconUrl: url(['http', 'https'], 'an http(s) URL of a Beacon node REST API').optional(),
  /**
   * The keys the gateway signs preconfirmations with: each the delegate key an operator committed to in the registry.
   * At least one.
   */
  delegateKeys: z.preprocess(
    listOrIndexed,
    z.array(delegateKeySource, { error: 'must be a list of key sources' }).min(1, { error: 'must hold at least one key source' }),
  ),
  /** Preconfirmations signed. Default SQLite `.avs/preconf-gateway.sqlite`. */
  database,
  /** How long a built lookahead is served again, ms (a burst of requests costs one beacon and one registry read). */
  lookaheadMaxAgeMs: integer(0, 60_000, 'milliseconds').default(PRECONF_LOOKAHEAD_MAX_AGE_MS),
  logLevel,
});

/** Validated gateway config. */
export type PreconfGatewayConfig = z.output<typeof gatewayConfigSchema>;

/**
 * The file's relative paths inside `delegateKeys`, resolved against its directory: the sources see a list as one
 * value, so `pathKeys` cannot name the keys inside it. Paths from flags and variables stay relative to the working
 * directory.
 */
function resolveDelegateKeyPaths(keys: readonly DelegateKeySource[], origin: string | undefined): DelegateKeySource[] {
  if (origin === undefined || origin.startsWith('--') || origin.startsWith(envPrefix(ROLE))) return [...keys];
  const base = dirname(resolve(origin));
  const at = (path: string) => (isAbsolute(path) ? path : resolve(base, path));
  return keys.map((k) => ({
    ...k,
    ...(k.keystore === undefined ? {} : { keystore: at(k.keystore) }),
    ...(k.passwordFile === undefined ? {} : { passwordFile: at(k.passwordFile) }),
  }));
}

/** The gateway's role. */
export const gatewayRole = defineConfigRole({
  name: ROLE,
  schema: gatewayConfigSchema,
  legacyEnv: [
    ['DATABASE_URL', 'database.url'],
    ['LOG_LEVEL', 'logLevel'],
  ],
  deployment: preconfView,
  check: ({ values, devnet, origins }) => {
    const issues: RoleIssue[] = [];
    if (!devnet && values.beaconUrl === undefined) {
      issues.push({ key: 'beaconUrl', message: 'is required off a devnet: the http(s) URL of a Beacon node REST API' });
    }
    values.delegateKeys.forEach((k, i) => {
      // A file or a flag sets the list as one value; the environment sets each key of it.
      const origin = (key: string) => origins.get(`delegateKeys.${i}.${key}`) ?? origins.get('delegateKeys');
      for (const issue of plainKeyOffDevnet(devnet, `delegateKeys.${i}.privateKey`, `delegateKeys.${i}.keystore`, k.privateKey)) {
        issues.push({ ...issue, origin: origin('privateKey') });
      }
      if (k.devnetDelegateKey !== undefined && !devnet) {
        issues.push({ key: `delegateKeys.${i}.devnetDelegateKey`, message: 'only works on a local devnet (main chain 31337)', origin: origin('devnetDelegateKey') });
      }
    });
    return issues;
  },
  complete: ({ values, deploymentPath, devnet, origins }) => ({
    ...values,
    delegateKeys: resolveDelegateKeyPaths(values.delegateKeys, origins.get('delegateKeys')),
    beaconUrl: values.beaconUrl ?? (devnet && deploymentPath !== undefined ? beaconUrlOfDeploymentFile(deploymentPath) : undefined),
  }),
});

/** Every role of the service, for the command line's registry. */
export const PRECONF_ROLES = [gatewayRole] as const;
