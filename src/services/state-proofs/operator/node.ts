/**
 * The operator node of the state-proof service (docs/architecture.md, "Processes" and "State proofs", step 3).
 *
 * It dials the aggregator's WebSocket (no inbound port), authenticates by signing the aggregator's challenge with its
 * signing key, then for each task: checks that the task id is the hash of the query (never trusting the wire), waits
 * until the block is final on its own RPC, reads `tryGetHistoryAtBlock`, checks the block timestamp, signs the EIP-712
 * StateAttestation, journals the signature, and only then sends it. Reconnects with backoff; a restart re-answers
 * journaled tasks with the same signature.
 */
import { type Address, type Hex, hashMessage } from 'viem';
import WebSocket from 'ws';
import type { Logger } from '../../../core/logging.ts';
import { type SigningKey, signDigest } from '../../../core/crypto/ecdsa.ts';
import type { AttestationDomain, StateAttestation } from '../attestation.ts';
import { type AttestationDigester, createAttestationDigester, fastTaskId } from '../digest.ts';
import {
  type AggregatorToOperator,
  type WireSignature,
  type WireTask,
  PROTOCOL_VERSION,
  aggregatorToOperator,
  authMessage,
} from '../protocol.ts';
import { type SignedAttestation, SigningJournal } from './journal.ts';
import { type StateReader, UnreadableTaskError } from './reader.ts';

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

/** Thrown when the aggregator presents a domain that is not this deployment's. */
export class AggregatorMismatchError extends Error {
  override name = 'AggregatorMismatchError';
}

