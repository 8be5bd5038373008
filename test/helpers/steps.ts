/**
 * Scenarios as ordered steps: each step is a test, and once one fails the later ones are skipped (they depend on it)
 * instead of failing with confusing follow-on errors.
 */
import { type TestContext, it } from 'node:test';

/** Declares one scenario's steps, in order; call it inside the scenario's `describe`. */
export function stepper(): (name: string, fn: (t: TestContext) => Promise<void>) => void {
  let broken: string | undefined;
  return (name, fn) =>
    it(name, async (t) => {
      if (broken) return t.skip(`after the failed step "${broken}"`);
      try {
        await fn(t);
      } catch (error) {
        broken = name;
        throw error;
      }
    });
}
