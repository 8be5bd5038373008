/**
 * The automation aggregator's views, as the API and the dashboard see them: workflows from the chain index with their
 * current on-chain state (DittoEntryPoint.workflow and depositOf, read at the index's block so both agree), the
 * executor schedule around the head, the slots the aggregator judged with their task, submission and posted verdict,
 * and the operators at the current epoch with their executor settings.
 *
 * Chain reads of one view go out together (the clients batch concurrent JSON-RPC requests) and at one block.
 */
import type { Address, Hex, PublicClient } from 'viem';
import { getAddress, zeroAddress } from 'viem';
import { DittoEntryPointAbi, ExecutorScheduleAbi } from '../../../core/chain/abis/generated/index.ts';
import type { OperatorHub } from '../../../runtime/operators/hub.ts';
import type { OperatorSetSource } from '../../../runtime/operatorSet.ts';
import type { TaskStatus } from '../../../runtime/tasks/types.ts';
import type { ArrangementReader } from '../arrangements.ts';
import { type AutomationChainIndex, type IndexedVerdict, type IndexedWorkflow, type WorkflowRef, refKey } from '../chainIndex.ts';
import { type ScheduledSlot, slotAt, upcomingSlots } from '../schedule.ts';
import type { AutomationAggregator } from './aggregator.ts';
import type { VerdictSubmission } from './submitter.ts';

/** A workflow as indexed, with its state on-chain at `blockNumber`. */
export type WorkflowView = IndexedWorkflow & {
  /** Active or cancelled, as the entry point says. */
  status: 'active' | 'cancelled';
  /** Time trigger: next due time, unix seconds (null for a condition trigger). */
  nextRunAt: bigint | null;
  /** Condition trigger: block of its last run (null before the first, and for a time trigger). */
  lastRunBlock: bigint | null;
  /** The vault's deposit, wei. */
  vaultDeposit: bigint;
  /** Runs and skips indexed so far. */
  runCount: number;
};

/** Filters of {@link readWorkflowViews}. */
export type WorkflowFilter = { vault?: Address; status?: 'active' | 'cancelled'; limit: number };

/**
 * The indexed workflows matching `filter` (by vault then id, at most `limit`), with their on-chain state at
 * `blockNumber` (a block the index has read up to).
 * @throws the client's error when the chain cannot be read.
 */
export async function readWorkflowViews(
  client: PublicClient,
  entryPoint: Address,
  index: AutomationChainIndex,
  blockNumber: bigint,
  filter: WorkflowFilter,
): Promise<WorkflowView[]> {
  const vault = filter.vault?.toLowerCase();
  const chosen = index
    .workflows()
    .filter((w) => vault === undefined || w.vault.toLowerCase() === vault)
    .filter((w) => filter.status === undefined || (filter.status === 'active') === (w.cancelledBlock === null))
    .slice(0, filter.limit);
  return withChainState(client, entryPoint, index, blockNumber, chosen);
}

/**
 * One workflow with its on-chain state at `blockNumber`, or undefined when the index has not seen it.
 * @throws the client's error when the chain cannot be read.
 */
export async function readWorkflowView(
  client: PublicClient,
  entryPoint: Address,
  index: AutomationChainIndex,
  blockNumber: bigint,
  ref: WorkflowRef,
): Promise<WorkflowView | undefined> {
  const known = index.workflow(ref);
  return known ? (await withChainState(client, entryPoint, index, blockNumber, [known]))[0] : undefined;
}

async function withChainState(
  client: PublicClient,
  entryPoint: Address,
  index: AutomationChainIndex,
  blockNumber: bigint,
  workflows: IndexedWorkflow[],
): Promise<WorkflowView[]> {
  const at = { address: entryPoint, abi: DittoEntryPointAbi, blockNumber } as const;
  const vaults = [...new Set(workflows.map((w) => w.vault))];
  const [states, deposits] = await Promise.all([
    Promise.all(workflows.map((w) => client.readContract({ ...at, functionName: 'workflow', args: [w.vault, w.id] }))),
    Promise.all(vaults.map((v) => client.readContract({ ...at, functionName: 'depositOf', args: [v] }))),
  ]);
  const depositOf = new Map(vaults.map((v, i) => [v, deposits[i]!]));
  const runCounts = new Map<string, number>();
  for (const run of index.runsIn(0n, blockNumber)) runCounts.set(refKey(run), (runCounts.get(refKey(run)) ?? 0) + 1);
  return workflows.map((w, i) => {
    const state = states[i]!;
    const time = w.params.trigger.kind === 'time';
    return {
      ...w,
      // WorkflowStatus: 1 Active, 2 Cancelled (a registered workflow is never None).
      status: state.status === 2 ? 'cancelled' : 'active',
      nextRunAt: time ? state.nextRunAt : null,
      lastRunBlock: !time && state.lastRunBlock > 0n ? state.lastRunBlock : null,
      vaultDeposit: depositOf.get(w.vault)!,
      runCount: runCounts.get(refKey(w)) ?? 0,
    };
  });
}

