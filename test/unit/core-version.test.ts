/**
 * The EigenLayer core version check of `avs deploy` (src/core/chain/coreVersion.ts): SemVer parsing and precedence, the
 * rule (the core's release is the newest `version()` of its contracts, at least MIN_CORE_VERSION), and reading `version()` from
 * a node where some contracts have none.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Address, createPublicClient, custom, decodeFunctionData, encodeFunctionResult, parseAbi } from 'viem';
import {
  CoreVersionError,
  MIN_CORE_VERSION,
  checkCoreVersions,
  compareSemVer,
  parseSemVer,
  readCoreVersions,
} from '../../src/core/chain/coreVersion.ts';

const address = (n: number) => `0x${n.toString(16).padStart(40, '0')}` as Address;
const core = { delegationManager: address(1), strategyManager: address(2), avsDirectory: address(3), allocationManager: address(4), rewardsCoordinator: address(5) };

function cmp(a: string, b: string): number {
  return Math.sign(compareSemVer(parseSemVer(a)!, parseSemVer(b)!));
}

describe('core version', () => {
  it('parses SemVer with or without a leading v, and refuses anything else', () => {
    assert.deepEqual(parseSemVer('1.12.0'), { major: 1, minor: 12, patch: 0, prerelease: [] });
    assert.deepEqual(parseSemVer('v1.4.1'), { major: 1, minor: 4, patch: 1, prerelease: [] });
    assert.deepEqual(parseSemVer('1.9.0-rc.0+build.7'), { major: 1, minor: 9, patch: 0, prerelease: ['rc', '0'] });
    for (const bad of ['', '1.12', '1.12.0.1', 'v', '01.2.3', '1.2.3-', 'one.two.three', 'v1.12.0 extra']) assert.equal(parseSemVer(bad), undefined, bad);
  });

  it('orders versions numerically, pre-releases before their release', () => {
    assert.equal(cmp('1.12.0', '1.9.0'), 1, 'numerically, not as text');
    assert.equal(cmp('1.12.0', 'v1.12.0'), 0);
    assert.equal(cmp('1.12.0-rc.0', '1.12.0'), -1);
    assert.equal(cmp('1.9.0-rc.0', '1.9.0'), -1);
    assert.equal(cmp('1.9.0-rc.10', '1.9.0-rc.2'), 1);
    assert.equal(cmp('1.9.0-rc.1', '1.9.0-rc'), 1, 'a longer pre-release follows its prefix');
    assert.equal(cmp('1.9.0-1', '1.9.0-alpha'), -1, 'numeric identifiers before alphanumeric ones');
    assert.equal(cmp('1.9.0-alpha', '1.9.0-beta'), -1);
    assert.equal(cmp('2.0.0', '1.99.99'), 1);
    assert.equal(cmp('1.12.1', '1.12.0'), 1);
  });

  it('accepts a v1.12.0 core: the newest contract decides, older and missing version() are fine', () => {
    // What a core upgraded from v1.9.0 to v1.12.0 reports: only the redeployed contracts carry 1.12.0.
    const mainnetShape = [
      { contract: 'DelegationManager', address: address(1), version: '1.9.0' },
      { contract: 'StrategyManager', address: address(2), version: '1.12.0' },
      { contract: 'AVSDirectory', address: address(3), version: '1.9.0' },
      { contract: 'AllocationManager', address: address(4) },
      { contract: 'RewardsCoordinator', address: address(5) },
    ];
    assert.deepEqual(checkCoreVersions(mainnetShape), { version: '1.12.0', contract: 'StrategyManager' });
    // The devnet core: only its DelegationManager has version().
    assert.deepEqual(checkCoreVersions([{ contract: 'DelegationManager', address: address(1), version: '1.12.0' }, { contract: 'AllocationManager', address: address(4) }]), {
      version: '1.12.0',
      contract: 'DelegationManager',
    });
    assert.equal(checkCoreVersions([{ contract: 'StrategyManager', address: address(2), version: 'v1.13.2' }]).version, 'v1.13.2');
  });

  it('refuses an older core, naming its newest contract, that contract’s version and the minimum', () => {
    const oldShape = [
      { contract: 'DelegationManager', address: address(1), version: '1.8.1' },
      { contract: 'StrategyManager', address: address(2), version: '1.8.0' },
      { contract: 'AllocationManager', address: address(4) },
    ];
    assert.throws(
      () => checkCoreVersions(oldShape, { chainId: 11155111 }),
      (error: unknown) =>
        error instanceof CoreVersionError &&
        error.message.startsWith(`the EigenLayer core on chain 11155111 is older than v${MIN_CORE_VERSION}, the oldest avs-stack supports: its newest contract, DelegationManager at ${address(1)}, is version 1.8.1 (StrategyManager 1.8.0, AllocationManager without version())`),
    );
    assert.throws(() => checkCoreVersions([{ contract: 'StrategyManager', address: address(2), version: '1.9.0-beta.1' }]), CoreVersionError);
    assert.throws(() => checkCoreVersions([{ contract: 'StrategyManager', address: address(2), version: '1.12.0' }], { minimum: '1.13.0' }), /older than v1\.13\.0/);
  });

  it('accepts the testnets\' core (Sepolia, Hoodi: v1.9.0-rc.0)', () => {
    const testnetShape = [
      { contract: 'DelegationManager', address: address(1), version: '1.9.0-rc.0' },
      { contract: 'StrategyManager', address: address(2), version: '1.9.0-rc.0' },
      { contract: 'AllocationManager', address: address(4) },
    ];
    assert.deepEqual(checkCoreVersions(testnetShape), { version: '1.9.0-rc.0', contract: 'DelegationManager' });
  });

  it('refuses a core where no contract has version(), or one answers something else than SemVer', () => {
    assert.throws(
      () => checkCoreVersions([{ contract: 'DelegationManager', address: address(1) }, { contract: 'AllocationManager', address: address(4) }]),
      /none of the EigenLayer core contracts has version\(\) \(DelegationManager at 0x0+1, AllocationManager at 0x0+4\)/,
    );
    assert.throws(() => checkCoreVersions([{ contract: 'DelegationManager', address: address(1), version: 'latest' }]), /DelegationManager at 0x0+1 reports version\(\) "latest", not a semantic version/);
  });

  it('reads version() from each core contract; a contract without it reads as undefined, a dead RPC throws', async () => {
    const abi = parseAbi(['function version() view returns (string)']);
    const versions: Record<string, string | undefined> = { [address(1)]: '1.12.0', [address(2)]: '1.12.0' };
    let down = false;
    const client = createPublicClient({
      transport: custom({
        async request({ method, params }: { method: string; params: any }) {
          if (down) throw new Error('connection refused');
          if (method !== 'eth_call') throw new Error(`unexpected ${method}`);
          const { to, data } = params[0];
          assert.equal(decodeFunctionData({ abi, data }).functionName, 'version');
          const version = versions[to];
          if (version === undefined) throw Object.assign(new Error('execution reverted'), { code: 3, data: '0x' });
          return encodeFunctionResult({ abi, functionName: 'version', result: version });
        },
      }),
    });
    const readings = await readCoreVersions(client, core);
    assert.deepEqual(
      readings.map((r) => [r.contract, r.version]),
      [
        ['DelegationManager', '1.12.0'],
        ['StrategyManager', '1.12.0'],
        ['AVSDirectory', undefined],
        ['AllocationManager', undefined],
        ['RewardsCoordinator', undefined],
      ],
    );
    down = true;
    await assert.rejects(readCoreVersions(client, core), /connection refused/);
  });
});
