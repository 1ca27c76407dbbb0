import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openPostgres, type Database, createLogger } from '../../platform';
import { allInOneConfig, type AllInOneConfig } from '../../gateway';

/** Fixed per-subgraph secrets for tests; every subgraph refuses requests not signed with its own. */
export const TEST_SECRETS =
  'population=test-secret-population-0123456789abcdef,residence=test-secret-residence-0123456789abcdef,procedures=test-secret-procedures-0123456789abcdef,audit=test-secret-audit-0123456789abcdef,registry=test-secret-registry-0123456789abcdef';

/** Configuration for tests: the run's own database and keys, quiet logs, every port chosen by the OS. */
export function testConfig(overrides: Record<string, string> = {}): AllInOneConfig {
  return allInOneConfig.load({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: inject('databaseUrl'),
    JWKS_FILE: inject('jwksFile'),
    SUBGRAPH_SECRETS: TEST_SECRETS,
    PORT: '0',
    // Statement-counting tests must see every load reach PostgreSQL; the cache has its own test.
    ENTITY_CACHE_TTL_S: '0',
    // Tests send bursts of 1,000 concurrent requests as one client; the per-client limit has its own test.
    MAX_CONCURRENT_PER_PRINCIPAL: '100000',
    ...overrides,
  });
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

/**
 * An empty database of its own, for tests that must damage what they test (the audit chain) without touching the
 * run's shared one. Dropped by `drop()`.
 */
export async function scratchDatabase(): Promise<{ url: string; db: Database; drop(): Promise<void> }> {
  const base = new URL(inject('databaseUrl'));
  const name = `${base.pathname.slice(1)}_scratch_${randomBytes(3).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: inject('databaseUrl') });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const db = openPostgres(url.toString(), 4, silentLog);
  return {
    url: url.toString(),
    db,
    async drop() {
      await db.close();
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
