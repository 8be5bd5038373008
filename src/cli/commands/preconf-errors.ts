/**
 * The registry's reverts as what to do: a write that the chain refuses at estimation fails with one line naming the
 * UniFiAVSManager error in words, with the block to come back at when the refusal is a delay (read from the registry
 * when the error carries no block). Errors of EigenLayer's core (the AVSDirectory under registerOperator) keep the
 * CLI's usual decoding, with its hints.
 */
import { type Address, type Hex, type PublicClient, type TransactionReceipt, getAddress, zeroAddress } from 'viem';
import { IDelegationManagerAbi, IEigenPodAbi, IEigenPodManagerAbi } from '../../core/chain/abis/generated/index.ts';
import { decodeRevertData, describeFailedTransaction, revertDataOf } from '../../core/chain/revertReason.ts';
import { CommandFailedError } from '../errors.ts';
import type { PreconfReader } from '../preconf-context.ts';

/** EigenPod validator statuses, by their enum value. */
export const VALIDATOR_STATUS = ['INACTIVE', 'ACTIVE', 'WITHDRAWN'] as const;

/** What an explanation may read and name: the registry, the sending operator, and the command's own arguments. */
export type ExplainContext = {
  reader: Pick<PreconfReader, 'client' | 'registry' | 'deployment'>;
  /** The sender (the operator, for every operator command). */
  operator: Address;
  /** registerValidators: the pod owner. */
  podOwner?: Address;
  /** How the user wrote each validator, by pubkey hash (so messages name it as given). */
  labels?: ReadonlyMap<Hex, string>;
};

/**
 * Sends a registry write and waits for it.
 * @param what The function's name, heading the error line.
 * @throws {CommandFailedError} explaining a UniFiAVSManager revert (see the module comment), or naming the decoded reason
 *         of a transaction that estimated well and reverted when mined; other errors (an unreachable RPC, a core
 *         revert) unchanged, for the CLI's one-line description.
 */
export async function sendRegistryWrite(ctx: ExplainContext, what: string, write: () => Promise<Hex>): Promise<TransactionReceipt> {
  const client = ctx.reader.client;
  let hash: Hex;
  try {
    hash = await write();
  } catch (error) {
    throw await explained(ctx, what, error);
  }
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') {
    // It estimated well, so an earlier transaction of the same block changed what it depended on.
    throw new CommandFailedError(`${what} transaction ${hash} reverted: ${await describeFailedTransaction(client, hash)}`);
  }
  return receipt;
}

/** `error` as a CommandFailedError when it is a UniFiAVSManager revert this module explains, else unchanged. */
async function explained(ctx: ExplainContext, what: string, error: unknown): Promise<unknown> {
  const data = revertDataOf(error);
  const decoded = data ? decodeRevertData(data) : undefined;
  if (!decoded || decoded.core) return error;
  const text = await explainRegistryError(ctx, decoded.errorName, decoded.args);
  return text === undefined ? error : new CommandFailedError(`${what}: ${text}`);
}

/**
 * The UniFiAVSManager error `name(args)` in words, with what to do; reads the registry (and for validators, their pod
 * and its owner's delegation) at the latest block for the details the error does not carry.
 * @returns undefined for an error that is not the registry's.
 */
