/**
 * The automation aggregator: the runtime's task engine with the slot-verdict task type, and what feeds and settles it.
 * On each new main-chain block it:
 *
 * 1. sends `arrangeExecutors` when the epoch has none yet (anyone may; the service's aggregator does it on time);
 * 2. creates a verdict task for every ended slot that had an executor and has no verdict on-chain, with the slot's
 *    epoch as reference epoch and the threshold SlotVerdicts checks: ceil((total − executor's weight) × bps / 10⁴) at
 *    that epoch;
 * 3. submits each aggregated verdict with `submitVerdict` (the {@link VerdictSubmitter}).
 *
 * Restarting loses nothing: tasks live in the store, posted verdicts on-chain, and the slots of the last
 * `lookbackSlots` are looked at again.
 */
import type { Address, Hex, PublicClient, WalletClient } from 'viem';
import { ExecutorScheduleAbi, ECDSAStakeRegistryAbi, EpochManagerAbi } from '../../../core/chain/abis/generated/index.ts';
import { describeRevert } from '../../../core/chain/transactions.ts';
import type { Logger } from '../../../core/logging.ts';
import type { OperatorSetSource } from '../../../runtime/operatorSet.ts';
import { TaskEngine, type TaskEngineOptions } from '../../../runtime/tasks/engine.ts';
import type { TaskStore } from '../../../runtime/tasks/store.ts';
import type { TaskSnapshot } from '../../../runtime/tasks/types.ts';
import { type ArrangementReader, createArrangementReader } from '../arrangements.ts';
import type { AutomationChainIndex } from '../chainIndex.ts';
import type { AutomationDeployment } from '../deployment.ts';
import type { WireVerdict, WireVerdictTask } from '../protocol.ts';
import { type ScheduledSlot, slotAt } from '../schedule.ts';
import { slotVerdictTaskId } from '../verdict.ts';
import { type SlotFinding, type SlotQuery, slotVerdictTaskType } from './taskType.ts';
import { VerdictSubmitter, type VerdictSubmission } from './submitter.ts';

/** Options of {@link AutomationAggregator}. */
export type AutomationAggregatorOptions = Omit<
  TaskEngineOptions<SlotQuery, SlotFinding, WireVerdictTask, WireVerdict>,
  'taskType' | 'mainChainId' | 'store' | 'onTaskFinished' | 'operatorSet'
> & {
  deployment: Pick<AutomationDeployment, 'mainChainId' | 'automation'>;
  store: TaskStore<SlotQuery, SlotFinding>;
  operatorSet: OperatorSetSource;
  client: PublicClient;
  index: AutomationChainIndex;
  /** Sends arrangeExecutors and submitVerdict (any funded account). Without it the aggregator only collects. */
  wallet?: WalletClient;
  logger?: Logger;
  /** Head poll period, ms (default 500). */
  pollMs?: number;
  /** Ended slots looked at again after a restart (default 256). */
  lookbackSlots?: number;
  /** Send arrangeExecutors at each new epoch (default true when a wallet is given). */
  arrange?: boolean;
  /** Called once per task this process finishes (metrics). */
  onTaskFinished?: (task: TaskSnapshot<SlotQuery, SlotFinding>) => void;
};

/** A slot the aggregator judged, for the API. */
export type JudgedSlot = { slot: ScheduledSlot & { executor: Address }; taskId: Hex };

/** See the module comment. */
export class AutomationAggregator {
  readonly engine: TaskEngine<SlotQuery, SlotFinding, WireVerdictTask, WireVerdict>;
  readonly submitter: VerdictSubmitter | undefined;
  private readonly arrangements: ArrangementReader;
  private readonly log: Logger | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private cursor: bigint | undefined;
  private running = false;
  private arrangedEpoch = -1;
  private readonly judged = new Map<string, JudgedSlot>();

  constructor(private readonly options: AutomationAggregatorOptions) {
    const { deployment, wallet, client } = options;
    this.log = options.logger;
    this.arrangements = createArrangementReader(client, deployment.automation.executorSchedule);
    this.submitter = wallet
      ? new VerdictSubmitter({ client, wallet, slotVerdicts: deployment.automation.slotVerdicts, logger: options.logger?.child({ component: 'submitter' }) })
      : undefined;
    this.engine = new TaskEngine({
      ...options,
      store: options.store,
      taskType: slotVerdictTaskType({ chainId: deployment.mainChainId, slotVerdicts: deployment.automation.slotVerdicts }),
      mainChainId: deployment.mainChainId,
      onTaskFinished: (snapshot) => {
        if (snapshot.record.status === 'aggregated') this.submitter?.enqueue(snapshot.record);
        options.onTaskFinished?.(snapshot);
      },
    });
  }

  /** Whether the aggregator is running. */
  get isRunning(): boolean {
    return this.running;
  }

  /** The slots judged since start (newest last, at most 1,024). */
  judgedSlots(): JudgedSlot[] {
    return [...this.judged.values()];
  }

  /** The submission of a slot's verdict by this process, if any. */
  submission(slotStartBlock: bigint): VerdictSubmission | undefined {
    return this.submitter?.get(slotStartBlock);
  }

