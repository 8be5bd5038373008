/**
 * `avs multi-prover` as real processes against one `avs devnet` process (state proofs and the multi-prover side by
 * side): the devnet writes the multi-prover aggregator's URL into the deployment file; `task request --wait` follows a
 * block state to its confirmState transaction; `task get` reads it, and fails in one line for an unknown task; a bad
 * flag is a usage error naming it; `operator register` of a registered devnet operator sends nothing; `aggregator run
 * --config` serves the operators' view and stops on SIGINT with exit 0; `operator attest` proves a new devnet prover
 * live (last: it replaces a running node's prover); `collateral submit` puts real Intel collateral into the devnet's
 * store and `quote verify --on-chain` names why the chain refuses a quote whose collateral is out of date.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { privateKeyToAccount } from 'viem/accounts';
import { devnetOperatorKeys } from '../../src/devnet/seed.ts';
import { AVS_BIN, type AvsRun, assertOneLineError, runAvs } from '../helpers/cli.ts';
import { freePort, waitFor } from '../helpers/wait.ts';

type Description = {
  chains: { chainId: number; rpcUrl: string }[];
  endpoints: Record<string, string>;
  multiProver: { aggregatorUrl: string; contracts: { provenChains: number[] } } | null;
};

/** A long-running `avs` child whose output is kept for failure messages. */
type Proc = { child: ChildProcess; output: () => string; stdout: () => string; exited: Promise<number | null> };

