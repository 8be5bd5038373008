/**
 * The operators' WebSocket endpoint (`/v1/operators/ws`; protocol in `./protocol.ts`), for any service's task engine.
 *
 * On connect the hub sends `challenge` with a fresh 32-byte nonce. The operator answers `auth`: an EIP-191 signature
 * over `authMessage(nonce, operator, signingKey, serviceManager)`. The hub recovers the signer (once per connection),
 * requires it to be `signingKey`, and requires `signingKey` to be the operator's registered signing key at the current
 * epoch — or at the next effective epoch, so a just-registered operator can connect before its registration takes
 * effect. It then replies `welcome` and hands the connection to the task engine, which pushes `tasks`; `signatures` and
 * `taskErrors` go back to the engine, parsed with the service's schemas. Bad auth, malformed messages and timeouts get an `error` message and a close.
 * Nothing an operator sends can throw out of the hub.
 */
import { randomBytes } from 'node:crypto';
import websocket from '@fastify/websocket';
import { type Address, getAddress, hashMessage } from 'viem';
import type WebSocket from 'ws';
import type { z } from 'zod';
import { publicKeyToAddress, recoverPublicKey } from '../../core/crypto/ecdsa.ts';
import type { HttpServer } from '../../core/http/server.ts';
import { type Logger, silentLogger } from '../../core/logging.ts';
import type { OperatorEntry, OperatorSetSource } from '../operatorSet.ts';
import type { OperatorSession } from '../tasks/sessions.ts';
import { PROTOCOL_VERSION, authMessage, type challengeMessage, type errorMessage, type operatorProtocol, type welcomeMessage } from './protocol.ts';

/** Path of the operators' WebSocket. */
export const OPERATOR_WS_PATH = '/v1/operators/ws';

/** What the hub hands connections and messages to: a service's task engine (`runtime/tasks/engine.ts`). */
export type OperatorMessageHandler<WT, WA> = {
  attachOperator(session: OperatorSession<WT>): void;
  detachOperator(session: OperatorSession<WT>): void;
  handleAnswers(session: OperatorSession<WT>, answers: readonly WA[]): void;
  /** Answers to a batch, one signature over their root (engines that batch; others may ignore it). */
  handleBatchAnswers?(session: OperatorSession<WT>, message: { batchId: string; root: string; signature: string; answers: readonly unknown[] }): void;
  handleTaskErrors(session: OperatorSession<WT>, errors: readonly { taskId: string; reason: string }[]): void;
};

/**
 * How operators of a key scheme other than ECDSA prove control of their registered key when they authenticate (BLS:
 * `auth.signingKey` is the operator's own address and `auth.signature` a BLS signature of the message hash).
 */
export type OperatorAuthScheme = {
  /** Whether `signature` over `messageHash` (EIP-191 hash of {@link authMessage}) is by `entry`'s registered key. */
  verify(entry: OperatorEntry, messageHash: `0x${string}`, signature: `0x${string}`): boolean;
};

/** Options of {@link registerOperatorHub}. */
export type OperatorHubOptions<WT, WA> = {
  engine: OperatorMessageHandler<WT, WA>;
  operatorSet: OperatorSetSource;
  /** The service's messages (`operatorProtocol(...)`) and the name its operators sign in `authMessage`. */
  protocol: Pick<ReturnType<typeof operatorProtocol>, 'operatorToAggregator'>;
  service: string;
  /** Main chain id and ServiceManager, sent in `challenge` and signed in `auth`. */
  mainChainId: number;
  serviceManager: Address;
  /** Operators that sign with another key scheme than ECDSA (default: ECDSA, the signer recovered from `auth`). */
  authScheme?: OperatorAuthScheme;
  logger?: Logger;
  /** Time allowed between connect and a valid `auth`, ms (default 10,000). */
  authTimeoutMs?: number;
  /** Largest accepted message, bytes (default 16 MiB). */
  maxPayload?: number;
  /** Unsent bytes beyond which a connection that does not read is closed (default 64 MiB). */
  maxBufferedBytes?: number;
};

/** A connected, authenticated operator. */
export type ConnectedOperator = { operator: Address; signingKey: Address; connectedAt: number; nodeVersion?: string };

