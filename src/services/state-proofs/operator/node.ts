/**
 * The operator node of the state-proof service (docs/architecture.md, "Processes" and "State proofs", step 3).
 *
 * It dials the aggregator's WebSocket (no inbound port), authenticates by signing the aggregator's challenge with its
 * signing key, then for each task: checks that the task id is the hash of the query (never trusting the wire), waits
 * until the block is final on its own RPC, reads `tryGetHistoryAtBlock`, checks the block timestamp, signs the EIP-712
 * StateAttestation, journals the signature, and only then sends it. Reconnects with backoff; a restart re-answers
 * journaled tasks with the same reading.
 *
 * Tasks that come in a batch are read together (one round trip per chain) and answered with one signature: over the
 * EIP-712 `AttestationBatch(root)` message, `root` being the Merkle root of the digests of the batch's attestations
 * (`core/crypto/attestation-batch.ts`). A task the node cannot sign is left out of the tree and reported as a task
 * error.
 */
import type { Address, Hex } from 'viem';
import type { Logger } from '../../../core/logging.ts';
import { computeBatchRoot } from '../../../core/crypto/attestation-batch.ts';
import { type SigningKey, signDigest } from '../../../core/crypto/ecdsa.ts';
import { OperatorClient } from '../../../runtime/operators/client.ts';
import type { AttestationDomain, StateAttestation, StateQuery } from '../attestation.ts';
import { type AttestationDigester, createAttestationDigester, fastTaskId } from '../digest.ts';
import { STATE_PROOFS_SERVICE, type WireBatchAnswer, type WireSignature, type WireTask, stateProofsProtocol } from '../protocol.ts';
import type { JournalKey, SignedAttestation, SigningJournal } from './journal.ts';
import { type StateReader, UnreadableTaskError } from './reader.ts';

export { AggregatorMismatchError } from '../../../runtime/operators/client.ts';

/** Everything an operator node needs. */
export type OperatorNodeOptions = {
  /** Aggregator WebSocket URL, e.g. `ws://127.0.0.1:8080/v1/operators/ws`. */
  aggregatorUrl: string;
  /** The operator's EigenLayer address (registered in the ECDSAStakeRegistry). */
  operator: Address;
  /** The signing key registered for the operator (not the operator's own key). */
  signingKey: SigningKey;
  /** EIP-712 domain of the deployment (main chain id and ServiceManager). */
  domain: AttestationDomain;
  /** Reads histories on the operator's own RPC endpoints. */
  reader: StateReader;
  /** Signing journal (durable). */
  journal: SigningJournal;
  logger: Logger;
  /** Reconnect backoff bounds in milliseconds (default 200 and 5,000). */
  reconnectDelayMs?: { min: number; max: number };
  /** Signatures are flushed to the aggregator at most this many ms after they are ready (default 5). */
  flushIntervalMs?: number;
  /** Version string sent at authentication. */
  nodeVersion?: string;
  /**
   * Devnet fault injection, for demos and tests of disputes only: for the queries it selects, the node signs
   * `value + 1` (and `exists: true`) instead of what it read. {@link startOperator} refuses it outside a devnet.
   */
  fault?: OperatorFault;
};

/** Which queries a faulty devnet node lies about. */
export type OperatorFault = { signsWrongValue(query: { chainId: bigint; user: Address; key: bigint; blockNumber: bigint }): boolean };

/** Counters the node exposes (metrics, tests). */
export type OperatorNodeStats = {
  connected: boolean;
  authenticated: boolean;
  tasksReceived: number;
  signaturesSent: number;
  signaturesReused: number;
  taskErrors: number;
};

/** A running operator node: the runtime's {@link OperatorClient} (ECDSA auth, journal before send) and the task logic. */
export class OperatorNode {
  private stopped = false;
  /** Tasks being answered, by `taskId:referenceEpoch`. */
  private readonly inFlight = new Map<string, InFlight>();
  private readonly counts = { tasksReceived: 0, signaturesReused: 0, taskErrors: 0 };
  private readonly client: OperatorClient<WireTask, WireSignature, SignedAttestation, WireBatchAnswer>;
  private readonly digest: AttestationDigester;