  /** Starts the engine and the block loop. */
  async start(): Promise<void> {
    await this.engine.start();
    this.running = true;
    const pollMs = this.options.pollMs ?? 500;
    const loop = () => {
      this.ticking = this.tick()
        .catch((error) => this.log?.warn({ err: (error as Error).message.split('\n')[0] }, 'automation aggregator tick failed'))
        .finally(() => {
          if (this.running) this.timer = setTimeout(loop, pollMs);
        });
    };
    loop();
  }

  /** Stops the loop, the submitter and the engine. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    await this.submitter?.stop();
    await this.engine.stop();
  }

  /** One pass: arrange, judge ended slots, submit (see the module comment). Exposed for tests. */
  async tick(): Promise<void> {
    const { client, index, deployment } = this.options;
    const head = await client.getBlockNumber({ cacheTime: 0 });
    await index.sync(head);
    if (this.options.arrange ?? this.options.wallet !== undefined) await this.arrangeIfDue();
    const arrangements = await this.arrangements.read();
    if (arrangements.length === 0) return;
    const slotBlocks = BigInt(deployment.automation.slotBlocks);
    if (this.cursor === undefined) {
      const lookback = BigInt(this.options.lookbackSlots ?? 256) * slotBlocks;
      const first = arrangements[0]!.startBlock;
      this.cursor = head - lookback > first ? head - lookback : first;
    }
    for (;;) {
      const slot = slotAt(arrangements, this.cursor, slotBlocks);
      // SlotVerdicts takes a verdict once block start + slotBlocks exists, even for a slot an arrangement cut short;
      // the submission is simulated on the latest block, so that block must be mined already.
      if (!slot || slot.startBlock + slotBlocks > head || slot.endBlock > head + 1n) break;
      if (slot.executor && !index.verdict(slot.startBlock)) await this.judge({ ...slot, executor: slot.executor });
      this.cursor = slot.endBlock;
    }
    await this.submitter?.retry((slotStartBlock) => index.verdict(slotStartBlock) !== undefined);
  }

  private async judge(slot: ScheduledSlot & { executor: Address }): Promise<void> {
    const { deployment } = this.options;
    const taskId = slotVerdictTaskId(deployment.automation.slotVerdicts, slot.startBlock);
    const thresholdWeight = await this.verdictThreshold(slot.executor, slot.epoch);
    if (thresholdWeight === 0n) return; // nobody but the executor: no verdict is possible
    const { task } = await this.engine.submit(taskId, { slotStartBlock: slot.startBlock, executor: slot.executor }, { referenceEpoch: slot.epoch, thresholdWeight });
    this.judged.set(slot.startBlock.toString(), { slot, taskId });
    if (this.judged.size > 1_024) this.judged.delete(this.judged.keys().next().value as string);
    if (task.record.status === 'aggregated') this.submitter?.enqueue(task.record);
  }

  /** ceil((total − executor's weight) × thresholdBps / 10⁴) at `epoch`, as SlotVerdicts computes it. */
  private async verdictThreshold(executor: Address, epoch: number): Promise<bigint> {
    const { client, deployment } = this.options;
    const registry = { address: deployment.automation.stakeRegistry, abi: ECDSAStakeRegistryAbi } as const;
    const [total, own, bps] = await Promise.all([
      client.readContract({ ...registry, functionName: 'getTotalWeightAtEpoch', args: [epoch] }),
      client.readContract({ ...registry, functionName: 'getOperatorWeightAtEpoch', args: [executor, epoch] }),
      client.readContract({ ...registry, functionName: 'getThresholdBpsAtEpoch', args: [epoch] }),
    ]);
    return ((total - own) * BigInt(bps) + 9_999n) / 10_000n;
  }

  private async arrangeIfDue(): Promise<void> {
    const { client, deployment, wallet } = this.options;
    if (!wallet?.account) return;
    const epoch = await client.readContract({ address: deployment.automation.epochManager, abi: EpochManagerAbi, functionName: 'currentEpoch' });
    if (epoch <= this.arrangedEpoch) return;
    const arrangements = await this.arrangements.read();
    const last = arrangements.at(-1);
    if (last && last.epoch >= epoch) {
      this.arrangedEpoch = last.epoch;
      return;
    }
    try {
      const { request } = await client.simulateContract({
        account: wallet.account,
        address: deployment.automation.executorSchedule,
        abi: ExecutorScheduleAbi,
        functionName: 'arrangeExecutors',
      });
      const hash = await wallet.writeContract(request);
      await client.waitForTransactionReceipt({ hash, timeout: 30_000 });
      this.arrangedEpoch = epoch;
      this.log?.info({ epoch, tx: hash }, 'arranged the executors of the epoch');
    } catch (error) {
      const reason = describeRevert(error);
      if (reason.startsWith('AlreadyArranged')) this.arrangedEpoch = epoch;
      else this.log?.warn({ epoch, reason }, 'arrangeExecutors failed; retrying at the next block');
    }
  }
}
