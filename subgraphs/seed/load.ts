import type { Database } from '../common/database';
import { csvLine } from './csv';
import { generateSeed, type SeedOptions } from './generate';
import { seedTables } from './rows';

export interface SeedTotals {
  citizens: number;
  rows: number;
}

/** Number of citizens already in the database. */
export async function countCitizens(db: Database): Promise<number> {
  const [row] = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM population.citizens');
  return row?.count ?? 0;
}

/** Empties every seeded table (the reference data of the migrations stays). */
export async function clearSeededTables(db: Database): Promise<void> {
  await db.exec(`TRUNCATE ${seedTables.map(({ table }) => table).join(', ')}`);
}

/**
 * Streams generated batches into the database with COPY, table by table in foreign-key order.
 * `onProgress` is called after each batch with the number of citizens written so far.
 */
export async function seedDatabase(db: Database, options: SeedOptions, onProgress: (citizens: number) => void = () => {}): Promise<SeedTotals> {
  const totals: SeedTotals = { citizens: 0, rows: 0 };
  for (const batch of generateSeed(options)) {
    for (const { key, table, columns } of seedTables) {
      const rows: readonly object[] = batch[key];
      if (rows.length === 0) continue;
      const csv = rows.map((row) => csvLine(columns.map((column) => (row as Record<string, unknown>)[column]))).join('');
      await db.copyCsv(table, columns, csv);
      totals.rows += rows.length;
    }
    totals.citizens += batch.citizens.length;
    onProgress(totals.citizens);
  }
  await db.exec('ANALYZE');
  return totals;
}
