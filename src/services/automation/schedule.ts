/**
 * The executor schedule as ExecutorSchedule (contracts/src/services/automation/ExecutorSchedule.sol) defines it, for
 * nodes and the CLI: arrangements (one per arranged epoch, each from its start block until the next), slots of
 * `slotBlocks` blocks counted from an arrangement's start, and each slot's executor drawn by {@link selectExecutor}.
 * Pure functions over arrangements read once from the chain; the contract answers the same for every block
 * (docs/decisions/automation-0001-schedule.md).
 */
import type { Address, Hex } from 'viem';
import { selectExecutor } from './selection.ts';

/** ExecutorSchedule.Arrangement. */
export type Arrangement = {
  /** The epoch it was made in (its weights are this epoch's). */
  epoch: number;
  /** Slot 0 starts at this block. */
  startBlock: bigint;
  seed: Hex;
  /** The snapshot's operators. */
  executors: readonly Address[];
  /** Their cumulative stake weights (weight units of the stake registry). */
  cumulativeWeights: readonly bigint[];
};

/** A slot and its executor. */
export type ScheduledSlot = {
  /** The arrangement's epoch. */
  epoch: number;
  /** The slot's number within its arrangement. */
  slot: bigint;
  /** Its first block, and the first block after it (the next arrangement can cut it short: see {@link slotAt}). */
  startBlock: bigint;
  endBlock: bigint;
  /** The operator drawn for it; null when the snapshot is empty (no executor). */
  executor: Address | null;
};

/** A slot length that is not positive. */
export class ScheduleError extends Error {
  override name = 'ScheduleError';
}

/**
 * The arrangement in force at `blockNumber`: the latest whose start block is at or before it.
 * @param arrangements In the contract's order (start blocks increasing).
 * @returns undefined before the first arrangement.
 */
export function arrangementAt(arrangements: readonly Arrangement[], blockNumber: bigint): Arrangement | undefined {
  let low = 0;
  let high = arrangements.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (arrangements[mid]!.startBlock <= blockNumber) low = mid + 1;
    else high = mid;
  }
  return low === 0 ? undefined : arrangements[low - 1];
}

/**
 * The slot holding `blockNumber` and its executor, as ExecutorSchedule.executorAt. A slot ends at its last block or at
 * the next arrangement's start, whichever comes first.
 * @returns undefined before the first arrangement.
 * @throws {ScheduleError} when `slotBlocks` is not positive.
 */
export function slotAt(arrangements: readonly Arrangement[], blockNumber: bigint, slotBlocks: bigint): ScheduledSlot | undefined {
  if (slotBlocks <= 0n) throw new ScheduleError(`slotBlocks must be positive, got ${slotBlocks}`);
  const index = arrangementIndexAt(arrangements, blockNumber);
  if (index < 0) return undefined;
  const a = arrangements[index]!;
  const slot = (blockNumber - a.startBlock) / slotBlocks;
  const startBlock = a.startBlock + slot * slotBlocks;
  const next = arrangements[index + 1]?.startBlock;
  const fullEnd = startBlock + slotBlocks;
  const endBlock = next !== undefined && next < fullEnd ? next : fullEnd;
  const executor = a.executors.length === 0 ? null : a.executors[selectExecutor(a.seed, slot, a.cumulativeWeights)]!;
  return { epoch: a.epoch, slot, startBlock, endBlock, executor };
}

/**
 * Whether `account` may execute at `blockNumber`: the slot's executor, or the delegated signer of it
 * (`signerOperator` maps a signer to its operator), as ExecutorSchedule.isValidExecutor.
 */
export function isValidExecutor(
  arrangements: readonly Arrangement[],
  blockNumber: bigint,
  slotBlocks: bigint,
  account: Address,
  signerOperator: (signer: Address) => Address | undefined,
): boolean {
  const executor = slotAt(arrangements, blockNumber, slotBlocks)?.executor;
  if (!executor) return false;
  const lower = executor.toLowerCase();
  return account.toLowerCase() === lower || signerOperator(account)?.toLowerCase() === lower;
}

/**
 * The `count` slots from the one holding `fromBlock` on, under the arrangements known now (a later arrangement
 * replaces the tail: nodes re-read the schedule at each arrangement).
 * @throws {ScheduleError} when `slotBlocks` is not positive.
 */
export function upcomingSlots(arrangements: readonly Arrangement[], fromBlock: bigint, count: number, slotBlocks: bigint): ScheduledSlot[] {
  const slots: ScheduledSlot[] = [];
  let block = fromBlock;
  while (slots.length < count) {
    const slot = slotAt(arrangements, block, slotBlocks);
    if (!slot) break;
    slots.push(slot);
    block = slot.endBlock;
  }
  return slots;
}

function arrangementIndexAt(arrangements: readonly Arrangement[], blockNumber: bigint): number {
  const a = arrangementAt(arrangements, blockNumber);
  return a === undefined ? -1 : arrangements.indexOf(a);
}
