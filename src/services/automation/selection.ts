/**
 * The automation service's executor of a slot, as the Solidity library ExecutorSelection
 * (contracts/src/services/automation/ExecutorSelection.sol) picks it: among an epoch's executor snapshot, one operator
 * per slot, drawn in proportion to stake weight from the epoch's seed. Both are checked against
 * test/vectors/automation-selection.json (written by scripts/gen-automation-vectors.ts).
 *
 * Inputs: `seed` (bytes32, the epoch's seed), `slot` (uint256, the slot number within the epoch, from 0) and the
 * snapshot as cumulative weights (one entry per executor in snapshot order, `cumulative[i] = w0 + … + wi`, every
 * weight > 0, hence strictly increasing; `total` = last entry > 0).
 *
 * Rule: `r = uint256(keccak256(abi.encode(seed, slot))) % total`; the executor is the first index `i` with
 * `r < cumulative[i]` (binary search, O(log n)). Executor i is chosen with probability `w_i / total` up to the modulo
 * bias, which is below `total / 2^256` for any executor (about 2^-161 for a total stake of 2^95 wei ≈ 4e10 ETH).
 *
 * Checking that a snapshot increases is O(n), so {@link selectExecutor} does not: run
 * {@link checkCumulativeWeights} once when the snapshot is built, or build it with {@link cumulativeWeights}.
 */
import { type Hex, encodeAbiParameters, keccak256 } from 'viem';

const UINT256_MAX = (1n << 256n) - 1n;

/** Any input ExecutorSelection refuses; the subclasses name the Solidity custom error they mirror. */
export class ExecutorSelectionError extends Error {
  override name = 'ExecutorSelectionError';
}

/** The snapshot has no executor: no entry, or a total weight of 0 (Solidity `EmptyExecutorSet()`). */
export class EmptyExecutorSetError extends ExecutorSelectionError {
  override name = 'EmptyExecutorSetError';
  constructor() {
    super('the executor set is empty (no entry, or a total weight of 0)');
  }
}

/** `weights[index]` is not positive (Solidity `ZeroWeight(index)`): an executor without stake cannot be in a snapshot. */
export class ZeroWeightError extends ExecutorSelectionError {
  override name = 'ZeroWeightError';
  constructor(readonly index: number) {
    super(`executor ${index} has no weight`);
  }
}

/**
 * `cumulativeWeights[index]` is not above the entry before it, or is not positive at index 0
 * (Solidity `CumulativeWeightsNotIncreasing(index)`).
 */
export class CumulativeWeightsNotIncreasingError extends ExecutorSelectionError {
  override name = 'CumulativeWeightsNotIncreasingError';
  constructor(readonly index: number) {
    super(`cumulative weight ${index} is not above the one before it`);
  }
}

/** A weight or their sum does not fit in a uint256 (in Solidity, the arithmetic panic 0x11 or an ABI decoding error). */
export class WeightOverflowError extends ExecutorSelectionError {
  override name = 'WeightOverflowError';
  constructor(readonly index: number) {
    super(`cumulative weight ${index} does not fit in a uint256`);
  }
}

/**
 * The 256-bit word a slot's executor is drawn from: `uint256(keccak256(abi.encode(seed, slot)))`.
 * @throws viem's encoding errors when `seed` is not 32 bytes or `slot` is outside uint256.
 */
export function slotRandomWord(seed: Hex, slot: bigint): bigint {
  return BigInt(keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'uint256' }], [seed, slot])));
}

/**
 * The executor of `slot` in the epoch with `seed`: its position in the snapshot, the first i with
 * `r < cumulativeWeights[i]` where `r = slotRandomWord(seed, slot) % total` (ExecutorSelection.pick).
 * Only the binary search: `cumulativeWeights` must pass {@link checkCumulativeWeights}. Whatever the entries, the result
 * is below their count; on a non-increasing snapshot it is just not stake-proportional.
 * @param seed the epoch's seed (bytes32).
 * @param slot the slot number within the epoch, from 0 (uint256).
 * @param cumulativeWeights the epoch's snapshot, cumulative stake weights.
 * @throws {EmptyExecutorSetError} when the snapshot is empty or its total (last entry) is 0.
 */
export function selectExecutor(seed: Hex, slot: bigint, cumulativeWeights: readonly bigint[]): number {
  const n = cumulativeWeights.length;
  if (n === 0) throw new EmptyExecutorSetError();
  const total = cumulativeWeights[n - 1];
  if (total <= 0n) throw new EmptyExecutorSetError();
  const r = slotRandomWord(seed, slot) % total;
  // Upper bound, as OpenZeppelin's Arrays.upperBoundMemory: the first i with cumulative[i] > r.
  let low = 0;
  let high = n;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (cumulativeWeights[mid] > r) high = mid;
    else low = mid + 1;
  }
  return low;
}

/**
 * Throws unless `cumulativeWeights` is a valid snapshot: non-empty, first entry > 0, strictly increasing, within uint256
 * (ExecutorSelection.checkCumulative). O(n): run once per snapshot, not per slot.
 * @throws {EmptyExecutorSetError} when there is no entry.
 * @throws {CumulativeWeightsNotIncreasingError} at the first entry not above the previous one (or 0 at index 0).
 * @throws {WeightOverflowError} at an entry above 2^256 - 1.
 */
export function checkCumulativeWeights(cumulativeWeights: readonly bigint[]): void {
  if (cumulativeWeights.length === 0) throw new EmptyExecutorSetError();
  let previous = 0n;
  for (const [i, current] of cumulativeWeights.entries()) {
    if (current <= previous) throw new CumulativeWeightsNotIncreasingError(i);
    if (current > UINT256_MAX) throw new WeightOverflowError(i);
    previous = current;
  }
}

/**
 * The cumulative weights of `weights` (`result[i] = weights[0] + … + weights[i]`), a valid snapshot
 * (ExecutorSelection.cumulative).
 * @param weights each executor's stake weight, in snapshot order, every one > 0.
 * @throws {EmptyExecutorSetError} when there is no weight.
 * @throws {ZeroWeightError} at the first weight ≤ 0.
 * @throws {WeightOverflowError} where the running sum exceeds 2^256 - 1.
 */
export function cumulativeWeights(weights: readonly bigint[]): bigint[] {
  if (weights.length === 0) throw new EmptyExecutorSetError();
  let sum = 0n;
  return weights.map((w, i) => {
    if (w <= 0n) throw new ZeroWeightError(i);
    sum += w;
    if (sum > UINT256_MAX) throw new WeightOverflowError(i);
    return sum;
  });
}
