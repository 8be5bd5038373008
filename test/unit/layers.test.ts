/**
 * The layering rule of docs/architecture.md ("Layers"): a lower layer never imports an upper one, in TypeScript
 * (core ← runtime ← services, each on its own ← devnet ← cli) and in Solidity (eigenlayer interfaces, bridge ← core ← state-proofs). A new
 * top-level folder must be given its place here before it can import anything.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Layer (first folder under the tree's root, or a deeper prefix) → the layers its files may import from. */
const TYPESCRIPT_LAYERS: Record<string, readonly string[]> = {
  core: ['core'],
  runtime: ['core', 'runtime'],
  // One entry per service: a service sees core and runtime, never another service.
  'services/state-proofs': ['core', 'runtime', 'services/state-proofs'],
  devnet: ['core', 'runtime', 'services', 'devnet'],
  cli: ['core', 'runtime', 'services', 'devnet', 'cli'],
};
/** Only the interfaces of EigenLayer are imported above it, so the same contracts run against the real core. */
const SOLIDITY_LAYERS: Record<string, readonly string[]> = {
  eigenlayer: ['eigenlayer', 'eigenlayer/interfaces'],
  'eigenlayer/interfaces': ['eigenlayer/interfaces'],
  bridge: ['bridge'],
  core: ['core', 'eigenlayer/interfaces'],
  'state-proofs': ['state-proofs', 'core', 'bridge', 'eigenlayer/interfaces'],
};

/** `from '…'`, `import '…'` and `import('…')` in TypeScript; `import "…"` and `import {…} from "…"` in Solidity. */
const TS_IMPORT = /(?:from|import)\s*\(?\s*'([^']+)'/g;
const SOL_IMPORT = /import\s+(?:\{[^}]*\}\s+from\s+)?"([^"]+)"/g;

function filesUnder(dir: string, extension: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(extension))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The layer of `file` inside `tree`: the longest key of `layers` that prefixes its path. */
function layerOf(tree: string, file: string, layers: Record<string, readonly string[]>): string | undefined {
  const path = relative(tree, file).split('\\').join('/');
  return Object.keys(layers)
    .filter((layer) => path.startsWith(`${layer}/`))
    .sort((a, b) => b.length - a.length)[0];
}

/** `importer → imported` pairs that break the rule, for every relative import in `tree`. */
function violations(tree: string, extension: string, pattern: RegExp, layers: Record<string, readonly string[]>): string[] {
  const found: string[] = [];
  for (const file of filesUnder(tree, extension)) {
    const from = layerOf(tree, file, layers);
    const name = relative(root, file);
    if (!from) {
      found.push(`${name}: in no layer`);
      continue;
    }
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(pattern)) {
      if (!specifier.startsWith('.')) continue; // a package, not ours
      const target = resolve(dirname(file), specifier);
      if (relative(tree, target).startsWith('..')) continue;
      const to = layerOf(tree, target, layers);
      if (!to || !layers[from].some((allowed) => to === allowed || to.startsWith(`${allowed}/`))) found.push(`${name} (${from}) imports ${relative(root, target)} (${to ?? 'no layer'})`);
    }
  }
  return found;
}

describe('layers', () => {
  it('TypeScript: core ← runtime ← services (each alone) ← devnet ← cli, never upwards', () => {
    const tree = join(root, 'src');
    assert.ok(filesUnder(tree, '.ts').length > 50);
    assert.deepEqual(violations(tree, '.ts', TS_IMPORT, TYPESCRIPT_LAYERS), []);
  });

  it('Solidity: state-proofs → core, bridge → EigenLayer interfaces only, never upwards', () => {
    const tree = join(root, 'contracts', 'src');
    assert.ok(filesUnder(tree, '.sol').length > 20);
    assert.deepEqual(violations(tree, '.sol', SOL_IMPORT, SOLIDITY_LAYERS), []);
  });

  it('finds an upward import when there is one', () => {
    // The checker itself: the CLI's imports, and the state-proofs contracts' imports, seen as if from a lower layer.
    const cliAsCore = { ...TYPESCRIPT_LAYERS, cli: TYPESCRIPT_LAYERS.core };
    assert.ok(violations(join(root, 'src'), '.ts', TS_IMPORT, cliAsCore).some((v) => v.includes('(cli) imports src/devnet/')));
    // A service importing a sibling service: the aggregator's folder posing as a service of its own.
    const aggregatorAsService = { ...TYPESCRIPT_LAYERS, 'services/state-proofs/aggregator': ['core', 'runtime', 'services/state-proofs/aggregator'] };
    assert.ok(
      violations(join(root, 'src'), '.ts', TS_IMPORT, aggregatorAsService).some((v) => v.includes('(services/state-proofs/aggregator) imports src/services/state-proofs/')),
    );
    const serviceAsCore = { ...SOLIDITY_LAYERS, 'state-proofs': SOLIDITY_LAYERS.core };
    assert.ok(violations(join(root, 'contracts', 'src'), '.sol', SOL_IMPORT, serviceAsCore).some((v) => v.includes('(state-proofs) imports contracts/src/bridge/')));
  });
});
