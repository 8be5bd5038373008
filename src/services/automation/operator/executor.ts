/**
 * The executor of an automation operator: follows the main chain's head (WebSocket subscription when a ws URL is given,
 * else polling) and, for each head h whose next block h+1 lies in one of the operator's slots, runs the due workflows
 * in that block:
 *
 * 1. candidates from the injected source (never a scan of every workflow), minus refs already in flight;
 * 2. a simulation of `runMultipleWorkflows(refs)` on the head's state with block h+1's number and timestamp, from the
 *    sending account, at the exact gas price the transaction pays (pending base fee + priority fee, sent as a legacy
 *    gas price so `tx.gasprice` is that number), keeping the refs whose status is Succeeded or Failed;
 * 3. those refs in batches under the block gas limit ({@link planBatches}), each simulated again as sent, bisected when
 *    the simulation (or later the transaction) reverts ({@link simulateBisected}), and sent;
 * 4. receipts awaited with a timeout, their WorkflowRun logs counted in {@link AutomationExecutorStats}.
 *
 * The operator stays active when the executor stops: deactivation is an explicit command.
 */
import {
  type Address,
  type Hash,
  type Hex,
  type LocalAccount,
  type PublicClient,
  type Transport,
  createPublicClient,
  createWalletClient,
  decodeFunctionResult,
  encodeFunctionData,
  getAddress,
  http,
  parseEventLogs,
  webSocket,
} from 'viem';
import { DittoEntryPointAbi } from '../../../core/chain/abis/generated/index.ts';
import { chainDefinition, makePublicClient } from '../../../core/chain/clients.ts';
import { type Logger, silentLogger } from '../../../core/logging.ts';
import { type ArrangementReader, createArrangementReader } from '../arrangements.ts';
import type { AutomationContracts } from '../deployment.ts';
import { slotAt } from '../schedule.ts';
import { type BudgetedRef, type WorkflowRef, RunStatus, batchGasLimit, isRun, planBatches, refKey, simulateBisected, splitInHalves, workflowGasBudget } from './batching.ts';

/** Where the executor gets the workflows that may be due: refs worth simulating at the head `blockNumber`. */
export type WorkflowCandidates = (blockNumber: bigint) => Promise<readonly WorkflowRef[]>;

/** Options of {@link AutomationExecutor}. */
export type AutomationExecutorOptions = {
  chainId: number;
  /** HTTP JSON-RPC endpoint of the main chain (reads, simulations, transactions). */
  rpcUrl: string;
  /** WebSocket endpoint to follow heads by subscription (anvil serves one on its HTTP port); default: poll `rpcUrl`. */
  wsUrl?: string;
  /** Head polling interval without WebSocket, milliseconds; default 200. */
  pollingIntervalMs?: number;
  section: Pick<AutomationContracts, 'entryPoint' | 'executorSchedule' | 'slotBlocks'>;
  /** The operator whose slots this executor serves. */
  operator: Address;
  /** The sending account: the operator's delegated signer, or the operator key when it has none. */
  account: LocalAccount;
  candidates: WorkflowCandidates;
  /** Priority fee (wei per gas) on top of the pending block's base fee; default 1 gwei. */
  priorityFee?: bigint;
  /** How long to wait for a batch's receipt, milliseconds; default 30,000. */
  receiptTimeoutMs?: number;
  /** FAULT INJECTION (devnet demos only): idle in the operator's own slots, sending nothing. */
  skipSlots?: boolean;
  logger?: Logger;
};

/** Counters of an executor since it started (for metrics). */
export type AutomationExecutorStats = {
  /** Heads handled, and the latest. */
  heads: number;
  lastHead: bigint | null;
  /** Runs in landed batches, from their WorkflowRun logs. */
  workflowsSucceeded: number;
  workflowsFailed: number;
  /** Batch transactions sent, reverted, and not mined within the receipt timeout. */
  transactionsSent: number;
  transactionsReverted: number;
  transactionsTimedOut: number;
  /** Gas used by landed batches (units). */
  gasUsed: bigint;
  /** Slots of this operator seen (from their first block on). */
  slotsHeld: number;
  /** Own slots that ended with due work found but no run landed. */
  slotsMissed: number;
  /** Own-slot blocks with due work left unsent because of `skipSlots`. */
  blocksSkipped: number;
  /** Refs whose simulation reverted even alone (left out). */
  refsReverted: number;
  /** Heads whose handling failed (RPC errors and the like). */
  errors: number;
};

