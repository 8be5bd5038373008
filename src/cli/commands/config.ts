/**
 * `avs config check <file>`: validates a role's config file (with the environment's overrides) and reaches what it
 * names: each chain's RPC, the database, the key, the aggregator, the ports to listen on. Also the helpers the `run`
 * commands use to read `--config` with their flags on top (flag > env > file > default; docs/configuration.md).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { type Address, type Hex, type PublicClient, formatEther, getAddress } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { ECDSAStakeRegistryAbi, ExecutorScheduleAbi, StateProofsServiceManagerAbi } from '../../core/chain/abis/generated/index.ts';
import { makePublicClient } from '../../core/chain/clients.ts';
import {
  ConfigError,
  type ConfigRead,
  type ConfigRoleSpec,
  type ConfigValues,
  type DeploymentBase,
  type FlagValue,
  type LoadedConfig,
  formatConfigIssue,
  loadConfigDeployment,
  readConfig,
  roleNamed,
  rpcUrlOf,
} from '../../core/config/index.ts';
import { type ConfigCheck, compareSigningKey, probeAggregator, probeDatabase, probeKeystore, probePort, probeRpc, shortReason } from '../../core/config/check.ts';
import {
  type AggregatorConfigInput,
  type ChallengerConfigInput,
  type OperatorConfigInput,
  aggregatorRole,
  challengerRole,
  operatorRole,
} from '../../services/state-proofs/config.ts';
import type { StateProofsDeployment } from '../../services/state-proofs/deployment.ts';
import {
  type MultiProverAggregatorConfig,
  type MultiProverOperatorConfig,
  aggregatorRole as multiProverAggregatorRole,
  operatorRole as multiProverOperatorRole,
} from '../../services/multi-prover/config.ts';
import {
  type AutomationAggregatorConfig,
  type AutomationOperatorConfig,
  aggregatorRole as automationAggregatorRole,
  operatorRole as automationOperatorRole,
} from '../../services/automation/config.ts';
import type { AutomationDeployment } from '../../services/automation/deployment.ts';
import { type PreconfGatewayConfig, gatewayRole as preconfGatewayRole } from '../../services/preconf/config.ts';
import type { PreconfDeployment } from '../../services/preconf/deployment.ts';
import { createBeaconApiClient } from '../../services/preconf/beacon.ts';
import { devnetDelegateKey } from '../../devnet/preconf.ts';
import { devPrivateKey } from '../../devnet/accounts.ts';
import { devnetOperatorKeys } from '../../devnet/seed.ts';
import { CommandFailedError, UsageError } from '../errors.ts';
import { printJson } from '../output.ts';
import { CONFIG_ROLES } from '../roles.ts';
import { PASSWORD_ENV } from './keys.ts';

/** The names of the registered roles, for options and messages. */
const roleNames = (): string[] => CONFIG_ROLES.map((r) => r.name);

