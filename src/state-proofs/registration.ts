/**
 * Registering an operator with EigenLayer and with the state-proofs AVS (ARCHITECTURE.md, "Registration"):
 * `DelegationManager.registerAsOperator`, then `ECDSAStakeRegistry.registerOperatorWithSignature` with the operator's
 * EIP-712 signature over `AVSDirectory.calculateOperatorAVSRegistrationDigestHash(operator, serviceManager, salt, expiry)`,
 * which the registry forwards through the ServiceManager to `AVSDirectory.registerOperatorToAVS`.
 *
 * Works on any network of a {@link Deployment}; the devnet seeding uses it for every operator.
 */
import { type Account, type Address, type Hex, type LocalAccount, type PublicClient, keccak256, toHex } from 'viem';
import { AVSDirectoryAbi, ECDSAStakeRegistryAbi } from '../core/chain/abis/generated/index.ts';
import type { Deployment } from '../core/chain/deployment.ts';

/** The operator's AVS-registration signature, as `registerOperatorWithSignature` takes it. */
export type SignatureWithSaltAndExpiry = { signature: Hex; salt: Hex; expiry: bigint };

/** Default lifetime of a registration signature: one hour of chain time. */
export const REGISTRATION_SIGNATURE_TTL = 3600n;

/**
 * Signs the AVSDirectory registration digest for `operator` and the deployment's ServiceManager. The digest is read
 * from the AVSDirectory itself, so it matches whatever domain the deployed contract uses.
 * @param salt Single-use salt; default a fresh random one.
 * @param expiry Unix seconds; default the chain's time plus {@link REGISTRATION_SIGNATURE_TTL}.
 */
export async function signAvsRegistration(params: {
  client: PublicClient;
  deployment: Deployment;
  operator: LocalAccount;
  salt?: Hex;
  expiry?: bigint;
}): Promise<SignatureWithSaltAndExpiry> {
  const { client, deployment, operator } = params;
  const salt = params.salt ?? randomSalt();
  const expiry = params.expiry ?? (await client.getBlock()).timestamp + REGISTRATION_SIGNATURE_TTL;
  const digest = await client.readContract({
    address: deployment.eigenlayer.avsDirectory,
    abi: AVSDirectoryAbi,
    functionName: 'calculateOperatorAVSRegistrationDigestHash',
    args: [operator.address, deployment.stateProofs.serviceManager, salt, expiry],
  });
  // Raw ECDSA over the EIP-712 digest (no EIP-191 prefix): 65 bytes r‖s‖v with v ∈ {27, 28}.
  const signature = await operator.sign!({ hash: digest });
  return { signature, salt, expiry };
}

/** A fresh random 32-byte salt. */
export function randomSalt(): Hex {
  return keccak256(toHex(crypto.getRandomValues(new Uint8Array(32))));
}

/** Calldata pieces of `registerOperatorWithSignature` (for callers that batch transactions themselves). */
export function registerOperatorCall(deployment: Deployment, signature: SignatureWithSaltAndExpiry, signingKey: Address) {
  return {
    address: deployment.stateProofs.stakeRegistry,
    abi: ECDSAStakeRegistryAbi,
    functionName: 'registerOperatorWithSignature',
    args: [signature, signingKey],
  } as const;
}

/** Registration status of `operator` with the deployment's AVS in the AVSDirectory: true when REGISTERED. */
export async function isRegisteredInAvsDirectory(client: PublicClient, deployment: Deployment, operator: Address): Promise<boolean> {
  const status = await client.readContract({
    address: deployment.eigenlayer.avsDirectory,
    abi: AVSDirectoryAbi,
    functionName: 'avsOperatorStatus',
    args: [deployment.stateProofs.serviceManager, operator],
  });
  return status === 1;
}

export type { Account };
