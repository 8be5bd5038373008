/** Subscribers of tasks' committed changes, by task id. Listener errors are caught and logged, never thrown. */
import type { Hex } from 'viem';
import type { Logger } from '../../core/logging.ts';
import type { TaskSnapshot } from './types.ts';

/** A task's committed change, delivered to subscribers. */
export type TaskEvent<Q, A> = { taskId: Hex; task: TaskSnapshot<Q, A> };

/** The subscribers of every task. */
export class TaskEvents<Q, A> {
  private readonly listeners = new Map<string, Set<(event: TaskEvent<Q, A>) => void>>();

  constructor(private readonly log: Logger) {}

  /** Adds a listener of `taskId`; returns the unsubscribe function. */
  subscribe(taskId: Hex, listener: (event: TaskEvent<Q, A>) => void): () => void {
    const key = taskId.toLowerCase();
    let set = this.listeners.get(key);
    if (!set) {
      set = new Set();
      this.listeners.set(key, set);
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(key);
      current?.delete(listener);
      if (current?.size === 0) this.listeners.delete(key);
    };
  }

  /** Whether anyone listens to `taskId`. */
  has(taskId: Hex | string): boolean {
    return this.listeners.has(taskId.toLowerCase());
  }

  /** Delivers `snapshot` to the listeners of `taskId`. */
  emit(taskId: Hex, snapshot: TaskSnapshot<Q, A>): void {
    const set = this.listeners.get(taskId.toLowerCase());
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener({ taskId, task: snapshot });
      } catch (error) {
        this.log.warn({ err: (error as Error).message }, 'task listener failed');
      }
    }
  }

  /** Drops every listener (the engine stopped). */
  clear(): void {
    this.listeners.clear();
  }
}
