/**
 * The preconf service's config role (src/services/preconf/config.ts): `preconf-gateway` loads with its defaults (the
 * Beacon node URL from the deployment file on a devnet only), takes flags and the environment over the file (delegate
 * keys too, by index), resolves a file's keystore paths against its directory, requires a Beacon node URL off a devnet,
 * refuses plain keys and the devnet's delegate key off a devnet, and names each bad key; the example file loads.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, type ConfigSources, loadConfig, readConfig } from '../../src/core/config/index.ts';
import { CONFIG_ROLES } from '../../src/cli/roles.ts';
import { PRECONF_ROLES, beaconUrlOfDeploymentFile, gatewayRole } from '../../src/services/preconf/config.ts';

const KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
const a = (n: number) => `0x${n.toString(16).padStart(40, '0')}`;

/** A deployment with the preconf section; `beaconUrl` as `avs devnet` writes it beside the deployment. */
function deployment(mainChainId = 31337, beaconUrl?: string) {
  return {
    mainChainId,
    chains: [{ chainId: mainChainId, rpcUrl: 'http://127.0.0.1:1' }],
    eigenlayer: { delegationManager: a(3), strategyManager: a(4), avsDirectory: a(5), allocationManager: a(6), rewardsCoordinator: a(7), strategies: [a(8)] },
    epoch: { genesis: '0', length: '120', grace: '20' },
    services: { preconf: { registry: a(9), eigenPodManager: a(10) } },
    ...(beaconUrl ? { aggregator: { preconfUrl: 'http://127.0.0.1:8110', beaconUrl } } : {}),
  };
}

/** The issues of a configuration that must not load, as `key: message`. */
function issuesOf(sources: ConfigSources): string[] {
  try {
    loadConfig(gatewayRole, sources, CONFIG_ROLES);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.issues.map((i) => `${i.key}: ${i.message}`);
  }
  assert.fail('the configuration loaded');
}

