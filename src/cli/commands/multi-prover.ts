/**
 * `avs multi-prover`: the multi-prover AVS's commands. `aggregator run` serves the aggregator until Ctrl-C; `task
 * request|get` ask it for a block state and follow the task to its on-chain confirmation; the `operator` commands
 * (register, attest, run) are in multi-prover-operator.ts, `quote verify` in multi-prover-quote.ts, `collateral submit|status`
 * in multi-prover-collateral.ts.
 */
import type { Command } from 'commander';
import type { Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { makePublicClient } from '../../core/chain/clients.ts';
import { rpcUrlOf } from '../../core/config/index.ts';
import { devPrivateKey } from '../../devnet/accounts.ts';
import { aggregatorRole } from '../../services/multi-prover/config.ts';
import { readMultiProverDeployment } from '../../services/multi-prover/deployment.ts';
import { keyOfConfigSource } from '../account-key.ts';
import { CommandFailedError, ExitCode, UsageError } from '../errors.ts';
import { type BlockStateTask, getBlockStateTask, requestBlockState, resolveMultiProverUrl, waitForSettled } from '../multi-prover-client.ts';
import { DEFAULT_DEPLOYMENT_PATH, parseBytes32, parseCount, parseUint } from '../options.ts';
import { createProgress, printFields, printJson } from '../output.ts';
import { CONFIG_OPTION, keySourceFlags, loadRunDeployment, readRunConfig } from './config.ts';
import { registerCollateralCommands } from './multi-prover-collateral.ts';
import { registerMultiProverOperatorCommands } from './multi-prover-operator.ts';
import { registerQuoteCommands } from './multi-prover-quote.ts';
import { rpcFlags, untilSignal } from './operator.ts';

/** Adds `multi-prover aggregator run`, `multi-prover task request|get` and `multi-prover operator …` to the program. */
export function registerMultiProverCommands(program: Command): void {
  const multiProver = program.command('multi-prover').description('the multi-prover AVS: block states proven by TEE provers, confirmed on-chain');
  registerAggregatorRun(multiProver);
  registerTaskCommands(multiProver);
  registerMultiProverOperatorCommands(multiProver);
  registerQuoteCommands(multiProver);
  registerCollateralCommands(multiProver);
}

function registerAggregatorRun(multiProver: Command): void {
  multiProver
    .command('aggregator')
    .description('run the multi-prover aggregator of a deployment')
    .command('run')
    .description('serve the tasks API and the operators’ WebSocket, prove new blocks, and send confirmState, until Ctrl-C')
    .option(...CONFIG_OPTION)
    .option('--host <ip>', 'interface to listen on (default 127.0.0.1)')
    .option('--port <n>', 'HTTP port (default 8090)')
    .option('--rpc <chainId=url...>', 'RPC endpoints replacing the deployment’s, e.g. 31337=http://...')
    .option('--db <path>', 'SQLite file (default .avs/multi-prover-aggregator.sqlite); DATABASE_URL selects Postgres instead')
    .option('--confirmer-keystore <file>', 'send confirmState from the key in this keystore (any funded account)')
    .option('--confirmer-key <hex>', 'send confirmState with this plain hex key: devnets only')
    .option('--confirmer-password-file <path>', 'the confirmer keystore’s password file (default: $AVS_KEYSTORE_PASSWORD, else a prompt)')
    .option('--devnet-confirmer <index>', 'local devnet only: send confirmState from anvil dev account <index>')
    .option('--every-blocks <n>', 'prove every n-th block of each proven chain on its own (default 1)')
    .option('--no-block-watch', 'prove only the blocks requested through the API')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{
        host?: string;
        port?: string;
        rpc?: string[];
        db?: string;
        confirmerKeystore?: string;
        confirmerKey?: string;
        confirmerPasswordFile?: string;
        devnetConfirmer?: string;
        everyBlocks?: string;
        blockWatch: boolean;
      }>();
      if (!opts.blockWatch && opts.everyBlocks !== undefined) throw new UsageError('give --every-blocks or --no-block-watch, not both');
      const config = loadRunDeployment(
        readRunConfig(aggregatorRole, cmd, [
          { key: 'host', flag: '--host', value: opts.host },
          { key: 'port', flag: '--port', value: opts.port },
          ...rpcFlags(opts.rpc),
          { key: 'database.sqlitePath', flag: '--db', value: opts.db },
          ...keySourceFlags([
            { key: 'confirmer.keystore', flag: '--confirmer-keystore', value: opts.confirmerKeystore },
            { key: 'confirmer.privateKey', flag: '--confirmer-key', value: opts.confirmerKey },
            { key: 'confirmer.devnetAccount', flag: '--devnet-confirmer', value: opts.devnetConfirmer },
          ]),
          { key: 'confirmer.passwordFile', flag: '--confirmer-password-file', value: opts.confirmerPasswordFile },
          { key: 'blockWatch.everyBlocks', flag: '--every-blocks', value: opts.everyBlocks },
          { key: 'blockWatch', flag: '--no-block-watch', value: opts.blockWatch ? undefined : false },
        ]),
      );
      const { values } = config;
      // The keystore is opened before anything starts: a wrong password stops the aggregator at once, naming the file.
      const confirmer = values.confirmer;
      const account = confirmer
        ? privateKeyToAccount(confirmer.devnetAccount !== undefined ? devPrivateKey(confirmer.devnetAccount) : await keyOfConfigSource(confirmer))
        : undefined;
      const deployment = { ...config.deployment, chains: config.deployment.chains.map((c) => ({ ...c, rpcUrl: rpcUrlOf(config, c.chainId) })) };
      // Loaded on demand, so other commands start without the database drivers and the HTTP stack.
      const { openDatabase } = await import('../../core/db/index.ts');
      const { createLogger } = await import('../../core/logging.ts');
      const logger = createLogger('multi-prover-aggregator', { level: values.logLevel });
      const { startMultiProverAggregatorService } = await import('../../services/multi-prover/aggregator/service.ts');
      const database = await openDatabase({ url: values.database.url, sqlitePath: values.database.sqlitePath, name: 'multi-prover-aggregator' });
      try {
        const service = await startMultiProverAggregatorService({
          deployment,
          database,
          account,
          host: values.host,
          port: values.port,
          logger,
          blockWatch: values.blockWatch,
          taskDeadlineMs: values.taskDeadlineMs,
          lateWindowMs: values.lateWindowMs,
          operatorSetRefreshMs: values.operatorSetRefreshMs,
          fromBlock: values.fromBlock,
        });
        if (!account) logger.warn('no confirmer key: states are aggregated but not confirmed on-chain');
        logger.info({ url: service.url, operators: service.wsUrl, database: database.location, confirmer: account?.address }, 'multi-prover aggregator listening');
        const signal = await untilSignal();
        logger.info({ signal }, 'stopping');
        await service.close();
      } finally {
        await database.close();
      }
    });
}

