/**
 * The challenger's durable record: how far it has read the aggregator's proof feed, and every dispute it has started
 * with the stage it reached. A restarted challenger resumes each dispute from its stage, and every stage first checks
 * the chain for work already done, so nothing is submitted twice and no bond is lost to a crash.
 */
import type { Kysely } from 'kysely';
import type { Address, Hex } from 'viem';
import type { MigrationSet } from '../../../core/db/index.ts';

/**
 * Where a dispute is: found → challenged → verification requested → verified → (slashing, while signers of a proven-wrong
 * proof are still pending or their slashes failed) → resolved, or abandoned with a reason.
 */
export type DisputeStage = 'found' | 'challenged' | 'verifying' | 'verified' | 'slashing' | 'resolved' | 'abandoned';

/** A signer of a proven-wrong proof whose slash failed (retryable) or was skipped (the set can no longer slash it). */
export type SignerProblem = {
  operator: Address;
  state: 'failed' | 'skipped';
  /** Slash attempts made on chain. */
  attempts: number;
  /** The AllocationManager's revert, decoded (e.g. `CurrentlyPaused()`, `OperatorNotSlashable()`). */
  reason: string;
};

/** The resolver's slashing progress of a dispute's digest, as last read ("slashed k of n"). */
export type SlashingProgress = {
  /** Signers on record (n). */
  signers: number;
  /** Signers slashed (k). */
  slashed: number;
  failed: number;
  skipped: number;
  /** Signers not attempted yet (more than one call's worth). */
  pending: number;
  /** Reward paid for the digest so far, wei (decimal string). */
  rewardPaid: string;
  problems: SignerProblem[];
};

/** Table layout of the challenger's journal. */
export type ChallengerTables = {
  challenger_cursor: { id: string; cursor: string; updated_at: number };
  challenger_disputes: {
    challenge_id: string;
    task_id: string;
    chain_id: string;
    user: string;
    key: string;
    block_number: string;
    timestamp: string;
    epoch: number;
    claimed_value: string;
    claimed_exists: number;
    true_value: string;
    true_exists: number;
    sig_data: string;
    stage: DisputeStage;
    detail: string | null;
    created_at: number;
    updated_at: number;
    /** {@link SlashingProgress} as JSON, once the proof is proven wrong. */
    slashing: string | null;
    /** Retries of failed slashes sent so far (the backoff's exponent). */
    slash_attempts: number;
    /** Earliest time of the next retry, unix ms; null while none is scheduled. */
    next_slash_at: number | null;
  };
};

