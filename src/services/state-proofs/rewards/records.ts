/**
 * The aggregator database's record of an epoch, as the rewards split needs it: the proofs aggregated with reference
 * epoch E and who signed each, read through Kysely (SQLite and Postgres alike) with read-only queries over the tables of
 * `aggregator/migrations.ts` (no schema of its own).
 *
 * A proof's signers are the operators in its `sigData` (late signers included, since extensions rewrite `sigData`) whose
 * stored answer has the proof's digest, as the API's `signers` (aggregator `getTask`). An operator that also gave a
 * conflicting answer to the same task (a row in `sp_signature_conflicts`) is left out of that proof: equivocating is
 * not paid.
 */
import type { Kysely } from 'kysely';
import { type Address, type Hex, getAddress } from 'viem';
import type { Database } from '../../../core/db/database.ts';
import { decodeSigData } from '../attestation.ts';
import type { AggregatorTables } from '../aggregator/migrations.ts';
import { type EpochProof, ProofTally } from '../../../runtime/rewards/split.ts';

/** One aggregated proof of the epoch with its rewarded signers. */
export type EpochProofRecord = EpochProof & {
  /** EIP-712 digest of the proof's attestation. */
  digest: Hex;
  /** Signers (checksummed, ascending), with the weight the aggregator stored for each (weight at the epoch). */
  signers: Address[];
  storedWeights: bigint[];
  /** Operators in `sigData` left out because they also signed a different answer to this task. */
  equivocators: Address[];
};

/** A page of {@link listEpochProofs}. */
export type EpochProofPage = {
  proofs: EpochProofRecord[];
  /** Pass as `after` for the next page; undefined when this was the last page. */
  next: Hex | undefined;
};

/** How many of the epoch's tasks are in each state. */
export type EpochTaskCounts = {
  aggregated: number;
  failed: number;
  /** Still `pending` or `signing`: the epoch's record is not final while this is above 0. */
  unfinished: number;
};

/** Everything the split needs from the database for one epoch. */
export type EpochRecords = {
  epoch: number;
  tasks: EpochTaskCounts;
  /** Who signed which of the epoch's proofs. */
  tally: ProofTally;
  /** Weight at the epoch the aggregator stored per signer (lowercase address → weight). */
  storedWeights: Map<string, bigint>;
  /** (task, operator) pairs left out for equivocation. */
  equivocations: number;
};

/** Default page size: task ids per query (the `in (...)` lists stay far below both engines' parameter limits). */
export const DEFAULT_PAGE_SIZE = 256;

function kyselyOf(database: Database<any>): Kysely<AggregatorTables> {
  return database.kysely as Kysely<AggregatorTables>;
}

/**
 * Counts the tasks created with reference epoch `epoch` by status.
 * @throws the database's error when the aggregator's tables do not exist (run its migrations first).
 */
export async function countEpochTasks(database: Database<any>, epoch: number): Promise<EpochTaskCounts> {
  const rows = await kyselyOf(database)
    .selectFrom('sp_tasks')
    .select(['status', (eb) => eb.fn.countAll<number | string | bigint>().as('n')])
    .where('reference_epoch', '=', epoch)
    .groupBy('status')
    .execute();
  const counts: EpochTaskCounts = { aggregated: 0, failed: 0, unfinished: 0 };
  for (const row of rows) {
    const n = Number(row.n);
    if (row.status === 'aggregated') counts.aggregated += n;
    else if (row.status === 'failed') counts.failed += n;
    else counts.unfinished += n;
  }
  return counts;
}

/**
 * One page of the proofs aggregated with reference epoch `epoch`, ascending by task id, strictly after `after`.
 * @param options.limit Page size (default {@link DEFAULT_PAGE_SIZE}).
 * @throws the database's error when the aggregator's tables do not exist.
 */
export async function listEpochProofs(
  database: Database<any>,
  epoch: number,
  options: { after?: Hex; limit?: number } = {},
): Promise<EpochProofPage> {
  const db = kyselyOf(database);
  const limit = options.limit ?? DEFAULT_PAGE_SIZE;
  let query = db
    .selectFrom('sp_tasks')
    .select(['task_id', 'digest', 'sig_data'])
    .where('reference_epoch', '=', epoch)
    .where('status', '=', 'aggregated');
  if (options.after) query = query.where('task_id', '>', options.after.toLowerCase());
  const tasks = await query.orderBy('task_id').limit(limit).execute();
  if (tasks.length === 0) return { proofs: [], next: undefined };

  const ids = tasks.map((t) => t.task_id);
  const [signatures, conflicts] = await Promise.all([
    db.selectFrom('sp_signatures').select(['task_id', 'operator', 'digest', 'weight']).where('task_id', 'in', ids).execute(),
    db.selectFrom('sp_signature_conflicts').select(['task_id', 'operator']).where('task_id', 'in', ids).execute(),
  ]);
  const answers = new Map<string, Map<string, { digest: string; weight: string }>>();
  for (const s of signatures) {
    let byOperator = answers.get(s.task_id);
    if (!byOperator) answers.set(s.task_id, (byOperator = new Map()));
    byOperator.set(s.operator.toLowerCase(), { digest: s.digest.toLowerCase(), weight: s.weight });
  }
  const conflicted = new Set(conflicts.map((c) => `${c.task_id}:${c.operator.toLowerCase()}`));

  const proofs = tasks.map((task): EpochProofRecord => {
    const digest = (task.digest ?? '').toLowerCase() as Hex;
    const byOperator = answers.get(task.task_id);
    const signers: Address[] = [];
    const storedWeights: bigint[] = [];
    const equivocators: Address[] = [];
    // sigData lists operators strictly ascending, so signers come out ascending too.
    const inProof = task.sig_data ? decodeSigData(task.sig_data as Hex).operators : [];
    for (const operator of inProof) {
      const op = operator.toLowerCase();
      const answer = byOperator?.get(op);
      if (!answer || answer.digest !== digest) continue;
      if (conflicted.has(`${task.task_id}:${op}`)) {
        equivocators.push(getAddress(op));
        continue;
      }
      signers.push(getAddress(op));
      storedWeights.push(BigInt(answer.weight));
    }
    return { taskId: task.task_id as Hex, digest, signers, storedWeights, equivocators };
  });
  return { proofs, next: tasks.length < limit ? undefined : (tasks[tasks.length - 1].task_id as Hex) };
}

/**
 * Reads epoch `epoch`'s whole record page by page into a {@link ProofTally} (memory grows with the number of
 * operators, not of proofs).
 * @param options.pageSize Task ids per query (default {@link DEFAULT_PAGE_SIZE}).
 * @throws the database's error when the aggregator's tables do not exist.
 */
export async function readEpochRecords(database: Database<any>, epoch: number, options: { pageSize?: number } = {}): Promise<EpochRecords> {
  const tasks = await countEpochTasks(database, epoch);
  const tally = new ProofTally();
  const storedWeights = new Map<string, bigint>();
  let equivocations = 0;
  let after: Hex | undefined;
  do {
    const page = await listEpochProofs(database, epoch, { after, limit: options.pageSize });
    for (const proof of page.proofs) {
      tally.add(proof);
      equivocations += proof.equivocators.length;
      proof.signers.forEach((s, i) => {
        const op = s.toLowerCase();
        if (!storedWeights.has(op)) storedWeights.set(op, proof.storedWeights[i]);
      });
    }
    after = page.next;
  } while (after);
  return { epoch, tasks, tally, storedWeights, equivocations };
}
