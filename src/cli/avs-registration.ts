/**
 * Joining an ECDSA-registry AVS from the CLI, for any service's {@link AvsRegistrationTarget}: register with EigenLayer
 * (if needed), join the operator set, allocate stake to it, and once the allocation is in effect register the signing
 * key in the AVS's stake registry with the operator's AVSDirectory signature. Each step is read from the chain first, so
 * a rerun does only what is left. `avs operator register` (state proofs) and `avs automation operator register` use it.
 */
import { type Address, type Hex, type LocalAccount, type PublicClient, type WalletClient, type Account, type Chain, type Transport, zeroAddress } from 'viem';
import { AVSDirectoryAbi, AllocationManagerAbi, DelegationManagerAbi, ECDSAStakeRegistryAbi } from '../core/chain/abis/generated/index.ts';
import {
  type AvsRegistrationTarget,
  type SignatureWithSaltAndExpiry,
  isRegisteredInAvsDirectory,
  missingAppointments,
  readRegistrationState,
  signAvsRegistration,
} from '../runtime/registration.ts';
import { CommandFailedError, UsageError } from './errors.ts';
import type { Progress } from './output.ts';
import { parseUint } from './options.ts';

/** All of an operator's magnitude in a strategy, wad (1e18 = 100 %). */
export const FULL_MAGNITUDE = 10n ** 18n;

/**
 * A magnitude option: a wad (`500000000000000000`) or a percentage (`50%`, `12.5%`); default all.
 * @throws {UsageError} naming `option` when it is malformed, zero or above all.
 */
export function parseMagnitude(option: string, text: string | undefined): bigint {
  if (text === undefined) return FULL_MAGNITUDE;
  let magnitude: bigint;
  const percent = /^\s*(\d{1,3})(?:\.(\d{1,16}))?\s*%\s*$/.exec(text);
  if (percent) {
    const fraction = (percent[2] ?? '').padEnd(16, '0');
    magnitude = BigInt(percent[1]!) * 10n ** 16n + BigInt(fraction);
  } else if (/%/.test(text)) {
    throw new UsageError(`${option} must be a wad (1e18 = all) or a percentage like 50%, got "${text}"`);
  } else {
    magnitude = parseUint(option, text);
  }
  if (magnitude === 0n || magnitude > FULL_MAGNITUDE) throw new UsageError(`${option} must be from 1 wad to ${FULL_MAGNITUDE} (1e18 = 100%), got "${text}"`);
  return magnitude;
}

/** What {@link joinAvs} needs. */
export type JoinAvsParams = {
  client: PublicClient;
  wallet: WalletClient<Transport, Chain, Account>;
  /** The sending key: the operator's own, or its admin's or appointee's. */
  account: LocalAccount;
  /** The operator joining (the account's own address unless acting for another). */
  operator: Address;
  target: AvsRegistrationTarget;
  /** Address of the key the stake registry records for the operator. */
  signingKey: Address;
  /** Wad allocated to the operator set per strategy. */
  magnitude: bigint;
  /** Metadata URI of a new EigenLayer operator. */
  metadataUri: string;
  /** The operator's AVSDirectory signature, when acting for another operator (who signed it apart). */
  registrationSignature?: SignatureWithSaltAndExpiry;
  /** The command to rerun, named in the pending result, e.g. `avs automation operator register`. */
  command: string;
  progress: Progress;
};

/** The outcome of {@link joinAvs}: registered (now or before), or waiting for the allocation to take effect. */
export type JoinAvsResult =
  | {
      operator: Address;
      sentBy: Address;
      signingKey: Address;
      status: 'registered' | 'already registered';
      weight: bigint;
      effectiveEpoch: number | undefined;
      avsDirectoryRegistered: boolean;
      operatorSetJoined: true;
      transactionHash: Hex | undefined;
      /** Every transaction sent, by step. */
      transactions: Record<string, Hex>;
    }
  | {
      operator: Address;
      signingKey: Address;
      status: 'allocation pending';
      slashableFromBlock: bigint;
      currentBlock: bigint;
      allocationDelayBlocks: number;
      next: string;
      transactions: Record<string, Hex>;
    };

/**
 * Runs the registration steps still to do (see the module comment).
 * @throws {CommandFailedError} when a step cannot succeed (no allocation delay, missing appointments, weight below the
 *         registry's minimum, a reverted transaction), before sending what would fail.
 */
