/**
 * `avs rewards submit` against a devnet (anvil, the devnet EigenLayer core and the state-proof contracts): an epoch's
 * split from an aggregator database reaches RewardsCoordinator through ServiceManager.submitReward.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Address, type Hex, type PublicClient, erc20Abi, keccak256, parseEventLogs, toHex } from 'viem';
import { DevnetTokenAbi, RewardsCoordinatorAbi, StateProofsServiceManagerAbi } from '../../src/core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../../src/core/chain/clients.ts';
import { openDatabase } from '../../src/core/db/database.ts';
import { devAccount, devPrivateKey } from '../../src/devnet/accounts.ts';
import { type Devnet, startDevnet } from '../../src/devnet/devnet.ts';
import { advanceToEpoch } from '../../src/devnet/time.ts';
import { encodeSigData } from '../../src/services/state-proofs/attestation.ts';
import { createStateProofStore } from '../../src/services/state-proofs/aggregator/store.ts';
import { type AvsRun, runAvs as runCli } from '../helpers/cli.ts';

const SIGNATURE = `0x${'33'.repeat(65)}` as Hex;

/** `avs` without the caller's database or rewards key. */
function runAvs(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<AvsRun> {
  return runCli(args, { DATABASE_URL: '', AVS_REWARDS_INITIATOR_KEY: '', ...env });
}

describe('avs rewards submit on a devnet', () => {
  let devnet: Devnet;
  let dir: string;
  let deploymentPath: string;
  let dbPath: string;
  let client: PublicClient;
  let epoch: number;
  // The devnet makes its publisher account (dev account 2) the rewards initiator; the owner is a timelock.
  const initiator = devAccount(2);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'avs-rewards-submit-'));
    deploymentPath = join(dir, 'devnet.json');
    dbPath = join(dir, 'aggregator.sqlite');
    devnet = await startDevnet({ operators: 2, remoteChains: 0, dir, writeDeployment: deploymentPath });
    client = devnet.clients.get(devnet.deployment.mainChainId)!;
    epoch = devnet.seed.activeEpoch;

    // The aggregator's record of the epoch: operator 0 signed three proofs, operator 1 two of them.
    const [op0, op1] = devnet.operators;
    const database = await openDatabase({ sqlitePath: dbPath });
    try {
      const store = await createStateProofStore(database);
      for (const [i, signers] of [[op0], [op0, op1], [op0, op1]].entries()) {
        const taskId = keccak256(toHex(`submit-task-${i}`));
        const digest = keccak256(toHex(`submit-digest-${i}`));
        await store.insertTasks([
          {
            taskId,
            query: { chainId: 31337n, user: devnet.user.address, key: BigInt(i), blockNumber: 1n, timestamp: 1n },
            referenceEpoch: epoch,
            thresholdWeight: 1n,
            createdAt: 1,
            deadlineAt: 2,
          },
        ]);
        await store.write({
          answers: signers.map((o) => ({
            taskId,
            operator: o.address,
            signingKey: o.signingKeyAddress,
            digest,
            answer: { value: 1n, exists: true },
            referenceEpoch: epoch,
            signature: SIGNATURE,
            weight: o.weight,
            receivedAt: 1,
          })),
          completions: [
            {
              taskId,
              result: { value: 1n, exists: true },
              digest,
              sigData: encodeSigData(signers.map((o) => ({ operator: o.address, signature: SIGNATURE })), epoch),
              signerCount: signers.length,
              signedWeight: 1n,
            },
          ],
        });
      }
    } finally {
      await database.close();
    }

    // The rewards initiator mints itself the budget (the devnet token is open to mint).
    const sm = devnet.deployment.stateProofs.serviceManager;
    assert.equal(await client.readContract({ address: sm, abi: StateProofsServiceManagerAbi, functionName: 'rewardsInitiator' }), initiator.address);
    const wallet = makeWalletClient(devnet.deployment.mainChainId, devnet.chains[0].rpcUrl, initiator);
    await client.waitForTransactionReceipt({
      hash: await wallet.writeContract({ address: devnet.token, abi: DevnetTokenAbi, functionName: 'mint', args: [initiator.address, 10n ** 24n] }),
    });
  });

  after(async () => {
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const submitArgs = (extra: string[] = []) => [
    'rewards', 'submit', '--epoch', String(epoch), '--budget', '6400', '--token', devnet.token, '--db', dbPath, '--deployment', deploymentPath, '--json', ...extra,
  ];

  it('refuses an epoch that has not ended', async () => {
    const run = await runAvs(submitArgs(['--dry-run']));
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, new RegExp(`^avs: error: epoch ${epoch} has not ended`));
  });

  it('sends the split through ServiceManager.submitReward once the epoch is over', async (t) => {
    await advanceToEpoch(client, devnet.deployment.epoch, epoch + 1, 1n);
    const [op0, op1] = devnet.operators;
    // Weights 1000e18 and 1700e18 (default stakes); scores 3 × 1000e18 and 2 × 1700e18 of 6400e18.
    assert.deepEqual([op0.weight, op1.weight], [1000n * 10n ** 18n, 1700n * 10n ** 18n]);
    const expected = [
      { operator: op0.address, amount: 3000n },
      { operator: op1.address, amount: 3400n },
    ].sort((a, b) => (BigInt(a.operator) < BigInt(b.operator) ? -1 : 1));

    const dry = await runAvs(submitArgs(['--dry-run']));
    assert.equal(dry.code, 0, dry.stderr);
    const planned = JSON.parse(dry.stdout);
    assert.equal(planned.dryRun, true);
    assert.deepEqual(
      planned.submission.operatorRewards,
      expected.map((r) => ({ operator: r.operator, amount: r.amount.toString() })),
    );
    const coordinatorBalance = () =>
      client.readContract({ address: devnet.token, abi: erc20Abi, functionName: 'balanceOf', args: [devnet.deployment.eigenlayer.rewardsCoordinator] });
    assert.equal(await coordinatorBalance(), 0n);

    // Not the initiator: refused before anything is sent.
    const stranger = await runAvs(submitArgs(), { AVS_REWARDS_INITIATOR_KEY: devPrivateKey(1) });
    assert.equal(stranger.code, 1);
    assert.match(stranger.stderr, /is not the ServiceManager's rewards initiator/);

    const run = await runAvs(submitArgs(), { AVS_REWARDS_INITIATOR_KEY: devPrivateKey(2) });
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.total, '6400');
    assert.match(result.approveTransaction, /^0x[0-9a-f]{64}$/);
    assert.equal(await coordinatorBalance(), 6400n);

    const receipt = await client.getTransactionReceipt({ hash: result.submitTransaction as Hex });
    const [created] = parseEventLogs({ abi: RewardsCoordinatorAbi, logs: receipt.logs, eventName: 'OperatorDirectedAVSRewardsSubmissionCreated' });
    assert.equal(created.args.avs, devnet.deployment.stateProofs.serviceManager);
    const submission = created.args.operatorDirectedRewardsSubmission;
    assert.deepEqual(submission.operatorRewards, expected);
    assert.equal(submission.token, devnet.token);
    assert.equal(submission.description, `avs-stack state-proofs rewards, epoch ${epoch}`);
    assert.deepEqual(submission.strategiesAndMultipliers, [{ strategy: devnet.deployment.eigenlayer.strategies[0] as Address, multiplier: 10_000n }]);
    assert.equal(submission.startTimestamp % 60, 0);
    assert.equal(submission.duration, 120);
    const [submitted] = parseEventLogs({ abi: StateProofsServiceManagerAbi, logs: receipt.logs, eventName: 'RewardSubmitted' });
    assert.equal(submitted.args.totalAmount, 6400n);
    t.diagnostic(`submitReward with 2 operators: ${receipt.gasUsed} gas`);
  });
});
