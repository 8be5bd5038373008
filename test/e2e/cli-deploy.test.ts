/**
 * `avs deploy` as an AVS team runs it on a public network, here against a devnet standing in for one: the devnet's
 * EigenLayer core and bridge pair play the network's, the command deploys a second, independent state-proofs AVS from a
 * deploy config with confirmed transactions, hands ownership to timelocks run by the configured owner, and an operator
 * registers with the new AVS.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Address, type Hex, parseAbi, parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import {
  AllocationManagerAbi,
  ECDSAStakeRegistryAbi,
  EpochManagerAbi,
  LightStakeRegistryAbi,
  OwnerTimelockAbi,
  StateDisputeResolverAbi,
} from '../../src/core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../../src/core/chain/clients.ts';
import { type StateProofsDeployment, readStateProofsDeployment } from '../../src/services/state-proofs/deployment.ts';
import { SetupTransactionError, TxQueue } from '../../src/core/chain/transactions.ts';
import { describeError } from '../../src/cli/errors.ts';
import { devPrivateKey } from '../../src/devnet/accounts.ts';
import { type Devnet, startDevnet } from '../../src/devnet/devnet.ts';
import { runAvs } from '../helpers/cli.ts';
import { restakedOperator } from '../helpers/operators.ts';

const ownable = parseAbi(['function owner() view returns (address)']);

/**
 * Runtime code answering every call with the ABI encoding of `text` (up to 32 bytes): what an older core contract's
 * `version()` returns. mstore(0, 0x20); mstore(0x20, length); mstore(0x40, text); return(0, 0x60).
 */
function codeReturningString(text: string): Hex {
  const bytes = Buffer.from(text, 'utf8');
  assert.ok(bytes.length <= 32);
  const push1 = (n: number) => `60${n.toString(16).padStart(2, '0')}`;
  return `0x${push1(0x20)}${push1(0)}52${push1(bytes.length)}${push1(0x20)}527f${bytes.toString('hex').padEnd(64, '0')}${push1(0x40)}52${push1(0x60)}${push1(0)}f3`;
}

