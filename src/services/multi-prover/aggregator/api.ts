/**
 * The multi-prover aggregator's HTTP API:
 *
 * - `POST /v1/multi-prover/tasks` `{ chainId, blockNumber, committeeId? }` → 202 with the task (200 once aggregated).
 * - `GET /v1/multi-prover/tasks/:taskId` → the task with its on-chain confirmation (404 unknown).
 * - `GET /v1/multi-prover/tasks/:taskId/events` → Server-Sent Events: `status` events until the state is confirmed
 *   on-chain, or the task or its confirmation failed.
 * - `GET /v1/multi-prover/confirmations?limit=` → the latest states confirmed on-chain, newest first.
 * - `GET /v1/multi-prover/provers` → every operator's prover per TEE type: enclave key, liveness end, live now.
 * - `GET /v1/multi-prover/operators` → operators at the current epoch: weight per quorum, connection.
 * - `POST /v1/multi-prover/quotes/verify` → an Intel quote checked off-chain (quoteApi.ts).
 *
 * Bigints as decimal strings, addresses and hashes as 0x hex, times as ISO 8601.
 */
import type { Hex } from 'viem';
import { z } from 'zod';
import { hexAddressSchema as address } from '../../../core/chain/schemas.ts';
import { HttpError, NotFoundError } from '../../../core/http/errors.ts';
import { decimalOutput as decimal, uintInput } from '../../../core/http/schemas.ts';
import type { HttpServer } from '../../../core/http/server.ts';
import { streamTaskEvents } from '../../../runtime/http/taskEventStream.ts';
import type { OperatorHub } from '../../../runtime/operators/hub.ts';
import type { OperatorSetSource } from '../../../runtime/operatorSet.ts';
import type { MultiProverAggregator } from './aggregator.ts';
import type { LivenessView } from './liveness.ts';
import { type BlockStateTaskView, isSettled } from './views.ts';

const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected a 32-byte 0x hex task id');
const hex = z.string().regex(/^0x[0-9a-fA-F]*$/);
const errorResponse = z.object({ error: z.string(), message: z.string() });
const iso = (ms: number) => new Date(ms).toISOString();

/** Body of `POST /v1/multi-prover/tasks`. */
export const blockStateRequestBody = z.object({
  chainId: uintInput(64).describe('a chain the deployment proves'),
  blockNumber: uintInput(64).describe('the block whose hash and state root to prove'),
  committeeId: uintInput(256).optional().describe("the committee whose quorums confirm it (default: the deployment's first)"),
});

/** A task in API form. */
export const blockStateTaskResponse = z.object({
  taskId: bytes32,
  status: z.enum(['pending', 'signing', 'aggregated', 'failed']),
  committeeId: decimal,
  chainId: decimal,
  blockNumber: decimal,
  quorumNumbers: z.array(z.number().int()),
  referenceEpoch: z.number().int(),
  state: z.object({ blockHash: bytes32, stateRoot: bytes32 }).nullable().describe('the aggregated state'),
  digest: hex.nullable().describe("the StateHeader's EIP-712 digest the signers BLS-signed"),
  stateSignature: hex.nullable().describe("confirmState's StateSignature, ABI-encoded"),
  signers: z.array(z.object({ operator: address, weight: decimal })),
  signedWeight: decimal,
  thresholdWeight: decimal,
  failureReason: z.string().nullable(),
  confirmation: z
    .object({
      status: z.enum(['submitted', 'confirmed', 'failed']),
      txHash: hex.nullable(),
      blockNumber: decimal.nullable(),
      reason: z.string().nullable(),
      attempts: z.number().int(),
      updatedAt: z.string(),
    })
    .nullable()
    .describe('the confirmState transaction, once sent'),
  createdAt: z.string(),
  updatedAt: z.string(),
  aggregatedAt: z.string().nullable(),
});
export type BlockStateTaskResponse = z.infer<typeof blockStateTaskResponse>;

/** JSON form of a {@link BlockStateTaskView}. */
export function blockStateTaskToJson(task: BlockStateTaskView): BlockStateTaskResponse {
  const c = task.confirmation;
  return {
    taskId: task.taskId,
    status: task.status,
    committeeId: task.query.committeeId.toString(),
    chainId: task.query.chainId.toString(),
    blockNumber: task.query.blockNumber.toString(),
    quorumNumbers: task.query.quorumNumbers,
    referenceEpoch: task.referenceEpoch,
    state: task.result,
    digest: task.digest,
    stateSignature: task.stateSignature,
    signers: task.signers.map((s) => ({ operator: s.operator, weight: s.weight.toString() })),
    signedWeight: task.signedWeight.toString(),
    thresholdWeight: task.thresholdWeight.toString(),
    failureReason: task.failureReason,
    confirmation: c
      ? { status: c.status, txHash: c.txHash, blockNumber: c.blockNumber === null ? null : c.blockNumber.toString(), reason: c.reason, attempts: c.attempts, updatedAt: iso(c.updatedAt) }
      : null,
    createdAt: iso(task.createdAt),
    updatedAt: iso(task.updatedAt),
    aggregatedAt: task.aggregatedAt === null ? null : iso(task.aggregatedAt),
  };
}

const proversResponse = z.object({
  now: decimal.describe('main-chain time, unix seconds'),
  provers: z.array(z.object({ operator: address, teeType: z.string(), proverKey: address, liveUntil: decimal, live: z.boolean() })),
});