  constructor(private readonly options: OperatorNodeOptions) {
    this.digest = createAttestationDigester(options.domain);
    this.client = new OperatorClient({
      url: options.aggregatorUrl,
      service: STATE_PROOFS_SERVICE,
      operator: options.operator,
      signingKey: options.signingKey.address,
      domain: { chainId: options.domain.chainId, serviceManager: options.domain.verifyingContract },
      signAuth: (hash) => signDigest(options.signingKey, hash),
      protocol: stateProofsProtocol,
      onTasks: (tasks) => {
        this.counts.tasksReceived += tasks.length;
        void this.handleTasks(tasks);
      },
      onBatch: (batchId, tasks) => {
        this.counts.tasksReceived += tasks.length;
        void this.handleBatch(batchId, tasks);
      },
      beforeSend: (entries) => options.journal.append(entries),
      logger: options.logger,
      reconnectDelayMs: options.reconnectDelayMs,
      flushIntervalMs: options.flushIntervalMs,
      nodeVersion: options.nodeVersion,
    });
  }

  /** Counters and the connection's state (a fresh object per read). */
  get stats(): OperatorNodeStats {
    const c = this.client.stats;
    return { connected: c.connected, authenticated: c.authenticated, signaturesSent: c.answersSent, ...this.counts };
  }

  /** Starts dialing the aggregator; resolves immediately (the node keeps reconnecting in the background). */
  start(): void {
    this.stopped = false;
    this.client.start();
  }

  /** Resolves once the node is authenticated with the aggregator. */
  authenticated(): Promise<void> {
    return this.client.authenticated();
  }

  /** Flushes what is ready, stops reading, and closes the connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.client.stop();
    this.options.reader.stop();
  }

  private get log(): Logger {
    return this.options.logger;
  }

  /**
   * Answers tasks sent on their own. A task sent again while it is being answered is not answered twice: the answer
   * under way goes out on the current connection. Unless it is being answered in a batch: that answer names a batch
   * the aggregator now connected may not hold (another replica's, taken over after it died), so the task is answered
   * again, from the journal, once the batch's answer is journaled. Never throws.
   */
  private async handleTasks(tasks: readonly WireTask[]): Promise<void> {
    const fresh: WireTask[] = [];
    const freshKeys: string[] = [];
    const inBatches: WireTask[] = [];
    const inBatchKeys: string[] = [];
    for (const t of tasks) {
      const key = inFlightKey(t);
      const running = this.inFlight.get(key);
      if (!running) {
        fresh.push(t);
        freshKeys.push(key);
      } else if (running.batchId) {
        inBatches.push(t);
        inBatchKeys.push(key);
      }
    }
    if (inBatches.length > 0) {
      void this.afterInFlight(inBatchKeys)
        .then(() => this.handleTasks(inBatches))
        .catch((error: Error) => this.log.error({ err: error.message }, 'failed to answer tasks sent again'));
    }
    if (fresh.length === 0) return;
    await this.track(freshKeys, undefined, async () => {
      const journaled = await this.options.journal.findByTasks(fresh.map(journalKeyOf));
      await Promise.all(fresh.map((task) => this.handleTask(task, journaled.filter((j) => j.taskId.toLowerCase() === task.taskId.toLowerCase()))));
    });
  }

  /**
   * Answers a batch with one signature over the root of its attestations (see the module comment). The same batch sent
   * again while being answered (a reconnect) is answered once, on the current connection; a batch holding tasks being
   * answered otherwise waits for those answers to be journaled, then signs their journaled readings. Never throws.
   */
  private async handleBatch(batchId: Hex, tasks: readonly WireTask[]): Promise<void> {
    const keys = tasks.map(inFlightKey);
    const running = keys.map((k) => this.inFlight.get(k));
    if (running.every((r) => r?.batchId === batchId)) return;
    if (running.some((r) => r !== undefined)) await this.afterInFlight(keys);
    await this.track(keys, batchId, () => this.answerBatch(batchId, tasks));
  }

