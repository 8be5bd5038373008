/**
 * The aggregator's HTTP API (docs/architecture.md, "The user-facing contract"):
 *
 * - `POST /v1/state-proofs` `{ chainId, user, key, blockNumber? | timestamp? }` → 202 with the task (200 when it is
 *   already aggregated). Integers as decimal strings (safe integers also accepted as JSON numbers).
 * - `POST /v1/state-proofs/batch` `{ requests: [...] }` (1 to {@link MAX_BATCH_REQUESTS} bodies of the above) → 200
 *   `{ tasks }` in request order; taken whole or not at all (a refused request is named as `body.requests.<i>`).
 * - `GET /v1/state-proofs/:taskId` → the task (404 unknown).
 * - `GET /v1/state-proofs/:taskId/events` → Server-Sent Events: `status` events with the task until it is aggregated
 *   or failed.
 * - `GET /v1/operators` → operators registered at the current epoch, their weight and connection state.
 * - `GET /v1/epochs/current` → `{ epoch, start, graceStart, end, effectiveEpoch, now }` from main-chain time.
 *
 * Responses carry bigints as decimal strings, addresses and hashes as 0x hex, times as ISO 8601.
 */
import type { Address, Hex } from 'viem';
import { z } from 'zod';
import type { Deployment } from '../../../core/chain/deployment.ts';
import { hexAddressSchema as address } from '../../../core/chain/schemas.ts';
import { epochAt, epochInterval, effectiveEpochAt } from '../../../core/epochs.ts';
import { HttpError, NotFoundError } from '../../../core/http/errors.ts';
import { uintInput } from '../../../core/http/schemas.ts';
import type { HttpServer } from '../../../core/http/server.ts';
import type { Aggregator } from './aggregator.ts';
import type { BlockResolver } from './blocks.ts';
import type { OperatorSetSource } from '../../../runtime/operatorSet.ts';
import { streamTaskEvents } from '../../../runtime/http/taskEventStream.ts';
import { type TaskView, isFinalStatus } from './views.ts';

const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected a 32-byte 0x hex task id');
const hex = z.string().regex(/^0x[0-9a-fA-F]*$/);
const decimalOut = z.string().regex(/^[0-9]+$/).describe('unsigned integer as a decimal string');

const uint = uintInput;

/** Body of `POST /v1/state-proofs`. */
export const proofRequestBody = z
  .object({
    chainId: uint(64).describe('chain whose StateManager holds the value'),
    user: address.describe('owner of the history'),
    key: uint(256).describe('history key'),
    blockNumber: uint(64).optional().describe('block to read at (exactly one of blockNumber and timestamp)'),
    timestamp: uint(48).optional().describe('unix seconds; resolves to the last block at or before it'),
  })
  .superRefine((body, ctx) => {
    if ((body.blockNumber === undefined) === (body.timestamp === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['blockNumber'], message: 'give exactly one of blockNumber and timestamp' });
    }
  });

/** Most requests in one `POST /v1/state-proofs/batch`. */
export const MAX_BATCH_REQUESTS = 1_000;

/** Body of `POST /v1/state-proofs/batch`. */
export const proofBatchBody = z.object({
  requests: z
    .array(proofRequestBody)
    .min(1)
    .max(MAX_BATCH_REQUESTS)
    .describe(`1 to ${MAX_BATCH_REQUESTS} proof requests, each as the body of POST /v1/state-proofs`),
});

/** A task in API form. */
export const taskResponse = z.object({
  taskId: bytes32,
  status: z.enum(['pending', 'signing', 'aggregated', 'failed']),
  attestation: z.object({
    user: address,
    chainId: decimalOut,
    blockNumber: decimalOut,
    timestamp: decimalOut.describe('block timestamp, unix seconds'),
    key: decimalOut,
    value: decimalOut.nullable(),
    exists: z.boolean().nullable(),
    epoch: z.number().int().describe('reference epoch'),
  }),
  digest: hex.nullable().describe('EIP-712 digest: the hash argument of isValidSignature'),
  sigData: hex.nullable().describe('abi.encode(address[] operators, bytes[] signatures, uint32 referenceEpoch)'),
  signers: z.array(z.object({ operator: address, weight: decimalOut })),
  signedWeight: decimalOut,
  thresholdWeight: decimalOut,
  failureReason: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  deadlineAt: z.string(),
  aggregatedAt: z.string().nullable(),
});
export type TaskResponse = z.infer<typeof taskResponse>;

/** Query of the proof feed. The cursor is opaque to clients: pass back the `next` of the previous page. */
export const proofFeedQuery = z.object({
  after: z
    .string()
    .regex(/^[0-9]{1,16}-0x[0-9a-fA-F]{64}$/, 'expected the `next` cursor of a previous page')
    .optional()
    .describe('cursor: the `next` of the previous page; omit to start from the oldest proof'),
  limit: z.coerce.number().int().min(1).max(500).default(100).describe('page size, 1 to 500'),
});

