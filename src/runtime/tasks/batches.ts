/**
 * The batches the engine sent to operators, and the Merkle trees of the roots they signed.
 *
 * A batch is a set of new tasks of one reference epoch, sent to every operator of the set in one `batch` message.
 * Each operator answers them all with one signature over the root of the tree of its answers' digests
 * (`core/crypto/attestation-batch.ts`). Honest operators give the same answers, so they sign the same root, and the
 * tree is built once per distinct root: an operator that signed a known root only has to name the same set of digests.
 * A batch is forgotten once none of its tasks is held in memory any more.
 */
import { randomBytes } from 'node:crypto';
import type { Hex } from 'viem';
import { type AttestationBatch, buildAttestationBatch } from '../../core/crypto/attestation-batch.ts';

/** A batch as sent: its id, the reference epoch of its tasks, and the tasks by lowercase id. */
export type DispatchedBatch<T> = {
  batchId: Hex;
  referenceEpoch: number;
  tasks: Map<string, T>;
};

/**
 * The answers that made a root's tree, as the first operator to sign it sent them (`wire`), with what the engine read
 * from them: another operator that signs the same root with the same answers needs no digest recomputed.
 */
export type RootAnswers<A> = { wire: readonly object[]; answers: readonly A[]; digests: readonly Hex[] };

/** Thrown when an operator's answers do not make the root it signed. */
export class BatchRootMismatchError extends Error {
  override name = 'BatchRootMismatchError';
}

/** The engine's batches and trees (see the module comment). */
export class BatchBook<T> {
  private readonly batches = new Map<string, DispatchedBatch<T>>();
  /** Root → tree, with the batch it came from (trees go with their batch). */
  private readonly trees = new Map<string, { tree: AttestationBatch; digests: Set<string>; batchId: string; answers?: RootAnswers<unknown> }>();

  /** Records a new batch of `tasks` (all of `referenceEpoch`) under a fresh random id. */
  open(tasks: readonly { id: string; task: T }[], referenceEpoch: number): DispatchedBatch<T> {
    const batchId = `0x${randomBytes(32).toString('hex')}` as Hex;
    const batch: DispatchedBatch<T> = { batchId, referenceEpoch, tasks: new Map(tasks.map((t) => [t.id.toLowerCase(), t.task])) };
    this.batches.set(batchId, batch);
    return batch;
  }

  /** The batch sent under `batchId` (any hex case), if still held. */
  get(batchId: string): DispatchedBatch<T> | undefined {
    return this.batches.get(batchId.toLowerCase());
  }

  /**
   * The tree of `root` for the batch `batchId`, checking that `digests` are exactly its leaves: built on first use,
   * looked up after.
   * @throws {BatchRootMismatchError} when the digests make another root (or repeat one).
   */
  treeOf(batchId: Hex, root: Hex, digests: readonly Hex[]): AttestationBatch {
    const key = root.toLowerCase();
    const known = this.trees.get(key);
    if (known) {
      const same = known.digests.size === digests.length && digests.every((d) => known.digests.has(d.toLowerCase()));
      if (!same) throw new BatchRootMismatchError(`the answers do not make the signed root ${root}`);
      return known.tree;
    }
    let tree: AttestationBatch;
    try {
      tree = buildAttestationBatch(digests);
    } catch (error) {
      throw new BatchRootMismatchError(`the answers cannot form a batch: ${(error as Error).message}`);
    }
    if (tree.root !== key) throw new BatchRootMismatchError(`the answers make root ${tree.root}, not the signed root ${root}`);
    this.trees.set(key, { tree, digests: new Set(tree.digests), batchId: batchId.toLowerCase() });
    return tree;
  }

  /** Keeps the answers that made the tree of `root` (held only while the tree is; the first call wins). */
  rememberAnswers(root: Hex, answers: RootAnswers<unknown>): void {
    const known = this.trees.get(root.toLowerCase());
    if (known && !known.answers) known.answers = answers;
  }

  /**
   * The tree of `root` in batch `batchId` and the answers that made it, when `wire` repeats those answers field for field
   * (same tasks in the same order, same values): then `wire` makes the same digests, hence the same root, without
   * hashing anything. Undefined otherwise (the caller reads the answers and checks them with {@link treeOf}).
   */
  sameAnswers<A>(batchId: Hex, root: Hex, wire: readonly object[]): { tree: AttestationBatch; answers: RootAnswers<A> } | undefined {
    const known = this.trees.get(root.toLowerCase());
    const answers = known?.answers;
    if (!known || !answers || known.batchId !== batchId.toLowerCase() || answers.wire.length !== wire.length) return undefined;
    for (let i = 0; i < wire.length; i++) if (!shallowEqual(answers.wire[i]!, wire[i]!)) return undefined;
    return { tree: known.tree, answers: answers as RootAnswers<A> };
  }

  /** The Merkle path of `digest` in the tree of `root`, or undefined when that tree is not held or lacks it. */
  proofOf(root: Hex, digest: Hex): readonly Hex[] | undefined {
    const known = this.trees.get(root.toLowerCase());
    if (!known || !known.digests.has(digest.toLowerCase())) return undefined;
    return known.tree.proofOf(digest);
  }

  /** Forgets the batches none of whose tasks `isHeld`, with their trees. */
  sweep(isHeld: (id: string, task: T) => boolean): void {
    const dropped = new Set<string>();
    for (const [batchId, batch] of this.batches) {
      let held = false;
      for (const [id, task] of batch.tasks) {
        if (isHeld(id, task)) {
          held = true;
          break;
        }
      }
      if (!held) {
        this.batches.delete(batchId);
        dropped.add(batchId);
      }
    }
    if (dropped.size === 0) return;
    for (const [root, entry] of this.trees) if (dropped.has(entry.batchId)) this.trees.delete(root);
  }

  /** Forgets everything (the engine stopped). */
  clear(): void {
    this.batches.clear();
    this.trees.clear();
  }
}

/** Whether two wire objects have the same own keys with identical (`===`) values: answers are flat JSON objects. */
function shallowEqual(a: object, b: object): boolean {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let count = 0;
  for (const key in x) {
    if (x[key] !== y[key]) return false;
    count++;
  }
  for (const _ in y) count--;
  return count === 0;
}
