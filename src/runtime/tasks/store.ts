/**
 * The engine's durable task state machine: every task moves pending → signing → aggregated, or → failed with a
 * reason, and every transition is a guarded `UPDATE ... WHERE status = <expected>`, so a restarted process or a second
 * replica sharing the database cannot apply one twice. Writes come in batches ({@link StoreWriteBatch}), one
 * transaction per batch.
 *
 * An operator has one answer per task (`<prefix>answers`, primary key (task, operator)); a later, different answer is
 * kept in `<prefix>answer_conflicts` and never overwrites the first. Answers signed in a batch are stored once per
 * batch (`storeBatchAnswers.ts`) and read back merged with the others, one per operator. A proof's head, shared by every
 * task of a signed batch, is stored once (`storeProofHeads.ts`).
 *
 * Replicas: on Postgres each unfinished task is held by one replica under a lease (`claimed_by`, `lease_until`),
 * claimed with `SELECT ... FOR UPDATE SKIP LOCKED`; every write transaction notifies the tasks it touched on a
 * LISTEN/NOTIFY channel. On SQLite there is one replica and notifying is a no-op.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { type Kysely, type Transaction, sql } from 'kysely';
import type { Hex } from 'viem';
import type { Database } from '../../core/db/database.ts';
import { powerOfTwoChunks } from '../../core/db/chunks.ts';
import { type MigrationSet, migrateToLatest } from '../../core/db/migrations.ts';
import { batchAnswerTableNames, batchedAnswersOf, batchedAnswersOfOpenTasks, mergeAnswers } from './storeBatchAnswers.ts';
import { type AnswerRow, STATUS_AGGREGATED, STATUS_FAILED, STATUS_OPEN, type TaskRow, taskRows, taskTableNames } from './storeSchema.ts';
import { storeInserts } from './storeInserts.ts';
import { TaskCreationTimes } from './storeCreationTimes.ts';
import { proofHeads } from './storeProofHeads.ts';
import { isEmptyBatch, storeUpdates, writeBatch } from './storeWrites.ts';
import type { TaskCodec } from './taskType.ts';
import type {
  AnswerRecord,
  EpochProofCursor,
  EpochTaskCounts,
  InsertedTask,
  NewTask,
  ProofFeedCursor,
  StoreWriteBatch,
  StoreWriteResult,
  TaskRecord,
  UnfinishedTask,
} from './types.ts';

/** Options of {@link createTaskStore}. */
export type TaskStoreOptions<Q, A> = {
  /** Prefix of the tables (e.g. `state_proofs_`); see `storeSchema.ts`. */
  prefix: string;
  /**
   * The service's migrations; they must create the tables (`createTaskTablesMigration(prefix)`, then
   * `createBatchAnswerTablesMigration(prefix)`, then `proofHeadsMigration(prefix)`). Run first.
   */
  migrations: MigrationSet;
  codec: TaskCodec<Q, A>;
  /** This replica's id, stored in `claimed_by` (default `<hostname>-<pid>-<random>`). Letters, digits, `.`, `_`, `-`. */
  replicaId?: string;
  /** Lease of a claim, ms (default 10,000): how long a replica that stops renewing keeps its tasks. */
  leaseMs?: number;
};

/** A subscription from {@link TaskStore.listen}. */
export type TaskListener = { close(): Promise<void> };

/** Thrown for a malformed {@link TaskStoreOptions} value; names the option. */
export class TaskStoreOptionError extends Error {
  override name = 'TaskStoreOptionError';
}