/** A running operator node. */
export class OperatorNode {
  private socket: WebSocket | undefined;
  private stopped = false;
  private reconnectAttempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private outbox: { signature?: WireSignature; journal?: SignedAttestation; error?: { taskId: Hex; reason: string } }[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private readonly inFlight = new Set<string>();
  private authWaiters: (() => void)[] = [];
  readonly stats: OperatorNodeStats = {
    connected: false,
    authenticated: false,
    tasksReceived: 0,
    signaturesSent: 0,
    signaturesReused: 0,
    taskErrors: 0,
  };

  private readonly digest: AttestationDigester;

  constructor(private readonly options: OperatorNodeOptions) {
    this.digest = createAttestationDigester(options.domain);
  }

  /** Starts dialing the aggregator; resolves immediately (the node keeps reconnecting in the background). */
  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** Resolves once the node is authenticated with the aggregator. */
  async authenticated(): Promise<void> {
    if (this.stats.authenticated) return;
    await new Promise<void>((resolve) => this.authWaiters.push(resolve));
  }

  /** Closes the connection, stops reading, and flushes what is ready. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    await this.flush();
    this.options.reader.stop();
    this.socket?.close();
    this.socket = undefined;
  }

  private get log(): Logger {
    return this.options.logger;
  }

  private connect(): void {
    if (this.stopped) return;
    const socket = new WebSocket(this.options.aggregatorUrl, { perMessageDeflate: false });
    this.socket = socket;
    socket.on('open', () => {
      this.stats.connected = true;
      this.reconnectAttempt = 0;
      this.log.info({ url: this.options.aggregatorUrl }, 'connected to aggregator');
    });
    socket.on('message', (data) => this.onMessage(socket, data.toString()));
    socket.on('error', (error) => this.log.warn({ err: error.message }, 'aggregator connection error'));
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
      this.stats.connected = false;
      this.stats.authenticated = false;
      if (!this.stopped) this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    const { min, max } = this.options.reconnectDelayMs ?? { min: 200, max: 5_000 };
    const delay = Math.min(max, min * 2 ** this.reconnectAttempt++);
    this.log.info({ delayMs: delay }, 'reconnecting to aggregator');
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private onMessage(socket: WebSocket, raw: string): void {
    let message: AggregatorToOperator;
    try {
      message = aggregatorToOperator.parse(JSON.parse(raw));
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'ignoring malformed message from aggregator');
      return;
    }
    switch (message.type) {
      case 'challenge':
        this.answerChallenge(socket, message);
        break;
      case 'welcome':
        this.stats.authenticated = true;
        this.log.info({ epoch: message.epoch }, 'authenticated with aggregator');
        for (const resolve of this.authWaiters.splice(0)) resolve();
        break;
      case 'tasks':
        this.stats.tasksReceived += message.tasks.length;
        void this.handleTasks(message.tasks);
        break;
      case 'error':
        this.log.error({ message: message.message }, 'aggregator refused the connection');
        break;
    }
  }

  private answerChallenge(socket: WebSocket, challenge: Extract<AggregatorToOperator, { type: 'challenge' }>): void {
    const { domain, operator, signingKey } = this.options;
    if (challenge.version !== PROTOCOL_VERSION) {
      this.log.error({ theirs: challenge.version, ours: PROTOCOL_VERSION }, 'aggregator speaks another protocol version');
      socket.close();
      return;
    }
    if (challenge.chainId !== domain.chainId || challenge.serviceManager.toLowerCase() !== domain.verifyingContract.toLowerCase()) {
      this.log.error(
        { theirs: { chainId: challenge.chainId, serviceManager: challenge.serviceManager }, ours: domain },
        new AggregatorMismatchError('aggregator serves another deployment').message,
      );
      socket.close();
      return;
    }
    const text = authMessage({
      nonce: challenge.nonce,
      operator,
      signingKey: signingKey.address,
      serviceManager: domain.verifyingContract,
    });
    socket.send(
      JSON.stringify({
        type: 'auth',
        operator,
        signingKey: signingKey.address,
        signature: signDigest(signingKey, hashMessage(text)),
        nodeVersion: this.options.nodeVersion,
      }),
    );
  }

  private async handleTasks(tasks: readonly WireTask[]): Promise<void> {
    const fresh = tasks.filter((t) => !this.inFlight.has(`${t.taskId}:${t.referenceEpoch}`));
    for (const t of fresh) this.inFlight.add(`${t.taskId}:${t.referenceEpoch}`);
    try {
      const journaled = await this.options.journal.findByTasks(fresh.map((t) => t.taskId as Hex));
      await Promise.all(fresh.map((task) => this.handleTask(task, journaled.filter((j) => j.taskId === task.taskId))));
    } catch (error) {
      this.log.error({ err: (error as Error).message }, 'failed to process a task batch');
    } finally {
      for (const t of fresh) this.inFlight.delete(`${t.taskId}:${t.referenceEpoch}`);
    }
  }

  private async handleTask(task: WireTask, journaled: SignedAttestation[]): Promise<void> {
    const taskId = task.taskId as Hex;
    try {
      const query = {
        user: task.user as Address,
        chainId: BigInt(task.chainId),
        blockNumber: BigInt(task.blockNumber),
        timestamp: BigInt(task.timestamp),
        key: BigInt(task.key),
      };
      if (fastTaskId(query).toLowerCase() !== taskId.toLowerCase()) {
        throw new UnreadableTaskError('task id is not the hash of its query');
      }
      const sameEpoch = journaled.find((j) => j.referenceEpoch === task.referenceEpoch);
      if (sameEpoch) {
        this.stats.signaturesReused++;
        this.enqueue({ signature: toWire(sameEpoch) });
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
        referenceEpoch: task.referenceEpoch,
        value: reading.value,
        exists: reading.exists,
        digest,
        signature: signDigest(this.options.signingKey, digest),
      };
      this.enqueue({ signature: toWire(entry), journal: entry });
    } catch (error) {
      if (this.stopped) return;
      const reason = error instanceof UnreadableTaskError ? error.message : `read failed: ${(error as Error).message.split('\n')[0]}`;
      this.stats.taskErrors++;
      this.log.warn({ taskId, reason }, 'cannot sign task');
      this.enqueue({ error: { taskId, reason } });
    }
  }

  private enqueue(item: (typeof this.outbox)[number]): void {
    this.outbox.push(item);
    if (this.outbox.length >= 1_000) void this.flush();
    else if (!this.flushTimer) this.flushTimer = setTimeout(() => void this.flush(), this.options.flushIntervalMs ?? 5);
  }

  /** Journals, then sends, everything ready; serialized so journal order follows send order. */
  private flush(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    const batch = this.outbox;
    this.outbox = [];
    this.flushing = this.flushing.then(() => this.send(batch));
    return this.flushing;
  }

  private async send(batch: typeof this.outbox): Promise<void> {
    if (batch.length === 0) return;
    try {
      await this.options.journal.append(batch.flatMap((b) => (b.journal ? [b.journal] : [])));
    } catch (error) {
      this.log.error({ err: (error as Error).message }, 'journal write failed; signatures withheld');
      return;
    }
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || !this.stats.authenticated) return;
    const signatures = batch.flatMap((b) => (b.signature ? [b.signature] : []));
    const errors = batch.flatMap((b) => (b.error ? [b.error] : []));
    if (signatures.length > 0) {
      socket.send(JSON.stringify({ type: 'signatures', signatures }));
      this.stats.signaturesSent += signatures.length;
    }
    if (errors.length > 0) socket.send(JSON.stringify({ type: 'taskErrors', errors }));
  }
}

function toWire(entry: SignedAttestation): WireSignature {
  return {
    taskId: entry.taskId,
    value: entry.value.toString(),
    exists: entry.exists,
    referenceEpoch: entry.referenceEpoch,
    signature: entry.signature,
  };
}
