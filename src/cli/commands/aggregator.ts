/**
 * `avs aggregator run`: the aggregator of a deployment (HTTP API, operators' WebSocket hub, node API, and the epoch
 * publisher when given its key) until Ctrl-C.
 */
import type { Command } from 'commander';
import { privateKeyToAccount } from 'viem/accounts';
import { rpcUrlOf } from '../../core/config/index.ts';
import { keyOfConfigSource } from '../account-key.ts';
import { untilSignal, rpcFlags } from './operator.ts';
import { aggregatorRole } from '../../services/state-proofs/config.ts';
import { CONFIG_OPTION, keySourceFlags, loadRunDeployment, readRunConfig } from './config.ts';

/** Adds `aggregator run` to the program. */
export function registerAggregatorCommands(program: Command): void {
  const aggregator = program.command('aggregator').description('run the aggregator of a deployment');
  aggregator
    .command('run')
    .description('serve the proofs API and the operators’ WebSocket until Ctrl-C')
    .option(...CONFIG_OPTION)
    .option('--host <ip>', 'interface to listen on (default 127.0.0.1)')
    .option('--port <n>', 'HTTP port (default 8080)')
    .option('--rpc <chainId=url...>', 'RPC endpoints replacing the deployment’s, e.g. 31337=http://...')
    .option('--db <path>', 'SQLite file (default .avs/aggregator.sqlite); DATABASE_URL selects Postgres instead')
    .option('--batch-size <n>', 'operators sign new tasks in batches of up to n, one signature per batch; 0 signs each task on its own (default 1024)')
    .option('--replica-id <id>', 'id of this replica when several share one Postgres database (default <hostname>-<pid>-<random>)')
    .option('--publisher-keystore <file>', 'run the epoch publisher, paid by the key in this keystore (the ServiceManager’s rewards initiator)')
    .option('--publisher-key <hex>', 'run the epoch publisher with this plain hex key: devnets only')
    .option('--publisher-password-file <path>', 'the publisher keystore’s password file (default: $AVS_KEYSTORE_PASSWORD, else a prompt)')
    .option('--rewards-token <address>', 'publisher: ERC-20 each ended epoch’s rewards are paid in')
    .option('--rewards-per-epoch <amount>', 'publisher: rewards per ended epoch, token base units')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{
        host?: string;
        port?: string;
        rpc?: string[];
        db?: string;
        batchSize?: string;
        replicaId?: string;
        publisherKeystore?: string;
        publisherKey?: string;
        publisherPasswordFile?: string;
        rewardsToken?: string;
        rewardsPerEpoch?: string;
      }>();
      const config = loadRunDeployment(
        readRunConfig(aggregatorRole, cmd, [
          { key: 'host', flag: '--host', value: opts.host },
          { key: 'port', flag: '--port', value: opts.port },
          ...rpcFlags(opts.rpc),
          { key: 'database.sqlitePath', flag: '--db', value: opts.db },
          { key: 'batchSize', flag: '--batch-size', value: opts.batchSize },
          { key: 'replicaId', flag: '--replica-id', value: opts.replicaId },
          ...keySourceFlags([
            { key: 'publisher.keystore', flag: '--publisher-keystore', value: opts.publisherKeystore },
            { key: 'publisher.privateKey', flag: '--publisher-key', value: opts.publisherKey },
          ]),
          { key: 'publisher.passwordFile', flag: '--publisher-password-file', value: opts.publisherPasswordFile },
          { key: 'publisher.rewards.token', flag: '--rewards-token', value: opts.rewardsToken },
          { key: 'publisher.rewards.budgetPerEpoch', flag: '--rewards-per-epoch', value: opts.rewardsPerEpoch },
        ]),
      );
      const { values } = config;
      // The keystore is opened before anything starts: a wrong password stops the aggregator at once, naming the file.
      const publisherAccount = values.publisher ? privateKeyToAccount(await keyOfConfigSource(values.publisher)) : undefined;
      const deployment = { ...config.deployment, chains: config.deployment.chains.map((c) => ({ ...c, rpcUrl: rpcUrlOf(config, c.chainId) })) };
      // Loaded on demand, so other commands start without the database drivers and the HTTP stack.
      const { openDatabase } = await import('../../core/db/index.ts');
      const { createLogger } = await import('../../core/logging.ts');
      const logger = createLogger('aggregator', { level: values.logLevel });
      const { startAggregatorService } = await import('../../services/state-proofs/aggregator/service.ts');
      const { STATE_PROOFS_SQLITE_PAGE_SIZE } = await import('../../services/state-proofs/aggregator/store.ts');
      const database = await openDatabase({
        url: values.database.url,
        sqlitePath: values.database.sqlitePath,
        name: 'aggregator',
        sqlitePageSize: STATE_PROOFS_SQLITE_PAGE_SIZE,
      });
      try {
        const service = await startAggregatorService({
          deployment,
          database,
          host: values.host,
          port: values.port,
          logger,
          replicaId: values.replicaId,
          taskDeadlineMs: values.taskDeadlineMs,
          lateWindowMs: values.lateWindowMs,
          dispatchDelayMs: values.dispatchDelayMs,
          batching: values.batchSize === 0 ? false : { maxSize: values.batchSize, maxDelayMs: values.batchDelayMs },
          maxActiveTasks: values.maxActiveTasks,
          operatorSetRefreshMs: values.operatorSetRefreshMs,
          registryFromBlock: values.registryFromBlock,
          verifyInWorker: values.verifyInWorker,
          publisher:
            publisherAccount && values.publisher
              ? {
                  account: publisherAccount,
                  intervalMs: values.publisher.intervalMs,
                  rewards: values.publisher.rewards ? { token: values.publisher.rewards.token, budgetPerEpoch: values.publisher.rewards.budgetPerEpoch } : undefined,
                }
              : undefined,
        });
        logger.info({ url: service.url, operators: service.wsUrl, database: database.location, publisher: publisherAccount?.address }, 'aggregator listening');
        const signal = await untilSignal();
        logger.info({ signal }, 'stopping');
        await service.close();
      } finally {
        await database.close();
      }
    });
}
