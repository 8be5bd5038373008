/**
 * `avs devnet` as a real process: it comes up with the aggregator and operator nodes, writes the deployment file the
 * other commands use, serves a proof end to end through `avs proof request --wait` and `avs proof verify`, and on
 * Ctrl-C (SIGINT) stops everything and removes the file; killed outright (SIGKILL), it still leaves no chain running.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { devPrivateKey } from '../../src/devnet/accounts.ts';
import { AVS_BIN, type AvsRun, runAvs } from '../helpers/cli.ts';



function avs(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<AvsRun> {
  return runAvs(args, env, { cwd });
}

/** Starts `avs devnet` in `cwd` and resolves once it printed its description (it is then fully up). */
function startDevnetProcess(cwd: string): Promise<{ child: ChildProcess; description: { chains: { chainId: number; rpcUrl: string }[] } }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AVS_BIN, 'devnet', '--json', '--aggregator-port', '0', '--operators', '3'], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LOG_LEVEL: 'silent' },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => {
      stdout += d;
      const newline = stdout.indexOf('\n');
      if (newline >= 0) resolve({ child, description: JSON.parse(stdout.slice(0, newline)) });
    });
    child.on('exit', (code) => reject(new Error(`avs devnet exited early (${code}): ${stderr}`)));
  });
}

async function answers(rpcUrl: string): Promise<boolean> {
  try {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    });
    return response.ok;
  } catch {
    return false;
  }
}

/** Polls until no chain answers; fails only if they still answer after a generous bound (not a timing assertion). */
async function untilAllDown(rpcUrls: string[]): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const up = await Promise.all(rpcUrls.map(answers));
    if (!up.some(Boolean)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`chains still answer: ${rpcUrls.join(', ')}`);
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

describe('avs devnet (process)', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('serves proofs to the other commands and cleans up on SIGINT', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'avs-devnet-proc-'));
    dirs.push(cwd);
    const { child, description } = await startDevnetProcess(cwd);
    const rpcUrls = description.chains.map((c) => c.rpcUrl);
    try {
      const deploymentFile = join(cwd, '.avs', 'devnet.json');
      assert.ok(existsSync(deploymentFile));
      const file = JSON.parse(readFileSync(deploymentFile, 'utf8')) as { aggregator?: { url: string } };
      assert.match(file.aggregator?.url ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);

      const env = { AVS_PRIVATE_KEY: devPrivateKey(1) };
      const set = await avs(['state', 'set', '9', '31337', '--chain', '31338', '--json'], cwd, env);
      assert.equal(set.code, 0, set.stderr);
      const { blockNumber } = JSON.parse(set.stdout) as { blockNumber: string };

      const request = await avs(['proof', 'request', '--chain', '31338', '--key', '9', '--block', blockNumber, '--wait', '--json'], cwd, env);
      assert.equal(request.code, 0, request.stderr);
      const task = JSON.parse(request.stdout) as { taskId: string; status: string; attestation: { value: string } };
      assert.equal(task.status, 'aggregated');
      assert.equal(task.attestation.value, '31337');

      const verify = await avs(['proof', 'verify', task.taskId, '--json'], cwd);
      assert.equal(verify.code, 0, verify.stderr);
      const verification = JSON.parse(verify.stdout) as { chainId: number; result: string };
      assert.equal(verification.chainId, 31337);
      assert.equal(verification.result, '0x1626ba7e');
    } finally {
      child.kill('SIGINT');
    }
    const { code } = await exited(child);
    assert.equal(code, 0);
    assert.equal(existsSync(join(cwd, '.avs', 'devnet.json')), false, 'the deployment file of a stopped devnet is removed');
    await untilAllDown(rpcUrls);
  });

  it('leaves no chain running when killed with SIGKILL', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'avs-devnet-kill-'));
    dirs.push(cwd);
    const { child, description } = await startDevnetProcess(cwd);
    const rpcUrls = description.chains.map((c) => c.rpcUrl);
    assert.ok((await Promise.all(rpcUrls.map(answers))).every(Boolean));
    child.kill('SIGKILL');
    await exited(child);
    await untilAllDown(rpcUrls);
  });
});
