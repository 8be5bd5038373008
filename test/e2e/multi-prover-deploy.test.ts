/**
 * The multi-prover on a real devnet (anvil), deployed by `startDevnet` beside state-proofs: the deployment file's
 * `services.multi-prover` section, the contracts' wiring and ownership, each operator's weight in its quorum at the
 * epoch its registration counts from, the liveness verifier with devnet prover attestations, and registration's
 * idempotence and errors. One devnet for the whole file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BaseError, ContractFunctionRevertedError, type Hex, type PublicClient, getAddress, parseAbi } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  AVSDirectoryAbi,
  AllocationManagerAbi,
  DelegationManagerAbi,
  EquivocationSlasherAbi,
  MultiProverRegistryAbi,
  MultiProverServiceManagerAbi,
  TEELivenessVerifierAbi,
} from '../../src/core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../../src/core/chain/clients.ts';
import { blsKeyPairFromSecret } from '../../src/core/crypto/bls.ts';
import { blsSign, g2ToSolidity } from '../../src/core/crypto/bls-signing.ts';
import { devnetBlsKey } from '../../src/devnet/accounts.ts';
import { type Devnet, startDevnet } from '../../src/devnet/devnet.ts';
import { DEVNET_MULTI_PROVER_COMMITTEE_ID, devnetMultiProverQuorums } from '../../src/devnet/multiProver.ts';
import { currentEpoch } from '../../src/devnet/time.ts';
import { DEVNET_ATTESTATION_KEY } from '../../src/services/multi-prover/deploy.ts';
import { encodeQuorumNumbers } from '../../src/services/multi-prover/digest.ts';
import { type MultiProverDeployment, multiProverDeployment, readMultiProverDeployment } from '../../src/services/multi-prover/deployment.ts';
import { BlsKeyConflictError, UnknownQuorumError, registerMultiProverOperator } from '../../src/services/multi-prover/registration.ts';
import { DEVNET_ENCLAVE_ATTRIBUTES, DEVNET_MRSIGNER, DEVNET_PROVER_MRENCLAVE, DevnetEnclave, devnetMrEnclave } from '../../src/services/multi-prover/tee/devnetEnclave.ts';
import { DevnetQuotingKey } from '../../src/services/multi-prover/tee/devnetQuotingKey.ts';
import { TeeType, buildLivenessReport, livenessReportData } from '../../src/services/multi-prover/tee/liveness.ts';

const OwnableAbi = parseAbi(['function owner() view returns (address)']);

/** The contract error a call reverts with (its name), or undefined when it does not revert. */
async function revertName(call: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await call();
    return undefined;
  } catch (error) {
    const reverted = error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : undefined;
    if (reverted instanceof ContractFunctionRevertedError) return reverted.data?.errorName ?? reverted.signature ?? 'reverted';
    throw error;
  }
}

