/**
 * The challenger (watchtower) of the state-proof service (docs/architecture.md, "Disputes"). Anyone can
 * run one: it follows the proofs the aggregator publishes, checks each against the source chain through its own RPC,
 * and on a mismatch walks the dispute to the end: StateDisputeResolver.submitChallenge with a bond, then
 * RemoteChainVerifier.verifyState on the source chain, then, once MainChainVerifier holds the bridged truth,
 * resolveChallenge, which slashes the signers and returns the bond with a reward. It then drives the slashing to
 * completion: slashRemainingSigners while signers are pending, and retrySlashes for slashes that reverted (e.g.
 * EigenLayer slashing paused), with an exponential backoff kept in the journal, until every signer is slashed or
 * skipped; it logs "slashed k of n" with the reason of each failure or skip.
 *
 * Every step is journaled ({@link ChallengerJournal}) and checks the chain before acting, so a restart resumes each
 * dispute where it stopped and never pays a bond or a bridge fee twice for the same dispute, nor retries a slash
 * before its backoff.
 */
import type { Address, Hex } from 'viem';
import type { Logger } from '../../../core/logging.ts';
import { type ProofFeedPage, type ProofTask, listProofs } from '../client.ts';
import { type ChallengerJournal, type Dispute, type NewDispute, type SignerProblem, type SlashingProgress, formatSlashing } from './journal.ts';

export type { SignerProblem } from './journal.ts';

/** What the challenger reads on source chains: the history entry at a block, once that block is final. */
export type TruthSource = {
  /** The value at a final block, and that block's timestamp (unix seconds). */
  read(chainId: number, user: Address, key: bigint, blockNumber: bigint): Promise<{ exists: boolean; value: bigint; blockTimestamp?: bigint }>;
  /** The chain's latest block number: a proof about a block beyond it attests a block that does not exist yet. */
  head?(chainId: number): Promise<bigint>;
};

/** How long the challenger waits between two reports of a block that is still not produced, ms. */
const UNPRODUCED_REPORT_INTERVAL_MS = 15_000;

/** On-chain state of a challenge in the StateDisputeResolver. */
export type ChallengeState = 'none' | 'open' | 'slashed' | 'rejected' | 'expired';

/** The resolver's slashing progress of a proven-wrong digest (getSlashing and getSignerSlashes). */
export type SlashingReport = {
  digest: Hex;
  /** Signers on record (n), slashed (k), failed (retryable), skipped (final) and not attempted yet. */
  signers: number;
  slashed: number;
  failed: number;
  skipped: number;
  pending: number;
  /** Registry weight slashed so far. */
  weightSlashed: bigint;
  /** Reward paid for the digest so far, wei. */
  rewardPaid: bigint;
  /** Registry weight slashed per slashed signer. */
  slashedWeights: { operator: Address; weight: bigint }[];
  /** Signers whose slash failed or was skipped, with the decoded reason. */
  problems: SignerProblem[];
};

/** The chain calls of a dispute (implemented with viem by {@link createDisputeChain}). */
export type DisputeChain = {
  /** Whether the main registry accepts `sigData` over the attestation (a challenge of anything else is refused). */
  proofHolds(dispute: Dispute): Promise<boolean>;
  /** The challenge's state in the resolver. */
  challengeState(challengeId: Hex): Promise<ChallengeState>;
  /** Sends submitChallenge with the bond and waits for it; returns the transaction hash. */
  submitChallenge(dispute: Dispute): Promise<Hex>;
  /** Whether MainChainVerifier already holds the verified state of the dispute's query. */
  isVerified(dispute: Dispute): Promise<boolean>;
  /** Sends RemoteChainVerifier.verifyState on the source chain (paying the bridge fee) and waits for it. */
  requestVerification(dispute: Dispute): Promise<Hex>;
  /** Sends resolveChallenge and waits for it; returns the transaction hash and the state it left. */
  resolveChallenge(dispute: Dispute): Promise<{ hash: Hex; state: ChallengeState }>;
  /** The slashing progress of the dispute's digest. */
  slashing(dispute: Dispute): Promise<SlashingReport>;
  /** Sends slashRemainingSigners(digest, the challenged signers) and waits for it. */
  slashRemainingSigners(dispute: Dispute): Promise<Hex>;
  /** Sends retrySlashes(digest, operators) for signers whose slash failed, and waits for it. */
  retrySlashes(dispute: Dispute, operators: readonly Address[]): Promise<Hex>;
};

/** Backoff of retries of failed slashes: the k-th retry waits min(baseMs × 2^k, maxMs) after the previous one. */
export type SlashRetryOptions = {
  /** Wait before the first retry, ms (default 5,000). */
  baseMs?: number;
  /** Longest wait between retries, ms (default 300,000). */
  maxMs?: number;
};

