/**
 * Splits `items` into chunks whose sizes are powers of two up to `max` (235 with max 256 → 128, 64, 32, 8, 2, 1). A
 * statement's text depends on its row count, so this keeps the distinct statements of a query to a handful: SQLite
 * prepares each once (the statement cache in `./database.ts`) instead of once per batch size, which cost more than
 * running them. `max` should be a power of two; the input is not modified.
 */
export function powerOfTwoChunks<T>(items: readonly T[], max: number): T[][] {
  const out: T[][] = [];
  let i = 0;
  let size = max;
  while (i < items.length) {
    while (size > items.length - i) size >>= 1;
    out.push(items.slice(i, i + size));
    i += size;
  }
  return out;
}
