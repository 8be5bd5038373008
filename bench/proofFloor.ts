/**
 * The least CPU one batched state proof needs on this machine: the work the protocol asks of each process, done with
 * the primitives the nodes use (the wasm keccak, the attestation digest, the OpenZeppelin tree, the proof encoding,
 * ECDSA on @noble/curves, zod, JSON) and SQLite driven by bare prepared statements, and nothing else: no HTTP server,
 * WebSocket, query builder, event loop, scheduling between processes, logging or metrics. The end-to-end bench
 * measures the same proofs with all of that; the gap between the two is what the framework and the process layout
 * cost, and the floor is what no tuning of them can go below.
 *
 * Per proof, in batches of 250 tasks signed by every operator:
 * - the aggregator: the request (its share of a 250-query POST body: JSON.parse and the API's zod schema), the task id,
 *   the task row inserted, the task sent (its wire JSON, written once for all operators), the answer's digest (once
 *   per task) and its place in the batch tree with its Merkle path, the proof encoded, the completion written, and
 *   each operator's batch signature verified (a 250th of a verification per operator) and its answer parsed;
 * - each operator: the task parsed (JSON and zod), its id checked, the attestation digest, its share of the batch root
 *   and of one signature, the signing journal's entry, and its answer's JSON.
 * Reading the values (anvil's `eth_call`, one per batch) is left out: it is the chain node's work, not ours.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type Address, type Hex, keccak256, toHex } from 'viem';
import { computeBatchRoot, computeBatchTree } from '../src/core/crypto/attestation-batch.ts';
import { signDigest, signingKeyFromPrivateKey, verifyDigest } from '../src/core/crypto/ecdsa.ts';
import { openDatabase } from '../src/core/db/database.ts';
import { proofBatchBody } from '../src/services/state-proofs/aggregator/api.ts';
import { STATE_PROOFS_SQLITE_PAGE_SIZE, createStateProofStore } from '../src/services/state-proofs/aggregator/store.ts';
import { encodeBatchedSigData } from '../src/services/state-proofs/attestation.ts';
import { createAttestationDigester, fastTaskId } from '../src/services/state-proofs/digest.ts';
import { openSigningJournal } from '../src/services/state-proofs/operator/journal.ts';
import { toWireTask, wireBatchAnswer, wireTask } from '../src/services/state-proofs/protocol.ts';

/** CPU µs per proof of each step, and the totals. */
export type ProofFloor = {
  batchSize: number;
  /** The aggregator's steps that do not depend on the operator count. */
  aggregator: Record<string, number>;
  /** The aggregator's steps per operator (its batch signature and answers). */
  aggregatorPerOperator: Record<string, number>;
  /** One operator's steps. */
  operator: Record<string, number>;
  /** Machine CPU µs per proof with n operators, and the proofs per second that allows on this machine's cores. */
  byOperators: Record<number, { cpuUs: number; ceilingPerSecond: number }>;
};

const BATCH = 250;
const DOMAIN = { chainId: 31337, verifyingContract: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as Address };
const USER: Address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

/** CPU µs of `work` per item, over `rounds` runs of `items` items after a few unmeasured runs (the JIT's). */
function perItem(items: number, rounds: number, work: () => void): number {
  for (let i = 0; i < 5; i++) work();
  const start = process.cpuUsage();
  for (let r = 0; r < rounds; r++) work();
  const used = process.cpuUsage(start);
  return Math.round(((used.user + used.system) / (items * rounds)) * 100) / 100;
}

const sum = (parts: Record<string, number>) => Object.values(parts).reduce((a, b) => a + b, 0);

