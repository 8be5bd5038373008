/**
 * Multi-row INSERTs on a hot path. Kysely's builder turns every value into a frozen node and compiles the tree again
 * on every call: about 1.5 µs per value, as much as SQLite then spends executing the statement. A bulk insert lets
 * Kysely build and compile the statement once per row count, then only binds fresh values to that SQL text.
 */
import { CompiledQuery, type InsertQueryBuilder, type Kysely } from 'kysely';
import { powerOfTwoChunks } from './chunks.ts';

/** Thrown when Kysely's compiled statement does not bind values in the row-major order a bulk insert relies on. */
export class BulkInsertError extends Error {
  override name = 'BulkInsertError';
}

/** Options of {@link bulkInsert}. */
export type BulkInsertOptions<Row> = {
  /** Table to insert into. */
  table: string;
  /** The columns to insert; each row gives a value for every one (null for SQL NULL). */
  columns: readonly (keyof Row & string)[];
  /**
   * Finishes the statement Kysely builds from the placeholder rows: an ON CONFLICT clause, a RETURNING list. It must
   * not add values of its own.
   */
  finish?: (insert: InsertQueryBuilder<any, any, any>) => InsertQueryBuilder<any, any, any>;
  /** Largest number of rows per statement, a power of two (default 256). */
  maxRows?: number;
};

/**
 * Inserts rows (objects holding at least the `columns`; other keys are ignored) with statements of power-of-two row
 * counts.
 * @returns the rows the statements returned (their RETURNING list), in order, and the number of rows inserted (rows
 *   an ON CONFLICT DO NOTHING skipped are not counted).
 */
export type BulkInsert<Row, Returned = Record<string, unknown>> = (db: Kysely<any>, rows: readonly Row[]) => Promise<{ returned: Returned[]; inserted: number }>;

/**
 * A {@link BulkInsert} for one database: the SQL text of each row count is compiled by Kysely at first use (from the
 * same builder calls a one-off insert would make) and kept. At compilation it checks that Kysely binds the values
 * row by row, column by column, so a Kysely change to that order fails loudly instead of writing values to the wrong
 * columns.
 * @throws {BulkInsertError} (from the returned function) when that check fails.
 */
export function bulkInsert<Row, Returned = Record<string, unknown>>(db: Kysely<any>, options: BulkInsertOptions<Row>): BulkInsert<Row, Returned> {
  const maxRows = options.maxRows ?? 256;
  const columns = options.columns;
  const width = columns.length;
  const texts = new Map<number, string>();
  const textFor = (count: number): string => {
    let text = texts.get(count);
    if (text !== undefined) return text;
    let n = 0;
    const placeholders = Array.from({ length: count }, () => Object.fromEntries(columns.map((c) => [c, n++])));
    const built = db.insertInto(options.table).values(placeholders);
    const compiled = (options.finish ? options.finish(built) : built).compile();
    if (compiled.parameters.length !== n || compiled.parameters.some((p, i) => p !== i)) {
      throw new BulkInsertError(`Kysely binds the values of an insert into ${options.table} out of row-major order`);
    }
    text = compiled.sql;
    texts.set(count, text);
    return text;
  };
  return async (executor, rows) => {
    const returned: Returned[] = [];
    let inserted = 0;
    for (const part of powerOfTwoChunks(rows, maxRows)) {
      const parameters = new Array<unknown>(part.length * width);
      let k = 0;
      for (const row of part) for (let c = 0; c < width; c++) parameters[k++] = row[columns[c]];
      const result = await executor.executeQuery<Returned>(CompiledQuery.raw(textFor(part.length), parameters));
      returned.push(...result.rows);
      // SQLite reports no count for a statement with RETURNING: its returned rows are the inserted ones.
      inserted += result.numAffectedRows !== undefined ? Number(result.numAffectedRows) : result.rows.length;
    }
    return { returned, inserted };
  };
}
