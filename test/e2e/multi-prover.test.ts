/**
 * The multi-prover end to end on real devnets (anvil chains, deployed contracts, the aggregator and operator nodes in
 * this process): the demo's cases (`avs demo multi-prover`: provers attest, a block of chain 31338 is confirmed on
 * 31337 with one aggregated BLS signature and is the block's real state, a non-allowlisted enclave cannot attest, a
 * lapsed prover's operator is refused, an equivocating operator is slashed and frozen), and an aggregator restarted
 * while a task waits for its operators, which then confirms that task once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Hex } from 'viem';
import { MultiProverServiceManagerAbi } from '../../src/core/chain/abis/generated/index.ts';
import { openDatabase } from '../../src/core/db/index.ts';
import { silentLogger } from '../../src/core/logging.ts';
import { runMultiProverDemo } from '../../src/cli/demoMultiProver.ts';
import { devAccount, devnetBlsKey } from '../../src/devnet/accounts.ts';
import { startDevnet } from '../../src/devnet/devnet.ts';
import { multiProverOnlyServices } from '../../src/devnet/multiProverServices.ts';
import { startMultiProverAggregatorService } from '../../src/services/multi-prover/aggregator/service.ts';
import { createMultiProverStore } from '../../src/services/multi-prover/aggregator/store.ts';
import { blockMetadata, blockState } from '../../src/services/multi-prover/digest.ts';
import { multiProverDeployment } from '../../src/services/multi-prover/deployment.ts';
import { startMultiProverOperator } from '../../src/services/multi-prover/operator/run.ts';

describe('multi-prover end to end', () => {
  it('runs the demo: attest, confirm with one aggregated signature, refuse a bad enclave and a lapsed prover, slash an equivocation', async () => {
    const report = await runMultiProverDemo({ confirmTimeoutMs: 60_000 });
    const failed = report.steps.filter((s) => !s.ok);
    assert.deepEqual(failed, [], 'every step held');
    assert.equal(report.ok, true);
    assert.equal(report.confirmations.length, 1);
    const [confirmation] = report.confirmations;
    assert.match(confirmation.txHash, /^0x[0-9a-f]{64}$/);
    assert.equal(report.proof?.confirmation?.status, 'confirmed');
    assert.ok((report.proof?.signers.length ?? 0) >= 2, 'signers of both quorums');
    assert.deepEqual(report.proof?.quorumNumbers, [0, 1]);
    assert.ok(report.verifications.length >= 2 && report.verifications.every((v) => v.ok), 'confirmed on-chain and equal to the real block');
    assert.match(report.steps.find((s) => s.name.includes('not on the allowlist'))?.detail ?? '', /MeasurementNotAllowed/);
    assert.match(report.steps.find((s) => s.name.includes('lapsed'))?.detail ?? '', /liveness ended/);
    assert.ok(report.dispute && report.dispute.frozen && BigInt(report.dispute.sharesAfter) < BigInt(report.dispute.sharesBefore), 'slashed and frozen');
  });

  it('confirms a task once after the aggregator restarts while it waits for its operators', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'avs-mp-restart-'));
    const devnet = await startDevnet({
      operators: 4,
      remoteChains: 1,
      dir,
      services: multiProverOnlyServices({ logLevel: 'silent', everyBlocks: false }),
    });
    const stops: (() => Promise<void>)[] = [];
    try {
      const mp = devnet.services!.multiProver!;
      const deployment = multiProverDeployment(devnet.deployment);
      const remote = devnet.clients.get(31338)!;
      // The operators go away first, so the task is stored but nobody answers it.
      for (const o of mp.operators) await o.stop();
      const blockNumber = (await remote.getBlockNumber()) - 2n;
      const response = await fetch(`${mp.aggregator.url}/v1/multi-prover/tasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ chainId: 31338, blockNumber: blockNumber.toString() }),
      });
      assert.equal(response.status, 202);
      const { taskId } = (await response.json()) as { taskId: Hex };
      await mp.aggregator.close();

      // A new aggregator process on the same database, and the operators back (new enclaves: they attest again).
      const database = await openDatabase({ sqlitePath: join(devnet.dataDir, 'multi-prover-aggregator.sqlite') });
      stops.push(() => database.close());
      const aggregator = await startMultiProverAggregatorService({ deployment, database, account: devAccount(5), clients: devnet.clients, port: 0, blockWatch: false });
      stops.push(() => aggregator.close());
      for (const o of mp.operators) {
        const seeded = devnet.operators.find((s) => s.index === o.index)!;
        const running = await startMultiProverOperator({
          deployment,
          aggregatorUrl: aggregator.wsUrl,
          operator: seeded.address,
          blsKey: devnetBlsKey(o.index),
          livenessPrivateKey: seeded.operatorKey,
          sqlitePath: join(devnet.dataDir, `multi-prover-operator-${o.index}.sqlite`),
          logger: silentLogger(),
        });
        stops.push(() => running.stop());
      }
      let task: { status: string; confirmation: { status: string; txHash: Hex | null } | null; state: { blockHash: Hex; stateRoot: Hex } | null } | undefined;
      for (let i = 0; i < 240; i++) {
        task = (await (await fetch(`${aggregator.url}/v1/multi-prover/tasks/${taskId}`)).json()) as typeof task;
        if (task?.confirmation && task.confirmation.status !== 'submitted') break;
        await new Promise((r) => setTimeout(r, 250));
      }
      assert.equal(task?.status, 'aggregated');
      assert.equal(task?.confirmation?.status, 'confirmed');
      const block = await remote.getBlock({ blockNumber });
      assert.deepEqual(task?.state, { blockHash: block.hash, stateRoot: block.stateRoot });
      const main = devnet.clients.get(31337)!;
      const confirmed = await main.readContract({
        address: deployment.multiProver.serviceManager,
        abi: MultiProverServiceManagerAbi,
        functionName: 'isStateConfirmed',
        args: [1n, blockMetadata(31338n, blockNumber), blockState(block.hash, block.stateRoot)],
      });
      assert.equal(confirmed, true);
      const store = await createMultiProverStore(database);
      assert.equal((await store.listConfirmed(10)).length, 1, 'one confirmation recorded');
    } finally {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
      await devnet.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
