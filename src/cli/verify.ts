/**
 * Checking a state proof where it is used: `isValidSignature(digest, sigData)` on a chain's stake registry
 * (ECDSAStakeRegistry on the main chain, LightStakeRegistry elsewhere; both are StakeRegistryVerifiers), and, when it
 * does not hold, `checkSignatures` to say why.
 */
import type { Address, Hex, PublicClient } from 'viem';
import { StakeRegistryVerifierAbi } from '../core/chain/abis/generated/index.ts';
import { describeRevert } from '../core/chain/transactions.ts';
import { ERC1271_MAGIC_VALUE } from '../state-proofs/attestation.ts';

/** Outcome of one on-chain verification. */
export type OnChainVerification = {
  chainId: number;
  registry: Address;
  /** What `isValidSignature` returned: `0x1626ba7e` for a valid proof, `0xffffffff` otherwise. */
  result: Hex;
  valid: boolean;
  /** For an invalid proof, the registry's reason (`checkSignatures`' custom error), e.g. `InsufficientSignedWeight(…)`. */
  reason?: string;
  /** For a valid proof, the signed and threshold weights at the reference epoch. */
  signedWeight?: bigint;
  thresholdWeight?: bigint;
};

/** Calls `isValidSignature` on `registry` and explains the result with `checkSignatures`. */
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
