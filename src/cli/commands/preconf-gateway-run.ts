/**
 * `avs preconf gateway run`: the preconf gateway as its own process, from flags, a config file (`preconf-gateway`
 * role, docs/configuration.md) or both, until Ctrl-C. It reads proposer duties from any Beacon node (`--beacon-url`)
 * and their registrations from the deployment's UniFiAVSManager, and signs preconfirmations with the delegate keys it
 * is given; what it signed is kept in its database, so a restart answers a repeated request with the same signature.
 */
import type { Command } from 'commander';
import { type PrivateKeyAccount, getAddress } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { makePublicClient } from '../../core/chain/clients.ts';
import { type FlagValue, rpcUrlOf } from '../../core/config/index.ts';
import { BeaconApiError, createBeaconApiClient } from '../../services/preconf/beacon.ts';
import { type DelegateKeySource, PRECONF_GATEWAY_SQLITE, gatewayRole } from '../../services/preconf/config.ts';
import { createRegistryLookahead } from '../../services/preconf/registryLookahead.ts';
import { keyOfConfigSource } from '../account-key.ts';
import { CommandFailedError, UsageError, describeError } from '../errors.ts';
import { CONFIG_OPTION, loadRunDeployment, readRunConfig } from './config.ts';
import { rpcFlags, untilSignal } from './operator.ts';

type GatewayRunOptions = {
  host?: string;
  port?: string;
  rpc?: string[];
  beaconUrl?: string;
  delegateKeystore?: string;
  delegatePasswordFile?: string;
  delegateKey?: string;
  devnetDelegateKey?: true;
  db?: string;
  lookaheadMaxAge?: string;
};

/** Adds `gateway run` to the `preconf` group. */
export function registerPreconfGatewayCommands(preconf: Command): void {
  preconf
    .command('gateway')
    .description('run a preconf gateway over a Beacon node and the registry')
    .command('run')
    .description('serve the proposer lookahead and sign preconfirmations with your delegate keys in your validators’ slots, until Ctrl-C')
    .option(...CONFIG_OPTION)
    .option('--beacon-url <url>', 'the Beacon node REST API to read proposer duties from (required off a devnet; default on one: the deployment file’s aggregator.beaconUrl)')
    .option('--delegate-keystore <file>', 'sign with the delegate key in this keystore (several keys: delegateKeys in a config file)')
    .option('--delegate-password-file <path>', 'the delegate keystore’s password file (default: $AVS_KEYSTORE_PASSWORD, else a prompt)')
    .option('--delegate-key <hex>', 'sign with this plain hex delegate key: devnets only')
    .option('--devnet-delegate-key', 'local devnet only: sign with the devnet’s delegate key (the one its operators committed to)')
    .option('--host <ip>', 'interface to listen on (default 127.0.0.1)')
    .option('--port <n>', 'HTTP port (default 8110; 0 picks a free one)')
    .option('--rpc <chainId=url...>', 'main chain RPC endpoint replacing the deployment’s, e.g. 31337=http://...')
    .option('--db <path>', `SQLite file (default ${PRECONF_GATEWAY_SQLITE}); DATABASE_URL selects Postgres instead`)
    .option('--lookahead-max-age <ms>', 'serve a built lookahead again for this long, ms (default 500)')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GatewayRunOptions>();
      const config = loadRunDeployment(
        readRunConfig(gatewayRole, cmd, [
          { key: 'host', flag: '--host', value: opts.host },
          { key: 'port', flag: '--port', value: opts.port },
          ...rpcFlags(opts.rpc),
          { key: 'beaconUrl', flag: '--beacon-url', value: opts.beaconUrl },
          ...delegateKeyFlags(opts),
          { key: 'database.sqlitePath', flag: '--db', value: opts.db },
          { key: 'lookaheadMaxAgeMs', flag: '--lookahead-max-age', value: opts.lookaheadMaxAge },
        ]),
      );
      const { values, deployment } = config;
      if (!values.beaconUrl) {
        throw new UsageError('no beacon node URL: pass --beacon-url, set beaconUrl, or run `avs devnet` (it writes aggregator.beaconUrl)');
      }
      // Keystores are opened before anything starts: a wrong password stops the gateway at once, naming the file.
      const delegateKeys = await accountsOf(values.delegateKeys);
      const registry = deployment.preconf.registry;
      const client = makePublicClient(deployment.mainChainId, rpcUrlOf(config, deployment.mainChainId));
      const beacon = createBeaconApiClient({ url: values.beaconUrl });
      const lookahead = createRegistryLookahead({ beacon, client, registry, maxAgeMs: values.lookaheadMaxAgeMs });
      // One lookahead before listening, so an unreachable beacon node or registry is named now, not by the first 503.
      const slots = await lookahead.lookahead().catch((error: unknown) => {
        throw startError(error, beacon.url, registry, deployment.mainChainId);
      });
      // Loaded on demand, so other commands start without the database drivers and the HTTP stack.
      const { openDatabase } = await import('../../core/db/index.ts');
      const { createLogger } = await import('../../core/logging.ts');
      const { startPreconfGatewayService } = await import('../../services/preconf/gateway/service.ts');
      const logger = createLogger('preconf-gateway', { level: values.logLevel });
      const database = await openDatabase({ url: values.database.url, sqlitePath: values.database.sqlitePath ?? PRECONF_GATEWAY_SQLITE, name: 'preconf-gateway' });
      try {
        const service = await startPreconfGatewayService({
          lookahead,
          registry,
          registryChainId: deployment.mainChainId,
          delegateKeys,
          database,
          host: values.host,
          port: values.port,
          logger,
        });
        const held = new Set(delegateKeys.map((k) => k.address.toLowerCase()));
        const ours = slots.filter((s) => s.registration && held.has(s.registration.delegateKey.toLowerCase())).length;
        logger.info(
          { url: service.url, beacon: new URL(beacon.url).origin, registry, database: database.location, delegateKeys: delegateKeys.map((k) => k.address), lookaheadSlots: slots.length, slotsWithOurKeys: ours },
          'preconf gateway listening',
        );
        process.stdout.write(`preconf gateway listening on ${service.url}\n`);
        const signal = await untilSignal();
        logger.info({ signal }, 'stopping');
        await service.close();
      } finally {
        await database.close();
      }
    });
}

