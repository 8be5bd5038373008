/**
 * Config files against a real devnet (anvil chains, deployed contracts, registered operators; no services): `avs config
 * check` passes on good files and fails naming the key or the RPC on bad ones; `avs aggregator run --config` and
 * `avs operator run --config` and `avs challenger run --config` start from files alone (the operator authenticates with
 * the aggregator, the challenger serves its node API).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { privateKeyToAccount } from 'viem/accounts';
import { EpochManagerAbi } from '../../src/core/chain/abis/generated/index.ts';
import { encryptKeystore } from '../../src/core/crypto/keystore.ts';
import { epochAt, epochInterval } from '../../src/core/epochs.ts';
import { advanceChainsTo, chainTime } from '../../src/devnet/time.ts';
import { devPrivateKey } from '../../src/devnet/accounts.ts';
import { type Devnet, startDevnet } from '../../src/devnet/devnet.ts';
import { devnetOperatorKeys } from '../../src/devnet/seed.ts';
import { AVS_BIN, type AvsRun, runAvs } from '../helpers/cli.ts';
import { freePort, waitFor as waitForHelper } from '../helpers/wait.ts';

const WAIT_MS = 90_000;

type Check = { name: string; ok: boolean; detail: string; data?: Record<string, unknown> };

/** A long-running `avs` child whose output is kept for failure messages. */
type Proc = { child: ChildProcess; output: () => string; exited: Promise<number | null> };

