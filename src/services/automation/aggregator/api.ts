/**
 * The automation aggregator's HTTP API (views.ts builds what it answers):
 *
 * - `GET /v1/automation/workflows?vault=&status=active|cancelled&limit=` → workflows by vault then id, with their
 *   on-chain state, the vault's deposit and their run count.
 * - `GET /v1/automation/workflows/:vault/:id` → one workflow and its latest runs (404 unknown).
 * - `GET /v1/automation/runs?limit=` → the latest runs and skips, newest first.
 * - `GET /v1/automation/slots?count=` → the current slot, the next `count`, and the slots this aggregator judged.
 * - `GET /v1/automation/verdicts?limit=` → verdicts posted on-chain, newest slot first, with their slash.
 * - `GET /v1/automation/operators` → operators at the current epoch: weight, keys, executor settings, connection.
 *
 * Each answer is read at the block the chain index was brought up to for it. Bigints as decimal strings, addresses
 * and hashes as 0x hex, times as ISO 8601; bad input is answered 400 naming the field, and reads the chain refuses 503.
 */
import type { Address, PublicClient } from 'viem';
import { z } from 'zod';
import { addressSchema, hexAddressSchema as address } from '../../../core/chain/schemas.ts';
import { HttpError, NotFoundError } from '../../../core/http/errors.ts';
import { decimalOutput as decimal, uintInput } from '../../../core/http/schemas.ts';
import type { HttpServer } from '../../../core/http/server.ts';
import type { OperatorHub } from '../../../runtime/operators/hub.ts';
import type { OperatorSetSource } from '../../../runtime/operatorSet.ts';
import { createArrangementReader } from '../arrangements.ts';
import { type AutomationChainIndex, type IndexedRun, type IndexedVerdict, RUN_STATUSES } from '../chainIndex.ts';
import type { AutomationContracts } from '../deployment.ts';
import type { ScheduledSlot } from '../schedule.ts';
import type { AutomationAggregator } from './aggregator.ts';
import { type JudgedSlotView, type WorkflowView, readJudgedSlots, readOperatorsView, readScheduleView, readWorkflowView, readWorkflowViews } from './views.ts';

const hex = z.string().regex(/^0x[0-9a-fA-F]*$/);
const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/);
const errorResponse = z.object({ error: z.string(), message: z.string() });
const iso = (ms: number) => new Date(ms).toISOString();
const limit = (fallback: number) => z.coerce.number().int().min(1).max(500).default(fallback).describe('how many, 1 to 500');

/** Unix seconds as ISO 8601; null beyond the dates JavaScript can show (a far-future uint64 a vault may register). */
function isoSeconds(seconds: bigint): string | null {
  return seconds <= 8_640_000_000_000n ? new Date(Number(seconds) * 1000).toISOString() : null;
}

const runResponse = z.object({
  vault: address,
  id: decimal,
  executor: address.describe('the account that sent the batch (the executor or its delegated signer)'),
  status: z.enum(RUN_STATUSES),
  ran: z.boolean().describe('the call was made and paid for (Succeeded or Failed); otherwise a skip'),
  gasUsed: decimal.describe('gas units billed; 0 for a skip'),
  payment: decimal.describe('wei credited to the executor; 0 for a skip'),
  blockNumber: decimal,
  txHash: bytes32,
});

function runToJson(r: IndexedRun): z.infer<typeof runResponse> {
  return {
    vault: r.vault,
    id: r.id.toString(),
    executor: r.executor,
    status: r.status,
    ran: r.status === 'Succeeded' || r.status === 'Failed',
    gasUsed: r.gasUsed.toString(),
    payment: r.payment.toString(),
    blockNumber: r.blockNumber.toString(),
    txHash: r.transactionHash,
  };
}

