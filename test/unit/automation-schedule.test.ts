/**
 * The executor schedule's TypeScript mirror (src/services/automation/schedule.ts): which arrangement holds a block,
 * slot numbers and bounds (a slot cut short by the next arrangement), each slot's executor as the shared selection
 * draws it, delegated signers, and upcoming slots across an arrangement boundary.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Address, Hex } from 'viem';
import { type Arrangement, ScheduleError, arrangementAt, isValidExecutor, slotAt, upcomingSlots } from '../../src/services/automation/schedule.ts';
import { cumulativeWeights, selectExecutor } from '../../src/services/automation/selection.ts';

const A: Address = '0x00000000000000000000000000000000000000aa';
const B: Address = '0x00000000000000000000000000000000000000bb';
const SIGNER: Address = '0x0000000000000000000000000000000000005151';
const SEED_1: Hex = `0x${'11'.repeat(32)}`;
const SEED_2: Hex = `0x${'22'.repeat(32)}`;

const arrangements: Arrangement[] = [
  { epoch: 3, startBlock: 100n, seed: SEED_1, executors: [A, B], cumulativeWeights: cumulativeWeights([1n, 3n]) },
  { epoch: 4, startBlock: 152n, seed: SEED_2, executors: [B], cumulativeWeights: [5n] },
  { epoch: 5, startBlock: 200n, seed: SEED_2, executors: [], cumulativeWeights: [] },
];

describe('automation schedule', () => {
  it('finds the arrangement in force at a block, none before the first', () => {
    assert.equal(arrangementAt(arrangements, 99n), undefined);
    assert.equal(arrangementAt(arrangements, 100n)?.epoch, 3);
    assert.equal(arrangementAt(arrangements, 151n)?.epoch, 3);
    assert.equal(arrangementAt(arrangements, 152n)?.epoch, 4);
    assert.equal(arrangementAt(arrangements, 10_000n)?.epoch, 5);
  });

  it('numbers slots from the arrangement start and draws each executor with the shared selection', () => {
    for (let block = 100n; block < 152n; block++) {
      const slot = slotAt(arrangements, block, 5n)!;
      assert.equal(slot.slot, (block - 100n) / 5n);
      assert.equal(slot.startBlock, 100n + slot.slot * 5n);
      assert.equal(slot.executor, [A, B][selectExecutor(SEED_1, slot.slot, arrangements[0]!.cumulativeWeights)]);
    }
  });

  it('cuts the last slot of an arrangement at the next one', () => {
    const last = slotAt(arrangements, 151n, 5n)!;
    assert.deepEqual([last.slot, last.startBlock, last.endBlock], [10n, 150n, 152n]);
    const first = slotAt(arrangements, 152n, 5n)!;
    assert.deepEqual([first.epoch, first.slot, first.startBlock, first.endBlock, first.executor], [4, 0n, 152n, 157n, B]);
  });

  it('has no executor for an empty snapshot', () => {
    assert.equal(slotAt(arrangements, 205n, 5n)?.executor, null);
    assert.equal(isValidExecutor(arrangements, 205n, 5n, A, () => undefined), false);
  });

  it('accepts the executor or its delegated signer only', () => {
    const signers = (s: Address) => (s === SIGNER ? B : undefined);
    assert.equal(isValidExecutor(arrangements, 160n, 5n, B, signers), true);
    assert.equal(isValidExecutor(arrangements, 160n, 5n, SIGNER, signers), true);
    assert.equal(isValidExecutor(arrangements, 160n, 5n, A, signers), false);
    assert.equal(isValidExecutor(arrangements, 50n, 5n, B, signers), false);
  });

  it('lists upcoming slots across an arrangement boundary', () => {
    const slots = upcomingSlots(arrangements, 148n, 4, 5n);
    assert.deepEqual(
      slots.map((s) => [s.epoch, s.slot, s.startBlock, s.endBlock]),
      [
        [3, 9n, 145n, 150n],
        [3, 10n, 150n, 152n],
        [4, 0n, 152n, 157n],
        [4, 1n, 157n, 162n],
      ],
    );
  });

  it('refuses a slot length that is not positive', () => {
    assert.throws(() => slotAt(arrangements, 120n, 0n), ScheduleError);
  });
});
