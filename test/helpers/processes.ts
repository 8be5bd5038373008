/**
 * Long-running `avs` child processes for end-to-end tests: each logs to a file (both lives of a restarted process), is
 * stopped gently then forcefully, and is killed when the test runner exits, so no test leaves a process behind.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AVS_BIN } from './cli.ts';
import { type WaitOptions, waitFor } from './wait.ts';

/** A started `avs` process. */
export type Proc = { name: string; child: ChildProcess; log: string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> };

/** Every child started here, so an abrupt exit of the runner still stops them all. */
const liveChildren = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

/** Starts `avs <args>` with stdout and stderr appended to `<dir>/<name>.log`. */
export function startAvs(dir: string, name: string, args: readonly string[], env: Record<string, string> = {}): Proc {
  const log = join(dir, `${name}.log`);
  const fd = openSync(log, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [AVS_BIN, ...args], { stdio: ['ignore', fd, fd], env: { ...process.env, LOG_LEVEL: 'info', AVS_DEBUG: '', ...env } });
  } finally {
    closeSync(fd);
  }
  liveChildren.add(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      liveChildren.delete(child);
      resolve({ code, signal });
    });
    child.once('error', () => {
      liveChildren.delete(child);
      resolve({ code: null, signal: null });
    });
  });
  return { name, child, log, exited };
}

/** Whether the process has neither exited nor been killed. */
export function isRunning(proc: Proc): boolean {
  return proc.child.exitCode === null && proc.child.signalCode === null;
}

/** SIGTERM, then SIGKILL if it is still running after 10 s; resolves once it exited. Never throws. */
export async function stopProc(proc: Proc): Promise<void> {
  if (!isRunning(proc)) return;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 10_000);
  await proc.exited;
  clearTimeout(timer);
}

/** The last lines of a process's log, for failure messages. */
export function logTail(proc: Proc, lines = 25): string {
  try {
    return readFileSync(proc.log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** {@link waitFor} that fails at once when one of `watch` exits, and shows their logs when it times out. */
export function waitWhileRunning<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  watch: readonly Proc[],
  options: Omit<WaitOptions, 'abortIf' | 'context'> = {},
): Promise<T> {
  return waitFor(what, probe, {
    ...options,
    abortIf: () => {
      const dead = watch.find((p) => !isRunning(p));
      return dead && `${dead.name} exited:\n${logTail(dead)}`;
    },
    context: () => watch.map((p) => `--- ${p.name}\n${logTail(p, 10)}`).join('\n'),
  });
}
