/**
 * Replication of the operator registry across an epoch boundary, and the epoch publisher, end to
 * end on a real devnet (a main chain, two remote chains, four seeded operators, the aggregator with its publisher, the
 * operator nodes and the relayer, all in this process).
 *
 * The scenario (in `before`): epoch E starts; in it, one operator deregisters, a fresh operator registers, one rotates
 * its signing key, and one restaked more during the previous grace period so that the publisher's weight refresh lands in
 * E + 1. Proofs are requested from the aggregator in E. Then E's grace period starts, the publisher sends E + 1's set to
 * both remote chains, the relayer delivers it, and the chains move into E + 1. The tests check, one behaviour each:
 * 1. each remote LightStakeRegistry holds exactly the main registry's set of E + 1 (keys, weights, threshold);
 * 2. on a remote chain a proof signed by the new set verifies, and proofs with the departed operator or the old key
 *    fail exactly as on the main registry;
 * 3. the publisher paid E's rewards once, with the amounts `avs rewards split` computes;
 * 4. every (remote chain, epoch) got one state update, and a restarted publisher sends nothing again;
 * 5. an epoch a remote chain never received is refused there while the main chain accepts it (fail-closed).
 *
 * Waits are polls with generous bounds; nothing asserts a duration.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type Abi,
  type Address,
  type Hex,
  type PrivateKeyAccount,
  type PublicClient,
  BaseError,
  ContractFunctionRevertedError,
  getAddress,
  parseEther,
  parseUnits,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import {
  DevnetTokenAbi,
  ECDSAStakeRegistryAbi,
  EpochManagerAbi,
  LightStakeRegistryAbi,
  RegistryStateReceiverAbi,
  RewardsCoordinatorAbi,
  StateManagerAbi,
  StateProofsServiceManagerAbi,
  StrategyManagerAbi,
} from '../../src/core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../../src/core/chain/clients.ts';
import { TxQueue } from '../../src/core/chain/transactions.ts';
import { signDigest, signingKeyFromPrivateKey } from '../../src/core/crypto/ecdsa.ts';
import { openDatabase } from '../../src/core/db/index.ts';
import { createLogger } from '../../src/core/logging.ts';
import { DEVNET_MAIN_CHAIN_ID, DEVNET_REWARDS_PER_EPOCH, type Devnet, startDevnet } from '../../src/devnet/devnet.ts';
import { registerDevnetOperator } from '../../src/devnet/seed.ts';
import { devnetServices } from '../../src/devnet/services.ts';
import { advanceChainsToEpoch, currentEpoch } from '../../src/devnet/time.ts';
import { createStateProofsPublisher } from '../../src/services/state-proofs/aggregator/publisher.ts';
import { createStateProofStore } from '../../src/services/state-proofs/aggregator/store.ts';
import { ERC1271_INVALID, ERC1271_MAGIC_VALUE, type StateAttestation, attestationDigest, encodeSigData } from '../../src/services/state-proofs/attestation.ts';
import { readRewardsCoordinatorParams } from '../../src/runtime/rewards/chain.ts';
import { rewardPeriodOfEpoch } from '../../src/runtime/rewards/submission.ts';
import { waitFor as waitForHelper } from '../helpers/wait.ts';

const MAIN = DEVNET_MAIN_CHAIN_ID;
const REMOTES = [MAIN + 1, MAIN + 2];
/** Bound of every wait: generous on a loaded 2-core machine; reaching it is a failure, never a timing assertion. */
const WAIT_MS = 180_000;
const bin = fileURLToPath(new URL('../../bin/avs.js', import.meta.url));

function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = WAIT_MS): Promise<T> {
  return waitForHelper(what, probe, { timeoutMs });
}

/** A signer of a hand-built proof: the operator and the private key it signs with. */
type Signer = { operator: Address; signingKey: Hex };

