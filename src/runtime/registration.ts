/**
 * Registering an operator with EigenLayer and with the state-proofs AVS (docs/architecture.md, "Registration"):
 * `DelegationManager.registerAsOperator`, `AllocationManager.registerForOperatorSets` and `modifyAllocations` (the
 * registry weighs only stake the AVS's operator set can slash), then `ECDSAStakeRegistry.registerOperatorWithSignature` with the operator's
 * EIP-712 signature over `AVSDirectory.calculateOperatorAVSRegistrationDigestHash(operator, serviceManager, salt, expiry)`,
 * which the registry forwards through the ServiceManager to `AVSDirectory.registerOperatorToAVS`.
 *
 * Works for any AVS on any network, given its {@link AvsRegistrationTarget}; the devnet seeding uses it for every operator.
 *
 * Every step but `registerAsOperator` may be sent by another address for the operator, as EigenLayer's
 * PermissionController allows: an admin of the operator, or an appointee for that contract and function
 * ({@link missingAppointments}). The AVSDirectory signature is always the operator's own (ERC-1271 for a contract
 * operator); an operator that acts through an appointee signs it apart ({@link RegistrationSignatureFile}).
 */
import { type Account, type Address, type Hex, type LocalAccount, type PublicClient, keccak256, toFunctionSelector, toFunctionSignature, toHex } from 'viem';
import { z } from 'zod';
import { AVSDirectoryAbi, AllocationManagerAbi, DelegationManagerAbi, ECDSAStakeRegistryAbi, PermissionControllerAbi } from '../core/chain/abis/generated/index.ts';
import type { Deployment } from '../core/chain/deployment.ts';

/**
 * The contracts an operator registers with: the EigenLayer core of the deployment, the AVS's ServiceManager (its
 * address in EigenLayer), its stake registry (an ECDSAStakeRegistry) and the operator set whose slashable stake is the
 * weight. A service builds it from its section of the deployment file.
 */
export type AvsRegistrationTarget = {
  eigenlayer: Deployment['eigenlayer'];
  serviceManager: Address;
  stakeRegistry: Address;
  operatorSetId: number;
};
import { addressSchema } from '../core/chain/schemas.ts';

/** The operator's AVS-registration signature, as `registerOperatorWithSignature` takes it. */
export type SignatureWithSaltAndExpiry = { signature: Hex; salt: Hex; expiry: bigint };

/** Default lifetime of a registration signature: one hour of chain time. */
export const REGISTRATION_SIGNATURE_TTL = 3600n;

/**
 * Signs the AVSDirectory registration digest for `operator` and the AVS's ServiceManager. The digest is read
 * from the AVSDirectory itself, so it matches whatever domain the deployed contract uses.
 * @param salt Single-use salt; default a fresh random one.
 * @param expiry Unix seconds; default the chain's time plus {@link REGISTRATION_SIGNATURE_TTL}.
 */
export async function signAvsRegistration(params: {
  client: PublicClient;
  /** The AVS's address in EigenLayer (`serviceManager`) and the AVSDirectory; any AVS that registers through it. */
  avs: { eigenlayer: Pick<Deployment['eigenlayer'], 'avsDirectory'>; serviceManager: Address };
  operator: LocalAccount;
  salt?: Hex;
  expiry?: bigint;
}): Promise<SignatureWithSaltAndExpiry> {
  const { client, avs, operator } = params;
  const salt = params.salt ?? randomSalt();
  const expiry = params.expiry ?? (await client.getBlock()).timestamp + REGISTRATION_SIGNATURE_TTL;
  const digest = await client.readContract({
    address: avs.eigenlayer.avsDirectory,
    abi: AVSDirectoryAbi,
    functionName: 'calculateOperatorAVSRegistrationDigestHash',
    args: [operator.address, avs.serviceManager, salt, expiry],
  });
  // Raw ECDSA over the EIP-712 digest (no EIP-191 prefix): 65 bytes r‖s‖v with v ∈ {27, 28}.
  const signature = await operator.sign!({ hash: digest });
  return { signature, salt, expiry };
}

/**
 * The operator's AVSDirectory signature as a file, written by `avs operator sign-registration` with the operator's key
 * and read by `avs operator register --operator` run by an appointee. JSON; `expiry` in unix seconds as a decimal string.
 */
export const registrationSignatureFileSchema = z.strictObject({
  operator: addressSchema,
  avs: addressSchema,
  signature: z.string().regex(/^0x([0-9a-fA-F]{2})+$/, 'must be 0x-prefixed hex bytes').transform((v) => v as Hex),
  salt: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be 32 bytes of 0x-prefixed hex').transform((v) => v as Hex),
  expiry: z.string().regex(/^\d+$/, 'must be unix seconds as a decimal string').transform(BigInt),
});

/** A parsed {@link registrationSignatureFileSchema}. */
export type RegistrationSignatureFile = z.infer<typeof registrationSignatureFileSchema>;

/** The JSON text of a {@link RegistrationSignatureFile}. */
export function formatRegistrationSignatureFile(operator: Address, avs: Address, signature: SignatureWithSaltAndExpiry): string {
  return `${JSON.stringify({ operator, avs, signature: signature.signature, salt: signature.salt, expiry: signature.expiry.toString() }, null, 2)}\n`;
}