export async function joinAvs(params: JoinAvsParams): Promise<JoinAvsResult> {
  const { client, wallet, account, operator, target, signingKey, magnitude, progress } = params;
  const actingForAnother = operator !== account.address;
  const transactions: Record<string, Hex> = {};
  const send = async (step: string, what: string, write: () => Promise<Hex>) => {
    progress.step(what);
    const hash = await write();
    transactions[step] = hash;
    const receipt = await expectSuccess(client, hash, step);
    progress.done();
    return receipt;
  };
  let plan = await readRegistrationState(client, target, operator, magnitude);
  if (!plan.isOperator) {
    if (actingForAnother) {
      throw new CommandFailedError(`${operator} is not an EigenLayer operator: only its own key can register it (DelegationManager.registerAsOperator); do that first, then rerun`);
    }
    await send('registerAsOperator', 'registering as an EigenLayer operator', () =>
      wallet.writeContract({ address: target.eigenlayer.delegationManager, abi: DelegationManagerAbi, functionName: 'registerAsOperator', args: [zeroAddress, 0, params.metadataUri] }),
    );
    plan = await readRegistrationState(client, target, operator, magnitude);
  } else if (!plan.allocationDelaySet) {
    throw new CommandFailedError(
      `operator ${operator} has no allocation delay set in the AllocationManager (${target.eigenlayer.allocationManager}): ` +
        'set one first with AllocationManager.setAllocationDelay(operator, blocks) (e.g. `eigenlayer operator allocations set-delay`), wait for it to apply, then rerun this command',
    );
  }
  if (actingForAnother) {
    const missing = await missingAppointments(client, target, operator, account.address, plan);
    if (missing.length !== 0) {
      throw new CommandFailedError(
        `${account.address} may not act for operator ${operator}: an admin of the operator must first call ` +
          missing.map((m) => `PermissionController.setAppointee(${operator}, ${account.address}, ${m.target}, ${m.selector}) for ${m.signature}`).join('; '),
      );
    }
  }
  const allocationManager = { address: target.eigenlayer.allocationManager, abi: AllocationManagerAbi } as const;
  const avs = target.serviceManager;
  const id = target.operatorSetId;
  if (!plan.member) {
    await send('registerForOperatorSets', `joining operator set ${id} of ${avs}`, () =>
      wallet.writeContract({ ...allocationManager, functionName: 'registerForOperatorSets', args: [operator, { avs, operatorSetIds: [id], data: '0x' }] }),
    );
  }
  if (plan.strategiesToAllocate.length !== 0) {
    await send('modifyAllocations', `allocating ${magnitude} (1e18 = all) of the operator's stake to operator set ${id}`, () =>
      wallet.writeContract({
        ...allocationManager,
        functionName: 'modifyAllocations',
        args: [operator, [{ operatorSet: { avs, id }, strategies: plan.strategiesToAllocate, newMagnitudes: plan.strategiesToAllocate.map(() => magnitude) }]],
      }),
    );
  }
  const registry = { address: target.stakeRegistry, abi: ECDSAStakeRegistryAbi } as const;
  const after = await readRegistrationState(client, target, operator, magnitude);
  const head = await client.getBlockNumber({ cacheTime: 0 });
  if (!after.registered && after.allocationEffectBlock > head) {
    // The allocation counts once its delay has passed: the registry would refuse the operator before.
    return {
      operator,
      signingKey,
      status: 'allocation pending',
      slashableFromBlock: after.allocationEffectBlock,
      currentBlock: head,
      allocationDelayBlocks: after.allocationDelay,
      next: `rerun \`${params.command}\` from that block on`,
      transactions,
    };
  }
  let transactionHash: Hex | undefined;
  let effectiveEpoch: number | undefined;
  if (!after.registered) {
    const [slashable, minimum] = await Promise.all([
      client.readContract({ ...registry, functionName: 'slashableWeight', args: [operator] }),
      client.readContract({ ...registry, functionName: 'minimumWeight' }),
    ]);
    if (slashable < minimum) {
      throw new CommandFailedError(
        `the stake the operator set can slash gives weight ${slashable}, below the registry's minimum weight ${minimum}: allocate more (--magnitude) or restake more, then rerun`,
      );
    }
    const receipt = await send('registerOperatorWithSignature', 'registering the signing key with the AVS', async () => {
      if (params.registrationSignature) {
        await checkSignatureUsable(client, target, operator, params.registrationSignature);
        return wallet.writeContract({ ...registry, functionName: 'registerOperatorWithSignature', args: [operator, params.registrationSignature, signingKey] });
      }
      const signature = await signAvsRegistration({ client, avs: target, operator: account });
      return wallet.writeContract({ ...registry, functionName: 'registerOperatorWithSignature', args: [signature, signingKey] });
    });
    transactionHash = receipt.transactionHash;
    effectiveEpoch = await client.readContract({ ...registry, functionName: 'effectiveEpoch', blockNumber: receipt.blockNumber });
  }
  const [weight, inDirectory, registeredKey] = await Promise.all([
    client.readContract({ ...registry, functionName: 'getLatestOperatorWeight', args: [operator] }),
    isRegisteredInAvsDirectory(client, target, operator),
    client.readContract({ ...registry, functionName: 'getLatestOperatorSigningKey', args: [operator] }),
  ]);
  return {
    operator,
    sentBy: account.address,
    signingKey: registeredKey,
    status: transactionHash ? 'registered' : 'already registered',
    weight,
    effectiveEpoch,
    avsDirectoryRegistered: inDirectory,
    operatorSetJoined: true,
    transactionHash,
    transactions,
  };
}