type OwnSlot = { endBlock: bigint; hadDue: boolean; landed: boolean; inFlight: number };
type WorkflowShape = { maxGasLimit: bigint; kind: number };

const DEFAULT_PRIORITY_FEE = 1_000_000_000n;
const DEFAULT_RECEIPT_TIMEOUT_MS = 30_000;

/** Runs an operator's slots (see the module comment). */
export class AutomationExecutor {
  readonly stats: AutomationExecutorStats = {
    heads: 0,
    lastHead: null,
    workflowsSucceeded: 0,
    workflowsFailed: 0,
    transactionsSent: 0,
    transactionsReverted: 0,
    transactionsTimedOut: 0,
    gasUsed: 0n,
    slotsHeld: 0,
    slotsMissed: 0,
    blocksSkipped: 0,
    refsReverted: 0,
    errors: 0,
  };
  private readonly client: PublicClient;
  private readonly wallet;
  private readonly arrangements: ArrangementReader;
  private readonly log: Logger;
  private readonly operator: Address;
  private readonly slotBlocks: bigint;
  private readonly shapes = new Map<string, WorkflowShape>();
  private readonly inFlight = new Set<string>();
  private readonly ownSlots = new Map<string, OwnSlot>();
  /** Refs of a reverted batch, by key, mapped to the half they must be sent in next. */
  private readonly splitGroups = new Map<string, number>();
  private nextGroup = 1;
  private readonly receipts = new Set<Promise<void>>();
  private nonce: number | undefined;
  private unwatch: (() => void) | undefined;
  private closeSocket: (() => Promise<void>) | undefined;
  private running: Promise<void> | undefined;
  private queuedHead: bigint | undefined;
  private stopped = false;

  constructor(private readonly options: AutomationExecutorOptions) {
    this.client = makePublicClient(options.chainId, options.rpcUrl);
    this.wallet = createWalletClient({ chain: chainDefinition(options.chainId, options.rpcUrl), transport: http(options.rpcUrl), account: options.account });
    this.arrangements = createArrangementReader(this.client, options.section.executorSchedule);
    this.log = options.logger ?? silentLogger();
    this.operator = getAddress(options.operator);
    this.slotBlocks = BigInt(options.section.slotBlocks);
  }

  /** Starts following heads (a second call while started does nothing). Resolves once the watch is set up. */
  async start(): Promise<void> {
    if (this.unwatch) return;
    this.stopped = false;
    const { wsUrl } = this.options;
    const transport: Transport = wsUrl ? webSocket(wsUrl, { keepAlive: false, reconnect: true }) : http(this.options.rpcUrl);
    const watcher = createPublicClient({ chain: chainDefinition(this.options.chainId, this.options.rpcUrl), transport, pollingInterval: this.options.pollingIntervalMs ?? 200 });
    if (wsUrl) {
      this.closeSocket = async () => {
        const socket = await (watcher.transport as unknown as { getRpcClient(): Promise<{ close(): void }> }).getRpcClient();
        socket.close();
      };
    }
    const handlers = {
      emitOnBegin: true,
      emitMissed: false,
      onBlockNumber: (head: bigint) => this.onHead(head),
      onError: (error: Error) => this.log.warn({ err: error }, 'automation executor: head subscription error'),
    };
    // viem subscribes to new heads (eth_subscribe) over a WebSocket transport and polls over HTTP.
    this.unwatch = watcher.watchBlockNumber(handlers);
    this.log.info({ operator: this.operator, sender: this.options.account.address, ws: Boolean(wsUrl), skipSlots: Boolean(this.options.skipSlots) }, 'automation executor started');
  }

