/**
 * Operators' answers, from the wire to the write batch. Each answer is screened against the task in memory (known
 * task, the task's reference epoch, an operator of its operator set, an answer the task type can read), its digest is
 * recomputed from the stored task and the answer (never taken from the wire), and its signature is verified against
 * the operator's signing key at the reference epoch: the public key learned at authentication, checked in the
 * verifier's worker thread, or recovered once when the key rotated. A first answer counts toward its group; a second,
 * different answer of the same operator is kept as evidence and never counted.
 */
import type { Address, Hex } from 'viem';
import { publicKeyToAddress, recoverPublicKey, verifyDigest } from '../../core/crypto/ecdsa.ts';
import type { Logger } from '../../core/logging.ts';
import type { OperatorEntry } from '../operatorSet.ts';
import type { AnswerSignatureScheme } from '../signatures/answerScheme.ts';
import type { SignatureVerifier, VerifyJob } from '../signatures/verifier.ts';
import type { AttestationBatch } from '../../core/crypto/attestation-batch.ts';
import { type ActiveTask, type AnswerGroup, addAnswer, digestOf, groupKeyOf } from './activeTask.ts';
import { type BatchBook, BatchRootMismatchError, type DispatchedBatch } from './batches.ts';
import { encodeBatchedAnswerSignature } from './batchSignature.ts';
import type { OperatorSession } from './sessions.ts';
import type { TaskType, WireAnswerBase } from './taskType.ts';
import type { AnswerRecord } from './types.ts';
import type { WriteBatcher } from './writeBatcher.ts';

/** Counters of the intake (part of the engine's stats). */
export type AnswerStats = {
  signaturesAccepted: number;
  signaturesDuplicate: number;
  signaturesConflicting: number;
  signaturesRejected: number;
  signaturesUnknownTask: number;
};

/** What the intake needs from the engine. */
export type AnswerIntakeOptions<Q, A, WT, WA extends WireAnswerBase> = {
  taskType: TaskType<Q, A, WT, WA>;
  writes: WriteBatcher<Q, A, WT>;
  stats: AnswerStats;
  log: Logger;
  now: () => number;
  verifier?: SignatureVerifier;
  /** Answers signed in another key scheme (BLS): verified by it instead of the built-in ECDSA path. */
  signatureScheme?: AnswerSignatureScheme;
  /** A further condition on the operator, checked when its answer arrives: a reason to reject, or undefined. */
  screenOperator?: (entry: OperatorEntry, task: ActiveTask<Q, A, WT>) => string | undefined;
  running(): boolean;
  /** The task in memory with this (lowercase) id. */
  taskOf(id: string): ActiveTask<Q, A, WT> | undefined;
  /** Re-evaluates a group (under its key) that gained a signer. */
  evaluate(task: ActiveTask<Q, A, WT>, key: string, group: AnswerGroup<A>): void;
  /** The batches sent to operators (engines that batch). */
  batches?: BatchBook<ActiveTask<Q, A, WT>>;
};

/**
 * An operator's answers to a whole batch: one signature over the batch message of `root`, the Merkle root of the
 * digests of `answers` (each an answer without its own signature).
 */
export type BatchAnswers<WA extends WireAnswerBase> = {
  batchId: string;
  root: string;
  /** 65 bytes r‖s‖v over `batchDigest(root)`. */
  signature: string;
  answers: readonly Omit<WA, 'signature'>[];
};

/** Answers of one message between screening and applying. */
type AnswerBatch<Q, A, WT, WA> = {
  session: OperatorSession<WT>;
  /** Lowercased operator. */
  op: string;
  rejected: Record<string, number>;
  /** Arrival time (unix ms), stored as `receivedAt`. */
  now: number;
  candidates: { wire: WA; task: ActiveTask<Q, A, WT>; entry: OperatorEntry; answer: A; digest: Hex }[];
};

/** Takes operators' answers; see the module comment. */
export class AnswerIntake<Q, A, WT, WA extends WireAnswerBase> {
  /** Lowercased signing key → uncompressed public key (learned at authentication, or recovered once). */
  private readonly knownKeys = new Map<string, Uint8Array>();
  private chain: Promise<void> = Promise.resolve();
  private verifying = 0;

