/**
 * `avs challenger run|status`: the watchtower anyone can run (docs/architecture.md, "Disputes"): it checks every proof the
 * aggregator publishes against the source chain and disputes the wrong ones.
 */
import type { Command } from 'commander';
import { finalityOf, rpcUrlsOf } from '../../core/config/index.ts';
import { keyOfConfigSource } from '../account-key.ts';
import { UsageError } from '../errors.ts';
import { printJson } from '../output.ts';
import { challengerRole } from '../../services/state-proofs/config.ts';
import { CONFIG_OPTION, keySourceFlags, loadRunDeployment, readRunConfig } from './config.ts';
import { type NodeRunOptions, nodeRunFlags, untilSignal } from './operator.ts';

type RunOptions = NodeRunOptions & { key?: string; ecdsaKeystore?: string; passwordFile?: string; bond?: string };

/** Adds `challenger run` and `challenger status` to the program. */
export function registerChallengerCommands(program: Command): void {
  const challenger = program.command('challenger').description('watch published proofs and dispute wrong ones (anyone may run it)');

  challenger
    .command('run')
    .description('check every published proof against its source chain; challenge, verify and resolve on a mismatch')
    .option(...CONFIG_OPTION)
    .option('--key <hex>', 'private key paying bonds and bridge fees, plain hex: devnets only (default: $AVS_CHALLENGER_KEY)')
    .option('--ecdsa-keystore <file>', 'the key from an encrypted keystore (default: $AVS_ECDSA_KEYSTORE)')
    .option('--password-file <path>', 'keystore password file (default: $AVS_KEYSTORE_PASSWORD, else a prompt)')
    .option('--aggregator <url>', 'aggregator URL (default: $AVS_AGGREGATOR_URL or the deployment’s)')
    .option('--rpc <chainId=url...>', 'your own RPC endpoints, e.g. 31337=http://... 31338=http://...')
    .option('--confirmations <n>', 'blocks a source read waits for (devnets), or "finalized"; default: 2 on a devnet, the finalized tag elsewhere')
    .option('--db <path>', 'SQLite journal file (default: .avs/challenger.sqlite); DATABASE_URL for Postgres')
    .option('--bond <wei>', 'bond per challenge (default: the resolver’s minimum)')
    .option('--node-api-port <port>', 'serve the EigenLayer node API (/eigen) and Prometheus metrics (/metrics) on this port')
    .option('--node-api-host <ip>', 'interface of the node API (default 127.0.0.1)')
    .addHelpText('after', '\nExample:\n  avs challenger run --key $AVS_CHALLENGER_KEY --aggregator http://127.0.0.1:8080\n  avs challenger run --config challenger.json      # the same from a file (docs/configuration.md)\n')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<RunOptions>();
      const read = readRunConfig(challengerRole, cmd, [
        ...keySourceFlags([
          { key: 'key.privateKey', flag: '--key', value: opts.key },
          { key: 'key.keystore', flag: '--ecdsa-keystore', value: opts.ecdsaKeystore },
        ]),
        { key: 'key.passwordFile', flag: '--password-file', value: opts.passwordFile },
        ...nodeRunFlags(opts),
        { key: 'bond', flag: '--bond', value: opts.bond },
      ]);
      const { values } = read;
      const privateKey = await keyOfConfigSource(values.key);
      const loaded = loadRunDeployment(read);
      const { deployment } = loaded;
      // From the loaded values: without one of its own, the challenger takes the deployment file's `aggregator.url`.
      const { aggregatorUrl } = loaded.values;
      if (!aggregatorUrl) throw new UsageError('no aggregator URL: pass --aggregator, set AVS_AGGREGATOR_URL or aggregatorUrl, or run `avs devnet`');
      const { startChallenger } = await import('../../services/state-proofs/challenger/run.ts');
      const { createLogger } = await import('../../core/logging.ts');
      const running = await startChallenger({
        deployment,
        aggregatorUrl: aggregatorUrl.replace(/\/+$/, ''),
        privateKey,
        rpcUrls: rpcUrlsOf(loaded),
        finality: finalityOf(values.confirmations, deployment.mainChainId),
        bond: values.bond,
        nodeApi: values.nodeApi,
        databaseUrl: values.database.url,
        sqlitePath: values.database.sqlitePath,
        logger: createLogger('challenger', { level: values.logLevel }),
      });
      await untilSignal();
      await running.stop();
    });

  challenger
    .command('status')
    .description('the disputes this challenger started, newest first')
    .option('--db <path>', 'SQLite journal file (default: .avs/challenger.sqlite); DATABASE_URL for Postgres')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  avs challenger status --json\n')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{ db?: string; json?: boolean }>();
      const { openDatabase, migrateToLatest } = await import('../../core/db/index.ts');
      const { ChallengerJournal, challengerMigrations, formatSlashing } = await import('../../services/state-proofs/challenger/journal.ts');
      const database = await openDatabase({ url: process.env.DATABASE_URL, sqlitePath: opts.db ?? '.avs/challenger.sqlite', name: 'challenger' });
      try {
        await migrateToLatest(database, challengerMigrations);
        const disputes = await new ChallengerJournal(database.kysely as never).all();
        const rows = disputes.map((d) => ({
          challengeId: d.challengeId,
          chainId: d.chainId.toString(),
          user: d.user,
          key: d.key.toString(),
          blockNumber: d.blockNumber.toString(),
          claimed: { value: d.claimed.value.toString(), exists: d.claimed.exists },
          truth: { value: d.truth.value.toString(), exists: d.truth.exists },
          stage: d.stage,
          detail: d.detail,
          slashing: d.slashing && { ...d.slashing, summary: formatSlashing(d.slashing) },
          nextSlashRetryAt: d.nextSlashAt === null ? null : new Date(d.nextSlashAt).toISOString(),
        }));
        if (opts.json) printJson({ disputes: rows });
        else if (rows.length === 0) process.stdout.write('no disputes\n');
        else {
          for (const r of rows) {
            const slashing = r.slashing ? `  ${r.slashing.summary}` : '';
            process.stdout.write(
              `${r.challengeId}  ${r.stage.padEnd(9)}  chain ${r.chainId} key ${r.key}: claimed ${r.claimed.value}, true ${r.truth.value}${r.detail ? `  (${r.detail})` : ''}${slashing}\n`,
            );
          }
        }
      } finally {
        await database.close();
      }
    });
}
