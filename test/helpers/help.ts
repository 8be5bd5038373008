/**
 * The `avs` help texts, read in process (no child process per command).
 */
import assert from 'node:assert/strict';
import { runCli } from '../../src/cli/program.ts';

/** Runs `avs …args --help` in process and returns what it printed on stdout, examples included. */
export async function helpOf(args: readonly string[]): Promise<string> {
  let out = '';
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    assert.equal(await runCli(['node', 'avs', ...args, '--help']), 0);
  } finally {
    process.stdout.write = write;
  }
  return out;
}