function startAvs(args: readonly string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(process.execPath, [AVS_BIN, ...args], { env: { ...process.env, ...env, AVS_DEBUG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function stopProc(proc: Proc | undefined): Promise<void> {
  if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 20_000);
  await proc.exited;
  clearTimeout(timer);
}


/** Polls `probe` until it returns a value, failing with the processes' output when one exits or time runs out. */
function waitFor<T>(what: string, probe: () => Promise<T | undefined>, watch: readonly Proc[]): Promise<T> {
  return waitForHelper(what, probe, {
    timeoutMs: WAIT_MS,
    abortIf: () => {
      const dead = watch.find((p) => p.child.exitCode !== null);
      return dead && `a process exited:\n${dead.output()}`;
    },
    context: () => watch.map((p) => p.output()).join('\n---\n'),
  });
}

function checksOf(run: AvsRun): Check[] {
  return (JSON.parse(run.stdout) as { checks: Check[] }).checks;
}

describe('config files', () => {
  let devnet: Devnet;
  let dir: string;
  let deploymentPath: string;
  let aggregator: Proc | undefined;
  let operator: Proc | undefined;
  let challenger: Proc | undefined;
  const PASSWORD = 'config-test password 7';

  /** Writes a config file in the test directory and returns its path. */
  function writeConfig(name: string, value: unknown): string {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(value, null, 2));
    return path;
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'avs-config-test-'));
    deploymentPath = join(dir, 'devnet.json');
    devnet = await startDevnet({ operators: 2, remoteChains: 1, dir, writeDeployment: deploymentPath });
  });

  after(async () => {
    await stopProc(challenger);
    await stopProc(operator);
    await stopProc(aggregator);
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('aggregator, operator and challenger run from files; config check passes on each first', async () => {
    const port = await freePort();
    const aggregatorFile = writeConfig('aggregator.json', {
      role: 'aggregator',
      deployment: 'devnet.json',
      port,
      database: { sqlitePath: 'aggregator.sqlite' },
      lateWindowMs: 500,
      logLevel: 'info',
    });
    // Before the aggregator runs: every check passes, the port included.
    const mainClient = devnet.clients.get(31337)!;
    const blockBefore = await mainClient.getBlockNumber({ cacheTime: 0 });
    const before = await runAvs(['config', 'check', aggregatorFile, '--json']);
    assert.equal(before.code, 0, before.stdout + before.stderr);
    const checks = checksOf(before);
    assert.deepEqual(
      checks.map((c) => c.name),
      ['config', 'rpc 31337', 'rpc 31338', 'database', 'listen'],
    );
    assert.ok(checks.every((c) => c.ok));
    const main = checks.find((c) => c.name === 'rpc 31337')!;
    assert.equal(main.data?.chainId, 31337);
    // The block number the check read lies between two reads of the chain around it (blocks keep coming).
    const reported = BigInt(main.data!.blockNumber as string);
    assert.ok(reported >= blockBefore && reported <= (await mainClient.getBlockNumber({ cacheTime: 0 })), `block ${reported}`);

    aggregator = startAvs(['aggregator', 'run', '--config', aggregatorFile]);
    const api = `http://127.0.0.1:${port}`;
    await waitFor('the aggregator', async () => ((await fetch(`${api}/v1/epochs/current`)).status === 200 ? true : undefined), [aggregator]);

    const operator0 = privateKeyToAccount(devnetOperatorKeys(0).operatorKey).address;
    const operatorFile = writeConfig('operator.json', {
      role: 'operator',
      deployment: 'devnet.json',
      signingKey: { devnetOperator: 0 },
      aggregatorUrl: api,
      confirmations: 1,
      database: { sqlitePath: 'operator-0.sqlite' },
    });
    const text = await runAvs(['config', 'check', operatorFile]);
    assert.equal(text.code, 0, text.stdout + text.stderr);
    const lines = text.stdout.trimEnd().split('\n');
    assert.ok(lines.every((l) => l.startsWith('ok ')), text.stdout);
    assert.ok(lines.some((l) => /^ok\s+signing key\s+0x[0-9a-fA-F]{40} is the registered signing key of /.test(l) && l.includes(operator0)), text.stdout);
    assert.ok(lines.some((l) => /^ok\s+aggregator\s+http:\/\/127\.0\.0\.1:\d+ health 20[06]/.test(l)), text.stdout);

    // The operator node from the file alone; the aggregator sees it authenticated.
    operator = startAvs(['operator', 'run', '--config', operatorFile]);
    const connected = await waitFor(
      'operator 0 connected',
      async () => {
        const body = (await (await fetch(`${api}/v1/operators`)).json()) as { operators: { operator: string; connected: boolean }[] };
        return body.operators.find((o) => o.operator === operator0 && o.connected);
      },
      [aggregator, operator],
    );
    assert.equal(connected.operator, operator0);
    await stopProc(operator);
    operator = undefined;

    // The challenger: its key from the legacy variable, everything else from the file; its node API comes up.
    const nodeApiPort = await freePort();
    const challengerFile = writeConfig('challenger.json', {
      role: 'challenger',
      deployment: 'devnet.json',
      aggregatorUrl: api,
      confirmations: 1,
      database: { sqlitePath: 'challenger.sqlite' },
      nodeApi: { port: nodeApiPort },
    });
    const env = { AVS_CHALLENGER_KEY: devPrivateKey(4) };
    const check = await runAvs(['config', 'check', challengerFile, '--json'], env);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    const balance = checksOf(check).find((c) => c.name === 'balance')!;
    assert.ok(BigInt(balance.data!.wei as string) > 0n);
    assert.ok(balance.detail.startsWith(devnet.challenger.address));
    challenger = startAvs(['challenger', 'run', '--config', challengerFile], env);
    await waitFor('the challenger node API', async () => ((await fetch(`http://127.0.0.1:${nodeApiPort}/eigen/node/health`)).ok ? true : undefined), [challenger]);
    await stopProc(challenger);
    challenger = undefined;
  });

  it('fails naming the RPC: wrong chain id, unreachable endpoint; exit 1', async () => {
    const remoteUrl = devnet.deployment.chains.find((c) => c.chainId === 31338)!.rpcUrl;
    const file = writeConfig('operator-bad-rpc.json', {
      role: 'operator',
      deployment: deploymentPath,
      signingKey: { devnetOperator: 1 },
      aggregatorUrl: 'http://127.0.0.1:9',
      rpc: { '31337': remoteUrl, '31338': 'http://127.0.0.1:9' },
    });
    const run = await runAvs(['config', 'check', file, '--json']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^avs: error: \d+ of \d+ checks failed\n$/);
    const checks = checksOf(run);
    const byName = new Map(checks.map((c) => [c.name, c]));
    assert.equal(byName.get('rpc 31337')?.ok, false);
    assert.match(byName.get('rpc 31337')!.detail, /serves chain 31338, not 31337/);
    assert.equal(byName.get('rpc 31338')?.ok, false);
    assert.match(byName.get('rpc 31338')!.detail, /cannot reach http:\/\/127\.0\.0\.1:9/);
    assert.equal(byName.get('aggregator')?.ok, false);
    // The key is still checked locally; the registry is not read through an RPC serving another chain.
    assert.equal(byName.get('key')?.ok, true);
    assert.equal(byName.has('signing key'), false);
  });

  it('checks a keystore: decrypts, compares with the registered signing key, never prints the password or the key', async () => {
    const keys1 = devnetOperatorKeys(1);
    const operator1 = privateKeyToAccount(keys1.operatorKey).address;
    const kdf = { function: 'pbkdf2', c: 1024 } as const;
    const good = join(dir, 'op1.ecdsa.key.json');
    writeFileSync(good, JSON.stringify(await encryptKeystore(keys1.signingKey, PASSWORD, { kdf })));
    const other = join(dir, 'op0.ecdsa.key.json');
    const wrongKey = devnetOperatorKeys(0).signingKey;
    writeFileSync(other, JSON.stringify(await encryptKeystore(wrongKey, PASSWORD, { kdf })));
    const passwordFile = join(dir, 'password.txt');
    writeFileSync(passwordFile, `${PASSWORD}\n`);
    const base = { role: 'operator', deployment: 'devnet.json', address: operator1, aggregatorUrl: 'http://127.0.0.1:9' };

    const ok = await runAvs(['config', 'check', writeConfig('op1.json', { ...base, signingKey: { keystore: 'op1.ecdsa.key.json', passwordFile: 'password.txt' } }), '--json']);
    const okChecks = checksOf(ok);
    assert.equal(okChecks.find((c) => c.name === 'keystore')?.ok, true, ok.stdout);
    assert.equal(okChecks.find((c) => c.name === 'signing key')?.ok, true, ok.stdout);

    // The password from the environment, a keystore holding another operator's signing key.
    const wrong = await runAvs(['config', 'check', writeConfig('op1-wrong.json', { ...base, signingKey: { keystore: 'op0.ecdsa.key.json' } }), '--json'], {
      AVS_KEYSTORE_PASSWORD: PASSWORD,
    });
    assert.equal(wrong.code, 1);
    const mismatch = checksOf(wrong).find((c) => c.name === 'signing key')!;
    assert.equal(mismatch.ok, false);
    assert.match(mismatch.detail, new RegExp(`key is ${privateKeyToAccount(wrongKey).address} but ${operator1} registered ${privateKeyToAccount(keys1.signingKey).address}`));

    for (const run of [ok, wrong]) {
      const all = run.stdout + run.stderr;
      assert.ok(!all.includes(PASSWORD), 'the password is never printed');
      assert.ok(!all.toLowerCase().includes(keys1.signingKey.slice(2).toLowerCase()), 'the key is never printed');
      assert.ok(!all.toLowerCase().includes(wrongKey.slice(2).toLowerCase()), 'the key is never printed');
    }
  });

  it('run commands refuse a bad file in one line naming the key and where the value came from', async () => {
    const file = writeConfig('operator-invalid.json', {
      role: 'operator',
      deployment: 'devnet.json',
      signingKey: { devnetOperator: 0 },
      rpc: { '31337': 'not a url' },
    });
    const run = await runAvs(['operator', 'run', '--config', file]);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, `avs: error: config operator.rpc.31337: must be an http(s) URL (from ${file})\n`);

    // An environment override replaces the file's value, and is named when it is the bad one.
    const env = await runAvs(['aggregator', 'run', '--config', writeConfig('aggregator-env.json', { role: 'aggregator', deployment: 'devnet.json' })], {
      AVS_AGGREGATOR__PORT: '70000',
    });
    assert.equal(env.code, 1);
    assert.equal(env.stderr, 'avs: error: config aggregator.port: must be a port from 0 to 65535 (from AVS_AGGREGATOR__PORT)\n');

    // A flag is a usage error (exit 2).
    const flag = await runAvs(['aggregator', 'run', '--config', join(dir, 'aggregator-env.json'), '--port', 'eighty']);
    assert.equal(flag.code, 2);
    assert.equal(flag.stderr, 'avs: config aggregator.port: must be a port from 0 to 65535 (from --port)\n');

    // Devnet-only keys against a public-network deployment: usage errors naming the flag.
    const publicNetwork = join(dir, 'public.json');
    const devnetFile = JSON.parse(readFileSync(deploymentPath, 'utf8'));
    const section = devnetFile.services['state-proofs'];
    writeFileSync(
      publicNetwork,
      JSON.stringify({
        ...devnetFile,
        mainChainId: 17000,
        chains: [{ ...devnetFile.chains[0], chainId: 17000 }],
        services: { 'state-proofs': { ...section, chains: { '17000': section.chains['31337'] } } },
      }),
    );
    const devnetKey = await runAvs(['challenger', 'run', '--deployment', publicNetwork, '--key', devPrivateKey(4)]);
    assert.equal(devnetKey.code, 2);
    assert.equal(devnetKey.stderr, 'avs: config challenger.key.privateKey: plain hex keys are for devnets only: use key.keystore on a public network (from --key)\n');
    assert.ok(!devnetKey.stderr.includes(devPrivateKey(4).slice(2)));

    // A file for another role.
    const wrongRole = await runAvs(['operator', 'run', '--config', join(dir, 'aggregator-env.json')]);
    assert.equal(wrongRole.code, 1);
    assert.match(wrongRole.stderr, /^avs: error: config operator\.role: this file is for the aggregator, not the operator/);
  });

  it('the aggregator runs the epoch publisher from its config: config check vouches for the key, and the publisher sends the final set', async () => {
    const port = await freePort();
    const file = writeConfig('aggregator-publisher.json', {
      role: 'aggregator',
      deployment: 'devnet.json',
      port,
      database: { sqlitePath: 'aggregator-publisher.sqlite' },
      publisher: { privateKey: devPrivateKey(2), intervalMs: 500, rewards: { token: devnet.token, budgetPerEpoch: '1000000' } },
    });
    const check = await runAvs(['config', 'check', file, '--json']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    const checks = checksOf(check);
    for (const name of ['publisher key', 'publisher balance', 'publisher rewards initiator']) {
      assert.ok(checks.find((c) => c.name === name)?.ok, `${name}: ${JSON.stringify(checks)}`);
    }

    // Into the current epoch's grace period: the next epoch's set is final, and the remote chain does not hold it yet.
    const clients = devnet.deployment.chains.map((c) => devnet.clients.get(c.chainId)!);
    const config = { genesis: devnet.deployment.epoch.genesis, length: devnet.deployment.epoch.length, grace: devnet.deployment.epoch.grace };
    const now = await chainTime(clients[0]);
    const epoch = epochAt(config, now);
    const interval = epochInterval(config, epoch);
    await advanceChainsTo(clients, interval.graceStart + 1n);
    const fromBlock = await clients[0].getBlockNumber({ cacheTime: 0 });

    const publisherAggregator = startAvs(['aggregator', 'run', '--config', file]);
    try {
      const sent = await waitFor(
        'the publisher to send the final operator set to 31338',
        async () => {
          const logs = await clients[0].getContractEvents({
            address: devnet.deployment.stateProofs.epochManager,
            abi: EpochManagerAbi,
            eventName: 'StateUpdatesSent',
            fromBlock,
          });
          return logs.find((l) => l.args.chainId === 31338n);
        },
        [publisherAggregator],
      );
      assert.equal(sent.args.epoch, epoch + 1);
      assert.equal(sent.args.caller, privateKeyToAccount(devPrivateKey(2)).address);
      assert.match(publisherAggregator.output(), new RegExp(privateKeyToAccount(devPrivateKey(2)).address), 'the start log names the publisher');
    } finally {
      await stopProc(publisherAggregator);
    }
  });
});