const proofFeedResponse = z.object({
  proofs: z.array(taskResponse),
  next: z.string().nullable().describe('cursor for the next page (the same cursor when the page is empty); null before any proof'),
});

const proofBatchResponse = z.object({
  tasks: z.array(taskResponse).describe('one task per request, in request order'),
});

const errorResponse = z.object({ error: z.string(), message: z.string() });

const operatorsResponse = z.object({
  epoch: z.number().int(),
  totalWeight: decimalOut,
  thresholdWeight: decimalOut,
  operators: z.array(
    z.object({
      operator: address,
      signingKey: address,
      weight: decimalOut,
      connected: z.boolean(),
      connectedAt: z.string().nullable(),
      nodeVersion: z.string().nullable(),
    }),
  ),
});

const epochResponse = z.object({
  epoch: z.number().int(),
  start: decimalOut.describe('unix seconds'),
  graceStart: decimalOut.describe('unix seconds'),
  end: decimalOut.describe('unix seconds, exclusive'),
  effectiveEpoch: z.number().int().describe('epoch at which a registry change made now takes effect'),
  now: decimalOut.describe('main-chain time (latest block timestamp), unix seconds'),
});

/** JSON form of a {@link TaskView}. */
export function taskToJson(task: TaskView): TaskResponse {
  const a = task.attestation;
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    taskId: task.taskId,
    status: task.status,
    attestation: {
      user: a.user,
      chainId: a.chainId.toString(),
      blockNumber: a.blockNumber.toString(),
      timestamp: a.timestamp.toString(),
      key: a.key.toString(),
      value: a.value === null ? null : a.value.toString(),
      exists: a.exists,
      epoch: a.epoch,
    },
    digest: task.digest,
    sigData: task.sigData,
    signers: task.signers.map((s) => ({ operator: s.operator, weight: s.weight.toString() })),
    signedWeight: task.signedWeight.toString(),
    thresholdWeight: task.thresholdWeight.toString(),
    failureReason: task.failureReason,
    createdAt: iso(task.createdAt),
    updatedAt: iso(task.updatedAt),
    deadlineAt: iso(task.deadlineAt),
    aggregatedAt: task.aggregatedAt === null ? null : iso(task.aggregatedAt),
  };
}

/** Connection state the operators route reports (the hub implements it). */
export type OperatorConnections = {
  connection(operator: Address): { connectedAt: number; nodeVersion?: string } | undefined;
};

/** Options of {@link registerStateProofRoutes}. */
export type StateProofRoutesOptions = {
  aggregator: Aggregator;
  operatorSet: OperatorSetSource;
  blocks: BlockResolver;
  deployment: Pick<Deployment, 'mainChainId' | 'epoch'>;
  connections: OperatorConnections;
  /** SSE keep-alive comment period, ms (default 15,000). */
  sseKeepAliveMs?: number;
  /** SSE poll period for tasks this process does not hold (another replica's), ms (default 1,000). */
  ssePollMs?: number;
};

