/**
 * An AVS's epoch publisher (docs/architecture.md: "Registration", "Replication of operator sets to remote
 * chains", "Rewards"; decision publisher-0001). Each pass, against main-chain time:
 *
 * 1. Weight refresh: once per epoch, before its grace period starts, it calls `ECDSAStakeRegistry.updateOperators` when
 *    any operator's delegated stake no longer matches its registered weight, so the change lands in the next epoch.
 * 2. Replication: for every remote chain with a LightStakeRegistry, when the latest finalized epoch's operator set
 *    (`EpochManager.finalizedEpoch()`) has not reached that chain, it pays `EpochManager.sendStateUpdates(chainId)` with
 *    the quoted bridge fee. A send still in flight is not repeated until `resendAfterMs` has passed.
 * 3. Rewards, when configured: once an epoch has ended and none of its
 *    tasks is still being signed, it splits the per-epoch budget between the operators who signed its proofs
 *    (docs/rewards.md) and calls `ServiceManager.submitReward`. An epoch whose period already has a `RewardSubmitted`
 *    event on chain is never paid twice, across restarts too; epochs missed while the publisher was down are paid on its
 *    return, as far back as the RewardsCoordinator's `MAX_RETROACTIVE_LENGTH` allows.
 *
 * Holds no state that matters: every decision is re-read from the chains, so a restarted publisher simply carries on, and
 * two publishers at worst pay one duplicate bridge fee (the receiver drops the duplicate message).
 */
import { type Address, type Hex, type PrivateKeyAccount, type PublicClient, getAddress } from 'viem';
import { ECDSAStakeRegistryAbi, EpochManagerAbi, LightStakeRegistryAbi, ServiceManagerBaseAbi } from '../core/chain/abis/generated/index.ts';
import { makePublicClient, makeWalletClient } from '../core/chain/clients.ts';
import { type Deployment, mainChainOf } from '../core/chain/deployment.ts';
import { epochAt, epochInterval } from '../core/epochs.ts';
import type { Logger } from '../core/logging.ts';
import { readOperatorWeights, readQuorum, readRewardsCoordinatorParams, sendRewardSubmission } from './rewards/chain.ts';
import { computeEpochRewards } from './rewards/epoch.ts';
import { EmptyRewardSplitError, RewardSubmissionError } from './rewards/errors.ts';
import type { EpochRecordSource } from './rewards/records.ts';
import { requireOperatorRewards } from './rewards/split.ts';
import { type RewardsCoordinatorParams, buildRewardsSubmission, rewardPeriodOfEpoch } from './rewards/submission.ts';

/** `sendStateUpdates` gets its gas estimate plus 1/this of it (20 %). */
const SEND_GAS_HEADROOM_DIVISOR = 5n;

/** The AVS an {@link EpochPublisher} keeps: its contracts on the main chain and its registry replicas on remote chains. */
export type PublishedAvs = {
  /** Service name, in the rewards' description (`avs-stack <name> rewards, epoch N`). */
  name: string;
  serviceManager: Address;
  stakeRegistry: Address;
  epochManager: Address;
  /** LightStakeRegistry of each remote chain, by chain id. */
  remoteRegistries: ReadonlyMap<number, Address>;
};

/** Options of {@link EpochPublisher}. */
export type EpochPublisherOptions = {
  /** The deployment's core fields: chains, epoch clock, EigenLayer (the RewardsCoordinator). */
  deployment: Pick<Deployment, 'mainChainId' | 'chains' | 'epoch' | 'eigenlayer'>;
  avs: PublishedAvs;
  /** Pays for the publisher's transactions (weight refreshes, bridge fees). */
  account: PrivateKeyAccount;
  /** Public clients by chain id; default one per deployment chain. */
  clients?: ReadonlyMap<number, PublicClient>;
  logger: Logger;
  /** Pass interval, ms (default 2,000). */
  intervalMs?: number;
  /** A state update not seen on the remote chain after this long is sent again, ms (default 60,000). */
  resendAfterMs?: number;
  /**
   * Pays each ended epoch's rewards: `budgetPerEpoch` base units of `token` split by the proofs signed (read from the
   * aggregator's task store through `source`). The publisher's account must be the ServiceManager's rewards initiator
   * and hold the tokens.
   */
  rewards?: { source: EpochRecordSource; token: Address; budgetPerEpoch: bigint };
  /**
   * First main-chain block searched for the ServiceManager's `RewardSubmitted` events (default 0). On a public network,
   * the ServiceManager's deployment block: later passes search only the blocks that came since.
   */
  eventsFromBlock?: bigint;
};

