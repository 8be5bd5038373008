/**
 * `avs automation aggregator run` and `avs automation operator run` as real processes against a devnet that deployed
 * the automation AVS and arranged its executors (no services of its own): the aggregator from flags (arrangeExecutors
 * and submitVerdict from dev account 6), one operator node per devnet operator (its signing key and delegated signer),
 * one of them from a config file. The devnet user's time workflow runs (WorkflowRun), attesters' verdicts are posted
 * (VerdictPosted), the node API serves the operator's metrics, and SIGINT stops every process with exit 0 while the
 * operators stay active executors. `config check` passes for both files and names an execution key that is not the
 * delegated signer; bad invocations fail in one line.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type PublicClient, encodeFunctionData, getAddress, parseEther, zeroAddress } from 'viem';
import { DevnetCounterAbi, DittoEntryPointAbi, ExecutorScheduleAbi, SlotVerdictsAbi } from '../../src/core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../../src/core/chain/clients.ts';
import { deployAutomationTargets } from '../../src/devnet/automation.ts';
import { type Devnet, startDevnet } from '../../src/devnet/devnet.ts';
import type { AutomationContracts } from '../../src/services/automation/deployment.ts';
import { AVS_BIN, type AvsRun, assertOneLineError, runAvs } from '../helpers/cli.ts';
import { freePort, waitFor } from '../helpers/wait.ts';

const GWEI = 10n ** 9n;

/** A long-running `avs` child whose output is kept for failure messages. */
type Proc = { name: string; child: ChildProcess; output: () => string; exited: Promise<number | null> };

