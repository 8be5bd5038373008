/**
 * The multi-prover operator node. It dials the aggregator (the runtime's {@link OperatorClient}) and authenticates with
 * its BLS key (`auth.signingKey` = the operator, `auth.signature` = σ over the EIP-191 hash of the auth message). For
 * each task it:
 *
 * 1. checks the task against the deployment: the task id is the hash of (committeeId, metadata), the committee is the
 *    deployment's with exactly its quorums, and the chain is one of its proven chains;
 * 2. has its prover compute the block's state and checks the answer is signed by its own enclave key
 *    (`verifyProverState`);
 * 3. records (committeeId, metadata) → state in its journal, which refuses a different state than one signed before
 *    (equivocation is slashable);
 * 4. BLS-signs the StateHeader digest under the deployment's EIP-712 domain and answers `signatures`.
 *
 * Any failure becomes a `taskErrors` entry with the reason; nothing is signed that was not journaled first.
 */
import type { Address, Hex } from 'viem';
import type { BlsKeyPair } from '../../../core/crypto/bls.ts';
import { g1ToHex } from '../../../core/crypto/bls.ts';
import { blsSign } from '../../../core/crypto/bls-signing.ts';
import type { Logger } from '../../../core/logging.ts';
import { OperatorClient } from '../../../runtime/operators/client.ts';
import { type BlockStateQuery, blockStateHeader, blockStateTaskId } from '../aggregator/taskType.ts';
import type { MultiProverDeployment } from '../deployment.ts';
import { type MultiProverDomain, StateHeaderEncodingError, stateHeaderDigest } from '../digest.ts';
import { ProverStateError, verifyProverState } from '../prover/proverState.ts';
import type { StateProver } from '../prover/types.ts';
import { MULTI_PROVER_SERVICE, type WireSignature, type WireTask, multiProverProtocol } from '../protocol.ts';
import { EquivocationRefusedError, type StateJournal } from './journal.ts';

/** Options of {@link MultiProverOperatorNode}. */
export type MultiProverOperatorNodeOptions = {
  /** Aggregator WebSocket URL, e.g. `ws://127.0.0.1:8080/v1/operators/ws`. */
  aggregatorUrl: string;
  /** The deployment: its domain (main chain, service manager), committees and proven chains. */
  deployment: Pick<MultiProverDeployment, 'mainChainId' | 'multiProver'>;
  /** The operator's EigenLayer address. */
  operator: Address;
  /** The operator's registered BN254 key. */
  blsKey: BlsKeyPair;
  /** Computes and signs block states inside the operator's TEE. */
  prover: StateProver;
  /** The enclave key the prover signs with (its answers signed by any other key are refused). */
  proverKey: Address;
  /** Resolves once the prover is live on-chain (the attestation keeper's `ready`); tasks wait for it. Default: none. */
  proverLive?: () => Promise<void>;
  /** Signing journal (durable). */
  journal: StateJournal;
  logger: Logger;
  /** Reconnect backoff bounds in milliseconds (default 200 and 5,000). */
  reconnectDelayMs?: { min: number; max: number };
  /** Answers are flushed to the aggregator at most this many ms after they are ready (default 5). */
  flushIntervalMs?: number;
  /** Version string sent at authentication. */
  nodeVersion?: string;
};

/** Counters the node exposes (metrics, tests). */
export type MultiProverOperatorNodeStats = {
  connected: boolean;
  authenticated: boolean;
  tasksReceived: number;
  /** Tasks answered with a signature (signed now, or the same state again). */
  tasksSigned: number;
  /** Tasks answered with a task error. */
  tasksRefused: number;
  /** Of the refused: a different state than one signed before for the same (committee, metadata). */
  equivocationsRefused: number;
};

/** A task the node will not sign for a reason of the task itself (not a failure of the prover or the journal). */
export class TaskRefusedError extends Error {
  override name = 'TaskRefusedError';
}

/** A running multi-prover operator node (see the module comment). */
export class MultiProverOperatorNode {
  private stopped = false;
  private readonly inFlight = new Set<string>();
  private readonly counts = { tasksReceived: 0, tasksSigned: 0, tasksRefused: 0, equivocationsRefused: 0 };
  private readonly client: OperatorClient<WireTask, WireSignature>;
  private readonly domain: MultiProverDomain;
  private readonly committees: ReadonlyMap<string, readonly number[]>;
  private readonly provenChains: ReadonlySet<string>;

