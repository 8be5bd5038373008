/**
 * The automation aggregator's HTTP API (app.inject) against a real devnet with the automation AVS deployed and no
 * automation operators: two vaults register a time workflow, a condition workflow and a cancelled one; the routes
 * answer them with their on-chain state, an empty schedule before any arrangement and slots without executor after an
 * empty one, empty runs and verdicts, the operator set's epoch, 400s naming the field and 404s.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Address, type Hex, type PrivateKeyAccount, type PublicClient, decodeEventLog, parseEther, zeroAddress } from 'viem';
import { DittoEntryPointAbi, EpochManagerAbi, ExecutorScheduleAbi } from '../../src/core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../../src/core/chain/clients.ts';
import { type Database, openDatabase } from '../../src/core/db/database.ts';
import { devAccount } from '../../src/devnet/accounts.ts';
import { type Devnet, startDevnet } from '../../src/devnet/devnet.ts';
import { type AutomationAggregatorApp, createAutomationAggregatorApp } from '../../src/services/automation/aggregator/service.ts';
import { deployDevnetAutomation } from '../../src/devnet/automation.ts';
import type { AutomationContracts, AutomationDeployment } from '../../src/services/automation/deployment.ts';

type WorkflowJson = {
  vault: Address;
  id: string;
  target: Address;
  callData: Hex;
  trigger: { kind: string; start: string | null; interval: string | null; nextRunAt: string | null; checker: Address | null; checkData: Hex | null; lastRunBlock: string | null };
  maxGasLimit: string;
  maxGasPrice: string;
  status: string;
  registeredBlock: string;
  cancelledBlock: string | null;
  vaultDeposit: string;
  runs: number;
};

describe('automation aggregator API on a devnet', () => {
  let devnet: Devnet;
  let dir: string;
  let client: PublicClient;
  let section: AutomationContracts;
  let database: Database<any>;
  let built: AutomationAggregatorApp;
  let vaultA: PrivateKeyAccount;
  let vaultB: PrivateKeyAccount;
  let start: bigint;
  const registered: { vault: Address; id: bigint; block: bigint }[] = [];

  const send = async (account: PrivateKeyAccount, request: { functionName: string; args?: readonly unknown[]; value?: bigint; address?: Address; abi?: readonly unknown[] }) => {
    const main = devnet.deployment.chains.find((c) => c.chainId === devnet.deployment.mainChainId)!;
    const wallet = makeWalletClient(main.chainId, main.rpcUrl, account);
    const hash = await wallet.writeContract({ address: section.entryPoint, abi: DittoEntryPointAbi, ...(request as object) } as never);
    const receipt = await client.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, 'success', request.functionName);
    return receipt;
  };
  /** The block the cancellation was mined in. */
  let cancelledIn = 0n;
  /** Asserts a block number an answer was read at lies between the heads before and after the request. */
  const assertReadBetween = (read: unknown, from: bigint, to: bigint) => {
    const at = BigInt(read as string);
    assert.ok(at >= from && at <= to, `read at block ${at}, expected ${from}..${to} (a block a second is mined meanwhile)`);
  };
  const head = () => client.getBlockNumber({ cacheTime: 0 });
  const register = async (account: PrivateKeyAccount, params: unknown) => {
    const receipt = await send(account, { functionName: 'registerWorkflow', args: [params] });
    const event = receipt.logs
      .map((log) => {
        try {
          return decodeEventLog({ abi: DittoEntryPointAbi, ...log });
        } catch {
          return undefined;
        }
      })
      .find((e) => e?.eventName === 'WorkflowRegistered');
    const { id } = event!.args as { id: bigint };
    registered.push({ vault: account.address, id, block: receipt.blockNumber });
    return id;
  };
  const get = async (url: string) => {
    const response = await built.app.inject({ method: 'GET', url });
    return { status: response.statusCode, body: response.json() };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'avs-automation-api-'));
    devnet = await startDevnet({ operators: 1, remoteChains: 0, dir });
    client = devnet.clients.get(devnet.deployment.mainChainId)!;
    // An automation AVS of its own, with no operator yet (the devnet's own has executors arranged).
    const main = devnet.deployment.chains.find((c) => c.chainId === devnet.deployment.mainChainId)!;
    ({ section } = await deployDevnetAutomation({ deployer: devnet.deployer, main, deployment: devnet.deployment, token: devnet.token, slotBlocks: 4 }));
    vaultA = devnet.user;
    vaultB = devAccount(9);
    const now = (await client.getBlock()).timestamp;
    start = now + 3_600n;
    // Vault A: a time workflow, funded; vault B: a condition workflow and one it cancels.
    await register(vaultA, {
      target: devnet.token,
      callData: '0xd09de08a',
      maxGasLimit: 150_000n,
      maxGasPrice: 50_000_000_000n,
      trigger: { kind: 0, start, interval: 600n, checker: zeroAddress, checkData: '0x' },
    });
    await send(vaultA, { functionName: 'deposit', args: [vaultA.address], value: parseEther('1') });
    await register(vaultB, {
      target: devnet.token,
      callData: '0x',
      maxGasLimit: 80_000n,
      maxGasPrice: 20_000_000_000n,
      trigger: { kind: 1, start: 0n, interval: 0n, checker: devnet.deployment.eigenlayer.strategies[0]!, checkData: '0x12345678' },
    });
    const cancelled = await register(vaultB, {
      target: devnet.token,
      callData: '0x',
      maxGasLimit: 60_000n,
      maxGasPrice: 1n,
      trigger: { kind: 0, start: 1n, interval: 1n, checker: zeroAddress, checkData: '0x' },
    });
    cancelledIn = (await send(vaultB, { functionName: 'cancelWorkflow', args: [cancelled] })).blockNumber;
    database = await openDatabase({ sqlitePath: ':memory:' });
    built = await createAutomationAggregatorApp({
      deployment: { ...devnet.deployment, automation: section } as AutomationDeployment,
      database,
      pollMs: 100,
      validateResponses: true,
    });
  });

  after(async () => {
    await built?.app.close();
    await database?.close();
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the workflows by vault then id with their registration and on-chain state', async () => {
    const from = await head();
    const { status, body } = await get('/v1/automation/workflows');
    assert.equal(status, 200);
    assertReadBetween(body.blockNumber, from, await head());
    const workflows = body.workflows as WorkflowJson[];
    assert.equal(workflows.length, 3);
    const order = [...registered].sort((a, b) => (BigInt(a.vault) !== BigInt(b.vault) ? (BigInt(a.vault) < BigInt(b.vault) ? -1 : 1) : Number(a.id - b.id)));
    assert.deepEqual(
      workflows.map((w) => [w.vault, w.id, w.registeredBlock]),
      order.map((r) => [r.vault, r.id.toString(), r.block.toString()]),
    );
    const time = workflows.find((w) => w.vault === vaultA.address)!;
    assert.deepEqual(time, {
      vault: vaultA.address,
      id: '0',
      target: devnet.token,
      callData: '0xd09de08a',
      trigger: { kind: 'time', start: new Date(Number(start) * 1000).toISOString(), interval: '600', nextRunAt: new Date(Number(start) * 1000).toISOString(), checker: null, checkData: null, lastRunBlock: null },
      maxGasLimit: '150000',
      maxGasPrice: '50000000000',
      status: 'active',
      registeredBlock: registered[0]!.block.toString(),
      cancelledBlock: null,
      vaultDeposit: parseEther('1').toString(),
      runs: 0,
    });
    const condition = workflows.find((w) => w.vault === vaultB.address && w.id === '0')!;
    assert.deepEqual(condition.trigger, {
      kind: 'condition',
      start: null,
      interval: null,
      nextRunAt: null,
      checker: devnet.deployment.eigenlayer.strategies[0],
      checkData: '0x12345678',
      lastRunBlock: null,
    });
    assert.equal(condition.status, 'active');
    assert.equal(condition.vaultDeposit, '0');
    const cancelled = workflows.find((w) => w.vault === vaultB.address && w.id === '1')!;
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.cancelledBlock, cancelledIn.toString());
  });

  it('filters by vault, status and limit', async () => {
    const byVault = (await get(`/v1/automation/workflows?vault=${vaultB.address.toLowerCase()}`)).body.workflows as WorkflowJson[];
    assert.deepEqual(byVault.map((w) => [w.vault, w.id]), [[vaultB.address, '0'], [vaultB.address, '1']]);
    const active = (await get('/v1/automation/workflows?status=active')).body.workflows as WorkflowJson[];
    assert.deepEqual(active.map((w) => w.status), ['active', 'active']);
    const cancelled = (await get(`/v1/automation/workflows?status=cancelled&vault=${vaultB.address}`)).body.workflows as WorkflowJson[];
    assert.deepEqual(cancelled.map((w) => [w.vault, w.id]), [[vaultB.address, '1']]);
    assert.equal(((await get('/v1/automation/workflows?limit=1')).body.workflows as WorkflowJson[]).length, 1);
    assert.deepEqual((await get(`/v1/automation/workflows?vault=${devAccount(8).address}`)).body.workflows, []);
  });

  it('answers one workflow with its (empty) runs, 404 for one never registered', async () => {
    const { status, body } = await get(`/v1/automation/workflows/${vaultB.address}/0`);
    assert.equal(status, 200);
    assert.equal(body.workflow.trigger.kind, 'condition');
    assert.equal(body.workflow.maxGasLimit, '80000');
    assert.deepEqual(body.runs, []);
    // The deposit is read from the entry point at the answer's block, not from the index.
    const deposited = (await send(vaultA, { functionName: 'deposit', args: [vaultB.address], value: 12_345n })).blockNumber;
    const funded = await get(`/v1/automation/workflows/${vaultB.address}/0?runs=5`);
    assert.equal(funded.body.workflow.vaultDeposit, '12345');
    assertReadBetween(funded.body.blockNumber, deposited, await head());
    const missing = await get(`/v1/automation/workflows/${vaultB.address}/7`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.message, `workflow 7 of vault ${vaultB.address} not found`);
    assert.equal((await get(`/v1/automation/workflows/${devAccount(8).address}/0`)).status, 404);
  });

  it('refuses bad input with 400 naming the field', async () => {
    const cases: [string, RegExp][] = [
      ['/v1/automation/workflows?vault=0x12', /^querystring\.vault: /],
      ['/v1/automation/workflows?status=paused', /^querystring\.status: /],
      ['/v1/automation/workflows?limit=0', /^querystring\.limit: /],
      ['/v1/automation/workflows?limit=abc', /^querystring\.limit: /],
      [`/v1/automation/workflows/nope/0`, /^params\.vault: /],
      [`/v1/automation/workflows/${vaultA.address}/-1`, /^params\.id: /],
      [`/v1/automation/workflows/${vaultA.address}/0?runs=501`, /^querystring\.runs: /],
      ['/v1/automation/runs?limit=501', /^querystring\.limit: /],
      ['/v1/automation/slots?count=101', /^querystring\.count: /],
      ['/v1/automation/verdicts?limit=-3', /^querystring\.limit: /],
    ];
    for (const [url, message] of cases) {
      const { status, body } = await get(url);
      assert.equal(status, 400, url);
      assert.match(body.message, message, url);
    }
  });

  it('lists no runs and no verdicts where none happened', async () => {
    const runs = await get('/v1/automation/runs?limit=10');
    assert.equal(runs.status, 200);
    assert.deepEqual(runs.body.runs, []);
    const verdicts = await get('/v1/automation/verdicts');
    assert.equal(verdicts.status, 200);
    assert.deepEqual(verdicts.body.verdicts, []);
  });

  it('answers the operators at the current epoch (none registered for automation)', async () => {
    const { status, body } = await get('/v1/automation/operators');
    assert.equal(status, 200);
    const epoch = await client.readContract({ address: section.epochManager, abi: EpochManagerAbi, functionName: 'currentEpoch' });
    assert.deepEqual(body, { epoch, totalWeight: '0', thresholdWeight: body.thresholdWeight, operators: [] });
  });

  it('answers an empty schedule before any arrangement, and slots without executor after an empty one', async () => {
    const from = await head();
    const before = await get('/v1/automation/slots?count=3');
    assert.equal(before.status, 200);
    assertReadBetween(before.body.blockNumber, from, await head());
    assert.deepEqual({ ...before.body, blockNumber: undefined }, { blockNumber: undefined, slotBlocks: '4', arrangementCount: 0, current: null, upcoming: [], judged: [] });

    const main = devnet.deployment.chains.find((c) => c.chainId === devnet.deployment.mainChainId)!;
    const wallet = makeWalletClient(main.chainId, main.rpcUrl, devnet.user);
    const hash = await wallet.writeContract({ address: section.executorSchedule, abi: ExecutorScheduleAbi, functionName: 'arrangeExecutors' });
    const receipt = await client.waitForTransactionReceipt({ hash });
    const epoch = await client.readContract({ address: section.epochManager, abi: EpochManagerAbi, functionName: 'currentEpoch' });
    const at = receipt.blockNumber;

    const { status, body } = await get('/v1/automation/slots?count=2');
    assert.equal(status, 200);
    assert.equal(body.arrangementCount, 1);
    assertReadBetween(body.blockNumber, at, await head());
    // Slots of 4 blocks from the arrangement's block on; a block a second may have been mined since.
    const k = (BigInt(body.blockNumber) - at) / 4n;
    const slot = (i: bigint) => ({ epoch, slot: i.toString(), startBlock: (at + 4n * i).toString(), endBlock: (at + 4n * (i + 1n)).toString(), executor: null });
    assert.deepEqual(body.current, slot(k));
    assert.deepEqual(body.upcoming, [slot(k + 1n), slot(k + 2n)]);
    assert.deepEqual(body.judged, [], 'a slot without executor is not judged');
    assert.deepEqual((await get('/v1/automation/slots?count=0')).body.upcoming, []);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const { body } = await get('/openapi.json');
    for (const path of ['/v1/automation/workflows', '/v1/automation/workflows/{vault}/{id}', '/v1/automation/runs', '/v1/automation/slots', '/v1/automation/verdicts', '/v1/automation/operators']) {
      assert.ok(body.paths[path]?.get, path);
    }
  });
});
