/**
 * Config files, environment overrides and flags (src/core/config, with the roles of src/services/state-proofs/config.ts):
 * errors name the key and the origin and never the value; precedence flag > env > file > default; the environment
 * naming scheme and the legacy variables; a role any service defines works the same way.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { addressSchema } from '../../src/core/chain/schemas.ts';
import {
  ConfigError,
  type ConfigRoleSpec,
  type ConfigSources,
  type ConfigValues,
  type DeploymentBase,
  database,
  defineConfigRole,
  deploymentSource,
  envEntries,
  envNameOf,
  keySourceFields,
  loadConfig,
  oneKeySource,
  readConfig,
  rpcMap,
  rpcUrlsOf,
} from '../../src/core/config/index.ts';
import { displayUrl, shortReason } from '../../src/core/config/check.ts';
import { STATE_PROOFS_ROLES, aggregatorRole, challengerRole, operatorRole } from '../../src/services/state-proofs/config.ts';

const OPERATOR = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';

const a = (n: number) => `0x${n.toString(16).padStart(40, '0')}`;

/** A deployment with arbitrary (well-formed) addresses: main chain `mainChainId` plus chain 31338. */
function deployment(mainChainId = 31337) {
  return {
    mainChainId,
    chains: [
      { chainId: mainChainId, rpcUrl: 'http://127.0.0.1:8545' },
      { chainId: 31338, rpcUrl: 'http://127.0.0.1:8546' },
    ],
    eigenlayer: { delegationManager: a(3), strategyManager: a(4), avsDirectory: a(5), allocationManager: a(6), rewardsCoordinator: a(7), strategies: [a(8)] },
    epoch: { genesis: '0', length: '120', grace: '20' },
    services: {
      'state-proofs': {
        serviceManager: a(9),
        stakeRegistry: a(10),
        epochManager: a(11),
        chains: { [mainChainId]: { stateManager: a(1) } as { stateManager: string }, '31338': { stateManager: a(2) } },
      },
    },
  };
}

/** The issues of a configuration that must not load. */
function issuesOf<V extends ConfigValues, D extends DeploymentBase>(role: ConfigRoleSpec<V, D>, sources: ConfigSources): ConfigError['issues'] {
  try {
    loadConfig(role, sources, STATE_PROOFS_ROLES);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.issues;
  }
  assert.fail('the configuration loaded');
}

