import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sql } from 'kysely';
import { type Address, type Hex, keccak256, toHex } from 'viem';
import { MissingProofHeadError } from '../../src/runtime/tasks/storeProofHeads.ts';
import { encodeBatchedSigData, encodeSigData } from '../../src/services/state-proofs/attestation.ts';
import { type NewStateProofTask, createStateProofStore } from '../../src/services/state-proofs/aggregator/store.ts';
import { forEachDatabase } from '../helpers/db.ts';

const USER = '0x00000000000000000000000000000000000000aa';
const OPERATORS: Address[] = ['0x000000000000000000000000000000000000000a', '0x000000000000000000000000000000000000000b', '0x000000000000000000000000000000000000000c'];
const SIGNATURES: Hex[] = OPERATORS.map((o) => `0x${o.slice(-2).repeat(65)}` as Hex);
const DIGEST = keccak256(toHex('digest'));

function task(i: number): NewStateProofTask {
  return {
    taskId: keccak256(toHex(`task-${i}`)),
    query: { chainId: 31337n, user: USER, key: BigInt(i), blockNumber: 10n, timestamp: 1_700_000_000n },
    referenceEpoch: 3,
    thresholdWeight: 10n,
    createdAt: 1000 + i,
    deadlineAt: 61_000 + i,
  };
}

/** Task `i`'s batched proof: a Merkle path of its own, signed by the first `signers` operators. */
function batchedProof(i: number, signers: number): Hex {
  const proof = Array.from({ length: 10 }, (_, level) => keccak256(toHex(`path-${i}-${level}`)));
  return encodeBatchedSigData({ operators: OPERATORS.slice(0, signers), signatures: SIGNATURES.slice(0, signers), referenceEpoch: 3, proof });
}

function completion(i: number, sigData: Hex, signerCount: number) {
  return { taskId: task(i).taskId, result: { value: BigInt(i), exists: true }, digest: DIGEST, sigData, signerCount, signedWeight: BigInt(signerCount) * 10n };
}

async function storedRows(database: { kysely: unknown }): Promise<{ task_id: string; sig_head: string | null; sig_data: string | null }[]> {
  const { rows } = await sql<{ task_id: string; sig_head: string | null; sig_data: string | null }>`
    select task_id, sig_head, sig_data from state_proofs_tasks order by task_id`.execute(database.kysely as never);
  return rows;
}

async function headCount(database: { kysely: unknown }): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`select count(*) as n from state_proofs_proof_heads`.execute(database.kysely as never);
  return Number(rows[0]!.n);
}

forEachDatabase('task store: proof heads stored once', (fixture) => {
  it('stores the shared head of a batch’s proofs once, and every read returns each proof whole', async () => {
    const database = await fixture.fresh();
    const store = await createStateProofStore(database);
    const ids = [1, 2, 3, 4].map((i) => task(i).taskId);
    await store.insertTasks([1, 2, 3, 4].map(task));
    const proofs = new Map([1, 2, 3, 4].map((i) => [task(i).taskId, batchedProof(i, 2)]));
    const written = await store.write({ completions: [1, 2, 3, 4].map((i) => completion(i, proofs.get(task(i).taskId)!, 2)) }, 5000);
    assert.equal(written.completed.length, 4);

    assert.equal(await headCount(database), 1);
    for (const row of await storedRows(database)) {
      const proof = proofs.get(row.task_id as Hex)!;
      assert.ok(row.sig_head, 'a batched proof names its head');
      // Only the Merkle path (its length word and ten words) stays in the task's row.
      assert.equal(row.sig_data, proof.slice(proof.length - 64 * 11));
    }

    // A fresh store has no head in memory: every read path goes to the table.
    const reader = await createStateProofStore(database);
    assert.equal((await reader.getTask(ids[0]!))?.sigData, proofs.get(ids[0]!));
    for (const t of await reader.getTasks(ids)) assert.equal(t.sigData, proofs.get(t.taskId));
    for (const t of await reader.listProofs({ limit: 10 })) assert.equal(t.sigData, proofs.get(t.taskId));
    for (const t of await reader.listEpochProofs(3, { limit: 10 })) assert.equal(t.sigData, proofs.get(t.taskId));
    const again = await reader.insertTasks([task(2)]);
    assert.equal(again[0]!.created, false);
    assert.equal(again[0]!.task.sigData, proofs.get(ids[1]!));
  });

  it('writes a new head when late signers extend a proof, and keeps the old one', async () => {
    const database = await fixture.fresh();
    const store = await createStateProofStore(database);
    await store.insertTasks([task(1), task(2)]);
    await store.write({ completions: [completion(1, batchedProof(1, 2), 2), completion(2, batchedProof(2, 2), 2)] }, 5000);
    const extended = await store.write({ extensions: [{ taskId: task(1).taskId, digest: DIGEST, sigData: batchedProof(1, 3), signerCount: 3, signedWeight: 30n }] }, 6000);
    assert.deepEqual(extended.extended, [task(1).taskId]);

    assert.equal(await headCount(database), 2);
    const reader = await createStateProofStore(database);
    assert.equal((await reader.getTask(task(1).taskId))?.sigData, batchedProof(1, 3));
    assert.equal((await reader.getTask(task(1).taskId))?.signerCount, 3);
    assert.equal((await reader.getTask(task(2).taskId))?.sigData, batchedProof(2, 2));
  });

  it('stores a single proof whole', async () => {
    const database = await fixture.fresh();
    const store = await createStateProofStore(database);
    await store.insertTasks([task(1)]);
    const single = encodeSigData(OPERATORS.map((operator, k) => ({ operator, signature: SIGNATURES[k]! })), 3);
    await store.write({ completions: [completion(1, single, 3)] }, 5000);

    assert.equal(await headCount(database), 0);
    assert.deepEqual(await storedRows(database), [{ task_id: task(1).taskId, sig_head: null, sig_data: single }]);
    assert.equal((await store.getTask(task(1).taskId))?.sigData, single);
  });

  it('refuses to read a proof whose head is missing, rather than return part of it', async () => {
    const database = await fixture.fresh();
    const store = await createStateProofStore(database);
    await store.insertTasks([task(1)]);
    await store.write({ completions: [completion(1, batchedProof(1, 2), 2)] }, 5000);
    await sql`delete from state_proofs_proof_heads`.execute(database.kysely as never);

    const reader = await createStateProofStore(database);
    await assert.rejects(reader.getTask(task(1).taskId), MissingProofHeadError);
  });
});
