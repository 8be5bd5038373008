/**
 * The Intel half of a multi-prover deployment: one IntelCollateralStore (Intel's collateral, updatable by anyone with
 * Intel's signatures) and one IntelDcapAttestationVerifier per accepted Intel TEE type (SGX quotes v3, TDX quotes v4),
 * each with the deployment's policy. The liveness verifier then uses them for its `sgx` and `tdx` TEE types.
 */
import type { Address } from 'viem';
import {
  IntelCollateralStoreAbi,
  IntelCollateralStoreBytecode,
  IntelDcapAttestationVerifierAbi,
  IntelDcapAttestationVerifierBytecode,
} from '../../core/chain/abis/generated/index.ts';
import type { TxQueue } from '../../core/chain/transactions.ts';

/** Intel's TCB statuses, in IntelCollateralTypes.TcbStatus order (severity: later is worse). */
export const TCB_STATUSES = [
  'UpToDate',
  'SWHardeningNeeded',
  'ConfigurationNeeded',
  'ConfigurationAndSWHardeningNeeded',
  'OutOfDate',
  'OutOfDateConfigurationNeeded',
  'Revoked',
] as const;
/** A TCB status by name. */
export type TcbStatusName = (typeof TCB_STATUSES)[number];

/** The quote TEE type of each Intel TEE type name (IntelQuote.TEE_TYPE_SGX / TEE_TYPE_TDX). */
export const INTEL_QUOTE_TEE_TYPES = { sgx: 0, tdx: 0x81 } as const;

/** A deployment's policy on verified Intel quotes (IIntelDcapAttestationVerifier.Policy). */
export type IntelAttestationPolicy = {
  /** TCB statuses accepted; default {@link DEFAULT_ALLOWED_TCB_STATUSES}. `Revoked` is never accepted. */
  allowedTcbStatuses?: readonly TcbStatusName[];
  /** Oldest TCB info / QE identity accepted, seconds since its issue date; default 0 (any still valid). */
  maxCollateralAgeSeconds?: number;
};

/** Default accepted TCB statuses: an up-to-date platform, or one whose only gap is software hardening. */
export const DEFAULT_ALLOWED_TCB_STATUSES: readonly TcbStatusName[] = ['UpToDate', 'SWHardeningNeeded'];

/** The policy as the contract takes it. */
export function intelPolicyArgs(policy: IntelAttestationPolicy = {}): { allowedTcbStatuses: number; maxCollateralAgeSeconds: number } {
  let mask = 0;
  for (const status of policy.allowedTcbStatuses ?? DEFAULT_ALLOWED_TCB_STATUSES) {
    const index = TCB_STATUSES.indexOf(status);
    if (index < 0 || status === 'Revoked') throw new RangeError(`TCB status ${status} cannot be allowed (one of ${TCB_STATUSES.slice(0, -1).join(', ')})`);
    mask |= 1 << index;
  }
  const maxAge = policy.maxCollateralAgeSeconds ?? 0;
  if (!Number.isInteger(maxAge) || maxAge < 0 || maxAge > 0xffffffff) throw new RangeError(`maxCollateralAgeSeconds ${maxAge} is not a uint32`);
  return { allowedTcbStatuses: mask, maxCollateralAgeSeconds: maxAge };
}

/** Options of {@link deployIntelAttestation}. */
export type IntelAttestationDeployOptions = {
  /** Intel TEE types to accept (at least one). */
  teeTypes: readonly ('sgx' | 'tdx')[];
  /** The verifiers' policy. */
  policy?: IntelAttestationPolicy;
  /** An IntelCollateralStore already on the chain (shared with other deployments); default a new one. */
  collateralStore?: Address;
};

/** What {@link deployIntelAttestation} deployed. */
export type DeployedIntelAttestation = {
  collateralStore: Address;
  verifiers: Partial<Record<'sgx' | 'tdx', Address>>;
};

/**
 * Deploys the collateral store (unless given) and a verifier per TEE type, owned by `owner` (their policy setter).
 * @throws {RangeError} when the policy is invalid (before any transaction).
 * @throws {SetupTransactionError} naming the step that reverted.
 */
export async function deployIntelAttestation(q: TxQueue, owner: Address, options: IntelAttestationDeployOptions): Promise<DeployedIntelAttestation> {
  const policy = intelPolicyArgs(options.policy);
  const collateralStore =
    options.collateralStore ?? (await q.deploy('IntelCollateralStore', { abi: IntelCollateralStoreAbi, bytecode: IntelCollateralStoreBytecode }, []));
  const verifiers: DeployedIntelAttestation['verifiers'] = {};
  for (const teeType of new Set(options.teeTypes)) {
    verifiers[teeType] = await q.deploy(
      `IntelDcapAttestationVerifier(${teeType})`,
      { abi: IntelDcapAttestationVerifierAbi, bytecode: IntelDcapAttestationVerifierBytecode },
      [owner, collateralStore, INTEL_QUOTE_TEE_TYPES[teeType], policy],
    );
  }
  return { collateralStore, verifiers };
}