  constructor(private readonly options: AnswerIntakeOptions<Q, A, WT, WA>) {}

  /** Remembers the public key an operator authenticated with. */
  learnKey(signingKey: Address, publicKey: Uint8Array): void {
    this.knownKeys.set(signingKey.toLowerCase(), publicKey);
  }

  /** Whether batches are still with the verifier. */
  get busy(): boolean {
    return this.verifying > 0;
  }

  /** Resolves once the batches handed to the verifier so far are applied. */
  settle(): Promise<void> {
    return this.chain;
  }

  /**
   * Takes a batch of answers from an authenticated operator. Never throws: each answer is accepted, ignored
   * (duplicate, unknown or finished task) or rejected (wrong epoch, not registered at the epoch, unreadable, bad
   * signature). With a verifier the signatures are checked off the event loop and the answers applied when the results
   * come back, in arrival order; without one, at once.
   */
  handle(session: OperatorSession<WT>, answers: readonly WA[]): void {
    if (!this.options.running() || answers.length === 0) return;
    const batch: AnswerBatch<Q, A, WT, WA> = { session, op: session.operator.toLowerCase(), rejected: {}, now: this.options.now(), candidates: [] };
    for (const wire of answers) {
      try {
        this.screen(batch, wire);
      } catch (error) {
        this.reject(batch, `unprocessable: ${(error as Error).message.split('\n')[0]}`);
      }
    }
    const { verifier, signatureScheme } = this.options;
    if (batch.candidates.length === 0 || (!verifier && !signatureScheme)) {
      this.apply(batch, undefined);
      return;
    }
    let results: Promise<(boolean | undefined)[] | undefined>;
    if (signatureScheme) {
      const jobs = batch.candidates.map((c) => ({ entry: c.entry, digest: c.digest, signature: c.wire.signature as Hex }));
      // A scheme that fails verifies nothing: its answers are rejected, never checked as ECDSA.
      results = signatureScheme.verify(jobs).catch((error) => {
        this.options.log.error({ err: (error as Error).message, scheme: signatureScheme.name }, 'signature verification failed');
        return jobs.map(() => false);
      });
    } else {
      // Keys learned at authentication are checked in the verifier; a rotated key is recovered at apply time.
      const jobs: VerifyJob[] = [];
      const jobOf: number[] = [];
      for (const c of batch.candidates) {
        const publicKey = this.knownKeys.get(c.entry.signingKey.toLowerCase());
        jobOf.push(publicKey ? jobs.length : -1);
        if (publicKey) jobs.push({ publicKey, digest: c.digest, signature: c.wire.signature as Hex });
      }
      results = (verifier as SignatureVerifier).verify(jobs).then(
        (r) => batch.candidates.map((_, i) => (jobOf[i] >= 0 ? r[jobOf[i]] : undefined)),
        () => undefined,
      );
    }
    this.verifying++;
    this.chain = this.chain
      .then(() => results)
      .then((verified) => {
        if (this.options.running()) this.apply(batch, verified);
      })
      .catch((error) => this.options.log.error({ err: (error as Error).message }, 'applying verified signatures failed'))
      .finally(() => {
        this.verifying--;
      });
  }

