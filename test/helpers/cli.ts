/**
 * Runs the real `avs` command (bin/avs.js) as a child process, for tests of what users see: exit codes, stdout, and
 * one-line errors on stderr.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Path of the `avs` executable script. */
export const AVS_BIN = fileURLToPath(new URL('../../bin/avs.js', import.meta.url));

/** What a finished `avs` process left. */
export type AvsRun = { code: number | null; stdout: string; stderr: string };

/**
 * Runs `avs …args` with stdin closed (so no password prompt), `AVS_DEBUG` off (errors stay one line), the current
 * environment plus `env`, and without the variables named in `unset`.
 */
export function runAvs(args: readonly string[], env: NodeJS.ProcessEnv = {}, options: { cwd?: string; unset?: readonly string[] } = {}): Promise<AvsRun> {
  const base: NodeJS.ProcessEnv = { ...process.env, AVS_DEBUG: '' };
  for (const name of options.unset ?? []) delete base[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AVS_BIN, ...args], { env: { ...base, ...env }, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Asserts the run exited with `code` and printed exactly one `avs: …` line matching `pattern`, without a stack trace. */
export function assertOneLineError(run: AvsRun, code: number, pattern: RegExp): void {
  assert.equal(run.code, code, `exit code (stderr: ${run.stderr})`);
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${run.stderr}`);
  assert.match(lines[0], /^avs: /);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
}
