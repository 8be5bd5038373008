/**
 * End to end against real anvil chains: a devnet starts, deploys, seeds operators whose registration went through the
 * AVSDirectory, with the expected weights, and stops without leaving processes behind.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getAddress } from 'viem';
import {
  AVSDirectoryAbi,
  DelegationManagerAbi,
  ECDSAStakeRegistryAbi,
  EpochManagerAbi,
  StateManagerAbi,
} from '../../src/core/chain/abis/generated/index.ts';
import { readStateProofsDeployment } from '../../src/services/state-proofs/deployment.ts';
import { epochAt } from '../../src/core/epochs.ts';
import { type Devnet, startDevnet } from '../../src/devnet/devnet.ts';
import { defaultStake } from '../../src/devnet/seed.ts';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('devnet', () => {
  let devnet: Devnet;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'avs-devnet-test-'));
    devnet = await startDevnet({ operators: 4, remoteChains: 2, dir, writeDeployment: join(dir, 'devnet.json') });
  });

  after(async () => {
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the main chain and the remote chains with their ids', async () => {
    assert.deepEqual(
      devnet.chains.map((c) => c.chainId),
      [31337, 31338, 31339],
    );
    for (const chain of devnet.chains) {
      assert.equal(await devnet.clients.get(chain.chainId)!.getChainId(), chain.chainId);
    }
  });

  it('deploys a StateManager on every chain', async () => {
    for (const chain of devnet.deployment.chains) {
      const client = devnet.clients.get(chain.chainId)!;
      const length = await client.readContract({
        address: chain.stateManager,
        abi: StateManagerAbi,
        functionName: 'getHistoryLength',
        args: [devnet.user.address, 1n],
      });
      assert.equal(length, 0n);
    }
  });

  it('writes a deployment file every command can read', () => {
    const fromFile = readStateProofsDeployment(join(dir, 'devnet.json'));
    assert.deepEqual(fromFile, devnet.deployment);
  });

  it('registers every operator in the registry with the expected, differing weights', async () => {
    const client = devnet.clients.get(31337)!;
    const registry = { address: devnet.deployment.stateProofs.stakeRegistry, abi: ECDSAStakeRegistryAbi } as const;
    const registered = (await client.readContract({ ...registry, functionName: 'getOperators' })).map((a) => getAddress(a));
    assert.equal(registered.length, 4);
    assert.deepEqual(new Set(registered), new Set(devnet.operators.map((o) => o.address)));

    const epoch = devnet.seed.activeEpoch;
    const strategy = devnet.deployment.eigenlayer.strategies[0];
    const weights = new Set<bigint>();
    for (const o of devnet.operators) {
      const [shares] = await client.readContract({
        address: devnet.deployment.eigenlayer.delegationManager,
        abi: DelegationManagerAbi,
        functionName: 'getOperatorShares',
        args: [o.address, [strategy]],
      });
      assert.equal(shares, defaultStake(o.index) * 10n ** 18n, `operator ${o.index} restaked its stake`);
      const weight = await client.readContract({ ...registry, functionName: 'getOperatorWeightAtEpoch', args: [o.address, epoch] });
      // multiplier 10000 bps: weight = shares × 10000 / 10000
      assert.equal(weight, (shares * 10_000n) / 10_000n);
      assert.equal(weight, o.weight);
      weights.add(weight);

      const signingKey = await client.readContract({ ...registry, functionName: 'getOperatorSigningKeyAtEpoch', args: [o.address, epoch] });
      assert.equal(getAddress(signingKey), o.signingKeyAddress);
      assert.notEqual(o.signingKeyAddress, o.address, 'the signing key is not the operator key');
    }
    assert.equal(weights.size, 4, 'stakes differ per operator');

    const total = await client.readContract({ ...registry, functionName: 'getTotalWeightAtEpoch', args: [epoch] });
    assert.equal(total, devnet.operators.reduce((sum, o) => sum + o.weight, 0n));
    const threshold = await client.readContract({ ...registry, functionName: 'getThresholdWeightAtEpoch', args: [epoch] });
    assert.equal(threshold, (total * 6667n + 9999n) / 10_000n);
    const heaviest = devnet.operators.reduce((max, o) => (o.weight > max ? o.weight : max), 0n);
    assert.ok(heaviest < threshold, 'no single operator reaches the threshold alone');
  });

  it('registered every operator to the AVS through the AVSDirectory', async () => {
    const client = devnet.clients.get(31337)!;
    for (const o of devnet.operators) {
      const status = await client.readContract({
        address: devnet.deployment.eigenlayer.avsDirectory,
        abi: AVSDirectoryAbi,
        functionName: 'avsOperatorStatus',
        args: [devnet.deployment.stateProofs.serviceManager, o.address],
      });
      assert.equal(status, 1, `operator ${o.index} is REGISTERED in the AVSDirectory`);
      const isOperator = await client.readContract({
        address: devnet.deployment.eigenlayer.delegationManager,
        abi: DelegationManagerAbi,
        functionName: 'isOperator',
        args: [o.address],
      });
      assert.equal(isOperator, true);
    }
  });

  it('advanced the chain into the epoch where the operator set is active', async () => {
    const client = devnet.clients.get(31337)!;
    const current = await client.readContract({
      address: devnet.deployment.stateProofs.epochManager,
      abi: EpochManagerAbi,
      functionName: 'currentEpoch',
    });
    assert.ok(current >= devnet.seed.activeEpoch);
    const block = await client.getBlock();
    assert.equal(epochAt(devnet.deployment.epoch, block.timestamp), current, 'TypeScript and the EpochManager agree');
    assert.equal(devnet.deployment.epoch.length, 120n);
    assert.equal(devnet.deployment.epoch.grace, 20n);
  });

  it('stops every chain process', async () => {
    const pids = devnet.chains.map((c) => c.pid);
    assert.ok(pids.every(isAlive));
    await devnet.stop();
    await Promise.all(devnet.chains.map((c) => c.exited));
    // Exited children may linger as zombies until reaped; a signal-0 probe on a reaped pid fails.
    for (const c of devnet.chains) {
      const { code, signal } = await c.exited;
      assert.ok(code !== null || signal !== null);
    }
  });
});