describe('preconf-gateway config role', () => {
  let dir: string;
  const file = (name: string, value: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'avs-preconf-config-'));
    file('devnet.json', deployment(31337, 'http://127.0.0.1:5052'));
    file('devnet-bare.json', deployment(31337));
    file('mainnet.json', deployment(1));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is registered with the command line under its name', () => {
    assert.deepEqual(PRECONF_ROLES.map((r) => r.name), ['preconf-gateway']);
    assert.ok(CONFIG_ROLES.includes(gatewayRole as never));
  });

  it('on a devnet: defaults, the devnet’s delegate key, and the deployment file’s Beacon node', () => {
    const config = loadConfig(gatewayRole, { file: file('gw.json', { role: 'preconf-gateway', deployment: 'devnet.json', delegateKeys: [{ devnetDelegateKey: true }] }) }, CONFIG_ROLES);
    assert.equal(config.values.host, '127.0.0.1');
    assert.equal(config.values.port, 8110);
    assert.equal(config.values.lookaheadMaxAgeMs, 500);
    assert.deepEqual(config.values.database, {});
    assert.equal(config.values.logLevel, 'info');
    assert.deepEqual(config.values.rpc, {});
    assert.equal(config.values.beaconUrl, 'http://127.0.0.1:5052');
    assert.deepEqual(config.values.delegateKeys, [{ devnetDelegateKey: true }]);
    assert.equal(config.deployment.preconf.registry, a(9));
    // A devnet deployment file without the URL leaves it unset (the run command then asks for --beacon-url).
    const bare = loadConfig(gatewayRole, { file: file('gw-bare.json', { role: 'preconf-gateway', deployment: 'devnet-bare.json', delegateKeys: [{ privateKey: KEY }] }) });
    assert.equal(bare.values.beaconUrl, undefined);
    assert.equal(beaconUrlOfDeploymentFile(join(dir, 'nothing.json')), undefined);
  });

  it('flags and the environment win over the file; numbers and the devnet key arrive as text; keys by index from the environment', () => {
    const config = loadConfig(gatewayRole, {
      file: file('gw-over.json', { role: 'preconf-gateway', deployment: 'devnet.json', port: 8111, beaconUrl: 'http://10.0.0.1:5052', delegateKeys: [{ privateKey: KEY }] }),
      env: {
        AVS_PRECONF_GATEWAY__LOOKAHEAD_MAX_AGE_MS: '250',
        AVS_PRECONF_GATEWAY__DELEGATE_KEYS__1__KEYSTORE: 'b.json',
        AVS_PRECONF_GATEWAY__DELEGATE_KEYS__0__DEVNET_DELEGATE_KEY: 'true',
        DATABASE_URL: 'postgres://avs@127.0.0.1:5432/avs',
      },
      flags: [
        { key: 'port', flag: '--port', value: '0' },
        { key: 'beaconUrl', flag: '--beacon-url', value: 'https://beacon.example/key' },
      ],
    });
    assert.equal(config.values.port, 0);
    assert.equal(config.values.lookaheadMaxAgeMs, 250);
    assert.equal(config.values.beaconUrl, 'https://beacon.example/key');
    assert.equal(config.values.database.url, 'postgres://avs@127.0.0.1:5432/avs');
    assert.deepEqual(config.values.delegateKeys, [{ devnetDelegateKey: true }, { keystore: 'b.json' }], 'the environment’s list replaces the file’s; its paths stay as given');
  });

  it('a file’s keystore paths are relative to the file; a flag’s list replaces the file’s', () => {
    const path = file('gw-keys.json', {
      role: 'preconf-gateway',
      deployment: 'mainnet.json',
      beaconUrl: 'http://beacon.internal:5052',
      delegateKeys: [{ keystore: 'keys/a.json', passwordFile: 'pw' }, { keystore: '/abs/b.json' }],
    });
    const config = loadConfig(gatewayRole, { file: path });
    assert.deepEqual(config.values.delegateKeys, [{ keystore: join(dir, 'keys/a.json'), passwordFile: join(dir, 'pw') }, { keystore: '/abs/b.json' }]);
    const flagged = loadConfig(gatewayRole, { file: path, flags: [{ key: 'delegateKeys', flag: '--delegate-keystore', value: [{ keystore: 'c.json' }] }] });
    assert.deepEqual(flagged.values.delegateKeys, [{ keystore: 'c.json' }]);
  });

  it('off a devnet: a Beacon node URL is required, and plain keys and the devnet’s delegate key are refused', () => {
    const issues = issuesOf({ file: file('gw-public.json', { role: 'preconf-gateway', deployment: 'mainnet.json', delegateKeys: [{ keystore: 'k.json' }, { privateKey: KEY }, { devnetDelegateKey: true }] }) });
    assert.deepEqual(issues, [
      'preconf-gateway.beaconUrl: is required off a devnet: the http(s) URL of a Beacon node REST API',
      'preconf-gateway.delegateKeys.1.privateKey: plain hex keys are for devnets only: use delegateKeys.1.keystore on a public network',
      'preconf-gateway.delegateKeys.2.devnetDelegateKey: only works on a local devnet (main chain 31337)',
    ]);
    // Each issue names where its value came from.
    assert.throws(
      () => loadConfig(gatewayRole, { file: join(dir, 'gw-public.json') }),
      (error: unknown) => error instanceof ConfigError && error.issues[1]?.origin === join(dir, 'gw-public.json'),
    );
  });

  it('names each bad key: URLs, key sources, the list, numbers', () => {
    const bad = issuesOf({
      file: file('gw-bad.json', {
        role: 'preconf-gateway',
        deployment: 'devnet.json',
        beaconUrl: 'ftp://beacon.example',
        delegateKeys: [{ privateKey: KEY, devnetDelegateKey: true }, { devnetDelegateKey: false }, { privateKey: '0x12' }],
        lookaheadMaxAgeMs: -1,
        port: 70000,
        extra: 1,
      }),
    });
    assert.deepEqual(bad.sort(), [
      'preconf-gateway.beaconUrl: must be an http(s) URL of a Beacon node REST API',
      'preconf-gateway.delegateKeys.0: give one of privateKey, devnetDelegateKey, not both',
      'preconf-gateway.delegateKeys.1.devnetDelegateKey: must be true (the devnet’s delegate key), or left out',
      'preconf-gateway.delegateKeys.2.privateKey: must be a 32-byte hex private key',
      'preconf-gateway.extra: unknown key',
      'preconf-gateway.lookaheadMaxAgeMs: must be milliseconds from 0 to 60000',
      'preconf-gateway.port: must be a port from 0 to 65535',
    ]);
    assert.deepEqual(issuesOf({ file: file('gw-none.json', { role: 'preconf-gateway', deployment: 'devnet.json' }) }), ['preconf-gateway.delegateKeys: is required']);
    assert.deepEqual(issuesOf({ file: file('gw-empty.json', { role: 'preconf-gateway', deployment: 'devnet.json', delegateKeys: [] }) }), [
      'preconf-gateway.delegateKeys: must hold at least one key source',
    ]);
    assert.deepEqual(issuesOf({ file: file('gw-url.json', { role: 'preconf-gateway', deployment: 'devnet.json', beaconUrl: 'not a url', delegateKeys: [{ devnetDelegateKey: true }] }) }), [
      'preconf-gateway.beaconUrl: must be an http(s) URL of a Beacon node REST API',
    ]);
  });

  it('a deployment without the preconf section names it; a file for another role is refused', () => {
    const bare = { ...deployment(), services: {} };
    const issues = issuesOf({ file: file('gw-nosection.json', { role: 'preconf-gateway', deployment: bare, delegateKeys: [{ devnetDelegateKey: true }] }) });
    assert.ok(issues.some((i) => i.includes('services.preconf')), issues.join('\n'));
    const other = file('for-agg.json', { role: 'automation-aggregator', deployment: 'devnet.json' });
    assert.throws(() => readConfig(gatewayRole, { file: other }, CONFIG_ROLES), (error: unknown) => /automation-aggregator, not the preconf-gateway/.test((error as Error).message));
  });

  it('the example file loads as its role', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const example = readConfig(gatewayRole, { file: join(root, 'config/preconf-gateway.example.json') }, CONFIG_ROLES);
    assert.deepEqual(example.values.delegateKeys, [{ devnetDelegateKey: true }]);
    assert.equal(example.values.port, 8110);
    assert.equal(example.values.database.sqlitePath, join(root, '.avs/preconf-gateway.sqlite'));
  });
});