/** Options of {@link Challenger}. */
export type ChallengerOptions = {
  /** Aggregator HTTP base URL whose proof feed is followed. */
  aggregatorUrl: string;
  /** Reads one feed page; default `GET /v1/state-proofs` on `aggregatorUrl` ({@link listProofs}). */
  feed?: (cursor: string | undefined, limit: number) => Promise<ProofFeedPage>;
  truth: TruthSource;
  chain: DisputeChain;
  journal: ChallengerJournal;
  logger: Logger;
  /** Feed and dispute polling interval, ms (default 1,000). */
  pollIntervalMs?: number;
  /** Proofs read per feed page (default 100). */
  pageSize?: number;
  /** Chain ids this challenger can read; proofs of other chains are skipped with a warning. */
  chainIds: readonly number[];
  /** Backoff of retries of failed slashes. */
  slashRetry?: SlashRetryOptions;
  /** Clock, unix ms (tests); default Date.now. */
  now?: () => number;
};

/** Counters for status output and tests. */
export type ChallengerStats = { proofsChecked: number; mismatches: number; disputesResolved: number; errors: number };

/** Follows the proof feed and pursues disputes; {@link start} runs until {@link stop}. */
export class Challenger {
  readonly stats: ChallengerStats = { proofsChecked: 0, mismatches: 0, disputesResolved: 0, errors: 0 };
  private running: Promise<void> | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;
  private readonly listeners = new Set<(dispute: Dispute) => void>();
  /** Disputes about blocks not produced when found: their verification is re-requested until it counts. */
  private readonly unproduced = new Set<Hex>();
  /** When verification of a dispute was last requested, ms (in memory: after a restart the next pass may request). */
  private readonly lastRequest = new Map<Hex, number>();

  constructor(private readonly options: ChallengerOptions) {}

  /** Starts the loop (idempotent). */
  start(): void {
    this.running ??= this.loop();
  }

