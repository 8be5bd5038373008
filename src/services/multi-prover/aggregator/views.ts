/**
 * The multi-prover aggregator's view of a task, as the API, the dashboard and subscribers see it: the task engine's
 * record (query, status, signers, weights) with the answer decoded and the on-chain confirmation attached.
 */
import type { Hex } from 'viem';
import { type TaskStatus, type TaskSnapshot, isFinalStatus } from '../../../runtime/tasks/types.ts';
import type { ConfirmationRecord } from './store.ts';
import { type BlockStateAnswer, type BlockStateQuery, decodeBlockStateProof } from './taskType.ts';

/** A block-state task. Times are unix ms; weights in the registry's units. */
export type BlockStateTaskView = {
  taskId: Hex;
  status: TaskStatus;
  query: BlockStateQuery;
  referenceEpoch: number;
  /** The aggregated state, once aggregated. */
  result: BlockStateAnswer | null;
  /** The StateHeader's EIP-712 digest the signers signed, once aggregated. */
  digest: Hex | null;
  /** confirmState's StateSignature, ABI-encoded, once aggregated. */
  stateSignature: Hex | null;
  signers: { operator: Hex; weight: bigint }[];
  signedWeight: bigint;
  thresholdWeight: bigint;
  failureReason: string | null;
  createdAt: number;
  updatedAt: number;
  deadlineAt: number;
  aggregatedAt: number | null;
  /** The on-chain confirmation, once the confirmer took the task up. */
  confirmation: ConfirmationRecord | null;
};

/** The view of an engine snapshot and its confirmation. */
export function toBlockStateTaskView(snapshot: TaskSnapshot<BlockStateQuery, BlockStateAnswer>, confirmation: ConfirmationRecord | undefined): BlockStateTaskView {
  const r = snapshot.record;
  return {
    taskId: r.taskId,
    status: r.status,
    query: r.query,
    referenceEpoch: r.referenceEpoch,
    result: r.result,
    digest: r.digest,
    stateSignature: r.sigData ? decodeBlockStateProof(r.sigData).stateSignature : null,
    signers: snapshot.signers,
    signedWeight: r.signedWeight,
    thresholdWeight: r.thresholdWeight,
    failureReason: r.failureReason,
    createdAt: r.createdAt,
    updatedAt: Math.max(r.updatedAt, confirmation?.updatedAt ?? 0),
    deadlineAt: r.deadlineAt,
    aggregatedAt: r.aggregatedAt,
    confirmation: confirmation ?? null,
  };
}

/** Whether nothing more will happen to the task: failed, or its confirmation confirmed or failed. */
export function isSettled(task: BlockStateTaskView): boolean {
  if (task.status === 'failed') return true;
  return isFinalStatus(task.status) && task.confirmation !== null && task.confirmation.status !== 'submitted';
}
