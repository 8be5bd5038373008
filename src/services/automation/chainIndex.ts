/**
 * What the automation contracts have said so far, read from their events: the workflows vaults registered and
 * cancelled (DittoEntryPoint), every run and skip of a workflow, and the verdicts posted on slots (SlotVerdicts).
 * Executors take their candidate workflows from it, attesters the runs of a slot, and the HTTP API its lists.
 *
 * The index follows the chain forward with `getLogs` in bounded block ranges, from the deployment block on; it never
 * re-reads what it has read. It does not follow reorganisations: nodes sync it to a block a few confirmations deep
 * when that matters (the devnet has none).
 */
import { type Address, type Hex, type PublicClient, getAddress } from 'viem';
import { DittoEntryPointAbi, SlotVerdictsAbi } from '../../core/chain/abis/generated/index.ts';
import type { Logger } from '../../core/logging.ts';

/** A workflow: the vault that registered it and its id (the vault's registration counter). */
export type WorkflowRef = { vault: Address; id: bigint };

/** IDittoEntryPoint.RunStatus, by name. */
export const RUN_STATUSES = ['NotRun', 'Succeeded', 'Failed', 'NotDue', 'Inactive', 'GasPriceTooHigh', 'InsufficientPrefund'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** IDittoEntryPoint.WorkflowParams as registered (the `WorkflowRegistered` event). */
export type WorkflowParams = {
  target: Address;
  callData: Hex;
  /** Gas units. */
  maxGasLimit: bigint;
  /** Wei per gas. */
  maxGasPrice: bigint;
  trigger: {
    kind: 'time' | 'condition';
    /** Time: first due time, unix seconds. */
    start: bigint;
    /** Time: period, seconds. */
    interval: bigint;
    /** Condition: the checker contract. */
    checker: Address;
    checkData: Hex;
  };
};

/** A registered workflow. */
export type IndexedWorkflow = WorkflowRef & {
  params: WorkflowParams;
  /** Block of its registration. */
  registeredBlock: bigint;
  /** Block of its cancellation, or null while active. */
  cancelledBlock: bigint | null;
};

/** One `WorkflowRun` event: a workflow considered in a batch. */
export type IndexedRun = WorkflowRef & {
  /** The account that sent the batch (the executor or its delegated signer). */
  executor: Address;
  status: RunStatus;
  /** Gas units billed; 0 for a skip. */
  gasUsed: bigint;
  /** Wei credited to the executor; 0 for a skip. */
  payment: bigint;
  blockNumber: bigint;
  transactionHash: Hex;
  logIndex: number;
};

/** One posted verdict (`VerdictPosted`, and `ExecutorSlashed` when the fault slashed). */
export type IndexedVerdict = {
  slotStartBlock: bigint;
  executor: Address;
  fault: boolean;
  /** keccak256 of the ABI-encoded due workflows the attesters signed. */
  dueWorkflows: Hex;
  /** The signers' weight (weight units). */
  signedWeight: bigint;
  blockNumber: bigint;
  transactionHash: Hex;
  /** The slash of a fault verdict, when the executor was still slashable. */
  slash: { slashId: bigint; shares: readonly bigint[] } | null;
};

/** Options of {@link AutomationChainIndex}. */
export type AutomationChainIndexOptions = {
  client: PublicClient;
  contracts: { entryPoint: Address; slotVerdicts: Address };
  /** First block to read (the deployment's block; default 0). */
  fromBlock?: bigint;
  /** Largest block range of one `getLogs` (default 2,000). */
  maxRange?: bigint;
  /** Runs kept in memory, oldest dropped first (default 100,000). */
  maxRuns?: number;
  logger?: Logger;
};

/** The automation contracts' events, indexed (see the module comment). */
export class AutomationChainIndex {
  private readonly workflowsByKey = new Map<string, IndexedWorkflow>();
  private runList: IndexedRun[] = [];
  private readonly verdictsBySlot = new Map<string, IndexedVerdict>();
  private synced: bigint;
  private syncing: Promise<bigint> | undefined;
  private readonly maxRange: bigint;
  private readonly maxRuns: number;

  constructor(private readonly options: AutomationChainIndexOptions) {
    this.synced = (options.fromBlock ?? 0n) - 1n;
    this.maxRange = options.maxRange ?? 2_000n;
    this.maxRuns = options.maxRuns ?? 100_000;
  }

  /** The last block read (fromBlock − 1 before the first sync). */
  get syncedBlock(): bigint {
    return this.synced;
  }

  /**
   * Reads the events of the blocks after the last one read, up to `toBlock` (default the latest, read afresh: a cached
   * head could miss a block the caller has just seen). Concurrent calls share one read. Returns the last block read.
   * @throws the RPC's error; the next call retries from where this one stopped.
   */
  async sync(toBlock?: bigint): Promise<bigint> {
    while (this.syncing) await this.syncing.catch(() => undefined);
    if (toBlock !== undefined && toBlock <= this.synced) return this.synced;
    this.syncing = this.read(toBlock).finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  /** Every workflow registered so far, by vault then id. */
  workflows(): IndexedWorkflow[] {
    return [...this.workflowsByKey.values()].sort(compareRefs);
  }

  /** One workflow, or undefined when the index has not seen it. */
  workflow(ref: WorkflowRef): IndexedWorkflow | undefined {
    return this.workflowsByKey.get(refKey(ref));
  }

  /**
   * The workflows active in the state a block `blockNumber` starts from (registered before it, not cancelled before
   * it), by vault then id. Exact only for blocks up to {@link syncedBlock} + 1.
   */
  activeAt(blockNumber: bigint): IndexedWorkflow[] {
    return this.workflows().filter((w) => w.registeredBlock < blockNumber && (w.cancelledBlock === null || w.cancelledBlock >= blockNumber));
  }

  /** Runs and skips in blocks `fromBlock`..`toBlock` (inclusive), in chain order. */
  runsIn(fromBlock: bigint, toBlock: bigint): IndexedRun[] {
    return this.runList.filter((r) => r.blockNumber >= fromBlock && r.blockNumber <= toBlock);
  }

  /** The latest `limit` runs and skips of `ref` (or of every workflow), newest first. */
  runs(ref?: WorkflowRef, limit = 100): IndexedRun[] {
    const out: IndexedRun[] = [];
    const key = ref ? refKey(ref) : undefined;
    for (let i = this.runList.length - 1; i >= 0 && out.length < limit; i--) {
      const r = this.runList[i]!;
      if (key === undefined || refKey(r) === key) out.push(r);
    }
    return out;
  }

  /** Posted verdicts, newest slot first. */
  verdicts(limit = 100): IndexedVerdict[] {
    return [...this.verdictsBySlot.values()].sort((a, b) => (a.slotStartBlock > b.slotStartBlock ? -1 : 1)).slice(0, limit);
  }

  /** The verdict posted on the slot starting at `slotStartBlock`, if any. */
  verdict(slotStartBlock: bigint): IndexedVerdict | undefined {
    return this.verdictsBySlot.get(slotStartBlock.toString());
  }

  private async read(toBlock: bigint | undefined): Promise<bigint> {
    const { client, contracts } = this.options;
    const head = toBlock ?? (await client.getBlockNumber({ cacheTime: 0 }));
    while (this.synced < head) {
      const from = this.synced + 1n;
      const to = from + this.maxRange - 1n < head ? from + this.maxRange - 1n : head;
      const range = { fromBlock: from, toBlock: to };
      const [entryLogs, verdictLogs] = await Promise.all([
        client.getContractEvents({ address: contracts.entryPoint, abi: DittoEntryPointAbi, ...range }),
        client.getContractEvents({ address: contracts.slotVerdicts, abi: SlotVerdictsAbi, ...range }),
      ]);
      for (const log of entryLogs) this.applyEntryPoint(log);
      for (const log of verdictLogs) this.applyVerdicts(log);
      this.synced = to;
    }
    if (this.runList.length > this.maxRuns) this.runList = this.runList.slice(this.runList.length - this.maxRuns);
    return this.synced;
  }

  private applyEntryPoint(log: EntryPointLog): void {
    if (log.eventName === 'WorkflowRegistered') {
      const { vault, id, params } = log.args as { vault: Address; id: bigint; params: RegisteredParams };
      const ref = { vault: getAddress(vault), id };
      this.workflowsByKey.set(refKey(ref), { ...ref, params: workflowParams(params), registeredBlock: log.blockNumber!, cancelledBlock: null });
    } else if (log.eventName === 'WorkflowCancelled') {
      const { vault, id } = log.args as { vault: Address; id: bigint };
      const known = this.workflowsByKey.get(refKey({ vault, id }));
      if (known) known.cancelledBlock = log.blockNumber!;
    } else if (log.eventName === 'WorkflowRun') {
      const a = log.args as { vault: Address; id: bigint; executor: Address; status: number; gasUsed: bigint; payment: bigint };
      this.runList.push({
        vault: getAddress(a.vault),
        id: a.id,
        executor: getAddress(a.executor),
        status: RUN_STATUSES[a.status] ?? 'NotRun',
        gasUsed: a.gasUsed,
        payment: a.payment,
        blockNumber: log.blockNumber!,
        transactionHash: log.transactionHash!,
        logIndex: log.logIndex!,
      });
    }
  }

  private applyVerdicts(log: VerdictLog): void {
    if (log.eventName === 'VerdictPosted') {
      const a = log.args as { slotStartBlock: bigint; executor: Address; fault: boolean; dueWorkflows: Hex; signedWeight: bigint };
      const existing = this.verdictsBySlot.get(a.slotStartBlock.toString());
      this.verdictsBySlot.set(a.slotStartBlock.toString(), {
        slotStartBlock: a.slotStartBlock,
        executor: getAddress(a.executor),
        fault: a.fault,
        dueWorkflows: a.dueWorkflows,
        signedWeight: a.signedWeight,
        blockNumber: log.blockNumber!,
        transactionHash: log.transactionHash!,
        slash: existing?.slash ?? null,
      });
    } else if (log.eventName === 'ExecutorSlashed') {
      // Emitted after VerdictPosted in the same transaction.
      const a = log.args as { slotStartBlock: bigint; slashId: bigint; shares: readonly bigint[] };
      const verdict = this.verdictsBySlot.get(a.slotStartBlock.toString());
      if (verdict) verdict.slash = { slashId: a.slashId, shares: a.shares };
    }
  }
}

type EntryPointLog = { eventName: string; args: unknown; blockNumber: bigint | null; transactionHash: Hex | null; logIndex: number | null };
type VerdictLog = EntryPointLog;
type RegisteredParams = {
  target: Address;
  callData: Hex;
  maxGasLimit: bigint;
  maxGasPrice: bigint;
  trigger: { kind: number; start: bigint; interval: bigint; checker: Address; checkData: Hex };
};

function workflowParams(p: RegisteredParams): WorkflowParams {
  return {
    target: getAddress(p.target),
    callData: p.callData,
    maxGasLimit: p.maxGasLimit,
    maxGasPrice: p.maxGasPrice,
    trigger: {
      kind: p.trigger.kind === 0 ? 'time' : 'condition',
      start: p.trigger.start,
      interval: p.trigger.interval,
      checker: getAddress(p.trigger.checker),
      checkData: p.trigger.checkData,
    },
  };
}

/** The map key of a workflow. */
export function refKey(ref: WorkflowRef): string {
  return `${ref.vault.toLowerCase()}:${ref.id}`;
}

/** Orders workflows by vault (as a number), then id: the order of SlotVerdict's due-workflow list. */
export function compareRefs(a: WorkflowRef, b: WorkflowRef): number {
  const va = BigInt(a.vault);
  const vb = BigInt(b.vault);
  if (va !== vb) return va < vb ? -1 : 1;
  return a.id === b.id ? 0 : a.id < b.id ? -1 : 1;
}
