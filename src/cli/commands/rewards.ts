/**
 * `avs rewards split|submit`: operator rewards per epoch (docs/rewards.md). `split` reads the
 * aggregator database and prints who gets what; `submit` sends the same split to `ServiceManager.submitReward` from the
 * rewards initiator.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Hex, PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { makePublicClient, makeWalletClient } from '../../core/chain/clients.ts';
import type { StateProofsChain, StateProofsDeployment } from '../../services/state-proofs/deployment.ts';
import type { StateProofStore } from '../../services/state-proofs/aggregator/store.ts';
import { epochInterval } from '../../core/epochs.ts';
import type { EpochRewardReport } from '../../runtime/rewards/epoch.ts';
import type { OperatorDirectedRewardsSubmission } from '../../runtime/rewards/submission.ts';
import { CommandFailedError, UsageError } from '../errors.ts';
import { createProgress, printFields, printJson } from '../output.ts';
import { loadDeployment, parseAddress, parseCount, parseUint, resolveChain, resolvePrivateKeyHex } from '../options.ts';

type CommonOptions = { deployment?: string; epoch: string; budget: string; db?: string; rpc?: string; json?: boolean };

const DEFAULT_DB = join('.avs', 'aggregator.sqlite');

/** Adds `rewards split` and `rewards submit` to the program. */
export function registerRewardsCommands(program: Command): void {
  const rewards = program.command('rewards').description('operator rewards per epoch: split a budget by proofs signed and weight, then submit it');

  rewards
    .command('split')
    .description('print how <budget> would be split for <epoch> (reads only; nothing is sent)')
    .requiredOption('--epoch <n>', 'reference epoch of the proofs to reward')
    .requiredOption('--budget <amount>', 'what the epoch pays out, in token base units (e.g. wei)')
    .option('--weights <source>', 'operator weights at the epoch: chain (the registry) or aggregator (its stored copy, no RPC)', 'chain')
    .option('--db <path>', `aggregator SQLite file (default ${DEFAULT_DB}); DATABASE_URL selects Postgres instead`)
    .option('--rpc <url>', 'main chain RPC endpoint (default: the deployment’s)')
    .option('--json', 'print the split as JSON (amounts as decimal strings)')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<CommonOptions & { weights: string }>();
      const epoch = parseEpoch(opts.epoch);
      const budget = parseUint('--budget', opts.budget);
      if (opts.weights !== 'chain' && opts.weights !== 'aggregator') {
        throw new UsageError(`--weights must be chain or aggregator, got "${opts.weights}"`);
      }
      const chain = opts.weights === 'chain' ? mainChain(loadDeployment(opts.deployment), opts.rpc) : undefined;
      const report = await withAggregatorStore(opts.db, async (store) => {
        const { computeEpochRewards } = await import('../../runtime/rewards/epoch.ts');
        const { stateProofRecordSource } = await import('../../services/state-proofs/aggregator/publisher.ts');
        return computeEpochRewards({ source: stateProofRecordSource(store), epoch, budget, weights: chain ? chainWeights(chain.client, chain.deployment) : 'aggregator' });
      });
      const ended = chain ? await epochEnded(chain.client, chain.deployment, epoch) : undefined;
      warnAbout(report, ended);
      if (opts.json) printJson(splitJson(report));
      else printSplitTable(report);
    });

  rewards
    .command('submit')
    .description('split <budget> for <epoch> and send it to ServiceManager.submitReward from the rewards initiator (approves the ServiceManager first)')
    .requiredOption('--epoch <n>', 'reference epoch of the proofs to reward (must have ended, with no task still signing)')
    .requiredOption('--budget <amount>', 'what the epoch pays out, in token base units (e.g. wei)')
    .requiredOption('--token <address>', 'ERC-20 the rewards are paid in')
    .option('--description <text>', 'description stored with the submission (default: "avs-stack state-proofs rewards, epoch <n>")')
    .option('--key <hex>', 'rewards initiator private key, plain hex: devnets (default: $AVS_REWARDS_INITIATOR_KEY)')
    .option('--ecdsa-keystore <file>', 'rewards initiator key from an encrypted keystore')
    .option('--password-file <path>', 'keystore password file (default: $AVS_KEYSTORE_PASSWORD, else a prompt)')
    .option('--dry-run', 'build and check the submission, print it, send nothing')
    .option('--db <path>', `aggregator SQLite file (default ${DEFAULT_DB}); DATABASE_URL selects Postgres instead`)
    .option('--rpc <url>', 'main chain RPC endpoint (default: the deployment’s)')
    .option('--json', 'print the result as JSON')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<
        CommonOptions & { token: string; description?: string; key?: string; ecdsaKeystore?: string; passwordFile?: string; dryRun?: boolean }
      >();
      const epoch = parseEpoch(opts.epoch);
      const budget = parseUint('--budget', opts.budget);
      const token = parseAddress('--token', opts.token);
      if (opts.key && opts.ecdsaKeystore) throw new UsageError('give --key or --ecdsa-keystore, not both');
      // The key is resolved before any work, so a missing key or a wrong password fails at once.
      const privateKey = opts.dryRun
        ? undefined
        : opts.ecdsaKeystore
          ? await openKeystore(opts.ecdsaKeystore, opts.passwordFile)
          : resolvePrivateKeyHex('--key', opts.key, 'AVS_REWARDS_INITIATOR_KEY');
      const { client, deployment, chain } = mainChain(loadDeployment(opts.deployment), opts.rpc);
      const progress = createProgress({ quiet: opts.json });
      try {
        progress.step(`reading epoch ${epoch}'s proofs and weights`);
        const report = await withAggregatorStore(opts.db, async (store) => {
          const { computeEpochRewards } = await import('../../runtime/rewards/epoch.ts');
          const { stateProofRecordSource } = await import('../../services/state-proofs/aggregator/publisher.ts');
          return computeEpochRewards({ source: stateProofRecordSource(store), epoch, budget, weights: chainWeights(client, deployment) });
        });
        const { EpochNotSettledError } = await import('../../runtime/rewards/errors.ts');
        const { requireOperatorRewards } = await import('../../runtime/rewards/split.ts');
        const ended = await epochEnded(client, deployment, epoch);
        if (!ended.ended) throw new EpochNotSettledError(`epoch ${epoch} has not ended (it ends at ${ended.end}, chain time is ${ended.now})`);
        if (report.tasks.unfinished > 0) {
          throw new EpochNotSettledError(`${report.tasks.unfinished} of epoch ${epoch}'s tasks are still being signed; submit once they are aggregated or failed`);
        }
        const operatorRewards = requireOperatorRewards(report.split, epoch);

        progress.step('building the submission');
        const { buildRewardsSubmission } = await import('../../runtime/rewards/submission.ts');
        const { readQuorum, readRewardsCoordinatorParams, sendRewardSubmission } = await import('../../runtime/rewards/chain.ts');
        const [quorum, coordinator] = await Promise.all([
          readQuorum(client, deployment.stateProofs.stakeRegistry),
          readRewardsCoordinatorParams(client, deployment.eigenlayer.rewardsCoordinator),
        ]);
        const submission = buildRewardsSubmission({
          epoch,
          clock: deployment.epoch,
          coordinator,
          quorum,
          token,
          operatorRewards,
          description: opts.description,
          now: ended.now,
        });
        progress.done();
        warnAbout(report, ended);

        if (opts.dryRun) {
          if (opts.json) printJson({ epoch, dryRun: true, split: splitJson(report), submission });
          else printSubmission(report, submission);
          return;
        }
        const account = privateKeyToAccount(privateKey as Hex);
        const wallet = makeWalletClient(chain.chainId, chain.rpcUrl, account);
        progress.step(`sending submitReward from ${account.address}`);
        const sent = await sendRewardSubmission({ client, wallet, serviceManager: deployment.stateProofs.serviceManager, submission });
        progress.done();
        const result = {
          epoch,
          serviceManager: deployment.stateProofs.serviceManager,
          token,
          total: sent.total,
          operators: submission.operatorRewards.length,
          startTimestamp: submission.startTimestamp,
          duration: submission.duration,
          approveTransaction: sent.approveTransaction,
          submitTransaction: sent.submitTransaction,
          blockNumber: sent.blockNumber,
        };
        if (opts.json) printJson({ ...result, submission });
        else {
          printSubmission(report, submission);
          printFields(result);
        }
      } catch (error) {
        progress.fail();
        throw error;
      }
    });
}

