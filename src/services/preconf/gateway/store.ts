/**
 * The preconf gateway's database: every preconfirmation it signed (`preconf_gateway_preconfs`), one row per
 * (chainId, slot, txHash), with its signature and the raw transaction. The row is the gateway's word: once written it
 * is what the gateway answers for that key, across restarts and replicas, so it never signs two different things for
 * one transaction in one slot. One migration set for SQLite and Postgres (conventions in `core/db/migrations.ts`).
 */
import type { Kysely, Migration } from 'kysely';
import type { Address, Hex } from 'viem';
import type { Database } from '../../../core/db/database.ts';
import { type MigrationSet, migrateToLatest } from '../../../core/db/migrations.ts';
import type { Preconfirmation } from '../preconfirmation.ts';

/** A preconfirmation the gateway signed. */
export type StoredPreconf = {
  /** The EIP-712 digest signed; the preconfirmation's id. */
  digest: Hex;
  preconfirmation: Preconfirmation;
  /** The registry domain it is signed in. */
  registry: Address;
  registryChainId: number;
  /** The delegate key that signed. */
  signer: Address;
  /** 65 bytes r ‖ s ‖ v. */
  signature: Hex;
  /** The signed transaction as the client sent it (keccak256 of it is preconfirmation.txHash). */
  signedTransaction: Hex;
  /** When it was signed, unix ms. */
  createdAt: number;
};

/** Filters of {@link PreconfStore.list}. */
export type PreconfListFilter = { fromSlot?: bigint; toSlot?: bigint; limit: number };

/** The preconfirmations the gateway signed. */
export type PreconfStore = {
  /**
   * Stores `record` unless a preconfirmation for its (chainId, slot, txHash) exists.
   * @returns the stored preconfirmation for that key and whether it is `record` (`created`) or an earlier one.
   */
  insert(record: StoredPreconf): Promise<{ record: StoredPreconf; created: boolean }>;
  /** The preconfirmation for (chainId, slot, txHash), if one was signed. */
  get(chainId: bigint, slot: bigint, txHash: Hex): Promise<StoredPreconf | undefined>;
  /** The preconfirmation with this digest (any case), if any. */
  getByDigest(digest: Hex): Promise<StoredPreconf | undefined>;
  /** Preconfirmations with fromSlot ≤ slot ≤ toSlot (bounds optional), highest slot first, newest first within a slot. */
  list(filter: PreconfListFilter): Promise<StoredPreconf[]>;
};

/** The gateway's table. */
export const PRECONF_TABLE = 'preconf_gateway_preconfs';

type PreconfsTable = {
  chain_id: string;
  /** Zero-padded to 20 digits (uint64 max has 20), so text order is numeric order on both engines. */
  slot: string;
  tx_hash: string;
  bls_pub_key_hash: string;
  digest: string;
  registry: string;
  registry_chain_id: number;
  signer: string;
  signature: string;
  raw_transaction: string;
  created_at: number;
};
type Tables = { preconf_gateway_preconfs: PreconfsTable };

const preconfs: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable(PRECONF_TABLE)
      .addColumn('chain_id', 'text', (c) => c.notNull())
      .addColumn('slot', 'text', (c) => c.notNull())
      .addColumn('tx_hash', 'text', (c) => c.notNull())
      .addColumn('bls_pub_key_hash', 'text', (c) => c.notNull())
      .addColumn('digest', 'text', (c) => c.notNull().unique())
      .addColumn('registry', 'text', (c) => c.notNull())
      .addColumn('registry_chain_id', 'bigint', (c) => c.notNull())
      .addColumn('signer', 'text', (c) => c.notNull())
      .addColumn('signature', 'text', (c) => c.notNull())
      .addColumn('raw_transaction', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('preconf_gateway_preconfs_pk', ['chain_id', 'slot', 'tx_hash'])
      .execute();
    await db.schema.createIndex('preconf_gateway_preconfs_slot').on(PRECONF_TABLE).columns(['slot', 'created_at']).execute();
  },
};

/** The preconf gateway's migrations. */
export const preconfGatewayMigrations: MigrationSet = { name: 'preconf_gateway', migrations: { '0001_preconfs': preconfs } };

const slotKey = (slot: bigint) => slot.toString().padStart(20, '0');

function toRow(r: StoredPreconf): PreconfsTable {
  const p = r.preconfirmation;
  return {
    chain_id: p.chainId.toString(),
    slot: slotKey(p.slot),
    tx_hash: p.txHash.toLowerCase(),
    bls_pub_key_hash: p.blsPubKeyHash.toLowerCase(),
    digest: r.digest.toLowerCase(),
    registry: r.registry,
    registry_chain_id: r.registryChainId,
    signer: r.signer,
    signature: r.signature.toLowerCase(),
    raw_transaction: r.signedTransaction.toLowerCase(),
    created_at: r.createdAt,
  };
}

function fromRow(row: PreconfsTable): StoredPreconf {
  return {
    digest: row.digest as Hex,
    preconfirmation: { chainId: BigInt(row.chain_id), slot: BigInt(row.slot), txHash: row.tx_hash as Hex, blsPubKeyHash: row.bls_pub_key_hash as Hex },
    registry: row.registry as Address,
    registryChainId: Number(row.registry_chain_id),
    signer: row.signer as Address,
    signature: row.signature as Hex,
    signedTransaction: row.raw_transaction as Hex,
    createdAt: Number(row.created_at),
  };
}

/**
 * Runs the gateway's migrations on `database` and returns its store.
 * @throws {MigrationError} when the schema cannot be brought up to date.
 */
export async function createPreconfStore(database: Database<any>): Promise<PreconfStore> {
  await migrateToLatest(database, preconfGatewayMigrations);
  const db = database.kysely as Kysely<Tables>;
  const get = async (chainId: bigint, slot: bigint, txHash: Hex) => {
    const row = await db
      .selectFrom(PRECONF_TABLE)
      .selectAll()
      .where('chain_id', '=', chainId.toString())
      .where('slot', '=', slotKey(slot))
      .where('tx_hash', '=', txHash.toLowerCase())
      .executeTakeFirst();
    return row ? fromRow(row) : undefined;
  };
  return {
    get,
    async insert(record) {
      // Whoever inserts first (another request, another replica) wins; everyone answers with the row that won.
      const result = await db.insertInto(PRECONF_TABLE).values(toRow(record)).onConflict((oc) => oc.doNothing()).executeTakeFirst();
      const created = Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
      const p = record.preconfirmation;
      const stored = await get(p.chainId, p.slot, p.txHash);
      if (!stored) throw new Error(`preconfirmation ${record.digest} was neither stored nor found under its slot and transaction`);
      return { record: stored, created };
    },
    async getByDigest(digest) {
      const row = await db.selectFrom(PRECONF_TABLE).selectAll().where('digest', '=', digest.toLowerCase()).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },
    async list({ fromSlot, toSlot, limit }) {
      let query = db.selectFrom(PRECONF_TABLE).selectAll();
      if (fromSlot !== undefined) query = query.where('slot', '>=', slotKey(fromSlot));
      if (toSlot !== undefined) query = query.where('slot', '<=', slotKey(toSlot));
      const rows = await query.orderBy('slot', 'desc').orderBy('created_at', 'desc').orderBy('digest').limit(limit).execute();
      return rows.map(fromRow);
    },
  };
}
