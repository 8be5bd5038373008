/**
 * The task generator and signature aggregator of the state-proof service (docs/architecture.md, "State proofs",
 * steps 2 to 4).
 *
 * - {@link Aggregator.createTask} resolves the block, derives the task id from the query, stores the task (before
 *   anything else happens), then dispatches it to connected operators in batches (one `tasks` message per operator
 *   per dispatch round).
 * - {@link Aggregator.handleSignatures} recomputes each answer's EIP-712 digest from the stored task and the operator's
 *   (value, exists, referenceEpoch) — never trusting a digest or a task id from the wire — verifies it against the
 *   operator's signing key at the reference epoch (the public key learned at authentication; no per-signature
 *   recovery), and groups answers by digest. When one digest's signed weight reaches the threshold (> 0) the task is
 *   aggregated with `sigData` (operators ascending); signatures arriving within `lateWindowMs` afterwards extend it.
 * - A task still below threshold at its deadline fails with a reason naming signed weight and threshold.
 * - Everything is durable through the {@link TaskStore}: writes are batched (one transaction per flush, never a
 *   database round trip per signature) and every transition is guarded, so after a restart, which reloads unfinished
 *   tasks with their answers and re-dispatches them as operators reconnect, each task is finished exactly once.
 * - Replicas sharing a Postgres database (decision aggregator-0004): every replica holds every unfinished task, sends
 *   it to its own operators and stores their answers; only the replica holding the task's lease (`claimed_by`)
 *   aggregates it or fails it, reading the other replicas' answers from the shared table when notified
 *   (LISTEN/NOTIFY). Leases are renewed while the replica runs and claimed by another once they lapse.
 */
import { type Address, type Hex, getAddress } from 'viem';
import type { StateProofsDeployment } from '../deployment.ts';
import { publicKeyToAddress, recoverPublicKey, verifyDigest } from '../../../core/crypto/ecdsa.ts';
import { type Logger, silentLogger } from '../../../core/logging.ts';
import { type StateQuery, decodeSigData, encodeSigData } from '../attestation.ts';
import type { WireSignature, WireTask } from '../protocol.ts';
import type { BlockRef, BlockResolver } from './blocks.ts';
import { type AttestationDigester, createAttestationDigester, fastTaskId } from '../digest.ts';
import {
  AggregatorOverloadedError,
  AggregatorStoppedError,
  ChainUnavailableError,
  NoOperatorSetError,
  ProofRequestError,
  UnsupportedChainError,
} from './errors.ts';
import type { OperatorSetSnapshot, OperatorSetSource } from '../../../runtime/operatorSet.ts';
import type { SignatureVerifier, VerifyJob } from '../../../runtime/signatures/verifier.ts';
import type {
  InsertedTask,
  NewTask,
  ProofExtension,
  ProofFeedCursor,
  SignatureRecord,
  StoreWriteBatch,
  StoreWriteResult,
  TaskFailure,
  TaskListener,
  TaskRecord,
  TaskStore,
} from './store.ts';
import { type ProofSigner, type TaskView, checksumAddress, isFinalStatus, toTaskView } from './views.ts';

/** A proof request: which value of `user` under `key` on `chainId`, at a block or at a time (exactly one). */
export type StateProofRequest = {
  chainId: bigint | number;
  user: Address;
  key: bigint;
  blockNumber?: bigint;
  /** Unix seconds; resolves to the last block at or before it. */
  timestamp?: bigint;
};

/** Result of {@link Aggregator.createTask}. */
export type CreateTaskResult = {
  task: TaskView;
  /** False when the task already existed (same query, same id). */
  created: boolean;
};

/** An authenticated operator connection, as the hub hands it to the aggregator. */
export type OperatorSession = {
  /** Operator address (checksummed). */
  operator: Address;
  /** Signing key it authenticated with (checksummed). */
  signingKey: Address;
  /** Uncompressed public key of `signingKey`, recovered once at authentication. */
  publicKey: Uint8Array;
  /** Pushes tasks to the operator (one `tasks` message). Must not throw. */
  send(tasks: WireTask[]): void;
  /** Unix ms. */
  connectedAt: number;
  nodeVersion?: string;
};

/** A task's status change, delivered to subscribers after it is committed. */
export type TaskEvent = { taskId: Hex; task: TaskView };

/** Counters (metrics, tests). */
export type AggregatorStats = {
  tasksCreated: number;
  tasksAggregated: number;
  tasksFailed: number;
  proofsExtended: number;
  signaturesAccepted: number;
  signaturesDuplicate: number;
  signaturesConflicting: number;
  signaturesRejected: number;
  signaturesUnknownTask: number;
  taskErrorsReported: number;
  writeFailures: number;
};

/** Options of {@link Aggregator}. */
export type AggregatorOptions = {
  /** The deployment: supported chains and the EIP-712 domain (main chain id, ServiceManager). */
  deployment: Pick<StateProofsDeployment, 'mainChainId' | 'chains' | 'stateProofs'>;
  store: TaskStore;
  operatorSet: OperatorSetSource;
  blocks: BlockResolver;
  logger?: Logger;
  /** Time a task has to reach its threshold, in ms from creation (default 15 minutes: operators sign final blocks only). */
  taskDeadlineMs?: number;
  /** How long signatures keep extending a proof after it is aggregated, in ms (default 2,000). */
  lateWindowMs?: number;
  /** New tasks are collected this long before one `tasks` message goes to each operator, in ms (default 2). */
  dispatchDelayMs?: number;
  /** Tasks in flight beyond which new requests get 503 (default 100,000). */
  maxActiveTasks?: number;
  /** Period of the deadline and late-window sweep, in ms (default 250). */
  sweepIntervalMs?: number;
  /**
   * Checks signatures off the event loop (see `verifier.ts`; the service starts a worker thread). Default: verified
   * inline, as each message arrives.
   */
  verifier?: SignatureVerifier;
  /** Called once per task this process finishes (aggregated or failed), after the commit (metrics). */
  onTaskFinished?: (task: TaskView) => void;
  /** Wall clock in unix ms (tests). */
  now?: () => number;
};