/** The schedule around a block: the slot holding it and the ones after it. */
export type ScheduleView = {
  blockNumber: bigint;
  slotBlocks: bigint;
  /** Arrangements made so far (0: no executor was ever arranged, so there are no slots). */
  arrangementCount: number;
  /** The slot holding `blockNumber`, or null before the first arrangement. */
  current: ScheduledSlot | null;
  /** The `count` slots after it, under the arrangements known now. */
  upcoming: ScheduledSlot[];
};

/**
 * The current slot and the next `count` at `blockNumber`.
 * @throws the client's error when the arrangements cannot be read.
 */
export async function readScheduleView(arrangements: ArrangementReader, blockNumber: bigint, slotBlocks: bigint, count: number): Promise<ScheduleView> {
  const known = await arrangements.read(blockNumber);
  const current = slotAt(known, blockNumber, slotBlocks) ?? null;
  const upcoming = current ? upcomingSlots(known, current.endBlock, count, slotBlocks) : [];
  return { blockNumber, slotBlocks, arrangementCount: known.length, current, upcoming };
}

/** A judged slot: its verdict task, this process's submission and the verdict posted on-chain. */
export type JudgedSlotView = {
  slot: ScheduledSlot & { executor: Address };
  taskId: Hex;
  /** The task as the engine has it (null once the store no longer has it). */
  task: { status: TaskStatus; signedWeight: bigint; thresholdWeight: bigint; failureReason: string | null; createdAt: number; aggregatedAt: number | null } | null;
  submission: VerdictSubmission | null;
  verdict: IndexedVerdict | null;
};

/**
 * The slots the aggregator judged since it started, newest first, at most `limit`.
 * @throws the store's error when a task cannot be read.
 */
export async function readJudgedSlots(aggregator: AutomationAggregator, index: AutomationChainIndex, limit: number): Promise<JudgedSlotView[]> {
  const judged = aggregator.judgedSlots().reverse().slice(0, limit);
  return Promise.all(
    judged.map(async ({ slot, taskId }) => {
      const snapshot = await aggregator.engine.getTask(taskId);
      const r = snapshot?.record;
      return {
        slot,
        taskId,
        task: r
          ? { status: r.status, signedWeight: r.signedWeight, thresholdWeight: r.thresholdWeight, failureReason: r.failureReason, createdAt: r.createdAt, aggregatedAt: r.aggregatedAt }
          : null,
        submission: aggregator.submission(slot.startBlock) ?? null,
        verdict: index.verdict(slot.startBlock) ?? null,
      };
    }),
  );
}

/** An operator at the current epoch, as executor and attester. */
export type OperatorView = {
  operator: Address;
  signingKey: Address;
  /** Weight at the epoch (weight units of the stake registry). */
  weight: bigint;
  /** Whether it takes part in the executor draw (ExecutorSchedule.isActive). */
  activeExecutor: boolean;
  /** The key that sends its executions, or null when it has none. */
  delegatedSigner: Address | null;
  /** Whether it is connected to this aggregator now. */
  connected: boolean;
};

/** The operators at the current epoch. */
export type OperatorsView = { epoch: number; totalWeight: bigint; thresholdWeight: bigint; operators: OperatorView[] };

/**
 * The operators at the current epoch, by address, with their executor settings read from ExecutorSchedule.
 * @throws the operator set's or the client's error when the chain cannot be read.
 */
export async function readOperatorsView(
  client: PublicClient,
  executorSchedule: Address,
  operatorSet: OperatorSetSource,
  hub: Pick<OperatorHub, 'connection'>,
): Promise<OperatorsView> {
  const epoch = await operatorSet.currentEpoch();
  const snapshot = await operatorSet.getSnapshot(epoch);
  const entries = [...snapshot.operators.values()].sort((a, b) => (BigInt(a.operator) < BigInt(b.operator) ? -1 : 1));
  const schedule = { address: executorSchedule, abi: ExecutorScheduleAbi } as const;
  const settings = await Promise.all(
    entries.map((o) =>
      Promise.all([
        client.readContract({ ...schedule, functionName: 'isActive', args: [o.operator] }),
        client.readContract({ ...schedule, functionName: 'delegatedSigner', args: [o.operator] }),
      ]),
    ),
  );
  return {
    epoch,
    totalWeight: snapshot.totalWeight,
    thresholdWeight: snapshot.thresholdWeight,
    operators: entries.map((o, i) => {
      const [active, signer] = settings[i]!;
      return {
        operator: o.operator,
        signingKey: o.signingKey,
        weight: o.weight,
        activeExecutor: active,
        delegatedSigner: signer === zeroAddress ? null : getAddress(signer),
        connected: hub.connection(o.operator) !== undefined,
      };
    }),
  };
}
