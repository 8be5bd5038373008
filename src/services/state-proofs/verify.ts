/**
 * Checking a state proof where it is used: `isValidSignature(digest, sigData)` (ERC-1271) on a chain's stake registry
 * (ECDSAStakeRegistry on the main chain, LightStakeRegistry on a remote chain; both are StakeRegistryVerifiers), and,
 * when it does not hold, `checkSignatures` to say why (docs/architecture.md, "State proofs", step 5).
 *
 * Shared by `avs proof verify`, `avs demo` and the aggregator's `POST /v1/verify`.
 */
import type { Address, Hex, PublicClient } from 'viem';
import { StakeRegistryVerifierAbi } from '../../core/chain/abis/generated/index.ts';
import type { StateProofsDeployment } from './deployment.ts';
import { describeRevert } from '../../core/chain/transactions.ts';
import { ERC1271_MAGIC_VALUE } from './attestation.ts';

/** Outcome of one on-chain verification. */
export type OnChainVerification = {
  chainId: number;
  registry: Address;
  /** What `isValidSignature` returned: `0x1626ba7e` for a valid proof, `0xffffffff` otherwise. */
  result: Hex;
  valid: boolean;
  /** For an invalid proof, the registry's reason (`checkSignatures`' custom error), e.g. `InsufficientSignedWeight(…)`. */
  reason?: string;
  /** For a valid proof, the signed and threshold weights (wei-scale stake weights) at the reference epoch. */
  signedWeight?: bigint;
  thresholdWeight?: bigint;
};

/** The kind of stake registry that verifies proofs on a chain. */
export type RegistryKind = 'ECDSAStakeRegistry' | 'LightStakeRegistry';

/** Thrown when a chain is not part of the deployment or has no stake registry to verify on. */
export class NoStakeRegistryError extends Error {
  override name = 'NoStakeRegistryError';
}

/**
 * The registry that verifies proofs on `chainId`: the ECDSAStakeRegistry on the main chain, the chain's
 * LightStakeRegistry (the replica of the operator set) on a remote chain.
 * @throws {NoStakeRegistryError} when the chain is not in the deployment or lists no LightStakeRegistry.
 */
export function stakeRegistryOn(deployment: StateProofsDeployment, chainId: number): { address: Address; kind: RegistryKind } {
  if (chainId === deployment.mainChainId) return { address: deployment.stateProofs.stakeRegistry, kind: 'ECDSAStakeRegistry' };
  const chain = deployment.chains.find((c) => c.chainId === chainId);
  if (!chain) throw new NoStakeRegistryError(`chain ${chainId} is not part of this deployment`);
  if (!chain.lightStakeRegistry) throw new NoStakeRegistryError(`chain ${chainId} has no LightStakeRegistry in this deployment`);
  return { address: chain.lightStakeRegistry, kind: 'LightStakeRegistry' };
}

/**
 * Calls `isValidSignature` on `registry` and explains the result with `checkSignatures`.
 * @throws the client's error when the chain cannot be read (RPC down, no contract at `registry`).
 */
export async function verifyOnChain(params: {
  client: PublicClient;
  chainId: number;
  registry: Address;
  digest: Hex;
  sigData: Hex;
}): Promise<OnChainVerification> {
  const { client, registry, digest, sigData } = params;
  const contract = { address: registry, abi: StakeRegistryVerifierAbi } as const;
  const result = (await client.readContract({ ...contract, functionName: 'isValidSignature', args: [digest, sigData] })) as Hex;
  const valid = result.toLowerCase() === ERC1271_MAGIC_VALUE;
  const out: OnChainVerification = { chainId: params.chainId, registry, result, valid };
  try {
    const [signedWeight, thresholdWeight] = await client.readContract({ ...contract, functionName: 'checkSignatures', args: [digest, sigData] });
    out.signedWeight = signedWeight;
    out.thresholdWeight = thresholdWeight;
  } catch (error) {
    if (!valid) out.reason = describeRevert(error);
  }
  return out;
}