/** The durable task store of one service. */
export type TaskStore<Q, A> = {
  /** Id of this replica (`claimed_by` of the tasks it creates and claims). */
  readonly replicaId: string;
  /** Lease of a claim, ms. */
  readonly leaseMs: number;
  /** True when other replicas may share the database (Postgres): claims and notifications matter. */
  readonly shared: boolean;
  /**
   * Stores new tasks (status `pending`, claimed by this replica for one lease) in one transaction. A task whose id
   * exists is left as it is and returned as stored (`created: false`): the same id is the same query. Results are in
   * input order.
   */
  insertTasks(tasks: readonly NewTask<Q>[]): Promise<InsertedTask<Q, A>[]>;
  /** The stored task, or undefined. */
  getTask(taskId: Hex): Promise<TaskRecord<Q, A> | undefined>;
  /** The stored tasks among `taskIds` (unknown ids are left out), in no particular order. */
  getTasks(taskIds: readonly Hex[]): Promise<TaskRecord<Q, A>[]>;
  /** Accepted answers to a task, ascending by operator. */
  listAnswers(taskId: Hex): Promise<AnswerRecord<A>[]>;
  /** Accepted answers to each of `taskIds`, ascending by operator within a task (keys lowercase). */
  listAnswersOf(taskIds: readonly Hex[]): Promise<Map<Hex, AnswerRecord<A>[]>>;
  /** Conflicting later answers to a task (equivocations), ascending by operator. */
  listConflicts(taskId: Hex): Promise<AnswerRecord<A>[]>;
  /** Conflicting answers to each of `taskIds` (keys lowercase). */
  listConflictsOf(taskIds: readonly Hex[]): Promise<Map<Hex, AnswerRecord<A>[]>>;
  /** Tasks still `pending` or `signing` with their accepted answers, oldest first (for reload after a restart). */
  listUnfinished(): Promise<UnfinishedTask<Q, A>[]>;
  /**
   * Claims up to `limit` unfinished tasks that no replica holds (lease expired or never set) for this replica until
   * `now + leaseMs`, oldest first, skipping rows another replica is claiming at the same moment
   * (`FOR UPDATE SKIP LOCKED` on Postgres), so two claimers never get the same task. Returns them with their answers.
   */
  claimTasks(now: number, limit: number): Promise<UnfinishedTask<Q, A>[]>;
  /**
   * Extends this replica's lease on every unfinished task it holds to `now + leaseMs`; returns their ids. A task
   * missing from the result is no longer held (finished, or claimed by another replica after the lease lapsed).
   */
  renewClaims(now: number): Promise<Hex[]>;
  /** Ends this replica's leases on its unfinished tasks (graceful stop), so another replica claims them at once. */
  releaseClaims(): Promise<void>;
  /**
   * Calls `onTask` with the id of each task another replica changed (created, answered, moved, extended), after its
   * commit. Postgres: LISTEN on a channel of the current schema and prefix; `onResync` runs after a lost listening
   * connection is back (notifications meanwhile are lost). SQLite: nothing to hear, a no-op.
   */
  listen(onTask: (taskId: Hex) => void, onResync: () => void): Promise<TaskListener>;
  /**
   * Aggregated tasks in the order they were last written (`updated_at`, then task id), strictly after `after`: the feed
   * of published proofs. A proof extended by late signatures is written again and so reappears later in the feed.
   */
  listProofs(query: { after?: ProofFeedCursor; limit: number }): Promise<TaskRecord<Q, A>[]>;
  /** Counts the tasks of reference epoch `epoch` by status. */
  countEpochTasks(epoch: number): Promise<EpochTaskCounts>;
  /**
   * Aggregated tasks of reference epoch `epoch` in the order they were aggregated (by `aggregatedAt`, then task id),
   * strictly after `after` (a page of `limit`).
   */
  listEpochProofs(epoch: number, page: { after?: EpochProofCursor; limit: number }): Promise<TaskRecord<Q, A>[]>;
  /** Applies a batch in one transaction; see {@link StoreWriteResult}. `now` stamps `updated_at`/`aggregated_at`. */
  write(batch: StoreWriteBatch<A>, now?: number): Promise<StoreWriteResult>;
};

/** Largest `in (...)` list and multi-row INSERT (well under SQLite's and Postgres's bound-parameter limits). */
const CHUNK = 256;

/** Ascending by operator address. */
const byOperator = (a: AnswerRecord<unknown>, b: AnswerRecord<unknown>): number => {
  const x = a.operator.toLowerCase();
  const y = b.operator.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
};

/**
 * Runs the service's migrations on `database` and returns a store over its task tables.
 * @throws {MigrationError} when the schema cannot be brought up to date; {@link TaskStoreOptionError} for bad options.
 */
