/**
 * The multi-prover operator against the real parts around it, in one process:
 *
 * - Nodes: the runtime's operator hub (BLS auth) and task engine (the block-state task type, BLS answers, an operator
 *   set of the nodes' BLS keys), each node's prover reading a real anvil chain through its devnet enclave. The nodes
 *   authenticate, prove and sign; the engine aggregates their signatures into a StateSignature. A node restarted on the
 *   same journal, whose RPC now lies (another chain answering with the same chain id), is asked the same (committee,
 *   block) by a second aggregator and answers a task error instead of signing a second state. A chain the deployment
 *   does not prove gets a task error.
 * - The attestation keeper: the real TEELivenessVerifier and DevnetAttestationVerifier on anvil (deployed from the forge
 *   artifacts), first proof, no proof while the record is this enclave's and not due, renewal when due, a new enclave
 *   after a restart, an appointee sending for the operator, and the named errors for a wrong measurement or report data.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Address, type Hex, type PrivateKeyAccount, type PublicClient, keccak256, toFunctionSelector, toHex } from 'viem';
import {
  DevnetAttestationVerifierAbi,
  DevnetAttestationVerifierBytecode,
  PermissionControllerAbi,
  PermissionControllerBytecode,
  TEELivenessVerifierAbi,
  TEELivenessVerifierBytecode,
} from '../../src/core/chain/abis/generated/index.ts';
import { makePublicClient, makeWalletClient } from '../../src/core/chain/clients.ts';
import { loadConfigDeployment, readConfig } from '../../src/core/config/index.ts';
import { blsKeyPairFromSecret } from '../../src/core/crypto/bls.ts';
import { type Database, openDatabase } from '../../src/core/db/index.ts';
import { type HttpServer, createHttpServer } from '../../src/core/http/server.ts';
import { silentLogger } from '../../src/core/logging.ts';
import { devAccount, devPrivateKey } from '../../src/devnet/accounts.ts';
import { type AnvilChain, startAnvil } from '../../src/devnet/anvil.ts';
import { OPERATOR_WS_PATH, registerOperatorHub } from '../../src/runtime/operators/hub.ts';
import { blsAuthScheme } from '../../src/runtime/operators/blsAuth.ts';
import { type OperatorEntry, type OperatorSetSnapshot, staticOperatorSetSource } from '../../src/runtime/operatorSet.ts';
import { blsAnswerScheme } from '../../src/runtime/signatures/answerScheme.ts';
import { TaskEngine } from '../../src/runtime/tasks/engine.ts';
import { createMultiProverStore } from '../../src/services/multi-prover/aggregator/store.ts';
import { type BlockStateQuery, blockStateTaskId, blockStateTaskType, decodeBlockStateProof } from '../../src/services/multi-prover/aggregator/taskType.ts';
import type { MultiProverDeployment } from '../../src/services/multi-prover/deployment.ts';
import { blockMetadata, blockState } from '../../src/services/multi-prover/digest.ts';
import {
  AttestationKeeper,
  AttestationReportDataMismatchError,
  DevnetTee,
  MeasurementNotAllowedError,
  devnetAttestationKeyOf,
  devnetProverMeasurement,
} from '../../src/services/multi-prover/operator/attestation.ts';
import { stateJournalOn } from '../../src/services/multi-prover/operator/journal.ts';
import { MultiProverOperatorNode } from '../../src/services/multi-prover/operator/node.ts';
import { startMultiProverOperatorFromConfig } from '../../src/services/multi-prover/operator/run.ts';
import { operatorRole } from '../../src/services/multi-prover/config.ts';
import { BlockStateProver } from '../../src/services/multi-prover/prover/blockStateProver.ts';
import { MULTI_PROVER_SERVICE, multiProverProtocol } from '../../src/services/multi-prover/protocol.ts';
import { DevnetEnclave, devnetMrEnclave } from '../../src/services/multi-prover/tee/devnetEnclave.ts';
import { DevnetQuotingKey } from '../../src/services/multi-prover/tee/devnetQuotingKey.ts';
import { MeasurementKind, TeeType } from '../../src/services/multi-prover/tee/liveness.ts';
import { waitFor } from '../helpers/wait.ts';

const MAIN = 31337;
const EPOCH = 4;
const SERVICE_MANAGER: Address = '0x00000000000000000000000000000000000005e1';
const owner = devAccount(0);
const A = (n: number): Address => `0x${n.toString(16).padStart(40, '0')}`;

/** The liveness contracts on a chain: PermissionController, DevnetAttestationVerifier (devnet key), TEELivenessVerifier (devnet, 3600 s). */
async function deployLiveness(anvil: AnvilChain, client: PublicClient): Promise<{ liveness: Address; attestationVerifier: Address; permissionController: Address }> {
  const wallet = makeWalletClient(MAIN, anvil.rpcUrl, owner);
  const deploy = async (abi: unknown, bytecode: Hex, args: readonly unknown[]): Promise<Address> => {
    const hash = await wallet.deployContract({ abi, bytecode, args } as never);
    return (await client.waitForTransactionReceipt({ hash })).contractAddress!;
  };
  const send = async (address: Address, functionName: string, args: readonly unknown[]) => {
    const hash = await wallet.writeContract({ address, abi: TEELivenessVerifierAbi, functionName, args } as never);
    assert.equal((await client.waitForTransactionReceipt({ hash })).status, 'success');
  };
  const permissionController = await deploy(PermissionControllerAbi, PermissionControllerBytecode, []);
  const attestationVerifier = await deploy(DevnetAttestationVerifierAbi, DevnetAttestationVerifierBytecode, [new DevnetQuotingKey().address]);
  const liveness = await deploy(TEELivenessVerifierAbi, TEELivenessVerifierBytecode, [owner.address, permissionController, true, 3600n]);
  await send(liveness, 'setAttestationVerifier', [TeeType.DEVNET, attestationVerifier]);
  await send(liveness, 'setMeasurementAllowed', [TeeType.DEVNET, MeasurementKind.MRENCLAVE, devnetProverMeasurement().mrEnclave, true]);
  return { liveness, attestationVerifier, permissionController };
}