/** Adds `config check` to the program. */
export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('validate configuration files');
  config
    .command('check')
    .description('validate a config file (plus environment overrides) and reach each RPC, the database, the key and the aggregator')
    .argument('<file>', 'JSON config file (see config/*.example.json and docs/configuration.md)')
    .option('--role <role>', `which process the file is for: ${roleNames().join(', ')} (default: the file's "role")`)
    .option('--json', 'print the checks as JSON')
    .addHelpText('after', '\nExample:\n  avs config check config/operator.example.json\n')
    .action(async (file: string, _opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{ role?: string; json?: boolean }>();
      const role = opts.role ?? (await roleOfFile(file));
      if (!roleNamed(CONFIG_ROLES, role)) throw new UsageError(`--role must be one of ${roleNames().join(', ')}, got "${role}"`);
      const checks = await checkConfigFile(role, file, process.env);
      const failed = checks.filter((c) => !c.ok).length;
      if (opts.json) {
        printJson({ role, file, ok: failed === 0, checks });
      } else {
        const width = Math.max(...checks.map((c) => c.name.length));
        for (const c of checks) process.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(width)}  ${c.detail}\n`);
      }
      if (failed > 0) throw new CommandFailedError(`${failed} of ${checks.length} checks failed`);
    });
}

/**
 * The `role` key of a config file; without it, `--role` is required.
 * @throws {CommandFailedError} when the file cannot be read or is not JSON (naming the file); {@link UsageError}
 *   when it has no `role`.
 */
async function roleOfFile(file: string): Promise<string> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CommandFailedError(`cannot read config file ${file}: no such file`);
    if (error instanceof SyntaxError) throw new CommandFailedError(`config file ${file} is not valid JSON: ${error.message}`);
    throw new CommandFailedError(`cannot read config file ${file}: ${code ?? (error as Error).message}`);
  }
  const role = (json as { role?: unknown } | null)?.role;
  if (typeof role !== 'string') throw new UsageError(`${file} has no "role" key: give --role ${roleNames().join('|')}`);
  return role;
}

/**
 * Every check of a role's config file, in order: the keys (one failed check per issue, and nothing else when there is
 * any), then RPCs, then what the role reaches (database, key, aggregator, ports; see {@link ROLE_PROBES}). Never throws
 * for a bad configuration.
 * @throws {UsageError} when `role` is not a registered role.
 */
export async function checkConfigFile(role: string, file: string, env: NodeJS.ProcessEnv): Promise<ConfigCheck[]> {
  const spec = roleNamed(CONFIG_ROLES, role);
  if (!spec) throw new UsageError(`--role must be one of ${roleNames().join(', ')}, got "${role}"`);
  let config: LoadedConfig<ConfigValues, DeploymentBase>;
  try {
    config = loadConfigDeployment(readConfig(spec, { file, env }, CONFIG_ROLES));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map((i) => ({ name: i.key, ok: false, detail: formatConfigIssue(i).replace(/^config [^:]+: /, '') }));
  }
  const { deployment } = config;
  const checks: ConfigCheck[] = [
    { name: 'config', ok: true, detail: `valid ${role} config; deployment with main chain ${deployment.mainChainId} and ${deployment.chains.length} chain(s)` },
  ];
  const rpcChecks = await Promise.all(deployment.chains.map((c) => probeRpc(c.chainId, rpcUrlOf(config, c.chainId))));
  checks.push(...rpcChecks);
  const mainReachable = rpcChecks.find((c) => c.name === `rpc ${deployment.mainChainId}`)?.ok === true;
  const probes = ROLE_PROBES[role];
  if (probes) checks.push(...(await probes(config, { env, mainReachable })));
  return checks;
}

/** What a role's probes are given besides its loaded configuration. */
type ProbeContext = { env: NodeJS.ProcessEnv; mainReachable: boolean };

/** The probes of each role beyond its RPCs, by role name; a role without an entry gets the config and RPC checks only. */
const ROLE_PROBES: Record<string, (config: LoadedConfig<ConfigValues, DeploymentBase>, context: ProbeContext) => Promise<ConfigCheck[]>> = {
  // Each loaded by its own role (the lookup is by name), so its values and deployment are that role's.
  [operatorRole.name]: (config, context) => operatorProbes(config as LoadedConfig<OperatorConfigInput, StateProofsDeployment>, context),
  [aggregatorRole.name]: (config, context) => aggregatorProbes(config as LoadedConfig<AggregatorConfigInput, StateProofsDeployment>, context),
  [challengerRole.name]: (config, context) => challengerProbes(config as LoadedConfig<ChallengerConfigInput, StateProofsDeployment>, context),
  [multiProverAggregatorRole.name]: (config, context) => multiProverAggregatorProbes(config as LoadedConfig<MultiProverAggregatorConfig, DeploymentBase>, context),
  [multiProverOperatorRole.name]: (config) => multiProverOperatorProbes(config as LoadedConfig<MultiProverOperatorConfig, DeploymentBase>),
  [automationAggregatorRole.name]: (config, context) => automationAggregatorProbes(config as LoadedConfig<AutomationAggregatorConfig, AutomationDeployment>, context),
  [automationOperatorRole.name]: (config, context) => automationOperatorProbes(config as LoadedConfig<AutomationOperatorConfig, AutomationDeployment>, context),
  [preconfGatewayRole.name]: (config, context) => preconfGatewayProbes(config as LoadedConfig<PreconfGatewayConfig, PreconfDeployment>, context),
};

/** The preconf gateway's database and port, its Beacon node (genesis and spec read) and each delegate key. */
async function preconfGatewayProbes(config: LoadedConfig<PreconfGatewayConfig, PreconfDeployment>, { env }: ProbeContext): Promise<ConfigCheck[]> {
  const { values } = config;
  const checks: ConfigCheck[] = [];
  checks.push(await probeDatabase({ url: values.database.url, sqlitePath: values.database.sqlitePath ?? '.avs/preconf-gateway.sqlite' }));
  checks.push(await probePort(values.host, values.port));
  if (values.beaconUrl === undefined) {
    checks.push({ name: 'beacon node', ok: false, detail: 'no beaconUrl (and the deployment file names none)' });
  } else {
    const beacon = createBeaconApiClient({ url: values.beaconUrl, timeoutMs: 5_000 });
    try {
      const [, spec] = await Promise.all([beacon.getGenesis(), beacon.getSpec()]);
      checks.push({ name: 'beacon node', ok: true, detail: `${values.beaconUrl}: slots of ${spec.secondsPerSlot} s, ${spec.slotsPerEpoch} per epoch` });
    } catch (error) {
      checks.push({ name: 'beacon node', ok: false, detail: shortReason(error) });
    }
  }
  for (const [i, source] of values.delegateKeys.entries()) {
    const key = source.devnetDelegateKey ? { privateKey: devnetDelegateKey() } : source;
    const { checks: keyChecks } = await keySourceCheck(key, env, `preconf-gateway.delegateKeys.${i}`);
    checks.push(...keyChecks.map((c) => ({ ...c, name: `delegate key ${i} ${c.name}` })));
  }
  return checks;
}

/** The automation aggregator's database and port, and its submitter's key and balance. */
async function automationAggregatorProbes(config: LoadedConfig<AutomationAggregatorConfig, AutomationDeployment>, { env, mainReachable }: ProbeContext): Promise<ConfigCheck[]> {
  const { values } = config;
  const checks: ConfigCheck[] = [];
  checks.push(await probeDatabase({ url: values.database.url, sqlitePath: values.database.sqlitePath ?? '.avs/automation-aggregator.sqlite' }));
  checks.push(await probePort(values.host, values.port));
  const submitter = values.submitter;
  if (!submitter) return [...checks, { name: 'submitter', ok: true, detail: 'none: executors are not arranged and verdicts are not posted on-chain' }];
  const source = submitter.devnetAccount !== undefined ? { privateKey: devPrivateKey(submitter.devnetAccount) } : submitter;
  const { checks: keyChecks, address } = await keySourceCheck(source, env, 'automation-aggregator.submitter');
  checks.push(...keyChecks.map((c) => ({ ...c, name: `submitter ${c.name}` })));
  if (address && mainReachable) checks.push(await balanceCheck(config, 'submitter balance', address, 'arrangeExecutors and submitVerdict'));
  return checks;
}

/** The automation operator's signing key (registered?), its execution key (the delegated signer? funded?), the aggregator and the node API port. */
async function automationOperatorProbes(config: LoadedConfig<AutomationOperatorConfig, AutomationDeployment>, { env, mainReachable }: ProbeContext): Promise<ConfigCheck[]> {
  const { values, deployment } = config;
  const index = values.signingKey.devnetOperator;
  // Only with a devnet operator: that module carries the devnet contracts' bytecode.
  const devnetSigner = index === undefined ? undefined : (await import('../../devnet/automation.ts')).devnetAutomationSignerKey(index);
  const signing = await operatorKeyCheck(values.signingKey, env);
  const checks: ConfigCheck[] = [...signing.checks];
  const operator = values.address ?? signing.operator;
  const execution = values.executionKey
    ? await keySourceCheck(values.executionKey, env, 'automation-operator.executionKey')
    : { checks: [], address: devnetSigner && privateKeyToAccount(devnetSigner).address };
  checks.push(...execution.checks.map((c) => ({ ...c, name: `execution ${c.name}` })));
  if (operator && mainReachable) {
    const client = mainClientOf(config);
    const a = deployment.automation;
    try {
      const registered = await client.readContract({ address: a.stakeRegistry, abi: ECDSAStakeRegistryAbi, functionName: 'getLatestOperatorSigningKey', args: [operator] });
      if (signing.address) checks.push(compareSigningKey(operator, signing.address, registered));
      if (execution.address) {
        const signer = await client.readContract({ address: a.executorSchedule, abi: ExecutorScheduleAbi, functionName: 'delegatedSigner', args: [operator] });
        const ok = getAddress(signer) === execution.address || execution.address === operator;
        checks.push({ name: 'execution signer', ok, detail: ok ? `${execution.address} may execute for ${operator}` : `${operator}'s delegated signer is ${signer}, not ${execution.address}` });
        checks.push(await balanceCheck(config, 'execution balance', execution.address, 'executions'));
      }
    } catch (error) {
      checks.push({ name: 'signing key', ok: false, detail: `cannot read the automation registrations: ${shortReason(error)}` });
    }
  }
  if (values.aggregatorUrl) checks.push(await probeAggregator(values.aggregatorUrl));
  else checks.push({ name: 'aggregator', ok: false, detail: 'no aggregatorUrl (and no aggregator.automationUrl in the deployment file)' });
  if (values.nodeApi) checks.push({ ...(await probePort(values.nodeApi.host, values.nodeApi.port)), name: 'node API' });
  return checks;
}