  constructor(private readonly options: MultiProverOperatorNodeOptions) {
    const { deployment, blsKey } = options;
    this.domain = { chainId: deployment.mainChainId, verifyingContract: deployment.multiProver.serviceManager };
    this.committees = new Map(deployment.multiProver.committees.map((c) => [BigInt(c.id).toString(), c.quorumNumbers]));
    this.provenChains = new Set(deployment.multiProver.provenChains.map((id) => id.toString()));
    this.client = new OperatorClient({
      url: options.aggregatorUrl,
      service: MULTI_PROVER_SERVICE,
      operator: options.operator,
      // BLS operators name themselves: the hub checks the signature against the operator's registered G2 key.
      signingKey: options.operator,
      domain: { chainId: deployment.mainChainId, serviceManager: deployment.multiProver.serviceManager },
      signAuth: (hash) => `0x${g1ToHex(blsSign(blsKey.secret, hash))}` as Hex,
      protocol: multiProverProtocol,
      onTasks: (tasks) => {
        this.counts.tasksReceived += tasks.length;
        void this.handleTasks(tasks);
      },
      logger: options.logger,
      reconnectDelayMs: options.reconnectDelayMs,
      flushIntervalMs: options.flushIntervalMs,
      nodeVersion: options.nodeVersion,
    });
  }

  /** Counters and the connection's state (a fresh object per read). */
  get stats(): MultiProverOperatorNodeStats {
    const { connected, authenticated } = this.client.stats;
    return { connected, authenticated, ...this.counts };
  }

  /** Starts dialing the aggregator; returns at once (the node keeps reconnecting in the background). */
  start(): void {
    this.stopped = false;
    this.client.start();
  }

  /** Resolves once the aggregator accepted the node's authentication. */
  authenticated(): Promise<void> {
    return this.client.authenticated();
  }

  /** Sends what is ready, then closes the connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.client.stop();
  }

  private async handleTasks(tasks: readonly WireTask[]): Promise<void> {
    const fresh = tasks.filter((t) => !this.inFlight.has(`${t.taskId}:${t.referenceEpoch}`));
    for (const t of fresh) this.inFlight.add(`${t.taskId}:${t.referenceEpoch}`);
    try {
      await Promise.all(fresh.map((task) => this.handleTask(task)));
    } finally {
      for (const t of fresh) this.inFlight.delete(`${t.taskId}:${t.referenceEpoch}`);
    }
  }

  private async handleTask(task: WireTask): Promise<void> {
    try {
      // Until its prover is live on-chain the aggregator (and confirmState) would not count the answer: hold it.
      await this.options.proverLive?.();
      const query = this.checkedQuery(task);
      const request = { chainId: query.chainId, blockNumber: query.blockNumber };
      const proven = verifyProverState(await this.options.prover.prove(request), this.options.proverKey, request);
      const answer = { blockHash: proven.blockHash, stateRoot: proven.stateRoot };
      const header = blockStateHeader(query, answer, task.referenceEpoch);
      // Journal first: a crash after signing must never leave a signature the journal does not know about.
      await this.options.journal.commit({ committeeId: query.committeeId, metadata: header.metadata, state: header.state });
      const sigma = blsSign(this.options.blsKey.secret, stateHeaderDigest(header, this.domain));
      this.counts.tasksSigned++;
      this.client.enqueue({
        answer: { taskId: task.taskId, ...answer, referenceEpoch: task.referenceEpoch, signature: `0x${g1ToHex(sigma)}` },
      });
    } catch (error) {
      if (this.stopped) return;
      const known = error instanceof TaskRefusedError || error instanceof EquivocationRefusedError || error instanceof ProverStateError || error instanceof StateHeaderEncodingError;
      const reason = known ? (error as Error).message : `prover failed: ${(error as Error).message.split('\n')[0]}`;
      this.counts.tasksRefused++;
      if (error instanceof EquivocationRefusedError) {
        this.counts.equivocationsRefused++;
        this.options.logger.error({ taskId: task.taskId, reason }, 'refused to sign a second state for the same committee and metadata');
      } else {
        this.options.logger.warn({ taskId: task.taskId, reason }, 'cannot sign task');
      }
      this.client.enqueue({ error: { taskId: task.taskId, reason } });
    }
  }

  /**
   * The task's query, checked against the deployment (never trusting the wire for what the header commits to).
   * @throws {TaskRefusedError} naming the mismatch.
   */
  private checkedQuery(task: WireTask): BlockStateQuery {
    const query: BlockStateQuery = {
      committeeId: BigInt(task.committeeId),
      chainId: BigInt(task.chainId),
      blockNumber: BigInt(task.blockNumber),
      quorumNumbers: task.quorumNumbers,
    };
    const quorums = this.committees.get(query.committeeId.toString());
    if (!quorums) throw new TaskRefusedError(`committee ${query.committeeId} is not one of the deployment's (${[...this.committees.keys()].join(', ')})`);
    if (quorums.length !== query.quorumNumbers.length || quorums.some((q, i) => q !== query.quorumNumbers[i])) {
      throw new TaskRefusedError(`quorums [${query.quorumNumbers.join(', ')}] are not committee ${query.committeeId}'s [${quorums.join(', ')}]`);
    }
    if (!this.provenChains.has(query.chainId.toString())) {
      throw new TaskRefusedError(`chain ${query.chainId} is not proven by this deployment (proven chains: ${[...this.provenChains].join(', ') || 'none'})`);
    }
    if (blockStateTaskId(query).toLowerCase() !== task.taskId.toLowerCase()) {
      throw new TaskRefusedError('task id is not the hash of its committee and metadata');
    }
    return query;
  }
}