/** What the publisher has done, for metrics and tests. */
export type EpochPublisherStats = {
  passes: number;
  weightRefreshes: number;
  stateUpdatesSent: number;
  errors: number;
  /** Latest finalized epoch seen on each remote chain's registry, by chain id. */
  remoteEpochs: Record<number, number | null>;
  rewardsSubmitted: number;
  /** Last epoch whose rewards were paid or found needing none. */
  rewardedEpoch: number | null;
};

/** Runs {@link EpochPublisher.tick} every interval until stopped. */
export class EpochPublisher {
  readonly stats: EpochPublisherStats = {
    passes: 0,
    weightRefreshes: 0,
    stateUpdatesSent: 0,
    errors: 0,
    remoteEpochs: {},
    rewardsSubmitted: 0,
    rewardedEpoch: null,
  };
  private readonly clients: ReadonlyMap<number, PublicClient>;
  private readonly inFlight = new Map<number, { epoch: number; at: number }>();
  /** Reward periods (start, unix seconds) already submitted, from `RewardSubmitted` events up to the block scanned. */
  private readonly rewardedPeriodStarts = new Set<number>();
  private rewardEventsScannedTo: bigint;
  private refreshedEpoch = -1;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: EpochPublisherOptions) {
    this.clients =
      options.clients ?? new Map(options.deployment.chains.map((c) => [c.chainId, makePublicClient(c.chainId, c.rpcUrl)] as const));
    this.rewardEventsScannedTo = (options.eventsFromBlock ?? 0n) - 1n;
  }

  /** Starts the periodic passes (the first one at once). */
  start(): void {
    if (this.timer || this.stopped) return;
    const run = () => {
      this.running = this.tick()
        .catch(() => {})
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(run, this.options.intervalMs ?? 2_000);
        });
    };
    run();
  }

  /** Stops after the current pass. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pass: refresh weights if due, then replicate to every remote chain that lacks the finalized set. */
  async tick(): Promise<void> {
    this.stats.passes++;
    const { deployment, logger } = this.options;
    const main = mainChainOf(deployment);
    const client = this.client(main.chainId);
    try {
      const now = (await client.getBlock({ blockTag: 'latest' })).timestamp;
      if (now >= deployment.epoch.genesis) await this.refreshWeights(client, now);
    } catch (error) {
      this.stats.errors++;
      logger.warn({ err: oneLine(error) }, 'weight refresh failed; retrying next pass');
    }
    if (this.options.rewards) {
      try {
        await this.payRewards(client);
      } catch (error) {
        this.stats.errors++;
        logger.warn({ err: oneLine(error) }, 'rewards submission failed; retrying next pass');
      }
    }
    for (const [chainId, lightStakeRegistry] of this.options.avs.remoteRegistries) {
      if (chainId === main.chainId) continue;
      try {
        await this.replicate(client, chainId, lightStakeRegistry);
      } catch (error) {
        this.stats.errors++;
        logger.warn({ chainId, err: oneLine(error) }, 'state update failed; retrying next pass');
      }
    }
  }

  private async refreshWeights(client: PublicClient, now: bigint): Promise<void> {
    const { deployment } = this.options;
    const epoch = epochAt(deployment.epoch, now);
    if (epoch === this.refreshedEpoch || now >= epochInterval(deployment.epoch, epoch).graceStart) return;
    const registry = { address: this.options.avs.stakeRegistry, abi: ECDSAStakeRegistryAbi } as const;
    const operators = await client.readContract({ ...registry, functionName: 'getOperators' });
    const stale: Address[] = [];
    for (const operator of operators) {
      const [current, registered] = await Promise.all([
        client.readContract({ ...registry, functionName: 'computeOperatorWeight', args: [operator] }),
        client.readContract({ ...registry, functionName: 'getLatestOperatorWeight', args: [operator] }),
      ]);
      if (current !== registered) stale.push(operator);
    }
    if (stale.length > 0) {
      const hash = await this.wallet().writeContract({ ...registry, functionName: 'updateOperators', args: [stale] });
      await this.expectSuccess(client, hash, 'updateOperators');
      this.stats.weightRefreshes++;
      this.options.logger.info({ epoch, operators: stale.length, hash }, 'operator weights refreshed');
    }
    this.refreshedEpoch = epoch;
  }

  private async replicate(mainClient: PublicClient, chainId: number, lightStakeRegistry: Address): Promise<void> {
    const { logger } = this.options;
    const epochManager = { address: this.options.avs.epochManager, abi: EpochManagerAbi } as const;
    const epoch = await mainClient.readContract({ ...epochManager, functionName: 'finalizedEpoch' });
    const received = await this.client(chainId).readContract({
      address: lightStakeRegistry,
      abi: LightStakeRegistryAbi,
      functionName: 'isEpochReceived',
      args: [epoch],
    });
    if (received) {
      this.stats.remoteEpochs[chainId] = epoch;
      this.inFlight.delete(chainId);
      return;
    }
    const pending = this.inFlight.get(chainId);
    if (pending && pending.epoch === epoch && Date.now() - pending.at < (this.options.resendAfterMs ?? 60_000)) return;
    const fee = await mainClient.readContract({ ...epochManager, functionName: 'quoteStateUpdates', args: [BigInt(chainId)] });
    const call = { ...epochManager, functionName: 'sendStateUpdates', args: [BigInt(chainId)], value: fee, account: this.options.account } as const;
    // The set is read again when the transaction runs: a registration landing first adds a known operator to scan, so
    // an exact estimate would run out of gas. Headroom costs nothing unless used.
    const gas = await mainClient.estimateContractGas(call);
    const hash = await this.wallet().writeContract({ ...call, gas: gas + gas / SEND_GAS_HEADROOM_DIVISOR });
    await this.expectSuccess(mainClient, hash, 'sendStateUpdates');
    this.inFlight.set(chainId, { epoch, at: Date.now() });
    this.stats.stateUpdatesSent++;
    logger.info({ chainId, epoch, fee: fee.toString(), hash }, 'operator set sent to remote chain');
  }

  /**
   * Pays every ended epoch not paid yet, oldest first: after a restart or an outage that spans epochs, back to the
   * oldest one the RewardsCoordinator still takes (`MAX_RETROACTIVE_LENGTH`). Stops at the first epoch that is not
   * ready (its tasks still signing, or its period not over), to come back to it next pass.
   */
  private async payRewards(client: PublicClient): Promise<void> {
    const { deployment } = this.options;
    const now = (await client.getBlock({ blockTag: 'latest' })).timestamp;
    if (now < deployment.epoch.genesis) return;
    const lastEnded = epochAt(deployment.epoch, now) - 1;
    if (lastEnded < 0 || (this.stats.rewardedEpoch !== null && lastEnded <= this.stats.rewardedEpoch)) return;
    const coordinator = await readRewardsCoordinatorParams(client, deployment.eigenlayer.rewardsCoordinator);
    const retroactiveFrom = now - BigInt(coordinator.maxRetroactiveLength);
    const oldestPayable = retroactiveFrom <= deployment.epoch.genesis ? 0 : epochAt(deployment.epoch, retroactiveFrom) + 1;
    const first = Math.max(oldestPayable, this.stats.rewardedEpoch === null ? 0 : this.stats.rewardedEpoch + 1);
    for (let epoch = first; epoch <= lastEnded; epoch++) {
      if (!(await this.payEpoch(client, epoch, now, coordinator))) return;
    }
  }

  /** Pays one ended epoch if it needs it; false when it is not ready yet (try again next pass). */
  private async payEpoch(client: PublicClient, epoch: number, now: bigint, coordinator: RewardsCoordinatorParams): Promise<boolean> {
    const { deployment, logger } = this.options;
    const rewards = this.options.rewards!;
    const done = (why: string) => {
      this.stats.rewardedEpoch = epoch;
      logger.info({ epoch }, why);
      return true;
    };

    let period;
    try {
      period = rewardPeriodOfEpoch(deployment.epoch, epoch, coordinator.calculationIntervalSeconds);
    } catch (error) {
      if (error instanceof RewardSubmissionError) return done(`epoch cannot be rewarded on its own: ${error.message}`);
      throw error;
    }
    // An epoch ending on the calculation grid ends its period too, and the RewardsCoordinator takes only periods that
    // ended before the block: at that very second the submission would be refused, so wait for the next pass.
    if (BigInt(period.startTimestamp + period.duration) >= now) return false;
    if (await this.rewardSubmittedFor(client, period.startTimestamp)) return done('epoch rewards already submitted');

    const report = await computeEpochRewards({
      source: rewards.source,
      epoch,
      budget: rewards.budgetPerEpoch,
      weights: (operators, at) => readOperatorWeights(client, this.options.avs.stakeRegistry, operators, at),
    });
    if (report.tasks.unfinished > 0) return false;
    let operatorRewards;
    try {
      operatorRewards = requireOperatorRewards(report.split, epoch);
    } catch (error) {
      if (error instanceof EmptyRewardSplitError) return done('no proofs signed in the epoch; nothing to reward');
      throw error;
    }
    const submission = buildRewardsSubmission({
      epoch,
      clock: deployment.epoch,
      coordinator,
      quorum: await readQuorum(client, this.options.avs.stakeRegistry),
      token: rewards.token,
      operatorRewards,
      description: `avs-stack ${this.options.avs.name} rewards, epoch ${epoch}`,
      now,
    });
    const sent = await sendRewardSubmission({ client, wallet: this.wallet(), serviceManager: this.options.avs.serviceManager, submission });
    this.stats.rewardsSubmitted++;
    this.stats.rewardedEpoch = epoch;
    this.rewardedPeriodStarts.add(period.startTimestamp);
    logger.info({ epoch, operators: operatorRewards.length, total: sent.total.toString(), hash: sent.submitTransaction }, 'epoch rewards submitted');
    return true;
  }

  /**
   * Whether a `RewardSubmitted` event of the ServiceManager already covers the period starting at `startTimestamp`.
   * The periods seen are kept, so each pass reads only the blocks since the last one.
   */
  private async rewardSubmittedFor(client: PublicClient, startTimestamp: number): Promise<boolean> {
    const latest = await client.getBlockNumber({ cacheTime: 0 });
    if (latest > this.rewardEventsScannedTo) {
      const events = await client.getContractEvents({
        address: this.options.avs.serviceManager,
        abi: ServiceManagerBaseAbi,
        eventName: 'RewardSubmitted',
        args: { token: getAddress(this.options.rewards!.token) },
        fromBlock: this.rewardEventsScannedTo + 1n,
        toBlock: latest,
      });
      for (const e of events) if (e.args.startTimestamp !== undefined) this.rewardedPeriodStarts.add(Number(e.args.startTimestamp));
      this.rewardEventsScannedTo = latest;
    }
    return this.rewardedPeriodStarts.has(startTimestamp);
  }


  private wallet() {
    const main = mainChainOf(this.options.deployment);
    return makeWalletClient(main.chainId, main.rpcUrl, this.options.account);
  }

  private client(chainId: number): PublicClient {
    const client = this.clients.get(chainId);
    if (!client) throw new Error(`no client for chain ${chainId}`);
    return client;
  }

  private async expectSuccess(client: PublicClient, hash: Hex, what: string): Promise<void> {
    const receipt = await client.waitForTransactionReceipt({ hash, timeout: 60_000 });
    if (receipt.status !== 'success') throw new Error(`${what} reverted (${hash})`);
  }
}

function oneLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0];
}