/** The account holds ETH on the main chain to pay for `what`. */
async function balanceCheck(config: LoadedConfig<ConfigValues, DeploymentBase>, name: string, address: Address, what: string): Promise<ConfigCheck> {
  try {
    const balance = await mainClientOf(config).getBalance({ address });
    const detail = `${address} holds ${formatEther(balance)} ETH on chain ${config.deployment.mainChainId}${balance > 0n ? '' : `: it cannot pay for ${what}`}`;
    return { name, ok: balance > 0n, detail, data: { wei: balance.toString() } };
  } catch (error) {
    return { name, ok: false, detail: shortReason(error) };
  }
}

/** The multi-prover aggregator's database and port, and its confirmer's key and balance. */
async function multiProverAggregatorProbes(config: LoadedConfig<MultiProverAggregatorConfig, DeploymentBase>, { env, mainReachable }: ProbeContext): Promise<ConfigCheck[]> {
  const { values, deployment } = config;
  const checks: ConfigCheck[] = [];
  checks.push(await probeDatabase({ url: values.database.url, sqlitePath: values.database.sqlitePath ?? '.avs/multi-prover-aggregator.sqlite' }));
  checks.push(await probePort(values.host, values.port));
  const confirmer = values.confirmer;
  if (!confirmer) return [...checks, { name: 'confirmer', ok: true, detail: 'none: states are aggregated but not confirmed on-chain' }];
  const key =
    confirmer.devnetAccount !== undefined
      ? keySourceCheck({ privateKey: devPrivateKey(confirmer.devnetAccount) }, env, 'multi-prover-aggregator.confirmer')
      : keySourceCheck(confirmer, env, 'multi-prover-aggregator.confirmer');
  const { checks: keyChecks, address } = await key;
  checks.push(...keyChecks.map((c) => ({ ...c, name: `confirmer ${c.name}` })));
  if (address && mainReachable) {
    try {
      const balance = await mainClientOf(config).getBalance({ address });
      checks.push({
        name: 'confirmer balance',
        ok: balance > 0n,
        detail: `${address} holds ${formatEther(balance)} ETH on chain ${deployment.mainChainId}${balance > 0n ? '' : ': it cannot pay for confirmState'}`,
        data: { wei: balance.toString() },
      });
    } catch (error) {
      checks.push({ name: 'confirmer balance', ok: false, detail: shortReason(error) });
    }
  }
  return checks;
}

