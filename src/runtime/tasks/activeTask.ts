/**
 * A task held in the engine's memory while it is unfinished (or aggregated and still taking late signers): its answers
 * grouped by digest, the weight behind each group, and which replica may finish it. The functions here change one
 * task and nothing else; the engine decides what to write.
 */
import { type Address, type Hex, getAddress } from 'viem';
import type { OperatorSetSnapshot } from '../operatorSet.ts';
import { batchRootOfSignature } from './batchSignature.ts';
import type { TaskType, WireAnswerBase } from './taskType.ts';
import type { AnswerRecord, ProofSigner, TaskRecord, TaskSnapshot, TaskStatus } from './types.ts';

/**
 * Operators that gave the same answer (same digest), with the weight behind it. Answers signed in a batch form their
 * own group per batch root: a proof carries one Merkle path, so all its signers must have signed the same root.
 */
export type AnswerGroup<A> = {
  /** The EIP-712 digest of the answer. */
  digest: Hex;
  /** The batch root the group's signers signed; undefined for answers signed on their own. */
  root?: Hex;
  answer: A;
  weight: bigint;
  /** Signed weight per quorum (BLS registries; empty otherwise). */
  quorumWeights: Map<number, bigint>;
  /** Lowercased operator → its signature and weight. */
  signers: Map<string, { operator: Address; signature: Hex; weight: bigint }>;
};

/** A task in memory. */
export type ActiveTask<Q, A, WT> = {
  record: TaskRecord<Q, A>;
  /** The task as operators receive it. */
  wire: WT;
  /** The operator set at the task's reference epoch. */
  snapshot: OperatorSetSnapshot;
  /** The quorums a proof must each satisfy (`TaskType.quorumsOf`); undefined: the one threshold of the record. */
  quorums?: readonly number[];
  /** Lowercased operator → digest of its accepted answer. */
  answers: Map<string, Hex>;
  /** Groups by {@link groupKeyOf}. */
  groups: Map<string, AnswerGroup<A>>;
  /** Answer key → digest (digests are computed once per distinct answer). */
  digests: Map<string, Hex>;
  /** Our view of the status (ahead of the database until the next flush commits). */
  status: TaskStatus;
  /** The batch the task was sent in, when it was batched. */
  batchId?: Hex;
  /** Digest that reached the threshold. */
  proofDigest?: Hex;
  /** Key of the group that reached the threshold ({@link groupKeyOf}). */
  proofGroup?: string;
  /** In-memory aggregation time (unix ms), starts the late window. */
  aggregatedAt?: number;
  /** Aggregated in memory, completion not yet written. */
  needsCompletion: boolean;
  /** Signers already written (or queued) in `sigData`. */
  writtenSigners: number;
  /** Signers of the committed proof. */
  signers: ProofSigner[];
  /** Operators' reasons for not signing (at most 8). */
  errors: string[];
  /** This replica holds the task's lease: it alone aggregates, extends or fails it (always true on SQLite). */
  owned: boolean;
  /** When this replica became the holder (unix ms), to tell a lease lost from a claim made after a renewal began. */
  ownedSince: number;
};

/** A fresh in-memory task for `record`. */
export function activateTask<Q, A, WT>(
  taskType: TaskType<Q, A, WT, WireAnswerBase>,
  record: TaskRecord<Q, A>,
  snapshot: OperatorSetSnapshot,
  owned: boolean,
  now: number,
): ActiveTask<Q, A, WT> {
  return {
    record,
    wire: taskType.wireTask(record),
    snapshot,
    quorums: taskType.quorumsOf?.(record.query),
    answers: new Map(),
    groups: new Map(),
    digests: new Map(),
    status: record.status,
    needsCompletion: false,
    writtenSigners: 0,
    signers: [],
    errors: [],
    owned,
    ownedSince: now,
  };
}

/** Whether the task still takes answers toward its threshold. */
export function isOpen(task: { status: TaskStatus }): boolean {
  return task.status === 'pending' || task.status === 'signing';
}

/** The digest operators sign for `answer` to this task (memoized per distinct answer). */
export function digestOf<Q, A, WT>(taskType: TaskType<Q, A, WT, WireAnswerBase>, task: ActiveTask<Q, A, WT>, answer: A): Hex {
  const key = taskType.answerKey(answer);
  let digest = task.digests.get(key);
  if (!digest) {
    digest = taskType.digest(task.record.query, answer, task.record.referenceEpoch);
    task.digests.set(key, digest);
  }
  return digest;
}

/** The group an answer with `digest` and `signature` counts in: the digest, qualified by the batch root if batched. */
export function groupKeyOf(digest: Hex, signature: Hex): string {
  const root = batchRootOfSignature(signature);
  return root ? `${digest}/${root}` : digest;
}

