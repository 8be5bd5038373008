/**
 * `avs challenger run|status`: the watchtower anyone can run (ARCHITECTURE.md, "Disputes"): it checks every proof the
 * aggregator publishes against the source chain and disputes the wrong ones.
 */
import type { Command } from 'commander';
import type { Hex } from 'viem';
import { UsageError } from '../errors.ts';
import { printJson } from '../output.ts';
import { loadDeployment, parseCount, parseUint, resolvePrivateKeyHex } from '../options.ts';
import { resolveAggregatorUrl } from '../aggregator-client.ts';
import { untilSignal } from './operator.ts';

type RunOptions = {
  deployment?: string;
  key?: string;
  ecdsaKeystore?: string;
  passwordFile?: string;
  aggregator?: string;
  rpc?: string[];
  confirmations?: string;
  db?: string;
  bond?: string;
  nodeApiPort?: string;
  nodeApiHost: string;
};

/** Adds `challenger run` and `challenger status` to the program. */
export function registerChallengerCommands(program: Command): void {
  const challenger = program.command('challenger').description('watch published proofs and dispute wrong ones (anyone may run it)');

  challenger
    .command('run')
    .description('check every published proof against its source chain; challenge, verify and resolve on a mismatch')
    .option('--key <hex>', 'private key paying bonds and bridge fees, plain hex: devnets only (default: $AVS_CHALLENGER_KEY)')
    .option('--ecdsa-keystore <file>', 'the key from an encrypted keystore (default: $AVS_ECDSA_KEYSTORE)')
    .option('--password-file <path>', 'keystore password file (default: $AVS_KEYSTORE_PASSWORD, else a prompt)')
    .option('--aggregator <url>', 'aggregator URL (default: $AVS_AGGREGATOR_URL or the deployment’s)')
    .option('--rpc <chainId=url...>', 'your own RPC endpoints, e.g. 31337=http://... 31338=http://...')
    .option('--confirmations <n>', 'blocks a source read waits for (devnets); default: the finalized tag on public networks')
    .option('--db <path>', 'SQLite journal file (default: .avs/challenger.sqlite); DATABASE_URL for Postgres')
    .option('--bond <wei>', 'bond per challenge (default: the resolver’s minimum)')
    .option('--node-api-port <port>', 'serve the EigenLayer node API (/eigen) and Prometheus metrics (/metrics) on this port')
    .option('--node-api-host <ip>', 'interface of the node API', '127.0.0.1')
    .addHelpText('after', '\nExample:\n  avs challenger run --key $AVS_CHALLENGER_KEY --aggregator http://127.0.0.1:8080\n')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<RunOptions>();
      const deployment = loadDeployment(opts.deployment);
      const keystoreFile = opts.ecdsaKeystore ?? (opts.key ? undefined : process.env.AVS_ECDSA_KEYSTORE || undefined);
      let privateKey: Hex;
      if (keystoreFile) {
        if (opts.key) throw new UsageError('give --key or --ecdsa-keystore, not both');
        const { resolveKeystorePassword } = await import('./keys.ts');
        const { readKeystoreFile } = await import('../../core/crypto/keystore.ts');
        const password = await resolveKeystorePassword({ passwordFile: opts.passwordFile, what: keystoreFile });
        privateKey = (await readKeystoreFile(keystoreFile, password)).privateKey;
      } else {
        if (deployment.mainChainId !== 31337) {
          throw new UsageError('plain hex keys are for devnets only: give --ecdsa-keystore on a public network');
        }
        privateKey = resolvePrivateKeyHex('--key', opts.key, 'AVS_CHALLENGER_KEY');
      }
      const rpcUrls: Record<number, string> = {};
      for (const item of opts.rpc ?? []) {
        const match = /^(\d+)=(.+)$/.exec(item);
        if (!match) throw new UsageError(`--rpc must look like <chainId>=<url>, got "${item}"`);
        rpcUrls[Number(match[1])] = match[2];
      }
      const finality =
        opts.confirmations !== undefined
          ? { confirmations: parseCount('--confirmations', opts.confirmations, { min: 0, max: 1000 }) }
          : deployment.mainChainId === 31337
            ? { confirmations: 2 }
            : ('finalized' as const);
      const bond = opts.bond === undefined ? undefined : parseUint('--bond', opts.bond);
      const nodeApi =
        opts.nodeApiPort === undefined ? undefined : { host: opts.nodeApiHost, port: parseCount('--node-api-port', opts.nodeApiPort, { min: 0, max: 65535 }) };
      const aggregatorUrl = resolveAggregatorUrl(opts.aggregator, opts.deployment);
      const { startChallenger } = await import('../../state-proofs/challenger/run.ts');
      const running = await startChallenger({
        deployment,
        aggregatorUrl,
        privateKey,
        rpcUrls,
        finality,
        bond,
        nodeApi,
        databaseUrl: process.env.DATABASE_URL,
        sqlitePath: opts.db,
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
      const { ChallengerJournal, challengerMigrations } = await import('../../state-proofs/challenger/journal.ts');
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
        }));
        if (opts.json) printJson({ disputes: rows });
        else if (rows.length === 0) process.stdout.write('no disputes\n');
        else for (const r of rows) process.stdout.write(`${r.challengeId}  ${r.stage.padEnd(9)}  chain ${r.chainId} key ${r.key}: claimed ${r.claimed.value}, true ${r.truth.value}${r.detail ? `  (${r.detail})` : ''}\n`);
      } finally {
        await database.close();
      }
    });
}