/** The multi-prover operator's journal database, its aggregator and its node API port. */
async function multiProverOperatorProbes(config: LoadedConfig<MultiProverOperatorConfig, DeploymentBase>): Promise<ConfigCheck[]> {
  const { values } = config;
  const operator = values.blsKey.devnetOperator !== undefined ? privateKeyToAccount(devnetOperatorKeys(values.blsKey.devnetOperator).operatorKey).address : values.address;
  const checks: ConfigCheck[] = [];
  checks.push(await probeDatabase({ url: values.database.url, sqlitePath: values.database.sqlitePath ?? `.avs/multi-prover-operator-${(operator ?? 'unknown').toLowerCase()}.sqlite` }));
  if (values.aggregatorUrl) checks.push(await probeAggregator(values.aggregatorUrl));
  else checks.push({ name: 'aggregator', ok: false, detail: 'no aggregatorUrl (and no aggregator.multiProverUrl in the deployment file)' });
  if (values.nodeApi) checks.push({ ...(await probePort(values.nodeApi.host, values.nodeApi.port)), name: 'node API' });
  return checks;
}

const mainClientOf = (config: LoadedConfig<ConfigValues, DeploymentBase>) =>
  makePublicClient(config.deployment.mainChainId, rpcUrlOf(config, config.deployment.mainChainId), { batch: false });