function startAvs(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(process.execPath, [AVS_BIN, ...args], { cwd, env: { ...process.env, AVS_DEBUG: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let stdout = '';
  child.stdout!.on('data', (d) => {
    output += d;
    stdout += d;
  });
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, stdout: () => stdout, exited };
}

async function stopProc(proc: Proc | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (!proc) return null;
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill(signal);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 30_000);
  const code = await proc.exited;
  clearTimeout(timer);
  return code;
}

/** Resolves with the devnet's description once `avs devnet --json` printed it (it is then fully up). */
function described(proc: Proc): Promise<Description> {
  return waitFor(
    'avs devnet to come up',
    () => {
      const newline = proc.stdout().indexOf('\n');
      const line = newline >= 0 ? proc.stdout().slice(0, newline) : undefined;
      return line ? (JSON.parse(line) as Description) : undefined;
    },
    { abortIf: () => (proc.child.exitCode !== null ? `avs devnet exited (${proc.child.exitCode}):\n${proc.output()}` : undefined) },
  );
}

describe('avs multi-prover (processes)', () => {
  let cwd: string;
  let devnet: Proc;
  let description: Description;
  let aggregator: Proc | undefined;

  const avs = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<AvsRun> => runAvs(args, { AVS_MULTI_PROVER_URL: '', ...env }, { cwd });

  before(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'avs-multi-prover-cli-'));
    // LOG_LEVEL silent keeps stdout to the one JSON line (the services log to stdout).
    devnet = startAvs(['devnet', '--json', '--aggregator-port', '0', '--operators', '2'], cwd, { LOG_LEVEL: 'silent' });
    description = await described(devnet);
  });

  after(async () => {
    await stopProc(aggregator);
    await stopProc(devnet, 'SIGINT');
    rmSync(cwd, { recursive: true, force: true });
  });

  it('avs devnet runs the multi-prover and writes its aggregator URL beside state proofs’', () => {
    const file = JSON.parse(readFileSync(join(cwd, '.avs', 'devnet.json'), 'utf8')) as { aggregator: { url: string; multiProverUrl: string } };
    assert.match(file.aggregator.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(file.aggregator.multiProverUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(file.aggregator.multiProverUrl, file.aggregator.url);
    assert.equal(description.multiProver?.aggregatorUrl, file.aggregator.multiProverUrl);
    assert.equal(description.endpoints['multi-prover http'], file.aggregator.multiProverUrl);
    assert.deepEqual(description.multiProver?.contracts.provenChains, [31338]);
  });

  it('task request --wait follows a block state to its confirmState transaction; task get reads it', async () => {
    const request = await avs(['multi-prover', 'task', 'request', '--chain', '31338', '--wait', '--json']);
    assert.equal(request.code, 0, request.stderr);
    const task = JSON.parse(request.stdout) as {
      taskId: string;
      status: string;
      chainId: string;
      state: { blockHash: string; stateRoot: string } | null;
      confirmation: { status: string; txHash: string | null } | null;
    };
    assert.equal(task.status, 'aggregated');
    assert.equal(task.chainId, '31338');
    assert.match(task.state?.blockHash ?? '', /^0x[0-9a-f]{64}$/);
    assert.equal(task.confirmation?.status, 'confirmed');
    assert.match(task.confirmation?.txHash ?? '', /^0x[0-9a-f]{64}$/);

    const get = await avs(['multi-prover', 'task', 'get', task.taskId, '--json']);
    assert.equal(get.code, 0, get.stderr);
    assert.deepEqual(JSON.parse(get.stdout).confirmation.txHash, task.confirmation?.txHash);
  });

  it('task get of an unknown task fails in one line; a bad --block is a usage error naming it', async () => {
    assertOneLineError(await avs(['multi-prover', 'task', 'get', `0x${'ab'.repeat(32)}`]), 1, /404.*not found/);
    assertOneLineError(await avs(['multi-prover', 'task', 'request', '--chain', '31338', '--block', 'latest']), 2, /--block/);
  });

  it('collateral submit puts real Intel collateral into the store once; quote verify --on-chain names why the chain refuses an expired quote', async () => {
    const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/tee/${name}`, import.meta.url));
    const submit = ['multi-prover', 'collateral', 'submit', '--collateral', fixture('sgx_quote_collateral.json'), '--devnet-account', '9', '--json'];
    const first = await avs(submit);
    assert.equal(first.code, 0, first.stderr);
    const sent = JSON.parse(first.stdout) as Record<string, { action: string }>;
    assert.deepEqual(['rootCaCrl', 'pckCrl', 'tcbInfo', 'qeIdentity'].map((item) => sent[item]?.action), ['submitted', 'submitted', 'submitted', 'submitted']);
    const again = JSON.parse((await avs(submit)).stdout) as Record<string, { action: string }>;
    assert.deepEqual(['rootCaCrl', 'pckCrl', 'tcbInfo', 'qeIdentity'].map((item) => again[item]?.action), ['current', 'current', 'current', 'current']);
    const status = await avs(['multi-prover', 'collateral', 'status', '--fmspc', '00A067110000', '--json']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(JSON.parse(status.stdout)['TCB info (sgx, FMSPC 00a067110000)'], /^issued 2025-06-19T10:56:11.000Z/);
    // The devnet runs at today's time: the 2025 collateral (its root CA CRL first) is out of date.
    assertOneLineError(await avs(['multi-prover', 'quote', 'verify', fixture('sgx_quote'), '--on-chain']), 1, /refuses the quote at block \d+ .*: CrlExpired\(/);
    assertOneLineError(await avs(['multi-prover', 'quote', 'verify', fixture('sgx_quote'), '--on-chain', '--at', '2025-07-01T00:00:00Z']), 2, /--on-chain/);
  });

  it('operator register of a registered devnet operator sends nothing', async () => {
    const register = await avs(['multi-prover', 'operator', 'register', '--devnet-operator', '0', '--quorums', '0', '--json']);
    assert.equal(register.code, 0, register.stderr);
    const result = JSON.parse(register.stdout) as { operator: string; status: string; steps: Record<string, string> };
    assert.equal(result.operator, privateKeyToAccount(devnetOperatorKeys(0).operatorKey).address);
    assert.equal(result.status, 'already registered');
    assert.ok(Object.values(result.steps).every((outcome) => outcome === 'skipped'));
  });

  it('aggregator run --config serves the operator set and exits 0 on SIGINT', async () => {
    const port = await freePort();
    const file = join(cwd, 'multi-prover-aggregator.json');
    writeFileSync(
      file,
      JSON.stringify({
        role: 'multi-prover-aggregator',
        deployment: '.avs/devnet.json',
        port,
        database: { sqlitePath: 'second-aggregator.sqlite' },
        confirmer: { devnetAccount: 6 },
        blockWatch: 'off',
        logLevel: 'warn',
      }),
    );
    const check = await avs(['config', 'check', file, '--json']);
    assert.equal(check.code, 0, check.stdout + check.stderr);

    aggregator = startAvs(['multi-prover', 'aggregator', 'run', '--config', file], cwd);
    const running = aggregator;
    const operators = await waitFor(
      'the second aggregator',
      async () => {
        const response = await fetch(`http://127.0.0.1:${port}/v1/multi-prover/operators`);
        return response.status === 200 ? ((await response.json()) as { operators: { operator: string }[] }) : undefined;
      },
      { abortIf: () => (running.child.exitCode !== null ? `the aggregator exited:\n${running.output()}` : undefined), context: running.output },
    );
    assert.equal(operators.operators.length, 2);
    assert.equal(await stopProc(aggregator, 'SIGINT'), 0, aggregator.output());
    aggregator = undefined;
  });

  it('operator attest proves a new devnet prover live, refusing to replace a live one without --replace', async () => {
    assertOneLineError(await avs(['multi-prover', 'operator', 'attest', '--devnet-operator', '1']), 1, /--replace/);
    const attest = await avs(['multi-prover', 'operator', 'attest', '--devnet-operator', '1', '--replace', '--json']);
    assert.equal(attest.code, 0, attest.stderr);
    const result = JSON.parse(attest.stdout) as { operator: string; proverKey: string; liveUntil: number; action: string; transactionHash: string };
    assert.equal(result.operator, privateKeyToAccount(devnetOperatorKeys(1).operatorKey).address);
    assert.equal(result.action, 'submitted');
    assert.match(result.proverKey, /^0x[0-9a-fA-F]{40}$/);
    assert.match(result.transactionHash, /^0x[0-9a-f]{64}$/);
    // The devnet's clock runs ahead of the wall clock (epochs are advanced), so liveUntil is compared with the prover list.
    const provers = (await (await fetch(`${description.multiProver!.aggregatorUrl}/v1/multi-prover/provers`)).json()) as { now: string };
    assert.ok(result.liveUntil > Number(provers.now), `liveUntil ${result.liveUntil} after chain time ${provers.now}`);
  });
});
