/**
 * The rewards' read of the aggregator's task store (runtime/rewards/records.ts, epoch.ts) on SQLite and Postgres, over rows written by the
 * aggregator's own store.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type Address, type Hex, getAddress, keccak256, toHex } from 'viem';
import { encodeSigData } from '../../src/services/state-proofs/attestation.ts';
import { type NewStateProofTask as NewTask, type StateAnswerRecord, type StateProofStore, createStateProofStore } from '../../src/services/state-proofs/aggregator/store.ts';
import { computeEpochRewards } from '../../src/runtime/rewards/epoch.ts';
import { MissingWeightError } from '../../src/runtime/rewards/errors.ts';
import { type EpochProofCursor, type EpochRecordSource, listEpochProofs, readEpochRecords } from '../../src/runtime/rewards/records.ts';
import { decodeSigData } from '../../src/services/state-proofs/attestation.ts';
import { forEachDatabase } from '../helpers/db.ts';

const A = getAddress('0x000000000000000000000000000000000000000a');
const B = getAddress('0x000000000000000000000000000000000000000b');
const C = getAddress('0x000000000000000000000000000000000000000c');
const WEIGHT: Record<string, bigint> = { [A]: 10n ** 24n, [B]: 2n * 10n ** 24n, [C]: 3n * 10n ** 24n };
const SIGNATURE = `0x${'11'.repeat(65)}` as Hex;

function task(i: number, epoch: number): NewTask {
  return {
    taskId: keccak256(toHex(`rewards-task-${i}`)),
    query: { chainId: 31337n, user: '0x00000000000000000000000000000000000000aa', key: BigInt(i), blockNumber: 100n + BigInt(i), timestamp: 1_700_000_000n + BigInt(i) },
    referenceEpoch: epoch,
    thresholdWeight: 1n,
    createdAt: 1000 + i,
    deadlineAt: 60_000 + i,
  };
}

const digestOf = (t: NewTask, value = 5n) => keccak256(toHex(`${t.taskId}-${value}`));

function answer(t: NewTask, operator: Address, value = 5n): StateAnswerRecord {
  return {
    taskId: t.taskId,
    operator: operator.toLowerCase() as Address,
    signingKey: operator.toLowerCase() as Address,
    digest: digestOf(t, value),
    answer: { value, exists: true },
    referenceEpoch: t.referenceEpoch,
    signature: SIGNATURE,
    weight: WEIGHT[operator],
    receivedAt: 2000,
  };
}

/** Stores `t` answered by `signers`, aggregated with exactly those signers in sigData. */
async function aggregate(store: StateProofStore, t: NewTask, signers: Address[], now?: number): Promise<void> {
  await store.write({
    answers: signers.map((s) => answer(t, s)),
    completions: [
      {
        taskId: t.taskId,
        result: { value: 5n, exists: true },
        digest: digestOf(t),
        sigData: encodeSigData(signers.map((operator) => ({ operator, signature: SIGNATURE })), t.referenceEpoch),
        signerCount: signers.length,
        signedWeight: signers.reduce((sum, s) => sum + WEIGHT[s], 0n),
      },
    ],
  }, now);
}

/** The store as the rewards' record source, with the state-proof sigData decoding. */
const sourceOf = (store: StateProofStore): EpochRecordSource => ({ ...store, proofSigners: (sigData) => decodeSigData(sigData).operators });