type TaskOptions = { deployment?: string; aggregator?: string; json?: boolean; wait?: boolean; timeout: string };

function registerTaskCommands(multiProver: Command): void {
  const task = multiProver.command('task').description('ask the multi-prover aggregator for a block state, and follow it');

  task
    .command('request')
    .description('ask for the state (block hash and state root) of a proven chain’s block, confirmed by a committee')
    .requiredOption('--chain <id>', 'a chain the deployment proves')
    .option('--block <n>', 'block number (default: the chain’s latest)')
    .option('--committee <id>', 'committee whose quorums confirm it (default: the deployment’s first)')
    .option('--aggregator <url>', 'multi-prover aggregator URL (default: $AVS_MULTI_PROVER_URL or the deployment file’s)')
    .option('--wait', 'follow the task until its state is confirmed on-chain, or it fails (exit 1)')
    .option('--timeout <seconds>', 'with --wait, give up after this long', '120')
    .option('--json', 'print the task as JSON')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<TaskOptions & { chain: string; block?: string; committee?: string }>();
      const chainId = parseCount('--chain', opts.chain, { min: 1 });
      let blockNumber = opts.block === undefined ? undefined : parseUint('--block', opts.block);
      const committeeId = opts.committee === undefined ? undefined : parseUint('--committee', opts.committee);
      const timeoutMs = parseCount('--timeout', opts.timeout, { min: 1 }) * 1000;
      const base = resolveMultiProverUrl(opts.aggregator, opts.deployment);
      if (blockNumber === undefined) {
        const deployment = readMultiProverDeployment(opts.deployment ?? DEFAULT_DEPLOYMENT_PATH);
        const chain = deployment.chains.find((c) => c.chainId === chainId);
        if (!chain) throw new UsageError(`--chain ${chainId} is not a chain of the deployment; give --block to ask the aggregator anyway`);
        blockNumber = await makePublicClient(chain.chainId, chain.rpcUrl).getBlockNumber({ cacheTime: 0 });
      }
      let result = await requestBlockState(base, { chainId, blockNumber, committeeId });
      if (opts.wait) result = await waitWithProgress(base, result.taskId, timeoutMs, !!opts.json);
      printTask(result, !!opts.json);
      if (opts.wait && failed(result)) process.exitCode = ExitCode.failure;
    });

  task
    .command('get')
    .description('show a block-state task and its on-chain confirmation')
    .argument('<taskId>', 'task id (0x, 32 bytes)')
    .option('--aggregator <url>', 'multi-prover aggregator URL (default: $AVS_MULTI_PROVER_URL or the deployment file’s)')
    .option('--wait', 'follow the task until its state is confirmed on-chain, or it fails (exit 1)')
    .option('--timeout <seconds>', 'with --wait, give up after this long', '120')
    .option('--json', 'print the task as JSON')
    .action(async (taskIdText: string, _opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<TaskOptions>();
      const taskId = parseBytes32('<taskId>', taskIdText);
      const timeoutMs = parseCount('--timeout', opts.timeout, { min: 1 }) * 1000;
      const base = resolveMultiProverUrl(opts.aggregator, opts.deployment);
      const result = opts.wait ? await waitWithProgress(base, taskId, timeoutMs, !!opts.json) : await getBlockStateTask(base, taskId);
      printTask(result, !!opts.json);
      if (opts.wait && failed(result)) process.exitCode = ExitCode.failure;
    });
}

