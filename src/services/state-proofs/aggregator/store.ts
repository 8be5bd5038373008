/**
 * The state-proofs aggregator's task store: the runtime task engine's store over the `state_proofs_` tables, with
 * state queries and `(value, exists)` answers ({@link stateProofCodec}). See `runtime/tasks/store.ts` for the state
 * machine, the guarded transitions and the replicas' leases.
 */
import type { Database } from '../../../core/db/database.ts';
import { type TaskStore, createTaskStore } from '../../../runtime/tasks/store.ts';
import type { AnswerRecord, NewTask, TaskRecord } from '../../../runtime/tasks/types.ts';
import type { StateQuery } from '../attestation.ts';
import { STATE_PROOFS_TABLE_PREFIX, aggregatorMigrations } from './migrations.ts';
import { type StateAnswer, stateProofCodec } from './taskType.ts';

/** The store of state-proof tasks. */
export type StateProofStore = TaskStore<StateQuery, StateAnswer>;
/** A stored state-proof task. */
export type StateProofTaskRecord = TaskRecord<StateQuery, StateAnswer>;
/** A new state-proof task. */
export type NewStateProofTask = NewTask<StateQuery>;
/** An operator's stored answer to a state-proof task. */
export type StateAnswerRecord = AnswerRecord<StateAnswer>;

/**
 * Page size in bytes for a new SQLite file of the aggregator (`openDatabase`'s `sqlitePageSize`). A proof's row holds
 * its batched sigData, about 2.5 kB of hex with 4 signers, and the engine writes those rows 256 at a time: on 16 kB
 * pages its writes took 10–15 % less CPU per proof than on SQLite's default 4 kB (`npm run bench -- engine`, 4 and 10
 * operators, interleaved runs). The operators' journals, small rows at random keys, stay on the default.
 */
export const STATE_PROOFS_SQLITE_PAGE_SIZE = 16_384;

/** Options of {@link createStateProofStore}: the replica's id and lease (see `TaskStoreOptions`). */
export type StateProofStoreOptions = { replicaId?: string; leaseMs?: number };

/**
 * Runs the aggregator's migrations on `database` and returns the state-proof task store over it.
 * @throws {MigrationError} when the schema cannot be brought up to date; {@link TaskStoreOptionError} for bad options.
 */
export function createStateProofStore(database: Database<any>, options: StateProofStoreOptions = {}): Promise<StateProofStore> {
  return createTaskStore(database, { ...options, prefix: STATE_PROOFS_TABLE_PREFIX, migrations: aggregatorMigrations, codec: stateProofCodec });
}

export { TaskStoreOptionError } from '../../../runtime/tasks/store.ts';
