/**
 * The deploy config of `avs deploy` (src/services/state-proofs/deployConfig.ts) and its templates in config/: each template fails
 * only on its <placeholders>, the mainnet one carries EigenLayer's mainnet core, and `$comment` notes are ignored.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DeployConfigError, deployConfigSchema, parseDeployConfig } from '../../src/services/state-proofs/deployConfig.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const template = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(root, 'config', name), 'utf8'));

/** Dotted keys of every `<...>` placeholder in a template. */
function placeholders(value: unknown, path: string[] = []): string[] {
  if (typeof value === 'string') return value.startsWith('<') ? [path.join('.')] : [];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => (key.startsWith('$') ? [] : placeholders(child, [...path, key])));
}

/** Dotted keys the schema refuses in `value`. */
function invalidKeys(value: unknown): string[] {
  const result = deployConfigSchema.safeParse(JSON.parse(JSON.stringify(value, (key, v) => (key.startsWith('$') ? undefined : v))));
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
}

/** `value` with every placeholder replaced by a valid value of its kind. */
function filledIn(value: unknown, path: string[] = []): unknown {
  if (typeof value === 'string' && value.startsWith('<')) {
    if (/rpcUrl$|metadataUri$/.test(path.join('.'))) return 'https://filled.example/x';
    return `0x${(path.join('.').length + 1).toString(16).padStart(40, '0')}`;
  }
  if (Array.isArray(value)) return value.map((v, i) => filledIn(v, [...path, String(i)]));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, filledIn(v, [...path, k])]));
  return value;
}

describe('deploy config templates', () => {
  for (const name of ['deploy.mainnet.example.json', 'deploy.sepolia.example.json']) {
    it(`config/${name} fails only on its placeholders, and is valid once they are filled in`, () => {
      const value = template(name);
      const expected = placeholders(value);
      assert.ok(expected.length > 0);
      assert.deepEqual(invalidKeys(value).sort(), expected.sort());
      const config = parseDeployConfig(filledIn(value), name);
      assert.equal(config.remoteChains.length, 1);
    });
  }

  it('config/deploy.mainnet.example.json names Ethereum mainnet’s EigenLayer core (v1.12.0)', () => {
    const value = template('deploy.mainnet.example.json');
    assert.deepEqual(value.mainChain, { chainId: 1, name: 'ethereum', rpcUrl: (value.mainChain as { rpcUrl: string }).rpcUrl });
    // As listed by the eigenlayer-contracts README ("Current Deployment Contracts", Mainnet Ethereum) at v1.12.0.
    assert.deepEqual(value.eigenlayer, {
      delegationManager: '0x39053D51B77DC0d36036Fc1fCc8Cb819df8Ef37A',
      strategyManager: '0x858646372CC42E1A627fcE94aa7A7033e7CF075A',
      avsDirectory: '0x135DDa560e946695d6f155dACaFC6f1F25C1F5AF',
      allocationManager: '0x948a420b8CC1d6BFd0B6087C2E7c344a2CD0bc39',
      rewardsCoordinator: '0x7750d328b314EfFa365A0402CcfD489B80B0adda',
    });
  });

  it('config/deploy.sepolia.example.json is for Sepolia, with Base Sepolia as remote chain', () => {
    const value = template('deploy.sepolia.example.json');
    assert.equal((value.mainChain as { chainId: number }).chainId, 11155111);
    assert.equal((value.remoteChains as { chainId: number }[])[0].chainId, 84532);
  });

  it('ignores $-keys as notes, at any level, and still refuses a misspelt key', () => {
    const value = filledIn(template('deploy.mainnet.example.json')) as Record<string, unknown>;
    const withNotes = { ...value, $comment: 'top', disputes: { ...(value.disputes as object), $why: 'nested' } };
    assert.equal(parseDeployConfig(withNotes).disputes.minBlockTime, 12);
    assert.throws(() => parseDeployConfig({ ...value, confirmation: 2 }, 'deploy.json'), (error: unknown) => error instanceof DeployConfigError && /deploy\.json: .*confirmation/.test(error.message));
  });

  it('takes only http(s) RPC URLs, naming each chain that has another', () => {
    const value = filledIn(template('deploy.sepolia.example.json')) as { mainChain: object; remoteChains: object[] };
    const ws = { ...value, mainChain: { ...value.mainChain, rpcUrl: 'ws://127.0.0.1:8545' }, remoteChains: [{ ...value.remoteChains[0], rpcUrl: 'wss://base.example/key' }] };
    assert.throws(
      () => parseDeployConfig(ws, 'deploy.json'),
      (error: unknown) =>
        error instanceof DeployConfigError && error.message === 'deploy.json: mainChain.rpcUrl: must be an http(s) URL; remoteChains.0.rpcUrl: must be an http(s) URL',
    );
    const http = { ...value, mainChain: { ...value.mainChain, rpcUrl: 'http://127.0.0.1:8545' } };
    assert.equal(parseDeployConfig(http).mainChain.rpcUrl, 'http://127.0.0.1:8545');
  });
});