  /**
   * Stops at the next stage boundary: a dispute step in flight finishes its current stage (a transaction sent is waited
   * for and journaled) and goes no further, so a restarted challenger resumes from the journal. Resolves once the loop
   * has ended.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
  }

  /** Calls `listener` whenever a dispute changes stage. Returns the unsubscribe function. */
  onDispute(listener: (dispute: Dispute) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** One pass: reads the feed to its end, then moves every open dispute one step. Exposed for tests. */
  async tick(): Promise<void> {
    await this.readFeed();
    for (const dispute of await this.options.journal.open()) {
      if (this.stopped) return;
      try {
        await this.step(dispute);
      } catch (error) {
        this.stats.errors++;
        this.options.logger.warn({ challengeId: dispute.challengeId, stage: dispute.stage, err: oneLine(error) }, 'dispute step failed; retrying');
      }
    }
  }

  private async loop(): Promise<void> {
    const interval = this.options.pollIntervalMs ?? 1_000;
    while (!this.stopped) {
      try {
        await this.tick();
      } catch (error) {
        this.stats.errors++;
        this.options.logger.warn({ err: oneLine(error) }, 'challenger pass failed; retrying');
      }
      if (this.stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, interval);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private async readFeed(): Promise<void> {
    const { journal } = this.options;
    let cursor = await journal.cursor();
    for (;;) {
      if (this.stopped) return;
      const limit = this.options.pageSize ?? 100;
      const page = this.options.feed ? await this.options.feed(cursor, limit) : await listProofs(this.options.aggregatorUrl, cursor, limit);
      for (const proof of page.proofs) await this.check(proof);
      if (page.next && page.next !== cursor) {
        cursor = page.next;
        await journal.saveCursor(cursor);
      }
      if (page.proofs.length < limit) return;
    }
  }

  /** Compares one published proof with the source chain; records a dispute on a mismatch. */
  private async check(proof: ProofTask): Promise<void> {
    const a = proof.attestation;
    if (proof.status !== 'aggregated' || a.value === null || a.exists === null || !proof.sigData) return;
    const chainId = Number(a.chainId);
    if (!this.options.chainIds.includes(chainId)) {
      this.options.logger.warn({ taskId: proof.taskId, chainId }, 'proof of a chain this challenger does not read; skipped');
      return;
    }
    // A block beyond the head does not exist: the claim is wrong whatever it says (and waiting for the block to become
    // final would stall the feed on a block far in the future).
    const head = this.options.truth.head ? await this.options.truth.head(chainId) : undefined;
    const unproduced = head !== undefined && a.blockNumber > head;
    const truth = unproduced ? { value: 0n, exists: false } : await this.options.truth.read(chainId, a.user, a.key, a.blockNumber);
    this.stats.proofsChecked++;
    const timestampWrong = !unproduced && 'blockTimestamp' in truth && truth.blockTimestamp !== undefined && truth.blockTimestamp !== a.timestamp;
    if (!unproduced && !timestampWrong && truth.value === a.value && truth.exists === a.exists) return;
    if (unproduced) this.unproduced.add(proof.taskId);
    this.stats.mismatches++;
    const dispute: NewDispute = {
      challengeId: proof.taskId,
      chainId: a.chainId,
      user: a.user,
      key: a.key,
      blockNumber: a.blockNumber,
      timestamp: a.timestamp,
      epoch: a.epoch,
      claimed: { value: a.value, exists: a.exists },
      truth: { value: truth.value, exists: truth.exists },
      sigData: proof.sigData,
    };
    if (await this.options.journal.add(dispute)) {
      this.options.logger.warn(
        { challengeId: proof.taskId, chainId, claimed: a.value.toString(), truth: truth.value.toString(), unproduced, timestampWrong, signers: proof.signers.length },
        unproduced ? 'attestation of a block not produced yet found' : timestampWrong ? 'attestation with a wrong block timestamp found' : 'wrong attestation found',
      );
      this.notify({ ...dispute, stage: 'found', detail: null, slashing: null, slashAttempts: 0, nextSlashAt: null });
    }
  }

  /**
   * Moves one dispute through as many stages as it can now (until it must wait for the bridge, or {@link stop} is
   * called), checking the chain before each so a step is never done twice.
   */
  private async step(dispute: Dispute): Promise<void> {
    const { chain, journal, logger } = this.options;
    const log = logger.child({ challengeId: dispute.challengeId });
    const advance = async (stage: Dispute['stage'], detail: string | null) => {
      await journal.advance(dispute.challengeId, stage, detail);
      const next = { ...dispute, stage, detail };
      if (stage === 'resolved') this.stats.disputesResolved++;
      this.notify(next);
      return next;
    };

    if (dispute.stage === 'found') {
      const state = await chain.challengeState(dispute.challengeId);
      if (state === 'open') {
        log.info('challenge already open on chain');
        dispute = await advance('challenged', 'already open');
      } else if (state !== 'none') {
        await advance('abandoned', `challenge already ${state}`);
        return;
      } else if (!(await chain.proofHolds(dispute))) {
        await advance('abandoned', 'the proof no longer verifies on the main registry (too old, or the signers left)');
        return;
      } else {
        const hash = await chain.submitChallenge(dispute);
        log.info({ hash }, 'challenge submitted');
        dispute = await advance('challenged', hash);
      }
    }
    // stop() takes effect between stages: what is done is journaled and a restart resumes from there.
    if (this.stopped) return;
    if (dispute.stage === 'challenged') {
      if (await chain.isVerified(dispute)) {
        dispute = await advance('verified', 'already verified');
      } else {
        const hash = await chain.requestVerification(dispute);
        this.lastRequest.set(dispute.challengeId, Date.now());
        log.info({ hash, chainId: dispute.chainId.toString() }, 'verification requested on the source chain');
        dispute = await advance('verifying', hash);
      }
    }
    if (this.stopped) return;
    if (dispute.stage === 'verifying') {
      if (!(await chain.isVerified(dispute))) {
        const state = await chain.challengeState(dispute.challengeId);
        // The deadline passed without the bridged truth: resolving now returns the bond.
        if (state === 'open') {
          const expired = await chain.resolveChallenge(dispute).catch(() => undefined);
          if (expired && expired.state !== 'open') {
            // The truth can land between the check above and this call: then it slashed, and the slashing is driven on.
            await advance(expired.state === 'slashed' ? 'slashing' : 'resolved', `${expired.state} (${expired.hash})`);
          } else if (await this.reportAgain(dispute)) {
            // A block that was not produced: a report counts only from a little after the challenge (clock skew), so
            // report again (or verify the block, if it has been produced since) until the resolver can decide.
            const hash = await chain.requestVerification(dispute);
            this.lastRequest.set(dispute.challengeId, Date.now());
            log.info({ hash }, 'verification of a block not produced at the challenge requested again');
          }
        } else if (state !== 'none') {
          // Someone else resolved it; a proven-wrong proof still needs its slashing driven to the end.
          await advance(state === 'slashed' ? 'slashing' : 'resolved', state);
        }
        return;
      }
      dispute = await advance('verified', dispute.detail);
    }
    if (this.stopped) return;
    if (dispute.stage === 'verified') {
      const state = await chain.challengeState(dispute.challengeId);
      if (state !== 'open') {
        dispute = await advance(state === 'slashed' ? 'slashing' : 'resolved', state);
      } else {
        const result = await chain.resolveChallenge(dispute);
        log.warn({ hash: result.hash, state: result.state }, 'challenge resolved');
        dispute = await advance(result.state === 'slashed' ? 'slashing' : 'resolved', `${result.state} (${result.hash})`);
      }
    }
    if (this.stopped) return;
    if (dispute.stage === 'slashing') await this.driveSlashing(dispute, log, advance);
  }

  /**
   * Whether to request the verification of an undecided dispute again: its block was not produced when the dispute was
   * found (or still is not), and the last request is {@link UNPRODUCED_REPORT_INTERVAL_MS} old.
   */
  private async reportAgain(dispute: Dispute): Promise<boolean> {
    const last = this.lastRequest.get(dispute.challengeId) ?? 0;
    if (Date.now() - last < UNPRODUCED_REPORT_INTERVAL_MS) return false;
    if (this.unproduced.has(dispute.challengeId)) return true;
    const head = this.options.truth.head ? await this.options.truth.head(Number(dispute.chainId)) : undefined;
    if (head === undefined || dispute.blockNumber <= head) return false;
    this.unproduced.add(dispute.challengeId);
    return true;
  }

  /**
   * One pass of the slashing of a proven-wrong proof: slashes the pending signers, retries the failed ones once their
   * backoff has passed (the retry is journaled before it is sent), records "slashed k of n" and, once no signer is
   * pending or failed, resolves the dispute. The chain is read first, so nothing already done is sent again.
   */
  private async driveSlashing(
    dispute: Dispute,
    log: Logger,
    advance: (stage: Dispute['stage'], detail: string | null) => Promise<Dispute>,
  ): Promise<void> {
    const { chain, journal } = this.options;
    const now = this.options.now ?? Date.now;
    let report = await chain.slashing(dispute);
    if (report.pending > 0) {
      const hash = await chain.slashRemainingSigners(dispute);
      report = await chain.slashing(dispute);
      log.info({ hash, ...counts(report) }, `slashRemainingSigners: ${formatSlashing(progressOf(report))}`);
    }
    if (report.pending === 0 && report.failed > 0) {
      if (dispute.nextSlashAt === null) {
        // First seen failing: the slash was just attempted, so wait a first backoff before retrying.
        const next = now() + this.backoff(dispute.slashAttempts);
        await journal.scheduleSlashRetry(dispute.challengeId, dispute.slashAttempts, next);
        dispute = { ...dispute, nextSlashAt: next };
      } else if (now() >= dispute.nextSlashAt) {
        const attempts = dispute.slashAttempts + 1;
        const next = now() + this.backoff(attempts);
        await journal.scheduleSlashRetry(dispute.challengeId, attempts, next);
        dispute = { ...dispute, slashAttempts: attempts, nextSlashAt: next };
        const failed = report.problems.filter((p) => p.state === 'failed').map((p) => p.operator);
        const hash = await chain.retrySlashes(dispute, failed);
        report = await chain.slashing(dispute);
        log.info({ hash, retry: attempts, ...counts(report) }, `retried ${failed.length} failed slashes: ${formatSlashing(progressOf(report))}`);
      }
    }
    const progress = progressOf(report);
    const previous = dispute.slashing ? formatSlashing(dispute.slashing) : undefined;
    await journal.saveSlashing(dispute.challengeId, progress);
    const summary = formatSlashing(progress);
    if (report.pending === 0 && report.failed === 0) {
      const perSigner = Object.fromEntries(report.slashedWeights.map((s) => [s.operator, s.weight.toString()]));
      log.warn({ ...counts(report), rewardPaid: progress.rewardPaid, weightSlashed: perSigner }, `slashing done: ${summary}`);
      await advance('resolved', dispute.detail);
    } else if (summary !== previous) {
      const retryInMs = dispute.nextSlashAt === null ? undefined : Math.max(0, dispute.nextSlashAt - now());
      log.warn({ ...counts(report), retryInMs }, `slashing unfinished: ${summary}`);
    }
  }

  private backoff(attempts: number): number {
    const base = this.options.slashRetry?.baseMs ?? 5_000;
    const max = this.options.slashRetry?.maxMs ?? 300_000;
    return Math.min(base * 2 ** Math.min(attempts, 30), max);
  }

  private notify(dispute: Dispute): void {
    for (const listener of this.listeners) {
      try {
        listener(dispute);
      } catch (error) {
        this.options.logger.error({ err: oneLine(error) }, 'dispute listener failed');
      }
    }
  }
}

function counts(r: SlashingReport) {
  return { signers: r.signers, slashed: r.slashed, failed: r.failed, skipped: r.skipped, pending: r.pending };
}

function progressOf(r: SlashingReport): SlashingProgress {
  return { ...counts(r), rewardPaid: r.rewardPaid.toString(), problems: r.problems };
}

function oneLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0];
}
