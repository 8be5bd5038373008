/**
 * The aggregator's durable task state machine (docs/architecture.md, "Off-chain rules"): every task moves
 * pending → signing → aggregated, or → failed with a reason, and every transition is a guarded
 * `UPDATE ... WHERE status = <expected>`, so a restarted process or a second replica sharing the database cannot
 * apply one twice. Writes come in batches ({@link StoreWriteBatch}), one transaction per batch.
 *
 * An operator has one answer per task (`sp_signatures`, primary key (task, operator)); a later, different answer is
 * kept in `sp_signature_conflicts` and never overwrites the first.
 *
 * Replicas (decision aggregator-0004): on Postgres each unfinished task is held by one replica under a lease
 * (`claimed_by`, `lease_until`), claimed with `SELECT ... FOR UPDATE SKIP LOCKED`; every write transaction notifies the
 * tasks it touched on a LISTEN/NOTIFY channel. On SQLite there is one replica and notifying is a no-op.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { type Kysely, type RawBuilder, type Transaction, sql } from 'kysely';
import type { Address, Hex } from 'viem';
import type { Database } from '../../../core/db/database.ts';
import { powerOfTwoChunks } from '../../../core/db/chunks.ts';
import { migrateToLatest } from '../../../core/db/migrations.ts';
import { type AggregatorTables, type SignaturesTable, type TaskStatus, type TasksTable, aggregatorMigrations } from './migrations.ts';

export type { TaskStatus };

/** A task as stored. Addresses and hashes are lowercase hex; times are unix milliseconds. */
export type TaskRecord = {
  taskId: Hex;
  chainId: bigint;
  user: Address;
  key: bigint;
  blockNumber: bigint;
  /** Timestamp of `blockNumber`, unix seconds. */
  timestamp: bigint;
  referenceEpoch: number;
  status: TaskStatus;
  failureReason: string | null;
  /** The attested answer, once aggregated. */
  value: bigint | null;
  exists: boolean | null;
  /** EIP-712 digest of the aggregated attestation. */
  digest: Hex | null;
  /** `abi.encode(address[] operators, bytes[] signatures, uint32 referenceEpoch)`. */
  sigData: Hex | null;
  /** Number of operators in `sigData`. */
  signerCount: number;
  /** Weight behind `sigData` (or, for a failed task, the best digest's weight when it failed). */
  signedWeight: bigint;
  thresholdWeight: bigint;
  createdAt: number;
  updatedAt: number;
  deadlineAt: number;
  aggregatedAt: number | null;
  /** Replica holding the unfinished task, or the one that finished it (null for tasks older than replicas). */
  claimedBy: string | null;
  /** Unix ms until which `claimedBy` holds the task. */
  leaseUntil: number | null;
};

/** What {@link TaskStore.insertTasks} needs to create a task (status starts at `pending`). */
export type NewTask = Pick<
  TaskRecord,
  'taskId' | 'chainId' | 'user' | 'key' | 'blockNumber' | 'timestamp' | 'referenceEpoch' | 'thresholdWeight' | 'createdAt' | 'deadlineAt'
>;

/** One verified answer of an operator. */
export type SignatureRecord = {
  taskId: Hex;
  operator: Address;
  signingKey: Address;
  digest: Hex;
  value: bigint;
  exists: boolean;
  referenceEpoch: number;
  /** 65 bytes r‖s‖v. */
  signature: Hex;
  /** The operator's weight at `referenceEpoch`. */
  weight: bigint;
  receivedAt: number;
};

/** pending|signing → aggregated. */
export type TaskCompletion = {
  taskId: Hex;
  value: bigint;
  exists: boolean;
  digest: Hex;
  sigData: Hex;
  signerCount: number;
  signedWeight: bigint;
};

/** aggregated → aggregated with more signers in `sigData` (same digest, more signers only). */
export type ProofExtension = { taskId: Hex; digest: Hex; sigData: Hex; signerCount: number; signedWeight: bigint };

/** pending|signing → failed. */
export type TaskFailure = { taskId: Hex; reason: string; signedWeight: bigint };

