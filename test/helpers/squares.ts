/**
 * A toy service for the task engine's tests: a task asks the square of `n`; the digest binds the task, the answer and
 * the epoch; a proof is `abi.encode(signers, signatures, epoch)`, or with the Merkle path appended when its signers
 * signed a batch root. Three operators of weights 10, 20 and 30 and a threshold of 40 at {@link SQUARES_EPOCH}.
 */
import { type Address, type Hex, decodeAbiParameters, encodeAbiParameters, keccak256, toHex } from 'viem';
import { signingKeyFromPrivateKey } from '../../src/core/crypto/ecdsa.ts';
import { buildOperatorSetSnapshot } from '../../src/runtime/operatorSet.ts';
import type { Database } from '../../src/core/db/database.ts';
import { type TaskStore, createTaskStore } from '../../src/runtime/tasks/store.ts';
import { batchLeavesByTaskTimeMigration, createBatchAnswerTablesMigration } from '../../src/runtime/tasks/storeBatchAnswers.ts';
import { createTaskTablesMigration, epochIndexByAggregationMigration, partialTaskIndexesMigration } from '../../src/runtime/tasks/storeSchema.ts';
import { proofHeadsMigration } from '../../src/runtime/tasks/storeProofHeads.ts';
import type { TaskCodec, TaskType } from '../../src/runtime/tasks/taskType.ts';

export type SquaresQuery = { n: bigint };
export type SquaresAnswer = { square: bigint };
export type SquaresWireTask = { taskId: Hex; n: string; referenceEpoch: number };
export type SquaresWireAnswer = { taskId: Hex; square: string; referenceEpoch: number; signature: Hex };

/** The single proof form; the batched form appends `bytes32[] proof`. */
export const SQUARES_PROOF = [{ type: 'address[]' }, { type: 'bytes[]' }, { type: 'uint32' }] as const;
export const SQUARES_BATCHED_PROOF = [...SQUARES_PROOF, { type: 'bytes32[]' }] as const;

/** The toy task type (batchable). */
export const squares: TaskType<SquaresQuery, SquaresAnswer, SquaresWireTask, SquaresWireAnswer> = {
  name: 'squares',
  batchable: true,
  codec: {
    encodeQuery: (q) => JSON.stringify({ n: q.n.toString() }),
    decodeQuery: (text) => ({ n: BigInt(JSON.parse(text).n) }),
    encodeAnswer: (a) => JSON.stringify({ square: a.square.toString() }),
    decodeAnswer: (text) => ({ square: BigInt(JSON.parse(text).square) }),
    // The batched form has four head words (its first offset is 0x80): the head ends where its proof, the last, starts.
    proofHeadLength: (sigData) =>
      sigData.length > 2 + 64 * 5 && BigInt(`0x${sigData.slice(2, 66)}`) === 0x80n ? 2 + 2 * Number.parseInt(sigData.slice(2 + 64 * 3, 2 + 64 * 4), 16) : 0,
  },
  wireTask: (record) => ({ taskId: record.taskId, n: record.query.n.toString(), referenceEpoch: record.referenceEpoch }),
  readAnswer: (wire) => (/^[0-9]{1,40}$/.test(wire.square) ? { answer: { square: BigInt(wire.square) } } : { rejected: 'square is not a decimal number' }),
  answerKey: (a) => a.square.toString(),
  digest: (q, a, epoch) => keccak256(encodeAbiParameters([{ type: 'uint256' }, { type: 'uint256' }, { type: 'uint32' }], [q.n, a.square, epoch])),
  encodeProof: (signers, epoch, context) => {
    const sorted = [...signers].sort((x, y) => (BigInt(x.operator) < BigInt(y.operator) ? -1 : 1));
    const ops = sorted.map((s) => s.operator);
    const sigs = sorted.map((s) => s.signature);
    return context.batch
      ? encodeAbiParameters(SQUARES_BATCHED_PROOF, [ops, sigs, epoch, [...context.batch.proof]])
      : encodeAbiParameters(SQUARES_PROOF, [ops, sigs, epoch]);
  },
  // The batched form starts with the same three words.
  proofSigners: (sigData) => decodeAbiParameters(SQUARES_PROOF, sigData)[0],
};

export const SQUARES_EPOCH = 2;

/** The toy service's three operators (weights 10, 20, 30), their keys derived from `seed`. */
export function squaresOperators(seed: string, firstByte: number) {
  return [10n, 20n, 30n].map((weight, i) => ({
    operator: `0x${(firstByte + i).toString(16).padStart(40, '0')}` as Address,
    key: signingKeyFromPrivateKey(keccak256(toHex(`${seed}-${i}`))),
    weight,
  }));
}

/** The operator set of `operators` at {@link SQUARES_EPOCH}, threshold 40. */
export function squaresSnapshot(operators: ReturnType<typeof squaresOperators>) {
  return buildOperatorSetSnapshot(
    SQUARES_EPOCH,
    operators.map((o) => ({ operator: o.operator, signingKey: o.key.address, weight: o.weight })),
    { thresholdWeight: 40n },
  );
}

/**
 * The task store of a toy service (`squares`, or another codec) under its own table prefix, migrated as a service's
 * own migration set would be: the engine's tables, the batch-answer tables, the partial task indexes.
 */
export function toyTaskStore<Q, A>(database: Database<any>, prefix: string, codec: TaskCodec<Q, A>): Promise<TaskStore<Q, A>> {
  const name = prefix.replace(/_$/, '');
  return createTaskStore(database, {
    prefix,
    migrations: {
      name,
      migrations: {
        '0001_tasks': createTaskTablesMigration(prefix),
        '0002_batch_answers': createBatchAnswerTablesMigration(prefix),
        '0003_partial_task_indexes': partialTaskIndexesMigration(prefix),
        '0004_epoch_index_by_aggregation': epochIndexByAggregationMigration(prefix),
        '0005_batch_leaves_by_task_time': batchLeavesByTaskTimeMigration(prefix),
        '0006_proof_heads': proofHeadsMigration(prefix),
      },
    },
    codec,
  });
}
