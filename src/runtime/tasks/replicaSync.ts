/**
 * Replicas sharing one Postgres database: every replica holds every unfinished task, sends it to its own operators and
 * stores their answers; only the replica holding the task's lease (`claimed_by`) aggregates or fails it. This module
 * keeps a replica in step with the others: it hears the tasks they changed (LISTEN/NOTIFY) and re-reads them, renews
 * its leases, gives up tasks whose lease another replica took, and claims tasks nobody holds. On SQLite (one replica)
 * it does nothing.
 */
import type { Hex } from 'viem';
import type { Logger } from '../../core/logging.ts';
import type { TaskListener, TaskStore } from './store.ts';
import { type AnswerRecord, type TaskRecord, isFinalStatus } from './types.ts';

/** What the engine lets {@link ReplicaSync} do to its memory. */
export type ReplicaSyncTarget<Q, A> = {
  /** Takes a stored task (and its stored answers) into memory: a new foreign task, new answers, a claim, or its end. */
  absorb(record: TaskRecord<Q, A>, answers: readonly AnswerRecord<A>[]): Promise<void>;
  /** Ids (lowercase) of the tasks in memory. */
  activeIds(): Iterable<string>;
  /**
   * Gives up the lease of each owned unfinished task missing from `held` that this replica held before `since`
   * (a task claimed after the renewal began is not lost).
   */
  dropLostLeases(held: ReadonlySet<string>, since: number): void;
  /** Writes what the round decided. */
  requestFlush(): void;
};

/** Tasks claimed per claim round. */
const CLAIM_BATCH = 1_000;
/** Tasks re-read per round of notified changes. */
const SYNC_BATCH = 512;

/** Keeps one replica in step with the others; see the module comment. */
export class ReplicaSync<Q, A> {
  private changed = new Set<string>();
  private claimDue = false;
  private resyncDue = false;
  private running = false;
  private loop: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private listener: TaskListener | undefined;

  constructor(
    private readonly store: TaskStore<Q, A>,
    private readonly target: ReplicaSyncTarget<Q, A>,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  /**
   * Listens for other replicas' changes, then claims every task nobody holds (before the engine reloads unfinished
   * tasks, so no change falls between the read and the subscription). No-op on an unshared store.
   */
  async listenAndClaim(): Promise<void> {
    if (!this.store.shared) return;
    this.listener = await this.store.listen(
      (taskId) => {
        this.changed.add(taskId.toLowerCase());
        this.request();
      },
      () => {
        this.resyncDue = true;
        this.request();
      },
    );
    await this.store.claimTasks(this.now(), Number.MAX_SAFE_INTEGER);
  }

  /** Starts the lease rounds (every quarter lease) and reads the changes heard so far. */
  start(): void {
    if (!this.store.shared) return;
    this.running = true;
    this.timer = setInterval(() => {
      this.claimDue = true;
      this.request();
    }, Math.max(50, Math.floor(this.store.leaseMs / 4)));
    this.request();
  }

  /** Stops listening and waits for the round in progress. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    await this.listener?.close().catch(() => {});
    this.listener = undefined;
    await this.loop;
    this.changed.clear();
  }

  /** Runs the replica work (resync, lease round, notified tasks) one step at a time, never two at once. */
  private request(): void {
    if (this.loop || !this.running) return;
    this.loop = (async () => {
      await new Promise((r) => setImmediate(r));
      while (this.running && (this.resyncDue || this.claimDue || this.changed.size > 0)) {
        try {
          if (this.resyncDue) {
            this.resyncDue = false;
            // Notifications were lost while the listening connection was down: re-read everything unfinished.
            for (const { task } of await this.store.listUnfinished()) this.changed.add(task.taskId.toLowerCase());
            for (const id of this.target.activeIds()) this.changed.add(id);
          }
          if (this.claimDue) {
            this.claimDue = false;
            await this.leaseRound();
          }
          if (this.changed.size > 0) {
            const ids = [...this.changed].slice(0, SYNC_BATCH);
            for (const id of ids) this.changed.delete(id);
            await this.syncTasks(ids as Hex[]);
          }
        } catch (error) {
          this.log.warn({ err: (error as Error).message }, 'cannot read the changes of other replicas; retrying');
          this.resyncDue = true;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    })().finally(() => {
      this.loop = undefined;
      if (this.running && (this.resyncDue || this.claimDue || this.changed.size > 0)) this.request();
    });
  }

  /** Renews this replica's leases (giving up tasks whose lease another replica took), then claims tasks nobody holds. */
  private async leaseRound(): Promise<void> {
    const started = this.now();
    const held = new Set((await this.store.renewClaims(started)).map((id) => id.toLowerCase()));
    this.target.dropLostLeases(held, started);
    for (;;) {
      const claimed = await this.store.claimTasks(this.now(), CLAIM_BATCH);
      for (const { task, answers } of claimed) await this.target.absorb(task, answers);
      if (claimed.length > 0) this.log.info({ tasks: claimed.length, replica: this.store.replicaId }, 'claimed tasks no replica held');
      if (claimed.length < CLAIM_BATCH) break;
    }
    this.target.requestFlush();
  }

  /** Re-reads tasks another replica changed and brings memory (and subscribers) up to date. */
  private async syncTasks(ids: readonly Hex[]): Promise<void> {
    const records = await this.store.getTasks(ids);
    const open = records.filter((r) => !isFinalStatus(r.status)).map((r) => r.taskId);
    const answers = open.length > 0 ? await this.store.listAnswersOf(open) : new Map<Hex, AnswerRecord<A>[]>();
    for (const record of records) await this.target.absorb(record, answers.get(record.taskId.toLowerCase() as Hex) ?? []);
    this.target.requestFlush();
  }
}
