/**
 * `avs aggregator run`: the aggregator of a deployment (HTTP API, operators' WebSocket hub, node API) until Ctrl-C.
 */
import type { Command } from 'commander';
import { untilSignal } from './operator.ts';
import { loadDeployment, parseCount } from '../options.ts';

/** Adds `aggregator run` to the program. */
export function registerAggregatorCommands(program: Command): void {
  const aggregator = program.command('aggregator').description('run the aggregator of a deployment');
  aggregator
    .command('run')
    .description('serve the proofs API and the operators’ WebSocket until Ctrl-C')
    .option('--host <ip>', 'interface to listen on', '127.0.0.1')
    .option('--port <n>', 'HTTP port', '8080')
    .option('--db <path>', 'SQLite file (default .avs/aggregator.sqlite); DATABASE_URL selects Postgres instead')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{ deployment?: string; host: string; port: string; db?: string }>();
      const port = parseCount('--port', opts.port, { min: 0, max: 65535 });
      const deployment = loadDeployment(opts.deployment);
      // Loaded on demand, so other commands start without the database drivers and the HTTP stack.
      const { openDatabase } = await import('../../core/db/index.ts');
      const { createLogger } = await import('../../core/logging.ts');
      const logger = createLogger('aggregator');
      const { startAggregatorService } = await import('../../state-proofs/aggregator/service.ts');
      const database = await openDatabase({ url: process.env.DATABASE_URL, sqlitePath: opts.db, name: 'aggregator' });
      try {
        const service = await startAggregatorService({ deployment, database, host: opts.host, port, logger });
        logger.info({ url: service.url, operators: service.wsUrl, database: database.location }, 'aggregator listening');
        const signal = await untilSignal();
        logger.info({ signal }, 'stopping');
        await service.close();
      } finally {
        await database.close();
      }
    });
}
