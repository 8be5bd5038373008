/**
 * Proofs stored with their shared head once. Every task of a batch that the same operators signed has a proof that
 * starts with the same bytes (for a batched ECDSA proof: the tag, the operators, their signatures over the batch root and
 * the epoch: 2.0 kB of hex with 4 signers, 4.3 kB with 10) and ends with its own Merkle path (0.7 kB for a batch of
 * 1,024). Written whole, the head was copied into every task's row, most of a completed task's bytes: the store bench's
 * database held 4.1 kB per task with 4 operators and 6.2 kB with 10, and 1.9 kB with either once heads were shared.
 *
 * So a service's codec may say how long that head is ({@link TaskCodec.proofHeadLength}), and then:
 * - `<prefix>proof_heads` holds each distinct head once, keyed by `head_id`, the SHA-256 of its text (base64url):
 *   content-addressed, so two writers of one head write the same row and a stored head never changes;
 * - the task's `sig_head` names its head and `sig_data` holds only the hex digits that follow it.
 * A task with `sig_head` null (single proofs, tasks of codecs without heads, rows written before this table existed)
 * keeps its whole proof in `sig_data`. Reads put the two back together, so a task record's `sigData` is the proof
 * as it was encoded.
 */
import { createHash } from 'node:crypto';
import type { Kysely, Migration, Transaction } from 'kysely';
import { powerOfTwoChunks } from '../../core/db/chunks.ts';
import { taskTableNames } from './storeSchema.ts';
import type { TaskCodec } from './taskType.ts';

/** Row of `<prefix>proof_heads`. */
export interface ProofHeadRow {
  /** SHA-256 of `head` (its text), base64url. */
  head_id: string;
  /** The first characters of every proof that names it, `0x` included. */
  head: string;
}

/** A proof as stored: its head's id and text (none when stored whole) and the rest (`sig_data`). */
export type SplitProof = { head?: ProofHeadRow; rest: string };

/** Thrown when a task names a head that is not stored (the two are written in one transaction, so never expected). */
export class MissingProofHeadError extends Error {
  override name = 'MissingProofHeadError';
}

/** The proof-head table name for a (validated) task table prefix. */
export function proofHeadTableName(prefix: string): string {
  return `${prefix}proof_heads`;
}

/**
 * The migration that adds `<prefix>tasks.sig_head` and creates `<prefix>proof_heads`; to follow the migrations that
 * create the engine's tables in a service's migration set. Proofs already stored stay whole and read as before.
 */
export function proofHeadsMigration(prefix: string): Migration {
  const { tasks } = taskTableNames(prefix);
  const heads = proofHeadTableName(prefix);
  return {
    async up(db: Kysely<any>) {
      await db.schema.createTable(heads).addColumn('head_id', 'text', (c) => c.primaryKey()).addColumn('head', 'text', (c) => c.notNull()).execute();
      await db.schema.alterTable(tasks).addColumn('sig_head', 'text').execute();
    },
  };
}

/** Heads remembered by id (their text): an immutable fact, so a cache never goes stale. */
const CACHE_SIZE = 1_024;
/**
 * Heads last written, with their ids: a write batch's proofs share a few heads, and comparing a head with these
 * (length first, then text: 0.4 µs for 2 kB of hex) costs far less than hashing it or using it as a map key (3–4 µs).
 */
const RECENT_HEADS = 16;

/** Largest `in (...)` list and multi-row INSERT. */
const CHUNK = 256;

/** Splits proofs for writing and joins them on reading, for one store. */
export type ProofHeads = {
  /** `sigData` as stored: split at the codec's head length when it has one. */
  split(sigData: string): SplitProof;
  /** Inserts `heads` in `trx` (each distinct id once; heads already stored are kept). */
  insert(trx: Transaction<any>, heads: Iterable<ProofHeadRow>): Promise<void>;
  /**
   * Puts every row's proof back together in place (`sig_data` = head + rest, `sig_head` cleared), reading the heads it
   * does not hold in memory from `db`.
   * @throws {MissingProofHeadError} when a row names a head that is not stored.
   */
  join<R extends { sig_head?: string | null; sig_data: string | null }>(db: Kysely<any>, rows: R[]): Promise<R[]>;
};

/** The {@link ProofHeads} of the store under `prefix`, splitting where `codec` says. */
export function proofHeads(prefix: string, codec: Pick<TaskCodec<unknown, unknown>, 'proofHeadLength'>): ProofHeads {
  const table = proofHeadTableName(prefix);
  const recent: ProofHeadRow[] = [];
  const headOfId = new Map<string, string>();
  const remember = (id: string, head: string): void => {
    if (headOfId.size >= CACHE_SIZE) headOfId.delete(headOfId.keys().next().value as string);
    headOfId.set(id, head);
  };

  return {
    split(sigData) {
      const length = codec.proofHeadLength?.(sigData as `0x${string}`) ?? 0;
      // A head must leave something after it and be whole hex digits; anything else is stored whole.
      if (!Number.isInteger(length) || length <= 2 || length >= sigData.length || length % 2 !== 0) return { rest: sigData };
      const rest = sigData.slice(length);
      const sliced = sigData.slice(0, length);
      for (const known of recent) if (known.head.length === length && known.head === sliced) return { head: known, rest };
      // Flattened, so the cache does not hold the whole proof the head was sliced from.
      const head = Buffer.from(sliced, 'latin1').toString('latin1');
      const known = { head_id: createHash('sha256').update(head).digest('base64url'), head };
      recent.unshift(known);
      if (recent.length > RECENT_HEADS) recent.pop();
      remember(known.head_id, head);
      return { head: known, rest };
    },

    async insert(trx, heads) {
      const distinct = new Map<string, ProofHeadRow>();
      for (const h of heads) distinct.set(h.head_id, h);
      for (const part of powerOfTwoChunks([...distinct.values()], CHUNK)) {
        await trx.insertInto(table).values(part).onConflict((oc) => oc.column('head_id').doNothing()).execute();
      }
    },

    async join(db, rows) {
      // Heads this call needs, held here: the cache may drop one while a long read is filled in.
      const heads = new Map<string, string>();
      const missing: string[] = [];
      for (const row of rows) {
        if (!row.sig_head || heads.has(row.sig_head)) continue;
        const cached = headOfId.get(row.sig_head);
        if (cached === undefined) missing.push(row.sig_head);
        heads.set(row.sig_head, cached as string);
      }
      for (const part of powerOfTwoChunks(missing, CHUNK)) {
        const found = (await db.selectFrom(table).select(['head_id', 'head']).where('head_id', 'in', part).execute()) as ProofHeadRow[];
        for (const h of found) {
          heads.set(h.head_id, h.head);
          remember(h.head_id, h.head);
        }
      }
      for (const row of rows) {
        if (!row.sig_head) continue;
        const head = heads.get(row.sig_head);
        if (head === undefined || row.sig_data === null) throw new MissingProofHeadError(`proof head ${row.sig_head} is not stored in ${table}`);
        row.sig_data = head + row.sig_data;
        row.sig_head = null;
      }
      return rows;
    },
  };
}
