/**
 * The seam between the runtime's task engine and a service: a {@link TaskType} says what a task asks, what operators
 * answer, how an answer is turned into the digest they sign, and how a group of signatures becomes a proof. The engine
 * owns everything else (storage, dispatch, deadlines, quorum counting, replicas).
 */
import type { Address, Hex } from 'viem';
import type { OperatorSetSnapshot } from '../operatorSet.ts';
import type { TaskRecord } from './types.ts';

/** The part of an operator's wire answer every service shares: which task, for which epoch, and the signature. */
export type WireAnswerBase = { taskId: string; referenceEpoch: number; signature: string };

/** Text encoding of a service's query and answer, for the store's `query`, `answer` and `result` columns. */
export type TaskCodec<Q, A> = {
  encodeQuery(query: Q): string;
  /** @throws on text not written by {@link TaskCodec.encodeQuery}. */
  decodeQuery(text: string): Q;
  encodeAnswer(answer: A): string;
  /** @throws on text not written by {@link TaskCodec.encodeAnswer}. */
  decodeAnswer(text: string): A;
  /**
   * How many leading characters of a proof (`0x` included) every proof of the same signed batch and signers shares
   * (a batched proof's signers and signatures, before its Merkle path): the store keeps them once for all those tasks
   * (`storeProofHeads.ts`). 0 or absent: the proof is stored whole.
   */
  proofHeadLength?(sigData: Hex): number;
};

/**
 * What {@link TaskType.encodeProof} may need besides the signers. `batch` is set when the signers signed the batch
 * message of `root` (their signatures are over it, not over `digest`) and `proof` is `digest`'s Merkle path to it.
 */
export type ProofContext<Q> = { query: Q; digest: Hex; snapshot: OperatorSetSnapshot; batch?: { root: Hex; proof: readonly Hex[] } };

/** A service's task type. `Q` is the query, `A` an answer, `WT` a task on the wire, `WA` an answer on the wire. */
export type TaskType<Q, A, WT, WA extends WireAnswerBase> = {
  /** Short name for logs, e.g. `state-proof`. */
  readonly name: string;
  readonly codec: TaskCodec<Q, A>;
  /** The task as operators receive it (one entry of a `tasks` message). */
  wireTask(record: TaskRecord<Q, A>): WT;
  /** The answer an operator gave, or the reason it cannot be counted (e.g. a value out of range). */
  readAnswer(wire: WA): { answer: A } | { rejected: string };
  /** Equal keys mean equal answers (the engine memoizes digests by it). */
  answerKey(answer: A): string;
  /**
   * The EIP-712 digest an operator signs when it gives `answer` to `query` at `referenceEpoch`: the engine recomputes
   * it for every answer and never trusts a digest from the wire.
   */
  digest(query: Q, answer: A, referenceEpoch: number): Hex;
  /**
   * The proof of a group of signers (any order in; the encoding fixes its own order). `context` holds the task's
   * query, the digest the signers signed and the operator set at the reference epoch (a BLS proof takes the signers'
   * keys and quorums from it).
   */
  encodeProof(signers: readonly { operator: Address; signature: Hex }[], referenceEpoch: number, context: ProofContext<Q>): Hex;
  /**
   * Whether operators may answer tasks of this type in batches (one signature over a Merkle root of digests):
   * `encodeProof` must then encode a proof with `context.batch`. Absent: never batched.
   */
  readonly batchable?: boolean;
  /** The operators in a proof written by {@link TaskType.encodeProof}. */
  proofSigners(sigData: Hex): readonly Address[];
  /**
   * The quorums a proof of `query` must each satisfy (BLS registries; `OperatorSetSnapshot.quorums` gives their
   * weights). Absent: one threshold over the whole operator set (the task's `thresholdWeight`).
   */
  quorumsOf?(query: Q): readonly number[];
  /**
   * Operators whose answers to `query` are refused (their weight must also be left out of the threshold the caller
   * gives at submit, e.g. the automation executor judged by its own slot's verdict). Absent: none.
   */
  excludedOperators?(query: Q): readonly Address[];
};