/** `sigData` over `digest` with real signatures of `signers` at `referenceEpoch`. */
function sign(digest: Hex, signers: readonly Signer[], referenceEpoch: number): Hex {
  return encodeSigData(
    signers.map((s) => ({ operator: s.operator, signature: signDigest(signingKeyFromPrivateKey(s.signingKey), digest) })),
    referenceEpoch,
  );
}

/** What a registry says about a proof: `isValidSignature`'s value, and `checkSignatures`' custom error (or `ok`). */
type Verdict = { value: Hex; reason: string };

async function verdict(client: PublicClient, address: Address, abi: Abi, digest: Hex, sigData: Hex): Promise<Verdict> {
  const value = (await client.readContract({ address, abi, functionName: 'isValidSignature', args: [digest, sigData] })) as Hex;
  let reason = 'ok';
  try {
    await client.readContract({ address, abi, functionName: 'checkSignatures', args: [digest, sigData] });
  } catch (error) {
    const reverted = error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : undefined;
    if (!(reverted instanceof ContractFunctionRevertedError) || !reverted.data) throw error;
    reason = `${reverted.data.errorName}(${(reverted.data.args ?? []).map(String).join(',')})`;
  }
  return { value, reason };
}

/** Runs `avs <args>` to completion; resolves to its stdout, fails with its stderr on a non-zero exit. */
function runAvs(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AVS_DEBUG: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`avs ${args.join(' ')} exited ${code}: ${stderr}`))));
  });
}

