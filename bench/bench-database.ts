import pg from 'pg';
import { builtInSubgraphs } from '../subgraphs';
import { openPostgres, type Logger, migrate, createProgress } from '../platform';
import { countCitizens, seedDatabase } from '../subgraphs/seed';
import { gatewayMigrations } from '../gateway';

/**
 * A benchmark's own database: created when absent, migrated, and seeded with `citizens` on first use (with progress),
 * then kept for later runs.
 */
export async function ensureBenchDatabase(databaseUrl: string, seed: { citizens: number; seed: number }, log: Logger): Promise<void> {
  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  if ((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 0) await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const db = openPostgres(databaseUrl, 4, log);
  for (const set of [...builtInSubgraphs, ...gatewayMigrations]) await migrate(db, set.name, set.migrations);
  if ((await countCitizens(db)) === 0) {
    log.info({ citizens: seed.citizens }, 'seeding the benchmark database');
    const progress = createProgress('seed', seed.citizens, log);
    await seedDatabase(db, seed, (done) => progress.update(done));
    progress.stop();
  }
  await db.close();
}