  /** Stops following heads; waits for the head in progress and the receipts awaited. Does not deactivate the operator. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unwatch?.();
    this.unwatch = undefined;
    await this.running;
    await Promise.allSettled([...this.receipts]);
    await this.closeSocket?.().catch(() => {});
    this.closeSocket = undefined;
  }

  private onHead(head: bigint): void {
    if (this.stopped) return;
    if (this.running) {
      // One head at a time; only the newest waiting head matters.
      if (this.queuedHead === undefined || head > this.queuedHead) this.queuedHead = head;
      return;
    }
    this.running = this.handle(head).finally(() => {
      this.running = undefined;
      const next = this.queuedHead;
      this.queuedHead = undefined;
      if (next !== undefined && next > (this.stats.lastHead ?? -1n)) this.onHead(next);
    });
  }

  private async handle(head: bigint): Promise<void> {
    try {
      await this.runHead(head);
    } catch (error) {
      this.stats.errors++;
      this.log.warn({ err: error, head }, 'automation executor: head failed');
    }
  }

  /** One head: the work for block head + 1 if it is in one of this operator's slots. */
  private async runHead(head: bigint): Promise<void> {
    this.stats.heads++;
    this.stats.lastHead = head;
    const arrangements = await this.arrangements.read(head);
    const next = head + 1n;
    this.closeEndedSlots(next);
    const slot = slotAt(arrangements, next, this.slotBlocks);
    if (!slot || slot.executor !== this.operator) return;
    const slotKey = `${slot.epoch}:${slot.slot}`;
    let own = this.ownSlots.get(slotKey);
    if (!own) {
      own = { endBlock: slot.endBlock, hadDue: false, landed: false, inFlight: 0 };
      this.ownSlots.set(slotKey, own);
      this.stats.slotsHeld++;
    }

    const refs = (await this.options.candidates(head)).filter((r) => !this.inFlight.has(refKey(r)));
    if (refs.length === 0) return;
    const pending = await this.client.getBlock({ blockTag: 'pending' });
    // The chain moved on while this head was read: a newer head will come.
    if (pending.number !== next) return;
    const gasPrice = (pending.baseFeePerGas ?? 0n) + (this.options.priorityFee ?? DEFAULT_PRIORITY_FEE);
    const budgeted = await this.budget(refs);
    const simulate = (batch: readonly BudgetedRef[]) => this.simulate(batch, head, pending.timestamp, gasPrice);

    // Which are due: every candidate simulated in batches under the block gas limit.
    const due: BudgetedRef[] = [];
    for (const batch of planBatches(budgeted, pending.gasLimit)) {
      const found = await simulateBisected(batch, simulate);
      this.stats.refsReverted += found.reverted.length;
      for (const b of found.batches) b.refs.forEach((r, i) => isRun(b.statuses[i]!) && due.push(r));
    }
    if (due.length === 0) return;
    own.hadDue = true;
    if (this.options.skipSlots) {
      this.stats.blocksSkipped++;
      return;
    }

    // What is sent: the due refs, re-batched (a reverted batch's halves apart) and simulated exactly as sent.
    for (const batch of this.groupBatches(due, pending.gasLimit)) {
      const checked = await simulateBisected(batch, simulate);
      this.stats.refsReverted += checked.reverted.length;
      for (const b of checked.batches) {
        if (!b.statuses.some(isRun)) continue;
        await this.send(b.refs, gasPrice, own, slotKey);
      }
    }
  }

  /** Each ref with its gas budget; a workflow's gas cap and kind never change, so each is read once. */
  private async budget(refs: readonly WorkflowRef[]): Promise<BudgetedRef[]> {
    const missing = refs.filter((r) => !this.shapes.has(refKey(r)));
    const read = await Promise.all(
      missing.map((r) => this.client.readContract({ address: this.options.section.entryPoint, abi: DittoEntryPointAbi, functionName: 'workflow', args: [r.vault, r.id] })),
    );
    missing.forEach((r, i) => this.shapes.set(refKey(r), { maxGasLimit: read[i]!.maxGasLimit, kind: read[i]!.kind }));
    return refs.map((ref) => ({ ref, budget: workflowGasBudget(this.shapes.get(refKey(ref))!) }));
  }

  /** Statuses of `batch` run in block head + 1 (state of `head`, number and time of the next block); throws on revert. */
  private async simulate(batch: readonly BudgetedRef[], head: bigint, time: bigint, gasPrice: bigint): Promise<number[]> {
    const data = encodeRun(batch);
    const { data: returned } = await this.client.call({
      account: this.options.account.address,
      to: this.options.section.entryPoint,
      data,
      gas: batchGasLimit(batch),
      gasPrice,
      blockNumber: head,
      blockOverrides: { number: head + 1n, time },
    });
    const results = decodeFunctionResult({ abi: DittoEntryPointAbi, functionName: 'runMultipleWorkflows', data: returned ?? '0x' });
    return results.map((r) => r.status);
  }

