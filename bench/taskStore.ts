/**
 * CPU per task of the aggregator's task store (SQLite, in this process, so its CPU time is all of SQLite's work), over
 * the writes of one task's life as the engine makes them: the insert, pending → signing, the completion with the
 * answers of all operators but one, then the last operator's answer extending the proof. Tasks come in batches of
 * `batchSize`, as the dispatcher forms them, into a database that already holds `warmTasks` finished ones (random task
 * ids make every index insert land anywhere, so cost grows with the table).
 *
 * Answers are stored two ways: each signed on its own (one `<prefix>answers` row per task and operator), and signed in
 * a batch (one `<prefix>batch_leaves` row per task and root, one `<prefix>batch_signatures` row per root and operator).
 * The proofs written are real sigData: batched (one head per root and signer set, a 10-node path per task) or single,
 * with the answers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { type Hex, keccak256, toHex } from 'viem';
import { openDatabase } from '../src/core/db/database.ts';
import { encodeBatchedAnswerSignature } from '../src/runtime/tasks/batchSignature.ts';
import { encodeBatchedSigData, encodeSigData } from '../src/services/state-proofs/attestation.ts';
import { type NewStateProofTask, STATE_PROOFS_SQLITE_PAGE_SIZE, type StateAnswerRecord, createStateProofStore } from '../src/services/state-proofs/aggregator/store.ts';

/**
 * CPU µs per task, by write, and in all; `bytesPerTask`: the database file's size at the end (every page, after a WAL
 * checkpoint) over every task it holds, history included.
 */
export type TaskStoreCost = { total: number; insert: number; signing: number; completion: number; extension: number; bytesPerTask: number };

/** Figures by answer storage and operator count. */
export type TaskStoreResult = { tasks: number; batchSize: number; byOperators: Record<number, { single: TaskStoreCost; batched: TaskStoreCost }> };

/** Options of {@link measureTaskStore}. */
export type TaskStoreOptions = { operators?: readonly number[]; tasks?: number; batchSize?: number; warmTasks?: number };

/**
 * CPU per task of the batched form with 4 operators in a database that already holds `warmTasks` finished tasks (an
 * aggregator's history: the cost of index entries at random keys grows with it).
 */
export async function measureTaskStoreWithHistory(warmTasks: number): Promise<TaskStoreCost> {
  return measureOne({ operators: 4, tasks: 20_480, batchSize: 1_024, warmTasks, batched: true });
}

/** Measures every operator count, each storage form on a fresh SQLite file. */
export async function measureTaskStore(options: TaskStoreOptions = {}): Promise<TaskStoreResult> {
  const tasks = options.tasks ?? 20_480;
  const batchSize = options.batchSize ?? 1_024;
  const warmTasks = options.warmTasks ?? 10_240;
  const byOperators: TaskStoreResult['byOperators'] = {};
  for (const n of options.operators ?? [4, 10]) {
    byOperators[n] = {
      single: await measureOne({ operators: n, tasks, batchSize, warmTasks, batched: false }),
      batched: await measureOne({ operators: n, tasks, batchSize, warmTasks, batched: true }),
    };
  }
  return { tasks, batchSize, byOperators };
}

