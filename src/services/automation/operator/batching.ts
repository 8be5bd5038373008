/**
 * The pure parts of an executor's work in a block: the gas a workflow needs inside `runMultipleWorkflows`, packing due
 * workflows into batches under the block gas limit, and bisecting a batch whose simulation reverts until the refs that
 * make it revert are isolated (binary split, halves retried).
 *
 * The budget mirrors DittoEntryPoint: a workflow starts only with `maxGasLimit + maxGasLimit / 63 + CALL_GAS_RESERVE`
 * gas left (EIP-150 forwards 63/64), and a condition workflow first needs its check's `CHECK_GAS_LIMIT × 64/63 +
 * CHECK_GAS_RESERVE` on top; the rest of a run (storage reads, prefund, events, settlement) is the per-workflow overhead.
 */
import type { Address } from 'viem';

/** DittoEntryPoint.CALL_GAS_RESERVE (gas units). */
export const CALL_GAS_RESERVE = 60_000n;
/** WorkflowTriggers.CHECK_GAS_LIMIT (gas units). */
export const CHECK_GAS_LIMIT = 150_000n;
/** WorkflowTriggers.CHECK_GAS_RESERVE (gas units). */
export const CHECK_GAS_RESERVE = 10_000n;
/** Gas per workflow outside its call and check: reading it, the prefund and schedule writes, the events, the settlement. */
export const WORKFLOW_OVERHEAD_GAS = 40_000n;
/** Gas of a batch transaction outside its workflows: intrinsic gas, calldata, the schedule check, the fee read. */
export const BATCH_BASE_GAS = 100_000n;

/** DittoEntryPoint.WorkflowRef: a vault's workflow `id`. */
export type WorkflowRef = { vault: Address; id: bigint };

/** IDittoEntryPoint.TriggerKind. */
export const TriggerKind = { Time: 0, Condition: 1 } as const;

/** IDittoEntryPoint.RunStatus, by name. */
export const RunStatus = {
  NotRun: 0,
  Succeeded: 1,
  Failed: 2,
  NotDue: 3,
  Inactive: 4,
  GasPriceTooHigh: 5,
  InsufficientPrefund: 6,
} as const;
export type RunStatusName = keyof typeof RunStatus;

/** A ref with the gas a batch must hold for it ({@link workflowGasBudget}). */
export type BudgetedRef = { ref: WorkflowRef; budget: bigint };

/** A map key of a ref (vault in lower case, id in decimal). */
export function refKey(ref: WorkflowRef): string {
  return `${ref.vault.toLowerCase()}:${ref.id}`;
}

/** Whether a status is a run (the call was made and paid for): Succeeded or Failed. */
export function isRun(status: number): boolean {
  return status === RunStatus.Succeeded || status === RunStatus.Failed;
}

/**
 * Gas (units) a batch must hold for one workflow so that the entry point starts it and it gets its full `maxGasLimit`.
 * @param workflow Its registered gas cap and trigger kind ({@link TriggerKind}).
 */
export function workflowGasBudget(workflow: { maxGasLimit: bigint; kind: number }): bigint {
  const call = workflow.maxGasLimit + workflow.maxGasLimit / 63n + CALL_GAS_RESERVE;
  const check = workflow.kind === TriggerKind.Condition ? CHECK_GAS_LIMIT + CHECK_GAS_LIMIT / 63n + CHECK_GAS_RESERVE : 0n;
  return call + check + WORKFLOW_OVERHEAD_GAS;
}

/** Gas limit of a batch transaction: its workflows' budgets plus {@link BATCH_BASE_GAS}. */
export function batchGasLimit(batch: readonly BudgetedRef[]): bigint {
  return batch.reduce((sum, b) => sum + b.budget, BATCH_BASE_GAS);
}

/**
 * Packs refs, in order, into consecutive batches whose {@link batchGasLimit} stays within `maxGas` (the block gas
 * limit). A ref whose budget alone exceeds it gets a batch of its own (the entry point then cuts it short, uncharged).
 */
export function planBatches(refs: readonly BudgetedRef[], maxGas: bigint): BudgetedRef[][] {
  const batches: BudgetedRef[][] = [];
  let current: BudgetedRef[] = [];
  let gas = BATCH_BASE_GAS;
  for (const r of refs) {
    if (current.length > 0 && gas + r.budget > maxGas) {
      batches.push(current);
      current = [];
      gas = BATCH_BASE_GAS;
    }
    current.push(r);
    gas += r.budget;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Splits a batch in two halves (the first one longer by one for an odd length); a single ref cannot be split. */
export function splitInHalves<T>(batch: readonly T[]): [T[], T[]] {
  const middle = Math.ceil(batch.length / 2);
  return [batch.slice(0, middle), batch.slice(middle)];
}

/** What {@link simulateBisected} found. */
export type BisectedSimulation<T> = {
  /** Batches whose simulation returned, each with the status of every ref (in order). */
  batches: { refs: T[]; statuses: number[] }[];
  /** Refs whose simulation reverts even alone. */
  reverted: T[];
  /** Simulations made (1 for a batch that did not revert). */
  calls: number;
};

/**
 * Simulates `batch`; when the simulation throws, splits it in halves and simulates each, recursively, so that the
 * refs that make a batch revert end up alone in `reverted` and every other ref in a batch that returned.
 * @param simulate Returns one status per ref, or throws when the batch reverts.
 */
export async function simulateBisected<T>(batch: readonly T[], simulate: (refs: readonly T[]) => Promise<readonly number[]>): Promise<BisectedSimulation<T>> {
  const result: BisectedSimulation<T> = { batches: [], reverted: [], calls: 0 };
  const visit = async (refs: readonly T[]): Promise<void> => {
    if (refs.length === 0) return;
    result.calls++;
    try {
      const statuses = await simulate(refs);
      result.batches.push({ refs: [...refs], statuses: [...statuses] });
    } catch {
      if (refs.length === 1) {
        result.reverted.push(refs[0]!);
        return;
      }
      const [a, b] = splitInHalves(refs);
      await visit(a);
      await visit(b);
    }
  };
  await visit(batch);
  return result;
}
