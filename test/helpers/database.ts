import { inject } from 'vitest';
import { loadConfig, type Config } from '../../subgraphs/common/config';
import { openPostgres, type Database } from '../../subgraphs/common/database';
import { createLogger } from '../../subgraphs/common/logger';

/** Configuration for tests: the run's own database, quiet logs, every port chosen by the OS. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: inject('databaseUrl'), PORT: '0', ...overrides });
}

export const silentLog = createLogger('test', 'silent');

export function openTestDatabase(): Database {
  return openPostgres(inject('databaseUrl'), 4, silentLog);
}

/** One value of the first row of a query, for finding test subjects in the seeded data. */
export async function one<T>(db: Database, sql: string, params: unknown[] = []): Promise<T> {
  const [row] = await db.query<{ value: T }>(sql, params);
  if (!row) throw new Error(`no test subject found by: ${sql}`);
  return row.value;
}