async function measureOne(o: { operators: number; tasks: number; batchSize: number; warmTasks: number; batched: boolean }): Promise<TaskStoreCost> {
  const dir = mkdtempSync(join(tmpdir(), 'avs-bench-store-'));
  const database = await openDatabase({ sqlitePath: join(dir, 'tasks.sqlite') , sqlitePageSize: STATE_PROOFS_SQLITE_PAGE_SIZE });
  try {
    const store = await createStateProofStore(database);
    const operators = Array.from({ length: o.operators }, (_, i) => `0x${(i + 1).toString(16).padStart(40, '0')}` as Hex);
    const signatures = operators.map((_, k) => `0x${(k + 1).toString(16).padStart(2, '0').repeat(64)}1b` as Hex);
    const cpu = { insert: 0, signing: 0, completion: 0, extension: 0 };
    const timed = async (key: keyof typeof cpu | undefined, write: () => Promise<unknown>) => {
      const start = process.cpuUsage();
      await write();
      const used = process.cpuUsage(start);
      if (key) cpu[key] += used.user + used.system;
    };
    let next = 0;
    for (let done = 0; done < o.warmTasks + o.tasks; done += o.batchSize) {
      const measured = done >= o.warmTasks;
      const batch: NewStateProofTask[] = Array.from({ length: o.batchSize }, () => {
        const i = next++;
        return {
          taskId: keccak256(toHex(`bench task ${i}`)),
          query: { chainId: 31338n, user: operators[0]!, key: BigInt(i), blockNumber: 61n, timestamp: 1_796_527_222n },
          referenceEpoch: 1,
          thresholdWeight: 10n ** 18n,
          createdAt: Date.now(),
          deadlineAt: Date.now() + 60_000,
        };
      });
      const root = keccak256(toHex(`bench root ${done}`));
      const digests = batch.map((t) => keccak256(t.taskId));
      const answersOf = (operator: Hex): StateAnswerRecord[] =>
        batch.map((t, i) => ({
          taskId: t.taskId,
          operator,
          signingKey: operator,
          digest: digests[i]!,
          answer: { value: 123_456_789n, exists: true },
          referenceEpoch: 1,
          signature: o.batched ? encodeBatchedAnswerSignature(`0x${'ab'.repeat(65)}`, root) : `0x${'ab'.repeat(65)}`,
          weight: 10n ** 18n,
          receivedAt: Date.now(),
        }));
      const early = operators.slice(0, -1).flatMap(answersOf);
      const late = answersOf(operators.at(-1)!);
      const paths = digests.map((d) => Array.from({ length: 10 }, (_, level) => keccak256(`${d}${level.toString(16).padStart(2, '0')}`)));
      const sigDataOf = (i: number, signerCount: number): Hex => {
        const signers = operators.slice(0, signerCount);
        const sigs = signatures.slice(0, signerCount);
        return o.batched
          ? encodeBatchedSigData({ operators: signers, signatures: sigs, referenceEpoch: 1, proof: paths[i]! })
          : encodeSigData(signers.map((operator, k) => ({ operator, signature: sigs[k]! })), 1);
      };
      const proof = (i: number, signerCount: number) => ({
        taskId: batch[i]!.taskId,
        digest: digests[i]!,
        sigData: sigDataOf(i, signerCount),
        signerCount,
        signedWeight: BigInt(signerCount),
      });
      await timed(measured ? 'insert' : undefined, () => store.insertTasks(batch));
      await timed(measured ? 'signing' : undefined, () => store.write({ signing: batch.map((t) => t.taskId) }));
      const completions = batch.map((_, i) => ({ ...proof(i, o.operators - 1), result: { value: 123_456_789n, exists: true } }));
      await timed(measured ? 'completion' : undefined, () => store.write({ answers: early, completions }));
      const extensions = batch.map((_, i) => proof(i, o.operators));
      await timed(measured ? 'extension' : undefined, () => store.write({ answers: late, extensions }));
    }
    const per = (us: number) => Math.round((us / o.tasks) * 10) / 10;
    const cost = { insert: per(cpu.insert), signing: per(cpu.signing), completion: per(cpu.completion), extension: per(cpu.extension) };
    const db = database.kysely as Kysely<any>;
    await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db);
    const { rows } = await sql<{ bytes: number }>`select page_count * page_size as bytes from pragma_page_count(), pragma_page_size()`.execute(db);
    const bytesPerTask = Math.round(Number(rows[0]!.bytes) / (o.warmTasks + o.tasks));
    return { total: Math.round((cost.insert + cost.signing + cost.completion + cost.extension) * 10) / 10, ...cost, bytesPerTask };
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