describe('config', () => {
  let dir: string;
  let deploymentPath: string;
  const file = (name: string, value: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
    return path;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'avs-config-unit-'));
    deploymentPath = file('deployment.json', { ...deployment(), aggregator: { url: 'http://127.0.0.1:8080' } });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('collects every bad key, each named with its role, path and origin', () => {
    const path = file('bad.json', {
      role: 'operator',
      deployment: 'deployment.json',
      address: '0x1234',
      signingKey: { keystore: 'k.json', devnetOperator: 0 },
      rpc: { '31337': 'ftp://rpc.example', mainnet: 'http://x' },
      confirmations: 'soon',
      nodeApi: { host: '0.0.0.0' },
      logLevel: 'loud',
      colour: 'blue',
    });
    const issues = issuesOf(operatorRole, { file: path, env: { AVS_OPERATOR__DATABASE__URL: 'mysql://db' } });
    const byKey = new Map(issues.map((i) => [i.key, i]));
    assert.deepEqual([...byKey.keys()].sort(), [
      'operator.address',
      'operator.colour',
      'operator.confirmations',
      'operator.database.url',
      'operator.logLevel',
      'operator.nodeApi.port',
      'operator.rpc.31337',
      'operator.rpc.mainnet',
      'operator.signingKey',
    ]);
    assert.equal(byKey.get('operator.rpc.31337')!.message, 'must be an http(s) URL');
    assert.equal(byKey.get('operator.rpc.mainnet')!.message, 'must be a chain id (a positive integer)');
    assert.equal(byKey.get('operator.signingKey')!.message, 'give one of keystore, devnetOperator, not both');
    assert.equal(byKey.get('operator.nodeApi.port')!.message, 'is required');
    assert.equal(byKey.get('operator.colour')!.message, 'unknown key');
    assert.equal(byKey.get('operator.rpc.31337')!.origin, path);
    assert.equal(byKey.get('operator.database.url')!.origin, 'AVS_OPERATOR__DATABASE__URL');
  });

  it('ConfigError is one line: the first issue, its origin, and how many more', () => {
    const path = file('two.json', { role: 'aggregator', port: 'x', host: '' });
    assert.throws(() => readConfig(aggregatorRole, { file: path }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.issues.length, 2);
      assert.equal(error.message, `config aggregator.host: must be an interface address (from ${path}) (and 1 more: see \`avs config check\`)`);
      assert.doesNotMatch(error.message, /\n/);
      return true;
    });
  });

  it('precedence: flag > env > file > default, with the origin of each key', () => {
    const path = file('aggregator.json', { role: 'aggregator', host: '0.0.0.0', port: 8000, lateWindowMs: 100, taskDeadlineMs: 60000 });
    const read = readConfig(aggregatorRole, {
      file: path,
      env: { AVS_AGGREGATOR__PORT: '8001', AVS_AGGREGATOR__LATE_WINDOW_MS: '200', AVS_AGGREGATOR__VERIFY_IN_WORKER: 'false' },
      flags: [
        { key: 'port', flag: '--port', value: '8002' },
        { key: 'host', flag: '--host', value: undefined },
      ],
    });
    assert.equal(read.values.port, 8002);
    assert.equal(read.values.lateWindowMs, 200);
    assert.equal(read.values.taskDeadlineMs, 60000);
    assert.equal(read.values.host, '0.0.0.0');
    assert.equal(read.values.verifyInWorker, false);
    assert.equal(read.values.logLevel, 'info', 'default');
    assert.equal(read.values.dispatchDelayMs, undefined, 'the service default applies');
    assert.equal(read.origins.get('port'), '--port');
    assert.equal(read.origins.get('lateWindowMs'), 'AVS_AGGREGATOR__LATE_WINDOW_MS');
    assert.equal(read.origins.get('host'), path);
    assert.equal(read.origins.has('logLevel'), false);
  });

  it('a flag naming a key source replaces the file’s (null removes a key)', () => {
    const path = file('keystore.json', { role: 'operator', address: OPERATOR, signingKey: { keystore: 'op.ecdsa.key.json', passwordFile: 'pw' } });
    const read = readConfig(operatorRole, {
      file: path,
      flags: [
        { key: 'signingKey.privateKey', flag: '--signing-key', value: KEY.slice(2) },
        { key: 'signingKey.keystore', flag: '--ecdsa-keystore', value: null },
      ],
    });
    assert.equal(read.values.signingKey.keystore, undefined);
    assert.equal(read.values.signingKey.privateKey, KEY, 'normalized to 0x hex');
    assert.equal(read.values.signingKey.passwordFile, join(dir, 'pw'));
  });

  it('environment names: AVS_<ROLE>__KEY__SUBKEY, camelCase keys from snake case, chain ids kept', () => {
    assert.equal(envNameOf('operator', 'nodeApi.port'), 'AVS_OPERATOR__NODE_API__PORT');
    assert.equal(envNameOf('aggregator', 'taskDeadlineMs'), 'AVS_AGGREGATOR__TASK_DEADLINE_MS');
    assert.equal(envNameOf('operator', 'rpc.31337'), 'AVS_OPERATOR__RPC__31337');
    const entries = envEntries(operatorRole, {
      AVS_OPERATOR__NODE_API__PORT: '9091',
      AVS_OPERATOR__RPC__31337: 'http://a',
      AVS_OPERATOR__SIGNING_KEY__PASSWORD_FILE: '/run/secrets/pw',
      AVS_OPERATOR__LOG_LEVEL: '',
      AVS_AGGREGATOR__PORT: '1',
    });
    assert.deepEqual(
      entries.map((e) => [e.path.join('.'), e.value, e.origin]),
      [
        ['nodeApi.port', '9091', 'AVS_OPERATOR__NODE_API__PORT'],
        ['rpc.31337', 'http://a', 'AVS_OPERATOR__RPC__31337'],
        ['signingKey.passwordFile', '/run/secrets/pw', 'AVS_OPERATOR__SIGNING_KEY__PASSWORD_FILE'],
      ],
    );
    const read = readConfig(operatorRole, { env: { AVS_OPERATOR__NODE_API__PORT: '9091', AVS_OPERATOR_ADDRESS: OPERATOR, AVS_SIGNING_KEY: KEY } });
    assert.deepEqual(read.values.nodeApi, { host: '127.0.0.1', port: 9091 });
  });

  it('keeps the variables the CLI read before: AVS_OPERATOR_ADDRESS, AVS_ECDSA_KEYSTORE, AVS_AGGREGATOR_URL, DATABASE_URL, LOG_LEVEL', () => {
    const env = {
      AVS_OPERATOR_ADDRESS: OPERATOR.toLowerCase(),
      AVS_ECDSA_KEYSTORE: '/keys/op.ecdsa.key.json',
      AVS_SIGNING_KEY: KEY,
      AVS_AGGREGATOR_URL: 'wss://aggregator.example/v1/operators/ws',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/avs',
      LOG_LEVEL: 'debug',
    };
    const read = readConfig(operatorRole, { env });
    assert.equal(read.values.address, OPERATOR);
    assert.deepEqual(read.values.signingKey, { keystore: '/keys/op.ecdsa.key.json' }, 'a keystore in the environment wins over AVS_SIGNING_KEY');
    assert.equal(read.values.aggregatorUrl, env.AVS_AGGREGATOR_URL);
    assert.equal(read.values.database.url, env.DATABASE_URL);
    assert.equal(read.values.logLevel, 'debug');
    // The structured variable is stronger than the alias.
    assert.equal(readConfig(operatorRole, { env: { ...env, AVS_OPERATOR__LOG_LEVEL: 'warn' } }).values.logLevel, 'warn');
    assert.equal(readConfig(challengerRole, { env: { AVS_CHALLENGER_KEY: KEY } }).values.key.privateKey, KEY);
    // An unknown key under the prefix is named with its variable.
    const issues = issuesOf(aggregatorRole, { env: { AVS_AGGREGATOR__PROT: '80' } });
    assert.deepEqual(issues, [{ key: 'aggregator.prot', message: 'unknown key', origin: 'AVS_AGGREGATOR__PROT' }]);
  });

  it('resolves relative paths against the config file and ignores $comment keys', () => {
    const path = file('paths.json', {
      $comment: 'notes',
      role: 'operator',
      deployment: 'deployment.json',
      address: OPERATOR,
      signingKey: { keystore: 'keys/op.ecdsa.key.json', passwordFile: '/abs/pw' },
      database: { sqlitePath: 'journal.sqlite' },
    });
    const loaded = loadConfig(operatorRole, { file: path });
    assert.equal(loaded.deploymentPath, deploymentPath);
    assert.equal(loaded.values.signingKey.keystore, join(dir, 'keys/op.ecdsa.key.json'));
    assert.equal(loaded.values.signingKey.passwordFile, '/abs/pw');
    assert.equal(loaded.values.database.sqlitePath, join(dir, 'journal.sqlite'));
    assert.equal(loaded.values.aggregatorUrl, 'http://127.0.0.1:8080', 'from the deployment file written by avs devnet');
    assert.equal(loaded.deployment.mainChainId, 31337);
  });

  it('checks keys against the deployment: RPC chain ids, devnet-only keys; inline deployments name their inner keys', () => {
    const rpc = issuesOf(operatorRole, {
      flags: [
        { key: 'deployment', flag: '--deployment', value: deploymentPath },
        { key: 'address', flag: '--operator', value: OPERATOR },
        { key: 'signingKey.privateKey', flag: '--signing-key', value: KEY },
        { key: 'rpc.5', flag: '--rpc', value: 'http://127.0.0.1:1' },
      ],
    });
    assert.deepEqual(rpc, [{ key: 'operator.rpc.5', message: 'chain 5 is not part of the deployment', origin: '--rpc' }]);

    const publicNetwork = { ...deployment(17000) };
    assert.deepEqual(
      issuesOf(operatorRole, { file: file('devnet-op.json', { deployment: publicNetwork, signingKey: { devnetOperator: 1 } }) }).map((i) => i.key),
      ['operator.signingKey.devnetOperator'],
    );
    assert.deepEqual(
      issuesOf(challengerRole, { file: file('challenger.json', { deployment: publicNetwork }), env: { AVS_CHALLENGER_KEY: KEY } }).map((i) => [i.key, i.origin]),
      [['challenger.key.privateKey', 'AVS_CHALLENGER_KEY']],
    );
    const inline = deployment();
    inline.services['state-proofs'].chains['31338'].stateManager = '0xnope';
    const inlineIssues = issuesOf(aggregatorRole, { file: file('inline.json', { deployment: inline, port: 'x' }) });
    assert.deepEqual(inlineIssues.map((i) => i.key), ['aggregator.port', 'aggregator.deployment.services.state-proofs.chains.31338.stateManager']);

    const loaded = loadConfig(aggregatorRole, { file: file('rpc.json', { deployment: deployment(), rpc: { '31338': 'https://remote.example/key' } }) });
    assert.deepEqual(rpcUrlsOf(loaded), { 31337: 'http://127.0.0.1:8545', 31338: 'https://remote.example/key' });
  });

  it('takes only http(s) RPC endpoints, the one rule of every RPC URL: in rpc, and in an inline or file deployment', () => {
    const base = { address: OPERATOR, signingKey: { privateKey: KEY } };
    const rpcIssues = issuesOf(operatorRole, { file: file('ws-rpc.json', { ...base, deployment: deployment(), rpc: { '31337': 'ws://127.0.0.1:8545', '31338': 'wss://remote.example/key' } }) });
    assert.deepEqual(
      rpcIssues.map((i) => [i.key, i.message]),
      [
        ['operator.rpc.31337', 'must be an http(s) URL'],
        ['operator.rpc.31338', 'must be an http(s) URL'],
      ],
    );
    assert.ok(rpcIssues.every((i) => !i.message.includes('remote.example')), 'the URL is not echoed');

    const inline = deployment();
    inline.chains[1].rpcUrl = 'ws://127.0.0.1:8546';
    assert.deepEqual(
      issuesOf(operatorRole, { file: file('ws-inline.json', { ...base, deployment: inline }) }).map((i) => [i.key, i.message]),
      [['operator.deployment.chains.1.rpcUrl', 'must be an http(s) URL']],
    );
    const wsFile = file('ws-deployment.json', { ...deployment(), chains: [{ ...deployment().chains[0], rpcUrl: 'wss://main.example' }] });
    const [fromFile] = issuesOf(operatorRole, { file: file('ws-file.json', { ...base, deployment: wsFile }) });
    assert.equal(fromFile.key, 'operator.deployment');
    assert.match(fromFile.message, /ws-deployment\.json: chains\.0\.rpcUrl: must be an http\(s\) URL$/);
  });

  it('names the file when it cannot be read or parsed, or is for another role', () => {
    assert.deepEqual(issuesOf(operatorRole, { file: join(dir, 'missing.json') }), [
      { key: 'operator', message: `cannot read config file ${join(dir, 'missing.json')}: no such file` },
    ]);
    assert.match(issuesOf(operatorRole, { file: file('garbage.json', '{ nope') })[0].message, /is not valid JSON/);
    const other = file('for-aggregator.json', { role: 'aggregator' });
    assert.deepEqual(issuesOf(operatorRole, { file: other, env: { AVS_OPERATOR_ADDRESS: OPERATOR, AVS_SIGNING_KEY: KEY } }), [
      { key: 'operator.role', message: 'this file is for the aggregator, not the operator', origin: other },
    ]);
  });

  it('never puts a secret in an error: private keys, passwords in URLs, API keys in RPC paths', () => {
    const notOnCurve = `0x${'f'.repeat(64)}`;
    const issues = issuesOf(operatorRole, {
      file: file('secrets.json', {
        address: OPERATOR,
        signingKey: { privateKey: notOnCurve },
        database: { url: 'mysql://admin:hunter2-secret@db.example/avs' },
        rpc: { '31337': 'ftp://rpc.example/v3/apikey-secret-123' },
      }),
      env: { AVS_OPERATOR__AGGREGATOR_URL: 'gopher://user:pw-secret@agg.example' },
    });
    assert.deepEqual(issues.map((i) => i.key).sort(), ['operator.aggregatorUrl', 'operator.database.url', 'operator.rpc.31337', 'operator.signingKey.privateKey']);
    const text = issues.map((i) => `${i.key} ${i.message} ${i.origin}`).join('\n') + new ConfigError(issues).message;
    for (const secret of ['f'.repeat(64), 'hunter2-secret', 'apikey-secret-123', 'pw-secret']) assert.ok(!text.includes(secret), `leaked ${secret}`);
    // What config check prints about URLs: scheme and host only.
    assert.equal(displayUrl('https://eth.example/v3/apikey-secret-123'), 'https://eth.example/…');
    assert.equal(displayUrl('http://127.0.0.1:8545'), 'http://127.0.0.1:8545');
    assert.equal(shortReason(new Error('fetch to https://user:pw@rpc.example/v3/apikey-secret-123 failed')), 'fetch to https://rpc.example/… failed');
  });

  it('the examples in config/ match the schemas, and docs/configuration.md names every key', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const operator = readConfig(operatorRole, { file: join(root, 'config/operator.example.json') });
    assert.equal(operator.values.signingKey.devnetOperator, 0);
    assert.equal(operator.values.deployment, join(root, '.avs/devnet.json'));
    const aggregator = readConfig(aggregatorRole, { file: join(root, 'config/aggregator.example.json') });
    assert.equal(aggregator.values.port, 8080);
    // The public-network template fails only on its <placeholders>, each named by its key.
    const sepolia = join(root, 'config/operator.sepolia.example.json');
    const placeholders = new Set<string>();
    const walk = (value: unknown, path: string[]) => {
      if (typeof value === 'string' && value.startsWith('<')) placeholders.add(['operator', ...path].join('.'));
      else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    };
    walk(JSON.parse(readFileSync(sepolia, 'utf8')), []);
    let issues: ConfigError['issues'] = [];
    try {
      readConfig(operatorRole, { file: sepolia });
    } catch (error) {
      issues = (error as ConfigError).issues;
    }
    // Paths (keystore, password file, database) are not checked by the schema; every other placeholder is.
    const expected = [...placeholders].filter((k) => !/signingKey\.(keystore|passwordFile)$/.test(k));
    assert.deepEqual(issues.map((i) => i.key).sort(), expected.sort());

    const doc = readFileSync(join(root, 'docs/configuration.md'), 'utf8');
    const keysOf = (schema: z.ZodType, prefix: string): string[] => {
      let inner: z.ZodType = schema;
      while (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional) inner = inner.unwrap() as z.ZodType;
      if (!(inner instanceof z.ZodObject)) return [prefix];
      return Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([k, v]) => keysOf(v, prefix ? `${prefix}.${k}` : k));
    };
    for (const { name: role, schema } of STATE_PROOFS_ROLES) {
      for (const key of keysOf(schema as z.ZodType, '')) {
        const documented = doc.includes(`\`${key}\``) || doc.includes(`\`${key.replace(/\.(host|port)$/, '.host')}\`, \``) || doc.includes(`\`${key.replace(/^rpc$/, 'rpc.<chainId>')}\``);
        assert.ok(documented, `${role} key ${key} is documented`);
      }
    }
  });
  it('a role of another service: its schema, variables, path keys, checks and defaults; a file names a registered role', () => {
    // A role as a second service would define it, from the core's building blocks alone.
    const proverRole = defineConfigRole({
      name: 'multi-prover',
      schema: z.strictObject({
        deployment: deploymentSource,
        rpc: rpcMap,
        database,
        key: z.strictObject(keySourceFields).superRefine(oneKeySource(['keystore', 'privateKey'])).default({}),
        verifier: addressSchema.optional(),
        enclave: z.string().optional(),
      }),
      legacyEnv: [
        ['PROVER_KEY', 'key.privateKey', 'PROVER_KEYSTORE'],
        ['PROVER_KEYSTORE', 'key.keystore'],
      ],
      pathKeys: ['key.keystore', 'enclave'],
      check: ({ values, devnet }) => (values.key.privateKey !== undefined && !devnet ? [{ key: 'key.privateKey', message: 'devnets only' }] : []),
      complete: ({ values, deployment }) => ({ ...values, verifier: values.verifier ?? (deployment.eigenlayer.avsDirectory as `0x${string}`) }),
    });
    const registry = [...STATE_PROOFS_ROLES, proverRole];
    assert.equal(envNameOf(proverRole.name, 'key.passwordFile'), 'AVS_MULTI_PROVER__KEY__PASSWORD_FILE');

    const path = file('prover.json', { role: 'multi-prover', deployment: 'deployment.json', enclave: 'enclave.bin', key: { keystore: 'k.json' } });
    const loaded = loadConfig(proverRole, { file: path, env: { AVS_MULTI_PROVER__DATABASE__SQLITE_PATH: 'p.sqlite' } }, registry);
    assert.equal(loaded.values.enclave, join(dir, 'enclave.bin'), 'its path keys resolve against the file');
    assert.equal(loaded.values.key.keystore, join(dir, 'k.json'));
    assert.equal(loaded.values.database.sqlitePath, 'p.sqlite');
    assert.equal(loaded.values.verifier, addressSchema.parse(a(5)), 'completed from the deployment');
    assert.equal(loaded.deployment.mainChainId, 31337, 'the core deployment: this role has no view of its own');
    // The legacy variable is ignored while the other is set, and read when it is not.
    assert.equal(readConfig(proverRole, { env: { PROVER_KEY: KEY, PROVER_KEYSTORE: '/k.json' } }).values.key.keystore, '/k.json');
    assert.equal(readConfig(proverRole, { env: { PROVER_KEY: KEY } }).values.key.privateKey, KEY);
    assert.deepEqual(
      issuesOf(proverRole, { flags: [{ key: 'deployment', flag: '--deployment', value: deployment(17000) }], env: { PROVER_KEY: KEY } }),
      [{ key: 'multi-prover.key.privateKey', message: 'devnets only', origin: 'PROVER_KEY' }],
    );

    // A file for one registered role is refused by another, naming it; an unknown role lists the registered ones.
    const forProver = file('for-prover.json', { role: 'multi-prover' });
    assert.throws(
      () => readConfig(challengerRole, { file: forProver, env: { AVS_CHALLENGER_KEY: KEY } }, registry),
      (error: unknown) => (error as ConfigError).issues[0].message === 'this file is for the multi-prover, not the challenger',
    );
    const unknown = file('unknown-role.json', { role: 'keeper' });
    assert.deepEqual(issuesOf(aggregatorRole, { file: unknown }), [
      { key: 'aggregator.role', message: 'must be one of operator, aggregator, challenger', origin: unknown },
    ]);
  });

  it('a deployment in the layout of an older release is named by its keys, inline or in a file', () => {
    const old = {
      mainChainId: 31337,
      chains: [{ chainId: 31337, rpcUrl: 'http://127.0.0.1:8545', stateManager: a(1) }],
      eigenlayer: deployment().eigenlayer,
      stateProofs: { serviceManager: a(9), stakeRegistry: a(10), epochManager: a(11) },
      epoch: deployment().epoch,
    };
    const base = { address: OPERATOR, signingKey: { privateKey: KEY } };
    assert.deepEqual(
      issuesOf(operatorRole, { file: file('old-inline.json', { ...base, deployment: old }) }).map((i) => [i.key, i.message]),
      [
        ['operator.deployment.chains.0.stateManager', 'not a core field; per-service addresses go under services.<service>.chains.31337'],
        ['operator.deployment.stateProofs', 'not a core field; per-service contracts go under services.<service>'],
        ['operator.deployment.services.state-proofs', 'is required (this deployment has no state-proofs section)'],
      ],
    );
    const oldFile = file('old-deployment.json', old);
    const [fromFile] = issuesOf(operatorRole, { file: file('old-file.json', { ...base, deployment: oldFile }) });
    assert.equal(fromFile.key, 'operator.deployment');
    assert.equal(fromFile.message, `${oldFile}: chains.0.stateManager: not a core field; per-service addresses go under services.<service>.chains.31337`);
    // A valid core with no entry for one chain in the service's section: the view refuses it, naming the key.
    const noEntry = deployment();
    delete (noEntry.services['state-proofs'].chains as Record<string, unknown>)['31338'];
    assert.deepEqual(
      issuesOf(operatorRole, { file: file('no-entry.json', { ...base, deployment: file('no-entry-deployment.json', noEntry) }) }).map((i) => i.message),
      [`${join(dir, 'no-entry-deployment.json')}: services.state-proofs.chains.31338: is required (every chain of the deployment has an entry)`],
    );
  });
});
