/**
 * The operator side of the operators' WebSocket protocol (`./protocol.ts`), for any service: dials the aggregator,
 * answers its `challenge` with an `auth` signed by the service's key scheme, hands `tasks` to the service, and sends
 * the service's answers and task errors back in batches. Reconnects with exponential backoff for as long as it runs.
 *
 * The key scheme is a parameter: `signAuth` signs the EIP-191 hash of {@link authMessage} (ECDSA r‖s‖v by a
 * registered signing key for state-proofs, a BN254 BLS signature x‖y for the multi-prover), and `signingKey` is what
 * `auth.signingKey` names (the ECDSA signing key's address, or the operator's own address for BLS operators).
 *
 * A service that must record what it sends before it leaves the node (a signing journal) passes `beforeSend`: each
 * batch's records are written first, in send order, and a batch whose write fails is withheld.
 */
import { type Address, type Hex, hashMessage } from 'viem';
import WebSocket from 'ws';
import type { z } from 'zod';
import type { Logger } from '../../core/logging.ts';
import { PROTOCOL_VERSION, authMessage, type challengeMessage, type operatorProtocol } from './protocol.ts';

/** An operator's answers to a batch: one signature over the root of their digests (see `./protocol.ts`). */
export type BatchSignature<BA> = { batchId: string; root: string; signature: string; answers: BA[] };

/**
 * One item of the outbox: an answer, a batch's answers, a task error, and what to record durably before any is sent
 * (`records` for a batch's several).
 */
export type OutboxItem<WA, R = never, BA = never> = {
  answer?: WA;
  batch?: BatchSignature<BA>;
  error?: { taskId: string; reason: string };
  record?: R;
  records?: R[];
};

/** Options of {@link OperatorClient}. */
export type OperatorClientOptions<WT, WA, R = never, BA = never> = {
  /** Aggregator WebSocket URL, e.g. `ws://127.0.0.1:8080/v1/operators/ws`. */
  url: string;
  /** The service's name in {@link authMessage} (e.g. `state-proofs`, `multi-prover`). */
  service: string;
  /** The operator's EigenLayer address. */
  operator: Address;
  /** What `auth.signingKey` names: the registered ECDSA signing key's address, or the operator (BLS operators). */
  signingKey: Address;
  /** The deployment the operator serves: an aggregator presenting another main chain id or ServiceManager is refused. */
  domain: { chainId: number; serviceManager: Address };
  /** Signs the EIP-191 hash of the auth message: 65-byte r‖s‖v (ECDSA) or 64-byte x‖y (BLS), as 0x hex. */
  signAuth(messageHash: Hex): Hex | Promise<Hex>;
  /** The service's messages (`operatorProtocol(...)`): what the aggregator may send. */
  protocol: Pick<ReturnType<typeof operatorProtocol>, 'aggregatorToOperator'>;
  /** Receives each `tasks` message (never awaited; the service reports its own failures as task errors). */
  onTasks(tasks: WT[]): void;
  /**
   * Receives each `batch` message, to be answered with one {@link BatchSignature} (services that sign in batches).
   * Absent: a batch's tasks go to `onTasks` and are answered one by one.
   */
  onBatch?(batchId: Hex, tasks: WT[]): void;
  /** Writes the records of a batch durably before it is sent; when it throws, the batch is withheld. */
  beforeSend?(records: R[]): Promise<void>;
  logger: Logger;
  /** Reconnect backoff bounds in milliseconds (default 200 and 5,000). */
  reconnectDelayMs?: { min: number; max: number };
  /** Answers are flushed at most this many ms after they are ready (default 5). */
  flushIntervalMs?: number;
  /** Ready items that trigger a flush at once (default 1,000). */
  maxBatch?: number;
  /** Version string sent at authentication. */
  nodeVersion?: string;
};

/** The connection's state and what went out (metrics, tests). */
export type OperatorClientStats = {
  connected: boolean;
  authenticated: boolean;
  /** Answers sent to the aggregator. */
  answersSent: number;
  /** Task errors sent to the aggregator. */
  errorsSent: number;
};

/** The aggregator presents a main chain id or ServiceManager that is not this deployment's. */
export class AggregatorMismatchError extends Error {
  override name = 'AggregatorMismatchError';
}

type Challenge = z.infer<typeof challengeMessage>;