/** A workflow in API form. */
export const workflowResponse = z.object({
  vault: address,
  id: decimal,
  target: address,
  callData: hex.describe('time trigger: calldata of each run'),
  trigger: z.object({
    kind: z.enum(['time', 'condition']),
    start: z.string().nullable().describe('time: first due time (null for a condition trigger)'),
    interval: decimal.nullable().describe('time: period, seconds (null for a condition trigger)'),
    nextRunAt: z.string().nullable().describe('time: next due time, now (null for a condition trigger)'),
    checker: address.nullable().describe('condition: the checker contract (null for a time trigger)'),
    checkData: hex.nullable().describe('condition: calldata of the check (null for a time trigger)'),
    lastRunBlock: decimal.nullable().describe('condition: block of its last run (null before the first)'),
  }),
  maxGasLimit: decimal.describe('gas units'),
  maxGasPrice: decimal.describe('wei per gas'),
  status: z.enum(['active', 'cancelled']),
  registeredBlock: decimal,
  cancelledBlock: decimal.nullable(),
  vaultDeposit: decimal.describe("the vault's deposit, wei"),
  runs: z.number().int().describe('runs and skips indexed so far'),
});

function workflowToJson(w: WorkflowView): z.infer<typeof workflowResponse> {
  const t = w.params.trigger;
  const time = t.kind === 'time';
  return {
    vault: w.vault,
    id: w.id.toString(),
    target: w.params.target,
    callData: w.params.callData,
    trigger: {
      kind: t.kind,
      start: time ? isoSeconds(t.start) : null,
      interval: time ? t.interval.toString() : null,
      nextRunAt: w.nextRunAt === null ? null : isoSeconds(w.nextRunAt),
      checker: time ? null : t.checker,
      checkData: time ? null : t.checkData,
      lastRunBlock: w.lastRunBlock === null ? null : w.lastRunBlock.toString(),
    },
    maxGasLimit: w.params.maxGasLimit.toString(),
    maxGasPrice: w.params.maxGasPrice.toString(),
    status: w.status,
    registeredBlock: w.registeredBlock.toString(),
    cancelledBlock: w.cancelledBlock === null ? null : w.cancelledBlock.toString(),
    vaultDeposit: w.vaultDeposit.toString(),
    runs: w.runCount,
  };
}

const slotResponse = z.object({
  epoch: z.number().int().describe("the arrangement's epoch"),
  slot: decimal.describe('its number within the arrangement'),
  startBlock: decimal,
  endBlock: decimal.describe('the first block after it'),
  executor: address.nullable().describe('null when the arrangement has no executor'),
});

const slotToJson = (s: ScheduledSlot): z.infer<typeof slotResponse> => ({
  epoch: s.epoch,
  slot: s.slot.toString(),
  startBlock: s.startBlock.toString(),
  endBlock: s.endBlock.toString(),
  executor: s.executor,
});

const verdictResponse = z.object({
  slotStartBlock: decimal,
  executor: address,
  fault: z.boolean(),
  dueWorkflows: bytes32.describe('keccak256 of the due workflows the attesters signed'),
  signedWeight: decimal,
  blockNumber: decimal,
  txHash: bytes32,
  slashed: z.boolean(),
  slash: z.object({ slashId: decimal, shares: z.array(decimal) }).nullable(),
});

const verdictToJson = (v: IndexedVerdict): z.infer<typeof verdictResponse> => ({
  slotStartBlock: v.slotStartBlock.toString(),
  executor: v.executor,
  fault: v.fault,
  dueWorkflows: v.dueWorkflows,
  signedWeight: v.signedWeight.toString(),
  blockNumber: v.blockNumber.toString(),
  txHash: v.transactionHash,
  slashed: v.slash !== null,
  slash: v.slash ? { slashId: v.slash.slashId.toString(), shares: v.slash.shares.map((s) => s.toString()) } : null,
});