/** The task failed, or its state could not be confirmed on-chain. */
function failed(task: BlockStateTask): boolean {
  return task.status === 'failed' || task.confirmation?.status === 'failed';
}

async function waitWithProgress(base: string, taskId: Hex, timeoutMs: number, quiet: boolean): Promise<BlockStateTask> {
  const progress = createProgress({ quiet });
  progress.step(`waiting for task ${taskId} to be confirmed on-chain`);
  let task: BlockStateTask;
  try {
    task = await waitForSettled(base, taskId, { timeoutMs });
  } catch (error) {
    progress.fail();
    throw error instanceof Error && error.name === 'TaskTimeoutError' ? new CommandFailedError(error.message) : error;
  }
  if (task.status === 'failed') progress.fail(`task failed: ${task.failureReason ?? 'no reason given'}`);
  else if (task.confirmation?.status === 'failed') progress.fail(`confirmState failed: ${task.confirmation.reason ?? 'no reason given'}`);
  else progress.done(`confirmed in transaction ${task.confirmation?.txHash}: ${task.signers.length} signers`);
  return task;
}

function printTask(task: BlockStateTask, json: boolean): void {
  if (json) {
    printJson(task);
    return;
  }
  const c = task.confirmation;
  printFields({
    taskId: task.taskId,
    status: task.status,
    chainId: task.chainId,
    blockNumber: task.blockNumber,
    committeeId: task.committeeId,
    quorums: task.quorumNumbers.join(', '),
    referenceEpoch: task.referenceEpoch,
    blockHash: task.state?.blockHash ?? '(pending)',
    stateRoot: task.state?.stateRoot ?? '(pending)',
    signers: task.signers.map((s) => s.operator).join(', ') || '(none yet)',
    signedWeight: `${task.signedWeight} of ${task.thresholdWeight} needed`,
    confirmation: c ? `${c.status}${c.txHash ? ` in ${c.txHash}` : ''}${c.blockNumber ? ` (block ${c.blockNumber})` : ''}${c.reason ? `: ${c.reason}` : ''}` : '(not sent)',
    ...(task.failureReason ? { failureReason: task.failureReason } : {}),
  });
}
