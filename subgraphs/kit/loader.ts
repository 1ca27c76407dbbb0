import DataLoader from 'dataloader';

/**
 * A per-request DataLoader over a batch query that returns rows in any order: the rows are matched back to
 * the keys, and a key with no row gets `null` (a well-formed but unknown key is not an error).
 */
export function keyedLoader<Key, Row>(batch: (keys: readonly Key[]) => Promise<Row[]>, keyOf: (row: Row) => Key): DataLoader<Key, Row | null> {
  return new DataLoader(async (keys) => {
    const rows = new Map((await batch(keys)).map((row) => [keyOf(row), row]));
    return keys.map((key) => rows.get(key) ?? null);
  });
}