const judgedResponse = slotResponse.extend({
  executor: address,
  taskId: bytes32,
  task: z
    .object({
      status: z.enum(['pending', 'signing', 'aggregated', 'failed']),
      signedWeight: decimal,
      thresholdWeight: decimal,
      failureReason: z.string().nullable(),
      createdAt: z.string(),
      aggregatedAt: z.string().nullable(),
    })
    .nullable(),
  submission: z
    .object({ status: z.enum(['queued', 'submitted', 'posted', 'failed']), fault: z.boolean(), txHash: bytes32.nullable(), reason: z.string().nullable(), attempts: z.number().int() })
    .nullable()
    .describe("this aggregator's submitVerdict"),
  verdict: verdictResponse.nullable().describe('the verdict posted on-chain, by anyone'),
});

function judgedToJson(j: JudgedSlotView): z.infer<typeof judgedResponse> {
  const { task, submission: s } = j;
  return {
    ...slotToJson(j.slot),
    executor: j.slot.executor,
    taskId: j.taskId,
    task: task
      ? {
          status: task.status,
          signedWeight: task.signedWeight.toString(),
          thresholdWeight: task.thresholdWeight.toString(),
          failureReason: task.failureReason,
          createdAt: iso(task.createdAt),
          aggregatedAt: task.aggregatedAt === null ? null : iso(task.aggregatedAt),
        }
      : null,
    submission: s ? { status: s.status, fault: s.fault, txHash: s.txHash, reason: s.reason, attempts: s.attempts } : null,
    verdict: j.verdict ? verdictToJson(j.verdict) : null,
  };
}

const operatorsResponse = z.object({
  epoch: z.number().int(),
  totalWeight: decimal,
  thresholdWeight: decimal,
  operators: z.array(
    z.object({
      operator: address,
      signingKey: address,
      weight: decimal,
      activeExecutor: z.boolean().describe('takes part in the executor draw'),
      delegatedSigner: address.nullable(),
      connected: z.boolean(),
    }),
  ),
});

/** Options of {@link registerAutomationRoutes}. */
export type AutomationRoutesOptions = {
  aggregator: AutomationAggregator;
  index: AutomationChainIndex;
  client: PublicClient;
  contracts: Pick<AutomationContracts, 'entryPoint' | 'executorSchedule' | 'slotBlocks'>;
  operatorSet: OperatorSetSource;
  hub: Pick<OperatorHub, 'connection'>;
};

