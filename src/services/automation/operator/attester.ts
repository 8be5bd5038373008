/**
 * The attester side of an automation operator node. It dials the aggregator (the runtime's {@link OperatorClient},
 * ECDSA authentication by its signing key) and, for each verdict task:
 *
 * 1. checks the task against the chain: its id is the hash of (SlotVerdicts, slot start), the slot is one the schedule
 *    has, named with its own executor and the epoch of its arrangement, and this operator was not its executor (an
 *    executor never judges its own slot);
 * 2. waits for the slot to end, and replays it from chain data (`replay.ts`);
 * 3. signs the SlotVerdict digest with its signing key and answers.
 *
 * The replay is a function of the chain alone, so signing a slot again after a restart gives the same verdict: no
 * journal is needed for an attester to stay consistent. Any failure becomes a `taskErrors` entry with the reason.
 */
import type { Address, PublicClient } from 'viem';
import { type SigningKey, signDigest } from '../../../core/crypto/ecdsa.ts';
import type { Logger } from '../../../core/logging.ts';
import { OperatorClient } from '../../../runtime/operators/client.ts';
import type { ArrangementReader } from '../arrangements.ts';
import type { AutomationChainIndex } from '../chainIndex.ts';
import type { AutomationDeployment } from '../deployment.ts';
import { AUTOMATION_SERVICE_NAME, type WireVerdict, type WireVerdictTask, automationProtocol } from '../protocol.ts';
import { type SlotReplay, replaySlot } from '../replay.ts';
import { slotAt } from '../schedule.ts';
import { slotVerdictDigest, slotVerdictTaskId } from '../verdict.ts';

/** Options of {@link AutomationAttester}. */
export type AutomationAttesterOptions = {
  /** Aggregator WebSocket URL, e.g. `ws://127.0.0.1:8100/v1/operators/ws`. */
  aggregatorUrl: string;
  deployment: Pick<AutomationDeployment, 'mainChainId' | 'automation'>;
  /** Main-chain client (pinned reads for the replay). */
  client: PublicClient;
  /** The operator's EigenLayer address. */
  operator: Address;
  /** Its signing key registered in the automation stake registry. */
  signingKey: SigningKey;
  /** The node's chain index (shared with its executor). */
  index: AutomationChainIndex;
  /** The node's arrangement reader (shared with its executor). */
  arrangements: ArrangementReader;
  logger: Logger;
  /** How long to wait for a slot to end before refusing its task, in ms (default 60,000). */
  slotEndTimeoutMs?: number;
  reconnectDelayMs?: { min: number; max: number };
  nodeVersion?: string;
};

/** Counters (metrics, tests). */
export type AutomationAttesterStats = {
  connected: boolean;
  authenticated: boolean;
  tasksReceived: number;
  /** Verdicts signed and sent, and of them the ones that found a fault. */
  verdictsSigned: number;
  faultsFound: number;
  tasksRefused: number;
};

/** A task the attester will not sign, for a reason of the task itself. */
export class VerdictTaskRefusedError extends Error {
  override name = 'VerdictTaskRefusedError';
}

/** An automation operator's attester (see the module comment). */
export class AutomationAttester {
  private stopped = false;
  private readonly inFlight = new Set<string>();
  private readonly replays = new Map<string, SlotReplay>();
  private readonly counts = { tasksReceived: 0, verdictsSigned: 0, faultsFound: 0, tasksRefused: 0 };
  private readonly client: OperatorClient<WireVerdictTask, WireVerdict>;

  constructor(private readonly options: AutomationAttesterOptions) {
    const { deployment } = options;
    this.client = new OperatorClient({
      url: options.aggregatorUrl,
      service: AUTOMATION_SERVICE_NAME,
      operator: options.operator,
      signingKey: options.signingKey.address,
      domain: { chainId: deployment.mainChainId, serviceManager: deployment.automation.serviceManager },
      signAuth: (hash) => signDigest(options.signingKey, hash),
      protocol: automationProtocol,
      onTasks: (tasks) => {
        this.counts.tasksReceived += tasks.length;
        for (const task of tasks) void this.handleTask(task);
      },
      logger: options.logger,
      reconnectDelayMs: options.reconnectDelayMs,
      nodeVersion: options.nodeVersion,
    });
  }

  /** Counters and the connection's state (a fresh object per read). */
  get stats(): AutomationAttesterStats {
    const { connected, authenticated } = this.client.stats;
    return { connected, authenticated, ...this.counts };
  }

  /** The replays made, newest slot last (at most the latest 256). */
  recentReplays(): SlotReplay[] {
    return [...this.replays.values()];
  }