/** Answers of one `signatures` message between screening and applying. */
type SignatureBatch = {
  session: OperatorSession;
  /** Lowercased operator. */
  op: string;
  rejected: Record<string, number>;
  /** Arrival time (unix ms), stored as `receivedAt`. */
  now: number;
  candidates: SignatureCandidate[];
};

type SignatureCandidate = {
  wire: WireSignature;
  task: ActiveTask;
  entry: { operator: Address; signingKey: Address; weight: bigint };
  value: bigint;
  digest: Hex;
};

type Group = { value: bigint; exists: boolean; weight: bigint; signers: Map<string, { operator: Address; signature: Hex; weight: bigint }> };

type ActiveTask = {
  record: TaskRecord;
  query: StateQuery;
  wire: WireTask;
  snapshot: OperatorSetSnapshot;
  /** Lowercased operator → digest of its accepted answer. */
  answers: Map<string, Hex>;
  groups: Map<Hex, Group>;
  /** `${value}:${exists}` → digest. */
  digests: Map<string, Hex>;
  /** Our view of the status (ahead of the database until the next flush commits). */
  status: TaskRecord['status'];
  /** Digest that reached the threshold. */
  proofDigest?: Hex;
  /** In-memory aggregation time (unix ms), starts the late window. */
  aggregatedAt?: number;
  needsCompletion: boolean;
  /** Signers already written (or queued) in `sigData`. */
  writtenSigners: number;
  signers: ProofSigner[];
  errors: string[];
  /** This replica holds the task's lease: it alone aggregates, extends or fails it (always true on SQLite). */
  owned: boolean;
  /** When this replica became the holder (unix ms), to tell a lease lost from a claim made after a renewal began. */
  ownedSince: number;
};

/** Transitions of one write batch, by task id, to apply to memory once committed. */
type PendingTransitions = {
  signing: Map<Hex, ActiveTask>;
  proofs: Map<Hex, { task: ActiveTask; proof: ProofExtension; completion: boolean; signers: ProofSigner[]; value: bigint; exists: boolean }>;
  failures: Map<Hex, { task: ActiveTask; failure: TaskFailure }>;
};

const MAX_TASKS_PER_MESSAGE = 1_000;
/** Tasks claimed per claim round. */
const CLAIM_BATCH = 1_000;
/** Tasks re-read per round of notified changes. */
const SYNC_BATCH = 512;
const UINT256_MAX = (1n << 256n) - 1n;

/** The aggregator. Construct, {@link Aggregator.start}, and {@link Aggregator.stop} when done. */
export class Aggregator {
  readonly stats: AggregatorStats = {
    tasksCreated: 0,
    tasksAggregated: 0,
    tasksFailed: 0,
    proofsExtended: 0,
    signaturesAccepted: 0,
    signaturesDuplicate: 0,
    signaturesConflicting: 0,
    signaturesRejected: 0,
    signaturesUnknownTask: 0,
    taskErrorsReported: 0,
    writeFailures: 0,
  };

  private readonly log: Logger;
  private readonly digest: AttestationDigester;
  private readonly chainIds: number[];
  private readonly deadlineMs: number;
  private readonly lateWindowMs: number;
  private readonly dispatchDelayMs: number;
  private readonly maxActive: number;
  private readonly sweepMs: number;
  private readonly now: () => number;

  private running = false;
  private readonly active = new Map<string, ActiveTask>();
  private readonly sessions = new Map<string, OperatorSession>();
  private readonly knownKeys = new Map<string, Uint8Array>();
  private readonly listeners = new Map<string, Set<(event: TaskEvent) => void>>();

  // Task inserts: group commit, one transaction per round.
  private insertQueue: { task: NewTask; resolve: (r: InsertedTask) => void; reject: (e: unknown) => void }[] = [];
  private readonly inserting = new Map<string, Promise<InsertedTask>>();
  private insertLoop: Promise<void> | undefined;

  // Everything else: one write batch per flush.
  private pendingSignatures: SignatureRecord[] = [];
  private pendingConflicts: SignatureRecord[] = [];
  private pendingSigning = new Set<ActiveTask>();
  private pendingFailures = new Map<ActiveTask, TaskFailure>();
  private dirty = new Set<ActiveTask>();
  private flushLoop: Promise<void> | undefined;
  private flushRequested = false;

  // Signature batches handed to the verifier, applied in arrival order.
  private verifyChain: Promise<void> = Promise.resolve();
  private verifying = 0;

  // Replicas: tasks other replicas changed (notified), and the lease round (renew, then claim).
  private changed = new Set<string>();
  private claimDue = false;
  private resyncDue = false;
  private syncLoop: Promise<void> | undefined;
  private claimTimer: NodeJS.Timeout | undefined;
  private taskListener: TaskListener | undefined;

