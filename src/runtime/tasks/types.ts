/**
 * The shapes of the runtime's task engine, shared by the store, the engine and the services' task types.
 *
 * A task is what operators are asked to sign: a service-defined query `Q` (a state read, a state header, ...) fixed at
 * creation with its reference epoch and threshold. Each operator gives one answer `A` (what it read) with its signature
 * over the answer's EIP-712 digest; answers with the same digest form a group, and the first group whose stake weight
 * reaches the threshold is the task's proof. The engine never looks inside `Q` or `A`: the service's
 * {@link TaskType} does.
 */
import type { Address, Hex } from 'viem';

/** Lifecycle of a task: pending → signing → aggregated, or → failed with a reason. */
export type TaskStatus = 'pending' | 'signing' | 'aggregated' | 'failed';

/** Whether a task in `status` is finished (no answer changes its outcome any more, only late signers extend a proof). */
export function isFinalStatus(status: TaskStatus): boolean {
  return status === 'aggregated' || status === 'failed';
}

/** A task as stored. Hashes are lowercase hex; times are unix milliseconds; weights are in the registry's units. */
export type TaskRecord<Q, A> = {
  taskId: Hex;
  /** What the operators are asked (service-defined). */
  query: Q;
  referenceEpoch: number;
  status: TaskStatus;
  failureReason: string | null;
  /** The aggregated group's answer, once aggregated. */
  result: A | null;
  /** EIP-712 digest the proof's signers signed, once aggregated. */
  digest: Hex | null;
  /** The proof: the service's encoding of signers and signatures (e.g. `abi.encode(operators, signatures, epoch)`). */
  sigData: Hex | null;
  /** Number of signers in `sigData`. */
  signerCount: number;
  /** Weight behind `sigData` (or, for a failed task, the best group's weight when it failed). */
  signedWeight: bigint;
  thresholdWeight: bigint;
  createdAt: number;
  updatedAt: number;
  deadlineAt: number;
  aggregatedAt: number | null;
  /** Replica holding the unfinished task, or the one that finished it (null for tasks older than replicas). */
  claimedBy: string | null;
  /** Unix ms until which `claimedBy` holds the task. */
  leaseUntil: number | null;
};

/** What {@link TaskStore.insertTasks} needs to create a task (status starts at `pending`). */
export type NewTask<Q> = {
  taskId: Hex;
  query: Q;
  referenceEpoch: number;
  thresholdWeight: bigint;
  createdAt: number;
  deadlineAt: number;
};

/** One verified answer of an operator. */
export type AnswerRecord<A> = {
  taskId: Hex;
  operator: Address;
  signingKey: Address;
  /** EIP-712 digest of the answer, as the engine computed it from the task and `answer` (never taken from the wire). */
  digest: Hex;
  answer: A;
  referenceEpoch: number;
  /** The operator's signature over `digest` (65 bytes r‖s‖v for ECDSA). */
  signature: Hex;
  /** The operator's stake weight at `referenceEpoch`. */
  weight: bigint;
  receivedAt: number;
};

/** pending|signing → aggregated. */
export type TaskCompletion<A> = {
  taskId: Hex;
  result: A;
  digest: Hex;
  sigData: Hex;
  signerCount: number;
  signedWeight: bigint;
};

/** aggregated → aggregated with more signers in `sigData` (same digest, more signers only). */
export type ProofExtension = { taskId: Hex; digest: Hex; sigData: Hex; signerCount: number; signedWeight: bigint };

/** pending|signing → failed. */
export type TaskFailure = { taskId: Hex; reason: string; signedWeight: bigint };

/** Everything one flush writes, in one transaction (applied in the order of the fields). */
export type StoreWriteBatch<A> = {
  answers?: AnswerRecord<A>[];
  conflicts?: AnswerRecord<A>[];
  /** Tasks sent to at least one operator: pending → signing. */
  signing?: Hex[];
  completions?: TaskCompletion<A>[];
  extensions?: ProofExtension[];
  failures?: TaskFailure[];
};

/** Which guarded transitions of a batch took effect (the others had already been made, e.g. by another replica). */
export type StoreWriteResult = {
  /**
   * Answers newly stored: rows of `<prefix>answers`, plus, for answers signed in a batch, the answers of each
   * (root, operator) signature stored by this write (a signature already stored counts none).
   */
  answersInserted: number;
  signing: Hex[];
  completed: Hex[];
  extended: Hex[];
  failed: Hex[];
};

/** Result of {@link TaskStore.insertTasks} for one task. */
export type InsertedTask<Q, A> = { task: TaskRecord<Q, A>; created: boolean };

/** An unfinished task with its accepted answers. */
export type UnfinishedTask<Q, A> = { task: TaskRecord<Q, A>; answers: AnswerRecord<A>[] };

/** One signer of a proof: operator address (checksummed) and its weight at the reference epoch. */
export type ProofSigner = { operator: Address; weight: bigint };

/** A task with the signers of its proof (empty until aggregated): what the engine reports and subscribers receive. */
export type TaskSnapshot<Q, A> = { record: TaskRecord<Q, A>; signers: ProofSigner[] };

/** Position in the proof feed: the last task read (its `updatedAt`, unix ms, and id). */
export type ProofFeedCursor = { updatedAt: number; taskId: Hex };

/** Where a page of an epoch's proofs ends: the last proof's aggregation time (unix ms) and task id. */
export type EpochProofCursor = { aggregatedAt: number; taskId: Hex };

/** How many of an epoch's tasks are in each state. */
export type EpochTaskCounts = {
  aggregated: number;
  failed: number;
  /** Still `pending` or `signing`: the epoch's record is not final while this is above 0. */
  unfinished: number;
};
