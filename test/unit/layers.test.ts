/**
 * The layering rule of docs/architecture.md ("Layers"): a lower layer never imports an upper one, in TypeScript
 * (core ← runtime ← services, each on its own ← devnet ← cli) and in Solidity (src/eigenlayer, src/bridge ← src/core
 * ← src/services/<service> ← devnet; a service never imports another). A new top-level folder must be given its place
 * here before it can import anything.
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
  ...Object.fromEntries(
    readdirSync(join(root, 'src', 'services'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => [`services/${entry.name}`, ['core', 'runtime', `services/${entry.name}`]]),
  ),
  devnet: ['core', 'runtime', 'services', 'devnet'],
  cli: ['core', 'runtime', 'services', 'devnet', 'cli'],
};
/** The Solidity services: one folder each under contracts/src/services/. */
const SOLIDITY_SERVICES = readdirSync(join(root, 'contracts', 'src', 'services'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => `src/services/${entry.name}`);
/**
 * Layers of contracts/ (its folders src/ and devnet/). src/eigenlayer/ holds only EigenLayer's interfaces and
 * src/bridge/ only the bridge's, so the same contracts run against the real core and any Abridge; each service builds
 * on core and never on another service; the devnet's stand-ins may use anything in src/, and nothing in src/ them.
 */
const SOLIDITY_LAYERS: Record<string, readonly string[]> = {
  'src/eigenlayer': ['src/eigenlayer'],
  'src/bridge': ['src/bridge'],
  'src/core': ['src/core', 'src/eigenlayer', 'src/bridge'],
  ...Object.fromEntries(SOLIDITY_SERVICES.map((service) => [service, [service, 'src/core', 'src/bridge', 'src/eigenlayer']])),
  devnet: ['devnet', 'src/eigenlayer', 'src/bridge', 'src/core', ...SOLIDITY_SERVICES],
};
/** The folders of contracts/ the rule covers (tests and build output are not layered). */
const SOLIDITY_FOLDERS = ['src', 'devnet'];

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

/** `importer → imported` pairs that break the rule, for every relative import in `folders` (all of `tree` by default). */
function violations(
  tree: string,
  extension: string,
  pattern: RegExp,
  layers: Record<string, readonly string[]>,
  folders: readonly string[] = ['.'],
): string[] {
  const found: string[] = [];
  for (const file of folders.flatMap((folder) => filesUnder(join(tree, folder), extension))) {
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

/** Service folders under src/services/, each a service the core must not name. */
const TYPESCRIPT_SERVICES = readdirSync(join(root, 'src', 'services'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
/** Terms of the state-proofs service beyond its name: its contracts, processes and query type. */
const STATE_PROOFS_TERMS = ['stateManager', 'challenger', 'publisher', 'StateQuery'];

/**
 * A pattern for the names of `services` and `terms`, any case: `state-proofs` also matches `stateProofs`, `StateProof`,
 * `state_proofs` and `state proofs`.
 */
function serviceNamePattern(services: readonly string[], terms: readonly string[]): RegExp {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const names = services.map((s) => s.replace(/s$/, '').split('-').map(escape).join('[-_ ]?') + 's?');
  return new RegExp([...names, ...terms.map(escape)].join('|'), 'i');
}

/** `file:line: text` for every line of a .ts file under `dir` that matches `pattern`, skipping `skip` folders. */
function namesIn(dir: string, pattern: RegExp, skip: readonly string[] = []): string[] {
  return filesUnder(dir, '.ts')
    .filter((file) => !skip.some((folder) => file.startsWith(join(root, folder))))
    .flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, index) => (pattern.test(line) ? [`${relative(root, file)}:${index + 1}: ${line.trim()}`] : [])),
    );
}

/** The ABIs generated from every contract (services' too) live in core by design: they are data, not code naming one. */
const GENERATED_ABIS = 'src/core/chain/abis/generated';

describe('layers', () => {
  it('TypeScript: core ← runtime ← services (each alone) ← devnet ← cli, never upwards', () => {
    const tree = join(root, 'src');
    assert.ok(filesUnder(tree, '.ts').length > 50);
    assert.deepEqual(violations(tree, '.ts', TS_IMPORT, TYPESCRIPT_LAYERS), []);
  });

  it('src/core names no service: the deployment file and the config roles are open, each service brings its own', () => {
    assert.ok(TYPESCRIPT_SERVICES.includes('state-proofs'));
    const pattern = serviceNamePattern(TYPESCRIPT_SERVICES, STATE_PROOFS_TERMS);
    assert.deepEqual(namesIn(join(root, 'src', 'core'), pattern, [GENERATED_ABIS]), []);
    // The check itself: it finds the names where they are, in every spelling.
    assert.ok(namesIn(join(root, 'src', 'services', 'state-proofs'), pattern).length > 100);
    for (const text of ['state-proofs', 'stateProofs', 'StateProof', 'state proofs', 'chains[].stateManager', 'the Challenger', 'epoch publisher', 'StateQuery']) {
      assert.ok(pattern.test(text), text);
    }
    assert.ok(!pattern.test('services.<service>.chains.<chainId>'));
  });

  it('Solidity: devnet → services → core → EigenLayer and bridge interfaces, never upwards nor across services', () => {
    const tree = join(root, 'contracts');
    assert.ok(filesUnder(join(tree, 'src'), '.sol').length > 20);
    assert.ok(SOLIDITY_SERVICES.includes('src/services/state-proofs'));
    assert.deepEqual(violations(tree, '.sol', SOL_IMPORT, SOLIDITY_LAYERS, SOLIDITY_FOLDERS), []);
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
    const contracts = join(root, 'contracts');
    const serviceAsCore = { ...SOLIDITY_LAYERS, 'src/services/state-proofs': SOLIDITY_LAYERS['src/core'] };
    assert.ok(
      violations(contracts, '.sol', SOL_IMPORT, serviceAsCore, SOLIDITY_FOLDERS).some((v) =>
        v.includes('(src/services/state-proofs) imports contracts/src/services/state-proofs/'),
      ),
    );
    const devnetAsInterfaces = { ...SOLIDITY_LAYERS, devnet: SOLIDITY_LAYERS['src/eigenlayer'] };
    assert.ok(
      violations(contracts, '.sol', SOL_IMPORT, devnetAsInterfaces, SOLIDITY_FOLDERS).some((v) =>
        v.includes('(devnet) imports contracts/src/bridge/'),
      ),
    );
  });
});