  /** Resolves once the handlers now answering any of the tasks `keys` are done and what they answered is journaled. */
  private async afterInFlight(keys: readonly string[]): Promise<void> {
    const running = new Set(keys.flatMap((k) => this.inFlight.get(k)?.done ?? []));
    await Promise.all(running);
    // Their answers were queued; the flush journals them (before sending, even when the connection is down).
    await this.client.flush();
  }

  /** Runs `work`, the answering of the tasks `keys` (in batch `batchId`, or on their own), with them marked in flight. */
  private track(keys: readonly string[], batchId: Hex | undefined, work: () => Promise<void>): Promise<void> {
    const entry: InFlight = { batchId, done: Promise.resolve() };
    for (const k of keys) this.inFlight.set(k, entry);
    entry.done = work()
      .catch((error: Error) => this.log.error({ err: error.message }, 'failed to answer tasks'))
      .finally(() => {
        for (const k of keys) if (this.inFlight.get(k) === entry) this.inFlight.delete(k);
      });
    return entry.done;
  }

  private async answerBatch(batchId: Hex, tasks: readonly WireTask[]): Promise<void> {
    const fail = (taskId: string, error: unknown) => {
      if (this.stopped) return;
      const reason = error instanceof UnreadableTaskError ? error.message : `read failed: ${(error as Error).message.split('\n')[0]}`;
      this.counts.taskErrors++;
      this.client.enqueue({ error: { taskId, reason } });
    };
    try {
      const items: BatchItem[] = [];
      for (const task of tasks) {
        const query = queryOf(task);
        if (fastTaskId(query).toLowerCase() !== task.taskId.toLowerCase()) {
          fail(task.taskId, new UnreadableTaskError('task id is not the hash of its query'));
          continue;
        }
        items.push({ task, query });
      }
      const epochOf = new Map(items.map((i) => [i.task.taskId.toLowerCase(), i.task.referenceEpoch]));
      const journaled = new Map<string, SignedAttestation>();
      const keys = items.map((i) => ({ taskId: i.task.taskId as Hex, chainId: i.query.chainId, blockNumber: i.query.blockNumber }));
      for (const j of await this.options.journal.findByTasks(keys)) {
        // The entry of the task's own epoch wins; else any earlier one (one task, one reading).
        const id = j.taskId.toLowerCase();
        if (!journaled.has(id) || j.referenceEpoch === epochOf.get(id)) journaled.set(id, j);
      }
      for (const item of items) {
        const earlier = journaled.get(item.task.taskId.toLowerCase());
        if (earlier) item.reading = { value: earlier.value, exists: earlier.exists };
      }
      const toRead = items.filter((i) => !i.reading);
      const readings = await this.options.reader.readMany(
        toRead.map((i) => ({ chainId: Number(i.query.chainId), user: i.query.user, key: i.query.key, blockNumber: i.query.blockNumber })),
      );
      const failedReads = new Set<BatchItem>();
      toRead.forEach((item, i) => {
        const read = readings[i];
        if (read instanceof Error) {
          failedReads.add(item);
          fail(item.task.taskId, read);
        } else if (read.blockTimestamp !== item.query.timestamp) {
          failedReads.add(item);
          fail(item.task.taskId, new UnreadableTaskError(`block ${item.query.blockNumber} has timestamp ${read.blockTimestamp}, the task says ${item.query.timestamp}`));
        } else item.reading = { value: read.value, exists: read.exists };
      });
      const signed = items.filter((i) => !failedReads.has(i) && i.reading);
      if (signed.length === 0) return;
      const entries: SignedAttestation[] = signed.map(({ task, query, reading }) => {
        let r = reading!;
        if (this.options.fault?.signsWrongValue(query)) r = { value: r.value + 1n, exists: true };
        const digest = this.digest({ ...query, value: r.value, exists: r.exists, epoch: task.referenceEpoch });
        const { chainId, blockNumber } = query;
        return { taskId: task.taskId as Hex, chainId, blockNumber, referenceEpoch: task.referenceEpoch, value: r.value, exists: r.exists, digest, signature: '0x' };
      });
      const tree = computeBatchRoot(entries.map((e) => e.digest));
      const signature = signDigest(this.options.signingKey, tree.batchDigest);
      for (const e of entries) {
        e.signature = signature;
        e.batchRoot = tree.root;
      }
      this.client.enqueue({
        batch: {
          batchId,
          root: tree.root,
          signature,
          answers: entries.map((e) => ({ taskId: e.taskId, value: e.value.toString(), exists: e.exists, referenceEpoch: e.referenceEpoch })),
        },
        records: entries,
      });
    } catch (error) {
      if (this.stopped) return;
      this.log.error({ err: (error as Error).message, batchId }, 'failed to process a batch');
      for (const t of tasks) fail(t.taskId, error);
    }
  }