/**
 * The delegate key given by flags, as a list of one that replaces the file's and the environment's list (several keys
 * are given in a config file). Two sources at once are refused by the schema, naming the flags.
 * @throws {UsageError} for a password file without a keystore.
 */
function delegateKeyFlags(opts: GatewayRunOptions): FlagValue[] {
  const given = (
    [
      ['--delegate-keystore', opts.delegateKeystore],
      ['--delegate-key', opts.delegateKey],
      ['--devnet-delegate-key', opts.devnetDelegateKey],
    ] as const
  ).filter(([, value]) => value !== undefined);
  if (given.length === 0) {
    if (opts.delegatePasswordFile !== undefined) throw new UsageError('--delegate-password-file goes with --delegate-keystore');
    return [];
  }
  const source = Object.fromEntries(
    Object.entries({ keystore: opts.delegateKeystore, passwordFile: opts.delegatePasswordFile, privateKey: opts.delegateKey, devnetDelegateKey: opts.devnetDelegateKey }).filter(
      ([, value]) => value !== undefined,
    ),
  );
  return [{ key: 'delegateKeys', flag: given.map(([flag]) => flag).join(', '), value: [source] }];
}

/**
 * The accounts of the delegate key sources, in order, each once: keystores decrypted (one prompt at a time), the
 * devnet's delegate key derived.
 * @throws {CommandFailedError} for an unreadable keystore or a wrong password, naming the file.
 */
async function accountsOf(sources: readonly DelegateKeySource[]): Promise<PrivateKeyAccount[]> {
  const accounts = new Map<string, PrivateKeyAccount>();
  for (const source of sources) {
    // Only with the devnet's key: that module carries the devnet contracts' bytecode.
    const key = source.devnetDelegateKey ? (await import('../../devnet/preconf.ts')).devnetDelegateKey() : await keyOfConfigSource(source);
    const account = privateKeyToAccount(key);
    accounts.set(getAddress(account.address), account);
  }
  return [...accounts.values()];
}

/** A failed first lookahead as one line naming the beacon node or the registry it could not read. */
function startError(error: unknown, beaconUrl: string, registry: string, chainId: number): CommandFailedError {
  if (error instanceof BeaconApiError) {
    // An unreachable node's message names its URL already; an answer's names only the path.
    const detail = error.status === undefined ? error.message : `beacon node at ${new URL(beaconUrl).origin}: ${error.message}`;
    return new CommandFailedError(`cannot start the preconf gateway: ${detail}`);
  }
  return new CommandFailedError(`cannot start the preconf gateway: reading the registry ${registry} on chain ${chainId}: ${describeError(error)}`);
}