function deploymentWith(liveness: Address, attestationVerifier: Address): Pick<MultiProverDeployment, 'mainChainId' | 'multiProver'> {
  return {
    mainChainId: MAIN,
    multiProver: {
      serviceManager: SERVICE_MANAGER,
      registry: '0x00000000000000000000000000000000000005e2',
      equivocationSlasher: '0x00000000000000000000000000000000000005e4',
      epochManager: '0x00000000000000000000000000000000000005e3',
      livenessVerifier: liveness,
      attestationVerifiers: { devnet: attestationVerifier },
      teeQuorums: [{ quorumNumber: 0, teeType: 'devnet' }],
      committees: [{ id: '1', description: 'block states', quorumNumbers: [0] }],
      provenChains: [MAIN],
    },
  };
}

describe('multi-prover operator nodes with the runtime hub and task engine', () => {
  const operators = [devAccount(1), devAccount(2)].map((account, i) => ({
    account,
    bls: blsKeyPairFromSecret(BigInt(keccak256(toHex(`mp-operator-${i}`))) % 2n ** 250n),
  }));
  let anvil: AnvilChain;
  let liar: AnvilChain;
  let client: PublicClient;
  let deployment: Pick<MultiProverDeployment, 'mainChainId' | 'multiProver'>;
  let dir: string;
  const cleanups: (() => Promise<unknown>)[] = [];

  /** One operator's node: its devnet TEE kept live by a keeper, a prover on `rpcUrl`, the journal on `database`. */
  async function startNode(op: (typeof operators)[number], url: string, rpcUrl: string, database: Database<any>) {
    const tee = new DevnetTee({ attestationKey: await devnetAttestationKeyOf(client, deployment.multiProver.attestationVerifiers.devnet!) });
    const keeper = new AttestationKeeper({
      tee,
      operator: op.account.address,
      client,
      wallet: makeWalletClient(MAIN, anvil.rpcUrl, op.account),
      livenessVerifier: deployment.multiProver.livenessVerifier,
    });
    keeper.start();
    await keeper.ready();
    const journal = await stateJournalOn(database);
    const node = new MultiProverOperatorNode({
      aggregatorUrl: url,
      deployment,
      operator: op.account.address,
      blsKey: op.bls,
      prover: new BlockStateProver({ clients: { [MAIN]: makePublicClient(MAIN, rpcUrl) }, enclave: tee.enclave }),
      proverKey: tee.enclave.address,
      journal,
      logger: silentLogger(),
      reconnectDelayMs: { min: 50, max: 500 },
    });
    node.start();
    await node.authenticated();
    const stop = async () => {
      await node.stop();
      await keeper.stop();
    };
    cleanups.push(stop);
    return { node, keeper, journal, stop };
  }

  /** An aggregator: the operator hub and the task engine on a fresh store, listening on a free port. */
  async function startAggregator(name: string) {
    const entries = new Map<string, OperatorEntry>();
    for (const op of operators) {
      entries.set(op.account.address.toLowerCase(), {
        operator: op.account.address,
        signingKey: op.account.address,
        weight: 10n,
        quorumWeights: new Map([[0, 10n]]),
        blsKey: { g1: op.bls.publicKeyG1, g2: op.bls.publicKeyG2 },
      });
    }
    // Both operators must sign: 20 of 20.
    const snapshot: OperatorSetSnapshot = { epoch: EPOCH, operators: entries, totalWeight: 20n, thresholdWeight: 20n, quorums: new Map([[0, { totalWeight: 20n, thresholdWeight: 20n }]]) };
    const operatorSet = staticOperatorSetSource([snapshot], EPOCH);
    const database = await openDatabase({ sqlitePath: join(dir, `${name}.sqlite`) });
    const store = await createMultiProverStore(database);
    const engine = new TaskEngine({
      taskType: blockStateTaskType({ chainId: MAIN, verifyingContract: SERVICE_MANAGER }),
      store: store.tasks,
      operatorSet,
      mainChainId: MAIN,
      signatureScheme: blsAnswerScheme(),
    });
    await engine.start();
    const app: HttpServer = await createHttpServer({ title: 'test aggregator', version: '0' });
    const hub = await registerOperatorHub(app, {
      engine,
      operatorSet,
      protocol: multiProverProtocol,
      service: MULTI_PROVER_SERVICE,
      mainChainId: MAIN,
      serviceManager: SERVICE_MANAGER,
      authScheme: blsAuthScheme(),
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    const stop = async () => {
      await engine.stop();
      await app.close();
      await database.close();
    };
    cleanups.push(stop);
    return { engine, hub, url: `ws://127.0.0.1:${port}${OPERATOR_WS_PATH}`, stop };
  }

  const query = (blockNumber: bigint, chainId = BigInt(MAIN)): BlockStateQuery => ({ committeeId: 1n, chainId, blockNumber, quorumNumbers: [0] });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mp-operator-'));
    anvil = await startAnvil({ chainId: MAIN, mining: { mode: 'auto' } });
    // Another chain claiming the same id, from another genesis: its blocks have other hashes.
    liar = await startAnvil({ chainId: MAIN, mining: { mode: 'auto' }, timestamp: 1_600_000_000n });
    client = makePublicClient(MAIN, anvil.rpcUrl);
    const { liveness, attestationVerifier } = await deployLiveness(anvil, client);
    deployment = deploymentWith(liveness, attestationVerifier);
    await makePublicClient(MAIN, liar.rpcUrl).request({ method: 'anvil_mine', params: ['0x10'] } as never);
  });

  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await anvil?.stop();
    await liar?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let journalDbs: Database<any>[] = [];

  it('the nodes authenticate with BLS, prove the block, and the engine aggregates their signatures', async () => {
    const aggregator = await startAggregator('first');
    journalDbs = await Promise.all(operators.map((_, i) => openDatabase({ sqlitePath: join(dir, `journal-${i}.sqlite`) })));
    cleanups.push(async () => Promise.all(journalDbs.map((d) => d.close())));
    const nodes = await Promise.all(operators.map((op, i) => startNode(op, aggregator.url, anvil.rpcUrl, journalDbs[i])));
    assert.deepEqual(aggregator.hub.connected().map((c) => c.operator).sort(), operators.map((o) => o.account.address).sort());

    const q = query(3n);
    const taskId = blockStateTaskId(q);
    await aggregator.engine.submit(taskId, q);
    const done = await waitFor('the task to be aggregated', async () => {
      const task = await aggregator.engine.getTask(taskId);
      return task?.record.status === 'aggregated' ? task : undefined;
    });
    const block = await client.getBlock({ blockNumber: 3n });
    assert.deepEqual(done.record.result, { blockHash: block.hash, stateRoot: block.stateRoot });
    assert.deepEqual([...decodeBlockStateProof(done.record.sigData!).signers].sort(), operators.map((o) => o.account.address).sort());
    assert.equal(aggregator.engine.stats.signaturesRejected, 0);
    for (const n of nodes) {
      assert.equal(n.node.stats.tasksSigned, 1);
      assert.equal(await n.journal.stateOf(1n, blockMetadata(BigInt(MAIN), 3n)), blockState(block.hash!, block.stateRoot));
    }
    // Each node's keeper made its prover live on-chain, once.
    const now = (await client.getBlock()).timestamp;
    for (const [i, n] of nodes.entries()) {
      assert.equal(n.keeper.stats.attestationsSubmitted, 1);
      assert.ok(n.keeper.liveUntil > Number(now));
      assert.ok(
        await client.readContract({ address: deployment.multiProver.livenessVerifier, abi: TEELivenessVerifierAbi, functionName: 'isProverLive', args: [operators[i].account.address, TeeType.DEVNET, now] }),
      );
    }

    // A chain the deployment does not prove: each node answers a task error, not a signature.
    const other = query(3n, 1n);
    await aggregator.engine.submit(blockStateTaskId(other), other);
    await waitFor('both task errors', () => (aggregator.engine.stats.taskErrorsReported >= 2 ? true : undefined));
    assert.equal((await aggregator.engine.getTask(blockStateTaskId(other)))?.record.status, 'signing');
    for (const n of nodes) assert.equal(n.node.stats.tasksRefused, 1);
    for (const n of nodes) await n.stop();
    await aggregator.stop();
  });

  it('a node restarted on its journal refuses to sign a second state for the same committee and block (a lying RPC)', async () => {
    const aggregator = await startAggregator('second');
    const [op] = operators;
    const reopened = await openDatabase({ sqlitePath: join(dir, 'journal-0.sqlite') });
    cleanups.push(() => reopened.close());
    const restarted = await startNode(op, aggregator.url, liar.rpcUrl, reopened);
    const lyingBlock = await makePublicClient(MAIN, liar.rpcUrl).getBlock({ blockNumber: 3n });
    const honestBlock = await client.getBlock({ blockNumber: 3n });
    assert.notEqual(lyingBlock.hash, honestBlock.hash);

    const q = query(3n);
    await aggregator.engine.submit(blockStateTaskId(q), q);
    await waitFor('the task error', () => (aggregator.engine.stats.taskErrorsReported >= 1 ? true : undefined));
    assert.equal(restarted.node.stats.tasksSigned, 0);
    assert.equal(restarted.node.stats.equivocationsRefused, 1);
    assert.equal(aggregator.engine.stats.signaturesAccepted, 0);
    assert.equal(await restarted.journal.stateOf(1n, blockMetadata(BigInt(MAIN), 3n)), blockState(honestBlock.hash!, honestBlock.stateRoot), 'the journal keeps the state signed first');
    // The restart came with a new enclave: one new attestation for its new key.
    assert.equal(restarted.keeper.stats.attestationsSubmitted, 1);
    await restarted.stop();
    await aggregator.stop();
  });

  it('starts from a multi-prover-operator config file: devnet operator keys, the node API with its metrics', async () => {
    const aggregator = await startAggregator('config');
    const file = join(dir, 'operator.json');
    const inline = {
      mainChainId: MAIN,
      chains: [{ chainId: MAIN, rpcUrl: anvil.rpcUrl }],
      eigenlayer: { delegationManager: A(0x11), strategyManager: A(0x12), avsDirectory: A(0x13), allocationManager: A(0x14), rewardsCoordinator: A(0x15), strategies: [] },
      epoch: { genesis: '0', length: '120', grace: '20' },
      services: { 'multi-prover': deployment.multiProver },
    };
    writeFileSync(
      file,
      JSON.stringify({
        role: 'multi-prover-operator',
        deployment: inline,
        blsKey: { devnetOperator: 0 },
        aggregatorUrl: aggregator.url,
        database: { sqlitePath: join(dir, 'from-config.sqlite') },
        nodeApi: { port: 0 },
        attestation: { renewBeforeSeconds: 120 },
        logLevel: 'silent',
      }),
    );
    const loaded = loadConfigDeployment(readConfig(operatorRole, { file }));
    assert.equal(loaded.values.attestation.teeType, 'devnet', 'the default TEE');
    const refuse = () => Promise.reject(new Error('no keystore in this config'));
    const running = await startMultiProverOperatorFromConfig(loaded, {
      password: refuse,
      ecdsaKeystore: refuse,
      devnetOperator: (index) => ({ operatorKey: devPrivateKey(1 + index), blsSecret: operators[index].bls.secret }),
    });
    cleanups.push(() => running.stop());
    await running.node.authenticated();
    await running.keeper.ready();
    assert.equal(aggregator.hub.connection(operators[0].account.address)?.nodeVersion, '0.1.0');
    const metrics = await (await fetch(`${running.nodeApi!.url}/metrics`)).text();
    // Every series carries the registry's avs_name="multi-prover" label.
    assert.match(metrics, /^avs_multi_prover_operator_connected\{avs_name="multi-prover"\} 1$/m);
    assert.match(metrics, new RegExp(`^avs_multi_prover_operator_prover_live_until_seconds\\{tee_type="devnet",avs_name="multi-prover"\\} ${running.keeper.liveUntil}$`, 'm'));
    assert.match(metrics, /^avs_multi_prover_operator_attestations_submitted_total\{tee_type="devnet",avs_name="multi-prover"\} 1$/m);
    assert.match(metrics, /^eigen_performance_score\{avs_name="multi-prover"\} 100$/m);
    await running.stop();
    await aggregator.stop();
  });
});

