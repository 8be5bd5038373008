/**
 * The creation times of tasks this store has read or written, kept in memory. A batched answer's leaf is keyed by its
 * task's `created_at` (`storeBatchAnswers.ts`), which the store used to select from the task table on every write
 * batch: about 10 µs of SQLite per proof with 4 operators. A task's creation time never changes and tasks are never
 * deleted, so a time the store saw committed is still right; a task it has not seen (another replica's, or one
 * forgotten to keep the memory bounded) is still looked up.
 */

/** Default number of tasks remembered: several bursts of unfinished tasks. */
const DEFAULT_CAPACITY = 32_768;

/** Lowercase task id → `created_at` (unix ms), the oldest forgotten first once `capacity` is reached. */
export class TaskCreationTimes {
  private readonly times = new Map<string, number>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** Remembers a committed task's creation time; `taskId` must be lowercase, as the task table stores it. */
  remember(taskId: string, createdAt: number): void {
    if (this.times.has(taskId)) return;
    if (this.times.size >= this.capacity) this.times.delete(this.times.keys().next().value as string);
    this.times.set(taskId, createdAt);
  }

  /** The creation time of the (lowercase) `taskId`, if remembered. */
  get(taskId: string): number | undefined {
    return this.times.get(taskId);
  }

  /** How many tasks are remembered. */
  get size(): number {
    return this.times.size;
  }
}
