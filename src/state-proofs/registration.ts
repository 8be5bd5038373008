/**
 * Registering an operator with EigenLayer and with the state-proofs AVS (docs/architecture.md, "Registration"):
 * `DelegationManager.registerAsOperator`, `AllocationManager.registerForOperatorSets` and `modifyAllocations` (the
 * registry weighs only stake the AVS's operator set can slash), then `ECDSAStakeRegistry.registerOperatorWithSignature` with the operator's
 * EIP-712 signature over `AVSDirectory.calculateOperatorAVSRegistrationDigestHash(operator, serviceManager, salt, expiry)`,
 * which the registry forwards through the ServiceManager to `AVSDirectory.registerOperatorToAVS`.
 *
 * Works on any network of a {@link Deployment}; the devnet seeding uses it for every operator.
 */
import { type Account, type Address, type Hex, type LocalAccount, type PublicClient, keccak256, toHex } from 'viem';
import { AVSDirectoryAbi, AllocationManagerAbi, DelegationManagerAbi, ECDSAStakeRegistryAbi } from '../core/chain/abis/generated/index.ts';
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

/** Where an operator stands in the registration steps, read from the chain (what `operator register` still has to do). */
export type RegistrationState = {
  /** Registered as an EigenLayer operator (DelegationManager). */
  isOperator: boolean;
  /** Its allocation delay is set (AllocationManager); no allocation is possible before. */
  allocationDelaySet: boolean;
  /** The allocation delay in effect, blocks. */
  allocationDelay: number;
  /** Member of the AVS's operator set 0. */
  member: boolean;
  /** Quorum strategies whose allocation (current plus pending) differs from the wanted magnitude. */
  strategiesToAllocate: Address[];
  /** The block from which every allocation to the set is in effect (slashable); 0 when none is pending. */
  allocationEffectBlock: bigint;
  /** Registered in the stake registry. */
  registered: boolean;
};

/**
 * Reads {@link RegistrationState} of `operator` for the deployment's operator set 0 and `magnitude` (wad, 1e18 = all).
 */
export async function readRegistrationState(client: PublicClient, deployment: Deployment, operator: Address, magnitude: bigint): Promise<RegistrationState> {
  const allocationManager = { address: deployment.eigenlayer.allocationManager, abi: AllocationManagerAbi } as const;
  const operatorSet = { avs: deployment.stateProofs.serviceManager, id: 0 };
  const strategies = deployment.eigenlayer.strategies;
  const [isOperator, [allocationDelaySet, allocationDelay], member, registered, allocations] = await Promise.all([
    client.readContract({ address: deployment.eigenlayer.delegationManager, abi: DelegationManagerAbi, functionName: 'isOperator', args: [operator] }),
    client.readContract({ ...allocationManager, functionName: 'getAllocationDelay', args: [operator] }),
    client.readContract({ ...allocationManager, functionName: 'isMemberOfOperatorSet', args: [operator, operatorSet] }),
    client.readContract({ address: deployment.stateProofs.stakeRegistry, abi: ECDSAStakeRegistryAbi, functionName: 'operatorRegistered', args: [operator] }),
    Promise.all(strategies.map((strategy) => client.readContract({ ...allocationManager, functionName: 'getAllocation', args: [operator, operatorSet, strategy] }))),
  ]);
  const strategiesToAllocate = strategies.filter((_, i) => {
    const a = allocations[i]!;
    return BigInt(a.currentMagnitude) + (a.effectBlock !== 0 ? BigInt(a.pendingDiff) : 0n) !== magnitude;
  });
  const allocationEffectBlock = allocations.reduce((latest, a) => (a.pendingDiff > 0n && BigInt(a.effectBlock) > latest ? BigInt(a.effectBlock) : latest), 0n);
  return { isOperator, allocationDelaySet, allocationDelay, member, strategiesToAllocate, allocationEffectBlock, registered };
}

export type { Account };