function parseEpoch(text: string): number {
  return parseCount('--epoch', text, { min: 0, max: 2 ** 32 - 1 });
}

function mainChain(deployment: StateProofsDeployment, rpc: string | undefined): { client: PublicClient; deployment: StateProofsDeployment; chain: StateProofsChain } {
  const chain = resolveChain(deployment, undefined, rpc);
  return { client: makePublicClient(chain.chainId, chain.rpcUrl), deployment, chain };
}

function chainWeights(client: PublicClient, deployment: StateProofsDeployment) {
  return async (operators: readonly string[], epoch: number) => {
    const { readOperatorWeights } = await import('../../runtime/rewards/chain.ts');
    return readOperatorWeights(client, deployment.stateProofs.stakeRegistry, operators, epoch);
  };
}

/**
 * Opens the aggregator database (Postgres from DATABASE_URL, else the SQLite file, which must exist), brings its schema
 * up to date as the aggregator does, runs `fn` and closes it.
 */
async function withAggregatorStore<T>(path: string | undefined, fn: (store: StateProofStore) => Promise<T>): Promise<T> {
  const url = process.env.DATABASE_URL;
  const sqlitePath = path ?? DEFAULT_DB;
  if (!url && !existsSync(sqlitePath)) {
    throw new CommandFailedError(`no aggregator database at ${sqlitePath}: give --db <path> or set DATABASE_URL`);
  }
  const { openDatabase } = await import('../../core/db/index.ts');
  const { createStateProofStore } = await import('../../services/state-proofs/aggregator/store.ts');
  const database = await openDatabase({ url, sqlitePath });
  try {
    return await fn(await createStateProofStore(database));
  } finally {
    await database.close();
  }
}

