/**
 * `avs --help` and every command's help: each ends with a worked example, and the root help documents the exit codes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/program.ts';
import { helpOf } from '../helpers/help.ts';

function leafPaths(command: Command, path: string[] = []): string[][] {
  if (command.commands.length === 0) return [path];
  return command.commands.flatMap((sub) => leafPaths(sub, [...path, sub.name()]));
}

describe('avs help', () => {
  it('ends every command’s help with an example of that command', async () => {
    const leaves = leafPaths(buildProgram()).filter((p) => p[0] !== 'help');
    assert.ok(leaves.length >= 20, `found ${leaves.length} commands`);
    for (const path of leaves) {
      const help = await helpOf(path);
      const example = help.slice(help.lastIndexOf('Example:'));
      assert.ok(help.includes('Example:'), `avs ${path.join(' ')} --help has no example`);
      assert.match(example, new RegExp(`avs ${path.join(' ')}\\b`), `the example of avs ${path.join(' ')} runs that command`);
    }
  });

  it('documents the exit codes in the root help', async () => {
    const help = await helpOf([]);
    assert.match(help, /Exit codes: 0 success; 1 failure .*; 2 usage/s);
  });
});