export async function createTaskStore<Q, A>(database: Database<any>, options: TaskStoreOptions<Q, A>): Promise<TaskStore<Q, A>> {
  const replicaId = options.replicaId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(replicaId)) {
    throw new TaskStoreOptionError(`replicaId ${JSON.stringify(replicaId)} must be 1 to 64 letters, digits, '.', '_' or '-'`);
  }
  const leaseMs = options.leaseMs ?? 10_000;
  if (!Number.isSafeInteger(leaseMs) || leaseMs < 100) throw new TaskStoreOptionError(`leaseMs must be an integer of at least 100, got ${leaseMs}`);
  const t = { ...taskTableNames(options.prefix), ...batchAnswerTableNames(options.prefix) };
  await migrateToLatest(database, options.migrations);
  const db = database.kysely as Kysely<any>;
  const inserts = storeInserts(db, t);
  const updates = storeUpdates(db, t);
  const rows = taskRows(options.codec);
  const heads = proofHeads(options.prefix, options.codec);
  const creationTimes = new TaskCreationTimes();
  /** Remembers the creation times of committed tasks (the leaves of their batched answers are keyed by them). */
  const rememberCreated = (tasks: readonly TaskRecord<Q, A>[]) => {
    for (const task of tasks) creationTimes.remember(task.taskId.toLowerCase(), task.createdAt);
  };
  /** Records of task rows, their proofs put back together (`storeProofHeads.ts`). */
  const tasksOf = async (found: TaskRow[], from: Kysely<any> = db): Promise<TaskRecord<Q, A>[]> => (await heads.join(from, found)).map(rows.taskOf);
  const shared = database.dialect === 'postgres';
  // NOTIFY channels are per database, not per schema: name the channel after the schema so schemas stay apart.
  let channel = '';
  if (shared) {
    const { rows: found } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
    channel = `${t.tasks}_${(found[0]?.schema ?? 'public').replace(/[^A-Za-z0-9_]/g, '_')}`.slice(0, 63);
  }
  const selfSuffix = `:${replicaId}`;

  /** Tells the other replicas, at the commit of `trx`, that these tasks changed (payload `<taskId>:<replicaId>`). */
  const notify = async (trx: Transaction<any>, taskIds: Iterable<string>): Promise<void> => {
    if (!shared) return;
    const payloads = [...new Set([...taskIds].map((id) => id.toLowerCase()))].map((id) => id + selfSuffix);
    if (payloads.length === 0) return;
    await sql`select pg_notify(${channel}, p) from unnest(cast(${payloads} as text[])) as p`.execute(trx);
  };

  /** Answers in `table` to `taskIds`, by task; accepted answers (not conflicts) include those signed in a batch. */
  const answersOf = async (table: string, taskIds: readonly Hex[]): Promise<Map<Hex, AnswerRecord<A>[]>> => {
    const out = new Map<Hex, AnswerRecord<A>[]>();
    const ids = [...new Set(taskIds.map((id) => id.toLowerCase()))];
    for (const part of powerOfTwoChunks(ids, CHUNK)) {
      const found = (await db.selectFrom(table).selectAll().where('task_id', 'in', part).execute()) as AnswerRow[];
      for (const row of found) {
        const list = out.get(row.task_id as Hex) ?? [];
        list.push(rows.answerOf(row));
        out.set(row.task_id as Hex, list);
      }
    }
    if (table === t.answers) {
      for (const [id, batched] of await batchedAnswersOf(db, t, rows, ids)) out.set(id as Hex, mergeAnswers(out.get(id as Hex) ?? [], batched));
    }
    for (const list of out.values()) list.sort(byOperator);
    return out;
  };

  const answersOfTask = async (table: string, taskId: Hex): Promise<AnswerRecord<A>[]> =>
    (await answersOf(table, [taskId])).get(taskId.toLowerCase() as Hex) ?? [];

  return {
    replicaId,
    leaseMs,
    shared,

    async insertTasks(tasks) {
      if (tasks.length === 0) return [];
      const fresh = tasks.map((task) => ({ ...rows.newTaskRow(task), claimed_by: replicaId, lease_until: task.createdAt + leaseMs }));
      const inserted = await db.transaction().execute(async (trx) => {
        const created = new Set<string>();
        for (const r of (await inserts.tasks(trx, fresh)).returned) created.add(r.task_id);
        const existingIds = [...new Set(fresh.filter((r) => !created.has(r.task_id)).map((r) => r.task_id))];
        const existing = new Map<string, TaskRecord<Q, A>>();
        for (const part of powerOfTwoChunks(existingIds, CHUNK)) {
          const found = (await trx.selectFrom(t.tasks).selectAll().where('task_id', 'in', part).execute()) as TaskRow[];
          for (const task of await tasksOf(found, trx)) existing.set(task.taskId, task);
        }
        await notify(trx, created);
        const seen = new Set<string>();
        return fresh.map((row) => {
          // A task id given twice in one batch is created once; the second copy reports created: false.
          if (created.has(row.task_id) && !seen.has(row.task_id)) {
            seen.add(row.task_id);
            return { task: rows.taskOf(row), created: true };
          }
          return { task: existing.get(row.task_id) ?? rows.taskOf(row), created: false };
        });
      });
      rememberCreated(inserted.map((i) => i.task));
      return inserted;
    },

    async getTask(taskId) {
      const row = (await db.selectFrom(t.tasks).selectAll().where('task_id', '=', taskId.toLowerCase()).executeTakeFirst()) as TaskRow | undefined;
      return row ? (await tasksOf([row]))[0] : undefined;
    },

    async getTasks(taskIds) {
      const out: TaskRecord<Q, A>[] = [];
      for (const part of powerOfTwoChunks([...new Set(taskIds.map((id) => id.toLowerCase()))], CHUNK)) {
        const found = (await db.selectFrom(t.tasks).selectAll().where('task_id', 'in', part).execute()) as TaskRow[];
        out.push(...(await tasksOf(found)));
      }
      return out;
    },

    listAnswers: (taskId) => answersOfTask(t.answers, taskId),
    listAnswersOf: (taskIds) => answersOf(t.answers, taskIds),
    listConflicts: (taskId) => answersOfTask(t.conflicts, taskId),
    listConflictsOf: (taskIds) => answersOf(t.conflicts, taskIds),

    async listUnfinished() {
      const tasks = (await db
        .selectFrom(t.tasks)
        .selectAll()
        .where(STATUS_OPEN)
        .orderBy('created_at')
        .orderBy('task_id')
        .execute()) as TaskRow[];
      // `in (select ...)`, not a join: SQLite then reads the open tasks off their index and looks their answers up,
      // where with a join it may scan every answer ever stored.
      const answers = (await db
        .selectFrom(t.answers)
        .selectAll()
        .where('task_id', 'in', (eb: any) => eb.selectFrom(t.tasks).select('task_id').where(STATUS_OPEN))
        .orderBy('received_at')
        .execute()) as AnswerRow[];
      const byTask = new Map<string, AnswerRecord<A>[]>();
      for (const row of answers) {
        const list = byTask.get(row.task_id) ?? [];
        list.push(rows.answerOf(row));
        byTask.set(row.task_id, list);
      }
      for (const [id, batched] of await batchedAnswersOfOpenTasks(db, t, rows)) {
        byTask.set(id, mergeAnswers(byTask.get(id) ?? [], batched).sort((a, b) => a.receivedAt - b.receivedAt));
      }
      const unfinished = await tasksOf(tasks);
      rememberCreated(unfinished);
      return unfinished.map((task) => ({ task, answers: byTask.get(task.taskId) ?? [] }));
    },

    async claimTasks(now, limit) {
      const claimed = await db.transaction().execute(async (trx) => {
        let free = trx
          .selectFrom(t.tasks)
          .select('task_id')
          .where(STATUS_OPEN)
          .where((eb: any) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
          .orderBy('created_at')
          .orderBy('task_id')
          .limit(limit);
        // SQLite has one writer and one replica; the row locks are Postgres's.
        if (shared) free = free.forUpdate().skipLocked();
        const ids = ((await free.execute()) as { task_id: string }[]).map((r) => r.task_id);
        const out: TaskRecord<Q, A>[] = [];
        for (const part of powerOfTwoChunks(ids, CHUNK)) {
          const updated = (await trx
            .updateTable(t.tasks)
            .set({ claimed_by: replicaId, lease_until: now + leaseMs })
            .where('task_id', 'in', part)
            .returningAll()
            .execute()) as TaskRow[];
          out.push(...(await tasksOf(updated, trx)));
        }
        return out;
      });
      rememberCreated(claimed);
      const answers = await answersOf(t.answers, claimed.map((task) => task.taskId));
      return claimed.sort((a, b) => a.createdAt - b.createdAt).map((task) => ({ task, answers: answers.get(task.taskId) ?? [] }));
    },

    async renewClaims(now) {
      const renewed: { task_id: string }[] = await db
        .updateTable(t.tasks)
        .set({ lease_until: now + leaseMs })
        .where('claimed_by', '=', replicaId)
        .where(STATUS_OPEN)
        .returning('task_id')
        .execute();
      return renewed.map((r) => r.task_id as Hex);
    },

    async releaseClaims() {
      await db.updateTable(t.tasks).set({ lease_until: null }).where('claimed_by', '=', replicaId).where(STATUS_OPEN).execute();
    },

    async listen(onTask, onResync) {
      if (!shared || !database.listen) return { close: async () => {} };
      return database.listen(
        channel,
        (payload) => {
          if (payload.endsWith(selfSuffix)) return;
          const taskId = payload.slice(0, 66);
          if (/^0x[0-9a-f]{64}$/.test(taskId)) onTask(taskId as Hex);
        },
        onResync,
      );
    },

    async listProofs({ after, limit }) {
      let query = db.selectFrom(t.tasks).selectAll().where(STATUS_AGGREGATED);
      if (after) {
        const id = after.taskId.toLowerCase();
        query = query.where((eb: any) =>
          eb.or([eb('updated_at', '>', after.updatedAt), eb.and([eb('updated_at', '=', after.updatedAt), eb('task_id', '>', id)])]),
        );
      }
      const found = (await query.orderBy('updated_at').orderBy('task_id').limit(limit).execute()) as TaskRow[];
      return tasksOf(found);
    },

    async countEpochTasks(epoch) {
      // One count per partial index (storeSchema.ts): every task is in exactly one of them.
      const count = async (status: typeof STATUS_OPEN) =>
        Number(
          ((await db
            .selectFrom(t.tasks)
            .select((eb: any) => eb.fn.countAll().as('n'))
            .where('reference_epoch', '=', epoch)
            .where(status)
            .executeTakeFirst()) as { n: number | string | bigint } | undefined)?.n ?? 0,
        );
      return { aggregated: await count(STATUS_AGGREGATED), failed: await count(STATUS_FAILED), unfinished: await count(STATUS_OPEN) };
    },

    async listEpochProofs(epoch, { after, limit }) {
      let query = db.selectFrom(t.tasks).selectAll().where('reference_epoch', '=', epoch).where(STATUS_AGGREGATED);
      if (after) {
        const id = after.taskId.toLowerCase();
        query = query.where((eb: any) =>
          eb.or([eb('aggregated_at', '>', after.aggregatedAt), eb.and([eb('aggregated_at', '=', after.aggregatedAt), eb('task_id', '>', id)])]),
        );
      }
      const found = (await query.orderBy('aggregated_at').orderBy('task_id').limit(limit).execute()) as TaskRow[];
      return tasksOf(found);
    },

    async write(batch, now = Date.now()) {
      if (isEmptyBatch(batch)) return { answersInserted: 0, signing: [], completed: [], extended: [], failed: [] };
      return db.transaction().execute(async (trx) => {
        const result = await writeBatch(trx, { inserts, updates, heads, creationTimes }, t, rows, replicaId, batch, now);
        await notify(trx, [...(batch.answers ?? []).map((x) => x.taskId), ...result.signing, ...result.completed, ...result.extended, ...result.failed]);
        return result;
      });
    },
  };
}
