/**
 * Puts aggregated block states on-chain: for each aggregated task without a final confirmation, the confirmer calls
 * MultiProverServiceManager.confirmState(header, signature) from its account and records the outcome
 * (`multi_prover_confirmations`). Restart-safe and idempotent: before sending, it reads getConfirmedState, so a state
 * confirmed by an earlier run (or by anyone: the call is open) is recorded instead of sent again, and a different
 * state already confirmed is recorded as a failure naming both. A revert ends the task's confirmation with the
 * contract's error; an RPC failure is retried with backoff, at most `maxAttempts` times.
 */
import { type Account, type Address, type Chain, type Hex, type PublicClient, type Transport, type WalletClient, decodeAbiParameters, keccak256 } from 'viem';
import { MultiProverServiceManagerAbi } from '../../../core/chain/abis/generated/index.ts';
import { revertDataOf } from '../../../core/chain/revertReason.ts';
import { describeRevert } from '../../../core/chain/transactions.ts';
import type { Logger } from '../../../core/logging.ts';
import type { TaskRecord } from '../../../runtime/tasks/types.ts';
import { STATE_SIGNATURE_ABI_PARAMETER } from '../signature.ts';
import type { ConfirmationRecord, MultiProverStore } from './store.ts';
import { type BlockStateAnswer, type BlockStateQuery, blockStateHeader, decodeBlockStateProof } from './taskType.ts';

/** Options of {@link Confirmer}. */
export type ConfirmerOptions = {
  store: MultiProverStore;
  client: PublicClient;
  wallet: WalletClient<Transport, Chain, Account>;
  serviceManager: Address;
  logger: Logger;
  /** Tries (sends and failed RPC rounds) before a task's confirmation is given up (default 5). */
  maxAttempts?: number;
  /** Confirmations in flight at once (each its own transaction, nonces assigned here); default 16. */
  concurrency?: number;
  /** Called after each recorded change (events, metrics). */
  onChange?: (record: ConfirmationRecord) => void;
  now?: () => number;
};

type Task = TaskRecord<BlockStateQuery, BlockStateAnswer>;

/** See the module comment. */
export class Confirmer {
  private readonly queue: Task[] = [];
  private readonly queued = new Set<string>();
  private running = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  readonly stats = { submitted: 0, confirmed: 0, failed: 0, alreadyConfirmed: 0 };

  constructor(private readonly options: ConfirmerOptions) {}

  /** Starts sending, first for aggregated tasks whose confirmation a previous run did not finish. */
  start(pending: readonly Task[] = []): void {
    if (this.running) return;
    this.running = true;
    for (const task of pending) this.enqueue(task);
    this.loop = this.run();
  }

  /** Stops after the send in progress (its outcome is recorded). */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** Queues an aggregated task (ignored when already queued). */
  enqueue(task: Task): void {
    if (task.status !== 'aggregated' || !task.sigData || !task.result) return;
    const id = task.taskId.toLowerCase();
    if (this.queued.has(id)) return;
    this.queued.add(id);
    this.queue.push(task);
    this.wake?.();
  }

  /** Resolves once the queue is empty (tests). */
  async idle(): Promise<void> {
    while (this.queue.length > 0 || this.busy) await new Promise((r) => setTimeout(r, 20));
  }

  private inFlight = 0;
  private get busy(): boolean {
    return this.inFlight > 0;
  }
  /** The next nonce of the confirmer's account (undefined: read it from the chain first). */
  private nonce: number | undefined;

  private async run(): Promise<void> {
    const limit = this.options.concurrency ?? 16;
    const running = new Set<Promise<void>>();
    while (this.running || running.size > 0) {
      const task = this.running && running.size < limit ? this.queue.shift() : undefined;
      if (!task) {
        if (running.size > 0) await Promise.race(running);
        else if (this.running) {
          await new Promise<void>((resolve) => {
            this.wake = resolve;
          });
          this.wake = undefined;
        }
        continue;
      }
      this.inFlight++;
      const done: Promise<void> = this.confirm(task)
        .catch((error) => this.options.logger.error({ taskId: task.taskId, err: (error as Error).message }, 'confirmation failed unexpectedly'))
        .finally(() => {
          this.queued.delete(task.taskId.toLowerCase());
          this.inFlight--;
          running.delete(done);
        });
      running.add(done);
    }
  }

