/** The options and counters of the task engine (`engine.ts`). */
import type { Logger } from '../../core/logging.ts';
import type { OperatorSetSource } from '../operatorSet.ts';
import type { OperatorEntry } from '../operatorSet.ts';
import type { AnswerSignatureScheme } from '../signatures/answerScheme.ts';
import type { SignatureVerifier } from '../signatures/verifier.ts';
import type { AnswerStats } from './answerIntake.ts';
import type { TaskStore } from './store.ts';
import type { TaskType, WireAnswerBase } from './taskType.ts';
import type { TaskSnapshot } from './types.ts';

/** Counters (metrics, tests). */
export type TaskEngineStats = AnswerStats & {
  tasksCreated: number;
  tasksAggregated: number;
  tasksFailed: number;
  proofsExtended: number;
  taskErrorsReported: number;
  writeFailures: number;
};

/** Options of {@link TaskEngine}. */
export type TaskEngineOptions<Q, A, WT, WA extends WireAnswerBase> = {
  taskType: TaskType<Q, A, WT, WA>;
  store: TaskStore<Q, A>;
  operatorSet: OperatorSetSource;
  /** Main chain id, named when the operator set cannot be read. */
  mainChainId: number;
  logger?: Logger;
  /** Time a task has to reach its threshold, in ms from creation (default 15 minutes). */
  taskDeadlineMs?: number;
  /** How long signatures keep extending a proof after it is aggregated, in ms (default 2,000). */
  lateWindowMs?: number;
  /** New tasks are collected this long before one `tasks` message goes to each operator, in ms (default 2). */
  dispatchDelayMs?: number;
  /**
   * Batched signing, for task types that allow it (`TaskType.batchable`): new tasks go to operators in batches that
   * close at `maxSize` tasks (1 to 10,000) or `maxDelayMs` after their first task (replacing `dispatchDelayMs`), and
   * each operator answers a batch with one signature over the Merkle root of its answers' digests. A task is batched
   * only when the operators connected to this process hold its threshold weight and, on a store shared by replicas
   * (Postgres), this replica holds its lease: a proof carries signatures over one root, and a batch is one replica's.
   * Other tasks, and every task when this is absent, are signed on their own.
   */
  batching?: { maxSize: number; maxDelayMs: number };
  /** Tasks in flight beyond which new requests are refused (default 100,000). */
  maxActiveTasks?: number;
  /** Period of the deadline and late-window sweep, in ms (default 250). */
  sweepIntervalMs?: number;
  /** Checks signatures off the event loop. Default: verified inline, as each message arrives. */
  verifier?: SignatureVerifier;
  /**
   * Answers signed in another key scheme than ECDSA (e.g. `blsAnswerScheme()` for BN254 BLS operators): verified by
   * it, and `verifier` is unused.
   */
  signatureScheme?: AnswerSignatureScheme;
  /**
   * A condition on the operator beyond registration at the reference epoch, checked as each answer arrives (e.g. the
   * multi-prover's "its prover is live"): a reason to reject the answer, or undefined to go on. Must not throw.
   */
  screenOperator?: (entry: OperatorEntry, task: { taskId: string; referenceEpoch: number }) => string | undefined;
  /** Called once per task this process finishes (aggregated or failed), after the commit (metrics). */
  onTaskFinished?: (task: TaskSnapshot<Q, A>) => void;
  /** Wall clock in unix ms (tests). */
  now?: () => number;
};
