/**
 * Waiting in end-to-end tests: poll until something holds, with a generous bound that is a failure when reached (never
 * a timing assertion), and fail at once when a process the test depends on has died.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/** Options of {@link waitFor}. */
export type WaitOptions = {
  /** Bound of the wait, ms (default 180,000: generous on a loaded 2-core machine). */
  timeoutMs?: number;
  /** Time between probes, ms (default 200). */
  intervalMs?: number;
  /** Checked before each probe: a message means the wait can never succeed (a watched process exited), failing at once. */
  abortIf?: () => string | undefined;
  /** Appended to the timeout failure (e.g. the tail of the processes' logs). */
  context?: () => string;
};

/**
 * Polls `probe` until it returns something other than undefined (a throw counts as not yet, and is reported if the
 * wait times out).
 * @throws {AssertionError} when `abortIf` reports a reason, or after `timeoutMs`.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, options: WaitOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 180_000);
  let lastError: unknown;
  for (;;) {
    const aborted = options.abortIf?.();
    if (aborted) assert.fail(`${aborted} while waiting for ${what}`);
    try {
      const value = await probe();
      if (value !== undefined) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const context = options.context?.();
      assert.fail(`gave up waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}${context ? `\n${context}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 200));
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the operating system's choice). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
