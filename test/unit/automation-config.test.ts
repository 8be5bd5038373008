/**
 * The automation service's config roles (src/services/automation/config.ts): `automation-operator` and
 * `automation-aggregator` load with their defaults (the aggregator URL from the deployment file, anvil's WebSocket on a
 * devnet only), refuse devnet shortcuts and plain keys off a devnet and mixed key sources, naming each key; the example
 * files load; `avs config check` runs the roles' probes (database, port, submitter, aggregator) and fails where a part
 * cannot be reached.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, type ConfigRoleSpec, type ConfigSources, type ConfigValues, type DeploymentBase, loadConfig, readConfig } from '../../src/core/config/index.ts';
import { checkConfigFile } from '../../src/cli/commands/config.ts';
import { CONFIG_ROLES } from '../../src/cli/roles.ts';
import { AUTOMATION_ROLES, aggregatorRole, anvilWsUrlOf, operatorRole } from '../../src/services/automation/config.ts';
import { automationAggregatorSocketUrl } from '../../src/services/automation/operator/run.ts';

const OPERATOR = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
const a = (n: number) => `0x${n.toString(16).padStart(40, '0')}`;

/** A deployment with the automation section and arbitrary (well-formed) addresses; `rpcUrl` of nothing listening. */
function deployment(mainChainId = 31337, aggregatorUrl?: string) {
  return {
    mainChainId,
    chains: [{ chainId: mainChainId, rpcUrl: 'http://127.0.0.1:1' }],
    eigenlayer: { delegationManager: a(3), strategyManager: a(4), avsDirectory: a(5), allocationManager: a(6), rewardsCoordinator: a(7), strategies: [a(8)] },
    epoch: { genesis: '0', length: '120', grace: '20' },
    services: {
      automation: {
        serviceManager: a(9),
        stakeRegistry: a(10),
        epochManager: a(11),
        executorSchedule: a(12),
        protocolFees: a(13),
        entryPoint: a(14),
        slotVerdicts: a(15),
        slotBlocks: 4,
      },
    },
    ...(aggregatorUrl ? { aggregator: { automationUrl: aggregatorUrl } } : {}),
  };
}

/** The issues of a configuration that must not load, as `key: message`. */
function issuesOf<V extends ConfigValues, D extends DeploymentBase>(role: ConfigRoleSpec<V, D>, sources: ConfigSources): string[] {
  try {
    loadConfig(role, sources, CONFIG_ROLES);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.issues.map((i) => `${i.key}: ${i.message}`);
  }
  assert.fail('the configuration loaded');
}