describe('registry replication and the epoch publisher', () => {
  let devnet: Devnet;
  let dir: string;
  let main: PublicClient;
  /** The epoch in which the changes were made; they take effect at E + 1. */
  let E: number;
  /** The four seeded operators: 0 leaves, 1 rotates its signing key, 2 restakes more, 3 stays as it was. */
  let seeded: { account: PrivateKeyAccount; signingKey: Hex }[];
  /** The operator that joins in E. */
  let newcomer: Signer;
  /** Operator 1's signing key from E + 1 on. */
  let rotatedKey: Hex;
  /** Operator 2's weight before and after its extra stake. */
  let weightOfOp2: { before: bigint; after: bigint };
  /** Proofs the aggregator produced in E (task ids). */
  let proofsOfE: Hex[];
  const registry = () => ({ address: devnet.deployment.stateProofs.stakeRegistry, abi: ECDSAStakeRegistryAbi }) as const;
  const epochManager = () => ({ address: devnet.deployment.stateProofs.epochManager, abi: EpochManagerAbi }) as const;
  const chainOf = (chainId: number) => devnet.deployment.chains.find((c) => c.chainId === chainId)!;
  const light = (chainId: number) => ({ address: chainOf(chainId).lightStakeRegistry!, abi: LightStakeRegistryAbi }) as const;
  const allClients = () => [...devnet.clients.values()];
  const publisher = () => devnet.services!.publisher!;
  const queueFor = (account: PrivateKeyAccount) => new TxQueue(makeWalletClient(MAIN, chainOf(MAIN).rpcUrl, account), main);

  /** The digest of an attestation of a value on the first remote chain, signed at `epoch`. */
  const digestAt = (epoch: number): Hex => {
    const attestation: StateAttestation = {
      user: devnet.user.address,
      chainId: BigInt(REMOTES[0]),
      blockNumber: 1n,
      timestamp: 0n,
      key: 7n,
      value: 42n,
      exists: true,
      epoch,
    };
    return attestationDigest({ chainId: MAIN, verifyingContract: devnet.deployment.stateProofs.serviceManager }, attestation);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'avs-replication-test-'));
    devnet = await startDevnet({
      operators: 4,
      remoteChains: 2,
      dir,
      writeDeployment: join(dir, 'devnet.json'),
      // Epochs start on the rewards calculation grid (as a deployment starting at midnight would on mainnet), so an
      // epoch's end is its rewards period's end too.
      genesis: BigInt(Math.floor(Date.now() / 60_000) * 60),
      services: devnetServices({ logLevel: process.env.LOG_LEVEL ?? 'silent' }),
    });
    main = devnet.clients.get(MAIN)!;
    const clock = devnet.deployment.epoch;
    seeded = devnet.operators.map((o) => ({ account: privateKeyToAccount(o.operatorKey), signingKey: o.signingKey }));

    // A value on the first remote chain for the proofs of E.
    const remote = devnet.clients.get(REMOTES[0])!;
    const write = await makeWalletClient(REMOTES[0], chainOf(REMOTES[0]).rpcUrl, devnet.user).writeContract({
      address: chainOf(REMOTES[0]).stateManager,
      abi: StateManagerAbi,
      functionName: 'setValue',
      args: [7n, 42n],
    });
    const valueBlock = (await remote.waitForTransactionReceipt({ hash: write })).blockNumber;

    // Operator 2 restakes more during the grace period, when the publisher does not refresh weights: its refresh in the
    // next epoch, before that epoch's grace period, makes the new weight effective one epoch later.
    const previous = await currentEpoch(main, clock);
    await advanceChainsToEpoch(allClients(), clock, previous, clock.length - clock.grace);
    const extra = parseUnits('500', 18);
    const op2 = queueFor(seeded[2].account);
    const strategy = devnet.deployment.eigenlayer.strategies[0];
    await op2.write('op2: mint', devnet.token, DevnetTokenAbi, 'mint', [seeded[2].account.address, extra]);
    await op2.write('op2: approve', devnet.token, DevnetTokenAbi, 'approve', [devnet.deployment.eigenlayer.strategyManager, extra]);
    await op2.write('op2: depositIntoStrategy', devnet.deployment.eigenlayer.strategyManager, StrategyManagerAbi, 'depositIntoStrategy', [
      strategy,
      devnet.token,
      extra,
    ]);
    await op2.settle();
    weightOfOp2 = {
      before: await main.readContract({ ...registry(), functionName: 'getLatestOperatorWeight', args: [seeded[2].account.address] }),
      after: await main.readContract({ ...registry(), functionName: 'computeOperatorWeight', args: [seeded[2].account.address] }),
    };
    assert.ok(weightOfOp2.after > weightOfOp2.before, 'the deposit raised the delegated stake');

    E = previous + 1;
    await advanceChainsToEpoch(allClients(), clock, E);
    await waitFor("the publisher's weight refresh", async () =>
      (await main.readContract({ ...registry(), functionName: 'getLatestOperatorWeight', args: [seeded[2].account.address] })) === weightOfOp2.after
        ? true
        : undefined,
    );

    // The changes of E, all effective at E + 1.
    const op0 = queueFor(seeded[0].account);
    await op0.write('op0: deregisterOperator', registry().address, ECDSAStakeRegistryAbi, 'deregisterOperator', []);
    await op0.settle();

    rotatedKey = generatePrivateKey();
    const op1 = queueFor(seeded[1].account);
    await op1.write('op1: updateOperatorSigningKey', registry().address, ECDSAStakeRegistryAbi, 'updateOperatorSigningKey', [
      privateKeyToAccount(rotatedKey).address,
    ]);
    await op1.settle();

    const newcomerAccount = privateKeyToAccount(generatePrivateKey());
    newcomer = { operator: newcomerAccount.address, signingKey: generatePrivateKey() };
    await main.request({ method: 'anvil_setBalance', params: [newcomerAccount.address, `0x${parseEther('10').toString(16)}`] } as never);
    await registerDevnetOperator({
      client: main,
      deployment: devnet.deployment,
      token: devnet.token,
      account: newcomerAccount,
      signingKey: newcomer.signingKey,
      stake: parseUnits('1500', 18),
      index: devnet.operators.length,
    });

    // Proofs of E, signed by the operator nodes with the keys of E, once the aggregator (which caches the epoch
    // briefly) creates tasks at E.
    const api = devnet.services!.aggregatorUrl!;
    await waitFor(`the aggregator at epoch ${E}`, async () =>
      ((await (await fetch(`${api}/v1/operators`)).json()) as { epoch: number }).epoch === E ? true : undefined,
    );
    proofsOfE = [];
    for (const key of [7n, 8n]) {
      const response = await fetch(`${api}/v1/state-proofs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ chainId: String(REMOTES[0]), user: devnet.user.address, key: key.toString(), blockNumber: valueBlock.toString() }),
      });
      assert.ok(response.status === 200 || response.status === 202, `POST /v1/state-proofs: ${response.status}`);
      proofsOfE.push(((await response.json()) as { taskId: Hex }).taskId);
    }
    for (const taskId of proofsOfE) {
      const task = await waitFor(`proof ${taskId}`, async () => {
        const body = (await (await fetch(`${api}/v1/state-proofs/${taskId}`)).json()) as { status: string; attestation: { epoch: number } };
        return body.status === 'aggregated' || body.status === 'failed' ? body : undefined;
      });
      assert.equal(task.status, 'aggregated');
      assert.equal(task.attestation.epoch, E, 'the proof was signed at E');
    }
    assert.equal(await currentEpoch(main, clock), E, 'every change of E was made before its grace period ended');

    // E's grace period: E + 1's set is final; the publisher sends it and the relayer delivers it to both remote chains.
    await advanceChainsToEpoch(allClients(), clock, E, clock.length - clock.grace);
    for (const chainId of REMOTES) {
      await waitFor(`epoch ${E + 1} on chain ${chainId}`, async () =>
        (await devnet.clients.get(chainId)!.readContract({ ...light(chainId), functionName: 'isEpochReceived', args: [E + 1] })) ? true : undefined,
      );
    }
    await advanceChainsToEpoch(allClients(), clock, E + 1);
  });

  after(async () => {
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('each remote registry holds exactly the main registry’s operator set of the next epoch after all kinds of change', async () => {
    const updates = await main.readContract({ ...epochManager(), functionName: 'getStateUpdates', args: [E + 1] });
    const types = new Set(updates.map((u) => u.updateType));
    // REGISTER, DEREGISTER, UPDATE_SIGNING_KEY, UPDATE_WEIGHT (EpochManager.MessageType), all queued for E + 1.
    assert.deepEqual([...types].sort(), [0, 1, 2, 3]);

    const [operators, signingKeys, weights, totalWeight, thresholdWeight] = await main.readContract({
      ...registry(),
      functionName: 'getOperatorSetAtEpoch',
      args: [E + 1],
    });
    const [operatorsOfE] = await main.readContract({ ...registry(), functionName: 'getOperatorSetAtEpoch', args: [E] });
    const address = (i: number) => seeded[i].account.address;
    // The main set itself changed as intended between E and E + 1.
    assert.ok(operatorsOfE.includes(address(0)) && !operators.includes(address(0)), 'operator 0 left at E + 1');
    assert.ok(!operatorsOfE.includes(newcomer.operator) && operators.includes(newcomer.operator), 'the newcomer joined at E + 1');
    assert.equal(signingKeys[operators.indexOf(address(1))], privateKeyToAccount(rotatedKey).address, 'operator 1 signs with its new key');
    assert.equal(weights[operators.indexOf(address(2))], weightOfOp2.after, "operator 2's new weight");
    assert.equal(
      await main.readContract({ ...registry(), functionName: 'getOperatorWeightAtEpoch', args: [address(2), E] }),
      weightOfOp2.before,
      "operator 2's weight at E is unchanged",
    );

    const everyone = [...new Set([...operators, ...operatorsOfE])];
    for (const chainId of REMOTES) {
      const client = devnet.clients.get(chainId)!;
      const [delivered] = await client.getContractEvents({
        address: chainOf(chainId).registryStateReceiver!,
        abi: RegistryStateReceiverAbi,
        eventName: 'StateUpdateReceived',
        args: { epoch: E + 1 },
        fromBlock: 0n,
        strict: true,
      });
      const { gasUsed } = await client.getTransactionReceipt({ hash: delivered.transactionHash });
      console.log(`chain ${chainId}: delivery of epoch ${E + 1} (one left, one joined, one key, one weight; ${operators.length} operators): ${gasUsed} gas`);
      const read = (functionName: string, args: readonly unknown[]) =>
        client.readContract({ ...light(chainId), functionName, args } as never) as Promise<unknown>;
      assert.equal(await read('isEpochReceived', [E + 1]), true);
      assert.deepEqual(await read('getOperators', []), operators, `chain ${chainId}: the latest set, ascending`);
      assert.equal(await read('getTotalWeightAtEpoch', [E + 1]), totalWeight, `chain ${chainId}: total weight`);
      assert.equal(await read('getThresholdWeightAtEpoch', [E + 1]), thresholdWeight, `chain ${chainId}: threshold weight`);
      for (const operator of everyone) {
        const i = operators.indexOf(operator);
        const label = `chain ${chainId}, operator ${operator}`;
        assert.equal(await read('isOperatorRegisteredAtEpoch', [operator, E + 1]), i >= 0, `${label}: registered`);
        assert.equal(
          getAddress((await read('getOperatorSigningKeyAtEpoch', [operator, E + 1])) as Address),
          i >= 0 ? signingKeys[i] : getAddress('0x0000000000000000000000000000000000000000'),
          `${label}: signing key`,
        );
        assert.equal(await read('getOperatorWeightAtEpoch', [operator, E + 1]), i >= 0 ? weights[i] : 0n, `${label}: weight`);
      }
    }
  });

  it('on a remote chain a proof of the new set verifies and proofs with the departed operator or the old key fail as on the main chain', async () => {
    const epoch = E + 1;
    const digest = digestAt(epoch);
    const op = (i: number): Signer => ({ operator: seeded[i].account.address, signingKey: seeded[i].signingKey });
    const newSet = [{ ...op(1), signingKey: rotatedKey }, op(2), op(3), newcomer];
    const cases: { name: string; sigData: Hex; valid: boolean; reason?: RegExp }[] = [
      { name: 'the new set', sigData: sign(digest, newSet, epoch), valid: true },
      { name: 'the new set plus the departed operator', sigData: sign(digest, [...newSet, op(0)], epoch), valid: false, reason: /^NotRegistered\(/ },
      { name: "operator 1's old key", sigData: sign(digest, [op(1), op(2), op(3), newcomer], epoch), valid: false, reason: /^InvalidSignature\(/ },
    ];
    for (const c of cases) {
      const onMain = await verdict(main, registry().address, ECDSAStakeRegistryAbi, digest, c.sigData);
      assert.equal(onMain.value, c.valid ? ERC1271_MAGIC_VALUE : ERC1271_INVALID, `main chain, ${c.name}`);
      if (c.reason) assert.match(onMain.reason, c.reason, `main chain, ${c.name}`);
      for (const chainId of REMOTES) {
        const onRemote = await verdict(devnet.clients.get(chainId)!, light(chainId).address, LightStakeRegistryAbi, digest, c.sigData);
        assert.deepEqual(onRemote, onMain, `chain ${chainId}, ${c.name}: same answer as the main registry`);
      }
    }
  });

  it('the publisher submitted E’s rewards once, with the amounts `avs rewards split` computes', async () => {
    const coordinator = await readRewardsCoordinatorParams(main, devnet.deployment.eigenlayer.rewardsCoordinator);
    const period = rewardPeriodOfEpoch(devnet.deployment.epoch, E, coordinator.calculationIntervalSeconds);
    const submittedForE = async () =>
      (
        await main.getContractEvents({
          address: devnet.deployment.stateProofs.serviceManager,
          abi: StateProofsServiceManagerAbi,
          eventName: 'RewardSubmitted',
          fromBlock: 0n,
          strict: true,
        })
      ).filter((e) => e.args.startTimestamp === period.startTimestamp);
    const [submitted] = await waitFor(`E's rewards`, async () => ((await submittedForE()).length > 0 ? submittedForE() : undefined));

    const split = JSON.parse(
      await runAvs([
        'rewards',
        'split',
        '--epoch',
        String(E),
        '--budget',
        DEVNET_REWARDS_PER_EPOCH.toString(),
        '--deployment',
        join(dir, 'devnet.json'),
        '--db',
        join(devnet.dataDir, 'aggregator.sqlite'),
        '--json',
      ]),
    ) as { proofs: number; distributed: string; operators: { operator: Address; amount: string }[] };
    assert.equal(split.proofs, proofsOfE.length, 'the split counts the proofs of E');
    const expected = split.operators.filter((o) => BigInt(o.amount) > 0n).map((o) => ({ operator: getAddress(o.operator), amount: BigInt(o.amount) }));
    assert.ok(expected.length >= 2, 'the signers of a threshold are paid');

    assert.equal(submitted.args.token, getAddress(devnet.token));
    assert.equal(submitted.args.totalAmount, DEVNET_REWARDS_PER_EPOCH);
    assert.equal(submitted.args.totalAmount, BigInt(split.distributed));
    assert.equal(submitted.args.operatorCount, BigInt(expected.length));
    assert.equal(submitted.args.duration, period.duration);

    // The operator-directed submission the RewardsCoordinator recorded, from the ServiceManager in the same transaction.
    const created = await main.getContractEvents({
      address: devnet.deployment.eigenlayer.rewardsCoordinator,
      abi: RewardsCoordinatorAbi,
      eventName: 'OperatorDirectedAVSRewardsSubmissionCreated',
      blockHash: submitted.blockHash,
      strict: true,
    });
    const submission = created.find((e) => e.transactionHash === submitted.transactionHash)!.args;
    assert.equal(submission.avs, devnet.deployment.stateProofs.serviceManager);
    assert.deepEqual(
      submission.operatorDirectedRewardsSubmission.operatorRewards.map((r) => ({ operator: getAddress(r.operator), amount: r.amount })),
      expected,
    );

    // Further passes find the event and submit nothing.
    const passes = publisher().stats.passes;
    await waitFor('three more publisher passes', async () => (publisher().stats.passes >= passes + 3 ? true : undefined));
    assert.equal((await submittedForE()).length, 1, 'one submission for E');
  });

  /** Every state update sent on the main chain and received on each remote chain, as `chainId:epoch` keys. */
  async function stateUpdateLog(): Promise<{ sent: string[]; received: string[]; dropped: number }> {
    const sent = await main.getContractEvents({ ...epochManager(), eventName: 'StateUpdatesSent', fromBlock: 0n, strict: true });
    const received: string[] = [];
    let dropped = 0;
    for (const chainId of REMOTES) {
      const client = devnet.clients.get(chainId)!;
      const receiver = { address: chainOf(chainId).registryStateReceiver!, abi: RegistryStateReceiverAbi } as const;
      const got = await client.getContractEvents({ ...receiver, eventName: 'StateUpdateReceived', fromBlock: 0n, strict: true });
      received.push(...got.map((e) => `${chainId}:${e.args.epoch}`));
      dropped += (await client.getContractEvents({ ...receiver, eventName: 'StateUpdateDropped', fromBlock: 0n })).length;
    }
    return { sent: sent.map((e) => `${e.args.chainId}:${e.args.epoch}`).sort(), received: received.sort(), dropped };
  }

  it('the publisher sends each epoch once per remote chain, and a restarted publisher sends nothing again', async () => {
    const passes = publisher().stats.passes;
    await waitFor('three more publisher passes', async () => (publisher().stats.passes >= passes + 3 ? true : undefined));
    const before = await stateUpdateLog();
    for (const chainId of REMOTES) assert.ok(before.sent.includes(`${chainId}:${E + 1}`), `E + 1 was sent to ${chainId}`);
    assert.equal(new Set(before.sent).size, before.sent.length, `no (chain, epoch) sent twice: ${before.sent.join(' ')}`);
    assert.deepEqual(before.received, before.sent, 'each one received once');
    assert.equal(before.dropped, 0, 'no duplicate reached a receiver');
    assert.equal(publisher().stats.errors, 0, 'the publisher had no failed pass');

    // A restart: the running publisher stops, a new one (no memory of the old one) takes over with the same account.
    await publisher().stop();
    const database = await openDatabase({ sqlitePath: join(devnet.dataDir, 'aggregator.sqlite') });
    try {
      const restarted = createStateProofsPublisher({
        deployment: devnet.deployment,
        account: devnet.publisher,
        clients: devnet.clients,
        logger: createLogger('publisher', { level: process.env.LOG_LEVEL ?? 'silent' }),
        rewards: { store: await createStateProofStore(database), token: devnet.token, budgetPerEpoch: DEVNET_REWARDS_PER_EPOCH },
      });
      for (let i = 0; i < 3; i++) await restarted.tick();
      assert.deepEqual(
        { sent: restarted.stats.stateUpdatesSent, rewards: restarted.stats.rewardsSubmitted, errors: restarted.stats.errors },
        { sent: 0, rewards: 0, errors: 0 },
      );
      assert.equal(restarted.stats.rewardedEpoch, E, 'it found E already paid');
      for (const chainId of REMOTES) assert.equal(restarted.stats.remoteEpochs[chainId], E + 1);
    } finally {
      await database.close();
    }
    assert.deepEqual(await stateUpdateLog(), before, 'no state update sent or delivered after the restart');
  });

  it('a remote chain refuses an epoch it never received, which the main chain accepts, until it arrives', async () => {
    // No publisher runs now (the previous test stopped it): E + 2 starts without its set being sent anywhere.
    const epoch = E + 2;
    await advanceChainsToEpoch(allClients(), devnet.deployment.epoch, epoch);
    const digest = digestAt(epoch);
    const sigData = sign(
      digest,
      [
        { operator: seeded[1].account.address, signingKey: rotatedKey },
        { operator: seeded[2].account.address, signingKey: seeded[2].signingKey },
        { operator: seeded[3].account.address, signingKey: seeded[3].signingKey },
        newcomer,
      ],
      epoch,
    );
    assert.deepEqual(await verdict(main, registry().address, ECDSAStakeRegistryAbi, digest, sigData), { value: ERC1271_MAGIC_VALUE, reason: 'ok' });
    for (const chainId of REMOTES) {
      const client = devnet.clients.get(chainId)!;
      assert.equal(await client.readContract({ ...light(chainId), functionName: 'isEpochReceived', args: [epoch] }), false);
      assert.equal(await client.readContract({ ...light(chainId), functionName: 'getThresholdWeightAtEpoch', args: [epoch] }), 0n);
      assert.equal(
        await client.readContract({ ...light(chainId), functionName: 'getOperatorWeightAtEpoch', args: [seeded[3].account.address, epoch] }),
        0n,
      );
      assert.deepEqual(await verdict(client, light(chainId).address, LightStakeRegistryAbi, digest, sigData), {
        value: ERC1271_INVALID,
        reason: `ZeroThreshold(${epoch})`,
      });
    }

    // Once a publisher sends it, the same proof verifies there too.
    const publisherAgain = createStateProofsPublisher({
      deployment: devnet.deployment,
      account: devnet.publisher,
      clients: devnet.clients,
      logger: createLogger('publisher', { level: process.env.LOG_LEVEL ?? 'silent' }),
    });
    await publisherAgain.tick();
    assert.equal(publisherAgain.stats.stateUpdatesSent, REMOTES.length);
    for (const chainId of REMOTES) {
      const client = devnet.clients.get(chainId)!;
      await waitFor(`epoch ${epoch} on chain ${chainId}`, async () =>
        (await client.readContract({ ...light(chainId), functionName: 'isEpochReceived', args: [epoch] })) ? true : undefined,
      );
      assert.deepEqual(await verdict(client, light(chainId).address, LightStakeRegistryAbi, digest, sigData), { value: ERC1271_MAGIC_VALUE, reason: 'ok' });
    }
  });
});
