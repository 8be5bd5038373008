/**
 * The public shape of a task (what the API returns and subscribers receive), built from the stored record.
 */
import { type Address, type Hex, getAddress } from 'viem';
import type { ProofSigner, TaskSnapshot, TaskStatus } from '../../../runtime/tasks/types.ts';
import type { StateQuery } from '../attestation.ts';
import type { StateAnswer } from './taskType.ts';

export type { ProofSigner };
export { isFinalStatus } from '../../../runtime/tasks/types.ts';

/** A task as clients see it. Times are unix milliseconds; the attestation's timestamp is unix seconds. */
export type TaskView = {
  taskId: Hex;
  status: TaskStatus;
  /** The attested statement; `value`/`exists` are null until aggregated. */
  attestation: {
    user: Address;
    chainId: bigint;
    blockNumber: bigint;
    timestamp: bigint;
    key: bigint;
    value: bigint | null;
    exists: boolean | null;
    epoch: number;
  };
  /** EIP-712 digest of the attestation (the `hash` argument of `isValidSignature`), once aggregated. */
  digest: Hex | null;
  /** `abi.encode(address[] operators, bytes[] signatures, uint32 referenceEpoch)`, once aggregated. */
  sigData: Hex | null;
  /** Operators in `sigData`, ascending by address. */
  signers: ProofSigner[];
  signedWeight: bigint;
  thresholdWeight: bigint;
  failureReason: string | null;
  createdAt: number;
  updatedAt: number;
  deadlineAt: number;
  aggregatedAt: number | null;
};

/** Builds a {@link TaskView} from the engine's snapshot of a state-proof task. */
export function toTaskView({ record, signers }: TaskSnapshot<StateQuery, StateAnswer>): TaskView {
  return {
    taskId: record.taskId,
    status: record.status,
    attestation: {
      user: checksumAddress(record.query.user),
      chainId: record.query.chainId,
      blockNumber: record.query.blockNumber,
      timestamp: record.query.timestamp,
      key: record.query.key,
      value: record.result?.value ?? null,
      exists: record.result?.exists ?? null,
      epoch: record.referenceEpoch,
    },
    digest: record.digest,
    sigData: record.sigData,
    signers: [...signers]
      .map((s) => ({ operator: checksumAddress(s.operator), weight: s.weight }))
      .sort((a, b) => (BigInt(a.operator) < BigInt(b.operator) ? -1 : 1)),
    signedWeight: record.signedWeight,
    thresholdWeight: record.thresholdWeight,
    failureReason: record.failureReason,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    deadlineAt: record.deadlineAt,
    aggregatedAt: record.aggregatedAt,
  };
}

const checksums = new Map<string, Address>();

/**
 * EIP-55 checksummed form of an address (any case in), memoized: users and operators repeat, and each checksum is a
 * keccak256.
 */
export function checksumAddress(address: string): Address {
  const lower = address.toLowerCase();
  let out = checksums.get(lower);
  if (!out) {
    out = getAddress(lower);
    if (checksums.size >= 50_000) checksums.clear();
    checksums.set(lower, out);
  }
  return out;
}