describe('automation config roles', () => {
  let dir: string;
  const file = (name: string, value: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'avs-automation-config-'));
    file('devnet.json', deployment(31337, 'http://127.0.0.1:8100'));
    file('mainnet.json', deployment(1));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('are registered with the command line under their names', () => {
    assert.deepEqual(AUTOMATION_ROLES.map((r) => r.name), ['automation-operator', 'automation-aggregator']);
    for (const role of AUTOMATION_ROLES) assert.ok(CONFIG_ROLES.includes(role as never), role.name);
  });

  it('operator: a devnet operator alone loads, with the deployment file’s aggregator and anvil’s WebSocket', () => {
    const config = loadConfig(operatorRole, { file: file('op.json', { role: 'automation-operator', deployment: 'devnet.json', signingKey: { devnetOperator: 2 } }) });
    assert.equal(config.values.signingKey.devnetOperator, 2);
    assert.equal(config.values.aggregatorUrl, 'http://127.0.0.1:8100');
    assert.equal(config.values.wsUrl, 'ws://127.0.0.1:1');
    assert.equal(config.values.nodeApi, undefined);
    assert.equal(config.values.logLevel, 'info');
    assert.equal(config.deployment.automation.slotBlocks, 4);
    assert.equal(config.deployment.automation.reactionBlocks, 2, 'the section’s default');
  });

  it('operator: flags and the environment win over the file; numbers arrive as text', () => {
    const config = loadConfig(operatorRole, {
      file: file('op-over.json', { role: 'automation-operator', deployment: 'devnet.json', signingKey: { devnetOperator: 0 }, wsUrl: 'ws://127.0.0.1:2', priorityFeeGwei: 1 }),
      env: { AVS_AUTOMATION_OPERATOR__PRIORITY_FEE_GWEI: '2.5', AVS_AUTOMATION_OPERATOR__FROM_BLOCK: '17' },
      flags: [{ key: 'aggregatorUrl', flag: '--aggregator', value: 'ws://10.0.0.1:8100/v1/operators/ws' }],
    });
    assert.equal(config.values.priorityFeeGwei, 2.5);
    assert.equal(config.values.fromBlock, 17n);
    assert.equal(config.values.wsUrl, 'ws://127.0.0.1:2', 'a given wsUrl is kept');
    assert.equal(config.values.aggregatorUrl, 'ws://10.0.0.1:8100/v1/operators/ws');
  });

  it('operator: keystores load anywhere; off a devnet nothing derives a WebSocket or an aggregator', () => {
    const config = loadConfig(operatorRole, {
      file: file('op-public.json', {
        role: 'automation-operator',
        deployment: 'mainnet.json',
        address: OPERATOR,
        signingKey: { keystore: 'keys/signing.json', passwordFile: 'pw' },
        executionKey: { keystore: 'keys/signer.json' },
        nodeApi: { port: 9291 },
      }),
    });
    assert.equal(config.values.signingKey.keystore, join(dir, 'keys/signing.json'), 'relative to the config file');
    assert.equal(config.values.executionKey?.keystore, join(dir, 'keys/signer.json'));
    assert.equal(config.values.wsUrl, undefined);
    assert.equal(config.values.aggregatorUrl, undefined);
    assert.deepEqual(config.values.nodeApi, { host: '127.0.0.1', port: 9291 });
  });

  it('operator: without a devnet operator, address and executionKey are required', () => {
    const issues = issuesOf(operatorRole, { file: file('op-bare.json', { role: 'automation-operator', deployment: 'mainnet.json', signingKey: { keystore: 's.json' } }) });
    assert.deepEqual(issues.map((i) => i.split(':')[0]).sort(), ['automation-operator.address', 'automation-operator.executionKey']);
  });

  it('operator: devnet shortcuts and plain keys are refused off a devnet; two key sources at once are refused', () => {
    const offDevnet = issuesOf(operatorRole, {
      file: file('op-plain.json', { role: 'automation-operator', deployment: 'mainnet.json', address: OPERATOR, signingKey: { privateKey: KEY }, executionKey: { privateKey: KEY } }),
    });
    assert.deepEqual(offDevnet, [
      'automation-operator.signingKey.privateKey: plain hex keys are for devnets only: use signingKey.keystore on a public network',
      'automation-operator.executionKey.privateKey: plain hex keys are for devnets only: use executionKey.keystore on a public network',
    ]);
    const devnetOperator = issuesOf(operatorRole, { file: file('op-dev-off.json', { role: 'automation-operator', deployment: 'mainnet.json', signingKey: { devnetOperator: 0 } }) });
    assert.deepEqual(devnetOperator, ['automation-operator.signingKey.devnetOperator: only works on a local devnet (main chain 31337)']);
    const both = issuesOf(operatorRole, { file: file('op-both.json', { role: 'automation-operator', deployment: 'devnet.json', signingKey: { devnetOperator: 0, privateKey: KEY } }) });
    assert.deepEqual(both, ['automation-operator.signingKey: give one of privateKey, devnetOperator, not both']);
    const badWs = issuesOf(operatorRole, { file: file('op-ws.json', { role: 'automation-operator', deployment: 'devnet.json', signingKey: { devnetOperator: 0 }, wsUrl: 'http://127.0.0.1:8545' }) });
    assert.deepEqual(badWs, ['automation-operator.wsUrl: must be a ws(s) URL']);
  });

  it('aggregator: defaults; a dev account submitter on a devnet; refused off one', () => {
    const config = loadConfig(aggregatorRole, { file: file('agg.json', { role: 'automation-aggregator', deployment: 'devnet.json', submitter: { devnetAccount: 6 } }) });
    assert.equal(config.values.port, 8100);
    assert.equal(config.values.host, '127.0.0.1');
    assert.equal(config.values.submitter?.devnetAccount, 6);
    assert.deepEqual(config.values.database, {});
    const offDevnet = issuesOf(aggregatorRole, { file: file('agg-off.json', { role: 'automation-aggregator', deployment: 'mainnet.json', submitter: { devnetAccount: 6 }, pollMs: 10 }) });
    assert.deepEqual(offDevnet, ['automation-aggregator.pollMs: must be milliseconds from 50 to 3600000']);
    const offDevnetKeys = issuesOf(aggregatorRole, { file: file('agg-off2.json', { role: 'automation-aggregator', deployment: 'mainnet.json', submitter: { devnetAccount: 6 } }) });
    assert.deepEqual(offDevnetKeys, ['automation-aggregator.submitter.devnetAccount: only works on a local devnet (main chain 31337)']);
  });

  it('a file for one role is refused by the other; a deployment without the automation section names it', () => {
    const path = file('for-agg.json', { role: 'automation-aggregator', deployment: 'devnet.json' });
    assert.throws(() => readConfig(operatorRole, { file: path }, CONFIG_ROLES), (error: unknown) => /automation-aggregator, not the automation-operator/.test((error as Error).message));
    const bare = { ...deployment(), services: {} };
    const issues = issuesOf(aggregatorRole, { file: file('agg-bare.json', { role: 'automation-aggregator', deployment: bare }) });
    assert.ok(issues.some((i) => i.includes('services.automation')), issues.join('\n'));
  });

  it('the example files load as their roles', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const operator = readConfig(operatorRole, { file: join(root, 'config/automation-operator.example.json') }, CONFIG_ROLES);
    assert.equal(operator.values.signingKey.devnetOperator, 0);
    assert.equal(operator.values.aggregatorUrl, 'http://127.0.0.1:8100');
    const aggregator = readConfig(aggregatorRole, { file: join(root, 'config/automation-aggregator.example.json') }, CONFIG_ROLES);
    assert.equal(aggregator.values.submitter?.devnetAccount, 6);
    assert.equal(aggregator.values.port, 8100);
  });

  it('URLs: anvil’s WebSocket on its HTTP port; the operators’ WebSocket of an aggregator’s base URL', () => {
    assert.equal(anvilWsUrlOf('http://127.0.0.1:8545'), 'ws://127.0.0.1:8545');
    assert.equal(anvilWsUrlOf('https://rpc.example/key'), 'wss://rpc.example/key');
    assert.equal(anvilWsUrlOf('ws://127.0.0.1:8545'), undefined);
    assert.equal(automationAggregatorSocketUrl('http://127.0.0.1:8100'), 'ws://127.0.0.1:8100/v1/operators/ws');
    assert.equal(automationAggregatorSocketUrl('wss://agg.example/v1/operators/ws'), 'wss://agg.example/v1/operators/ws');
  });

  it('config check: the aggregator’s database, port and missing submitter; the operator’s unreachable RPC and aggregator', async () => {
    const agg = await checkConfigFile('automation-aggregator', file('check-agg.json', { role: 'automation-aggregator', deployment: 'devnet.json', port: 0, database: { sqlitePath: 'agg.sqlite' } }), {});
    const byName = new Map(agg.map((c) => [c.name, c]));
    assert.equal(byName.get('config')?.ok, true);
    assert.equal(byName.get('rpc 31337')?.ok, false, 'nothing listens on port 1');
    assert.equal(byName.get('database')?.ok, true, byName.get('database')?.detail);
    assert.equal(byName.get('listen')?.ok, true);
    assert.deepEqual(byName.get('submitter'), { name: 'submitter', ok: true, detail: 'none: executors are not arranged and verdicts are not posted on-chain' });

    const op = await checkConfigFile(
      'automation-operator',
      file('check-op.json', { role: 'automation-operator', deployment: 'devnet.json', signingKey: { devnetOperator: 0 }, aggregatorUrl: 'http://127.0.0.1:1' }),
      {},
    );
    const opByName = new Map(op.map((c) => [c.name, c]));
    assert.equal(opByName.get('key')?.ok, true);
    assert.match(opByName.get('key')?.detail ?? '', /^devnet operator 0: operator 0x[0-9a-fA-F]{40}, signing key 0x/);
    assert.equal(opByName.get('aggregator')?.ok, false);
    assert.equal(opByName.has('signing key'), false, 'no registry read without a reachable main chain');

    const invalid = await checkConfigFile('automation-operator', file('check-bad.json', { role: 'automation-operator', deployment: 'mainnet.json', signingKey: { devnetOperator: 0 } }), {});
    assert.deepEqual(
      invalid.map((c) => [c.name, c.ok]),
      [['automation-operator.signingKey.devnetOperator', false]],
    );
  });
});