  private async handleTask(task: WireTask, journaled: SignedAttestation[]): Promise<void> {
    const taskId = task.taskId as Hex;
    try {
      const query = queryOf(task);
      if (fastTaskId(query).toLowerCase() !== taskId.toLowerCase()) {
        throw new UnreadableTaskError('task id is not the hash of its query');
      }
      const sameEpoch = journaled.find((j) => j.referenceEpoch === task.referenceEpoch);
      if (sameEpoch) {
        this.counts.signaturesReused++;
        // Signed in a batch before: the same attestation (same digest) signed on its own, as the aggregator now asks.
        const signature = sameEpoch.batchRoot ? signDigest(this.options.signingKey, sameEpoch.digest) : sameEpoch.signature;
        this.client.enqueue({ answer: toWire({ ...sameEpoch, signature }) });
        return;
      }
      // A task signed before at another epoch keeps the reading it was signed with: one task, one answer.
      const earlier = journaled[0];
      let reading: { exists: boolean; value: bigint };
      if (earlier) {
        reading = earlier;
      } else {
        const read = await this.options.reader.read(Number(query.chainId), query.user, query.key, query.blockNumber);
        if (read.blockTimestamp !== query.timestamp) {
          throw new UnreadableTaskError(`block ${query.blockNumber} has timestamp ${read.blockTimestamp}, the task says ${query.timestamp}`);
        }
        reading = read;
      }
      if (this.options.fault?.signsWrongValue(query)) reading = { value: reading.value + 1n, exists: true };
      const attestation: StateAttestation = { ...query, value: reading.value, exists: reading.exists, epoch: task.referenceEpoch };
      const digest = this.digest(attestation);
      const entry: SignedAttestation = {
        taskId,
        chainId: query.chainId,
        blockNumber: query.blockNumber,
        referenceEpoch: task.referenceEpoch,
        value: reading.value,
        exists: reading.exists,
        digest,
        signature: signDigest(this.options.signingKey, digest),
      };
      this.client.enqueue({ answer: toWire(entry), record: entry });
    } catch (error) {
      if (this.stopped) return;
      const reason = error instanceof UnreadableTaskError ? error.message : `read failed: ${(error as Error).message.split('\n')[0]}`;
      this.counts.taskErrors++;
      this.log.warn({ taskId, reason }, 'cannot sign task');
      this.client.enqueue({ error: { taskId, reason } });
    }
  }
}

/** The answering of some tasks: in batch `batchId` (undefined: on their own), settling `done` when queued. */
type InFlight = { batchId: Hex | undefined; done: Promise<void> };

function inFlightKey(task: WireTask): string {
  return `${task.taskId.toLowerCase()}:${task.referenceEpoch}`;
}

/** Where the journal holds the task's entries (the query as the wire states it; checked against the id before signing). */
function journalKeyOf(task: WireTask): JournalKey {
  return { taskId: task.taskId as Hex, chainId: BigInt(task.chainId), blockNumber: BigInt(task.blockNumber) };
}

function queryOf(task: WireTask): StateQuery {
  return { user: task.user as Address, chainId: BigInt(task.chainId), blockNumber: BigInt(task.blockNumber), timestamp: BigInt(task.timestamp), key: BigInt(task.key) };
}

/** A task of a batch once checked: the query, and the reading to sign (journaled, or to be read). */
type BatchItem = { task: WireTask; query: StateQuery; reading?: { value: bigint; exists: boolean } };

function toWire(entry: SignedAttestation): WireSignature {
  return {
    taskId: entry.taskId,
    value: entry.value.toString(),
    exists: entry.exists,
    referenceEpoch: entry.referenceEpoch,
    signature: entry.signature,
  };
}
