/**
 * `avs automation aggregator run` and `avs automation operator run`: the automation service's two processes, each from
 * flags, a config file (`automation-aggregator` / `automation-operator` roles, docs/configuration.md) or both, until
 * Ctrl-C. Stopping an operator node never deactivates the operator.
 */
import type { Command } from 'commander';
import { privateKeyToAccount } from 'viem/accounts';
import { rpcUrlOf } from '../../core/config/index.ts';
import { devPrivateKey } from '../../devnet/accounts.ts';
import { devnetOperatorKeys } from '../../devnet/seed.ts';
import { aggregatorRole, operatorRole } from '../../services/automation/config.ts';
import { keyOfConfigSource } from '../account-key.ts';
import { CommandFailedError, UsageError, describeError } from '../errors.ts';
import { CONFIG_OPTION, keySourceFlags, loadRunDeployment, readRunConfig } from './config.ts';
import { rpcFlags, untilSignal } from './operator.ts';

/** Adds `automation aggregator run`, and `run` under `automation operator` (registered before this). */
export function registerAutomationRunCommands(automation: Command): void {
  registerAggregatorRun(automation);
  const operator = automation.commands.find((c) => c.name() === 'operator') ?? automation.command('operator').description('run your automation operator node');
  registerOperatorRun(operator);
}

/** The services' named errors as one line keeping their name; viem's as the CLI describes them. */
function namedError(error: unknown): unknown {
  if (error instanceof Error && !(error instanceof UsageError) && !(error instanceof CommandFailedError) && error.name.endsWith('Error') && error.name !== 'Error' && !('shortMessage' in error)) {
    return new CommandFailedError(`${error.name}: ${describeError(error)}`);
  }
  return error;
}

function registerAggregatorRun(automation: Command): void {
  automation
    .command('aggregator')
    .description('run the automation aggregator of a deployment')
    .command('run')
    .description('serve the workflows API, dashboard and operators’ WebSocket, arrange each epoch’s executors and post slot verdicts, until Ctrl-C')
    .option(...CONFIG_OPTION)
    .option('--host <ip>', 'interface to listen on (default 127.0.0.1)')
    .option('--port <n>', 'HTTP port (default 8100)')
    .option('--rpc <chainId=url...>', 'main chain RPC endpoint replacing the deployment’s, e.g. 31337=http://...')
    .option('--db <path>', 'SQLite file (default .avs/automation-aggregator.sqlite); DATABASE_URL selects Postgres instead')
    .option('--submitter-keystore <file>', 'send arrangeExecutors and submitVerdict from the key in this keystore (any funded account)')
    .option('--submitter-key <hex>', 'send them with this plain hex key: devnets only')
    .option('--submitter-password-file <path>', 'the submitter keystore’s password file (default: $AVS_KEYSTORE_PASSWORD, else a prompt)')
    .option('--devnet-submitter <index>', 'local devnet only: send them from anvil dev account <index>')
    .option('--from-block <n>', 'first main-chain block of the automation contracts’ events (default 0)')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{
        host?: string;
        port?: string;
        rpc?: string[];
        db?: string;
        submitterKeystore?: string;
        submitterKey?: string;
        submitterPasswordFile?: string;
        devnetSubmitter?: string;
        fromBlock?: string;
      }>();
      const config = loadRunDeployment(
        readRunConfig(aggregatorRole, cmd, [
          { key: 'host', flag: '--host', value: opts.host },
          { key: 'port', flag: '--port', value: opts.port },
          ...rpcFlags(opts.rpc),
          { key: 'database.sqlitePath', flag: '--db', value: opts.db },
          ...keySourceFlags([
            { key: 'submitter.keystore', flag: '--submitter-keystore', value: opts.submitterKeystore },
            { key: 'submitter.privateKey', flag: '--submitter-key', value: opts.submitterKey },
            { key: 'submitter.devnetAccount', flag: '--devnet-submitter', value: opts.devnetSubmitter },
          ]),
          { key: 'submitter.passwordFile', flag: '--submitter-password-file', value: opts.submitterPasswordFile },
          { key: 'fromBlock', flag: '--from-block', value: opts.fromBlock },
        ]),
      );
      const { values } = config;
      // The keystore is opened before anything starts: a wrong password stops the aggregator at once, naming the file.
      const submitter = values.submitter;
      const account = submitter
        ? privateKeyToAccount(submitter.devnetAccount !== undefined ? devPrivateKey(submitter.devnetAccount) : await keyOfConfigSource(submitter))
        : undefined;
      const deployment = { ...config.deployment, chains: config.deployment.chains.map((c) => ({ ...c, rpcUrl: rpcUrlOf(config, c.chainId) })) };
      // Loaded on demand, so other commands start without the database drivers and the HTTP stack.
      const { openDatabase } = await import('../../core/db/index.ts');
      const { createLogger } = await import('../../core/logging.ts');
      const logger = createLogger('automation-aggregator', { level: values.logLevel });
      const { startAutomationAggregatorService } = await import('../../services/automation/aggregator/service.ts');
      const database = await openDatabase({
        url: values.database.url,
        sqlitePath: values.database.sqlitePath ?? '.avs/automation-aggregator.sqlite',
        name: 'automation-aggregator',
      });
      try {
        const service = await startAutomationAggregatorService({
          deployment,
          database,
          account,
          host: values.host,
          port: values.port,
          logger,
          taskDeadlineMs: values.taskDeadlineMs,
          lateWindowMs: values.lateWindowMs,
          pollMs: values.pollMs,
          operatorSetRefreshMs: values.operatorSetRefreshMs,
          fromBlock: values.fromBlock,
        }).catch((error: unknown) => {
          throw namedError(error);
        });
        if (!account) logger.warn('no submitter key: executors are not arranged and verdicts are aggregated but not posted on-chain');
        logger.info({ url: service.url, operators: service.wsUrl, database: database.location, submitter: account?.address }, 'automation aggregator listening');
        const signal = await untilSignal();
        logger.info({ signal }, 'stopping');
        await service.close();
      } finally {
        await database.close();
      }
    });
}