/**
 * Leaves the AVS: deregisters from the stake registry (effective at the next epoch boundary), then leaves the operator
 * set. The stake stays slashable for the AllocationManager's DEALLOCATION_DELAY blocks.
 * @throws {CommandFailedError} when a transaction reverts.
 */
export async function leaveAvs(params: {
  client: PublicClient;
  wallet: WalletClient<Transport, Chain, Account>;
  account: LocalAccount;
  operator: Address;
  target: AvsRegistrationTarget;
}): Promise<{ operator: Address; effectiveEpoch: number; operatorSetLeft: boolean; transactionHash: Hex; operatorSetTransactionHash: Hex | undefined }> {
  const { client, wallet, account, operator, target } = params;
  const registry = { address: target.stakeRegistry, abi: ECDSAStakeRegistryAbi } as const;
  const hash =
    operator === account.address
      ? await wallet.writeContract({ ...registry, functionName: 'deregisterOperator', args: [] })
      : await wallet.writeContract({ ...registry, functionName: 'deregisterOperator', args: [operator] });
  const receipt = await expectSuccess(client, hash, 'deregisterOperator');
  const effectiveEpoch = await client.readContract({ ...registry, functionName: 'effectiveEpoch', blockNumber: receipt.blockNumber });
  const allocationManager = { address: target.eigenlayer.allocationManager, abi: AllocationManagerAbi } as const;
  const operatorSet = { avs: target.serviceManager, id: target.operatorSetId };
  const member = await client.readContract({ ...allocationManager, functionName: 'isMemberOfOperatorSet', args: [operator, operatorSet] });
  let operatorSetTransactionHash: Hex | undefined;
  if (member) {
    operatorSetTransactionHash = await wallet.writeContract({
      ...allocationManager,
      functionName: 'deregisterFromOperatorSets',
      args: [{ operator, avs: target.serviceManager, operatorSetIds: [target.operatorSetId] }],
    });
    await expectSuccess(client, operatorSetTransactionHash, 'deregisterFromOperatorSets');
  }
  return { operator, effectiveEpoch, operatorSetLeft: member, transactionHash: hash, operatorSetTransactionHash };
}

/** Refuses a signature the AVSDirectory would refuse for its expiry or its spent salt, before sending it. */
export async function checkSignatureUsable(client: PublicClient, target: AvsRegistrationTarget, operator: Address, signature: SignatureWithSaltAndExpiry): Promise<void> {
  const [block, spent] = await Promise.all([
    client.getBlock(),
    client.readContract({ address: target.eigenlayer.avsDirectory, abi: AVSDirectoryAbi, functionName: 'operatorSaltIsSpent', args: [operator, signature.salt] }),
  ]);
  if (signature.expiry < block.timestamp) {
    throw new CommandFailedError(`the operator's registration signature expired at ${signature.expiry} (chain time ${block.timestamp}): have the operator sign again`);
  }
  if (spent) throw new CommandFailedError(`the operator's registration signature was already used (salt ${signature.salt}): have the operator sign again`);
}

/**
 * Waits for `hash` and fails naming `what` when it reverted.
 * @throws {CommandFailedError} for a reverted transaction.
 */
export async function expectSuccess(client: PublicClient, hash: Hex, what: string) {
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new CommandFailedError(`${what} transaction ${hash} reverted`);
  return receipt;
}