/** A connection to the aggregator that keeps itself up (see the module comment). */
export class OperatorClient<WT, WA, R = never, BA = never> {
  readonly stats: OperatorClientStats = { connected: false, authenticated: false, answersSent: 0, errorsSent: 0 };
  private socket: WebSocket | undefined;
  private stopped = true;
  private reconnectAttempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private outbox: OutboxItem<WA, R, BA>[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private authWaiters: (() => void)[] = [];

  constructor(private readonly options: OperatorClientOptions<WT, WA, R, BA>) {}

  /** Starts dialing the aggregator; returns at once (the client keeps reconnecting in the background). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  /** Resolves once the aggregator has accepted the operator (`welcome`). */
  async authenticated(): Promise<void> {
    if (this.stats.authenticated) return;
    await new Promise<void>((resolve) => this.authWaiters.push(resolve));
  }

  /** Flushes what is ready, then closes the connection and stops reconnecting. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    await this.flush();
    this.socket?.close();
    this.socket = undefined;
  }

  /** Queues an answer or a task error; it goes out with the next flush. */
  enqueue(item: OutboxItem<WA, R, BA>): void {
    this.outbox.push(item);
    if (this.outbox.length >= (this.options.maxBatch ?? 1_000)) void this.flush();
    else if (!this.flushTimer) this.flushTimer = setTimeout(() => void this.flush(), this.options.flushIntervalMs ?? 5);
  }

  /** Records (through `beforeSend`), then sends, everything ready; serialized so record order follows send order. */
  flush(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    const batch = this.outbox;
    this.outbox = [];
    this.flushing = this.flushing.then(() => this.send(batch));
    return this.flushing;
  }

  private get log(): Logger {
    return this.options.logger;
  }

  private connect(): void {
    if (this.stopped) return;
    const socket = new WebSocket(this.options.url, { perMessageDeflate: false });
    this.socket = socket;
    socket.on('open', () => {
      this.stats.connected = true;
      this.reconnectAttempt = 0;
      this.log.info({ url: this.options.url }, 'connected to aggregator');
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
    let message: { type: string } & Record<string, unknown>;
    try {
      message = this.options.protocol.aggregatorToOperator.parse(JSON.parse(raw)) as typeof message;
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'ignoring malformed message from aggregator');
      return;
    }
    switch (message.type) {
      case 'challenge':
        void this.answerChallenge(socket, message as unknown as Challenge);
        break;
      case 'welcome':
        this.stats.authenticated = true;
        this.log.info({ epoch: message.epoch }, 'authenticated with aggregator');
        for (const resolve of this.authWaiters.splice(0)) resolve();
        break;
      case 'tasks':
        this.options.onTasks(message.tasks as WT[]);
        break;
      case 'batch':
        if (this.options.onBatch) this.options.onBatch(message.batchId as Hex, message.tasks as WT[]);
        else this.options.onTasks(message.tasks as WT[]);
        break;
      case 'error':
        this.log.error({ message: message.message }, 'aggregator refused the connection');
        break;
    }
  }

  private async answerChallenge(socket: WebSocket, challenge: Challenge): Promise<void> {
    const { domain, operator, signingKey, service } = this.options;
    if (challenge.version !== PROTOCOL_VERSION) {
      this.log.error({ theirs: challenge.version, ours: PROTOCOL_VERSION }, 'aggregator speaks another protocol version');
      socket.close();
      return;
    }
    if (challenge.chainId !== domain.chainId || challenge.serviceManager.toLowerCase() !== domain.serviceManager.toLowerCase()) {
      this.log.error(
        { theirs: { chainId: challenge.chainId, serviceManager: challenge.serviceManager }, ours: domain },
        new AggregatorMismatchError('aggregator serves another deployment').message,
      );
      socket.close();
      return;
    }
    const text = authMessage({ service, nonce: challenge.nonce, operator, signingKey, serviceManager: domain.serviceManager });
    let signature: Hex;
    try {
      signature = await this.options.signAuth(hashMessage(text));
    } catch (error) {
      this.log.error({ err: (error as Error).message }, 'cannot sign the authentication challenge');
      socket.close();
      return;
    }
    if (socket.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify({ type: 'auth', operator, signingKey, signature, nodeVersion: this.options.nodeVersion }));
  }

  private async send(batch: OutboxItem<WA, R, BA>[]): Promise<void> {
    if (batch.length === 0) return;
    if (this.options.beforeSend) {
      try {
        await this.options.beforeSend(batch.flatMap((b) => [...(b.record === undefined ? [] : [b.record]), ...(b.records ?? [])]));
      } catch (error) {
        this.log.error({ err: (error as Error).message }, 'journal write failed; answers withheld');
        return;
      }
    }
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || !this.stats.authenticated) return;
    const answers = batch.flatMap((b) => (b.answer === undefined ? [] : [b.answer]));
    // The protocol caps a reason at 500 characters; a longer one would make the aggregator drop the connection.
    const errors = batch.flatMap((b) => (b.error ? [{ taskId: b.error.taskId, reason: b.error.reason.slice(0, 500) }] : []));
    if (answers.length > 0) {
      socket.send(JSON.stringify({ type: 'signatures', signatures: answers }));
      this.stats.answersSent += answers.length;
    }
    for (const b of batch) {
      if (!b.batch) continue;
      socket.send(JSON.stringify({ type: 'batchSignature', ...b.batch }));
      this.stats.answersSent += b.batch.answers.length;
    }
    if (errors.length > 0) {
      socket.send(JSON.stringify({ type: 'taskErrors', errors }));
      this.stats.errorsSent += errors.length;
    }
  }
}
