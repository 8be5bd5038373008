/**
 * Every contract the project deploys fits Ethereum's code size limits, as forge compiles it (contracts/foundry.toml's
 * optimizer settings): runtime code at most EIP-170's 24,576 bytes, creation code at most EIP-3860's 49,152 bytes. The
 * contracts are those under contracts/src (the services and the core) and contracts/devnet (the EigenLayer stand-ins
 * and the bridge the devnet deploys, on anvil with the default limits), read from the forge artifacts in
 * contracts/out (`npm test` builds them first: `pretest`). Interfaces and abstract contracts have no code and are
 * skipped, as are artifacts whose source no longer declares the contract (forge leaves them behind).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

/** EIP-170: the largest runtime code a contract may have, bytes. */
const MAX_RUNTIME_BYTES = 24_576;
/** EIP-3860: the largest creation code (initcode) a deployment may send, bytes. */
const MAX_INITCODE_BYTES = 49_152;
/** Sizes from this share of a limit on are listed in a failure message, so the next contract to outgrow it shows. */
const NEAR = 0.9;

const contractsDir = fileURLToPath(new URL('../../contracts/', import.meta.url));
const outDir = join(contractsDir, 'out');

/** One deployable contract's code sizes, bytes. */
type ContractSize = { name: string; source: string; runtime: number; initcode: number };

const hexBytes = (hex: string | undefined): number => (hex && hex.startsWith('0x') ? (hex.length - 2) / 2 : 0);

/** The sizes of every contract with code compiled from contracts/src or contracts/devnet. */
function deployableContracts(): ContractSize[] {
  assert.ok(existsSync(outDir), `no forge artifacts in ${outDir}: run \`npm run build:contracts\` first`);
  const sources = new Map<string, string>();
  const declares = (source: string, name: string): boolean => {
    if (!sources.has(source)) {
      const path = join(contractsDir, source);
      sources.set(source, existsSync(path) ? readFileSync(path, 'utf8') : '');
    }
    return new RegExp(`\\b(contract|library)\\s+${name}\\b`).test(sources.get(source)!);
  };
  const sizes: ContractSize[] = [];
  for (const folder of readdirSync(outDir, { withFileTypes: true })) {
    if (!folder.isDirectory() || !folder.name.endsWith('.sol')) continue;
    for (const file of readdirSync(join(outDir, folder.name))) {
      if (!file.endsWith('.json')) continue;
      const artifact = JSON.parse(readFileSync(join(outDir, folder.name, file), 'utf8'));
      const target = Object.entries(artifact.metadata?.settings?.compilationTarget ?? {})[0] as [string, string] | undefined;
      if (!target || !/^(src|devnet)\//.test(target[0])) continue;
      const [source, name] = target;
      const runtime = hexBytes(artifact.deployedBytecode?.object);
      if (runtime === 0 || !declares(source, name)) continue;
      sizes.push({ name, source, runtime, initcode: hexBytes(artifact.bytecode?.object) });
    }
  }
  return sizes.sort((a, b) => b.runtime - a.runtime);
}

/** The contracts at or above NEAR × `limit` by `key`, one per line, largest first, marked when over the limit. */
function nearTheLimit(sizes: ContractSize[], key: 'runtime' | 'initcode', limit: number): string {
  return sizes
    .filter((s) => s[key] >= limit * NEAR)
    .sort((a, b) => b[key] - a[key])
    .map((s) => `  ${s[key] > limit ? 'OVER ' : '     '}${String(s[key]).padStart(6)} bytes  ${s.name} (contracts/${s.source})`)
    .join('\n');
}

describe('contract sizes', () => {
  const sizes = deployableContracts();

  it('reads the artifacts of the contracts the devnet deploys', () => {
    const names = new Set(sizes.map((s) => s.name));
    for (const name of ['MultiProverServiceManager', 'MultiProverRegistry', 'EquivocationSlasher', 'StateDisputeResolver', 'AllocationManager']) {
      assert.ok(names.has(name), `no artifact with code for ${name} in ${outDir}`);
    }
  });

  it(`keeps every runtime code within EIP-170's ${MAX_RUNTIME_BYTES} bytes`, () => {
    const over = sizes.filter((s) => s.runtime > MAX_RUNTIME_BYTES);
    assert.deepEqual(
      over.map((s) => s.name),
      [],
      `runtime code above EIP-170's ${MAX_RUNTIME_BYTES} bytes (a real network refuses the deployment); sizes near the limit:\n${nearTheLimit(sizes, 'runtime', MAX_RUNTIME_BYTES)}`,
    );
  });

  it(`keeps every creation code within EIP-3860's ${MAX_INITCODE_BYTES} bytes`, () => {
    const over = sizes.filter((s) => s.initcode > MAX_INITCODE_BYTES);
    assert.deepEqual(
      over.map((s) => s.name),
      [],
      `creation code above EIP-3860's ${MAX_INITCODE_BYTES} bytes; sizes near the limit:\n${nearTheLimit(sizes, 'initcode', MAX_INITCODE_BYTES)}`,
    );
  });
});
