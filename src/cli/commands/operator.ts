/**
 * `avs operator run` (and, from operator-register.ts, `register`, `sign-registration`, `deregister`): an operator
 * runs its node, or joins or leaves the AVS.
 */
import type { Command } from 'commander';
import type { Address, Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { devnetOperatorKeys } from '../../devnet/seed.ts';
import { registerOperatorRegistrationCommands } from './operator-register.ts';
import { keyOfConfigSource } from '../account-key.ts';
import { UsageError } from '../errors.ts';
import { operatorSocketUrl } from '../aggregator-client.ts';
import { type FlagValue, finalityOf, rpcUrlsOf } from '../../core/config/index.ts';
import { operatorRole } from '../../services/state-proofs/config.ts';
import { CONFIG_OPTION, keySourceFlags, loadRunDeployment, readRunConfig } from './config.ts';

/** Adds `operator register`, `sign-registration`, `deregister` and `run` to the program. */
export function registerOperatorCommands(program: Command): void {
  const operator = program.command('operator').description('join, leave, or run an operator of the state-proofs AVS');

  registerOperatorRegistrationCommands(operator);

  operator
    .command('run')
    .description('run the operator node: dial the aggregator, read chains through your RPCs, sign attestations')
    .option(...CONFIG_OPTION)
    .option('--operator <address>', 'the operator’s address (default: $AVS_OPERATOR_ADDRESS)')
    .option('--devnet-operator <index>', 'local devnet only: run seeded operator <index> with its deterministic keys')
    .option('--signing-key <hex>', 'private key of the registered signing key, plain hex: devnets (default: $AVS_SIGNING_KEY)')
    .option('--ecdsa-keystore <file>', 'signing key from an encrypted keystore, e.g. <name>.ecdsa.key.json (default: $AVS_ECDSA_KEYSTORE)')
    .option('--password-file <path>', 'keystore password file (default: $AVS_KEYSTORE_PASSWORD, else a prompt)')
    .option('--aggregator <url>', 'aggregator URL, http(s) or ws(s) (default: $AVS_AGGREGATOR_URL or the deployment’s)')
    .option('--rpc <chainId=url...>', 'your own RPC endpoints, e.g. 31337=http://... 31338=http://...')
    .option('--confirmations <n>', 'blocks a read waits for (devnets), or "finalized"; default: 2 on a devnet, the finalized tag elsewhere')
    .option('--db <path>', 'SQLite journal file (default: .avs/operator-<address>.sqlite); DATABASE_URL for Postgres')
    .option('--node-api-port <port>', 'serve the EigenLayer node API (/eigen) and Prometheus metrics (/metrics) on this port')
    .option('--node-api-host <ip>', 'interface of the node API (default 127.0.0.1)')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<
        NodeRunOptions & { operator?: string; devnetOperator?: string; signingKey?: string; ecdsaKeystore?: string; passwordFile?: string }
      >();
      const read = readRunConfig(operatorRole, cmd, [
        { key: 'address', flag: '--operator', value: opts.operator },
        ...signingKeyFlags(opts),
        { key: 'signingKey.passwordFile', flag: '--password-file', value: opts.passwordFile },
        ...nodeRunFlags(opts),
      ]);
      const values = read.values;
      // The keystore is opened first: a node with an unreadable keystore or a wrong password never starts.
      const keystoreKey =
        values.signingKey.keystore === undefined ? undefined : await keyOfConfigSource({ keystore: values.signingKey.keystore, passwordFile: values.signingKey.passwordFile });
      const loaded = loadRunDeployment(read);
      const { deployment } = loaded;
      let operatorAddress: Address;
      let signingPrivateKey: Hex;
      if (values.signingKey.devnetOperator !== undefined) {
        const keys = devnetOperatorKeys(values.signingKey.devnetOperator);
        operatorAddress = privateKeyToAccount(keys.operatorKey).address;
        signingPrivateKey = keys.signingKey;
        if (values.address !== undefined && values.address !== operatorAddress) {
          throw new UsageError(`devnet operator ${values.signingKey.devnetOperator} is ${operatorAddress}, not ${values.address}: give --devnet-operator or --operator, not both`);
        }
      } else {
        operatorAddress = values.address!;
        signingPrivateKey = keystoreKey ?? values.signingKey.privateKey!;
      }
      // From the loaded values: without one of its own, the operator takes the deployment file's `aggregator.url`.
      const aggregatorText = loaded.values.aggregatorUrl;
      if (!aggregatorText) throw new UsageError('no aggregator URL: pass --aggregator, set AVS_AGGREGATOR_URL or aggregatorUrl, or run `avs devnet`');
      const aggregatorUrl = operatorSocketUrl(aggregatorText.replace(/\/+$/, ''));
      const { startOperator } = await import('../../services/state-proofs/operator/run.ts');
      const { createLogger } = await import('../../core/logging.ts');
      const running = await startOperator({
        deployment,
        aggregatorUrl,
        operator: operatorAddress,
        signingPrivateKey,
        rpcUrls: rpcUrlsOf(loaded),
        finality: finalityOf(values.confirmations, deployment.mainChainId),
        databaseUrl: values.database.url,
        sqlitePath: values.database.sqlitePath,
        nodeApi: values.nodeApi,
        logger: createLogger('operator', { level: values.logLevel }).child({ operator: operatorAddress }),
      });
      await untilSignal();
      await running.stop();
    });
}

/**
 * The signing key source given by flags; the sources not given are removed, so a flag replaces a source named by the
 * file or the environment (two source flags together are refused by the schema).
 */
function signingKeyFlags(opts: { devnetOperator?: string; signingKey?: string; ecdsaKeystore?: string }): FlagValue[] {
  return keySourceFlags([
    { key: 'signingKey.devnetOperator', flag: '--devnet-operator', value: opts.devnetOperator },
    { key: 'signingKey.privateKey', flag: '--signing-key', value: opts.signingKey },
    { key: 'signingKey.keystore', flag: '--ecdsa-keystore', value: opts.ecdsaKeystore },
  ]);
}

/** `--rpc 31337=http://...` values as config entries `rpc.<chainId>`. */
export function rpcFlags(values: string[] | undefined): FlagValue[] {
  return (values ?? []).map((item) => {
    const match = /^(\d+)=(.+)$/.exec(item);
    if (!match) throw new UsageError(`--rpc must look like <chainId>=<url>, got "${item}"`);
    return { key: `rpc.${match[1]}`, flag: '--rpc', value: match[2] };
  });
}

/** The options `operator run` and `challenger run` share. */
export type NodeRunOptions = { aggregator?: string; rpc?: string[]; confirmations?: string; db?: string; nodeApiPort?: string; nodeApiHost?: string };

/** The flags of `operator run` and `challenger run` that mean the same in both, as config entries. */
export function nodeRunFlags(opts: NodeRunOptions): FlagValue[] {
  return [
    { key: 'aggregatorUrl', flag: '--aggregator', value: opts.aggregator },
    ...rpcFlags(opts.rpc),
    { key: 'confirmations', flag: '--confirmations', value: opts.confirmations },
    { key: 'database.sqlitePath', flag: '--db', value: opts.db },
    { key: 'nodeApi.port', flag: '--node-api-port', value: opts.nodeApiPort },
    { key: 'nodeApi.host', flag: '--node-api-host', value: opts.nodeApiHost },
  ];
}

/** Resolves on SIGINT or SIGTERM (keeping the process alive until then). */
export async function untilSignal(): Promise<NodeJS.Signals> {
  const keepAlive = setInterval(() => {}, 1 << 30);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  clearInterval(keepAlive);
  return signal;
}
