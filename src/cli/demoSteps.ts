/**
 * The step runner of the `avs demo` walkthroughs: each step runs, is reported once (a line, or an entry of the JSON
 * report), and a failed step stops the walk.
 */
import { rmSync } from 'node:fs';
import { describeError } from './errors.ts';

/** One step of a demo as reported. */
export type DemoStep = { name: string; ok: boolean; detail: string };

/** Thrown by a failed step: the walk stops (the report already has the step). */
export class StepFailed extends Error {}

/** Runs steps, records them in `steps`, and calls the hooks. */
export function stepRunner(steps: DemoStep[], hooks: { onStep?: (step: DemoStep) => void; onStepStart?: (name: string) => void }) {
  return async <T>(name: string, run: () => Promise<{ value: T; detail: string; ok?: boolean }>): Promise<T> => {
    hooks.onStepStart?.(name);
    let outcome: { value: T; detail: string; ok?: boolean };
    try {
      outcome = await run();
    } catch (error) {
      const failed = { name, ok: false, detail: describeError(error) };
      steps.push(failed);
      hooks.onStep?.(failed);
      throw new StepFailed(name);
    }
    const done = { name, ok: outcome.ok !== false, detail: outcome.detail };
    steps.push(done);
    hooks.onStep?.(done);
    if (!done.ok) throw new StepFailed(name);
    return outcome.value;
  };
}

/** Polls `probe` every 250 ms until it returns a truthy value; throws naming `what` after `timeoutMs`. */
export async function waitUntil<T>(probe: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Records an error that escaped the steps (a failed step is already recorded) as a failed `demo` step. */
export function recordEscapedError(steps: DemoStep[], hooks: { onStep?: (step: DemoStep) => void }, error: unknown): void {
  if (error instanceof StepFailed) return;
  const failed = { name: 'demo', ok: false, detail: describeError(error) };
  steps.push(failed);
  hooks.onStep?.(failed);
}

/**
 * The `tear down` step: stops the devnet (when one was started) and removes the demo's directory. Never throws: a
 * failure to stop is the step's failure.
 */
export async function tearDownDemo(
  step: ReturnType<typeof stepRunner>,
  devnet: { stop(): Promise<void> } | undefined,
  dir: string,
  detail: string,
): Promise<void> {
  if (devnet) {
    await step('tear down', async () => {
      await devnet.stop();
      return { value: undefined, detail };
    }).catch(() => undefined);
  }
  rmSync(dir, { recursive: true, force: true });
}