  /** Assigns the next nonce (sends run concurrently; the first is read from the chain's pending count). */
  private async nextNonce(): Promise<number> {
    if (this.nonce === undefined) {
      this.nonceRead ??= this.options.client
        .getTransactionCount({ address: this.options.wallet.account.address, blockTag: 'pending' })
        .finally(() => {
          this.nonceRead = undefined;
        });
      const read = await this.nonceRead;
      // Concurrent callers share one read; the first to resume starts the count.
      this.nonce ??= read;
    }
    return this.nonce++;
  }
  private nonceRead: Promise<number> | undefined;

  private async record(taskId: Hex, change: Omit<ConfirmationRecord, 'taskId' | 'updatedAt'>): Promise<void> {
    const record: ConfirmationRecord = { taskId, ...change, updatedAt: (this.options.now ?? Date.now)() };
    await this.options.store.putConfirmation(record);
    this.options.onChange?.(record);
  }

  private async confirm(task: Task): Promise<void> {
    const { client, wallet, serviceManager, logger } = this.options;
    const prior = await this.options.store.getConfirmation(task.taskId);
    if (prior && prior.status !== 'submitted') return;
    const header = blockStateHeader(task.query, task.result as BlockStateAnswer, task.referenceEpoch);
    const [signature] = decodeAbiParameters([STATE_SIGNATURE_ABI_PARAMETER], decodeBlockStateProof(task.sigData as Hex).stateSignature);
    const maxAttempts = this.options.maxAttempts ?? 5;
    let attempts = prior?.attempts ?? 0;
    let txHash = prior?.txHash ?? null;
    for (;;) {
      try {
        // Confirmed already (by an earlier run of ours, or anyone)? Then record it, never send twice.
        const onChain = await client.readContract({ address: serviceManager, abi: MultiProverServiceManagerAbi, functionName: 'getConfirmedState', args: [header.committeeId, header.metadata] });
        if (onChain.confirmedAt !== 0n) {
          const same = onChain.stateHash.toLowerCase() === keccak256(header.state).toLowerCase();
          if (same) {
            if (!txHash) this.stats.alreadyConfirmed++;
            this.stats.confirmed++;
            await this.record(task.taskId, { status: 'confirmed', txHash, blockNumber: null, reason: null, attempts });
          } else {
            this.stats.failed++;
            const reason = `another state is confirmed for this committee and block (state hash ${onChain.stateHash})`;
            logger.error({ taskId: task.taskId, reason }, 'block state not confirmed');
            await this.record(task.taskId, { status: 'failed', txHash, blockNumber: null, reason, attempts });
          }
          return;
        }
        if (attempts >= maxAttempts) {
          this.stats.failed++;
          await this.record(task.taskId, { status: 'failed', txHash, blockNumber: null, reason: `not confirmed after ${attempts} attempts`, attempts });
          return;
        }
        const { request } = await client.simulateContract({
          account: wallet.account,
          address: serviceManager,
          abi: MultiProverServiceManagerAbi,
          functionName: 'confirmState',
          args: [header, signature],
        });
        try {
          txHash = await wallet.writeContract({ ...request, nonce: await this.nextNonce() });
        } catch (error) {
          // The nonce may be unused now: read it from the chain again before the next send.
          this.nonce = undefined;
          throw error;
        }
        attempts++;
        this.stats.submitted++;
        await this.record(task.taskId, { status: 'submitted', txHash, blockNumber: null, reason: null, attempts });
        const receipt = await client.waitForTransactionReceipt({ hash: txHash, timeout: 60_000 });
        if (receipt.status === 'success') {
          this.stats.confirmed++;
          await this.record(task.taskId, { status: 'confirmed', txHash, blockNumber: receipt.blockNumber, reason: null, attempts });
          logger.info({ taskId: task.taskId, txHash, block: receipt.blockNumber.toString() }, 'block state confirmed on-chain');
          return;
        }
        // Reverted on-chain after a successful simulation (raced by another confirmation): read the state again.
      } catch (error) {
        if (revertDataOf(error)) {
          // The contract refuses this header and signature: sending it again would fail the same way.
          this.stats.failed++;
          const reason = describeRevert(error);
          logger.error({ taskId: task.taskId, reason }, 'confirmState reverts');
          await this.record(task.taskId, { status: 'failed', txHash, blockNumber: null, reason, attempts });
          return;
        }
        attempts++;
        logger.warn({ taskId: task.taskId, err: (error as Error).message.split('\n')[0], attempts }, 'cannot send confirmState; retrying');
        await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** attempts, 10_000)));
        if (!this.running) return;
      }
    }
  }
}