forEachDatabase('rewards records', (fixture) => {
  it('reads an epoch: aggregated proofs with their sigData signers, late signers included, others left out', async () => {
    const database = await fixture.fresh();
    const store = await createStateProofStore(database);
    const [t1, t2, t3, t4, t5, other] = [task(1, 7), task(2, 7), task(3, 7), task(4, 7), task(5, 7), task(6, 8)];
    await store.insertTasks([t1, t2, t3, t4, t5, other]);

    // t1: A and B at the threshold, then C late (the proof is extended: C is in the stored sigData).
    await aggregate(store, t1, [A, B]);
    await store.write({
      answers: [answer(t1, C)],
      extensions: [
        {
          taskId: t1.taskId,
          digest: digestOf(t1),
          sigData: encodeSigData([A, B, C].map((operator) => ({ operator, signature: SIGNATURE })), 7),
          signerCount: 3,
          signedWeight: 6n * 10n ** 24n,
        },
      ],
    });
    // t2: A and B sign; C answered a different value (a dissenting answer is not the proof).
    await aggregate(store, t2, [A, B]);
    await store.write({ answers: [answer(t2, C, 6n)] });
    // t3: B alone; B's answer stored after the proof closed is not in sigData and not counted for A.
    await aggregate(store, t3, [B]);
    await store.write({ answers: [answer(t3, A)] });
    // t4: A and C sign, then C also signs a different answer (equivocation): C is not paid for t4.
    await aggregate(store, t4, [A, C]);
    const equivocation = answer(t4, C, 9n);
    await store.write({ conflicts: [equivocation] });
    // t5 fails, `other` belongs to epoch 8.
    await store.write({ answers: [answer(t5, A)], failures: [{ taskId: t5.taskId, reason: 'deadline', signedWeight: 1n }] });
    await aggregate(store, other, [A, B, C]);
    // An unfinished task of the epoch.
    const pending = task(9, 7);
    await store.insertTasks([pending]);

    assert.deepEqual(await store.countEpochTasks(7), { aggregated: 4, failed: 1, unfinished: 1 });
    assert.deepEqual(await store.countEpochTasks(8), { aggregated: 1, failed: 0, unfinished: 0 });
    assert.deepEqual(await store.countEpochTasks(9), { aggregated: 0, failed: 0, unfinished: 0 });

    const page = await listEpochProofs(sourceOf(store), 7, { limit: 10 });
    assert.equal(page.next, undefined);
    const byTask = new Map(page.proofs.map((p) => [p.taskId, p]));
    assert.deepEqual(
      page.proofs.map((p) => p.taskId).sort(),
      [t1, t2, t3, t4].map((t) => t.taskId.toLowerCase()).sort(),
    );
    assert.deepEqual(byTask.get(t1.taskId.toLowerCase() as Hex)?.signers, [A, B, C]);
    assert.deepEqual(byTask.get(t1.taskId.toLowerCase() as Hex)?.storedWeights, [WEIGHT[A], WEIGHT[B], WEIGHT[C]]);
    assert.deepEqual(byTask.get(t2.taskId.toLowerCase() as Hex)?.signers, [A, B]);
    assert.deepEqual(byTask.get(t3.taskId.toLowerCase() as Hex)?.signers, [B]);
    assert.deepEqual(byTask.get(t4.taskId.toLowerCase() as Hex)?.signers, [A]);
    assert.deepEqual(byTask.get(t4.taskId.toLowerCase() as Hex)?.equivocators, [C]);
    assert.equal(byTask.get(t1.taskId.toLowerCase() as Hex)?.digest, digestOf(t1));

    const records = await readEpochRecords(sourceOf(store), 7, { pageSize: 1 });
    assert.equal(records.tally.proofs, 4);
    assert.deepEqual([...records.tally.signedCounts()], [
      [A.toLowerCase(), 3],
      [B.toLowerCase(), 3],
      [C.toLowerCase(), 1],
    ]);
    assert.equal(records.equivocations, 1);
    assert.deepEqual(records.tasks, { aggregated: 4, failed: 1, unfinished: 1 });
    assert.deepEqual(
      [...records.storedWeights].sort(),
      [
        [A.toLowerCase(), WEIGHT[A]],
        [B.toLowerCase(), WEIGHT[B]],
        [C.toLowerCase(), WEIGHT[C]],
      ],
    );
  });

  it('pages through many proofs in the order they were aggregated, each once, ties by task id', async () => {
    const database = await fixture.fresh();
    const store = await createStateProofStore(database);
    const tasks = Array.from({ length: 37 }, (_, i) => task(100 + i, 2));
    await store.insertTasks(tasks);
    // Aggregated at five instants, so pages end inside a run of equal times.
    const aggregatedAt = (i: number) => 1_000 + ((i * 7) % 5);
    for (const [i, t] of tasks.entries()) await aggregate(store, t, i % 3 === 0 ? [A, B] : [A], aggregatedAt(i));
    const seen: Hex[] = [];
    let after: EpochProofCursor | undefined;
    let pages = 0;
    do {
      const page = await listEpochProofs(sourceOf(store), 2, { after, limit: 8 });
      seen.push(...page.proofs.map((p) => p.taskId));
      after = page.next;
      pages++;
    } while (after);
    assert.equal(pages, 5);
    const expected = tasks
      .map((t, i) => ({ id: t.taskId.toLowerCase(), at: aggregatedAt(i) }))
      .sort((x, y) => x.at - y.at || (x.id < y.id ? -1 : 1))
      .map((x) => x.id);
    assert.deepEqual(seen, expected);
    const records = await readEpochRecords(sourceOf(store), 2, { pageSize: 5 });
    assert.deepEqual([...records.tally.signedCounts()], [
      [A.toLowerCase(), 37],
      [B.toLowerCase(), 13],
    ]);
  });

  it('computes an epoch\'s rewards from stored or chain weights, and reports weights that disagree', async () => {
    const database = await fixture.fresh();
    const store = await createStateProofStore(database);
    const [t1, t2] = [task(1, 4), task(2, 4)];
    await store.insertTasks([t1, t2]);
    await aggregate(store, t1, [A, B]);
    await aggregate(store, t2, [B, C]);
    // Scores with stored weights (1, 2, 3 × 1e24): A 1, B 2×2 = 4, C 3 (total 8); budget 800.
    const stored = await computeEpochRewards({ source: sourceOf(store), epoch: 4, budget: 800n, weights: 'aggregator' });
    assert.equal(stored.weightSource, 'aggregator');
    assert.deepEqual(
      stored.split.shares.map((s) => [s.operator, s.proofsSigned, s.amount]),
      [
        [A, 1, 100n],
        [B, 2, 400n],
        [C, 1, 300n],
      ],
    );
    assert.deepEqual(stored.weightMismatches, []);

    // The registry says C has weight 1e24 at epoch 4: the registry's weight is used and the difference reported.
    const asked: string[][] = [];
    const fromChain = await computeEpochRewards({
      source: sourceOf(store),
      epoch: 4,
      budget: 600n,
      weights: async (operators, epoch) => {
        assert.equal(epoch, 4);
        asked.push([...operators]);
        return new Map(operators.map((o) => [o, o === C.toLowerCase() ? 10n ** 24n : WEIGHT[getAddress(o)]]));
      },
    });
    assert.deepEqual(asked, [[A.toLowerCase(), B.toLowerCase(), C.toLowerCase()]]);
    assert.equal(fromChain.weightSource, 'chain');
    assert.deepEqual(
      fromChain.split.shares.map((s) => s.amount),
      [100n, 400n, 100n],
    );
    assert.deepEqual(fromChain.weightMismatches, [{ operator: C, chain: 10n ** 24n, aggregator: 3n * 10n ** 24n }]);

    await assert.rejects(
      computeEpochRewards({ source: sourceOf(store), epoch: 4, budget: 1n, weights: async () => new Map([[A.toLowerCase(), 1n]]) }),
      MissingWeightError,
    );
    const empty = await computeEpochRewards({ source: sourceOf(store), epoch: 5, budget: 1n, weights: async () => assert.fail('no operators to ask about') });
    assert.equal(empty.split.distributed, 0n);
    assert.deepEqual(empty.tasks, { aggregated: 0, failed: 0, unfinished: 0 });
  });
});
