/**
 * Finding forge and anvil (src/devnet/foundry.ts, scripts/forge.mjs): this machine's npm package is found and runs,
 * package.json lists a package for every supported platform, and every way of not finding one says what to do.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AnvilStartError, anvilBinary } from '../../src/devnet/anvil.ts';
import { FOUNDRY_PLATFORMS, FoundryNotFoundError, foundryBinary } from '../../src/devnet/foundry.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const here = `${process.platform}-${process.arch}`;

describe('Foundry binaries', () => {
  it('finds this platform’s forge and anvil, which run and are the pinned version', () => {
    assert.ok(here in FOUNDRY_PLATFORMS, `the tests run on a supported platform, not ${here}`);
    for (const tool of ['forge', 'anvil'] as const) {
      const binary = foundryBinary(tool, { env: {} });
      assert.match(binary, new RegExp(`@foundry-rs/${tool}-${FOUNDRY_PLATFORMS[here as keyof typeof FOUNDRY_PLATFORMS]}/bin/${tool}$`));
      assert.match(execFileSync(binary, ['--version'], { encoding: 'utf8' }), /1\.7\.1/);
    }
  });

  it('package.json has one optional dependency per tool and supported platform, all of one version', () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
      dependencies: Record<string, string>;
      optionalDependencies: Record<string, string>;
    };
    const expected = ['anvil', 'forge'].flatMap((tool) => Object.values(FOUNDRY_PLATFORMS).map((suffix) => `@foundry-rs/${tool}-${suffix}`));
    const listed = Object.keys(pkg.optionalDependencies).filter((name) => name.startsWith('@foundry-rs/'));
    assert.deepEqual(listed.sort(), expected.sort());
    assert.deepEqual(new Set(listed.map((name) => pkg.optionalDependencies[name])), new Set(['1.7.1']));
    assert.deepEqual(Object.keys(pkg.dependencies).filter((name) => name.startsWith('@foundry-rs/')), [], 'not a hard dependency');
  });

  it('an unsupported platform gets one message naming it and the supported ones', () => {
    assert.throws(
      () => foundryBinary('forge', { platform: 'win32', arch: 'x64', env: {} }),
      (error: Error) => {
        assert.ok(error instanceof FoundryNotFoundError);
        assert.match(error.message, /this platform \(win32-x64\)/);
        for (const platform of Object.keys(FOUNDRY_PLATFORMS)) assert.ok(error.message.includes(platform), platform);
        assert.match(error.message, /FORGE_PATH and ANVIL_PATH/);
        assert.doesNotMatch(error.message, /\n/);
        return true;
      },
    );
  });

  it('a supported platform whose package is not installed is told to run npm install', () => {
    const [platform, arch] = Object.keys(FOUNDRY_PLATFORMS).find((p) => p !== here)!.split('-');
    assert.throws(
      () => foundryBinary('anvil', { platform: platform as NodeJS.Platform, arch, env: {} }),
      (error: Error) =>
        error instanceof FoundryNotFoundError &&
        error.message.includes(`@foundry-rs/anvil-${FOUNDRY_PLATFORMS[`${platform}-${arch}` as keyof typeof FOUNDRY_PLATFORMS]} is not installed`) &&
        error.message.includes('npm install') &&
        error.message.includes('ANVIL_PATH'),
    );
  });

  it('FORGE_PATH / ANVIL_PATH name an executable, even on an unsupported platform, and must exist', () => {
    assert.equal(foundryBinary('forge', { platform: 'win32', arch: 'x64', env: { FORGE_PATH: process.execPath } }), process.execPath);
    assert.throws(() => foundryBinary('anvil', { env: { ANVIL_PATH: '/nonexistent/anvil' } }), /^FoundryNotFoundError: ANVIL_PATH=\/nonexistent\/anvil: no such file$/);
  });

  it('anvilBinary reports a missing anvil as an AnvilStartError', () => {
    const saved = process.env.ANVIL_PATH;
    process.env.ANVIL_PATH = '/nonexistent/anvil';
    try {
      assert.throws(() => anvilBinary(), (error: Error) => error instanceof AnvilStartError && /ANVIL_PATH=\/nonexistent\/anvil/.test(error.message));
    } finally {
      if (saved === undefined) delete process.env.ANVIL_PATH;
      else process.env.ANVIL_PATH = saved;
    }
  });

  it('scripts/forge.mjs runs forge with its arguments and exits as it does, or says why it cannot', () => {
    const env = { ...process.env };
    delete env.FORGE_PATH;
    const ok = spawnSync(process.execPath, ['scripts/forge.mjs', '--version'], { cwd: root, env, encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /forge.*1\.7\.1/);
    const bad = spawnSync(process.execPath, ['scripts/forge.mjs', 'no-such-subcommand'], { cwd: root, env, encoding: 'utf8' });
    assert.equal(bad.status, 2, 'forge’s own usage exit code');
    const missing = spawnSync(process.execPath, ['scripts/forge.mjs', '--version'], { cwd: root, env: { ...env, FORGE_PATH: '/nonexistent/forge' }, encoding: 'utf8' });
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr.trim(), 'FORGE_PATH=/nonexistent/forge: no such file');
  });
});