/** Counts `operator`'s answer in its group (the caller has checked it is the operator's first). */
export function addAnswer<Q, A, WT>(
  task: ActiveTask<Q, A, WT>,
  answer: { operator: Address; digest: Hex; answer: A; signature: Hex; weight: bigint },
): AnswerGroup<A> {
  const op = answer.operator.toLowerCase();
  task.answers.set(op, answer.digest);
  const key = groupKeyOf(answer.digest, answer.signature);
  let group = task.groups.get(key);
  if (!group) {
    const root = batchRootOfSignature(answer.signature);
    group = { digest: answer.digest, ...(root ? { root } : {}), answer: answer.answer, weight: 0n, quorumWeights: new Map(), signers: new Map() };
    task.groups.set(key, group);
  }
  group.signers.set(op, { operator: answer.operator, signature: answer.signature, weight: answer.weight });
  group.weight += answer.weight;
  const perQuorum = task.snapshot.operators.get(op)?.quorumWeights;
  if (perQuorum) for (const [quorum, weight] of perQuorum) group.quorumWeights.set(quorum, (group.quorumWeights.get(quorum) ?? 0n) + weight);
  return group;
}

/**
 * Counts stored answers not yet in memory (verified by the replica that stored them); the caller re-evaluates.
 * `usable` leaves out answers that cannot go into a proof here (a batched answer whose batch tree this process does not
 * hold, e.g. after a restart): the operator is then asked again and signs the task on its own.
 */
export function mergeAnswers<Q, A, WT>(task: ActiveTask<Q, A, WT>, answers: readonly AnswerRecord<A>[], usable: (a: AnswerRecord<A>) => boolean = () => true): void {
  for (const a of answers) {
    if (task.answers.has(a.operator.toLowerCase()) || !usable(a)) continue;
    addAnswer(task, { operator: getAddress(a.operator), digest: a.digest, answer: a.answer, signature: a.signature, weight: a.weight });
  }
}

/**
 * What `group` (under `key`) reaching its threshold means for a task this replica holds: `aggregated` when it is the first group to reach
 * the threshold (> 0; the task is marked aggregated in memory), `extended` when it is the proof's group and has signers
 * not yet written, else undefined.
 */
export function evaluateGroup<Q, A, WT>(task: ActiveTask<Q, A, WT>, key: string, group: AnswerGroup<A>, now: number): 'aggregated' | 'extended' | undefined {
  if (!task.owned) return undefined;
  if (isOpen(task)) {
    if (reachesThreshold(task, group)) {
      task.status = 'aggregated';
      task.proofDigest = group.digest;
      task.proofGroup = key;
      task.aggregatedAt = now;
      task.needsCompletion = true;
      return 'aggregated';
    }
  } else if (task.status === 'aggregated' && task.proofGroup === key && group.signers.size > task.writtenSigners) {
    return 'extended';
  }
  return undefined;
}

/**
 * Whether `group` is a proof: with quorums, its weight in every quorum the task names reaches that quorum's threshold
 * (> 0; a quorum missing from the snapshot never does); otherwise its weight reaches the task's threshold (> 0).
 */
export function reachesThreshold(task: ActiveTask<unknown, unknown, unknown>, group: AnswerGroup<unknown>): boolean {
  if (!task.quorums) {
    const threshold = task.record.thresholdWeight;
    return threshold > 0n && group.weight >= threshold;
  }
  if (task.quorums.length === 0) return false;
  for (const quorum of task.quorums) {
    const threshold = task.snapshot.quorums?.get(quorum)?.thresholdWeight ?? 0n;
    if (threshold === 0n || (group.quorumWeights.get(quorum) ?? 0n) < threshold) return false;
  }
  return true;
}

/** The best group's signed weight per quorum, as `quorum q: signed/threshold` items (tasks with quorums). */
function quorumProgress(task: ActiveTask<unknown, unknown, unknown>): string {
  const best = [...task.groups.values()].sort((a, b) => (b.weight > a.weight ? 1 : b.weight < a.weight ? -1 : 0))[0];
  return (task.quorums ?? [])
    .map((q) => `quorum ${q}: ${best?.quorumWeights.get(q) ?? 0n}/${task.snapshot.quorums?.get(q)?.thresholdWeight ?? 0n}`)
    .join(', ');
}

/** The heaviest group's weight. */
export function bestWeight(task: ActiveTask<unknown, unknown, unknown>): bigint {
  let best = 0n;
  for (const g of task.groups.values()) if (g.weight > best) best = g.weight;
  return best;
}

/** Why a task failed at its deadline: signed weight against threshold, who answered, and operators' errors. */
export function deadlineReason(task: ActiveTask<unknown, unknown, unknown>): string {
  return (
    `deadline passed with signed weight ${bestWeight(task)} of threshold ${task.record.thresholdWeight} ` +
    (task.quorums ? `(${quorumProgress(task)}) ` : '') +
    `(${task.answers.size} of ${task.snapshot.operators.size} operators answered` +
    (task.groups.size > 1 ? `, split over ${task.groups.size} different answers` : '') +
    ')' +
    (task.errors.length > 0 ? `; operator errors: ${task.errors.join('; ')}` : '')
  );
}

/** The task as the engine reports it: its record, with the proof's signers once the proof is committed. */
export function snapshotOf<Q, A>(task: ActiveTask<Q, A, unknown>): TaskSnapshot<Q, A> {
  return { record: task.record, signers: task.record.status === 'aggregated' ? task.signers : [] };
}
