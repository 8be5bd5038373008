/**
 * An automation operator node: one chain index and one arrangement reader shared by its two roles,
 *
 * - the {@link AutomationExecutor}, which runs the due workflows in the operator's own slots (from its delegated
 *   signer), and
 * - the {@link AutomationAttester}, which replays other executors' ended slots and signs verdicts for the aggregator.
 *
 * Stopping the node never deactivates the operator: its slots stay its duty until `deactivate` is sent explicitly, so
 * a restart costs at most the slots it was down for.
 */
import type { Address, LocalAccount, PublicClient } from 'viem';
import type { SigningKey } from '../../../core/crypto/ecdsa.ts';
import type { Logger } from '../../../core/logging.ts';
import { createArrangementReader } from '../arrangements.ts';
import { AutomationChainIndex } from '../chainIndex.ts';
import type { AutomationDeployment } from '../deployment.ts';
import { type AutomationAttesterStats, AutomationAttester } from './attester.ts';
import { type AutomationExecutorStats, AutomationExecutor } from './executor.ts';

/** Options of {@link AutomationOperatorNode}. */
export type AutomationOperatorNodeOptions = {
  deployment: Pick<AutomationDeployment, 'mainChainId' | 'automation'>;
  /** Main-chain client (index, replays). */
  client: PublicClient;
  /** Main-chain HTTP RPC URL (the executor's simulations and transactions) and, optionally, its WebSocket URL. */
  rpcUrl: string;
  wsUrl?: string;
  /** Aggregator WebSocket URL (`ws://…/v1/operators/ws`); without it the node executes but does not attest. */
  aggregatorUrl?: string;
  /** The operator's EigenLayer address. */
  operator: Address;
  /** Its signing key in the automation stake registry (verdicts, authentication). */
  signingKey: SigningKey;
  /** The account that sends executions: its delegated signer, or the operator key. */
  executionAccount: LocalAccount;
  /** First block of the automation contracts' events (the deployment's block; default 0). */
  fromBlock?: bigint;
  /** FAULT INJECTION (devnet demos only): the executor idles in its own slots. */
  skipSlots?: boolean;
  /** Priority fee of executions (wei per gas); default 1 gwei. */
  priorityFee?: bigint;
  logger: Logger;
  nodeVersion?: string;
};

/** Counters of both roles. */
export type AutomationOperatorNodeStats = { executor: AutomationExecutorStats; attester: AutomationAttesterStats | undefined };

/** See the module comment. */
export class AutomationOperatorNode {
  readonly index: AutomationChainIndex;
  readonly executor: AutomationExecutor;
  readonly attester: AutomationAttester | undefined;

  constructor(options: AutomationOperatorNodeOptions) {
    const { deployment, client, logger } = options;
    const a = deployment.automation;
    this.index = new AutomationChainIndex({ client, contracts: a, fromBlock: options.fromBlock, logger: logger.child({ component: 'index' }) });
    const arrangements = createArrangementReader(client, a.executorSchedule);
    this.executor = new AutomationExecutor({
      chainId: deployment.mainChainId,
      rpcUrl: options.rpcUrl,
      wsUrl: options.wsUrl,
      section: a,
      operator: options.operator,
      account: options.executionAccount,
      // The workflows active in the state the next block starts from.
      candidates: async (head) => {
        await this.index.sync(head);
        return this.index.activeAt(head + 1n).map((w) => ({ vault: w.vault, id: w.id }));
      },
      priorityFee: options.priorityFee,
      skipSlots: options.skipSlots,
      logger: logger.child({ component: 'executor' }),
    });
    this.attester = options.aggregatorUrl
      ? new AutomationAttester({
          aggregatorUrl: options.aggregatorUrl,
          deployment,
          client,
          operator: options.operator,
          signingKey: options.signingKey,
          index: this.index,
          arrangements,
          logger: logger.child({ component: 'attester' }),
          nodeVersion: options.nodeVersion,
        })
      : undefined;
  }

  /** Counters of both roles (fresh objects per read). */
  get stats(): AutomationOperatorNodeStats {
    return { executor: this.executor.stats, attester: this.attester?.stats };
  }

  /** Starts both roles; returns once the executor follows blocks (the attester keeps dialing in the background). */
  async start(): Promise<void> {
    await this.executor.start();
    this.attester?.start();
  }

  /** Stops both roles (waits for transactions in flight). Does not deactivate the operator. */
  async stop(): Promise<void> {
    await Promise.all([this.executor.stop(), this.attester?.stop()]);
  }
}