/** Migrations of the challenger's journal (one set for SQLite and Postgres). */
export const challengerMigrations: MigrationSet = {
  name: 'state_proofs_challenger',
  migrations: {
    '0001_cursor_and_disputes': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('challenger_cursor')
          .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
          .addColumn('cursor', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('challenger_disputes')
          .addColumn('challenge_id', 'varchar(66)', (c) => c.primaryKey())
          .addColumn('task_id', 'varchar(66)', (c) => c.notNull())
          .addColumn('chain_id', 'text', (c) => c.notNull())
          .addColumn('user', 'varchar(42)', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('block_number', 'text', (c) => c.notNull())
          .addColumn('timestamp', 'text', (c) => c.notNull())
          .addColumn('epoch', 'integer', (c) => c.notNull())
          .addColumn('claimed_value', 'text', (c) => c.notNull())
          .addColumn('claimed_exists', 'integer', (c) => c.notNull())
          .addColumn('true_value', 'text', (c) => c.notNull())
          .addColumn('true_exists', 'integer', (c) => c.notNull())
          .addColumn('sig_data', 'text', (c) => c.notNull())
          .addColumn('stage', 'varchar(16)', (c) => c.notNull())
          .addColumn('detail', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('challenger_disputes_stage').on('challenger_disputes').columns(['stage', 'created_at']).execute();
      },
    },
    '0002_slashing_progress': {
      async up(db: Kysely<any>) {
        await db.schema.alterTable('challenger_disputes').addColumn('slashing', 'text').execute();
        await db.schema.alterTable('challenger_disputes').addColumn('slash_attempts', 'integer', (c) => c.notNull().defaultTo(0)).execute();
        await db.schema.alterTable('challenger_disputes').addColumn('next_slash_at', 'bigint').execute();
      },
    },
  },
};

/** A dispute the challenger started: the wrong proof and the truth it read itself. */
export type Dispute = {
  /** = the task id: keccak256(abi.encodePacked(user, chainId, blockNumber, timestamp, key)). */
  challengeId: Hex;
  chainId: bigint;
  user: Address;
  key: bigint;
  blockNumber: bigint;
  /** Timestamp of the block, unix seconds. */
  timestamp: bigint;
  /** Reference epoch of the proof. */
  epoch: number;
  claimed: { value: bigint; exists: boolean };
  truth: { value: bigint; exists: boolean };
  /** The proof's `abi.encode(address[] operators, bytes[] signatures, uint32 referenceEpoch)`. */
  sigData: Hex;
  stage: DisputeStage;
  /** Why it was abandoned, or the last transaction hash. */
  detail: string | null;
  /** Slashing progress of the proven-wrong proof, as last read; null before. */
  slashing: SlashingProgress | null;
  /** Retries of failed slashes sent so far. */
  slashAttempts: number;
  /** Earliest time of the next retry of failed slashes, unix ms; null while none is scheduled. */
  nextSlashAt: number | null;
};

/** A dispute as first recorded (stage `found`, nothing slashed yet). */
export type NewDispute = Omit<Dispute, 'stage' | 'detail' | 'slashing' | 'slashAttempts' | 'nextSlashAt'>;

const FEED = 'proof-feed';

/** Reads and writes the challenger's journal. */
export class ChallengerJournal {
  constructor(private readonly db: Kysely<ChallengerTables>) {}

  /** The proof-feed cursor saved last, if any. */
  async cursor(): Promise<string | undefined> {
    const row = await this.db.selectFrom('challenger_cursor').select('cursor').where('id', '=', FEED).executeTakeFirst();
    return row?.cursor;
  }

  /** Saves the proof-feed cursor (after the page it ends has been handled). */
  async saveCursor(cursor: string, now = Date.now()): Promise<void> {
    await this.db
      .insertInto('challenger_cursor')
      .values({ id: FEED, cursor, updated_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ cursor, updated_at: now }))
      .execute();
  }

  /** Records a new dispute at stage `found`; a dispute already recorded is left as it is. Returns whether it was new. */
  async add(dispute: NewDispute, now = Date.now()): Promise<boolean> {
    const inserted = await this.db
      .insertInto('challenger_disputes')
      .values({
        challenge_id: dispute.challengeId.toLowerCase(),
        task_id: dispute.challengeId.toLowerCase(),
        chain_id: dispute.chainId.toString(),
        user: dispute.user.toLowerCase(),
        key: dispute.key.toString(),
        block_number: dispute.blockNumber.toString(),
        timestamp: dispute.timestamp.toString(),
        epoch: dispute.epoch,
        claimed_value: dispute.claimed.value.toString(),
        claimed_exists: dispute.claimed.exists ? 1 : 0,
        true_value: dispute.truth.value.toString(),
        true_exists: dispute.truth.exists ? 1 : 0,
        sig_data: dispute.sigData,
        stage: 'found',
        detail: null,
        created_at: now,
        updated_at: now,
        slashing: null,
        slash_attempts: 0,
        next_slash_at: null,
      })
      .onConflict((oc) => oc.column('challenge_id').doNothing())
      .returning('challenge_id')
      .execute();
    return inserted.length > 0;
  }

  /** Moves a dispute to `stage`, noting `detail` (a transaction hash or a reason). */
  async advance(challengeId: Hex, stage: DisputeStage, detail: string | null = null, now = Date.now()): Promise<void> {
    await this.db
      .updateTable('challenger_disputes')
      .set({ stage, detail, updated_at: now })
      .where('challenge_id', '=', challengeId.toLowerCase())
      .execute();
  }

  /** Records the slashing progress last read from the resolver. */
  async saveSlashing(challengeId: Hex, progress: SlashingProgress, now = Date.now()): Promise<void> {
    await this.db
      .updateTable('challenger_disputes')
      .set({ slashing: JSON.stringify(progress), updated_at: now })
      .where('challenge_id', '=', challengeId.toLowerCase())
      .execute();
  }

  /**
   * Records that retry number `attempts` of the failed slashes is due at `nextAt` (unix ms). Written before a retry is
   * sent, so a challenger that dies after sending waits out the backoff instead of sending again at once.
   */
  async scheduleSlashRetry(challengeId: Hex, attempts: number, nextAt: number, now = Date.now()): Promise<void> {
    await this.db
      .updateTable('challenger_disputes')
      .set({ slash_attempts: attempts, next_slash_at: nextAt, updated_at: now })
      .where('challenge_id', '=', challengeId.toLowerCase())
      .execute();
  }

  /** One dispute, or undefined. */
  async get(challengeId: Hex): Promise<Dispute | undefined> {
    const row = await this.db.selectFrom('challenger_disputes').selectAll().where('challenge_id', '=', challengeId.toLowerCase()).executeTakeFirst();
    return row ? toDispute(row) : undefined;
  }

  /** Disputes not yet resolved or abandoned, oldest first. */
  async open(): Promise<Dispute[]> {
    const rows = await this.db
      .selectFrom('challenger_disputes')
      .selectAll()
      .where('stage', 'not in', ['resolved', 'abandoned'])
      .orderBy('created_at')
      .orderBy('challenge_id')
      .execute();
    return rows.map(toDispute);
  }

  /** Every dispute, newest first (for status output). */
  async all(limit = 100): Promise<Dispute[]> {
    const rows = await this.db.selectFrom('challenger_disputes').selectAll().orderBy('created_at', 'desc').limit(limit).execute();
    return rows.map(toDispute);
  }
}

function toDispute(row: ChallengerTables['challenger_disputes']): Dispute {
  return {
    challengeId: row.challenge_id as Hex,
    chainId: BigInt(row.chain_id),
    user: row.user as Address,
    key: BigInt(row.key),
    blockNumber: BigInt(row.block_number),
    timestamp: BigInt(row.timestamp),
    epoch: Number(row.epoch),
    claimed: { value: BigInt(row.claimed_value), exists: Number(row.claimed_exists) === 1 },
    truth: { value: BigInt(row.true_value), exists: Number(row.true_exists) === 1 },
    sigData: row.sig_data as Hex,
    stage: row.stage,
    detail: row.detail,
    slashing: row.slashing ? (JSON.parse(row.slashing) as SlashingProgress) : null,
    slashAttempts: Number(row.slash_attempts ?? 0),
    nextSlashAt: row.next_slash_at === null || row.next_slash_at === undefined ? null : Number(row.next_slash_at),
  };
}

/** "slashed k of n", with what is pending and, per failed or skipped signer, its reason (for logs and status). */
export function formatSlashing(progress: SlashingProgress): string {
  const parts = [`slashed ${progress.slashed} of ${progress.signers}`];
  if (progress.pending > 0) parts.push(`${progress.pending} pending`);
  for (const p of progress.problems) {
    parts.push(`${p.operator} ${p.state}: ${p.reason}${p.state === 'failed' ? ` (${p.attempts} attempt${p.attempts === 1 ? '' : 's'})` : ''}`);
  }
  return parts.join('; ');
}