function registerOperatorRun(operator: Command): void {
  operator
    .command('run')
    .description('run the operator node: execute the due workflows in your slots from the delegated signer, attest other executors’ slots with your signing key (stopping never deactivates)')
    .option(...CONFIG_OPTION)
    .option('--operator <address>', 'the operator’s EigenLayer address')
    .option('--devnet-operator <index>', 'local devnet only: run seeded operator <index> with its deterministic signing key and delegated signer')
    .option('--signing-keystore <file>', 'the signing key registered in the automation stake registry, from a keystore')
    .option('--signing-key <hex>', 'that key as plain hex: devnets only')
    .option('--signing-password-file <path>', 'the signing keystore’s password file (default: $AVS_KEYSTORE_PASSWORD, else a prompt)')
    .option('--execution-keystore <file>', 'the delegated signer sending the executions, from a keystore')
    .option('--execution-key <hex>', 'that key as plain hex: devnets only')
    .option('--execution-password-file <path>', 'the execution keystore’s password file')
    .option('--aggregator <url>', 'automation aggregator URL, http(s) or ws(s) (default: the deployment file’s aggregator.automationUrl)')
    .option('--rpc <chainId=url...>', 'your own main chain RPC endpoint, e.g. 31337=http://...')
    .option('--ws <url>', 'main chain WebSocket endpoint for new heads (default: anvil’s on a devnet, else polling)')
    .option('--node-api-port <port>', 'serve the EigenLayer node API (/eigen) and Prometheus metrics (/metrics) on this port')
    .option('--node-api-host <ip>', 'interface of the node API (default 127.0.0.1)')
    .option('--from-block <n>', 'first main-chain block of the automation contracts’ events (default 0)')
    .option('--priority-fee <gwei>', 'priority fee of executions, gwei (default 1)')
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{
        operator?: string;
        devnetOperator?: string;
        signingKeystore?: string;
        signingKey?: string;
        signingPasswordFile?: string;
        executionKeystore?: string;
        executionKey?: string;
        executionPasswordFile?: string;
        aggregator?: string;
        rpc?: string[];
        ws?: string;
        nodeApiPort?: string;
        nodeApiHost?: string;
        fromBlock?: string;
        priorityFee?: string;
      }>();
      const config = loadRunDeployment(
        readRunConfig(operatorRole, cmd, [
          { key: 'address', flag: '--operator', value: opts.operator },
          ...keySourceFlags([
            { key: 'signingKey.devnetOperator', flag: '--devnet-operator', value: opts.devnetOperator },
            { key: 'signingKey.keystore', flag: '--signing-keystore', value: opts.signingKeystore },
            { key: 'signingKey.privateKey', flag: '--signing-key', value: opts.signingKey },
          ]),
          { key: 'signingKey.passwordFile', flag: '--signing-password-file', value: opts.signingPasswordFile },
          ...keySourceFlags([
            { key: 'executionKey.keystore', flag: '--execution-keystore', value: opts.executionKeystore },
            { key: 'executionKey.privateKey', flag: '--execution-key', value: opts.executionKey },
          ]),
          { key: 'executionKey.passwordFile', flag: '--execution-password-file', value: opts.executionPasswordFile },
          { key: 'aggregatorUrl', flag: '--aggregator', value: opts.aggregator },
          ...rpcFlags(opts.rpc),
          { key: 'wsUrl', flag: '--ws', value: opts.ws },
          { key: 'nodeApi.port', flag: '--node-api-port', value: opts.nodeApiPort },
          { key: 'nodeApi.host', flag: '--node-api-host', value: opts.nodeApiHost },
          { key: 'fromBlock', flag: '--from-block', value: opts.fromBlock },
          { key: 'priorityFeeGwei', flag: '--priority-fee', value: opts.priorityFee },
        ]),
      );
      if (!config.values.aggregatorUrl) {
        throw new UsageError('no automation aggregator URL: pass --aggregator, set aggregatorUrl, or run `avs devnet` (it writes aggregator.automationUrl)');
      }
      const { startAutomationOperatorFromConfig } = await import('../../services/automation/operator/run.ts');
      // Only with a devnet operator: that module carries the devnet contracts' bytecode.
      const devnetSigner = config.values.signingKey.devnetOperator === undefined ? undefined : (await import('../../devnet/automation.ts')).devnetAutomationSignerKey;
      const running = await startAutomationOperatorFromConfig(config, {
        ecdsaKeystore: (source) => keyOfConfigSource(source),
        devnetOperator: devnetSigner && ((index) => ({ ...devnetOperatorKeys(index), executionKey: devnetSigner(index) })),
      }).catch((error: unknown) => {
        throw namedError(error);
      });
      await untilSignal();
      await running.stop();
    });
}