  /**
   * Takes an operator's answers to a batch the engine sent. The root must be the root of the digests of all its
   * answers (recomputed here from the batch's tasks, never taken from the wire), and the signature must be by the
   * operator's signing key over that root's batch message: otherwise every answer is rejected. Then each answer is
   * screened and applied as a single one would be, its stored signature naming the root. Never throws.
   */
  handleBatch(session: OperatorSession<WT>, message: BatchAnswers<WA>): void {
    if (!this.options.running() || message.answers.length === 0) return;
    const { stats, taskType, batches, log } = this.options;
    const op = session.operator.toLowerCase();
    const count = message.answers.length;
    const refuse = (reason: string) => {
      stats.signaturesRejected += count;
      log.warn({ operator: session.operator, batchId: message.batchId, answers: count, reason }, 'rejected a batch of signatures');
    };
    const dispatched = batches?.get(message.batchId);
    if (!dispatched) {
      stats.signaturesUnknownTask += count;
      return;
    }
    const root = message.root.toLowerCase() as Hex;
    // An operator that signed a root with the answers another operator made it from: the digests are those (the answers
    // were checked against the batch when the tree was built), and only the signature is left to check.
    const same = batches!.sameAnswers<A>(dispatched.batchId, root, message.answers);
    let answers: readonly A[];
    let digests: readonly Hex[];
    let tree: AttestationBatch;
    if (same) ({ tree, answers: { answers, digests } } = same);
    else {
      const read = this.readBatch(dispatched, message.answers);
      if (typeof read === 'string') return refuse(read);
      ({ answers, digests } = read);
      try {
        tree = batches!.treeOf(dispatched.batchId, root, digests);
      } catch (error) {
        if (error instanceof BatchRootMismatchError) return refuse(error.message);
        throw error;
      }
      batches!.rememberAnswers(root, { wire: message.answers, answers, digests });
    }
    const first = dispatched.tasks.get(message.answers[0]!.taskId.toLowerCase());
    const entry = first?.snapshot.operators.get(op);
    if (!entry) return refuse(`not registered at epoch ${dispatched.referenceEpoch}`);
    if (!this.verify(entry.signingKey, tree.batchDigest, message.signature as Hex)) {
      return refuse('batch signature does not verify against the signing key at the reference epoch');
    }
    const signature = encodeBatchedAnswerSignature(message.signature as Hex, root);
    const batch: AnswerBatch<Q, A, WT, WA> = { session, op, rejected: {}, now: this.options.now(), candidates: [] };
    for (const [i, a] of message.answers.entries()) {
      try {
        this.screen(batch, { ...a, signature } as WA, { answer: answers[i], digest: digests[i] });
      } catch (error) {
        this.reject(batch, `unprocessable: ${(error as Error).message.split('\n')[0]}`);
      }
    }
    this.apply(batch, batch.candidates.map(() => true));
  }

  /**
   * Reads a batch's answers against the batch sent: every task in it, at its epoch, an answer the task type can read.
   * The signed root covers every answer given, also those of tasks finished meanwhile: all count toward the tree.
   * @returns the answers and their digests, in order, or the reason to refuse the whole batch.
   */
  private readBatch(dispatched: DispatchedBatch<ActiveTask<Q, A, WT>>, wire: readonly Omit<WA, 'signature'>[]): { answers: A[]; digests: Hex[] } | string {
    const { taskType } = this.options;
    const answers: A[] = [];
    const digests: Hex[] = [];
    for (const a of wire) {
      const task = dispatched.tasks.get(a.taskId.toLowerCase());
      if (!task) return `task ${a.taskId} is not in batch ${dispatched.batchId}`;
      if (a.referenceEpoch !== dispatched.referenceEpoch) return `signed for epoch ${a.referenceEpoch}, the batch's is ${dispatched.referenceEpoch}`;
      let read: { answer: A } | { rejected: string };
      try {
        read = taskType.readAnswer({ ...a, signature: '0x' } as WA);
      } catch (error) {
        return `unprocessable: ${(error as Error).message.split('\n')[0]}`;
      }
      if ('rejected' in read) return read.rejected;
      answers.push(read.answer);
      digests.push(digestOf(taskType, task, read.answer));
    }
    return { answers, digests };
  }

  private reject(batch: AnswerBatch<Q, A, WT, WA>, reason: string): void {
    this.options.stats.signaturesRejected++;
    batch.rejected[reason] = (batch.rejected[reason] ?? 0) + 1;
  }