function startAvs(name: string, args: readonly string[], cwd: string): Proc {
  const child = spawn(process.execPath, [AVS_BIN, ...args], { cwd, env: { ...process.env, AVS_DEBUG: '', LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { name, child, output: () => output, exited };
}

async function stopProc(proc: Proc, signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill(signal);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 30_000);
  const code = await proc.exited;
  clearTimeout(timer);
  return code;
}

/** Reads `name{labels}` from a Prometheus text page (labels in the page's order, avs_name last). */
function metric(page: string, series: string): number | undefined {
  const line = page.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('avs automation aggregator run / operator run (processes)', () => {
  let dir: string;
  let deploymentFile: string;
  let devnet: Devnet;
  let client: PublicClient;
  let section: AutomationContracts;
  let aggregatorUrl: string;
  const procs: Proc[] = [];
  const nodeApis: { index: number; url: string }[] = [];

  const avs = (args: string[]): Promise<AvsRun> => runAvs(['--deployment', deploymentFile, ...args], {}, { cwd: dir });
  const context = () => procs.map((p) => `--- ${p.name}\n${p.output().slice(-3000)}`).join('\n');
  const abortIf = () => {
    const dead = procs.find((p) => p.child.exitCode !== null);
    return dead ? `${dead.name} exited (${dead.child.exitCode}):\n${dead.output()}` : undefined;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'avs-automation-run-'));
    deploymentFile = join(dir, 'devnet.json');
    devnet = await startDevnet({ operators: 3, remoteChains: 0, multiProver: false, dir, writeDeployment: deploymentFile });
    client = devnet.clients.get(devnet.deployment.mainChainId)!;
    section = devnet.deployment.services.automation as AutomationContracts;
    assert.ok(devnet.automation, 'the devnet deployed the automation AVS');
  });

  after(async () => {
    for (const p of procs) await stopProc(p, 'SIGKILL');
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('bad invocations fail in one line naming what is wrong', async () => {
    assertOneLineError(await avs(['automation', 'operator', 'run']), 2, /automation-operator\.address: is required/);
    assertOneLineError(await avs(['automation', 'operator', 'run', '--devnet-operator', '0', '--signing-key', `0x${'11'.repeat(32)}`]), 2, /signingKey: give one of/);
    assertOneLineError(await avs(['automation', 'operator', 'run', '--devnet-operator', '0']), 2, /no automation aggregator URL/);
    assertOneLineError(await avs(['automation', 'aggregator', 'run', '--port', 'x']), 2, /automation-aggregator\.port: must be a port/);
  });

  it('the aggregator and three operator nodes run as processes; config check passes for both roles’ files', async () => {
    const port = await freePort();
    aggregatorUrl = `http://127.0.0.1:${port}`;
    const aggregatorFile = join(dir, 'automation-aggregator.json');
    writeFileSync(aggregatorFile, JSON.stringify({ role: 'automation-aggregator', deployment: 'devnet.json', port, database: { sqlitePath: 'agg-check.sqlite' }, submitter: { devnetAccount: 6 } }));
    const aggregatorCheck = await runAvs(['config', 'check', aggregatorFile, '--json'], {}, { cwd: dir });
    assert.equal(aggregatorCheck.code, 0, aggregatorCheck.stdout + aggregatorCheck.stderr);

    procs.push(startAvs('aggregator', ['--deployment', deploymentFile, 'automation', 'aggregator', 'run', '--devnet-submitter', '6', '--port', String(port), '--db', join(dir, 'aggregator.sqlite'), '--from-block', '0'], dir));
    await waitFor('the aggregator', async () => ((await fetch(`${aggregatorUrl}/eigen/node/health`)).ok ? true : undefined), { abortIf, context });

    const operators = devnet.automation!.operators;
    for (const o of operators) {
      const apiPort = await freePort();
      nodeApis.push({ index: o.index, url: `http://127.0.0.1:${apiPort}` });
      if (o.index === operators[0]!.index) {
        // The first from a config file (checked first: its signing key is registered, its signer may execute and holds ETH).
        const file = join(dir, `operator-${o.index}.json`);
        writeFileSync(file, JSON.stringify({ role: 'automation-operator', deployment: 'devnet.json', signingKey: { devnetOperator: o.index }, aggregatorUrl, nodeApi: { port: apiPort } }));
        const check = await runAvs(['config', 'check', file, '--json'], {}, { cwd: dir });
        assert.equal(check.code, 0, check.stdout + check.stderr);
        const names = (JSON.parse(check.stdout) as { checks: { name: string }[] }).checks.map((c) => c.name);
        for (const name of ['signing key', 'execution signer', 'execution balance', 'aggregator', 'node API']) assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
        // Another execution key than the delegated signer is named before anything runs.
        const wrong = join(dir, 'operator-wrong-signer.json');
        writeFileSync(wrong, JSON.stringify({ role: 'automation-operator', deployment: 'devnet.json', signingKey: { devnetOperator: o.index }, executionKey: { privateKey: `0x${'22'.repeat(32)}` }, aggregatorUrl }));
        const refused = await runAvs(['config', 'check', wrong, '--json'], {}, { cwd: dir });
        assert.equal(refused.code, 1);
        const signerCheck = (JSON.parse(refused.stdout) as { checks: { name: string; ok: boolean; detail: string }[] }).checks.find((c) => c.name === 'execution signer');
        assert.equal(signerCheck?.ok, false);
        assert.match(signerCheck?.detail ?? '', new RegExp(`delegated signer is ${o.signer!.address}`, 'i'));
        procs.push(startAvs(`operator ${o.index}`, ['automation', 'operator', 'run', '--config', file], dir));
      } else {
        procs.push(
          startAvs(
            `operator ${o.index}`,
            ['--deployment', deploymentFile, 'automation', 'operator', 'run', '--devnet-operator', String(o.index), '--aggregator', aggregatorUrl, '--node-api-port', String(apiPort)],
            dir,
          ),
        );
      }
    }
    for (const api of nodeApis) {
      await waitFor(
        `operator ${api.index} to authenticate with the aggregator`,
        async () => {
          const page = await (await fetch(`${api.url}/metrics`)).text();
          return metric(page, 'avs_automation_operator_connected{avs_name="automation"}') === 1 ? true : undefined;
        },
        { abortIf, context },
      );
    }
  });

  it('the devnet user’s time workflow runs and attesters’ verdicts are posted; the node API shows the operator metrics', async () => {
    const main = devnet.chains.find((c) => c.chainId === devnet.deployment.mainChainId)!;
    const { counter } = await deployAutomationTargets({ client, deployer: devnet.deployer });
    const user = makeWalletClient(main.chainId, main.rpcUrl, devnet.user);
    const send = async (hash: Promise<`0x${string}`>) => assert.equal((await client.waitForTransactionReceipt({ hash: await hash })).status, 'success');
    await send(user.writeContract({ address: section.entryPoint, abi: DittoEntryPointAbi, functionName: 'deposit', args: [devnet.user.address], value: parseEther('10') }));
    const now = (await client.getBlock()).timestamp;
    await send(
      user.writeContract({
        address: section.entryPoint,
        abi: DittoEntryPointAbi,
        functionName: 'registerWorkflow',
        args: [
          {
            target: counter,
            callData: encodeFunctionData({ abi: DevnetCounterAbi, functionName: 'increment' }),
            maxGasLimit: 100_000n,
            maxGasPrice: 100n * GWEI,
            trigger: { kind: 0, start: now, interval: 2n, checker: zeroAddress, checkData: '0x' },
          },
        ],
      }),
    );
    const runs = await waitFor(
      'runs of the workflow by two executors',
      async () => {
        const found = await client.getContractEvents({ address: section.entryPoint, abi: DittoEntryPointAbi, eventName: 'WorkflowRun', args: { vault: devnet.user.address }, fromBlock: 0n });
        return new Set(found.map((r) => getAddress(r.args.executor!))).size >= 2 ? found : undefined;
      },
      { abortIf, context },
    );
    // WorkflowRun names the sender: each operator's delegated signer.
    const signers = new Set(devnet.automation!.operators.map((o) => getAddress(o.signer!.address)));
    for (const r of runs) assert.ok(signers.has(getAddress(r.args.executor!)), 'runs are sent by the devnet operators’ delegated signers');
    const slotBlocks = BigInt(section.slotBlocks);
    // Runs keep landing while verdicts come in; a slot of the heaviest executor may get none (the others' weight is
    // under the threshold), so any slot with a run counts.
    const verdicts = await waitFor(
      'a posted verdict on a slot in which the workflow ran',
      async () => {
        const ran = await client.getContractEvents({ address: section.entryPoint, abi: DittoEntryPointAbi, eventName: 'WorkflowRun', args: { vault: devnet.user.address }, fromBlock: 0n });
        const found = await client.getContractEvents({ address: section.slotVerdicts, abi: SlotVerdictsAbi, eventName: 'VerdictPosted', fromBlock: 0n });
        const covering = found.filter((v) => ran.some((r) => r.blockNumber >= v.args.slotStartBlock! && r.blockNumber < v.args.slotStartBlock! + slotBlocks));
        return covering.length > 0 ? found : undefined;
      },
      { abortIf, context },
    );
    // Whether a slot is found at fault depends on how fast the devnet mines (a block per transaction), so only that
    // verdicts are posted is asserted; the nodes' counts below agree with them.
    const faults = verdicts.filter((v) => v.args.fault).length;

    let succeeded = 0;
    let verdictsSigned = 0;
    let faultsSigned = 0;
    for (const api of nodeApis) {
      const page = await (await fetch(`${api.url}/metrics`)).text();
      for (const series of [
        'avs_automation_operator_workflows_total{outcome="failed",avs_name="automation"}',
        'avs_automation_operator_gas_used_total{avs_name="automation"}',
        'avs_automation_operator_slots_total{kind="held",avs_name="automation"}',
        'avs_automation_operator_slots_total{kind="missed",avs_name="automation"}',
        'avs_automation_operator_verdicts_total{verdict="fault",avs_name="automation"}',
        'eigen_slashing_status{avs_name="automation"}',
      ]) {
        assert.notEqual(metric(page, series), undefined, `${series} on operator ${api.index}'s node API`);
      }
      assert.ok((metric(page, 'eigen_performance_score{avs_name="automation"}') ?? -1) >= 0);
      assert.ok((metric(page, 'eigen_registered_stakes{quorum_number="0",quorum_name="automation",avs_name="automation"}') ?? 0) > 0, 'its weight in the registry');
      succeeded += metric(page, 'avs_automation_operator_workflows_total{outcome="succeeded",avs_name="automation"}') ?? 0;
      verdictsSigned += metric(page, 'avs_automation_operator_verdicts_total{verdict="clean",avs_name="automation"}') ?? 0;
      faultsSigned += metric(page, 'avs_automation_operator_verdicts_total{verdict="fault",avs_name="automation"}') ?? 0;
      const health = await fetch(`${api.url}/eigen/node/health`);
      assert.equal(health.status, 200, `operator ${api.index}'s node is healthy`);
    }
    assert.ok(succeeded >= 1, 'the nodes counted the runs they landed');
    assert.ok(verdictsSigned + faultsSigned >= verdicts.length, 'each posted verdict was signed by at least one node');
    if (faults > 0) assert.ok(faultsSigned >= 1, 'a posted fault verdict was signed by a node');
  });

  it('SIGINT stops every process with exit 0, and the operators stay active executors', async () => {
    for (const p of procs.splice(0).reverse()) assert.equal(await stopProc(p), 0, `${p.name}:\n${p.output()}`);
    for (const o of devnet.automation!.operators) {
      const active = await client.readContract({ address: section.executorSchedule, abi: ExecutorScheduleAbi, functionName: 'isActive', args: [o.address] });
      assert.equal(active, true, `operator ${o.index} is still active`);
    }
  });
});
