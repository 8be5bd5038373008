/**
 * The epoch publisher's rewards after an outage, on a real devnet: a proof is signed in epoch 1, then no publisher runs while
 * epochs 1 and 2 end; a publisher that comes back pays epoch 1 (the one with proofs) exactly once, not only the epoch that
 * ended last.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StateManagerAbi, StateProofsServiceManagerAbi } from '../../src/core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../../src/core/chain/clients.ts';
import { openDatabase } from '../../src/core/db/index.ts';
import { epochAt } from '../../src/core/epochs.ts';
import { createLogger } from '../../src/core/logging.ts';
import { DEVNET_REWARDS_PER_EPOCH, type Devnet, startDevnet } from '../../src/devnet/devnet.ts';
import { devnetServices } from '../../src/devnet/services.ts';
import { advanceChainsToEpoch, chainTime } from '../../src/devnet/time.ts';
import { createStateProofsPublisher } from '../../src/services/state-proofs/aggregator/publisher.ts';
import { createStateProofStore } from '../../src/services/state-proofs/aggregator/store.ts';
import { requestProof, waitForProof } from '../../src/services/state-proofs/client.ts';
import { readRewardsCoordinatorParams } from '../../src/runtime/rewards/chain.ts';
import { rewardPeriodOfEpoch } from '../../src/runtime/rewards/submission.ts';
import { waitFor } from '../helpers/wait.ts';

const MAIN = 31337;
const REMOTE = 31338;

describe('epoch publisher after an outage', () => {
  let devnet: Devnet;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'avs-publisher-rewards-'));
    devnet = await startDevnet({
      operators: 4,
      remoteChains: 1,
      dir,
      // On the rewards calculation grid, so each epoch is a rewards period of its own.
      genesis: BigInt(Math.floor(Date.now() / 60_000) * 60),
      services: devnetServices({ logLevel: process.env.LOG_LEVEL ?? 'silent' }),
    });
  });

  after(async () => {
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pays every ended epoch it missed, once', async () => {
    // The outage: the devnet's publisher stops before any epoch with proofs has ended.
    await devnet.services!.publisher!.stop();
    const main = devnet.clients.get(MAIN)!;
    const epoch = epochAt(devnet.deployment.epoch, await chainTime(main));

    const chain = devnet.deployment.chains.find((c) => c.chainId === REMOTE)!;
    const hash = await makeWalletClient(REMOTE, chain.rpcUrl, devnet.user).writeContract({
      address: chain.stateManager,
      abi: StateManagerAbi,
      functionName: 'setValue',
      args: [5n, 55n],
    });
    const { blockNumber } = await devnet.clients.get(REMOTE)!.waitForTransactionReceipt({ hash });
    const url = devnet.services!.aggregatorUrl!;
    const requested = await requestProof(url, { chainId: REMOTE, user: devnet.user.address, key: 5n, blockNumber });
    const proof = await waitForProof(url, requested.taskId, { timeoutMs: 120_000 });
    assert.equal(proof.status, 'aggregated');
    assert.equal(proof.attestation.epoch, epoch);

    // Two epochs end with no publisher: the proof's, and the next one (without proofs).
    await advanceChainsToEpoch([...devnet.clients.values()], devnet.deployment.epoch, epoch + 2, 1n);

    const database = await openDatabase({ sqlitePath: join(devnet.dataDir, 'aggregator.sqlite') });
    try {
      const returning = createStateProofsPublisher({
        deployment: devnet.deployment,
        account: devnet.publisher,
        clients: devnet.clients,
        logger: createLogger('publisher', { level: process.env.LOG_LEVEL ?? 'silent' }),
        rewards: { store: await createStateProofStore(database), token: devnet.token, budgetPerEpoch: DEVNET_REWARDS_PER_EPOCH },
      });
      await waitFor('the returning publisher to settle both ended epochs', async () => {
        await returning.tick();
        return (returning.stats.rewardedEpoch ?? -1) >= epoch + 1 ? true : undefined;
      });
      assert.equal(returning.stats.rewardsSubmitted, 1, 'one submission: the proof’s epoch; the next one had no proofs');
      assert.equal(returning.stats.errors, 0);
      for (let i = 0; i < 2; i++) await returning.tick();
      assert.equal(returning.stats.rewardsSubmitted, 1, 'nothing paid twice');
    } finally {
      await database.close();
    }

    const coordinator = await readRewardsCoordinatorParams(main, devnet.deployment.eigenlayer.rewardsCoordinator);
    const period = rewardPeriodOfEpoch(devnet.deployment.epoch, epoch, coordinator.calculationIntervalSeconds);
    const submitted = await main.getContractEvents({
      address: devnet.deployment.stateProofs.serviceManager,
      abi: StateProofsServiceManagerAbi,
      eventName: 'RewardSubmitted',
      fromBlock: 0n,
      strict: true,
    });
    assert.deepEqual(
      submitted.map((e) => e.args.startTimestamp),
      [period.startTimestamp],
      'exactly the missed epoch with proofs was paid',
    );
    assert.equal(submitted[0].args.operatorCount, 4n);
  });
});
