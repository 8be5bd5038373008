/**
 * Registering an EigenLayer operator (already registered with the DelegationManager, with delegated stake) with the
 * multi-prover AVS, in the order the contracts need (docs/multi-prover.md, "Deployment"):
 *
 * 1. `MultiProverRegistry.registerBLSKey` with the key's proof of possession (bound to the operator, chain and registry);
 * 2. `AllocationManager.registerForOperatorSets` for the quorums' operator sets (quorum q is the ServiceManager's set q);
 * 3. `AllocationManager.modifyAllocations`: `magnitude` of every strategy of each quorum, to that quorum's set;
 * 4. the allocation delay: the registry weighs only stake the set can slash, so a pending allocation must take effect
 *    first (a devnet mines the blocks; elsewhere {@link AllocationPendingError} says from which block to re-run);
 * 5. `MultiProverRegistry.registerOperator(quorums, signature)` with the operator's AVSDirectory signature.
 *
 * Every step reads the chain first and is skipped when already done, so a registration that failed half way is finished
 * by running it again, and running it once more sends nothing.
 */
import { type Address, type Hex, type LocalAccount, type PublicClient, hexToBytes, isAddressEqual, toHex, zeroAddress, zeroHash } from 'viem';
import { AllocationManagerAbi, DelegationManagerAbi, MultiProverRegistryAbi } from '../../core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../../core/chain/clients.ts';
import { TxQueue, type TxQueueOptions } from '../../core/chain/transactions.ts';
import { type BlsKeyPair, operatorIdOf } from '../../core/crypto/bls.ts';
import { g2ToSolidity, proofOfPossession } from '../../core/crypto/bls-signing.ts';
import { signAvsRegistration } from '../../runtime/registration.ts';
import type { MultiProverDeployment } from './deployment.ts';

/** Any failure of {@link registerMultiProverOperator} that is not a reverted transaction. */
export class MultiProverRegistrationError extends Error {
  override name = 'MultiProverRegistrationError';
}
/** The account is not an EigenLayer operator (DelegationManager.registerAsOperator first). */
export class NotAnOperatorError extends MultiProverRegistrationError {
  override name = 'NotAnOperatorError';
}
/** The operator was slashed and frozen by the registry: it can never register again. */
export class OperatorFrozenError extends MultiProverRegistrationError {
  override name = 'OperatorFrozenError';
}
/** A quorum asked for does not exist in the registry. */
export class UnknownQuorumError extends MultiProverRegistrationError {
  override name = 'UnknownQuorumError';
}
/** The operator already has another BLS key in the registry (keys cannot be replaced), or the key is another's. */
export class BlsKeyConflictError extends MultiProverRegistrationError {
  override name = 'BlsKeyConflictError';
}
/** The operator's allocation delay is not set yet (AllocationManager.setAllocationDelay, then wait for it). */
export class AllocationDelayNotSetError extends MultiProverRegistrationError {
  override name = 'AllocationDelayNotSetError';
}
/** Not enough unallocated magnitude in a strategy for the allocations asked for. */
export class InsufficientMagnitudeError extends MultiProverRegistrationError {
  override name = 'InsufficientMagnitudeError';
}
/** The allocations take effect at a later block: run the registration again from `effectBlock` on. */
export class AllocationPendingError extends MultiProverRegistrationError {
  override name = 'AllocationPendingError';
  constructor(
    message: string,
    /** The block from which every allocation is in effect. */
    readonly effectBlock: bigint,
  ) {
    super(message);
  }
}
/** The stake the quorum's set can slash is worth less than the quorum's minimum weight. */
export class InsufficientWeightError extends MultiProverRegistrationError {
  override name = 'InsufficientWeightError';
}

/** A registration step and whether it was sent or found done already. */
export type RegistrationStep = { step: 'blsKey' | 'operatorSets' | 'allocations' | 'allocationDelay' | 'registerOperator'; outcome: 'sent' | 'skipped' };

