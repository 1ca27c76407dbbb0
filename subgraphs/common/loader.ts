import DataLoader from 'dataloader';

/**
 * A per-request DataLoader over a batch query that returns rows in any order: the rows are matched back to
 * the keys, and a key with no row gets `null` (a well-formed but unknown key is not an error).
 */
export function keyedLoader<Key, Row>(
  batch: (keys: readonly Key[]) => Promise<Row[]>,
  keyOf: (row: Row) => Key,
): DataLoader<Key, Row | null> {
  return new DataLoader(async (keys) => {
    const rows = new Map((await batch(keys)).map((row) => [keyOf(row), row]));
    return keys.map((key) => rows.get(key) ?? null);
  });
}

/** Like keyedLoader, for one-to-many: every key gets the list of its rows (empty when there are none). */
export function groupedLoader<Key, Row>(
  batch: (keys: readonly Key[]) => Promise<Row[]>,
  keyOf: (row: Row) => Key,
): DataLoader<Key, Row[]> {
  return new DataLoader(async (keys) => {
    const groups = new Map<Key, Row[]>(keys.map((key) => [key, []]));
    for (const row of await batch(keys)) groups.get(keyOf(row))?.push(row);
    return keys.map((key) => groups.get(key) ?? []);
  });
}