/** Everything one flush of the aggregator writes, in one transaction (applied in the order of the fields). */
export type StoreWriteBatch = {
  signatures?: SignatureRecord[];
  conflicts?: SignatureRecord[];
  /** Tasks sent to at least one operator: pending → signing. */
  signing?: Hex[];
  completions?: TaskCompletion[];
  extensions?: ProofExtension[];
  failures?: TaskFailure[];
};

/** Which guarded transitions of a batch took effect (the others had already been made, e.g. by another replica). */
export type StoreWriteResult = {
  signaturesInserted: number;
  signing: Hex[];
  completed: Hex[];
  extended: Hex[];
  failed: Hex[];
};

/** Result of {@link TaskStore.insertTasks} for one task. */
export type InsertedTask = { task: TaskRecord; created: boolean };

/** An unfinished task with its accepted answers, as {@link TaskStore.listUnfinished} and {@link TaskStore.claimTasks} return it. */
export type UnfinishedTask = { task: TaskRecord; signatures: SignatureRecord[] };

/** Options of {@link createTaskStore}. */
export type TaskStoreOptions = {
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

/** The durable task store. */
export type TaskStore = {
  /** Id of this replica (`claimed_by` of the tasks it creates and claims). */
  readonly replicaId: string;
  /** Lease of a claim, ms. */
  readonly leaseMs: number;
  /** True when other replicas may share the database (Postgres): claims and notifications matter. */
  readonly shared: boolean;
  /**
   * Stores new tasks (status `pending`, claimed by this replica for one lease) in one transaction. A task whose id exists is left as it is and returned as
   * stored (`created: false`): the same id is the same query. Results are in input order.
   */
  insertTasks(tasks: readonly NewTask[]): Promise<InsertedTask[]>;
  /** The stored task, or undefined. */
  getTask(taskId: Hex): Promise<TaskRecord | undefined>;
  /** Accepted answers to a task, ascending by operator. */
  listSignatures(taskId: Hex): Promise<SignatureRecord[]>;
  /** Conflicting later answers to a task (equivocations), ascending by operator. */
  listConflicts(taskId: Hex): Promise<SignatureRecord[]>;
  /** Tasks still `pending` or `signing` with their accepted answers, oldest first (for reload after a restart). */
  listUnfinished(): Promise<UnfinishedTask[]>;
  /** The stored tasks among `taskIds` (unknown ids are left out), in no particular order. */
  getTasks(taskIds: readonly Hex[]): Promise<TaskRecord[]>;
  /**
   * Claims up to `limit` unfinished tasks that no replica holds (lease expired or never set) for this replica until
   * `now + leaseMs`, oldest first, skipping rows another replica is claiming at the same moment
   * (`FOR UPDATE SKIP LOCKED` on Postgres), so two claimers never get the same task. Returns them with their answers.
   */
  claimTasks(now: number, limit: number): Promise<UnfinishedTask[]>;
  /**
   * Extends this replica's lease on every unfinished task it holds to `now + leaseMs`; returns their ids. A task
   * missing from the result is no longer held (finished, or claimed by another replica after the lease lapsed).
   */
  renewClaims(now: number): Promise<Hex[]>;
  /** Ends this replica's leases on its unfinished tasks (graceful stop), so another replica claims them at once. */
  releaseClaims(): Promise<void>;
  /**
   * Calls `onTask` with the id of each task another replica changed (created, answered, moved, extended), after its
   * commit. Postgres: LISTEN on a channel of the current schema; `onResync` runs after a lost listening connection is
   * back (notifications meanwhile are lost). SQLite: nothing to hear, a no-op.
   */
  listen(onTask: (taskId: Hex) => void, onResync: () => void): Promise<TaskListener>;
  /**
   * Aggregated tasks in the order they were last written (`updated_at`, then task id), strictly after `after`: the feed
   * of published proofs. A proof extended by late signatures is written again and so reappears later in the feed.
   */
  listProofs(query: ProofFeedQuery): Promise<TaskRecord[]>;
  /** Accepted answers to each of `taskIds`, ascending by operator within a task. */
  listSignaturesOf(taskIds: readonly Hex[]): Promise<Map<Hex, SignatureRecord[]>>;
  /** Applies a batch in one transaction; see {@link StoreWriteResult}. `now` stamps `updated_at`/`aggregated_at`. */
  write(batch: StoreWriteBatch, now?: number): Promise<StoreWriteResult>;
};

/** Position in the proof feed: the last task read (its `updatedAt`, unix ms, and id). */
export type ProofFeedCursor = { updatedAt: number; taskId: Hex };

/** A page of the proof feed. */
export type ProofFeedQuery = { after?: ProofFeedCursor; limit: number };

/** Largest multi-row INSERT (keeps well under SQLite's and Postgres's bound-parameter limits). */
const INSERT_CHUNK = 256;
/** Largest batched UPDATE (one `CASE task_id WHEN ... THEN ... END` per column, searched per row). */
const UPDATE_CHUNK = 128;

/**
 * Runs the aggregator's migrations on `database` and returns a store over it.
 * @throws {MigrationError} when the schema cannot be brought up to date.
 */
export async function createTaskStore(database: Database<any>, options: TaskStoreOptions = {}): Promise<TaskStore> {
  const replicaId = options.replicaId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(replicaId)) {
    throw new TaskStoreOptionError(`replicaId ${JSON.stringify(replicaId)} must be 1 to 64 letters, digits, '.', '_' or '-'`);
  }
  const leaseMs = options.leaseMs ?? 10_000;
  if (!Number.isSafeInteger(leaseMs) || leaseMs < 100) throw new TaskStoreOptionError(`leaseMs must be an integer of at least 100, got ${leaseMs}`);
  await migrateToLatest(database, aggregatorMigrations);
  const db = database.kysely as Kysely<AggregatorTables>;
  const shared = database.dialect === 'postgres';
  // NOTIFY channels are per database, not per schema: name the channel after the schema so schemas stay apart.
  let channel = '';
  if (shared) {
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
    channel = `sp_tasks_${(rows[0]?.schema ?? 'public').replace(/[^A-Za-z0-9_]/g, '_')}`.slice(0, 63);
  }
  const selfSuffix = `:${replicaId}`;

  /** Tells the other replicas, at the commit of `trx`, that these tasks changed (payload `<taskId>:<replicaId>`). */
  const notify = async (trx: Transaction<AggregatorTables>, taskIds: Iterable<string>): Promise<void> => {
    if (!shared) return;
    const payloads = [...new Set([...taskIds].map((id) => id.toLowerCase()))].map((id) => id + selfSuffix);
    if (payloads.length === 0) return;
    await sql`select pg_notify(${channel}, p) from unnest(cast(${payloads} as text[])) as p`.execute(trx);
  };

  const listSignaturesOf = async (taskIds: readonly Hex[]): Promise<Map<Hex, SignatureRecord[]>> => {
    const out = new Map<Hex, SignatureRecord[]>();
    const ids = [...new Set(taskIds.map((id) => id.toLowerCase()))];
    for (const part of powerOfTwoChunks(ids, INSERT_CHUNK)) {
      const rows = await db.selectFrom('sp_signatures').selectAll().where('task_id', 'in', part).orderBy('task_id').orderBy('operator').execute();
      for (const row of rows) {
        const list = out.get(row.task_id as Hex) ?? [];
        list.push(rowToSignature(row));
        out.set(row.task_id as Hex, list);
      }
    }
    return out;
  };

  return {
    replicaId,
    leaseMs,
    shared,

    async insertTasks(tasks) {
      if (tasks.length === 0) return [];
      const rows = tasks.map((t) => ({ ...taskToRow(t), claimed_by: replicaId, lease_until: t.createdAt + leaseMs }));
      return db.transaction().execute(async (trx) => {
        const created = new Set<string>();
        for (const part of powerOfTwoChunks(rows, INSERT_CHUNK)) {
          const inserted = await trx
            .insertInto('sp_tasks')
            .values(part)
            .onConflict((oc) => oc.column('task_id').doNothing())
            .returning('task_id')
            .execute();
          for (const r of inserted) created.add(r.task_id);
        }
        const existingIds = [...new Set(rows.filter((r) => !created.has(r.task_id)).map((r) => r.task_id))];
        const existing = new Map<string, TaskRecord>();
        for (const part of powerOfTwoChunks(existingIds, INSERT_CHUNK)) {
          const found = await trx.selectFrom('sp_tasks').selectAll().where('task_id', 'in', part).execute();
          for (const row of found) existing.set(row.task_id, rowToTask(row));
        }
        await notify(trx, created);
        const seen = new Set<string>();
        return rows.map((row) => {
          // A task id given twice in one batch is created once; the second copy reports created: false.
          if (created.has(row.task_id) && !seen.has(row.task_id)) {
            seen.add(row.task_id);
            return { task: rowToTask(row), created: true };
          }
          return { task: existing.get(row.task_id) ?? rowToTask(row), created: false };
        });
      });
    },

    async getTask(taskId) {
      const row = await db.selectFrom('sp_tasks').selectAll().where('task_id', '=', taskId.toLowerCase()).executeTakeFirst();
      return row ? rowToTask(row) : undefined;
    },

    async listSignatures(taskId) {
      const rows = await db
        .selectFrom('sp_signatures')
        .selectAll()
        .where('task_id', '=', taskId.toLowerCase())
        .orderBy('operator')
        .execute();
      return rows.map(rowToSignature);
    },

    async listConflicts(taskId) {
      const rows = await db
        .selectFrom('sp_signature_conflicts')
        .selectAll()
        .where('task_id', '=', taskId.toLowerCase())
        .orderBy('operator')
        .execute();
      return rows.map(rowToSignature);
    },

    async listProofs({ after, limit }) {
      let query = db.selectFrom('sp_tasks').selectAll().where('status', '=', 'aggregated');
      if (after) {
        const id = after.taskId.toLowerCase();
        query = query.where((eb) =>
          eb.or([eb('updated_at', '>', after.updatedAt), eb.and([eb('updated_at', '=', after.updatedAt), eb('task_id', '>', id)])]),
        );
      }
      const rows = await query.orderBy('updated_at').orderBy('task_id').limit(limit).execute();
      return rows.map(rowToTask);
    },

    listSignaturesOf,

    async getTasks(taskIds) {
      const out: TaskRecord[] = [];
      for (const part of powerOfTwoChunks([...new Set(taskIds.map((id) => id.toLowerCase()))], INSERT_CHUNK)) {
        const rows = await db.selectFrom('sp_tasks').selectAll().where('task_id', 'in', part).execute();
        for (const row of rows) out.push(rowToTask(row));
      }
      return out;
    },

    async claimTasks(now, limit) {
      const claimed = await db.transaction().execute(async (trx) => {
        let free = trx
          .selectFrom('sp_tasks')
          .select('task_id')
          .where('status', 'in', ['pending', 'signing'])
          .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
          .orderBy('created_at')
          .orderBy('task_id')
          .limit(limit);
        // SQLite has one writer and one replica; the row locks are Postgres's.
        if (shared) free = free.forUpdate().skipLocked();
        const ids = (await free.execute()).map((r) => r.task_id);
        const out: TaskRecord[] = [];
        for (const part of powerOfTwoChunks(ids, INSERT_CHUNK)) {
          const rows = await trx
            .updateTable('sp_tasks')
            .set({ claimed_by: replicaId, lease_until: now + leaseMs })
            .where('task_id', 'in', part)
            .returningAll()
            .execute();
          for (const row of rows) out.push(rowToTask(row));
        }
        return out;
      });
      const signatures = await listSignaturesOf(claimed.map((t) => t.taskId));
      return claimed
        .sort((a, b) => a.createdAt - b.createdAt)
        .map((task) => ({ task, signatures: signatures.get(task.taskId) ?? [] }));
    },

    async renewClaims(now) {
      const rows = await db
        .updateTable('sp_tasks')
        .set({ lease_until: now + leaseMs })
        .where('claimed_by', '=', replicaId)
        .where('status', 'in', ['pending', 'signing'])
        .returning('task_id')
        .execute();
      return rows.map((r) => r.task_id as Hex);
    },

    async releaseClaims() {
      await db
        .updateTable('sp_tasks')
        .set({ lease_until: null })
        .where('claimed_by', '=', replicaId)
        .where('status', 'in', ['pending', 'signing'])
        .execute();
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

    async listUnfinished() {
      const tasks = await db
        .selectFrom('sp_tasks')
        .selectAll()
        .where('status', 'in', ['pending', 'signing'])
        .orderBy('created_at')
        .orderBy('task_id')
        .execute();
      const signatures = await db
        .selectFrom('sp_signatures')
        .innerJoin('sp_tasks', 'sp_tasks.task_id', 'sp_signatures.task_id')
        .selectAll('sp_signatures')
        .where('sp_tasks.status', 'in', ['pending', 'signing'])
        .orderBy('sp_signatures.received_at')
        .execute();
      const byTask = new Map<string, SignatureRecord[]>();
      for (const row of signatures) {
        const list = byTask.get(row.task_id) ?? [];
        list.push(rowToSignature(row));
        byTask.set(row.task_id, list);
      }
      return tasks.map((row) => ({ task: rowToTask(row), signatures: byTask.get(row.task_id) ?? [] }));
    },

    async write(batch, now = Date.now()) {
      const result: StoreWriteResult = { signaturesInserted: 0, signing: [], completed: [], extended: [], failed: [] };
      const empty =
        !batch.signatures?.length &&
        !batch.conflicts?.length &&
        !batch.signing?.length &&
        !batch.completions?.length &&
        !batch.extensions?.length &&
        !batch.failures?.length;
      if (empty) return result;
      await db.transaction().execute(async (trx) => {
        result.signaturesInserted = await insertSignatures(trx, 'sp_signatures', batch.signatures ?? []);
        await insertSignatures(trx, 'sp_signature_conflicts', batch.conflicts ?? []);
        result.signing = await markSigning(trx, batch.signing ?? [], now);
        for (const part of powerOfTwoChunks(batch.completions ?? [], UPDATE_CHUNK)) {
          const ids = part.map((c) => c.taskId.toLowerCase());
          const rows = await trx
            .updateTable('sp_tasks')
            .set({
              status: 'aggregated',
              value: caseById(part, (c) => c.value.toString()),
              exists: caseById(part, (c) => (c.exists ? 1 : 0), 'integer'),
              digest: caseById(part, (c) => c.digest.toLowerCase()),
              sig_data: caseById(part, (c) => c.sigData),
              signer_count: caseById(part, (c) => c.signerCount, 'integer'),
              signed_weight: caseById(part, (c) => c.signedWeight.toString()),
              failure_reason: null,
              aggregated_at: now,
              updated_at: now,
              claimed_by: replicaId,
            })
            .where('task_id', 'in', ids)
            .where('status', 'in', ['pending', 'signing'])
            .returning('task_id')
            .execute();
          for (const r of rows) result.completed.push(r.task_id as Hex);
        }
        for (const part of powerOfTwoChunks(batch.extensions ?? [], UPDATE_CHUNK)) {
          const rows = await trx
            .updateTable('sp_tasks')
            .set({
              sig_data: caseById(part, (e) => e.sigData),
              signer_count: caseById(part, (e) => e.signerCount, 'integer'),
              signed_weight: caseById(part, (e) => e.signedWeight.toString()),
              updated_at: now,
            })
            .where('task_id', 'in', part.map((e) => e.taskId.toLowerCase()))
            .where('status', '=', 'aggregated')
            .where('digest', '=', caseById(part, (e) => e.digest.toLowerCase()))
            .where('signer_count', '<', caseById(part, (e) => e.signerCount, 'integer'))
            .returning('task_id')
            .execute();
          for (const r of rows) result.extended.push(r.task_id as Hex);
        }
        for (const f of batch.failures ?? []) {
          const r = await trx
            .updateTable('sp_tasks')
            .set({ status: 'failed', failure_reason: f.reason, signed_weight: f.signedWeight.toString(), updated_at: now, claimed_by: replicaId })
            .where('task_id', '=', f.taskId.toLowerCase())
            .where('status', 'in', ['pending', 'signing'])
            .executeTakeFirst();
          if (Number(r.numUpdatedRows) === 1) result.failed.push(f.taskId);
        }
        await notify(trx, [
          ...(batch.signatures ?? []).map((x) => x.taskId),
          ...result.signing,
          ...result.completed,
          ...result.extended,
          ...result.failed,
        ]);
      });
      return result;
    },
  };
}

async function insertSignatures(
  trx: Transaction<AggregatorTables>,
  table: 'sp_signatures' | 'sp_signature_conflicts',
  signatures: readonly SignatureRecord[],
): Promise<number> {
  let inserted = 0;
  for (const part of powerOfTwoChunks(signatures.map(signatureToRow), INSERT_CHUNK)) {
    const r = await trx
      .insertInto(table)
      .values(part)
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    inserted += Number(r.numInsertedOrUpdatedRows ?? 0n);
  }
  return inserted;
}

async function markSigning(trx: Transaction<AggregatorTables>, taskIds: readonly Hex[], now: number): Promise<Hex[]> {
  const done: Hex[] = [];
  for (const part of powerOfTwoChunks([...new Set(taskIds.map((t) => t.toLowerCase()))], INSERT_CHUNK)) {
    const rows = await trx
      .updateTable('sp_tasks')
      .set({ status: 'signing', updated_at: now })
      .where('task_id', 'in', part)
      .where('status', '=', 'pending')
      .returning('task_id')
      .execute();
    for (const r of rows) done.push(r.task_id as Hex);
  }
  return done;
}

function taskToRow(task: NewTask): TasksTable {
  return {
    task_id: task.taskId.toLowerCase(),
    chain_id: task.chainId.toString(),
    user: task.user.toLowerCase(),
    key: task.key.toString(),
    block_number: task.blockNumber.toString(),
    timestamp: task.timestamp.toString(),
    reference_epoch: task.referenceEpoch,
    status: 'pending',
    failure_reason: null,
    value: null,
    exists: null,
    digest: null,
    sig_data: null,
    signer_count: 0,
    signed_weight: '0',
    threshold_weight: task.thresholdWeight.toString(),
    created_at: task.createdAt,
    updated_at: task.createdAt,
    deadline_at: task.deadlineAt,
    aggregated_at: null,
    claimed_by: null,
    lease_until: null,
  };
}

function rowToTask(row: TasksTable): TaskRecord {
  return {
    taskId: row.task_id as Hex,
    chainId: BigInt(row.chain_id),
    user: row.user as Address,
    key: BigInt(row.key),
    blockNumber: BigInt(row.block_number),
    timestamp: BigInt(row.timestamp),
    referenceEpoch: Number(row.reference_epoch),
    status: row.status,
    failureReason: row.failure_reason,
    value: row.value === null ? null : BigInt(row.value),
    exists: row.exists === null ? null : Number(row.exists) === 1,
    digest: row.digest as Hex | null,
    sigData: row.sig_data as Hex | null,
    signerCount: Number(row.signer_count),
    signedWeight: BigInt(row.signed_weight),
    thresholdWeight: BigInt(row.threshold_weight),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    deadlineAt: Number(row.deadline_at),
    aggregatedAt: row.aggregated_at === null ? null : Number(row.aggregated_at),
    claimedBy: row.claimed_by ?? null,
    leaseUntil: row.lease_until === null || row.lease_until === undefined ? null : Number(row.lease_until),
  };
}

function signatureToRow(s: SignatureRecord): SignaturesTable {
  return {
    task_id: s.taskId.toLowerCase(),
    operator: s.operator.toLowerCase(),
    signing_key: s.signingKey.toLowerCase(),
    digest: s.digest.toLowerCase(),
    value: s.value.toString(),
    exists: s.exists ? 1 : 0,
    reference_epoch: s.referenceEpoch,
    signature: s.signature.toLowerCase(),
    weight: s.weight.toString(),
    received_at: s.receivedAt,
  };
}

function rowToSignature(row: SignaturesTable): SignatureRecord {
  return {
    taskId: row.task_id as Hex,
    operator: row.operator as Address,
    signingKey: row.signing_key as Address,
    digest: row.digest as Hex,
    value: BigInt(row.value),
    exists: Number(row.exists) === 1,
    referenceEpoch: Number(row.reference_epoch),
    signature: row.signature as Hex,
    weight: BigInt(row.weight),
    receivedAt: Number(row.received_at),
  };
}

/**
 * `CASE task_id WHEN <id> THEN <value> ... END`: one UPDATE sets a different value per task (portable SQLite and
 * Postgres; integers are cast so Postgres does not type the parameters as text).
 */
function caseById<T extends { taskId: Hex }>(items: readonly T[], value: (item: T) => string | number, cast?: 'integer'): RawBuilder<any> {
  const branches = items.map((item) =>
    cast ? sql`when ${item.taskId.toLowerCase()} then cast(${value(item)} as integer)` : sql`when ${item.taskId.toLowerCase()} then ${value(item)}`,
  );
  return sql`case task_id ${sql.join(branches, sql` `)} end`;
}