describe('the attestation keeper against the TEELivenessVerifier on anvil', () => {
  let anvil: AnvilChain;
  let client: PublicClient;
  let liveness: Address;
  let attestationKey: Address;
  let permissionController: Address;

  const keeperFor = (account: PrivateKeyAccount, options: { operator?: Address; tee?: DevnetTee; renewBeforeSeconds?: number } = {}) =>
    new AttestationKeeper({
      tee: options.tee ?? new DevnetTee({ attestationKey }),
      operator: options.operator ?? account.address,
      client,
      wallet: makeWalletClient(MAIN, anvil.rpcUrl, account),
      livenessVerifier: liveness,
      renewBeforeSeconds: options.renewBeforeSeconds,
    });
  const proverOf = (operator: Address) => client.readContract({ address: liveness, abi: TEELivenessVerifierAbi, functionName: 'getProver', args: [operator, TeeType.DEVNET] });
  const advance = async (seconds: number) => {
    await client.request({ method: 'evm_increaseTime', params: [seconds] } as never);
    await client.request({ method: 'evm_mine', params: [] } as never);
  };

  before(async () => {
    anvil = await startAnvil({ chainId: MAIN, mining: { mode: 'auto' } });
    client = makePublicClient(MAIN, anvil.rpcUrl);
    const deployed = await deployLiveness(anvil, client);
    liveness = deployed.liveness;
    permissionController = deployed.permissionController;
    attestationKey = await devnetAttestationKeyOf(client, deployed.attestationVerifier);
  });

  after(async () => {
    await anvil?.stop();
  });

  it('attests once, keeps a live record of its key without a new proof, and renews when due', async () => {
    const operator = devAccount(3);
    const keeper = keeperFor(operator);
    const first = await keeper.refresh();
    assert.equal(first.action, 'submitted');
    const record = await proverOf(operator.address);
    assert.equal(record.proverKey, keeper.proverKey);
    assert.equal(keeper.liveUntil, Number(record.liveUntil));
    assert.equal(record.liveUntil - record.attestedAt, 3600n);

    assert.equal((await keeper.refresh()).action, 'kept');
    await advance(3000);
    assert.equal((await keeper.refresh()).action, 'kept', '600 s left: not due with the default 300 s');
    await advance(400);
    const renewed = await keeper.refresh();
    assert.equal(renewed.action, 'submitted', '200 s left: due');
    assert.ok(renewed.liveUntil > first.liveUntil);
    assert.equal(keeper.stats.attestationsSubmitted, 2);
  });

  it('a restart with a new enclave attests its new key once; the background loop makes it ready', async () => {
    const operator = devAccount(4);
    const before = keeperFor(operator);
    await before.refresh();
    const restarted = keeperFor(operator);
    assert.notEqual(restarted.proverKey, before.proverKey);
    restarted.start();
    await restarted.ready();
    await restarted.stop();
    assert.equal((await proverOf(operator.address)).proverKey, restarted.proverKey);
    assert.equal(restarted.stats.attestationsSubmitted, 1);
    assert.equal((await restarted.refresh()).action, 'kept');
  });

  it('an appointee of the operator in the PermissionController sends the proof for it', async () => {
    const operator = devAccount(5);
    const appointee = devAccount(6);
    const selector = toFunctionSelector('submitLivenessProof(uint8,(address,address,uint256,bytes32),bytes)');
    const hash = await makeWalletClient(MAIN, anvil.rpcUrl, operator).writeContract({
      address: permissionController,
      abi: PermissionControllerAbi,
      functionName: 'setAppointee',
      args: [operator.address, appointee.address, liveness, selector],
    });
    assert.equal((await client.waitForTransactionReceipt({ hash })).status, 'success');
    const keeper = keeperFor(appointee, { operator: operator.address });
    assert.equal((await keeper.refresh()).action, 'submitted');
    assert.equal((await proverOf(operator.address)).proverKey, keeper.proverKey);
  });

  it('refuses, before sending anything, an enclave whose measurement is not allowed', async () => {
    const operator = devAccount(7);
    const tee = new DevnetTee({ attestationKey, enclave: new DevnetEnclave(devnetProverMeasurement('some other build')) });
    assert.notEqual(tee.enclave.measurement.mrEnclave, devnetMrEnclave('multi-prover/prover@devnet'));
    const nonce = await client.getTransactionCount({ address: operator.address });
    await assert.rejects(keeperFor(operator, { tee }).refresh(), MeasurementNotAllowedError);
    assert.equal(await client.getTransactionCount({ address: operator.address }), nonce, 'no transaction was sent');
  });

  it('refuses an attestation whose report data is not the liveness report\'s', async () => {
    /** An enclave host that binds other report data than it is asked to (a broken or hostile prover build). */
    class WrongReportDataTee extends DevnetTee {
      override attest(): Promise<Hex> {
        return super.attest(`0x${'ab'.repeat(64)}`);
      }
    }
    const operator = devAccount(8);
    await assert.rejects(keeperFor(operator, { tee: new WrongReportDataTee({ attestationKey }) }).refresh(), AttestationReportDataMismatchError);
    assert.equal((await proverOf(operator.address)).liveUntil, 0n);
  });
});
