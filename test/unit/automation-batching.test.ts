/**
 * The executor's pure batching: gas budgets as DittoEntryPoint requires them, packing under the block gas limit, and
 * bisection of a reverting batch down to the refs that make it revert.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Address } from 'viem';
import {
  BATCH_BASE_GAS,
  CALL_GAS_RESERVE,
  CHECK_GAS_LIMIT,
  CHECK_GAS_RESERVE,
  RunStatus,
  TriggerKind,
  WORKFLOW_OVERHEAD_GAS,
  type BudgetedRef,
  batchGasLimit,
  isRun,
  planBatches,
  refKey,
  simulateBisected,
  splitInHalves,
  workflowGasBudget,
} from '../../src/services/automation/operator/batching.ts';

const vault = '0x00000000000000000000000000000000000000aA' as Address;
const ref = (id: number, budget = 100_000n): BudgetedRef => ({ ref: { vault, id: BigInt(id) }, budget });

describe('workflow gas budget', () => {
  it('is the call gas the entry point requires, plus the check for a condition workflow, plus the overhead', () => {
    assert.equal(workflowGasBudget({ maxGasLimit: 630_000n, kind: TriggerKind.Time }), 630_000n + 10_000n + CALL_GAS_RESERVE + WORKFLOW_OVERHEAD_GAS);
    const check = CHECK_GAS_LIMIT + CHECK_GAS_LIMIT / 63n + CHECK_GAS_RESERVE;
    assert.equal(workflowGasBudget({ maxGasLimit: 630_000n, kind: TriggerKind.Condition }), 630_000n + 10_000n + CALL_GAS_RESERVE + check + WORKFLOW_OVERHEAD_GAS);
  });

  it('gives a batch its workflows budgets plus the base gas', () => {
    assert.equal(batchGasLimit([ref(0, 1n), ref(1, 2n)]), BATCH_BASE_GAS + 3n);
    assert.equal(batchGasLimit([]), BATCH_BASE_GAS);
  });
});

describe('planBatches', () => {
  it('keeps every batch within the block gas limit, refs in order, none lost', () => {
    const refs = Array.from({ length: 10 }, (_, i) => ref(i, 300_000n));
    const max = BATCH_BASE_GAS + 1_000_000n;
    const batches = planBatches(refs, max);
    assert.deepEqual(batches.map((b) => b.length), [3, 3, 3, 1]);
    for (const b of batches) assert.ok(batchGasLimit(b) <= max);
    assert.deepEqual(batches.flat().map((r) => r.ref.id), refs.map((r) => r.ref.id));
  });

  it('puts a ref larger than the limit in a batch of its own', () => {
    const batches = planBatches([ref(0, 10n), ref(1, 5_000_000n), ref(2, 10n)], 1_000_000n);
    assert.deepEqual(batches.map((b) => b.map((r) => r.ref.id)), [[0n], [1n], [2n]]);
  });

  it('returns no batch for no ref', () => {
    assert.deepEqual(planBatches([], 30_000_000n), []);
  });
});

describe('splitInHalves', () => {
  it('splits with the longer half first', () => {
    assert.deepEqual(splitInHalves([1, 2, 3, 4, 5]), [[1, 2, 3], [4, 5]]);
    assert.deepEqual(splitInHalves([1]), [[1], []]);
  });
});

describe('simulateBisected', () => {
  // A simulation that reverts whenever the batch holds a poisoned ref, else reports every ref Succeeded.
  const simulator = (poisoned: ReadonlySet<number>) => {
    const seen: number[][] = [];
    const simulate = async (refs: readonly number[]) => {
      seen.push([...refs]);
      if (refs.some((r) => poisoned.has(r))) throw new Error('reverted');
      return refs.map(() => RunStatus.Succeeded);
    };
    return { simulate, seen };
  };

  it('simulates a batch that does not revert once', async () => {
    const { simulate, seen } = simulator(new Set());
    const result = await simulateBisected([1, 2, 3], simulate);
    assert.equal(result.calls, 1);
    assert.deepEqual(seen, [[1, 2, 3]]);
    assert.deepEqual(result.batches, [{ refs: [1, 2, 3], statuses: [1, 1, 1] }]);
    assert.deepEqual(result.reverted, []);
  });

  it('isolates the reverting refs and keeps every other one in a batch that returned', async () => {
    const { simulate } = simulator(new Set([3, 7]));
    const refs = [1, 2, 3, 4, 5, 6, 7, 8];
    const result = await simulateBisected(refs, simulate);
    assert.deepEqual(result.reverted.sort(), [3, 7]);
    assert.deepEqual(result.batches.flatMap((b) => b.refs).sort(), [1, 2, 4, 5, 6, 8]);
    // 1 + 2 halves + 4 quarters + the 4 singles of the two poisoned quarters.
    assert.equal(result.calls, 11);
  });

  it('reports a lone reverting ref', async () => {
    const { simulate } = simulator(new Set([1]));
    const result = await simulateBisected([1], simulate);
    assert.deepEqual(result, { batches: [], reverted: [1], calls: 1 });
  });
});

describe('refs and statuses', () => {
  it('keys a ref by lower-case vault and id', () => {
    assert.equal(refKey({ vault, id: 3n }), `${vault.toLowerCase()}:3`);
  });

  it('counts only Succeeded and Failed as runs', () => {
    assert.deepEqual(
      Object.values(RunStatus).filter(isRun),
      [RunStatus.Succeeded, RunStatus.Failed],
    );
  });
});