describe('avs deploy', () => {
  let devnet: Devnet;
  let dir: string;
  let config: Record<string, unknown>;
  let deployed: StateProofsDeployment;
  const owner = privateKeyToAccount(generatePrivateKey()).address;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'avs-deploy-test-'));
    devnet = await startDevnet({ operators: 2, remoteChains: 1, dir });
    const [main, remote] = devnet.deployment.chains;
    const { strategies, ...core } = devnet.deployment.eigenlayer;
    config = {
      mainChain: { chainId: main.chainId, name: 'stand-in main chain', rpcUrl: main.rpcUrl },
      remoteChains: [{ chainId: remote.chainId, rpcUrl: remote.rpcUrl, bridge: remote.bridge }],
      eigenlayer: core,
      quorum: strategies.map((strategy) => ({ strategy, multiplier: 10_000 })),
      epoch: { length: 240, grace: 40 },
      thresholdBps: 6_000,
      owner,
      rewardsInitiator: devnet.publisher.address,
      metadataUri: 'https://avs.example/state-proofs.json',
      disputes: {
        minBond: '100000000000000000',
        resolutionPeriod: 240,
        wadToSlash: '500000000000000000',
        challengerReward: '50000000000000000',
        bondRecipient: owner,
        minBlockTime: 1,
        rewardPool: '1000000000000000000',
      },
      confirmations: 1,
    };
  });

  after(async () => {
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deploys the AVS from a config and writes a deployment file the other commands read', async () => {
    const configPath = join(dir, 'deploy.json');
    const out = join(dir, 'deployed.json');
    writeFileSync(configPath, JSON.stringify(config));
    const run = await runAvs(['deploy', '--config', configPath, '--out', out, '--json'], { AVS_DEPLOYER_KEY: devPrivateKey(0) });
    assert.equal(run.code, 0, run.stderr);
    deployed = readStateProofsDeployment(out);
    const printed = JSON.parse(run.stdout) as { deployment: unknown; fromBlock: string; eigenlayerVersion: string };
    assert.equal(printed.eigenlayerVersion, '1.12.0', 'the devnet core passes the core version check');
    assert.deepEqual(printed.deployment, JSON.parse(readFileSync(out, 'utf8')));
    const firstContract = await devnet.clients.get(31337)!.getCode({ address: deployed.stateProofs.epochManager, blockNumber: BigInt(printed.fromBlock) - 1n });
    assert.equal(firstContract, undefined, 'nothing of the AVS exists before fromBlock');
    assert.notEqual(deployed.stateProofs.serviceManager, devnet.deployment.stateProofs.serviceManager);
    assert.deepEqual(deployed.eigenlayer, devnet.deployment.eigenlayer);

    const client = devnet.clients.get(31337)!;
    const [length, grace] = await Promise.all([
      client.readContract({ address: deployed.stateProofs.epochManager, abi: EpochManagerAbi, functionName: 'EPOCH_LENGTH' }),
      client.readContract({ address: deployed.stateProofs.epochManager, abi: EpochManagerAbi, functionName: 'GRACE_PERIOD' }),
    ]);
    assert.equal(length, 240n);
    assert.equal(grace, 40n);
    const threshold = await client.readContract({ address: deployed.stateProofs.stakeRegistry, abi: ECDSAStakeRegistryAbi, functionName: 'thresholdBps' });
    assert.equal(threshold, 6_000);
    const operatorSet = { avs: deployed.stateProofs.serviceManager, id: 0 };
    assert.equal(await client.readContract({ address: deployed.eigenlayer.allocationManager, abi: AllocationManagerAbi, functionName: 'isOperatorSet', args: [operatorSet] }), true);
    const remote = deployed.chains.find((c) => c.chainId === 31338)!;
    const receiver = await devnet.clients.get(31338)!.readContract({ address: remote.lightStakeRegistry!, abi: LightStakeRegistryAbi, functionName: 'stateReceiver' });
    assert.equal(receiver, remote.registryStateReceiver);
  });

  it('hands every owned contract to a timelock the configured owner runs, with a delay longer than the exposure window', async () => {
    const main = devnet.clients.get(31337)!;
    const remoteClient = devnet.clients.get(31338)!;
    const window = await main.readContract({ address: deployed.stateProofs.stateDisputeResolver!, abi: StateDisputeResolverAbi, functionName: 'EXPOSURE_WINDOW' });
    const remote = deployed.chains.find((c) => c.chainId === 31338)!;
    const mainChain = deployed.chains.find((c) => c.chainId === 31337)!;
    const owned = [
      { client: main, timelock: mainChain.timelock!, contracts: [deployed.stateProofs.epochManager, deployed.stateProofs.serviceManager, deployed.stateProofs.stakeRegistry, deployed.stateProofs.registryStateSender!, deployed.stateProofs.mainChainVerifier!] },
      { client: remoteClient, timelock: remote.timelock!, contracts: [remote.lightStakeRegistry!, remote.registryStateReceiver!] },
    ];
    for (const { client, timelock, contracts } of owned) {
      assert.ok(timelock, 'the deployment file names the timelock');
      for (const address of contracts) {
        assert.equal(await client.readContract({ address, abi: ownable, functionName: 'owner' }), timelock, address);
      }
      const delay = await client.readContract({ address: timelock, abi: OwnerTimelockAbi, functionName: 'getMinDelay' });
      assert.ok(delay > window, `timelock delay ${delay} s is longer than EXPOSURE_WINDOW ${window} s`);
      for (const role of ['PROPOSER_ROLE', 'EXECUTOR_ROLE'] as const) {
        const id = await client.readContract({ address: timelock, abi: OwnerTimelockAbi, functionName: role });
        assert.equal(await client.readContract({ address: timelock, abi: OwnerTimelockAbi, functionName: 'hasRole', args: [id, owner] }), true, role);
      }
      const admin = await client.readContract({ address: timelock, abi: OwnerTimelockAbi, functionName: 'DEFAULT_ADMIN_ROLE' });
      assert.equal(await client.readContract({ address: timelock, abi: OwnerTimelockAbi, functionName: 'hasRole', args: [admin, owner] }), false, 'no admin but the timelock');
    }
  });

  it('lets an EigenLayer operator register with the new AVS: join, allocate, register; a rerun does nothing more', async () => {
    const out = join(dir, 'deployed.json');
    const fresh = await restakedOperator(devnet, 2_000n * 10n ** 18n);
    const signingKey = privateKeyToAccount(generatePrivateKey()).address;
    const register = () =>
      runAvs(['operator', 'register', '--signing-key', signingKey, '--magnitude', (10n ** 18n / 4n).toString(), '--deployment', out, '--json'], {
        AVS_OPERATOR_KEY: fresh.key,
      });
    const run = await register();
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { operator: string; weight: string; avsDirectoryRegistered: boolean; status: string };
    assert.equal(result.operator, fresh.address);
    assert.equal(result.status, 'registered');
    assert.equal(result.avsDirectoryRegistered, true);
    assert.equal(BigInt(result.weight), 500n * 10n ** 18n, 'a quarter of the stake is slashable by the set');
    const again = await register();
    assert.equal(again.code, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as { status: string }).status, 'already registered');
  });

  it('refuses an invalid config, naming each bad key, before sending anything', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...config, thresholdBps: 0, disputes: { ...(config.disputes as object), minBond: 'lots' } }));
    const run = await runAvs(['deploy', '--config', bad, '--out', join(dir, 'never.json')], { AVS_DEPLOYER_KEY: devPrivateKey(0) });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /thresholdBps/);
    assert.match(run.stderr, /disputes\.minBond: expected a decimal integer/);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  });

  it('takes a plain hex key only for a devnet main chain', async () => {
    const publicConfig = join(dir, 'public.json');
    writeFileSync(publicConfig, JSON.stringify({ ...config, mainChain: { chainId: 11155111, rpcUrl: 'http://127.0.0.1:9' } }));
    const run = await runAvs(['deploy', '--config', publicConfig, '--out', join(dir, 'never.json')], { AVS_DEPLOYER_KEY: devPrivateKey(0), AVS_ECDSA_KEYSTORE: '' });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /plain hex keys are for devnets only/);
  });

  it('refuses an EigenLayer core older than v1.9.0-rc.0 before sending anything, naming the contract, its version and the minimum', async () => {
    const main = devnet.clients.get(31337)!;
    const oldDelegationManager = privateKeyToAccount(generatePrivateKey()).address;
    await main.request({ method: 'anvil_setCode', params: [oldDelegationManager, codeReturningString('1.8.1')] } as never);
    const old = join(dir, 'old-core.json');
    writeFileSync(old, JSON.stringify({ ...config, eigenlayer: { ...(config.eigenlayer as object), delegationManager: oldDelegationManager } }));
    const deployer = privateKeyToAccount(devPrivateKey(0)).address;
    const nonce = await main.getTransactionCount({ address: deployer });
    const run = await runAvs(['deploy', '--config', old, '--out', join(dir, 'never.json')], { AVS_DEPLOYER_KEY: devPrivateKey(0) });
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(`^avs: error: the EigenLayer core on chain 31337 is older than v1\\.9\\.0-rc\\.0, the oldest avs-stack supports: its newest contract, DelegationManager at ${oldDelegationManager}, is version 1\\.8\\.1 \\(`),
    );
    assert.equal(run.stderr.trimEnd().split('\n').length, 1, 'one line, no stack trace');
    assert.equal(await main.getTransactionCount({ address: deployer }), nonce, 'nothing was sent');
  });

  it('reports a revert of the EigenLayer core by the core’s own error, in the CLI line and in a setup step', async () => {
    const main = devnet.clients.get(31337)!;
    const rpcUrl = devnet.deployment.chains[0].rpcUrl;
    const stranger = privateKeyToAccount(generatePrivateKey());
    await main.request({ method: 'anvil_setBalance', params: [stranger.address, `0x${parseEther('1').toString(16)}`] } as never);
    const leave = { operator: stranger.address, avs: deployed.stateProofs.serviceManager as Address, operatorSetIds: [0] };
    const hint = 'the operator is not registered in this operator set';

    const wallet = makeWalletClient(31337, rpcUrl, stranger);
    const error = await wallet
      .writeContract({ address: deployed.eigenlayer.allocationManager, abi: AllocationManagerAbi, functionName: 'deregisterFromOperatorSets', args: [leave] })
      .then(() => undefined, (e: unknown) => e);
    assert.equal(describeError(error), `deregisterFromOperatorSets: AllocationManager reverted: NotMemberOfSet() (${hint})`);

    const queue = new TxQueue(wallet, main, { mode: 'confirmed' });
    await assert.rejects(
      queue.write('leave operator set 0', deployed.eigenlayer.allocationManager, AllocationManagerAbi, 'deregisterFromOperatorSets', [leave]),
      (e: unknown) => e instanceof SetupTransactionError && e.message === `setup step "leave operator set 0" would fail: AllocationManager reverted: NotMemberOfSet() (${hint})`,
    );
  });

  it('refuses a challenge window longer than EigenLayer keeps stake slashable, before sending anything', async () => {
    const long = join(dir, 'long-window.json');
    writeFileSync(long, JSON.stringify({ ...config, epoch: { length: 3_600, grace: 600 } }));
    const run = await runAvs(['deploy', '--config', long, '--out', join(dir, 'never.json')], { AVS_DEPLOYER_KEY: devPrivateKey(0) });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /is 14640 blocks .* \(1200 blocks\): shorten epoch\.length or disputes\.resolutionPeriod/);
  });

  it('stops when an RPC endpoint serves another chain than the config names', async () => {
    const wrong = join(dir, 'wrong-chain.json');
    const remote = (config.remoteChains as { rpcUrl: string }[])[0];
    writeFileSync(wrong, JSON.stringify({ ...config, mainChain: { chainId: 31337, rpcUrl: remote.rpcUrl } }));
    const run = await runAvs(['deploy', '--config', wrong, '--out', join(dir, 'never.json')], { AVS_DEPLOYER_KEY: devPrivateKey(0) });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /serves chain 31338, but the config says 31337/);
  });

  it('does not overwrite an existing deployment file without --force', async () => {
    const configPath = join(dir, 'deploy.json');
    const run = await runAvs(['deploy', '--config', configPath, '--out', join(dir, 'deployed.json')], { AVS_DEPLOYER_KEY: devPrivateKey(0) });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /exists: give another --out, or --force/);
  });
});
