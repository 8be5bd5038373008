/**
 * The config roles of the multi-prover service, each with its schema, its path keys and its checks against the
 * deployment: `multi-prover-operator` (the operator node with its TEE prover). Every key is optional in the file unless
 * stated; defaults live here. Reference: docs/configuration.md. The aggregator's role joins the operator's below, and
 * both in {@link MULTI_PROVER_ROLES}.
 */
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
} from '../../core/config/index.ts';
import { multiProverView, teeTypeSchema } from './deployment.ts';

/** An issue when a plain hex key is used off a devnet. */
function plainKeyOffDevnet(devnet: boolean, key: string, keystoreKey: string, given: unknown): RoleIssue[] {
  if (given === undefined || devnet) return [];
  return [{ key, message: `plain hex keys are for devnets only: use ${keystoreKey} on a public network` }];
}

// ---------------------------------------------------------------------------------------------------------------------
// Operator

/** Renewal margin and TEE of the operator's prover. */
export const attestationConfigSchema = z.strictObject({
  /** The TEE the prover runs in; the deployment must have an attestation verifier for it (default devnet). */
  teeType: teeTypeSchema.default('devnet'),
  /** Re-attest this many seconds before the prover's liveUntil (default 300; at most half the validity is waited). */
  renewBeforeSeconds: integer(0, 7 * 24 * 3600, 'a number of seconds').default(300),
  /** Devnet TEE: the code identity the enclave is measured as (default the devnet prover build's). */
  codeIdentity: z.string().min(1, { error: 'must be a non-empty code identity' }).max(200).optional(),
});

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
    /** Aggregator, http(s) or ws(s). */
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
  pathKeys: ['blsKey.keystore', 'blsKey.passwordFile', 'livenessKey.keystore', 'livenessKey.passwordFile'],
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
    return issues;
  },
});

/** Every role of the service, for the command line's registry. */
export const MULTI_PROVER_ROLES = [operatorRole] as const;