/** The operator's key, its database, its registered signing key, the aggregator and the node API port. */
async function operatorProbes(config: LoadedConfig<OperatorConfigInput, StateProofsDeployment>, { env, mainReachable }: ProbeContext): Promise<ConfigCheck[]> {
  const { values, deployment } = config;
  const checks: ConfigCheck[] = [];
  const key = await operatorKeyCheck(values.signingKey, env);
  checks.push(...key.checks);
  if (values.address && key.operator && values.address !== key.operator) {
    checks.push({ name: 'address', ok: false, detail: `devnet operator ${values.signingKey.devnetOperator} is ${key.operator}, not ${values.address}` });
  }
  const operator = values.address ?? key.operator;
  checks.push(await probeDatabase({ url: values.database.url, sqlitePath: values.database.sqlitePath ?? `.avs/operator-${(operator ?? 'unknown').toLowerCase()}.sqlite` }));
  if (key.address && operator && mainReachable) {
    try {
      const registered = await mainClientOf(config).readContract({
        address: deployment.stateProofs.stakeRegistry,
        abi: ECDSAStakeRegistryAbi,
        functionName: 'getLatestOperatorSigningKey',
        args: [operator],
      });
      checks.push(compareSigningKey(operator, key.address, registered));
    } catch (error) {
      checks.push({ name: 'signing key', ok: false, detail: `cannot read the registered signing key: ${shortReason(error)}` });
    }
  }
  if (values.aggregatorUrl) checks.push(await probeAggregator(values.aggregatorUrl));
  else checks.push({ name: 'aggregator', ok: false, detail: 'no aggregatorUrl (and none in the deployment file)' });
  if (values.nodeApi) checks.push({ ...(await probePort(values.nodeApi.host, values.nodeApi.port)), name: 'node API' });
  return checks;
}

/** The aggregator's database and port, and its publisher's key and account. */
async function aggregatorProbes(config: LoadedConfig<AggregatorConfigInput, StateProofsDeployment>, { env, mainReachable }: ProbeContext): Promise<ConfigCheck[]> {
  const { values, deployment } = config;
  const checks: ConfigCheck[] = [];
  checks.push(await probeDatabase({ url: values.database.url, sqlitePath: values.database.sqlitePath ?? '.avs/aggregator.sqlite' }));
  checks.push(await probePort(values.host, values.port));
  if (values.publisher) {
    const key = await keySourceCheck(values.publisher, env, 'aggregator.publisher');
    checks.push(...key.checks.map((c) => ({ ...c, name: `publisher ${c.name}` })));
    if (key.address && mainReachable) checks.push(...(await publisherAccountChecks(mainClientOf(config), deployment, key.address, values.publisher.rewards !== undefined)));
  }
  return checks;
}

