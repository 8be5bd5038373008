/**
 * The config roles of the multi-prover service, each with its schema, its path keys and its checks against the
 * deployment: `multi-prover-operator` (the operator node with its TEE prover) and `multi-prover-aggregator` (the
 * aggregator with its block watcher and confirmState sender). Every key is optional in the file unless stated; defaults
 * live here. Reference: docs/configuration.md. Both are in {@link MULTI_PROVER_ROLES}.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
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
  path,
  rpcMap,
  url,
  plainKeyOffDevnet,
} from '../../core/config/index.ts';
import { multiProverView, teeTypeSchema } from './deployment.ts';

/**
 * The multi-prover aggregator's URL `avs devnet` writes beside the deployment (`aggregator.multiProverUrl`, an extension
 * key readers of the schema skip); undefined when the file has none or cannot be read.
 */
export function multiProverUrlOfDeploymentFile(file: string): string | undefined {
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as { aggregator?: { multiProverUrl?: unknown } } | null;
    return typeof json?.aggregator?.multiProverUrl === 'string' ? json.aggregator.multiProverUrl : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Operator

/** How an Intel (sgx/tdx) prover TEE gets its quotes. */
export const intelQuoteSourceConfigSchema = z
  .strictObject({
    /**
     * `configfs-tsm`: a TDX guest's Linux configfs-tsm (kernel 6.7+); `gramine`: an SGX enclave under Gramine's
     * /dev/attestation; `file`: a recorded quote (tests and dry runs: the chain refuses it unless its report data fits).
     */
    kind: z.enum(['configfs-tsm', 'gramine', 'file'], { error: 'must be "configfs-tsm" (TDX), "gramine" (SGX) or "file" (a recorded quote)' }),
    /** configfs-tsm: the report directory (default /sys/kernel/config/tsm/report); gramine: the attestation directory (default /dev/attestation); file: the quote file (required). */
    path: path.optional(),
  })
  .superRefine((value, ctx) => {
    if (value.kind === 'file' && value.path === undefined) ctx.addIssue({ code: 'custom', path: ['path'], message: 'is required with kind "file" (the recorded quote)' });
  });

/** Where an Intel prover TEE's collateral comes from: a PCS/PCCS JSON file, or a PCCS. */
export const intelCollateralConfigSchema = z
  .strictObject({
    /** Collateral JSON in Intel's PCS/PCCS shape (as test/fixtures/tee/*_collateral.json), re-read at each attestation. */
    file: path.optional(),
    /** A PCCS (or Intel's PCS, https://api.trustedservices.intel.com) to fetch each quote's collateral from. */
    pccsUrl: url(['http', 'https'], 'an http(s) URL').optional(),
  })
  .superRefine(oneKeySource(['file', 'pccsUrl']));

/** The Intel (sgx/tdx) prover TEE: quotes and collateral. */
export const intelTeeConfigSchema = z.strictObject({
  quoteSource: intelQuoteSourceConfigSchema,
  collateral: intelCollateralConfigSchema,
});

/** Renewal margin and TEE of the operator's prover. */
export const attestationConfigSchema = z.strictObject({
  /** The TEE the prover runs in; the deployment must have an attestation verifier for it (default devnet). */
  teeType: teeTypeSchema.default('devnet'),
  /** Re-attest this many seconds before the prover's liveUntil (default 300; at most half the validity is waited). */
  renewBeforeSeconds: integer(0, 7 * 24 * 3600, 'a number of seconds').default(300),
  /** Devnet TEE: the code identity the enclave is measured as (default the devnet prover build's). */
  codeIdentity: z.string().min(1, { error: 'must be a non-empty code identity' }).max(200).optional(),
  /** SGX and TDX TEEs (required for them): where quotes and their collateral come from. */
  intel: intelTeeConfigSchema.optional(),
});

/** The checks of the Intel TEE keys against the TEE type and the deployment. */
function intelTeeIssues(attestation: z.output<typeof attestationConfigSchema>, hasCollateralStore: boolean): RoleIssue[] {
  const { teeType, intel } = attestation;
  if (teeType === 'devnet') return intel === undefined ? [] : [{ key: 'attestation.intel', message: 'only applies to the sgx and tdx TEEs' }];
  const issues: RoleIssue[] = [];
  if (intel === undefined) {
    issues.push({ key: 'attestation.intel', message: `is required for the ${teeType} TEE: { quoteSource: { kind, path }, collateral: { file } or { pccsUrl } }` });
  } else {
    const wanted = teeType === 'tdx' ? 'configfs-tsm' : 'gramine';
    const { kind } = intel.quoteSource;
    if (kind !== 'file' && kind !== wanted) issues.push({ key: 'attestation.intel.quoteSource.kind', message: `"${kind}" gives no ${teeType} quotes: use "${wanted}" (or "file")` });
  }
  if (!hasCollateralStore) {
    issues.push({ key: 'attestation.teeType', message: `the ${teeType} TEE needs the deployment's services.multi-prover.intelCollateralStore (none is given)` });
  }
  return issues;
}

/** `multi-prover operator run`: the operator node and its prover's attestation keeper. */
export const operatorConfigSchema = z
  .strictObject({
    deployment: deploymentSource,
    /** The operator's EigenLayer address (derived from `blsKey.devnetOperator` when that is used). */
    address: address.optional(),
    /** The operator's registered BN254 key: an EIP-2335 or EigenLayer `.bls.key.json` keystore, or a devnet operator index. */
    blsKey: z
      .strictObject({
        keystore: path.optional(),
        /** File holding the keystore password; else `AVS_KEYSTORE_PASSWORD`, else a prompt. */
        passwordFile: path.optional(),
        devnetOperator: integer(0, 1000, 'a devnet operator index').optional(),
      })
      .superRefine(oneKeySource(['keystore', 'devnetOperator']))
      .default({}),
    /**
     * The account that sends TEELivenessVerifier.submitLivenessProof: the operator's own key, or an appointee's for that
     * function in the PermissionController. Default with `blsKey.devnetOperator`: the devnet operator's key.
     */
    livenessKey: z.strictObject(keySourceFields).superRefine(oneKeySource(['keystore', 'privateKey'])).optional(),
    /** The operator's own RPC endpoints by chain id (its prover reads the proven chains through them). */
    rpc: rpcMap,
    /** Aggregator, http(s) or ws(s); default: `aggregator.multiProverUrl` of the deployment file (`avs devnet` writes it). */
    aggregatorUrl: url(['http', 'https', 'ws', 'wss'], 'an http(s) or ws(s) URL').optional(),
    /** Signing journal. Default SQLite `.avs/multi-prover-operator-<address>.sqlite`. */
    database,
    /** EigenLayer node API and metrics; default not served. */
    nodeApi: nodeApi.optional(),
    attestation: attestationConfigSchema.prefault({}),
    logLevel,
  })
  .superRefine((value, ctx) => {
    if (value.blsKey.devnetOperator !== undefined) return;
    if (value.address === undefined) ctx.addIssue({ code: 'custom', path: ['address'], message: 'is required (the operator’s EigenLayer address)' });
    if (value.livenessKey === undefined) {
      ctx.addIssue({ code: 'custom', path: ['livenessKey'], message: 'is required (the account sending liveness proofs: the operator or its appointee)' });
    }
  });

/** Validated operator config. */
export type MultiProverOperatorConfig = z.output<typeof operatorConfigSchema>;

/** The operator node's role. */
export const operatorRole = defineConfigRole({
  name: 'multi-prover-operator',
  schema: operatorConfigSchema,
  legacyEnv: [
    ['DATABASE_URL', 'database.url'],
    ['LOG_LEVEL', 'logLevel'],
  ],
  pathKeys: [
    'blsKey.keystore',
    'blsKey.passwordFile',
    'livenessKey.keystore',
    'livenessKey.passwordFile',
    'attestation.intel.quoteSource.path',
    'attestation.intel.collateral.file',
  ],
  deployment: multiProverView,
  check: ({ values, devnet, deployment }) => {
    const issues: RoleIssue[] = [];
    if (values.blsKey.devnetOperator !== undefined && !devnet) {
      issues.push({ key: 'blsKey.devnetOperator', message: 'only works on a local devnet (main chain 31337)' });
    }
    issues.push(...plainKeyOffDevnet(devnet, 'livenessKey.privateKey', 'livenessKey.keystore', values.livenessKey?.privateKey));
    const { teeType } = values.attestation;
    if (deployment.multiProver.attestationVerifiers[teeType] === undefined) {
      issues.push({ key: 'attestation.teeType', message: `the deployment has no attestation verifier for ${teeType}` });
    }
    if (values.attestation.codeIdentity !== undefined && teeType !== 'devnet') {
      issues.push({ key: 'attestation.codeIdentity', message: 'only applies to the devnet TEE' });
    }
    issues.push(...intelTeeIssues(values.attestation, deployment.multiProver.intelCollateralStore !== undefined));
    return issues;
  },
  complete: ({ values, deploymentPath }) =>
    values.aggregatorUrl !== undefined || deploymentPath === undefined ? values : { ...values, aggregatorUrl: multiProverUrlOfDeploymentFile(deploymentPath) },
});

// ---------------------------------------------------------------------------------------------------------------------
// Aggregator

/** `"off"`, `"false"` or `false`: no block watcher (tasks only as requested). */
const off = z.preprocess((v) => (v === 'off' || v === 'false' || v === '0' ? false : v), z.literal(false));

/** Which blocks the aggregator proves on its own, besides those requested. */
export const blockWatchConfigSchema = z.union(
  [
    off,
    z.strictObject({
      /** Prove every n-th block of each proven chain (default 1: every block). */
      everyBlocks: integer(1, 1_000_000, 'a number of blocks').optional(),
      /** Depth a block needs before it is proven (default 2). */
      confirmations: integer(0, 1000, 'a number of blocks').optional(),
      /** Head poll period, ms (default 1,000). */
      pollMs: integer(100, 3600_000, 'milliseconds').optional(),
    }),
  ],
  { error: 'must be "off" or an object { everyBlocks, confirmations, pollMs }' },
);

/** `multi-prover aggregator run`: the aggregator service (tuning: see `MultiProverAggregatorServiceOptions`). */
export const aggregatorConfigSchema = z.strictObject({
  deployment: deploymentSource,
  host: z.string().min(1, { error: 'must be an interface address' }).default('127.0.0.1'),
  port: integer(0, 65535, 'a port').default(8090),
  /** RPC endpoints by chain id, replacing the deployment's (the main chain and every proven chain are read). */
  rpc: rpcMap,
  /** Tasks and confirmations. Default SQLite `.avs/multi-prover-aggregator.sqlite`. */
  database,
  /**
   * The account sending confirmState (any funded account: the BLS signatures are the authority): a keystore, a plain
   * hex key (devnets only) or an anvil dev account (devnets only). Default: none, and nothing is confirmed on-chain.
   */
  confirmer: z
    .strictObject({ ...keySourceFields, devnetAccount: integer(0, 19, 'an anvil dev account index').optional() })
    .superRefine(oneKeySource(['keystore', 'privateKey', 'devnetAccount']))
    .optional(),
  /** Default: every block of each proven chain, 2 deep, polled every second. */
  blockWatch: blockWatchConfigSchema.prefault({}),
  /** Time a task has to reach every quorum's threshold, ms (default 900,000). */
  taskDeadlineMs: integer(1_000, 7 * 24 * 3600_000, 'milliseconds').optional(),
  /** Signatures keep extending an aggregated state this long, ms (default 2,000). */
  lateWindowMs: integer(0, 3600_000, 'milliseconds').optional(),
  /** Operator-set refresh period, ms (default 2,000). */
  operatorSetRefreshMs: integer(100, 3600_000, 'milliseconds').optional(),
  /** First main-chain block scanned for the registry's and liveness verifier's events (default 0). */
  fromBlock: integer(0, Number.MAX_SAFE_INTEGER, 'a block number').transform((n) => BigInt(n)).optional(),
  logLevel,
});

/** Validated aggregator config. */
export type MultiProverAggregatorConfig = z.output<typeof aggregatorConfigSchema>;

/** The aggregator's role. */
export const aggregatorRole = defineConfigRole({
  name: 'multi-prover-aggregator',
  schema: aggregatorConfigSchema,
  legacyEnv: [
    ['DATABASE_URL', 'database.url'],
    ['LOG_LEVEL', 'logLevel'],
  ],
  pathKeys: ['confirmer.keystore', 'confirmer.passwordFile'],
  deployment: multiProverView,
  check: ({ values, devnet, deployment }) => {
    const issues: RoleIssue[] = [];
    issues.push(...plainKeyOffDevnet(devnet, 'confirmer.privateKey', 'confirmer.keystore', values.confirmer?.privateKey));
    if (values.confirmer?.devnetAccount !== undefined && !devnet) {
      issues.push({ key: 'confirmer.devnetAccount', message: 'only works on a local devnet (main chain 31337)' });
    }
    const chains = new Set(deployment.chains.map((c) => c.chainId));
    for (const chainId of deployment.multiProver.provenChains) {
      if (!chains.has(chainId)) issues.push({ key: 'deployment', message: `proves chain ${chainId}, which is not a chain of the deployment (no RPC to read it)` });
    }
    return issues;
  },
});

/** Every role of the service, for the command line's registry. */
export const MULTI_PROVER_ROLES = [operatorRole, aggregatorRole] as const;
