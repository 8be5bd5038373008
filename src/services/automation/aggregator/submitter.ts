/**
 * Sends aggregated slot verdicts to SlotVerdicts.submitVerdict, one transaction at a time (one sender account, so
 * nonces never race). A verdict another sender posted first counts as posted; a transaction that fails is tried
 * again at the next block, up to `maxAttempts`; a contract refusal other than "already posted" is final.
 */
import type { Address, Hex, PublicClient, WalletClient } from 'viem';
import { SlotVerdictsAbi } from '../../../core/chain/abis/generated/index.ts';
import { describeRevert } from '../../../core/chain/transactions.ts';
import type { Logger } from '../../../core/logging.ts';
import type { TaskRecord } from '../../../runtime/tasks/types.ts';
import { decodeVerdictProof, type SlotFinding, type SlotQuery } from './taskType.ts';

/** Where a verdict's submission stands. */
export type VerdictSubmission = {
  slotStartBlock: bigint;
  executor: Address;
  fault: boolean;
  status: 'queued' | 'submitted' | 'posted' | 'failed';
  txHash: Hex | null;
  reason: string | null;
  attempts: number;
};

/** Options of {@link VerdictSubmitter}. */
export type VerdictSubmitterOptions = {
  client: PublicClient;
  /** The sender (its account pays the gas). */
  wallet: WalletClient;
  slotVerdicts: Address;
  logger?: Logger;
  /** Attempts per verdict before it is given up (default 5). */
  maxAttempts?: number;
  /** Receipt wait per transaction, ms (default 30,000). */
  receiptTimeoutMs?: number;
};

/** See the module comment. */
export class VerdictSubmitter {
  private readonly submissions = new Map<string, VerdictSubmission>();
  private readonly records = new Map<string, TaskRecord<SlotQuery, SlotFinding>>();
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: VerdictSubmitterOptions) {}

  /** The submission of the slot starting at `slotStartBlock`, if any. */
  get(slotStartBlock: bigint): VerdictSubmission | undefined {
    return this.submissions.get(slotStartBlock.toString());
  }

  /** Every submission, oldest first. */
  list(): VerdictSubmission[] {
    return [...this.submissions.values()];
  }

  /** Queues an aggregated task's verdict (again: a no-op while it is queued, submitted or posted). */
  enqueue(record: TaskRecord<SlotQuery, SlotFinding>): void {
    if (record.status !== 'aggregated' || !record.result || !record.sigData) return;
    const key = record.query.slotStartBlock.toString();
    const known = this.submissions.get(key);
    if (known && known.status !== 'failed') return;
    if (known && known.attempts >= (this.options.maxAttempts ?? 5)) return;
    this.records.set(key, record);
    const submission: VerdictSubmission = known ?? {
      slotStartBlock: record.query.slotStartBlock,
      executor: record.query.executor,
      fault: record.result.fault,
      status: 'queued',
      txHash: null,
      reason: null,
      attempts: 0,
    };
    submission.status = 'queued';
    this.submissions.set(key, submission);
    this.chain = this.chain.then(() => this.send(submission)).catch(() => {});
  }

  /** Re-queues failed submissions still worth trying; marks posted the ones `isPosted` says are on-chain. */
  async retry(isPosted: (slotStartBlock: bigint) => boolean): Promise<void> {
    for (const [key, s] of this.submissions) {
      if (s.status === 'posted') continue;
      if (isPosted(s.slotStartBlock)) {
        s.status = 'posted';
        continue;
      }
      const record = this.records.get(key);
      if (s.status === 'failed' && record && s.reason?.startsWith('transaction')) this.enqueue(record);
    }
    await this.chain;
  }

  /** Waits for the transaction in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.chain;
  }

  private async send(s: VerdictSubmission): Promise<void> {
    if (this.stopped || s.status !== 'queued') return;
    const record = this.records.get(s.slotStartBlock.toString())!;
    const { client, wallet, slotVerdicts } = this.options;
    const { operators, signatures } = decodeVerdictProof(record.sigData!);
    const verdict = {
      slotStartBlock: record.query.slotStartBlock,
      executor: record.query.executor,
      dueWorkflows: record.result!.dueWorkflows,
      fault: record.result!.fault,
      referenceEpoch: record.referenceEpoch,
    };
    s.attempts++;
    try {
      const { request } = await client.simulateContract({
        account: wallet.account!,
        address: slotVerdicts,
        abi: SlotVerdictsAbi,
        functionName: 'submitVerdict',
        args: [verdict, [...operators], [...signatures]],
      });
      s.txHash = await wallet.writeContract(request);
      s.status = 'submitted';
      const receipt = await client.waitForTransactionReceipt({ hash: s.txHash, timeout: this.options.receiptTimeoutMs ?? 30_000 });
      if (receipt.status !== 'success') throw new Error('reverted on-chain');
      s.status = 'posted';
      s.reason = null;
      this.options.logger?.info({ slot: verdict.slotStartBlock.toString(), executor: verdict.executor, fault: verdict.fault, tx: s.txHash }, 'verdict posted');
    } catch (error) {
      const reason = describeRevert(error);
      if (reason.startsWith('VerdictAlreadyPosted')) {
        s.status = 'posted';
        s.reason = null;
        return;
      }
      s.status = 'failed';
      // A contract refusal is final, but for a slot not ended yet; anything else (RPC, timeout, nonce) is the
      // transaction's and is retried.
      s.reason = /^[A-Z][A-Za-z]+\(/.test(reason) && !reason.startsWith('SlotNotEnded') ? reason : `transaction: ${reason}`;
      this.options.logger?.warn({ slot: verdict.slotStartBlock.toString(), reason: s.reason }, 'verdict submission failed');
    }
  }
}