/** The challenger's key and balance, its database, the aggregator and the node API port. */
async function challengerProbes(config: LoadedConfig<ChallengerConfigInput, StateProofsDeployment>, { env, mainReachable }: ProbeContext): Promise<ConfigCheck[]> {
  const { values, deployment } = config;
  const checks: ConfigCheck[] = [];
  const key = await keySourceCheck(values.key, env, 'challenger.key');
  checks.push(...key.checks);
  checks.push(await probeDatabase({ url: values.database.url, sqlitePath: values.database.sqlitePath ?? '.avs/challenger.sqlite' }));
  if (key.address && mainReachable) {
    try {
      const balance = await mainClientOf(config).getBalance({ address: key.address });
      checks.push({
        name: 'balance',
        ok: balance > 0n,
        detail: `${key.address} holds ${formatEther(balance)} ETH on chain ${deployment.mainChainId}${balance > 0n ? '' : ': it cannot pay bonds'}`,
        data: { wei: balance.toString() },
      });
    } catch (error) {
      checks.push({ name: 'balance', ok: false, detail: shortReason(error) });
    }
  }
  if (values.aggregatorUrl) checks.push(await probeAggregator(values.aggregatorUrl));
  else checks.push({ name: 'aggregator', ok: false, detail: 'no aggregatorUrl (and none in the deployment file)' });
  if (values.nodeApi) checks.push({ ...(await probePort(values.nodeApi.host, values.nodeApi.port)), name: 'node API' });
  return checks;
}

type KeySource = { keystore?: string; passwordFile?: string; privateKey?: Hex };

/**
 * The publisher's account: it pays for weight refreshes and state updates (ETH on the main chain) and, to submit rewards,
 * must be the ServiceManager's rewards initiator.
 */
async function publisherAccountChecks(client: PublicClient, deployment: StateProofsDeployment, publisher: Address, paysRewards: boolean): Promise<ConfigCheck[]> {
  const checks: ConfigCheck[] = [];
  try {
    const balance = await client.getBalance({ address: publisher });
    checks.push({
      name: 'publisher balance',
      ok: balance > 0n,
      detail: `${publisher} holds ${formatEther(balance)} ETH on chain ${deployment.mainChainId}${balance > 0n ? '' : ': it cannot pay for state updates'}`,
      data: { wei: balance.toString() },
    });
    if (paysRewards) {
      const initiator = await client.readContract({ address: deployment.stateProofs.serviceManager, abi: StateProofsServiceManagerAbi, functionName: 'rewardsInitiator' });
      const ok = getAddress(initiator) === publisher;
      checks.push({ name: 'publisher rewards initiator', ok, detail: ok ? `${publisher} is the ServiceManager's rewards initiator` : `the ServiceManager's rewards initiator is ${initiator}, not the publisher ${publisher}` });
    }
  } catch (error) {
    checks.push({ name: 'publisher balance', ok: false, detail: shortReason(error) });
  }
  return checks;
}

/** The operator's signing key: a keystore or plain key (see {@link keySourceCheck}), or a devnet operator's keys. */
async function operatorKeyCheck(
  source: KeySource & { devnetOperator?: number },
  env: NodeJS.ProcessEnv,
): Promise<{ checks: ConfigCheck[]; address?: Address; operator?: Address }> {
  if (source.devnetOperator !== undefined) {
    const keys = devnetOperatorKeys(source.devnetOperator);
    const address = privateKeyToAccount(keys.signingKey).address;
    const operator = privateKeyToAccount(keys.operatorKey).address;
    return { checks: [{ name: 'key', ok: true, detail: `devnet operator ${source.devnetOperator}: operator ${operator}, signing key ${address}` }], address, operator };
  }
  return keySourceCheck(source, env, 'operator.signingKey');
}