  private dispatchQueue: ActiveTask[] = [];
  private dispatchTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: AggregatorOptions) {
    const d = options.deployment;
    this.log = options.logger ?? silentLogger();
    this.digest = createAttestationDigester({ chainId: d.mainChainId, verifyingContract: d.stateProofs.serviceManager });
    this.chainIds = d.chains.map((c) => c.chainId);
    this.deadlineMs = options.taskDeadlineMs ?? 15 * 60_000;
    this.lateWindowMs = options.lateWindowMs ?? 2_000;
    this.dispatchDelayMs = options.dispatchDelayMs ?? 2;
    this.maxActive = options.maxActiveTasks ?? 100_000;
    this.sweepMs = options.sweepIntervalMs ?? 250;
    this.now = options.now ?? Date.now;
  }

  /**
   * Reloads unfinished tasks (with the answers already stored) and starts the deadline sweep. Reloaded tasks go to
   * operators as they connect; one whose stored answers already reach its threshold is aggregated at once.
   * @throws when the store or the operator set of a reloaded task's epoch cannot be read.
   */
  async start(): Promise<void> {
    if (this.running) return;
    const { store } = this.options;
    if (store.shared) {
      // Listen before reading, so no change falls between the read and the subscription; claim what nobody holds.
      this.taskListener = await store.listen(
        (taskId) => this.noteChanged(taskId),
        () => {
          this.resyncDue = true;
          this.requestSync();
        },
      );
      await store.claimTasks(this.now(), Number.MAX_SAFE_INTEGER);
    }
    const unfinished = await store.listUnfinished();
    const snapshots = new Map<number, OperatorSetSnapshot>();
    for (const { task, signatures } of unfinished) {
      let snapshot = snapshots.get(task.referenceEpoch);
      if (!snapshot) {
        snapshot = await this.options.operatorSet.getSnapshot(task.referenceEpoch);
        snapshots.set(task.referenceEpoch, snapshot);
      }
      const active = this.activate(task, snapshot, this.holds(task));
      this.merge(active, signatures);
    }
    this.running = true;
    this.sweepTimer = setInterval(() => this.sweep(), this.sweepMs);
    if (store.shared) {
      this.claimTimer = setInterval(() => {
        this.claimDue = true;
        this.requestSync();
      }, Math.max(50, Math.floor(store.leaseMs / 4)));
      this.requestSync();
    }
    if (unfinished.length > 0) {
      const owned = [...this.active.values()].filter((t) => t.owned).length;
      this.log.info({ tasks: unfinished.length, owned, replica: store.replicaId }, 'reloaded unfinished tasks');
    }
    this.requestFlush();
  }

  /**
   * Stops taking requests and signatures, and writes everything already decided. Does not close the store's
   * database (the caller owns it). Waits at most `timeoutMs` (default 10 s) for the last writes.
   */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.claimTimer) clearInterval(this.claimTimer);
    await this.taskListener?.close().catch(() => {});
    this.taskListener = undefined;
    await this.syncLoop;
    if (this.dispatchTimer) clearTimeout(this.dispatchTimer);
    this.dispatchTimer = undefined;
    this.dispatchQueue = [];
    const drain = (async () => {
      while (this.insertLoop || this.flushLoop || this.flushRequested) {
        await this.insertLoop;
        this.requestFlush();
        await this.flushLoop;
      }
    })();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      drain.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) this.log.error('aggregator stopped before its last writes committed; unfinished tasks reload on the next start');
    else if (this.options.store.shared) {
      // Hand the leases back, so another replica takes the tasks over now rather than when the leases lapse.
      await this.options.store.releaseClaims().catch((error) => this.log.warn({ err: (error as Error).message }, 'cannot release task claims'));
    }
    this.changed.clear();
    this.sessions.clear();
    this.active.clear();
    this.listeners.clear();
  }

  /** Whether {@link Aggregator.start} has run and {@link Aggregator.stop} has not. */
  get isRunning(): boolean {
    return this.running;
  }

  /** Number of tasks held in memory (unfinished, or aggregated and still in their late window). */
  get activeTaskCount(): number {
    return this.active.size;
  }

  /**
   * Creates (or finds) the task for a request. Returns once the task is stored; dispatch follows.
   * @throws {ProofRequestError} subclasses: bad input (400, naming the field), unsupported chain, block or timestamp
   *   ahead of the head, no operator weight at the current epoch (503), overload (503), stopped (503).
   */
  async createTask(request: StateProofRequest): Promise<CreateTaskResult> {
    if (!this.running) throw new AggregatorStoppedError();
    const chainId = Number(request.chainId);
    if (!Number.isSafeInteger(chainId) || !this.chainIds.includes(chainId)) throw new UnsupportedChainError(request.chainId, this.chainIds);
    if ((request.blockNumber === undefined) === (request.timestamp === undefined)) {
      throw new ProofRequestError('give exactly one of blockNumber and timestamp', { field: 'body.blockNumber' });
    }
    if (request.key < 0n || request.key > UINT256_MAX) throw new ProofRequestError('key must fit in uint256', { field: 'body.key' });
    if (request.blockNumber !== undefined && (request.blockNumber < 0n || request.blockNumber >= 1n << 64n)) {
      throw new ProofRequestError('blockNumber must fit in uint64', { field: 'body.blockNumber' });
    }
    if (request.timestamp !== undefined && (request.timestamp < 0n || request.timestamp >= 1n << 48n)) {
      throw new ProofRequestError('timestamp must fit in uint48', { field: 'body.timestamp' });
    }
    let block: BlockRef;
    try {
      block =
        request.blockNumber !== undefined
          ? await this.options.blocks.blockAt(chainId, request.blockNumber)
          : await this.options.blocks.blockAtTimestamp(chainId, request.timestamp as bigint);
    } catch (error) {
      if (error instanceof ProofRequestError) throw error;
      throw new ChainUnavailableError(chainId, error);
    }
    const query: StateQuery = {
      user: checksumAddress(request.user),
      chainId: BigInt(chainId),
      blockNumber: block.blockNumber,
      timestamp: block.timestamp,
      key: request.key,
    };
    const taskId = fastTaskId(query);
    const known = this.active.get(taskId);
    if (known) return { task: this.viewOf(known), created: false };

    let epoch: number;
    let snapshot: OperatorSetSnapshot;
    try {
      epoch = await this.options.operatorSet.currentEpoch();
      snapshot = await this.options.operatorSet.getSnapshot(epoch);
    } catch (error) {
      throw new ChainUnavailableError(this.options.deployment.mainChainId, error);
    }
    if (snapshot.thresholdWeight === 0n) {
      const existing = await this.getTask(taskId);
      if (existing) return { task: existing, created: false };
      throw new NoOperatorSetError(epoch);
    }
    if (this.active.size >= this.maxActive) throw new AggregatorOverloadedError(this.active.size);
    if (!this.running) throw new AggregatorStoppedError();
    const now = this.now();
    let insertion = this.inserting.get(taskId);
    const first = insertion === undefined;
    insertion ??= this.insert({
      taskId,
      ...query,
      referenceEpoch: epoch,
      thresholdWeight: snapshot.thresholdWeight,
      createdAt: now,
      deadlineAt: now + this.deadlineMs,
    });
    const { task, created } = await insertion;
    if (created && first) {
      this.stats.tasksCreated++;
      // Another replica's answers may have brought the task into memory while the insert returned.
      if (!this.active.has(taskId)) this.queueDispatch(this.activate(task, snapshot, true));
      return { task: toTaskView(task, []), created: true };
    }
    const live = this.active.get(taskId);
    if (live) return { task: this.viewOf(live), created: false };
    return { task: (await this.getTask(taskId)) ?? toTaskView(task, []), created: false };
  }

  /** The stored task with its signers, or undefined for an unknown id. */
  async getTask(taskId: Hex): Promise<TaskView | undefined> {
    const record = await this.options.store.getTask(taskId);
    if (!record) return undefined;
    if (record.status !== 'aggregated' || !record.digest) return toTaskView(record, []);
    const live = this.active.get(record.taskId);
    if (live && live.signers.length === record.signerCount) return toTaskView(record, live.signers);
    const inProof = new Set(decodeSigData(record.sigData as Hex).operators.map((o) => o.toLowerCase()));
    const signatures = await this.options.store.listSignatures(record.taskId);
    const signers = signatures
      .filter((s) => s.digest === record.digest && inProof.has(s.operator.toLowerCase()))
      .map((s) => ({ operator: getAddress(s.operator), weight: s.weight }));
    return toTaskView(record, signers);
  }

  /**
   * A page of the proof feed: aggregated tasks in the order they were last written, strictly after `after`, with their
   * signers. Watchtowers and the dashboard follow it; a proof extended by late signatures appears again.
   * @param limit Page size (1 to 500).
   */
  async listProofs(after: ProofFeedCursor | undefined, limit: number): Promise<TaskView[]> {
    const records = await this.options.store.listProofs({ after, limit });
    const signatures = await this.options.store.listSignaturesOf(records.map((r) => r.taskId));
    return records.map((record) => {
      const inProof = new Set(decodeSigData(record.sigData as Hex).operators.map((o) => o.toLowerCase()));
      const signers = (signatures.get(record.taskId.toLowerCase() as Hex) ?? [])
        .filter((s) => s.digest === record.digest && inProof.has(s.operator.toLowerCase()))
        .map((s) => ({ operator: checksumAddress(s.operator), weight: s.weight }));
      return toTaskView(record, signers);
    });
  }

  /**
   * Calls `listener` on each committed status change of `taskId` (signing, aggregated, failed) and when late signatures
   * extend its proof. Returns the unsubscribe function. Listener errors are caught and logged.
   */
  subscribe(taskId: Hex, listener: (event: TaskEvent) => void): () => void {
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

  /** Whether the task is held in memory by this process (subscribers of other tasks should poll the store). */
  isActive(taskId: Hex): boolean {
    return this.active.has(taskId.toLowerCase());
  }

  /** Authenticated operators currently connected. */
  connectedOperators(): OperatorSession[] {
    return [...this.sessions.values()];
  }

  /**
   * Registers an authenticated connection (replacing an earlier one of the same operator) and sends it every
   * unfinished task it has not answered and may sign (it is in the task's operator set).
   */
  attachOperator(session: OperatorSession): void {
    const op = session.operator.toLowerCase();
    this.sessions.set(op, session);
    this.knownKeys.set(session.signingKey.toLowerCase(), session.publicKey);
    if (!this.running) return;
    const tasks: ActiveTask[] = [];
    for (const task of this.active.values()) {
      if ((task.status === 'pending' || task.status === 'signing') && task.snapshot.operators.has(op) && !task.answers.has(op)) tasks.push(task);
    }
    this.sendTo(session, tasks);
  }

  /** Forgets a connection (if it is still the operator's current one). */
  detachOperator(session: OperatorSession): void {
    const op = session.operator.toLowerCase();
    if (this.sessions.get(op) === session) this.sessions.delete(op);
  }

  /**
   * Takes a batch of signed answers from an authenticated operator. Never throws: each answer is accepted, ignored
   * (duplicate, unknown or finished task) or rejected (wrong epoch, not registered at the epoch, bad signature).
   *
   * With a {@link AggregatorOptions.verifier} the signatures are checked off the event loop and the answers applied
   * when the results come back, in arrival order ({@link Aggregator.idle} waits for them); without one, at once.
   */
  handleSignatures(session: OperatorSession, signatures: readonly WireSignature[]): void {
    if (!this.running || signatures.length === 0) return;
    const batch: SignatureBatch = { session, op: session.operator.toLowerCase(), rejected: {}, now: this.now(), candidates: [] };
    for (const wire of signatures) {
      try {
        const candidate = this.screen(batch, wire);
        if (candidate) batch.candidates.push(candidate);
      } catch (error) {
        this.reject(batch, `unprocessable: ${(error as Error).message.split('\n')[0]}`);
      }
    }
    const verifier = this.options.verifier;
    if (!verifier || batch.candidates.length === 0) {
      this.apply(batch, undefined);
      return;
    }
    // Keys learned at authentication are checked in the verifier; a rotated key is recovered at apply time.
    const jobs: VerifyJob[] = [];
    const jobOf: number[] = [];
    for (const c of batch.candidates) {
      const publicKey = this.knownKeys.get(c.entry.signingKey.toLowerCase());
      jobOf.push(publicKey ? jobs.length : -1);
      if (publicKey) jobs.push({ publicKey, digest: c.digest, signature: c.wire.signature as Hex });
    }
    const results = verifier.verify(jobs).then(
      (r) => batch.candidates.map((_, i) => (jobOf[i] >= 0 ? r[jobOf[i]] : undefined)),
      () => undefined,
    );
    this.verifying++;
    this.verifyChain = this.verifyChain
      .then(() => results)
      .then((verified) => {
        if (this.running) this.apply(batch, verified);
      })
      .catch((error) => this.log.error({ err: (error as Error).message }, 'applying verified signatures failed'))
      .finally(() => {
        this.verifying--;
      });
  }

  private reject(batch: SignatureBatch, reason: string): void {
    this.stats.signaturesRejected++;
    batch.rejected[reason] = (batch.rejected[reason] ?? 0) + 1;
  }

  /** Checks an answer against the task before its signature is verified; undefined when it is already settled. */
  private screen(batch: SignatureBatch, wire: WireSignature): SignatureCandidate | undefined {
    const task = this.active.get(wire.taskId.toLowerCase());
    if (!task) {
      this.stats.signaturesUnknownTask++;
      return undefined;
    }
    if (task.status === 'failed') return undefined;
    if (wire.referenceEpoch !== task.record.referenceEpoch) {
      this.reject(batch, `signed for epoch ${wire.referenceEpoch}, the task's reference epoch is ${task.record.referenceEpoch}`);
      return undefined;
    }
    const entry = task.snapshot.operators.get(batch.op);
    if (!entry) {
      this.reject(batch, `not registered at epoch ${task.record.referenceEpoch}`);
      return undefined;
    }
    const value = BigInt(wire.value);
    if (value > UINT256_MAX) {
      this.reject(batch, 'value does not fit in uint256');
      return undefined;
    }
    const digest = this.digestOf(task, value, wire.exists);
    if (task.answers.get(batch.op) === digest) {
      this.stats.signaturesDuplicate++;
      return undefined;
    }
    return { wire, task, entry, value, digest };
  }

  /**
   * Applies screened answers in order. `verified[i]` is the verifier's result for candidate i; undefined (no verifier,
   * or a key not known in advance) verifies here. The task's state is read again: it may have moved on meanwhile.
   */
  private apply(batch: SignatureBatch, verified: (boolean | undefined)[] | undefined): void {
    const { op } = batch;
    batch.candidates.forEach((c, i) => {
      try {
        const { task, entry, value, digest, wire } = c;
        if (this.active.get(task.record.taskId.toLowerCase()) !== task) {
          this.stats.signaturesUnknownTask++;
          return;
        }
        if (task.status === 'failed') return;
        const prior = task.answers.get(op);
        if (prior === digest) {
          this.stats.signaturesDuplicate++;
          return;
        }
        const ok = verified?.[i] ?? this.verify(entry.signingKey, digest, wire.signature as Hex);
        if (!ok) {
          this.reject(batch, 'signature does not verify against the signing key at the reference epoch');
          return;
        }
        const record: SignatureRecord = {
          taskId: task.record.taskId,
          operator: entry.operator,
          signingKey: entry.signingKey,
          digest,
          value,
          exists: wire.exists,
          referenceEpoch: task.record.referenceEpoch,
          signature: (wire.signature as Hex).toLowerCase() as Hex,
          weight: entry.weight,
          receivedAt: batch.now,
        };
        if (prior !== undefined) {
          // A second, different answer: kept as evidence, never counted, never overwrites the first.
          this.stats.signaturesConflicting++;
          this.pendingConflicts.push(record);
          this.log.warn({ taskId: task.record.taskId, operator: entry.operator }, 'operator signed two different answers to one task');
          return;
        }
        task.answers.set(op, digest);
        const group = this.groupOf(task, digest, value, wire.exists);
        group.signers.set(op, { operator: entry.operator, signature: record.signature, weight: entry.weight });
        group.weight += entry.weight;
        this.pendingSignatures.push(record);
        this.stats.signaturesAccepted++;
        if (task.record.status === 'pending') this.pendingSigning.add(task);
        this.evaluate(task, digest, group);
      } catch (error) {
        this.reject(batch, `unprocessable: ${(error as Error).message.split('\n')[0]}`);
      }
    });
    if (Object.keys(batch.rejected).length > 0) this.log.warn({ operator: batch.session.operator, rejected: batch.rejected }, 'rejected signatures');
    this.requestFlush();
  }

  /** Records operators' reasons for not signing (kept in memory; named in a deadline failure's reason). */
  handleTaskErrors(session: OperatorSession, errors: readonly { taskId: string; reason: string }[]): void {
    for (const e of errors) {
      this.stats.taskErrorsReported++;
      const task = this.active.get(e.taskId.toLowerCase());
      if (task && task.errors.length < 8) task.errors.push(`${session.operator}: ${e.reason.slice(0, 200)}`);
    }
    if (errors.length > 0) this.log.warn({ operator: session.operator, count: errors.length, first: errors[0]?.reason }, 'operator could not sign tasks');
  }

  /** Resolves once everything queued so far is committed (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.insertLoop || this.flushLoop || this.flushRequested || this.dispatchTimer || this.verifying > 0) {
      await this.verifyChain;
      await this.insertLoop;
      await this.flushLoop;
      if (this.flushRequested && !this.flushLoop) await new Promise((r) => setImmediate(r));
      if (this.dispatchTimer) await new Promise((r) => setTimeout(r, this.dispatchDelayMs + 1));
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Tasks in memory
  // ---------------------------------------------------------------------------------------------------------------

  /** Whether this process may finish `record`: the only replica on SQLite, the lease holder on Postgres. */
  private holds(record: TaskRecord): boolean {
    return !this.options.store.shared || record.claimedBy === this.options.store.replicaId;
  }

  /** Counts stored answers not yet in memory (verified by the replica that stored them) and re-evaluates the task. */
  private merge(task: ActiveTask, signatures: readonly SignatureRecord[]): void {
    for (const s of signatures) {
      const op = s.operator.toLowerCase();
      if (task.answers.has(op)) continue;
      task.answers.set(op, s.digest);
      const group = this.groupOf(task, s.digest, s.value, s.exists);
      group.signers.set(op, { operator: getAddress(s.operator), signature: s.signature, weight: s.weight });
      group.weight += s.weight;
    }
    for (const [digest, group] of task.groups) this.evaluate(task, digest, group);
  }

  private activate(record: TaskRecord, snapshot: OperatorSetSnapshot, owned: boolean): ActiveTask {
    const query: StateQuery = {
      user: checksumAddress(record.user),
      chainId: record.chainId,
      blockNumber: record.blockNumber,
      timestamp: record.timestamp,
      key: record.key,
    };
    const task: ActiveTask = {
      record,
      query,
      wire: {
        taskId: record.taskId,
        chainId: record.chainId.toString(),
        user: query.user,
        key: record.key.toString(),
        blockNumber: record.blockNumber.toString(),
        timestamp: record.timestamp.toString(),
        referenceEpoch: record.referenceEpoch,
      },
      snapshot,
      answers: new Map(),
      groups: new Map(),
      digests: new Map(),
      status: record.status,
      needsCompletion: false,
      writtenSigners: 0,
      signers: [],
      errors: [],
      owned,
      ownedSince: this.now(),
    };
    this.active.set(record.taskId.toLowerCase(), task);
    return task;
  }

  private viewOf(task: ActiveTask): TaskView {
    return toTaskView(task.record, task.record.status === 'aggregated' ? task.signers : []);
  }

  private digestOf(task: ActiveTask, value: bigint, exists: boolean): Hex {
    const key = `${value}:${exists}`;
    let digest = task.digests.get(key);
    if (!digest) {
      digest = this.digest({ ...task.query, value, exists, epoch: task.record.referenceEpoch });
      task.digests.set(key, digest);
    }
    return digest;
  }

  private groupOf(task: ActiveTask, digest: Hex, value: bigint, exists: boolean): Group {
    let group = task.groups.get(digest);
    if (!group) {
      group = { value, exists, weight: 0n, signers: new Map() };
      task.groups.set(digest, group);
    }
    return group;
  }

  private verify(signingKey: Address, digest: Hex, signature: Hex): boolean {
    const keyId = signingKey.toLowerCase();
    const known = this.knownKeys.get(keyId);
    if (known) return verifyDigest(known, digest, signature);
    // The signing key at the epoch is not the one the operator authenticated with (it rotated): recover once.
    try {
      const recovered = recoverPublicKey(digest, signature);
      if (publicKeyToAddress(recovered).toLowerCase() !== keyId) return false;
      if (!verifyDigest(recovered, digest, signature)) return false;
      this.knownKeys.set(keyId, recovered);
      return true;
    } catch {
      return false;
    }
  }

  /** Marks the task aggregated (in memory) once `group` reaches the threshold, or dirty when it extends the proof. */
  private evaluate(task: ActiveTask, digest: Hex, group: Group): void {
    if (!task.owned) return;
    const threshold = task.record.thresholdWeight;
    if (task.status === 'pending' || task.status === 'signing') {
      if (threshold > 0n && group.weight >= threshold) {
        task.status = 'aggregated';
        task.proofDigest = digest;
        task.aggregatedAt = this.now();
        task.needsCompletion = true;
        this.dirty.add(task);
      }
    } else if (task.status === 'aggregated' && task.proofDigest === digest && group.signers.size > task.writtenSigners) {
      this.dirty.add(task);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Replicas: notified changes, lease renewal and claims (Postgres only)
  // ---------------------------------------------------------------------------------------------------------------

  /** Queues a task another replica changed; heard before {@link Aggregator.start} finished, it is read once it has. */
  private noteChanged(taskId: Hex): void {
    this.changed.add(taskId.toLowerCase());
    this.requestSync();
  }

  /** Runs the replica work (resync, lease round, notified tasks) one step at a time, never two at once. */
  private requestSync(): void {
    if (this.syncLoop || !this.running) return;
    this.syncLoop = (async () => {
      await new Promise((r) => setImmediate(r));
      while (this.running && (this.resyncDue || this.claimDue || this.changed.size > 0)) {
        try {
          if (this.resyncDue) {
            this.resyncDue = false;
            // Notifications were lost while the listening connection was down: re-read everything unfinished.
            for (const { task } of await this.options.store.listUnfinished()) this.changed.add(task.taskId.toLowerCase());
            for (const id of this.active.keys()) this.changed.add(id);
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
      this.syncLoop = undefined;
      if (this.running && (this.resyncDue || this.claimDue || this.changed.size > 0)) this.requestSync();
    });
  }

  /** Renews this replica's leases (giving up tasks whose lease another replica took), then claims tasks nobody holds. */
  private async leaseRound(): Promise<void> {
    const { store } = this.options;
    const started = this.now();
    const held = new Set((await store.renewClaims(started)).map((id) => id.toLowerCase()));
    for (const [id, task] of this.active) {
      if (task.owned && task.ownedSince < started && (task.status === 'pending' || task.status === 'signing') && !held.has(id)) {
        task.owned = false;
        this.log.warn({ taskId: task.record.taskId }, 'lost the lease of a task to another replica');
      }
    }
    for (;;) {
      const claimed = await store.claimTasks(this.now(), CLAIM_BATCH);
      for (const { task, signatures } of claimed) await this.absorb(task, signatures);
      if (claimed.length > 0) this.log.info({ tasks: claimed.length, replica: store.replicaId }, 'claimed tasks no replica held');
      if (claimed.length < CLAIM_BATCH) break;
    }
    this.requestFlush();
  }

  /** Re-reads tasks another replica changed and brings memory (and subscribers) up to date. */
  private async syncTasks(ids: readonly Hex[]): Promise<void> {
    const { store } = this.options;
    const records = await store.getTasks(ids);
    const open = records.filter((r) => !isFinalStatus(r.status)).map((r) => r.taskId);
    const signatures = open.length > 0 ? await store.listSignaturesOf(open) : new Map<Hex, SignatureRecord[]>();
    for (const record of records) await this.absorb(record, signatures.get(record.taskId.toLowerCase() as Hex) ?? []);
    this.requestFlush();
  }

  /** Takes a stored task (and its stored answers) into memory: a new foreign task, new answers, a claim, or its end. */
  private async absorb(record: TaskRecord, signatures: readonly SignatureRecord[]): Promise<void> {
    const key = record.taskId.toLowerCase();
    let task = this.active.get(key);
    if (isFinalStatus(record.status)) {
      if (task && isFinalStatus(task.record.status)) return;
      // Finished by another replica: drop it here and tell this replica's subscribers.
      if (task) this.active.delete(key);
      if (this.listeners.has(key)) {
        const view = await this.getTask(record.taskId);
        if (view) this.emitView(view.taskId, view);
      }
      return;
    }
    if (!task) {
      const snapshot = await this.options.operatorSet.getSnapshot(record.referenceEpoch);
      if (this.active.has(key)) return this.absorb(record, signatures);
      task = this.activate(record, snapshot, this.holds(record));
      this.merge(task, signatures);
      this.queueDispatch(task);
      return;
    }
    if (!task.owned && this.holds(record)) {
      task.owned = true;
      task.ownedSince = this.now();
    }
    if (record.status === 'signing' && task.record.status === 'pending') {
      task.record = { ...task.record, status: 'signing', updatedAt: record.updatedAt };
      if (task.status === 'pending') task.status = 'signing';
      this.emit(task);
    }
    this.merge(task, signatures);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Dispatch
  // ---------------------------------------------------------------------------------------------------------------

  private queueDispatch(task: ActiveTask): void {
    this.dispatchQueue.push(task);
    if (!this.dispatchTimer) this.dispatchTimer = setTimeout(() => this.dispatch(), this.dispatchDelayMs);
  }

  private dispatch(): void {
    this.dispatchTimer = undefined;
    const tasks = this.dispatchQueue.filter((t) => t.status === 'pending' || t.status === 'signing');
    this.dispatchQueue = [];
    if (!this.running || tasks.length === 0) return;
    for (const session of this.sessions.values()) {
      const op = session.operator.toLowerCase();
      this.sendTo(
        session,
        tasks.filter((t) => t.snapshot.operators.has(op) && !t.answers.has(op)),
      );
    }
  }

  private sendTo(session: OperatorSession, tasks: readonly ActiveTask[]): void {
    if (tasks.length === 0) return;
    for (let i = 0; i < tasks.length; i += MAX_TASKS_PER_MESSAGE) {
      const part = tasks.slice(i, i + MAX_TASKS_PER_MESSAGE);
      try {
        session.send(part.map((t) => t.wire));
      } catch (error) {
        this.log.warn({ operator: session.operator, err: (error as Error).message }, 'cannot send tasks to operator');
        return;
      }
      for (const t of part) if (t.status === 'pending') this.pendingSigning.add(t);
    }
    this.requestFlush();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Deadlines and the late window
  // ---------------------------------------------------------------------------------------------------------------

  private sweep(): void {
    if (!this.running) return;
    const now = this.now();
    let changed = false;
    for (const task of this.active.values()) {
      if (!task.owned) continue;
      if ((task.status === 'pending' || task.status === 'signing') && now >= task.record.deadlineAt) {
        task.status = 'failed';
        const best = [...task.groups.values()].reduce((m, g) => (g.weight > m ? g.weight : m), 0n);
        const answered = task.answers.size;
        const reason =
          `deadline passed with signed weight ${best} of threshold ${task.record.thresholdWeight} ` +
          `(${answered} of ${task.snapshot.operators.size} operators answered` +
          (task.groups.size > 1 ? `, split over ${task.groups.size} different answers` : '') +
          ')' +
          (task.errors.length > 0 ? `; operator errors: ${task.errors.join('; ')}` : '');
        this.pendingFailures.set(task, { taskId: task.record.taskId, reason, signedWeight: best });
        changed = true;
      } else if (
        task.status === 'aggregated' &&
        !task.needsCompletion &&
        !this.dirty.has(task) &&
        task.record.status === 'aggregated' &&
        now >= (task.aggregatedAt ?? 0) + this.lateWindowMs
      ) {
        this.active.delete(task.record.taskId.toLowerCase());
      }
    }
    if (changed) this.requestFlush();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Writes
  // ---------------------------------------------------------------------------------------------------------------

  private insert(task: NewTask): Promise<InsertedTask> {
    const promise = new Promise<InsertedTask>((resolve, reject) => this.insertQueue.push({ task, resolve, reject }));
    this.inserting.set(task.taskId, promise);
    const clear = () => {
      if (this.inserting.get(task.taskId) === promise) this.inserting.delete(task.taskId);
    };
    promise.then(clear, clear);
    if (!this.insertLoop) {
      this.insertLoop = (async () => {
        await new Promise((r) => setImmediate(r));
        while (this.insertQueue.length > 0) {
          const batch = this.insertQueue.splice(0, 2_000);
          try {
            const results = await this.options.store.insertTasks(batch.map((b) => b.task));
            batch.forEach((b, i) => b.resolve(results[i]));
          } catch (error) {
            this.log.error({ err: (error as Error).message }, 'cannot store tasks');
            for (const b of batch) b.reject(error);
          }
        }
      })().finally(() => {
        this.insertLoop = undefined;
      });
    }
    return promise;
  }

  private requestFlush(): void {
    this.flushRequested = true;
    if (this.flushLoop) return;
    this.flushLoop = (async () => {
      await new Promise((r) => setImmediate(r));
      let backoff = 100;
      while (this.flushRequested) {
        this.flushRequested = false;
        const { batch, pending } = this.takeBatch();
        if (!batch) continue;
        for (;;) {
          try {
            // One clock reading for the commit and for memory, so every route reports the times stored.
            const now = this.now();
            const result = await this.options.store.write(batch, now);
            await this.afterCommit(result, pending, now);
            backoff = 100;
            break;
          } catch (error) {
            this.stats.writeFailures++;
            this.log.error({ err: (error as Error).message, retryInMs: backoff }, 'database write failed; retrying');
            await new Promise((r) => setTimeout(r, backoff));
            backoff = Math.min(backoff * 2, 5_000);
            if (!this.running && backoff >= 5_000) return;
          }
        }
      }
    })().finally(() => {
      this.flushLoop = undefined;
      if (this.flushRequested && this.running) this.requestFlush();
    });
  }

  /** Moves everything queued into one write batch, remembering which task each transition belongs to. */
  private takeBatch(): { batch?: StoreWriteBatch; pending: PendingTransitions } {
    const pending: PendingTransitions = { signing: new Map(), proofs: new Map(), failures: new Map() };
    const batch: Required<StoreWriteBatch> = {
      signatures: this.pendingSignatures,
      conflicts: this.pendingConflicts,
      signing: [],
      completions: [],
      extensions: [],
      failures: [],
    };
    this.pendingSignatures = [];
    this.pendingConflicts = [];
    for (const task of this.pendingSigning) {
      if (task.record.status !== 'pending') continue;
      batch.signing.push(task.record.taskId);
      pending.signing.set(task.record.taskId, task);
    }
    this.pendingSigning.clear();
    for (const task of this.dirty) {
      const group = task.proofDigest ? task.groups.get(task.proofDigest) : undefined;
      if (!group || task.status !== 'aggregated') continue;
      const signers = [...group.signers.values()];
      const proof: ProofExtension = {
        taskId: task.record.taskId,
        digest: task.proofDigest as Hex,
        sigData: encodeSigData(signers, task.record.referenceEpoch),
        signerCount: signers.length,
        signedWeight: signers.reduce((sum, x) => sum + x.weight, 0n),
      };
      task.writtenSigners = signers.length;
      const completion = task.needsCompletion;
      task.needsCompletion = false;
      if (completion) batch.completions.push({ ...proof, value: group.value, exists: group.exists });
      else batch.extensions.push(proof);
      pending.proofs.set(task.record.taskId, {
        task,
        proof,
        completion,
        signers: signers.map((x) => ({ operator: x.operator, weight: x.weight })),
        value: group.value,
        exists: group.exists,
      });
    }
    this.dirty.clear();
    for (const [task, failure] of this.pendingFailures) {
      batch.failures.push(failure);
      pending.failures.set(task.record.taskId, { task, failure });
    }
    this.pendingFailures.clear();
    const size =
      batch.signatures.length + batch.conflicts.length + batch.signing.length + batch.completions.length + batch.extensions.length + batch.failures.length;
    return { batch: size === 0 ? undefined : batch, pending };
  }

  /** Applies committed transitions to memory and tells subscribers; adopts the stored outcome of transitions lost. */
  private async afterCommit(result: StoreWriteResult, pending: PendingTransitions, now: number): Promise<void> {
    const ids = (list: readonly Hex[]) => new Set(list.map((id) => id.toLowerCase()));
    const signing = ids(result.signing);
    for (const [id, task] of pending.signing) {
      if (!signing.has(id.toLowerCase()) || task.record.status !== 'pending') continue;
      task.record = { ...task.record, status: 'signing', updatedAt: now };
      if (task.status === 'pending') task.status = 'signing';
      this.emit(task);
    }
    const completed = ids(result.completed);
    const extended = ids(result.extended);
    for (const [id, entry] of pending.proofs) {
      const { task, proof } = entry;
      const applied = entry.completion ? completed.has(id.toLowerCase()) : extended.has(id.toLowerCase());
      if (!applied) {
        // A completion lost to another replica (or an earlier life of this process): adopt the stored outcome.
        // An extension not applied was superseded by a larger one; nothing to do.
        if (entry.completion) await this.adoptStored(task);
        continue;
      }
      if (entry.completion) this.stats.tasksAggregated++;
      else this.stats.proofsExtended++;
      task.signers = entry.signers;
      task.record = {
        ...task.record,
        status: 'aggregated',
        value: entry.value,
        exists: entry.exists,
        digest: proof.digest,
        sigData: proof.sigData,
        signerCount: proof.signerCount,
        signedWeight: proof.signedWeight,
        failureReason: null,
        aggregatedAt: entry.completion ? now : task.record.aggregatedAt,
        updatedAt: now,
      };
      this.emit(task);
      if (entry.completion) this.finished(task);
      if (task.answers.size >= task.snapshot.operators.size && !this.dirty.has(task)) {
        // Every operator of the set has answered: the proof cannot grow any more.
        this.active.delete(id.toLowerCase());
      }
    }
    const failed = ids(result.failed);
    for (const [id, { task, failure }] of pending.failures) {
      if (!failed.has(id.toLowerCase())) {
        await this.adoptStored(task);
        continue;
      }
      this.stats.tasksFailed++;
      task.record = { ...task.record, status: 'failed', failureReason: failure.reason, signedWeight: failure.signedWeight, updatedAt: now };
      this.log.warn({ taskId: id, reason: failure.reason }, 'task failed');
      this.emit(task);
      this.finished(task);
      this.active.delete(id.toLowerCase());
    }
  }

  /** Takes the stored state of a task this process lost a guarded transition on, tells subscribers, and drops it. */
  private async adoptStored(task: ActiveTask): Promise<void> {
    this.active.delete(task.record.taskId.toLowerCase());
    try {
      const view = await this.getTask(task.record.taskId);
      if (view && isFinalStatus(view.status)) this.emitView(view.taskId, view);
    } catch (error) {
      this.log.warn({ taskId: task.record.taskId, err: (error as Error).message }, 'cannot read a task finished elsewhere');
    }
  }

  private finished(task: ActiveTask): void {
    try {
      this.options.onTaskFinished?.(this.viewOf(task));
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'onTaskFinished failed');
    }
  }

  private emit(task: ActiveTask): void {
    this.emitView(task.record.taskId, this.viewOf(task));
  }

  private emitView(taskId: Hex, view: TaskView): void {
    const set = this.listeners.get(taskId.toLowerCase());
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener({ taskId, task: view });
      } catch (error) {
        this.log.warn({ err: (error as Error).message }, 'task listener failed');
      }
    }
  }
}