/** Registers the automation routes on a server from `createHttpServer`. */
export function registerAutomationRoutes(app: HttpServer, options: AutomationRoutesOptions): void {
  const { aggregator, index, client, contracts, operatorSet, hub } = options;
  const arrangements = createArrangementReader(client, contracts.executorSchedule);
  const tags = ['automation'];
  // The head uncached: a read right after a transaction sees its block.
  const syncToHead = async () => index.sync(await client.getBlockNumber({ cacheTime: 0 }));

  app.get(
    '/v1/automation/workflows',
    {
      schema: {
        summary: 'Workflows and their state',
        tags,
        querystring: z.object({
          vault: addressSchema.optional().describe('only this vault’s workflows'),
          status: z.enum(['active', 'cancelled']).optional(),
          limit: limit(100),
        }),
        response: { 200: z.object({ blockNumber: decimal, workflows: z.array(workflowResponse) }), 400: errorResponse, 503: errorResponse },
      },
    },
    async (request) => {
      const { vault, status, limit } = request.query;
      return chainRead(async () => {
        const blockNumber = await syncToHead();
        const workflows = await readWorkflowViews(client, contracts.entryPoint, index, blockNumber, { vault, status, limit });
        return { blockNumber: blockNumber.toString(), workflows: workflows.map(workflowToJson) };
      });
    },
  );

  app.get(
    '/v1/automation/workflows/:vault/:id',
    {
      schema: {
        summary: 'A workflow and its latest runs',
        tags,
        params: z.object({ vault: addressSchema, id: uintInput(256) }),
        querystring: z.object({ runs: limit(20).describe('latest runs shown, 1 to 500') }),
        response: { 200: z.object({ blockNumber: decimal, workflow: workflowResponse, runs: z.array(runResponse) }), 400: errorResponse, 404: errorResponse, 503: errorResponse },
      },
    },
    async (request) => {
      const ref = { vault: request.params.vault as Address, id: request.params.id };
      const found = await chainRead(async () => {
        const blockNumber = await syncToHead();
        return { blockNumber, workflow: await readWorkflowView(client, contracts.entryPoint, index, blockNumber, ref) };
      });
      if (!found.workflow) throw new NotFoundError(`workflow ${ref.id} of vault ${ref.vault} not found`);
      return { blockNumber: found.blockNumber.toString(), workflow: workflowToJson(found.workflow), runs: index.runs(ref, request.query.runs).map(runToJson) };
    },
  );

  app.get(
    '/v1/automation/runs',
    {
      schema: {
        summary: 'Latest runs and skips',
        tags,
        querystring: z.object({ limit: limit(50) }),
        response: { 200: z.object({ blockNumber: decimal, runs: z.array(runResponse) }), 400: errorResponse, 503: errorResponse },
      },
    },
    async (request) => {
      const blockNumber = await chainRead(() => syncToHead());
      return { blockNumber: blockNumber.toString(), runs: index.runs(undefined, request.query.limit).map(runToJson) };
    },
  );

  app.get(
    '/v1/automation/slots',
    {
      schema: {
        summary: 'The executor schedule and the judged slots',
        description: 'The slot holding the head, the next `count`, and the slots this aggregator judged (newest first). No arrangement yet: no slots.',
        tags,
        querystring: z.object({ count: z.coerce.number().int().min(0).max(100).default(8).describe('upcoming slots, 0 to 100') }),
        response: {
          200: z.object({
            blockNumber: decimal,
            slotBlocks: decimal,
            arrangementCount: z.number().int(),
            current: slotResponse.nullable(),
            upcoming: z.array(slotResponse),
            judged: z.array(judgedResponse),
          }),
          400: errorResponse,
          503: errorResponse,
        },
      },
    },
    async (request) => {
      const schedule = await chainRead(async () => readScheduleView(arrangements, await syncToHead(), BigInt(contracts.slotBlocks), request.query.count));
      const judged = await readJudgedSlots(aggregator, index, 50);
      return {
        blockNumber: schedule.blockNumber.toString(),
        slotBlocks: schedule.slotBlocks.toString(),
        arrangementCount: schedule.arrangementCount,
        current: schedule.current ? slotToJson(schedule.current) : null,
        upcoming: schedule.upcoming.map(slotToJson),
        judged: judged.map(judgedToJson),
      };
    },
  );

  app.get(
    '/v1/automation/verdicts',
    {
      schema: {
        summary: 'Verdicts posted on-chain',
        tags,
        querystring: z.object({ limit: limit(50) }),
        response: { 200: z.object({ blockNumber: decimal, verdicts: z.array(verdictResponse) }), 400: errorResponse, 503: errorResponse },
      },
    },
    async (request) => {
      const blockNumber = await chainRead(() => syncToHead());
      return { blockNumber: blockNumber.toString(), verdicts: index.verdicts(request.query.limit).map(verdictToJson) };
    },
  );

  app.get(
    '/v1/automation/operators',
    { schema: { summary: 'Operators at the current epoch', tags, response: { 200: operatorsResponse, 503: errorResponse } } },
    async () => {
      const view = await chainRead(() => readOperatorsView(client, contracts.executorSchedule, operatorSet, hub));
      return {
        epoch: view.epoch,
        totalWeight: view.totalWeight.toString(),
        thresholdWeight: view.thresholdWeight.toString(),
        operators: view.operators.map((o) => ({ ...o, weight: o.weight.toString() })),
      };
    },
  );
}

/** Runs a chain read; its failure is the chain's, answered 503 with the first line of the reason. */
async function chainRead<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw new HttpError(503, `cannot read the main chain right now: ${String((error as Error)?.message ?? error).split('\n')[0]}`);
  }
}