  /**
   * Checks an answer against the task before its signature is verified; drops it when it is already settled. `read` is
   * the answer and its digest when the caller has them already (a batch, whose digests made its root).
   */
  private screen(batch: AnswerBatch<Q, A, WT, WA>, wire: WA, read?: { answer: A; digest: Hex }): void {
    const { stats, taskType } = this.options;
    const task = this.options.taskOf(wire.taskId.toLowerCase());
    if (!task) {
      stats.signaturesUnknownTask++;
      return;
    }
    if (task.status === 'failed') return;
    if (wire.referenceEpoch !== task.record.referenceEpoch) {
      return this.reject(batch, `signed for epoch ${wire.referenceEpoch}, the task's reference epoch is ${task.record.referenceEpoch}`);
    }
    const entry = task.snapshot.operators.get(batch.op);
    if (!entry) return this.reject(batch, `not registered at epoch ${task.record.referenceEpoch}`);
    if (taskType.excludedOperators?.(task.record.query).some((o) => o.toLowerCase() === batch.op)) {
      return this.reject(batch, 'this operator may not answer this task');
    }
    const refused = this.options.screenOperator?.(entry, task);
    if (refused) return this.reject(batch, refused);
    let answer: A;
    let digest: Hex;
    if (read) ({ answer, digest } = read);
    else {
      const parsed = taskType.readAnswer(wire);
      if ('rejected' in parsed) return this.reject(batch, parsed.rejected);
      answer = parsed.answer;
      digest = digestOf(taskType, task, answer);
    }
    if (task.answers.get(batch.op) === digest) {
      stats.signaturesDuplicate++;
      return;
    }
    batch.candidates.push({ wire, task, entry, answer, digest });
  }

  /**
   * Applies screened answers in order. `verified[i]` is the verifier's result for candidate i; undefined (no verifier,
   * or a key not known in advance) verifies here. The task's state is read again: it may have moved on meanwhile.
   */
  private apply(batch: AnswerBatch<Q, A, WT, WA>, verified: (boolean | undefined)[] | undefined): void {
    const { stats, writes } = this.options;
    const { op } = batch;
    batch.candidates.forEach((c, i) => {
      try {
        const { task, entry, answer, digest, wire } = c;
        if (this.options.taskOf(task.record.taskId.toLowerCase()) !== task) {
          stats.signaturesUnknownTask++;
          return;
        }
        if (task.status === 'failed') return;
        const prior = task.answers.get(op);
        if (prior === digest) {
          stats.signaturesDuplicate++;
          return;
        }
        const ok = verified?.[i] ?? this.verify(entry.signingKey, digest, wire.signature as Hex);
        if (!ok) return this.reject(batch, 'signature does not verify against the signing key at the reference epoch');
        const record: AnswerRecord<A> = {
          taskId: task.record.taskId,
          operator: entry.operator,
          signingKey: entry.signingKey,
          digest,
          answer,
          referenceEpoch: task.record.referenceEpoch,
          signature: (wire.signature as Hex).toLowerCase() as Hex,
          weight: entry.weight,
          receivedAt: batch.now,
        };
        if (prior !== undefined) {
          // A second, different answer: kept as evidence, never counted, never overwrites the first.
          stats.signaturesConflicting++;
          writes.addConflict(record);
          this.options.log.warn({ taskId: task.record.taskId, operator: entry.operator }, 'operator signed two different answers to one task');
          return;
        }
        const group = addAnswer(task, record);
        writes.addAnswer(record);
        stats.signaturesAccepted++;
        if (task.record.status === 'pending') writes.markSigning(task);
        this.options.evaluate(task, groupKeyOf(digest, record.signature), group);
      } catch (error) {
        this.reject(batch, `unprocessable: ${(error as Error).message.split('\n')[0]}`);
      }
    });
    if (Object.keys(batch.rejected).length > 0) this.options.log.warn({ operator: batch.session.operator, rejected: batch.rejected }, 'rejected signatures');
    writes.requestFlush();
  }

  private verify(signingKey: Address, digest: Hex, signature: Hex): boolean {
    const keyId = signingKey.toLowerCase();
    const known = this.knownKeys.get(keyId);
    if (known) return verifyDigest(known, digest, signature);
    // The signing key at the epoch is not the one the operator authenticated with (it rotated): recover once.
    try {
      const recovered = recoverPublicKey(digest, signature);
      if (publicKeyToAddress(recovered).toLowerCase() !== keyId) return false;
      if (!verifyDigest(recovered, digest, signature)) return false;
      this.knownKeys.set(keyId, recovered);
      return true;
    } catch {
      return false;
    }
  }
}