const operatorsResponse = z.object({
  epoch: z.number().int(),
  quorums: z.array(z.object({ quorumNumber: z.number().int(), totalWeight: decimal, thresholdWeight: decimal })),
  operators: z.array(
    z.object({
      operator: address,
      quorumWeights: z.array(z.object({ quorumNumber: z.number().int(), weight: decimal })),
      connected: z.boolean(),
      liveness: z.string().nullable().describe('why its answers do not count now (null: they do)'),
    }),
  ),
});

/** Options of {@link registerMultiProverRoutes}. */
export type MultiProverRoutesOptions = {
  aggregator: MultiProverAggregator;
  operatorSet: OperatorSetSource;
  liveness: LivenessView;
  hub: Pick<OperatorHub, 'connection'>;
  /** SSE keep-alive and store poll periods, ms. */
  sseKeepAliveMs?: number;
  ssePollMs?: number;
};

/** Registers the multi-prover routes on a server from `createHttpServer`. */
export function registerMultiProverRoutes(app: HttpServer, options: MultiProverRoutesOptions): void {
  const { aggregator, operatorSet, liveness, hub } = options;
  const taskIdParams = z.object({ taskId: bytes32 });

  app.post(
    '/v1/multi-prover/tasks',
    {
      schema: {
        summary: 'Request a block state',
        description: "Creates (or finds) the task proving a block's hash and state root for a committee. 202 while it is signed, 200 once aggregated.",
        tags: ['multi-prover'],
        body: blockStateRequestBody,
        response: { 200: blockStateTaskResponse, 202: blockStateTaskResponse, 400: errorResponse, 503: errorResponse },
      },
    },
    async (request, reply) => {
      const { task } = await aggregator.requestBlockState(request.body);
      reply.header('location', `/v1/multi-prover/tasks/${task.taskId}`);
      return reply.code(task.status === 'aggregated' ? 200 : 202).send(blockStateTaskToJson(task));
    },
  );

  app.get(
    '/v1/multi-prover/tasks/:taskId',
    { schema: { summary: 'Get a task and its confirmation', tags: ['multi-prover'], params: taskIdParams, response: { 200: blockStateTaskResponse, 400: errorResponse, 404: errorResponse } } },
    async (request) => {
      const task = await aggregator.getTask(request.params.taskId as Hex);
      if (!task) throw new NotFoundError(`task ${request.params.taskId} not found`);
      return blockStateTaskToJson(task);
    },
  );

  app.get(
    '/v1/multi-prover/tasks/:taskId/events',
    {
      schema: {
        summary: 'Follow a task (Server-Sent Events)',
        description: '`status` events carrying the task, until its state is confirmed on-chain or it fails.',
        tags: ['multi-prover'],
        params: taskIdParams,
        response: { 400: errorResponse, 404: errorResponse },
      },
    },
    async (request, reply) => {
      await streamTaskEvents(
        request,
        reply,
        {
          subscribe: (id, listener) => aggregator.subscribe(id, listener),
          get: (id) => aggregator.getTask(id),
          isActive: (id) => aggregator.isActive(id),
          toJson: blockStateTaskToJson,
          versionOf: (t) => `${t.status}:${t.updatedAt}:${t.signers.length}:${t.confirmation?.status ?? ''}`,
          isFinal: isSettled,
          eventIdOf: (t) => t.updatedAt,
        },
        request.params.taskId as Hex,
        { keepAliveMs: options.sseKeepAliveMs, pollMs: options.ssePollMs },
      );
    },
  );

  app.get(
    '/v1/multi-prover/confirmations',
    {
      schema: {
        summary: 'States confirmed on-chain',
        tags: ['multi-prover'],
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50).describe('how many, 1 to 500') }),
        response: { 200: z.object({ confirmations: z.array(blockStateTaskResponse) }), 400: errorResponse },
      },
    },
    async (request) => ({ confirmations: (await aggregator.listConfirmed(request.query.limit)).map(blockStateTaskToJson) }),
  );

  app.get(
    '/v1/multi-prover/provers',
    { schema: { summary: "Operators' provers and their liveness", tags: ['multi-prover'], response: { 200: proversResponse } } },
    async () => {
      const now = liveness.chainNow();
      return {
        now: now.toString(),
        provers: liveness
          .provers()
          .sort((a, b) => (BigInt(a.operator) < BigInt(b.operator) ? -1 : 1))
          .map((p) => ({ operator: p.operator, teeType: p.teeType, proverKey: p.proverKey, liveUntil: p.liveUntil.toString(), live: p.liveUntil > now })),
      };
    },
  );

  app.get(
    '/v1/multi-prover/operators',
    { schema: { summary: 'Operators at the current epoch', tags: ['multi-prover'], response: { 200: operatorsResponse, 503: errorResponse } } },
    async () => {
      let epoch: number;
      let snapshot;
      try {
        epoch = await operatorSet.currentEpoch();
        snapshot = await operatorSet.getSnapshot(epoch);
      } catch (error) {
        throw new HttpError(503, `cannot read the main chain right now: ${String((error as Error)?.message ?? error).split('\n')[0]}`);
      }
      return {
        epoch,
        quorums: [...(snapshot.quorums ?? new Map()).entries()].map(([q, w]) => ({ quorumNumber: q, totalWeight: w.totalWeight.toString(), thresholdWeight: w.thresholdWeight.toString() })),
        operators: [...snapshot.operators.values()]
          .sort((a, b) => (BigInt(a.operator) < BigInt(b.operator) ? -1 : 1))
          .map((o) => ({
            operator: o.operator,
            quorumWeights: [...(o.quorumWeights ?? new Map()).entries()].map(([q, w]) => ({ quorumNumber: q, weight: w.toString() })),
            connected: hub.connection(o.operator) !== undefined,
            liveness: liveness.refusal(o) ?? null,
          })),
      };
    },
  );
}