export async function explainRegistryError(ctx: ExplainContext, name: string, args: readonly unknown[]): Promise<string | undefined> {
  const { client, registry, deployment } = ctx.reader;
  const operator = ctx.operator;
  const hash = typeof args[0] === 'string' ? (args[0] as Hex) : undefined;
  const label = hash ? `validator ${ctx.labels?.get(hash) ?? hash}` : 'the validator';
  const head = () => client.getBlockNumber({ cacheTime: 0 });
  const operatorData = () => client.readContract({ ...registry, functionName: 'getOperator', args: [operator] });
  const delay = () => client.readContract({ ...registry, functionName: 'getDeregistrationDelay' });
  switch (name) {
    case 'OperatorAlreadyRegistered':
      return `${operator} is already registered with the preconf registry; change its commitment with \`avs preconf operator commitment set\``;
    case 'OperatorNotRegistered':
      return `${operator} is not registered with the preconf registry: run \`avs preconf operator register\` first`;
    case 'NotOperator':
      return `${operator} is not an EigenLayer operator: register it with the DelegationManager (registerAsOperator) first`;
    case 'NoEigenPod':
      return `pod owner ${ctx.podOwner ?? '(unknown)'} has no EigenPod: it creates one (EigenPodManager.createPod) and restakes its validators in it first`;
    case 'NotDelegatedToOperator': {
      const podOwner = ctx.podOwner;
      if (!podOwner) return `the pod owner is not delegated to ${operator}`;
      const to = await client.readContract({ address: deployment.eigenlayer.delegationManager, abi: IDelegationManagerAbi, functionName: 'delegatedTo', args: [podOwner] });
      const now = to === zeroAddress ? 'is delegated to no operator' : `is delegated to ${getAddress(to)}`;
      return `pod owner ${podOwner} ${now}, not to ${operator}: it must delegate to you (DelegationManager.delegateTo) before you register its validators`;
    }
    case 'ValidatorNotActive': {
      const status = await podStatus(client, deployment.preconf.eigenPodManager, ctx.podOwner, hash);
      return `${label} is ${status ? `${status}, not ACTIVE,` : 'not ACTIVE'} in ${ctx.podOwner ?? 'the pod owner'}'s EigenPod: only validators whose withdrawal credentials the pod has verified (and that have not exited) can be registered`;
    }
    case 'ValidatorAlreadyRegistered': {
      if (!hash) return `${label} is already registered`;
      const v = await client.readContract({ ...registry, functionName: 'getValidator', args: [hash] });
      if (v.registeredUntil === MAX_UINT64) return `${label} is already registered, with operator ${getAddress(v.operator)}`;
      return `${label} was deregistered from operator ${getAddress(v.operator)} and stays liable until block ${v.registeredUntil} (now ${await head()}): register it again from that block`;
    }
    case 'ValidatorNotFound': {
      if (!hash) return `${label} is not registered`;
      const v = await client.readContract({ ...registry, functionName: 'getValidator', args: [hash] });
      if (v.operator === zeroAddress) return `${label} is not registered with the preconf registry`;
      return `${label} is already deregistered (from operator ${getAddress(v.operator)}; liable until block ${v.registeredUntil})`;
    }
    case 'NotValidatorOperator': {
      const v = hash ? await client.readContract({ ...registry, functionName: 'getValidator', args: [hash] }) : undefined;
      const owner = v ? getAddress(v.operator) : 'its operator';
      return `${label} is registered with operator ${owner} and still backed by stake (ACTIVE in its pod, pod owner delegated to ${owner}): only ${owner} may deregister it; anyone may once it exits or the pod owner undelegates`;
    }
    case 'DelegateKeyNotSet': {
      const op = await operatorData();
      const pending = op.commitmentValidAfter !== 0n ? `; your pending commitment is in force from block ${op.commitmentValidAfter}` : '';
      return `your commitment in force has no delegate key: set one with \`avs preconf operator commitment set --delegate-key …\` and register validators once it is in force${pending}`;
    }
    case 'InvalidCommitment':
      return 'a commitment needs a non-empty delegate key and chains the registry maps (bit 0 is never used)';
    case 'CommitmentChangeNotReady': {
      const op = await operatorData();
      if (op.commitmentValidAfter === 0n) return 'there is no pending commitment change to write down: start one with `avs preconf operator commitment set`';
      return `the pending commitment is valid from block ${op.commitmentValidAfter} (now ${await head()}): rerun from that block (it is in force from then even if nobody writes it down)`;
    }
    case 'OperatorHasValidators': {
      const op = await operatorData();
      return `${operator} still has ${op.validatorCount} registered validator${op.validatorCount === 1n ? '' : 's'}: deregister them first (\`avs preconf operator validators deregister …\`)`;
    }
    case 'DeregistrationAlreadyStarted': {
      const [op, d] = await Promise.all([operatorData(), delay()]);
      return `deregistration already started at block ${op.startDeregisterOperatorBlock}: finish it from block ${op.startDeregisterOperatorBlock + d} with \`avs preconf operator deregister finish\``;
    }
    case 'DeregistrationNotStarted':
      return `${operator} has not started deregistering: run \`avs preconf operator deregister start\` first`;
    case 'DeregistrationDelayNotElapsed': {
      const [op, d, now] = await Promise.all([operatorData(), delay(), head()]);
      return `deregistration started at block ${op.startDeregisterOperatorBlock} and can finish from block ${op.startDeregisterOperatorBlock + d} (now ${now}): rerun from that block`;
    }
    default:
      return undefined;
  }
}

/** type(uint64).max: a registered validator's `registeredUntil`. */
export const MAX_UINT64 = 2n ** 64n - 1n;

/** The validator's status in the pod of `podOwner`, or undefined when either is unknown. */
async function podStatus(client: PublicClient, eigenPodManager: Address, podOwner: Address | undefined, hash: Hex | undefined): Promise<string | undefined> {
  if (!podOwner || !hash) return undefined;
  const pod = await client.readContract({ address: eigenPodManager, abi: IEigenPodManagerAbi, functionName: 'getPod', args: [podOwner] });
  const info = await client.readContract({ address: pod, abi: IEigenPodAbi, functionName: 'validatorPubkeyHashToInfo', args: [hash] });
  return VALIDATOR_STATUS[info.status];
}
