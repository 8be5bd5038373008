/**
 * A burst of 5,000 proof requests end to end, against a real devnet (anvil 31337 + 31338, the aggregator with batched
 * signing on, operator nodes, the bridge relayer, the epoch publisher and the challenger, all started by
 * {@link startDevnet}): every request ends with its task aggregated exactly once, in the batched proof form, and every
 * proof is accepted by `isValidSignature` on the main chain's ECDSAStakeRegistry and on the remote chain's
 * LightStakeRegistry. Four of the five operators (enough weight for a quorum on their own) lie about one key of the
 * burst: that proof shares its batch root with honest ones, and the challenger catches it and has its signers slashed.
 *
 * Waits are polls with generous bounds; nothing asserts a duration.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Hex, getAddress } from 'viem';
import { ECDSAStakeRegistryAbi, LightStakeRegistryAbi, StateDisputeResolverAbi, StateManagerAbi } from '../../src/core/chain/abis/generated/index.ts';
import { makeWalletClient } from '../../src/core/chain/clients.ts';
import { batchRootFromProof } from '../../src/core/crypto/attestation-batch.ts';
import { createLogger } from '../../src/core/logging.ts';
import { type Devnet, startDevnet } from '../../src/devnet/devnet.ts';
import { devnetServices } from '../../src/devnet/services.ts';
import { decodeSigData } from '../../src/services/state-proofs/attestation.ts';
import { type ProofTask, proofTaskSchema, requestProof, requestProofs } from '../../src/services/state-proofs/client.ts';
import type { OperatorFault } from '../../src/services/state-proofs/operator/node.ts';

const REMOTE_CHAIN = 31338;
const BURST = 5_000;
/** The key the faulty operators lie about (they sign `value + 1`); one of the burst's keys. */
const FAULT_KEY = 2_718n;
const fault: OperatorFault = { signsWrongValue: (query) => query.key === FAULT_KEY };
const ERC1271_MAGIC_VALUE = '0x1626ba7e';
const WAIT_MS = 600_000;
const Status = { Slashed: 2 } as const;

async function waitUntil<T>(probe: () => Promise<T | undefined | false>, what: string): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Runs `fn` over `items` with at most `limit` in flight, results in input order. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

