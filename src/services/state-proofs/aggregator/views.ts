/**
 * The public shape of a task (what the API returns and subscribers receive), built from the stored record.
 */
import { type Address, type Hex, getAddress } from 'viem';
import type { TaskRecord, TaskStatus } from './store.ts';

/** One signer of a proof: operator address (checksummed) and its weight at the reference epoch. */
export type ProofSigner = { operator: Address; weight: bigint };

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

/** Builds a {@link TaskView}; `signers` must be the operators of the record's `sigData`. */
export function toTaskView(record: TaskRecord, signers: readonly ProofSigner[]): TaskView {
  return {
    taskId: record.taskId,
    status: record.status,
    attestation: {
      user: checksumAddress(record.user),
      chainId: record.chainId,
      blockNumber: record.blockNumber,
      timestamp: record.timestamp,
      key: record.key,
      value: record.value,
      exists: record.exists,
      epoch: record.referenceEpoch,
    },
    digest: record.digest,
    sigData: record.sigData,
    signers: [...signers].sort((a, b) => (BigInt(a.operator) < BigInt(b.operator) ? -1 : 1)),
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

/** True for the statuses a task never leaves. */
export function isFinalStatus(status: TaskStatus): boolean {
  return status === 'aggregated' || status === 'failed';
}