/** Registers the state-proof routes on a server from `createHttpServer`. */
export function registerStateProofRoutes(app: HttpServer, options: StateProofRoutesOptions): void {
  const { aggregator, operatorSet, blocks, deployment, connections } = options;
  const taskIdParams = z.object({ taskId: bytes32 });

  app.post(
    '/v1/state-proofs',
    {
      schema: {
        summary: 'Request a state proof',
        description: 'Creates (or finds) the task for a query. 202 while it is being signed, 200 when already aggregated.',
        tags: ['state-proofs'],
        body: proofRequestBody,
        response: { 200: taskResponse, 202: taskResponse, 400: errorResponse, 503: errorResponse },
      },
    },
    async (request, reply) => {
      const body = request.body;
      // The schema checked the ranges and that exactly one of blockNumber and timestamp is given.
      const { task } = await aggregator.createTask({
        chainId: body.chainId,
        user: body.user as Address,
        key: body.key,
        at: body.blockNumber !== undefined ? { blockNumber: body.blockNumber } : { timestamp: body.timestamp as bigint },
      });
      reply.header('location', `/v1/state-proofs/${task.taskId}`);
      return reply.code(task.status === 'aggregated' ? 200 : 202).send(taskToJson(task));
    },
  );

  app.post(
    '/v1/state-proofs/batch',
    {
      schema: {
        summary: 'Request many state proofs at once',
        description:
          'Creates (or finds) the task of each request, as POST /v1/state-proofs does, in one round trip: for bursts of ' +
          'requests. The batch is taken whole or not at all: a refused request is named as body.requests.<index>, and ' +
          'nothing is created. Follow the tasks with GET /v1/state-proofs/{taskId}, its events, or the proof feed.',
        tags: ['state-proofs'],
        body: proofBatchBody,
        response: { 200: proofBatchResponse, 400: errorResponse, 503: errorResponse },
      },
    },
    async (request) => {
      const results = await aggregator.createTasks(
        request.body.requests.map((body) => ({
          chainId: body.chainId,
          user: body.user as Address,
          key: body.key,
          at: body.blockNumber !== undefined ? { blockNumber: body.blockNumber } : { timestamp: body.timestamp as bigint },
        })),
      );
      return { tasks: results.map((r) => taskToJson(r.task)) };
    },
  );

  app.get(
    '/v1/state-proofs',
    {
      schema: {
        summary: 'Follow published proofs',
        description:
          'Aggregated proofs in the order they were written, after a cursor. A proof extended by late signatures appears ' +
          'again with its new sigData. Watchtowers poll this with the `next` cursor of the previous page.',
        tags: ['state-proofs'],
        querystring: proofFeedQuery,
        response: { 200: proofFeedResponse, 400: errorResponse },
      },
    },
    async (request) => {
      const { after, limit } = request.query;
      const cursor = after ? parseFeedCursor(after) : undefined;
      const proofs = await aggregator.listProofs(cursor, limit);
      const last = proofs.at(-1);
      return {
        proofs: proofs.map(taskToJson),
        next: last ? `${last.updatedAt}-${last.taskId.toLowerCase()}` : (after ?? null),
      };
    },
  );

  app.get(
    '/v1/state-proofs/:taskId',
    {
      schema: {
        summary: 'Get a task and its proof',
        tags: ['state-proofs'],
        params: taskIdParams,
        response: { 200: taskResponse, 400: errorResponse, 404: errorResponse },
      },
    },
    async (request) => {
      const task = await aggregator.getTask(request.params.taskId as Hex);
      if (!task) throw new NotFoundError(`task ${request.params.taskId} not found`);
      return taskToJson(task);
    },
  );

  app.get(
    '/v1/state-proofs/:taskId/events',
    {
      schema: {
        summary: 'Follow a task (Server-Sent Events)',
        description: '`status` events carrying the task, until it is aggregated or failed.',
        tags: ['state-proofs'],
        params: taskIdParams,
        response: { 400: errorResponse, 404: errorResponse },
      },
    },
    async (request, reply) => {
      const taskId = request.params.taskId as Hex;
      await streamTaskEvents(
        request,
        reply,
        {
          subscribe: (id, listener) => aggregator.subscribe(id, (event) => listener(event.task)),
          get: (id) => aggregator.getTask(id),
          isActive: (id) => aggregator.isActive(id),
          toJson: taskToJson,
          versionOf: (task) => `${task.status}:${task.updatedAt}:${task.signers.length}`,
          isFinal: (task) => isFinalStatus(task.status),
          eventIdOf: (task) => task.updatedAt,
        },
        taskId,
        { keepAliveMs: options.sseKeepAliveMs, pollMs: options.ssePollMs },
      );
    },
  );

  app.get(
    '/v1/operators',
    { schema: { summary: 'Operators registered at the current epoch', tags: ['operators'], response: { 200: operatorsResponse, 503: errorResponse } } },
    async () => {
      const { epoch, snapshot } = await mainChainRead(async () => {
        const current = await operatorSet.currentEpoch();
        return { epoch: current, snapshot: await operatorSet.getSnapshot(current) };
      });
      const operators = [...snapshot.operators.values()]
        .sort((a, b) => (BigInt(a.operator) < BigInt(b.operator) ? -1 : 1))
        .map((o) => {
          const c = connections.connection(o.operator);
          return {
            operator: o.operator,
            signingKey: o.signingKey,
            weight: o.weight.toString(),
            connected: c !== undefined,
            connectedAt: c ? new Date(c.connectedAt).toISOString() : null,
            nodeVersion: c?.nodeVersion ?? null,
          };
        });
      return { epoch, totalWeight: snapshot.totalWeight.toString(), thresholdWeight: snapshot.thresholdWeight.toString(), operators };
    },
  );

  app.get(
    '/v1/epochs/current',
    { schema: { summary: 'The current epoch by main-chain time', tags: ['epochs'], response: { 200: epochResponse, 503: errorResponse } } },
    async () => {
      const now = (await mainChainRead(() => blocks.head(deployment.mainChainId))).timestamp;
      const config = deployment.epoch;
      const epoch = now < config.genesis ? 0 : epochAt(config, now);
      const interval = epochInterval(config, epoch);
      const effectiveEpoch = now < config.genesis ? 1 : effectiveEpochAt(config, now);
      return {
        epoch,
        start: interval.start.toString(),
        graceStart: interval.graceStart.toString(),
        end: interval.end.toString(),
        effectiveEpoch,
        now: now.toString(),
      };
    },
  );
}

function parseFeedCursor(cursor: string): { updatedAt: number; taskId: Hex } {
  const dash = cursor.indexOf('-');
  return { updatedAt: Number(cursor.slice(0, dash)), taskId: cursor.slice(dash + 1).toLowerCase() as Hex };
}

/** Runs a main-chain read; an RPC failure becomes 503 with a one-line reason instead of a 500. */
async function mainChainRead<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw new HttpError(503, `cannot read the main chain right now: ${String((error as Error)?.message ?? error).split('\n')[0]}`);
  }
}
