/**
 * `avs preconf gateway run` as a real process against a devnet whose beacon node and registry run (the devnet's own
 * gateway beside it): from a config file naming that beacon node and the devnet's delegate key, the gateway serves a
 * lookahead of the beacon node's proposers with their registrations and signs a preconfirmation the registry accepts
 * on-chain; SIGTERM stops it with exit 0, and restarted (from flags, the beacon node from the deployment file) on the
 * same SQLite file it answers the same request with the same signature instead of signing again. An unreachable
 * beacon node, a bad URL and two key sources are refused in one line.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Hex, type PublicClient, parseEther, parseGwei } from 'viem';
import { IUniFiAVSManagerAbi } from '../../src/core/chain/abis/generated/index.ts';
import { type Devnet, startDevnet } from '../../src/devnet/devnet.ts';
import { preconfOnlyServices } from '../../src/devnet/preconfServices.ts';
import { AVS_BIN, type AvsRun, assertOneLineError, runAvs } from '../helpers/cli.ts';
import { freePort, waitFor } from '../helpers/wait.ts';

type SlotJson = { slot: string; validatorIndex: string; blsPubKeyHash: Hex; operator: string | null; delegateKey: string | null; canPreconf: boolean };
type PreconfJson = { preconfirmation: { chainId: string; slot: string; txHash: Hex; blsPubKeyHash: Hex }; digest: Hex; signer: string; signature: Hex };

/** A long-running `avs` child whose output is kept for failure messages. */
type Proc = { child: ChildProcess; output: () => string; exited: Promise<number | null> };

