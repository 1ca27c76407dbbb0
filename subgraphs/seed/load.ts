import type { Database } from '../../platform';
import { populationSeeding } from '../population';
import { proceduresSeeding } from '../procedures';
import { residenceSeeding } from '../residence';
import { generateSeed, type SeedOptions } from './generate';

export { countCitizens } from '../population';

export interface SeedTotals {
  citizens: number;
  rows: number;
}

/**
 * The agencies whose tables the seed tool fills, each through its own module's seeding: the tool generates rows and
 * hands each agency its share, but names no agency's table (test/unit/table-ownership.test.ts checks it).
 */
const agencies = [populationSeeding, residenceSeeding, proceduresSeeding] as const;

/** Empties every seeded table (the reference data of the migrations stays). */
export async function clearSeededTables(db: Database): Promise<void> {
  for (const agency of agencies) await agency.clear(db);
}

/**
 * Streams generated batches into the database, agency by agency (each writes with COPY, in foreign-key order).
 * `onProgress` is called after each batch with the number of citizens written so far.
 */
export async function seedDatabase(db: Database, options: SeedOptions, onProgress: (citizens: number) => void = () => {}): Promise<SeedTotals> {
  const totals: SeedTotals = { citizens: 0, rows: 0 };
  for (const batch of generateSeed(options)) {
    for (const agency of agencies) totals.rows += await agency.write(db, batch);
    totals.citizens += batch.citizens.length;
    onProgress(totals.citizens);
  }
  await db.exec('ANALYZE');
  return totals;
}
