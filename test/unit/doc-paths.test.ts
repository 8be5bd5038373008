/**
 * Every file of the repository that a help text, a guide or an example config names exists: `avs deploy --help` must
 * not point at a template that was renamed, nor a guide at a file that moved.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/program.ts';
import { helpOf } from '../helpers/help.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Paths written from the repository root, e.g. `config/deploy.mainnet.example.json` or `docs/operator-guide.md`. */
const REPO_PATH = /(?<![\w./~<-])((?:bench|bin|config|contracts|docs|scripts|src|test)\/[\w./-]*\.(?:json|md|mjs|js|sol|ts|toml))\b/g;
/** Built or written at run time, not stored in the repository. */
const GENERATED = [/^src\/core\/chain\/abis\/generated\//, /^contracts\/(out|cache)\//, /^bench\/results\//];

function missingRepoPaths(text: string): string[] {
  return [...text.matchAll(REPO_PATH)]
    .map((m) => m[1].replace(/\.$/, ''))
    .filter((path) => !GENERATED.some((g) => g.test(path)) && !existsSync(join(root, path)));
}

/** Relative Markdown links that leave their file's directory for a file inside the repository that does not exist. */
function brokenLinks(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const broken: string[] = [];
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/i.test(target) || target.startsWith('#')) continue;
    const path = resolve(dirname(join(root, file)), decodeURIComponent(target.split('#')[0]));
    // Links out of the repository cannot be checked against it.
    if (relative(root, path).startsWith('..')) continue;
    if (!existsSync(path)) broken.push(target);
  }
  return broken;
}

function commandPaths(command: Command, path: string[] = []): string[][] {
  return [path, ...command.commands.filter((c) => c.name() !== 'help').flatMap((sub) => commandPaths(sub, [...path, sub.name()]))];
}

const trackedFiles = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);

describe('paths named in help texts, docs and examples', () => {
  it('every repository file a help text names exists', async () => {
    const paths = commandPaths(buildProgram());
    assert.ok(paths.length >= 25, `found ${paths.length} commands`);
    for (const path of paths) {
      const help = await helpOf(path);
      assert.deepEqual(missingRepoPaths(help), [], `avs ${path.join(' ')} --help`);
    }
  });

  it('names an example deploy config that exists in `avs deploy --help`', async () => {
    const help = await helpOf(['deploy']);
    const named = [...help.matchAll(REPO_PATH)].map((m) => m[1]).filter((p) => /^config\/deploy\..*\.json$/.test(p));
    assert.ok(named.length > 0, 'avs deploy --help names a config/deploy.*.json template');
    for (const path of named) assert.ok(existsSync(join(root, path)), path);
  });

  it('every repository file and relative link in the Markdown docs and config examples exists', () => {
    const docs = trackedFiles.filter((f) => f.endsWith('.md') || /^config\/.*\.json$/.test(f));
    assert.ok(docs.some((f) => f === 'docs/operator-guide.md'));
    for (const file of docs) {
      const text = readFileSync(join(root, file), 'utf8');
      assert.deepEqual(missingRepoPaths(text), [], `${file} names files that do not exist`);
      if (file.endsWith('.md')) assert.deepEqual(brokenLinks(file), [], `${file} links to files that do not exist`);
    }
  });

  it('the repository stands alone: no doc, comment or help text points at files or tickets kept outside it', () => {
    const outside = [
      /\.\.\/shared\b|\bshared\/(?:seeds|reference|fixtures|hooks)\b|\bprior-art\b|\bseeds? (?:section |step )?\d|\bissues? \d/i,
      /\bARCHITECTURE\.md\b/, // the design lives in docs/architecture.md
    ];
    const self = relative(root, fileURLToPath(import.meta.url));
    const files = trackedFiles.filter((f) => f !== self && f !== 'package-lock.json' && /\.(md|ts|mjs|cjs|js|sol|json|toml)$|^\.ci\//.test(f));
    assert.ok(files.length > 100, `${files.length} files`);
    const found = files.flatMap((file) =>
      readFileSync(join(root, file), 'utf8')
        .split('\n')
        .flatMap((line, i) => (outside.some((pattern) => pattern.test(line)) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
    assert.deepEqual(found, []);
  });

  it('names EigenLayer’s current testnets, not Holesky, in the guides, examples and help', async () => {
    const files = trackedFiles.filter((f) => /^(docs\/.*\.md|config\/.*\.json|README\.md|src\/cli\/.*\.ts|src\/core\/config\/.*\.ts)$/.test(f));
    for (const file of files) assert.doesNotMatch(readFileSync(join(root, file), 'utf8'), /holesky|\b17000\b/i, file);
    assert.doesNotMatch(await helpOf(['deploy']), /holesky/i);
  });
});