/** A keystore (decrypted when a password is at hand) or a plain hex key, reduced to its address. */
async function keySourceCheck(source: KeySource, env: NodeJS.ProcessEnv, key: string): Promise<{ checks: ConfigCheck[]; address?: Address }> {
  if (source.privateKey) {
    const address = privateKeyToAccount(source.privateKey).address;
    return { checks: [{ name: 'key', ok: true, detail: `plain hex key of ${address} (devnets only)`, data: { address } }], address };
  }
  let password: string | undefined;
  if (source.passwordFile !== undefined) {
    try {
      password = (await readFile(source.passwordFile, 'utf8')).replace(/\r?\n$/, '');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return { checks: [{ name: 'keystore', ok: false, detail: `cannot read ${key}.passwordFile ${source.passwordFile}: ${code === 'ENOENT' ? 'no such file' : (code ?? 'unreadable')}` }] };
    }
  } else if (env[PASSWORD_ENV] !== undefined) {
    password = env[PASSWORD_ENV];
  }
  const probe = await probeKeystore(source.keystore!, password);
  return { checks: [probe.check], address: probe.key ? getAddress(probe.key.address) : undefined };
}

/**
 * Reads a `run` command's configuration: `--config` (if given), the environment, then `flags`, plus `--deployment`
 * when it was given on the command line (its default applies only when nothing else names a deployment).
 * @throws {UsageError} when every issue comes from flags or from nothing at all without a config file (a bad
 *   invocation, exit 2); {@link ConfigError} otherwise (exit 1), naming each key.
 */
export function readRunConfig<V extends ConfigValues, D extends DeploymentBase>(spec: ConfigRoleSpec<V, D>, cmd: Command, flags: readonly FlagValue[]): ConfigRead<V, D> {
  const file = cmd.optsWithGlobals<{ config?: string }>().config;
  const all: FlagValue[] = [...flags];
  if (cmd.getOptionValueSourceWithGlobals('deployment') === 'cli') {
    all.unshift({ key: 'deployment', flag: '--deployment', value: cmd.optsWithGlobals<{ deployment?: string }>().deployment });
  }
  return asUsageError(file, () => readConfig(spec, { file, env: process.env, flags: all }, CONFIG_ROLES));
}

/**
 * {@link loadConfigDeployment} for a `run` command. A missing or invalid deployment is a failure (exit 1) whatever named
 * it, as it always was; a flag that does not fit the deployment (`--rpc` for another chain, a plain key off a devnet) is
 * a usage error (exit 2).
 */
export function loadRunDeployment<V extends ConfigValues, D extends DeploymentBase>(read: ConfigRead<V, D>): LoadedConfig<V, D> {
  try {
    return loadConfigDeployment(read);
  } catch (error) {
    if (error instanceof ConfigError && error.issues.some((i) => i.key === `${read.role}.deployment` || i.key.startsWith(`${read.role}.deployment.`))) throw error;
    return asUsageError(read.file, () => {
      throw error;
    });
  }
}

function asUsageError<T>(file: string | undefined, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof ConfigError) {
      const fromFlags = (origin: string | undefined) =>
        origin === undefined ? file === undefined : origin.split(', ').every((o) => o.startsWith('--'));
      if (error.issues.length > 0 && error.issues.every((i) => fromFlags(i.origin))) throw new UsageError(error.message);
    }
    throw error;
  }
}

/**
 * Flags naming one of several key sources (`--ecdsa-keystore`, `--key`, …): when any is given, it replaces the key source
 * of the file and the environment as a whole (the others become `null`), so a flag never mixes with a file's keystore.
 */
export function keySourceFlags(flags: readonly FlagValue[]): FlagValue[] {
  if (flags.every((f) => f.value === undefined)) return [];
  return flags.map((f) => (f.value === undefined ? { ...f, value: null } : f));
}

/** The `--config <file>` option of the `run` commands. */
export const CONFIG_OPTION = ['--config <file>', 'JSON config file (flags override it, environment variables too; see docs/configuration.md)'] as const;