/** The hub's view of who is connected. */
export type OperatorHub = {
  /** Authenticated connections. */
  connected(): ConnectedOperator[];
  /** The operator's connection, if any. */
  connection(operator: Address): ConnectedOperator | undefined;
};

/** Close codes used on refusal. */
const POLICY_VIOLATION = 1008;
const PROTOCOL_ERROR = 1002;
const TRY_AGAIN_LATER = 1013;

/**
 * The `batch` message of `tasks`, encoded once per batch: the engine hands every operator of a batch the same array, so
 * with n operators this saves n − 1 encodings of the same few hundred tasks.
 */
const batchMessages = new WeakMap<readonly unknown[], { batchId: string; message: string }>();
function batchMessage(batchId: string, tasks: readonly unknown[]): string {
  const known = batchMessages.get(tasks);
  if (known?.batchId === batchId) return known.message;
  const message = JSON.stringify({ type: 'batch', batchId, tasks });
  batchMessages.set(tasks, { batchId, message });
  return message;
}

/**
 * Registers @fastify/websocket and the operators' route on `app` (call before `listen`/`ready`).
 * The plugin closes every socket when the server closes.
 */
export async function registerOperatorHub<WT, WA>(app: HttpServer, options: OperatorHubOptions<WT, WA>): Promise<OperatorHub> {
  const { engine, operatorSet, serviceManager, service } = options;
  const log = options.logger ?? silentLogger();
  const maxBuffered = options.maxBufferedBytes ?? 64 * 1024 * 1024;
  const connections = new Map<string, { session: OperatorSession<WT>; socket: WebSocket }>();

  await app.register(websocket, { options: { maxPayload: options.maxPayload ?? 16 * 1024 * 1024, perMessageDeflate: false } });

  app.get(OPERATOR_WS_PATH, { websocket: true, schema: { hide: true } }, (socket: WebSocket) => {
    const nonce = `0x${randomBytes(32).toString('hex')}`;
    let session: OperatorSession<WT> | undefined;
    let authenticating = false;
    let closed = false;

    const send = (message: z.infer<typeof challengeMessage> | z.infer<typeof welcomeMessage> | z.infer<typeof errorMessage>): void => {
      if (socket.readyState !== socket.OPEN) return;
      socket.send(JSON.stringify(message));
    };
    const refuse = (message: string, code = POLICY_VIOLATION): void => {
      if (closed) return;
      send({ type: 'error', message });
      closed = true;
      socket.close(code, message.slice(0, 120));
    };
    const authTimer = setTimeout(() => refuse('authentication timed out'), options.authTimeoutMs ?? 10_000);

    send({ type: 'challenge', version: PROTOCOL_VERSION, nonce, chainId: options.mainChainId, serviceManager });

    socket.on('message', (data: WebSocket.RawData) => {
      if (closed) return;
      let parsed;
      try {
        parsed = options.protocol.operatorToAggregator.safeParse(JSON.parse(data.toString()));
      } catch {
        return refuse('message is not JSON', PROTOCOL_ERROR);
      }
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return refuse(`malformed message: ${issue.path.join('.') || 'message'}: ${issue.message}`, PROTOCOL_ERROR);
      }
      const message = parsed.data as
        | z.infer<ReturnType<typeof operatorProtocol>['operatorToAggregator']>
        | { type: 'signatures'; signatures: WA[] };
      try {
        if (message.type === 'auth') {
          if (session || authenticating) return refuse('already authenticated', PROTOCOL_ERROR);
          authenticating = true;
          void authenticate(message).finally(() => {
            authenticating = false;
          });
          return;
        }
        if (!session) return refuse('authenticate first', PROTOCOL_ERROR);
        if (message.type === 'signatures') engine.handleAnswers(session, message.signatures as WA[]);
        else if (message.type === 'taskErrors') engine.handleTaskErrors(session, message.errors);
        else if (message.type === 'batchSignature') engine.handleBatchAnswers?.(session, message);
      } catch (error) {
        log.error({ err: (error as Error).message }, 'operator message handling failed');
      }
    });

    socket.on('error', (error: Error) => log.warn({ err: error.message, operator: session?.operator }, 'operator socket error'));
    socket.on('close', () => {
      closed = true;
      clearTimeout(authTimer);
      if (!session) return;
      engine.detachOperator(session);
      const key = session.operator.toLowerCase();
      if (connections.get(key)?.socket === socket) connections.delete(key);
      log.info({ operator: session.operator }, 'operator disconnected');
    });

    async function authenticate(auth: { operator: string; signingKey: string; signature: string; nodeVersion?: string }): Promise<void> {
      let publicKey: Uint8Array | undefined;
      const digest = hashMessage(authMessage({ service, nonce, operator: auth.operator, signingKey: auth.signingKey, serviceManager }));
      if (!options.authScheme) {
        try {
          publicKey = recoverPublicKey(digest, auth.signature as `0x${string}`);
        } catch {
          return refuse('authentication failed: the signature is malformed');
        }
        if (publicKeyToAddress(publicKey).toLowerCase() !== auth.signingKey.toLowerCase()) {
          return refuse('authentication failed: the signature is not by signingKey over the challenge');
        }
      }
      let epoch: number;
      try {
        epoch = await operatorSet.currentEpoch();
        const registered = await registeredEntry(auth.operator, auth.signingKey, epoch);
        if (registered && options.authScheme && !options.authScheme.verify(registered, digest, auth.signature as `0x${string}`)) {
          return refuse("authentication failed: the signature is not by the operator's registered key over the challenge");
        }
        if (!registered) {
          return refuse(
            `authentication failed: ${auth.signingKey} is not the registered signing key of operator ${auth.operator} ` +
              `at epoch ${epoch} or the next effective epoch`,
          );
        }
      } catch (error) {
        log.warn({ err: (error as Error).message }, 'cannot read the operator set to authenticate an operator');
        return refuse('cannot check the registration right now; retry', TRY_AGAIN_LATER);
      }
      if (closed) return;
      clearTimeout(authTimer);
      const operator = getAddress(auth.operator.toLowerCase());
      const key = operator.toLowerCase();
      session = {
        operator,
        signingKey: getAddress(auth.signingKey.toLowerCase()),
        publicKey,
        connectedAt: Date.now(),
        nodeVersion: auth.nodeVersion,
        send(tasks) {
          if (socket.readyState !== socket.OPEN) return;
          if (socket.bufferedAmount > maxBuffered) {
            refuse('not reading its tasks; closing');
            return;
          }
          socket.send(JSON.stringify({ type: 'tasks', tasks }));
        },
        sendBatch(batchId, tasks) {
          if (socket.readyState !== socket.OPEN) return;
          if (socket.bufferedAmount > maxBuffered) {
            refuse('not reading its tasks; closing');
            return;
          }
          socket.send(batchMessage(batchId, tasks));
        },
      };
      const previous = connections.get(key);
      connections.set(key, { session, socket });
      if (previous && previous.socket !== socket) {
        previous.socket.send(JSON.stringify({ type: 'error', message: 'replaced by a newer connection of the same operator' }));
        previous.socket.close(POLICY_VIOLATION, 'replaced');
      }
      send({ type: 'welcome', operator, epoch });
      log.info({ operator, signingKey: session.signingKey, nodeVersion: auth.nodeVersion }, 'operator authenticated');
      engine.attachOperator(session);
    }
  });

  /** The operator's entry with `signingKey` at the current epoch or a later one up to the effective epoch. */
  async function registeredEntry(operator: string, signingKey: string, current: number): Promise<OperatorEntry | undefined> {
    const matching = async (epoch: number) => {
      const entry = (await operatorSet.getSnapshot(epoch)).operators.get(operator.toLowerCase());
      return entry !== undefined && entry.signingKey.toLowerCase() === signingKey.toLowerCase() ? entry : undefined;
    };
    const now = await matching(current);
    if (now) return now;
    const effective = await operatorSet.effectiveEpoch();
    for (let epoch = current + 1; epoch <= effective; epoch++) {
      const later = await matching(epoch);
      if (later) return later;
    }
    return undefined;
  }

  const view = (c: { session: OperatorSession<WT> }): ConnectedOperator => ({
    operator: c.session.operator,
    signingKey: c.session.signingKey,
    connectedAt: c.session.connectedAt,
    nodeVersion: c.session.nodeVersion,
  });
  return {
    connected: () => [...connections.values()].map(view),
    connection(operator) {
      const c = connections.get(operator.toLowerCase());
      return c ? view(c) : undefined;
    },
  };
}