function startAvs(args: readonly string[], cwd: string): Proc {
  const child = spawn(process.execPath, [AVS_BIN, ...args], { cwd, env: { ...process.env, AVS_DEBUG: '', LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function stopProc(proc: Proc, signal: NodeJS.Signals): Promise<number | null> {
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill(signal);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 30_000);
  const code = await proc.exited;
  clearTimeout(timer);
  return code;
}

/** The URL the gateway prints once it listens. */
function gatewayUrlOf(proc: Proc): Promise<string> {
  return waitFor('the gateway’s URL line', () => /preconf gateway listening on (http:\/\/\S+)/.exec(proc.output())?.[1], {
    abortIf: () => (proc.child.exitCode !== null ? `the gateway exited (${proc.child.exitCode}):\n${proc.output()}` : undefined),
    context: () => proc.output(),
  });
}

describe('avs preconf gateway run (process)', () => {
  let dir: string;
  let deploymentFile: string;
  let devnet: Devnet;
  let client: PublicClient;
  let proc: Proc | undefined;
  let signed: { body: string; preconf: PreconfJson } | undefined;

  const avs = (args: string[]): Promise<AvsRun> => runAvs(['--deployment', deploymentFile, ...args], {}, { cwd: dir });
  const post = async (url: string, body: string) => {
    const response = await fetch(`${url}/v1/preconfs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return { status: response.status, body: (await response.json()) as PreconfJson & Record<string, unknown> };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'avs-preconf-gateway-run-'));
    deploymentFile = join(dir, 'devnet.json');
    // Slots of 2 s keep the lookahead moving within the test.
    devnet = await startDevnet({
      operators: 3,
      remoteChains: 1,
      multiProver: false,
      automation: false,
      dir,
      writeDeployment: deploymentFile,
      services: preconfOnlyServices({ logLevel: 'silent', secondsPerSlot: 2n }),
    });
    client = devnet.clients.get(devnet.deployment.mainChainId)!;
    assert.ok(devnet.preconf && devnet.services?.preconf, 'the devnet runs the preconf registry and its beacon node');
  });

  after(async () => {
    if (proc) await stopProc(proc, 'SIGKILL');
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses in one line: an unreachable beacon node (naming its URL, nothing created), a bad URL, two key sources', async () => {
    const port = await freePort();
    const db = join(dir, 'never.sqlite');
    const unreachable = await avs(['preconf', 'gateway', 'run', '--beacon-url', `http://127.0.0.1:${port}`, '--devnet-delegate-key', '--port', '0', '--db', db]);
    assertOneLineError(unreachable, 1, new RegExp(`cannot start the preconf gateway: .*cannot reach the beacon node at http://127\\.0\\.0\\.1:${port}`));
    assert.equal(existsSync(db), false, 'no database is created before the beacon node answers');
    assertOneLineError(await avs(['preconf', 'gateway', 'run', '--beacon-url', 'ftp://beacon', '--devnet-delegate-key']), 2, /preconf-gateway\.beaconUrl: must be an http\(s\) URL/);
    assertOneLineError(
      await avs(['preconf', 'gateway', 'run', '--devnet-delegate-key', '--delegate-key', `0x${'11'.repeat(32)}`]),
      2,
      /preconf-gateway\.delegateKeys\.0: give one of privateKey, devnetDelegateKey, not both/,
    );
  });

  it('runs from a config file: the beacon node’s proposers with their registrations, and a preconfirmation the registry accepts', async () => {
    const file = join(dir, 'preconf-gateway.json');
    const beaconUrl = devnet.services!.preconf!.beacon.url;
    writeFileSync(file, JSON.stringify({ role: 'preconf-gateway', deployment: 'devnet.json', beaconUrl, port: 0, delegateKeys: [{ devnetDelegateKey: true }], database: { sqlitePath: 'gateway.sqlite' } }));
    const check = await runAvs(['config', 'check', file], {}, { cwd: dir });
    assert.equal(check.code, 0, check.stdout + check.stderr);

    proc = startAvs(['preconf', 'gateway', 'run', '--config', file], dir);
    const url = await gatewayUrlOf(proc);
    const delegate = devnet.preconf!.delegateKey.address.toLowerCase();
    const registeredOperators = new Set(devnet.preconf!.registered.map((r) => r.operator));
    const remote = devnet.chains[1]!.chainId;
    const operator0 = devnet.preconf!.registered.find((r) => r.operatorIndex === 0)!;
    // Operator 0 committed to both chains: wait for one of its validators to propose at least two slots ahead.
    const target = await waitFor(
      'a slot of operator 0 in the lookahead',
      async () => {
        const response = await fetch(`${url}/v1/lookahead?chainId=${remote}`);
        assert.equal(response.status, 200);
        const slots = ((await response.json()) as { slots: SlotJson[] }).slots;
        assert.ok(slots.length > 0);
        for (const s of slots.filter((x) => x.operator !== null)) {
          assert.ok(registeredOperators.has(s.operator as `0x${string}`), `slot ${s.slot}: ${s.operator} is a registered operator`);
          assert.equal(s.delegateKey?.toLowerCase(), delegate, 'committed to the devnet’s delegate key');
        }
        return slots.slice(2).find((s) => s.operator === operator0.operator && s.canPreconf);
      },
      { timeoutMs: 120_000, intervalMs: 1_000, context: () => proc!.output() },
    );
    const signedTransaction = await devnet.user.signTransaction({
      chainId: remote,
      type: 'eip1559',
      to: devnet.deployer.address,
      value: parseEther('0.001'),
      nonce: 0,
      gas: 21_000n,
      maxFeePerGas: parseGwei('2'),
      maxPriorityFeePerGas: parseGwei('1'),
    });
    const body = JSON.stringify({ chainId: String(remote), slot: target.slot, signedTransaction });
    const first = await post(url, body);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.signer, devnet.preconf!.delegateKey.address);
    assert.equal(first.body.preconfirmation.blsPubKeyHash, target.blsPubKeyHash);
    const p = first.body.preconfirmation;
    const valid = await client.readContract({
      address: devnet.preconf!.section.registry,
      abi: IUniFiAVSManagerAbi,
      functionName: 'isValidPreconfirmation',
      args: [{ chainId: BigInt(p.chainId), slot: BigInt(p.slot), txHash: p.txHash, blsPubKeyHash: p.blsPubKeyHash }, first.body.signature],
    });
    assert.equal(valid, true);
    signed = { body, preconf: first.body };
  });

  it('SIGTERM exits 0; restarted on the same database it answers the same request with the same signature', async () => {
    assert.ok(proc && signed, 'the gateway ran and signed');
    assert.equal(await stopProc(proc, 'SIGTERM'), 0, proc.output());
    // From flags this time: the beacon node is the deployment file's aggregator.beaconUrl.
    proc = startAvs(['--deployment', deploymentFile, 'preconf', 'gateway', 'run', '--devnet-delegate-key', '--port', '0', '--db', join(dir, 'gateway.sqlite')], dir);
    const url = await gatewayUrlOf(proc);
    const again = await post(url, signed.body);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.signature, signed.preconf.signature);
    assert.equal(again.body.digest, signed.preconf.digest);
    const stored = await fetch(`${url}/v1/preconfs/${signed.preconf.digest}`);
    assert.equal(stored.status, 200);
    assert.equal(await stopProc(proc, 'SIGTERM'), 0, proc.output());
    proc = undefined;
  });
});