/** Options of {@link registerMultiProverOperator}. */
export type RegisterMultiProverOperatorOptions = {
  /** Client of the main chain (with its RPC URL: made by makePublicClient). */
  client: PublicClient;
  /** The deployment: its EigenLayer core and `services.multi-prover`. */
  deployment: Pick<MultiProverDeployment, 'eigenlayer' | 'multiProver'>;
  /** The operator's key: sends every transaction and signs the AVSDirectory registration. */
  operator: LocalAccount;
  /** The operator's BN254 key pair (registered once, for good). */
  blsKey: BlsKeyPair;
  /** Quorums to join (each the ServiceManager's operator set of that number). */
  quorums: readonly number[];
  /** Magnitude to allocate to each quorum's set in each of its strategies, wad (1e18 = all of the operator's). */
  magnitude: bigint;
  /** Devnets: mine the blocks of a pending allocation delay (anvil_mine) instead of failing with AllocationPendingError. */
  mineAllocationDelay?: boolean;
  /** How transactions go out: `pipelined` on devnets (default), `confirmed` on public networks. */
  send?: TxQueueOptions;
  /** Progress lines. */
  onProgress?: (message: string) => void;
};

/** What {@link registerMultiProverOperator} did. */
export type MultiProverRegistration = {
  operator: Address;
  /** keccak256 of the G1 key (the registry's key hash, the EigenLayer operator id). */
  operatorId: Hex;
  steps: RegistrationStep[];
  /** The operator's latest weight in each quorum asked for (weight units), after registration. */
  weights: Record<number, bigint>;
  /** Whether any transaction was sent (false: it was registered already). */
  changed: boolean;
};

type Allocation = { currentMagnitude: bigint; pendingDiff: bigint; effectBlock: number };

/**
 * Registers `operator` in `quorums` (see the module comment), skipping every step already done.
 * @throws {NotAnOperatorError}, {OperatorFrozenError}, {UnknownQuorumError}, {BlsKeyConflictError},
 *   {AllocationDelayNotSetError}, {InsufficientMagnitudeError}, {AllocationPendingError} or {InsufficientWeightError}
 *   before sending the step they concern; {SetupTransactionError} naming a step that reverted.
 */