describe('multi-prover deployment on the devnet', () => {
  let devnet: Devnet;
  let dir: string;
  let deployment: MultiProverDeployment;
  let client: PublicClient;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'avs-mp-deploy-test-'));
    devnet = await startDevnet({ operators: 4, remoteChains: 1, dir, writeDeployment: join(dir, 'devnet.json') });
    deployment = multiProverDeployment(devnet.deployment);
    client = devnet.clients.get(31337)!;
  });

  after(async () => {
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a services.multi-prover section that validates, with the devnet quorums, committee and proven chain', () => {
    const fromFile = readMultiProverDeployment(join(dir, 'devnet.json'));
    assert.deepEqual(fromFile.multiProver, devnet.multiProver!.section);
    assert.deepEqual(fromFile.multiProver.teeQuorums, [
      { quorumNumber: 0, teeType: 'devnet' },
      { quorumNumber: 1, teeType: 'devnet' },
    ]);
    assert.deepEqual(
      fromFile.multiProver.committees.map((c) => [c.id, c.quorumNumbers]),
      [['1', [0, 1]]],
    );
    assert.deepEqual(fromFile.multiProver.provenChains, [31338]);
    assert.equal(fromFile.multiProver.devnetAttestationKey, DEVNET_ATTESTATION_KEY);
    const extension = JSON.parse(readFileSync(join(dir, 'devnet.json'), 'utf8')).devnet.multiProver;
    assert.deepEqual(
      extension.operators.map((o: { index: number; quorums: number[] }) => [o.index, o.quorums]),
      [[0, [0]], [1, [0]], [2, [1]], [3, [1]]],
    );
  });

  it('wires the contracts and hands every owned one to the main chain timelock', async () => {
    const mp = deployment.multiProver;
    const sm = { address: mp.serviceManager, abi: MultiProverServiceManagerAbi } as const;
    assert.equal(getAddress(await client.readContract({ ...sm, functionName: 'stakeRegistry' })), mp.registry);
    const committee = await client.readContract({ ...sm, functionName: 'getCommittee', args: [DEVNET_MULTI_PROVER_COMMITTEE_ID] });
    assert.equal(committee.teeQuorumNumbers, '0x0001');
    for (const q of [0, 1]) {
      const teeQuorum = await client.readContract({ ...sm, functionName: 'getTeeQuorum', args: [q] });
      assert.equal(teeQuorum.teeType, TeeType.DEVNET);
      const slasher = await client.readContract({
        address: deployment.eigenlayer.allocationManager,
        abi: AllocationManagerAbi,
        functionName: 'getSlasher',
        args: [{ avs: mp.serviceManager, id: q }],
      });
      assert.equal(getAddress(slasher), mp.equivocationSlasher, `the EquivocationSlasher slashes operator set ${q}`);
    }
    const slasher = { address: mp.equivocationSlasher, abi: EquivocationSlasherAbi } as const;
    assert.equal(getAddress(await client.readContract({ ...slasher, functionName: 'serviceManager' })), mp.serviceManager);
    assert.equal(getAddress(await client.readContract({ ...slasher, functionName: 'registry' })), mp.registry);
    // The devnet's default wadToSlash (half of the allocation).
    assert.equal(await client.readContract({ ...slasher, functionName: 'WAD_TO_SLASH' }), 5n * 10n ** 17n);
    const verifier = await client.readContract({ address: mp.livenessVerifier, abi: TEELivenessVerifierAbi, functionName: 'attestationVerifier', args: [TeeType.DEVNET] });
    assert.equal(getAddress(verifier), mp.attestationVerifiers.devnet);
    const timelock = deployment.chains.find((c) => c.chainId === 31337)!.timelock!;
    for (const address of [mp.serviceManager, mp.registry, mp.epochManager, mp.livenessVerifier]) {
      assert.equal(getAddress(await client.readContract({ address, abi: OwnableAbi, functionName: 'owner' })), timelock);
    }
  });

  it('weighs each operator in its quorum from the active epoch on, registered through the AVSDirectory', async () => {
    const mp = devnet.multiProver!;
    const epoch = mp.activeEpoch;
    assert.ok((await currentEpoch(client, deployment.epoch)) >= epoch, 'the devnet advanced into the active epoch');
    const registry = { address: deployment.multiProver.registry, abi: MultiProverRegistryAbi } as const;
    const totals = new Map<number, bigint>();
    for (const o of devnet.operators) {
      const quorums = devnetMultiProverQuorums(o.index, devnet.operators.length);
      const [shares] = await client.readContract({
        address: deployment.eigenlayer.delegationManager,
        abi: DelegationManagerAbi,
        functionName: 'getOperatorShares',
        args: [o.address, [mp.strategy]],
      });
      assert.equal(shares, o.stake, `operator ${o.index} restaked its stake in the multi-prover strategy`);
      for (const q of [0, 1]) {
        const weight = await client.readContract({ ...registry, functionName: 'getOperatorWeightAt', args: [q, o.address, epoch] });
        // Its whole stake in the strategy, multiplier 1×, in its one quorum; nothing in the other.
        assert.equal(weight, quorums.includes(q) ? shares : 0n, `operator ${o.index} in quorum ${q}`);
        totals.set(q, (totals.get(q) ?? 0n) + weight);
      }
      const status = await client.readContract({
        address: deployment.eigenlayer.avsDirectory,
        abi: AVSDirectoryAbi,
        functionName: 'avsOperatorStatus',
        args: [deployment.multiProver.serviceManager, o.address],
      });
      assert.equal(status, 1, `operator ${o.index} is registered with the multi-prover in the AVSDirectory`);
    }
    for (const q of [0, 1]) {
      const checkpoint = await client.readContract({ ...registry, functionName: 'getQuorumAt', args: [q, epoch] });
      assert.equal(checkpoint.totalWeight, totals.get(q));
      assert.equal(checkpoint.thresholdBps, devnet.thresholdBps);
    }
  });

  it('accepts a devnet prover attestation for an operator and refuses one of a code not allowlisted', async () => {
    const operator = privateKeyToAccount(devnet.operators[0].operatorKey);
    const verifier = deployment.multiProver.livenessVerifier;
    const quoting = new DevnetQuotingKey();
    const attestationOf = async (mrEnclave: Hex) => {
      const enclave = new DevnetEnclave({ mrEnclave, mrSigner: DEVNET_MRSIGNER, attributes: DEVNET_ENCLAVE_ATTRIBUTES });
      // A block before the latest: an eth_call runs in the latest block's context, and the reference must precede it.
      const block = await client.getBlock({ blockNumber: (await client.getBlockNumber()) - 1n });
      const report = buildLivenessReport({ proverKey: enclave.address, operator: operator.address, referenceBlock: { number: block.number, hash: block.hash } });
      return { report, attestation: quoting.quote(enclave.attest(livenessReportData(report, 31337, verifier))) };
    };
    const submit = (proof: Awaited<ReturnType<typeof attestationOf>>) =>
      client.simulateContract({
        account: operator,
        address: verifier,
        abi: TEELivenessVerifierAbi,
        functionName: 'submitLivenessProof',
        args: [TeeType.DEVNET, proof.report, proof.attestation],
      });

    const foreign = await attestationOf(devnetMrEnclave('multi-prover/prover@not-allowlisted'));
    assert.equal(await revertName(() => submit(foreign)), 'MeasurementNotAllowed');

    const allowed = await attestationOf(DEVNET_PROVER_MRENCLAVE);
    const { request } = await submit(allowed);
    const hash = await makeWalletClient(31337, devnet.chains[0].rpcUrl, operator).writeContract(request);
    assert.equal((await client.waitForTransactionReceipt({ hash })).status, 'success');
    const now = (await client.getBlock()).timestamp;
    assert.equal(await client.readContract({ address: verifier, abi: TEELivenessVerifierAbi, functionName: 'isProverLive', args: [operator.address, TeeType.DEVNET, now] }), true);
  });

  it('re-running an operator registration sends nothing', async () => {
    const o = devnet.operators[2];
    const operator = privateKeyToAccount(o.operatorKey);
    const nonce = await client.getTransactionCount({ address: operator.address });
    const result = await registerMultiProverOperator({
      client,
      deployment,
      operator,
      blsKey: devnetBlsKey(o.index),
      quorums: devnetMultiProverQuorums(o.index, devnet.operators.length),
      magnitude: 10n ** 18n,
    });
    assert.equal(result.changed, false);
    assert.deepEqual(
      result.steps.map((s) => s.outcome),
      result.steps.map(() => 'skipped'),
    );
    assert.equal(result.weights[1], o.stake);
    assert.equal(await client.getTransactionCount({ address: operator.address }), nonce);
  });

  it('names what is wrong before sending: another BLS key, an unknown quorum', async () => {
    const o = devnet.operators[1];
    const operator = privateKeyToAccount(o.operatorKey);
    const base = { client, deployment, operator, magnitude: 10n ** 18n } as const;
    await assert.rejects(
      registerMultiProverOperator({ ...base, blsKey: blsKeyPairFromSecret(12345n), quorums: [0] }),
      (error: unknown) => error instanceof BlsKeyConflictError && /cannot be replaced/.test(error.message),
    );
    await assert.rejects(
      registerMultiProverOperator({ ...base, blsKey: devnetBlsKey(o.index), quorums: [0, 7] }),
      (error: unknown) => error instanceof UnknownQuorumError && /quorum 7 does not exist/.test(error.message),
    );
  });

  // Last: it slashes and freezes operator 3.
  it('slashes and freezes an operator that signs two states for one metadata, through the EquivocationSlasher', async () => {
    const mp = deployment.multiProver;
    const o = devnet.operators[3];
    const key = devnetBlsKey(o.index);
    const sm = { address: mp.serviceManager, abi: MultiProverServiceManagerAbi } as const;
    const header = (state: Hex) => ({
      committeeId: DEVNET_MULTI_PROVER_COMMITTEE_ID,
      metadata: '0x6d' as Hex,
      state,
      quorumNumbers: encodeQuorumNumbers([0, 1]),
      referenceEpoch: devnet.multiProver!.activeEpoch,
    });
    const [a, b] = [header('0x0a'), header('0x0b')];
    const sign = async (h: ReturnType<typeof header>) => {
      const sigma = blsSign(key.secret, await client.readContract({ ...sm, functionName: 'hashStateHeader', args: [h] }));
      return { X: sigma.x, Y: sigma.y };
    };
    const [sigmaA, sigmaB] = [await sign(a), await sign(b)];
    const allocation = () =>
      client.readContract({
        address: deployment.eigenlayer.allocationManager,
        abi: AllocationManagerAbi,
        functionName: 'getAllocation',
        args: [o.address, { avs: mp.serviceManager, id: 1 }, devnet.multiProver!.strategy],
      });
    const before = await allocation();
    const reporter = privateKeyToAccount(devnet.operators[0].operatorKey);
    const hash = await makeWalletClient(31337, devnet.chains[0].rpcUrl, reporter).writeContract({
      address: mp.equivocationSlasher,
      abi: EquivocationSlasherAbi,
      functionName: 'slashEquivocation',
      args: [a, b, g2ToSolidity(key.publicKeyG2), sigmaA, sigmaB, o.address],
      chain: null,
    });
    assert.equal((await client.waitForTransactionReceipt({ hash })).status, 'success');
    // Operator 3 is in quorum 1 only: half of its allocation to set 1 is gone, and it is frozen.
    assert.equal((await allocation()).currentMagnitude, before.currentMagnitude / 2n);
    assert.equal(await client.readContract({ address: mp.registry, abi: MultiProverRegistryAbi, functionName: 'isFrozen', args: [o.address] }), true);
  });
});