/** A core or AVS function someone sends for an operator, which the PermissionController must let them call. */
export type Appointment = {
  /** The contract called. */
  target: Address;
  /** The function's 4-byte selector (what `PermissionController.setAppointee` takes). */
  selector: Hex;
  /** The function's signature, e.g. `modifyAllocations(address,((address,uint32),address[],uint64[])[])`. */
  signature: string;
};

/** Signature and selector of the `name` function of `abi` with `inputs` parameters (overloads differ in count). */
function functionOf(abi: readonly { type: string; name?: string; inputs?: readonly unknown[] }[], name: string, inputs: number) {
  const item = abi.find((i) => i.type === 'function' && i.name === name && i.inputs?.length === inputs);
  if (!item) throw new Error(`no ${name} with ${inputs} parameters in the ABI`);
  const signature = toFunctionSignature(item as Parameters<typeof toFunctionSignature>[0]);
  return { signature, selector: toFunctionSelector(signature) };
}

/**
 * The registration steps still to do whose sending `caller` needs an appointment for, as the PermissionController
 * answers for `operator`: empty when `caller` may send them all (it is the operator without admins, an admin, or
 * appointed for each). The PermissionController is the AllocationManager's (`permissionController()`).
 */
export async function missingAppointments(
  client: PublicClient,
  avs: AvsRegistrationTarget,
  operator: Address,
  caller: Address,
  state: RegistrationState,
): Promise<Appointment[]> {
  const allocationManager = avs.eigenlayer.allocationManager;
  const needed: Appointment[] = [];
  if (!state.member) needed.push({ target: allocationManager, ...functionOf(AllocationManagerAbi, 'registerForOperatorSets', 2) });
  if (state.strategiesToAllocate.length !== 0) needed.push({ target: allocationManager, ...functionOf(AllocationManagerAbi, 'modifyAllocations', 2) });
  if (!state.registered) needed.push({ target: avs.stakeRegistry, ...functionOf(ECDSAStakeRegistryAbi, 'registerOperatorWithSignature', 3) });
  if (needed.length === 0) return [];
  const permissionController = await client.readContract({ address: allocationManager, abi: AllocationManagerAbi, functionName: 'permissionController' });
  const allowed = await Promise.all(
    needed.map((a) =>
      client.readContract({ address: permissionController, abi: PermissionControllerAbi, functionName: 'canCall', args: [operator, caller, a.target, a.selector] }),
    ),
  );
  return needed.filter((_, i) => !allowed[i]);
}

/** A fresh random 32-byte salt. */
export function randomSalt(): Hex {
  return keccak256(toHex(crypto.getRandomValues(new Uint8Array(32))));
}

/** Calldata pieces of `registerOperatorWithSignature` (for callers that batch transactions themselves). */
export function registerOperatorCall(avs: AvsRegistrationTarget, signature: SignatureWithSaltAndExpiry, signingKey: Address) {
  return {
    address: avs.stakeRegistry,
    abi: ECDSAStakeRegistryAbi,
    functionName: 'registerOperatorWithSignature',
    args: [signature, signingKey],
  } as const;
}

/** Registration status of `operator` with the AVS in the AVSDirectory: true when REGISTERED. */
export async function isRegisteredInAvsDirectory(client: PublicClient, avs: AvsRegistrationTarget, operator: Address): Promise<boolean> {
  const status = await client.readContract({
    address: avs.eigenlayer.avsDirectory,
    abi: AVSDirectoryAbi,
    functionName: 'avsOperatorStatus',
    args: [avs.serviceManager, operator],
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
  /** Member of the AVS's operator set. */
  member: boolean;
  /** Quorum strategies whose allocation (current plus pending) differs from the wanted magnitude. */
  strategiesToAllocate: Address[];
  /** The block from which every allocation to the set is in effect (slashable); 0 when none is pending. */
  allocationEffectBlock: bigint;
  /** Registered in the stake registry. */
  registered: boolean;
};

/**
 * Reads {@link RegistrationState} of `operator` for the AVS's operator set and `magnitude` (wad, 1e18 = all).
 */
export async function readRegistrationState(client: PublicClient, avs: AvsRegistrationTarget, operator: Address, magnitude: bigint): Promise<RegistrationState> {
  const allocationManager = { address: avs.eigenlayer.allocationManager, abi: AllocationManagerAbi } as const;
  const operatorSet = { avs: avs.serviceManager, id: avs.operatorSetId };
  const strategies = avs.eigenlayer.strategies;
  const [isOperator, [allocationDelaySet, allocationDelay], member, registered, allocations] = await Promise.all([
    client.readContract({ address: avs.eigenlayer.delegationManager, abi: DelegationManagerAbi, functionName: 'isOperator', args: [operator] }),
    client.readContract({ ...allocationManager, functionName: 'getAllocationDelay', args: [operator] }),
    client.readContract({ ...allocationManager, functionName: 'isMemberOfOperatorSet', args: [operator, operatorSet] }),
    client.readContract({ address: avs.stakeRegistry, abi: ECDSAStakeRegistryAbi, functionName: 'operatorRegistered', args: [operator] }),
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
