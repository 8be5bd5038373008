/**
 * Multi-row UPDATEs on a hot path: `UPDATE <table> SET ... FROM (VALUES ...) AS v WHERE <table>.<key> = v.column1 AND
 * <guard> RETURNING <table>.<key>`, one statement that sets a different value per row. Built with Kysely's `sql`
 * template on every call, the statement costs about 1.5 µs per value to build and compile, as much as SQLite then
 * spends executing it; a bulk update is compiled once per row count and only binds fresh values after.
 *
 * The VALUES columns are named `column1`, `column2`, ... in both SQLite and Postgres; the key is `column1`. Postgres
 * types VALUES parameters as text, so SET and guard expressions cast where a column is not text.
 */
import { CompiledQuery, type Kysely, type RawBuilder, sql } from 'kysely';
import { powerOfTwoChunks } from './chunks.ts';

/** Thrown for bad options, or when Kysely's compiled statement binds values this module cannot place. */
export class BulkUpdateError extends Error {
  override name = 'BulkUpdateError';
}

/** Options of {@link bulkUpdate}. */
export type BulkUpdateOptions = {
  /** Table to update. */
  table: string;
  /** Its key column, matched against each row's first value (`v.column1`). */
  key: string;
  /** Values per row, the key first (at least 1). */
  width: number;
  /** Number of statement arguments: values bound once per call, the same for every row (a timestamp, a replica id). */
  args: number;
  /** The SET list. `arg(i)` stands for statement argument i; a row's values are `v.column1` ... `v.column<width>`. */
  set: (arg: (i: number) => RawBuilder<unknown>) => RawBuilder<unknown>;
  /** A further condition on the row to update, ANDed with the key match (e.g. its expected status). */
  guard: (arg: (i: number) => RawBuilder<unknown>) => RawBuilder<unknown>;
  /** Largest number of rows per statement, a power of two (default 256). */
  maxRows?: number;
};

/**
 * Updates rows (each `width` values, its key first) with statements of power-of-two row counts, binding `args` to
 * every statement.
 * @returns the keys of the rows updated, as the table stores them.
 */
export type BulkUpdate = (db: Kysely<any>, args: readonly unknown[], rows: readonly (readonly unknown[])[]) => Promise<string[]>;

/** A compiled statement: its text, and for each parameter position where its value comes from. */
type Compiled = { text: string; sources: Int32Array };

/**
 * A {@link BulkUpdate} for one database: each row count's statement is built from the same `sql` fragments a one-off
 * update would use, compiled by Kysely at first use with a distinct marker for every argument and value, and kept
 * with the place each parameter is bound from. Kysely's binding order is read off the compiled statement, not assumed.
 * @throws {BulkUpdateError} when `width` or `args` is not a non-negative integer (`width` at least 1), and (from the
 *   returned function) when an argument count or row width does not match, or a statement binds a row's value twice,
 *   leaves one out, or binds something that is not a marker.
 */
export function bulkUpdate(db: Kysely<any>, options: BulkUpdateOptions): BulkUpdate {
  const { width, args } = options;
  if (!Number.isInteger(width) || width < 1) throw new BulkUpdateError(`width must be an integer of at least 1, got ${width}`);
  if (!Number.isInteger(args) || args < 0) throw new BulkUpdateError(`args must be a non-negative integer, got ${args}`);
  const maxRows = options.maxRows ?? 256;
  const table = sql.table(options.table);
  const key = sql.ref(options.key);
  const compiled = new Map<number, Compiled>();

  const compile = (count: number): Compiled => {
    const known = compiled.get(count);
    if (known) return known;
    // Markers: argument i is i; value (row r, column c) is args + r * width + c.
    const arg = (i: number) => {
      if (!Number.isInteger(i) || i < 0 || i >= args) throw new BulkUpdateError(`argument ${i} of an update of ${options.table} does not exist`);
      return sql`${i}`;
    };
    const values = Array.from({ length: count }, (_, r) => sql`(${sql.join(Array.from({ length: width }, (_, c) => args + r * width + c))})`);
    const query = sql`update ${table} set ${options.set(arg)} from (values ${sql.join(values)}) as v
      where ${table}.${key} = v.column1 and ${options.guard(arg)}
      returning ${table}.${key} as updated_key`.compile(db);
    const total = args + count * width;
    const seen = new Uint8Array(total);
    const sources = new Int32Array(query.parameters.length);
    query.parameters.forEach((p, position) => {
      // An argument may be bound several times (a timestamp in two columns); a row's value exactly once.
      if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p >= total || (p >= args && seen[p])) {
        throw new BulkUpdateError(`the compiled update of ${options.table} binds ${String(p)} at position ${position}: not a marker, or a value bound twice`);
      }
      seen[p] = 1;
      sources[position] = p;
    });
    // Every value must be bound; an argument the SET and guard never use may be left out.
    for (let m = args; m < total; m++) if (!seen[m]) throw new BulkUpdateError(`the compiled update of ${options.table} leaves out value marker ${m}`);
    const entry = { text: query.sql, sources };
    compiled.set(count, entry);
    return entry;
  };

  return async (executor, bound, rows) => {
    if (bound.length !== args) throw new BulkUpdateError(`an update of ${options.table} takes ${args} arguments, got ${bound.length}`);
    const updated: string[] = [];
    for (const part of powerOfTwoChunks(rows, maxRows)) {
      const { text, sources } = compile(part.length);
      const parameters = new Array<unknown>(sources.length);
      for (let p = 0; p < sources.length; p++) {
        const m = sources[p]!;
        if (m < args) parameters[p] = bound[m];
        else {
          const v = m - args;
          const row = part[(v / width) | 0]!;
          if (row.length !== width) throw new BulkUpdateError(`a row of an update of ${options.table} has ${row.length} values, not ${width}`);
          parameters[p] = row[v % width];
        }
      }
      const result = await executor.executeQuery<{ updated_key: string }>(CompiledQuery.raw(text, parameters));
      for (const r of result.rows) updated.push(r.updated_key);
    }
    return updated;
  };
}