  /** Batches of due refs under `maxGas`; refs of a reverted batch go in their half, apart from the others (once). */
  private groupBatches(due: readonly BudgetedRef[], maxGas: bigint): BudgetedRef[][] {
    const groups = new Map<number, BudgetedRef[]>();
    for (const r of due) {
      const key = refKey(r.ref);
      const group = this.splitGroups.get(key) ?? 0;
      this.splitGroups.delete(key);
      groups.set(group, [...(groups.get(group) ?? []), r]);
    }
    return [...groups.values()].flatMap((g) => planBatches(g, maxGas));
  }

  private async send(batch: BudgetedRef[], gasPrice: bigint, own: OwnSlot, slotKey: string): Promise<void> {
    let hash: Hash;
    try {
      this.nonce ??= await this.client.getTransactionCount({ address: this.options.account.address, blockTag: 'pending' });
      hash = await this.wallet.sendTransaction({
        to: this.options.section.entryPoint,
        data: encodeRun(batch),
        gas: batchGasLimit(batch),
        gasPrice,
        nonce: this.nonce,
        type: 'legacy',
      } as never);
      this.nonce++;
    } catch (error) {
      this.nonce = undefined;
      throw error;
    }
    this.stats.transactionsSent++;
    const keys = batch.map((b) => refKey(b.ref));
    keys.forEach((k) => this.inFlight.add(k));
    own.inFlight++;
    this.log.debug({ hash, refs: keys, slot: slotKey }, 'automation executor: batch sent');
    const tracked: Promise<void> = this.track(hash, batch, own).finally(() => {
      keys.forEach((k) => this.inFlight.delete(k));
      own.inFlight--;
      this.receipts.delete(tracked);
    });
    this.receipts.add(tracked);
  }

  private async track(hash: Hash, batch: BudgetedRef[], own: OwnSlot): Promise<void> {
    let receipt;
    try {
      receipt = await this.client.waitForTransactionReceipt({ hash, timeout: this.options.receiptTimeoutMs ?? DEFAULT_RECEIPT_TIMEOUT_MS, pollingInterval: 100 });
    } catch (error) {
      this.stats.transactionsTimedOut++;
      this.nonce = undefined;
      this.log.warn({ err: error, hash }, 'automation executor: no receipt in time');
      return;
    }
    this.stats.gasUsed += receipt.gasUsed;
    if (receipt.status !== 'success') {
      this.stats.transactionsReverted++;
      // Next time these refs are due, each half goes in a batch of its own.
      if (batch.length > 1) {
        for (const half of splitInHalves(batch)) {
          const group = this.nextGroup++;
          half.forEach((b) => this.splitGroups.set(refKey(b.ref), group));
        }
      }
      this.log.warn({ hash, block: receipt.blockNumber }, 'automation executor: batch reverted');
      return;
    }
    const sender = this.options.account.address.toLowerCase();
    const runs = parseEventLogs({ abi: DittoEntryPointAbi, eventName: 'WorkflowRun', logs: receipt.logs }).filter((l) => l.args.executor.toLowerCase() === sender);
    for (const run of runs) {
      if (run.args.status === RunStatus.Succeeded) this.stats.workflowsSucceeded++;
      else if (run.args.status === RunStatus.Failed) this.stats.workflowsFailed++;
    }
    if (runs.some((r) => isRun(r.args.status))) own.landed = true;
  }

  /** Closes own slots that ended before `next`: a slot with due work and no landed run is a missed slot. */
  private closeEndedSlots(next: bigint): void {
    for (const [key, slot] of this.ownSlots) {
      if (slot.endBlock > next || slot.inFlight > 0) continue;
      if (slot.hadDue && !slot.landed) {
        this.stats.slotsMissed++;
        this.log.warn({ slot: key }, 'automation executor: own slot ended with due workflows left unrun');
      }
      this.ownSlots.delete(key);
    }
  }
}

function encodeRun(batch: readonly BudgetedRef[]): Hex {
  return encodeFunctionData({ abi: DittoEntryPointAbi, functionName: 'runMultipleWorkflows', args: [batch.map((b) => b.ref)] });
}
