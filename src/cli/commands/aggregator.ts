/**
 * `avs aggregator run`: the aggregator of a deployment (HTTP API, operators' WebSocket hub, node API) until Ctrl-C.
 */
import type { Command } from 'commander';
import { rpcUrlOf } from '../../core/config/index.ts';
import { untilSignal, rpcFlags } from './operator.ts';
import { CONFIG_OPTION, loadRunDeployment, readRunConfig } from './config.ts';

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
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{ host?: string; port?: string; rpc?: string[]; db?: string }>();
      const config = loadRunDeployment(
        readRunConfig('aggregator', cmd, [
          { key: 'host', flag: '--host', value: opts.host },
          { key: 'port', flag: '--port', value: opts.port },
          ...rpcFlags(opts.rpc),
          { key: 'database.sqlitePath', flag: '--db', value: opts.db },
        ]),
      );
      const { values } = config;
      const deployment = { ...config.deployment, chains: config.deployment.chains.map((c) => ({ ...c, rpcUrl: rpcUrlOf(config, c.chainId) })) };
      // Loaded on demand, so other commands start without the database drivers and the HTTP stack.
      const { openDatabase } = await import('../../core/db/index.ts');
      const { createLogger } = await import('../../core/logging.ts');
      const logger = createLogger('aggregator', { level: values.logLevel });
      const { startAggregatorService } = await import('../../state-proofs/aggregator/service.ts');
      const database = await openDatabase({ url: values.database.url, sqlitePath: values.database.sqlitePath, name: 'aggregator' });
      try {
        const service = await startAggregatorService({
          deployment,
          database,
          host: values.host,
          port: values.port,
          logger,
          taskDeadlineMs: values.taskDeadlineMs,
          lateWindowMs: values.lateWindowMs,
          dispatchDelayMs: values.dispatchDelayMs,
          maxActiveTasks: values.maxActiveTasks,
          operatorSetRefreshMs: values.operatorSetRefreshMs,
          registryFromBlock: values.registryFromBlock,
          verifyInWorker: values.verifyInWorker,
        });
        logger.info({ url: service.url, operators: service.wsUrl, database: database.location }, 'aggregator listening');
        const signal = await untilSignal();
        logger.info({ signal }, 'stopping');
        await service.close();
      } finally {
        await database.close();
      }
    });
}