type EpochEnd = { ended: boolean; end: bigint; now: bigint };

/** Whether `epoch` has ended by the main chain's latest block time (unix seconds). */
async function epochEnded(client: PublicClient, deployment: StateProofsDeployment, epoch: number): Promise<EpochEnd> {
  const now = (await client.getBlock()).timestamp;
  const { end } = epochInterval(deployment.epoch, epoch);
  return { ended: now >= end, end, now };
}

function warnAbout(report: EpochRewardReport, ended: EpochEnd | undefined): void {
  const warn = (text: string) => process.stderr.write(`avs: warning: ${text}\n`);
  if (ended && !ended.ended) warn(`epoch ${report.epoch} has not ended (ends at ${ended.end}, chain time ${ended.now}): the split can still change`);
  if (report.tasks.unfinished > 0) warn(`${report.tasks.unfinished} of epoch ${report.epoch}'s tasks are still being signed: the split can still change`);
  for (const m of report.weightMismatches) {
    warn(`operator ${m.operator}: registry weight ${m.chain} at epoch ${report.epoch} differs from the aggregator's ${m.aggregator}; using the registry's`);
  }
}

/** JSON form of a report (bigints become decimal strings in {@link printJson}). */
function splitJson(report: EpochRewardReport) {
  const { split } = report;
  return {
    epoch: report.epoch,
    budget: split.budget,
    distributed: split.distributed,
    weightSource: report.weightSource,
    tasks: report.tasks,
    proofs: split.proofs,
    equivocations: report.equivocations,
    totalScore: split.totalScore,
    operators: split.shares.map((s) => ({ ...s, shareBps: shareBps(s.amount, split.distributed) })),
  };
}

/** `amount` as basis points of `total`, rounded down (0 when nothing is distributed). */
function shareBps(amount: bigint, total: bigint): number {
  return total === 0n ? 0 : Number((amount * 10_000n) / total);
}

function printSplitTable(report: EpochRewardReport): void {
  const { split, tasks } = report;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(
    `epoch ${report.epoch}: ${split.proofs} proofs (${tasks.failed} failed, ${tasks.unfinished} unfinished), ` +
      `budget ${split.budget}, distributed ${split.distributed}, weights from ${report.weightSource}` +
      (report.equivocations > 0 ? `, ${report.equivocations} equivocating signatures not paid` : ''),
  );
  if (split.shares.length === 0) {
    out('no operator signed a proof of this epoch');
    return;
  }
  const rows = split.shares.map((s) => [s.operator, s.weight.toString(), String(s.proofsSigned), s.score.toString(), s.amount.toString(), formatBps(shareBps(s.amount, split.distributed))]);
  printTable(['operator', 'weight', 'proofs', 'score', 'amount', 'share'], rows, out);
}

function printSubmission(report: EpochRewardReport, submission: OperatorDirectedRewardsSubmission): void {
  printSplitTable(report);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(
    `period ${submission.startTimestamp} + ${submission.duration} s, token ${submission.token}, ` +
      `strategies ${submission.strategiesAndMultipliers.map((s) => `${s.strategy}×${s.multiplier}`).join(', ')}`,
  );
  out(`description: ${submission.description}`);
}

function printTable(header: string[], rows: string[][], out: (line: string) => void): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  // Text columns left, numbers right.
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  out(line(header));
  for (const r of rows) out(line(r));
}

function formatBps(bps: number): string {
  return `${(bps / 100).toFixed(2)}%`;
}

async function openKeystore(file: string, passwordFile: string | undefined): Promise<Hex> {
  const { resolveKeystorePassword } = await import('./keys.ts');
  const { readKeystoreFile } = await import('../../core/crypto/keystore.ts');
  const password = await resolveKeystorePassword({ passwordFile, what: file });
  return (await readKeystoreFile(file, password)).privateKey;
}