/** Measures the floor; the totals are for `operatorCounts` (default 4 and 10) operators on `cores` cores. */
export async function measureProofFloor(options: { rounds?: number; operatorCounts?: readonly number[]; cores: number }): Promise<ProofFloor> {
  const rounds = options.rounds ?? 40;
  const dir = mkdtempSync(join(tmpdir(), 'avs-bench-floor-'));
  try {
    let next = 0;
    let idCounter = 0;
    let journalBlock = 1_000;
    /** A task id that was never used (the floor leaves out hashing it: the task id step counts that). */
    const freshId = () => `0x${(idCounter++).toString(16).padStart(64, '0')}` as Hex;
    const queries = () =>
      Array.from({ length: BATCH }, () => ({ user: USER, chainId: 31338n, blockNumber: 87n, timestamp: 1_796_537_754n, key: BigInt(next++) }));
    const digest = createAttestationDigester(DOMAIN);
    const batch = queries();
    const ids = batch.map(fastTaskId);
    const attestations = batch.map((q, i) => ({ ...q, value: BigInt(i) * 7n, exists: true, epoch: 3 }));
    const digests = attestations.map(digest);
    const wire = batch.map((q, i) => toWireTask(ids[i]!, q, 3));
    const answers = wire.map((t, i) => ({ taskId: t.taskId, value: (BigInt(i) * 7n).toString(), exists: true, referenceEpoch: 3 }));
    const requestBody = JSON.stringify({ requests: batch.map((q) => ({ chainId: '31338', user: q.user, key: q.key.toString(), blockNumber: '87' })) });
    const key = signingKeyFromPrivateKey(keccak256(toHex('bench floor operator')));
    const { root, batchDigest } = computeBatchRoot(digests);
    const signature = signDigest(key, batchDigest);
    const tree = computeBatchTree(digests);
    const operators = Array.from({ length: 4 }, (_, i) => `0x${(0xa0 + i).toString(16).padStart(40, '0')}` as Address);

    // The aggregator's tables, made by its own migrations, written with bare statements.
    const storePath = join(dir, 'aggregator.sqlite');
    const storeDb = await openDatabase({ sqlitePath: storePath, sqlitePageSize: STATE_PROOFS_SQLITE_PAGE_SIZE });
    await createStateProofStore(storeDb);
    await storeDb.close();
    const store = new Database(storePath);
    store.pragma('journal_mode = WAL');
    store.pragma('synchronous = NORMAL');
    const insertTask = store.prepare(`insert into state_proofs_tasks (task_id, query, reference_epoch, status, signer_count, signed_weight,
      threshold_weight, created_at, updated_at, deadline_at, claimed_by, lease_until) values (?, ?, 3, 'pending', 0, '0', ?, ?, ?, ?, 'r', ?)`);
    const insertLeaf = store.prepare('insert into state_proofs_batch_leaves (task_created_at, task_id, root, digest, answer) values (?, ?, ?, ?, ?)');
    const complete = store.prepare(`update state_proofs_tasks set status = 'aggregated', result = ?, digest = ?, sig_head = ?, sig_data = ?,
      signer_count = ?, signed_weight = ?, aggregated_at = ?, updated_at = ?, claimed_by = 'r' where task_id = ? and status in ('pending', 'signing')`);

    const journalPath = join(dir, 'journal.sqlite');
    const { database: journalDb } = await openSigningJournal({ operator: operators[0]!, sqlitePath: journalPath });
    await journalDb.close();
    const journal = new Database(journalPath);
    journal.pragma('journal_mode = WAL');
    journal.pragma('synchronous = NORMAL');
    const journalEntry = journal.prepare(`insert into operator_signed_attestations (chain_id, block_number, task_id, reference_epoch, value, "exists",
      digest, signature, signed_at, batch_root) values (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)`);

    const items = BATCH;
    const aggregator = {
      request: perItem(items, rounds, () => proofBatchBody.parse(JSON.parse(requestBody))),
      taskId: perItem(items, rounds, () => batch.forEach(fastTaskId)),
      insertTask: perItem(items, rounds, () => {
        const fresh = queries();
        const now = Date.now();
        store.transaction(() => {
          for (const q of fresh) {
            insertTask.run(freshId(), JSON.stringify({ chainId: '31338', user: q.user, key: q.key.toString(), blockNumber: '87', timestamp: '1796537754' }), '1', now, now, now + 60_000, now + 10_000);
          }
        })();
      }),
      sendTask: perItem(items, rounds, () => JSON.stringify({ type: 'batch', batchId: root, tasks: wire })),
      digest: perItem(items, rounds, () => attestations.forEach(digest)),
      tree: perItem(items, rounds, () => computeBatchTree(digests)),
      encodeProof: perItem(items, rounds, () =>
        tree.proofs.forEach((proof) => encodeBatchedSigData({ operators, signatures: operators.map(() => signature), referenceEpoch: 3, proof })),
      ),
      storeProof: 0,
    };
    // Tasks to complete: inserted outside the measure, then completed and their leaves written, one transaction per batch.
    const toComplete: { id: Hex; createdAt: number }[][] = [];
    for (let r = 0; r < rounds + 5; r++) {
      const fresh = queries();
      const now = Date.now();
      const tasks = fresh.map(() => ({ id: freshId(), createdAt: now }));
      store.transaction(() => {
        for (const t of tasks) insertTask.run(t.id, '{}', '1', now, now, now + 60_000, now + 10_000);
      })();
      toComplete.push(tasks);
    }
    const rest = encodeBatchedSigData({ operators, signatures: operators.map(() => signature), referenceEpoch: 3, proof: tree.proofs[0]! }).slice(-64 * 9);
    aggregator.storeProof = perItem(items, rounds, () => {
      const tasks = toComplete.shift()!;
      const now = Date.now();
      store.transaction(() => {
        for (const [i, t] of tasks.entries()) {
          insertLeaf.run(t.createdAt, t.id, root, digests[i], '{"value":"1","exists":true}');
          complete.run('{"value":"1","exists":true}', digests[i], 'head', rest, 4, '4', now, now, t.id);
        }
      })();
    });
    const aggregatorPerOperator = {
      verifySignature: perItem(items, rounds, () => verifyDigest(key.publicKey, batchDigest, signature)),
      parseAnswer: perItem(items, rounds, () => JSON.parse(JSON.stringify({ batchId: root, root, signature, answers })).answers.forEach((a: unknown) => wireBatchAnswer.parse(a))),
    };
    // parseAnswer above also counts the operator's stringify; the operator's own share is measured alone below.
    const answerJson = perItem(items, rounds, () => JSON.stringify({ batchId: root, root, signature, answers }));
    aggregatorPerOperator.parseAnswer = Math.max(0, Math.round((aggregatorPerOperator.parseAnswer - answerJson) * 100) / 100);
    const taskMessage = JSON.stringify({ type: 'batch', batchId: root, tasks: wire });
    const operator = {
      parseTask: perItem(items, rounds, () => (JSON.parse(taskMessage).tasks as unknown[]).forEach((t) => wireTask.parse(t))),
      checkTaskId: perItem(items, rounds, () => batch.forEach(fastTaskId)),
      digest: aggregator.digest,
      root: perItem(items, rounds, () => computeBatchRoot(digests)),
      sign: perItem(items, rounds, () => signDigest(key, batchDigest)),
      journal: perItem(items, rounds, () => {
        // A new block per batch, as a burst's tasks are about recent blocks: the entries land at the key's end.
        const block = journalBlock++;
        const now = Date.now();
        journal.transaction(() => {
          for (const [i, id] of ids.entries()) journalEntry.run(31338, block, id, 3, '7', digests[i], signature, now, root);
        })();
      }),
      answerJson,
    };
    store.close();
    journal.close();

    const perOperator = sum(aggregatorPerOperator) + sum(operator);
    const byOperators: ProofFloor['byOperators'] = {};
    for (const n of options.operatorCounts ?? [4, 10]) {
      const cpuUs = Math.round((sum(aggregator) + n * perOperator) * 10) / 10;
      byOperators[n] = { cpuUs, ceilingPerSecond: Math.round((options.cores * 1e6) / cpuUs) };
    }
    return { batchSize: BATCH, aggregator, aggregatorPerOperator, operator, byOperators };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