export async function registerMultiProverOperator(options: RegisterMultiProverOperatorOptions): Promise<MultiProverRegistration> {
  const { client, deployment, operator, blsKey } = options;
  const address = operator.address;
  const progress = options.onProgress ?? (() => {});
  const chain = client.chain;
  const rpcUrl = chain?.rpcUrls.default.http[0];
  if (!chain || !rpcUrl) throw new MultiProverRegistrationError('the client has no chain RPC URL (make it with makePublicClient)');
  const quorums = [...new Set(options.quorums)].sort((a, b) => a - b);
  if (quorums.length === 0) throw new UnknownQuorumError('no quorum to register in');
  const registry = { address: deployment.multiProver.registry, abi: MultiProverRegistryAbi } as const;
  const allocationManager = { address: deployment.eigenlayer.allocationManager, abi: AllocationManagerAbi } as const;
  const avs = deployment.multiProver.serviceManager;
  const setOf = (q: number) => ({ avs, id: q });
  const queue = new TxQueue(makeWalletClient(chain.id, rpcUrl, operator), client, options.send);
  const steps: RegistrationStep[] = [];
  const tag = `operator ${address}`;

  const [isOperator, frozen, existing, keyHashOwner, quorumBytes, bitmap] = await Promise.all([
    client.readContract({ address: deployment.eigenlayer.delegationManager, abi: DelegationManagerAbi, functionName: 'isOperator', args: [address] }),
    client.readContract({ ...registry, functionName: 'isFrozen', args: [address] }),
    client.readContract({ ...registry, functionName: 'operatorKeyHash', args: [address] }),
    client.readContract({ ...registry, functionName: 'keyHashOperator', args: [blsKey.operatorId] }),
    client.readContract({ ...registry, functionName: 'quorumNumbers' }),
    client.readContract({ ...registry, functionName: 'getOperatorQuorumBitmap', args: [address] }),
  ]);
  if (!isOperator) throw new NotAnOperatorError(`${address} is not an EigenLayer operator: register it with the DelegationManager first`);
  if (frozen) throw new OperatorFrozenError(`${address} was slashed and frozen by the multi-prover registry; it cannot register again`);
  const known = new Set(Array.from(hexToBytes(quorumBytes)));
  const unknown = quorums.filter((q) => !known.has(q));
  if (unknown.length > 0) throw new UnknownQuorumError(`quorum${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} ${unknown.length > 1 ? 'do' : 'does'} not exist in the registry (it has ${[...known].join(', ') || 'none'})`);
  const inQuorum = (q: number) => (bitmap & (1n << BigInt(q))) !== 0n;
  const toRegister = quorums.filter((q) => !inQuorum(q));

  // 1. The BLS key.
  if (existing === zeroHash) {
    if (!isAddressEqual(keyHashOwner, zeroAddress)) {
      throw new BlsKeyConflictError(`the BLS key ${blsKey.operatorId} is already registered by ${keyHashOwner}`);
    }
    progress(`${tag}: registering its BLS key ${blsKey.operatorId}`);
    const proof = proofOfPossession(blsKey, address, BigInt(chain.id), registry.address);
    await queue.write(`${tag}: registerBLSKey`, registry.address, MultiProverRegistryAbi, 'registerBLSKey', [
      { X: blsKey.publicKeyG1.x, Y: blsKey.publicKeyG1.y },
      g2ToSolidity(blsKey.publicKeyG2),
      { X: proof.x, Y: proof.y },
    ]);
    steps.push({ step: 'blsKey', outcome: 'sent' });
  } else if (existing.toLowerCase() !== blsKey.operatorId.toLowerCase()) {
    throw new BlsKeyConflictError(`${address} already registered another BLS key (${existing}); a key cannot be replaced`);
  } else {
    steps.push({ step: 'blsKey', outcome: 'skipped' });
  }

  // 2. The operator sets.
  const [members, configs] = await Promise.all([
    Promise.all(quorums.map((q) => client.readContract({ ...allocationManager, functionName: 'isMemberOfOperatorSet', args: [address, setOf(q)] }))),
    Promise.all(quorums.map((q) => client.readContract({ ...registry, functionName: 'getQuorumConfig', args: [q] }))),
  ]);
  const toJoin = quorums.filter((_, i) => !members[i]);
  if (toJoin.length > 0) {
    progress(`${tag}: joining operator set${toJoin.length > 1 ? 's' : ''} ${toJoin.join(', ')}`);
    await queue.write(`${tag}: registerForOperatorSets`, allocationManager.address, AllocationManagerAbi, 'registerForOperatorSets', [
      address,
      { avs, operatorSetIds: toJoin, data: '0x' },
    ]);
  }
  steps.push({ step: 'operatorSets', outcome: toJoin.length > 0 ? 'sent' : 'skipped' });

  // 3. The allocations: each quorum's strategies, to the wanted magnitude (current plus pending).
  const [delaySet] = await client.readContract({ ...allocationManager, functionName: 'getAllocationDelay', args: [address] });
  const pairs = quorums.flatMap((q, i) => configs[i].strategies.map((s) => ({ quorum: q, strategy: s.strategy })));
  const allocations = (await Promise.all(
    pairs.map((p) => client.readContract({ ...allocationManager, functionName: 'getAllocation', args: [address, setOf(p.quorum), p.strategy] })),
  )) as Allocation[];
  const target = (a: Allocation) => BigInt(a.currentMagnitude) + (a.effectBlock !== 0 ? BigInt(a.pendingDiff) : 0n);
  const changes = pairs.map((p, i) => ({ ...p, from: target(allocations[i]) })).filter((c) => c.from !== options.magnitude);
  if (changes.length > 0) {
    if (!delaySet) throw new AllocationDelayNotSetError(`${address} has no allocation delay yet: set it (AllocationManager.setAllocationDelay) and wait for it to apply`);
    const increases = new Map<Address, bigint>();
    for (const c of changes) if (options.magnitude > c.from) increases.set(c.strategy, (increases.get(c.strategy) ?? 0n) + options.magnitude - c.from);
    for (const [strategy, increase] of increases) {
      const free = await client.readContract({ ...allocationManager, functionName: 'getAllocatableMagnitude', args: [address, strategy] });
      if (BigInt(free) < increase) {
        throw new InsufficientMagnitudeError(
          `${address} can allocate ${free} more magnitude of strategy ${strategy} but needs ${increase} (${options.magnitude} to each of its sets here); lower the magnitude or deallocate elsewhere`,
        );
      }
    }
    progress(`${tag}: allocating ${options.magnitude} magnitude to operator set${quorums.length > 1 ? 's' : ''} ${quorums.join(', ')}`);
    await queue.write(
      `${tag}: modifyAllocations`,
      allocationManager.address,
      AllocationManagerAbi,
      'modifyAllocations',
      [
        address,
        quorums
          .map((q) => ({ q, strategies: changes.filter((c) => c.quorum === q).map((c) => c.strategy) }))
          .filter((x) => x.strategies.length > 0)
          .map((x) => ({ operatorSet: setOf(x.q), strategies: x.strategies, newMagnitudes: x.strategies.map(() => options.magnitude) })),
      ],
    );
  }
  steps.push({ step: 'allocations', outcome: changes.length > 0 ? 'sent' : 'skipped' });
  await queue.settle();

  // 4. Pending allocations must take effect before the registry counts them.
  const effectBlock = await pendingEffectBlock(client, allocationManager, address, pairs.map((p) => ({ set: setOf(p.quorum), strategy: p.strategy })));
  const head = await client.getBlockNumber();
  if (toRegister.length > 0 && effectBlock > head) {
    if (!options.mineAllocationDelay) {
      throw new AllocationPendingError(`${address}'s allocations take effect at block ${effectBlock} (now ${head}): run the registration again from then on`, effectBlock);
    }
    progress(`${tag}: mining ${effectBlock - head} blocks of allocation delay`);
    await client.request({ method: 'anvil_mine', params: [toHex(effectBlock - head)] } as never);
    steps.push({ step: 'allocationDelay', outcome: 'sent' });
  } else {
    steps.push({ step: 'allocationDelay', outcome: 'skipped' });
  }

  // 5. The registry (and, the first time, the AVSDirectory through the ServiceManager).
  if (toRegister.length > 0) {
    const weights = await Promise.all(toRegister.map((q) => client.readContract({ ...registry, functionName: 'computeOperatorWeight', args: [q, address] })));
    const short = toRegister.findIndex((_, i) => weights[i] === 0n);
    if (short >= 0) {
      const q = toRegister[short];
      const [raw, config] = await Promise.all([
        client.readContract({ ...registry, functionName: 'slashableWeight', args: [q, address] }),
        client.readContract({ ...registry, functionName: 'getQuorumConfig', args: [q] }),
      ]);
      throw new InsufficientWeightError(`${address}'s slashable stake in quorum ${q} weighs ${raw}, below the quorum's minimum ${config.minimumWeight}: restake or allocate more`);
    }
    const signature = await signAvsRegistration({
      client,
      avs: { eigenlayer: deployment.eigenlayer, serviceManager: avs },
      operator,
    });
    progress(`${tag}: registering in quorum${toRegister.length > 1 ? 's' : ''} ${toRegister.join(', ')}`);
    await queue.write(`${tag}: registerOperator`, registry.address, MultiProverRegistryAbi, 'registerOperator', [toRegister, signature]);
    await queue.settle();
  }
  steps.push({ step: 'registerOperator', outcome: toRegister.length > 0 ? 'sent' : 'skipped' });

  const latest = await Promise.all(quorums.map((q) => client.readContract({ ...registry, functionName: 'getLatestOperatorWeight', args: [q, address] })));
  return {
    operator: address,
    operatorId: operatorIdOf(blsKey.publicKeyG1),
    steps,
    weights: Object.fromEntries(quorums.map((q, i) => [q, latest[i]])),
    changed: steps.some((s) => s.outcome === 'sent'),
  };
}

/** The latest block at which a pending allocation increase of `operator` in these (set, strategy) pairs takes effect; 0 when none. */
async function pendingEffectBlock(
  client: PublicClient,
  allocationManager: { address: Address; abi: typeof AllocationManagerAbi },
  operator: Address,
  pairs: readonly { set: { avs: Address; id: number }; strategy: Address }[],
): Promise<bigint> {
  const allocations = (await Promise.all(
    pairs.map((p) => client.readContract({ ...allocationManager, functionName: 'getAllocation', args: [operator, p.set, p.strategy] })),
  )) as Allocation[];
  return allocations.reduce((latest, a) => (a.pendingDiff > 0n && BigInt(a.effectBlock) > latest ? BigInt(a.effectBlock) : latest), 0n);
}