describe('a burst of 5,000 proof requests', () => {
  let devnet: Devnet;
  let dir: string;
  let blockNumber: bigint;
  let proofs: ProofTask[];
  const values = new Map<bigint, bigint>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'avs-burst-test-'));
    devnet = await startDevnet({
      operators: 5,
      remoteChains: 1,
      dir,
      services: devnetServices({ logger: createLogger('burst-test', { level: process.env.LOG_LEVEL ?? 'silent' }), faulty: { operators: 4, fault } }),
    });
    const remote = devnet.deployment.chains.find((c) => c.chainId === REMOTE_CHAIN)!;
    const client = devnet.clients.get(REMOTE_CHAIN)!;
    const wallet = makeWalletClient(REMOTE_CHAIN, remote.rpcUrl, devnet.user);
    const params = Array.from({ length: BURST }, (_, i) => ({ key: BigInt(i + 1), value: 1_000_000n + BigInt(i) }));
    for (const p of params) values.set(p.key, p.value);
    for (let i = 0; i < params.length; i += 250) {
      const hash = await wallet.writeContract({ address: remote.stateManager, abi: StateManagerAbi, functionName: 'batchSetValues', args: [params.slice(i, i + 250)] });
      const receipt = await client.waitForTransactionReceipt({ hash });
      assert.equal(receipt.status, 'success');
      blockNumber = receipt.blockNumber;
    }

    const api = devnet.services!.aggregatorUrl!;
    // The first half one request each, the second in batch requests of 250, as a client with a burst would send them.
    const half = BURST / 2;
    const query = (p: (typeof params)[number]) => ({ chainId: REMOTE_CHAIN, user: devnet.user.address, key: p.key, blockNumber });
    const batches = Array.from({ length: half / 250 }, (_, i) => params.slice(half + i * 250, half + (i + 1) * 250));
    const [single, batched] = await Promise.all([
      pool(params.slice(0, half), 64, (p) => requestProof(api, query(p))),
      pool(batches, 4, (batch) => requestProofs(api, batch.map(query))),
    ]);
    const requested = [...single, ...batched.flat()];
    assert.deepEqual(batched.flat().map((t) => BigInt(t.attestation.key)), params.slice(half).map((p) => p.key), 'batch answers in request order');
    proofs = await pool(requested, 32, (task) =>
      waitUntil(async () => {
        const t = proofTaskSchema.parse(await (await fetch(`${api}/v1/state-proofs/${task.taskId}`)).json());
        return t.status === 'aggregated' || t.status === 'failed' ? t : undefined;
      }, `task ${task.taskId}`),
    );
  });

  after(async () => {
    await devnet?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('aggregates every request exactly once, in batches, with the value written (but the lie)', async () => {
    assert.equal(new Set(proofs.map((p) => p.taskId)).size, BURST, 'one task per request');
    for (const p of proofs) {
      assert.equal(p.status, 'aggregated', `task ${p.taskId}: ${p.failureReason ?? ''}`);
      const expected = values.get(p.attestation.key)! + (p.attestation.key === FAULT_KEY ? 1n : 0n);
      assert.equal(p.attestation.value, expected, `key ${p.attestation.key}`);
    }
    const metrics = await (await fetch(`${devnet.services!.aggregatorUrl}/metrics`)).text();
    const aggregated = /avs_state_proofs_tasks_total\{[^}]*outcome="aggregated"[^}]*\} (\d+)/.exec(metrics);
    const created = /avs_state_proofs_tasks_total\{[^}]*outcome="created"[^}]*\} (\d+)/.exec(metrics);
    assert.ok(aggregated && created, 'the aggregator reports its task counters');
    assert.equal(Number(created[1]), Number(aggregated[1]), 'every task created was aggregated, once');
    assert.ok(Number(aggregated[1]) >= BURST);

    const roots = new Map<Hex, number>();
    for (const p of proofs) {
      const decoded = decodeSigData(p.sigData!);
      assert.equal(decoded.form, 'batched', `task ${p.taskId} is proven in the batched form`);
      const root = batchRootFromProof(p.digest!, decoded.form === 'batched' ? decoded.proof : []);
      roots.set(root, (roots.get(root) ?? 0) + 1);
    }
    assert.ok(roots.size < BURST / 2, `${BURST} proofs under ${roots.size} batch roots`);
  });

  it('has every proof accepted by isValidSignature on the main chain and on the remote chain', async () => {
    const main = devnet.clients.get(devnet.deployment.mainChainId)!;
    const remoteClient = devnet.clients.get(REMOTE_CHAIN)!;
    const light = { address: devnet.deployment.chains.find((c) => c.chainId === REMOTE_CHAIN)!.lightStakeRegistry!, abi: LightStakeRegistryAbi } as const;
    const epochs = [...new Set(proofs.map((p) => p.attestation.epoch))];
    for (const epoch of epochs) {
      await waitUntil(() => remoteClient.readContract({ ...light, functionName: 'isEpochReceived', args: [epoch] }), `epoch ${epoch} on ${REMOTE_CHAIN}`);
    }
    const registry = { address: devnet.deployment.stateProofs.stakeRegistry, abi: ECDSAStakeRegistryAbi } as const;
    const results = await pool(proofs, 32, async (p) => [
      await main.readContract({ ...registry, functionName: 'isValidSignature', args: [p.digest!, p.sigData!] }),
      await remoteClient.readContract({ ...light, functionName: 'isValidSignature', args: [p.digest!, p.sigData!] }),
    ]);
    results.forEach(([onMain, onRemote], i) => {
      assert.equal(onMain, ERC1271_MAGIC_VALUE, `task ${proofs[i].taskId} on ${devnet.deployment.mainChainId}`);
      assert.equal(onRemote, ERC1271_MAGIC_VALUE, `task ${proofs[i].taskId} on ${REMOTE_CHAIN}`);
    });
  });

  it('has the wrong value inside a batch challenged and its signers slashed', async () => {
    const wrong = proofs.find((p) => p.attestation.key === FAULT_KEY)!;
    const decoded = decodeSigData(wrong.sigData!);
    assert.equal(decoded.form, 'batched');
    const root = batchRootFromProof(wrong.digest!, decoded.form === 'batched' ? decoded.proof : []);
    const rootOf = (p: ProofTask) => {
      const d = decodeSigData(p.sigData!);
      return batchRootFromProof(p.digest!, d.form === 'batched' ? d.proof : []);
    };
    const batchmates = proofs.filter((p) => p !== wrong && rootOf(p) === root);
    assert.ok(batchmates.length > 0, 'the lie was signed in a batch with correct attestations');

    const journal = devnet.services!.challenger!.journal;
    const dispute = await waitUntil(async () => {
      const d = await journal.get(wrong.taskId);
      return d && (d.stage === 'resolved' || d.stage === 'abandoned') ? d : undefined;
    }, 'the challenger to finish the dispute of the lie');
    assert.equal(dispute.stage, 'resolved', `dispute: ${dispute.detail}`);
    assert.match(dispute.detail ?? '', /^slashed/);
    assert.deepEqual(dispute.truth, { value: values.get(FAULT_KEY), exists: true });
    const main = devnet.clients.get(devnet.deployment.mainChainId)!;
    const resolver = { address: devnet.deployment.stateProofs.stateDisputeResolver!, abi: StateDisputeResolverAbi } as const;
    assert.equal(await main.readContract({ ...resolver, functionName: 'challengeStatus', args: [wrong.taskId] }), Status.Slashed);
    const slashing = await main.readContract({ ...resolver, functionName: 'getSlashing', args: [wrong.digest!] });
    assert.equal(slashing.slashed, BigInt(decoded.operators.length), 'every signer of the lie slashed');
    const [records] = await main.readContract({ ...resolver, functionName: 'getSignerSlashes', args: [wrong.digest!, decoded.operators.map((o) => getAddress(o))] });
    for (const [i, r] of records.entries()) assert.equal(r.status, 2, `signer ${decoded.operators[i]} slashed (SignerStatus.Slashed)`);
  });
});