  /** Starts dialing the aggregator; returns at once (the client keeps reconnecting in the background). */
  start(): void {
    this.stopped = false;
    this.client.start();
  }

  /** Resolves once authenticated with the aggregator. */
  authenticated(): Promise<void> {
    return this.client.authenticated();
  }

  /** Flushes what is ready and closes the connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.client.stop();
  }

  private async handleTask(task: WireVerdictTask): Promise<void> {
    const key = `${task.taskId}:${task.referenceEpoch}`;
    if (this.inFlight.has(key)) return;
    this.inFlight.add(key);
    try {
      const replay = await this.replay(task);
      const { slot } = replay;
      const digest = slotVerdictDigest(
        { slotStartBlock: slot.startBlock, executor: slot.executor, dueWorkflows: replay.dueWorkflows, fault: replay.fault, referenceEpoch: slot.epoch },
        { chainId: this.options.deployment.mainChainId, slotVerdicts: this.options.deployment.automation.slotVerdicts },
      );
      this.counts.verdictsSigned++;
      if (replay.fault) this.counts.faultsFound++;
      this.options.logger.info(
        { slot: slot.startBlock.toString(), executor: slot.executor, due: replay.due.length, fault: replay.fault, unrun: replay.unrun.length },
        'signed a slot verdict',
      );
      this.client.enqueue({
        answer: { taskId: task.taskId, dueWorkflows: replay.dueWorkflows, fault: replay.fault, referenceEpoch: task.referenceEpoch, signature: signDigest(this.options.signingKey, digest) },
      });
    } catch (error) {
      if (this.stopped) return;
      const reason = error instanceof VerdictTaskRefusedError ? error.message : `replay failed: ${(error as Error).message.split('\n')[0]}`;
      this.counts.tasksRefused++;
      this.options.logger.warn({ taskId: task.taskId, reason }, 'cannot sign slot verdict');
      this.client.enqueue({ error: { taskId: task.taskId, reason } });
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** Checks `task` and replays its slot (memoized per slot). */
  private async replay(task: WireVerdictTask): Promise<SlotReplay> {
    const { deployment, index, client } = this.options;
    const { automation } = deployment;
    const start = BigInt(task.slotStartBlock);
    if (slotVerdictTaskId(automation.slotVerdicts, start).toLowerCase() !== task.taskId.toLowerCase()) {
      throw new VerdictTaskRefusedError('task id is not the hash of (SlotVerdicts, slot start)');
    }
    if (task.executor.toLowerCase() === this.options.operator.toLowerCase()) {
      throw new VerdictTaskRefusedError('this operator was the slot’s executor: it does not judge its own slot');
    }
    const memo = this.replays.get(start.toString());
    if (memo) return memo;
    const arrangements = await this.options.arrangements.read();
    const slot = slotAt(arrangements, start, BigInt(automation.slotBlocks));
    if (!slot || slot.startBlock !== start) throw new VerdictTaskRefusedError(`block ${start} is not a slot's first block`);
    if (!slot.executor || slot.executor.toLowerCase() !== task.executor.toLowerCase()) {
      throw new VerdictTaskRefusedError(`the slot's executor is ${slot.executor ?? 'nobody'}, not ${task.executor}`);
    }
    if (slot.epoch !== task.referenceEpoch) {
      throw new VerdictTaskRefusedError(`the slot's epoch is ${slot.epoch}, the task says ${task.referenceEpoch}`);
    }
    await this.waitForBlock(slot.endBlock - 1n);
    await index.sync(slot.endBlock - 1n);
    const replay = await replaySlot({
      client,
      contracts: { entryPoint: automation.entryPoint, protocolFees: automation.protocolFees },
      slot: { startBlock: slot.startBlock, endBlock: slot.endBlock, executor: slot.executor, epoch: slot.epoch },
      workflows: index.workflows(),
      runs: index.runsIn(slot.startBlock, slot.endBlock - 1n),
      reaction: { blocks: automation.reactionBlocks, seconds: automation.reactionSeconds },
    });
    this.replays.set(start.toString(), replay);
    if (this.replays.size > 256) this.replays.delete(this.replays.keys().next().value as string);
    return replay;
  }

  private async waitForBlock(block: bigint): Promise<void> {
    const deadline = Date.now() + (this.options.slotEndTimeoutMs ?? 60_000);
    while ((await this.options.client.getBlockNumber({ cacheTime: 0 })) < block) {
      if (this.stopped || Date.now() > deadline) throw new VerdictTaskRefusedError(`the slot has not ended (block ${block} not mined yet)`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
