import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { builtInSubgraphs } from '../subgraphs';
import { openPostgres, createLogger, migrate } from '../platform';
import { seedDatabase } from '../subgraphs/seed';
import { initLocalKeys, gatewayMigrations } from '../gateway';
import { ensureSigningKey } from '../subgraphs/audit';
import { TEST_SEED } from './helpers/fixtures';
import { testEnv } from './helpers/test-env';

/** The server the run's own database is created on; TEST_DATABASE_URL overrides it. */
const ADMIN_URL = testEnv.TEST_DATABASE_URL;

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    /** A JWKS for the run, and the private key beside it that tests sign tokens with. */
    jwksFile: string;
    privateKeyFile: string;
    /** The audit signing key gateways started as their own production processes sign checkpoints with. */
    auditKeyFile: string;
  }
}

export async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const name = `once_test_${Date.now()}_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const db = openPostgres(url.toString(), 4, createLogger('test', 'silent'));
  try {
    for (const module of [...builtInSubgraphs, ...gatewayMigrations]) await migrate(db, module.name, module.migrations);
    await seedDatabase(db, TEST_SEED);
  } finally {
    await db.close();
  }
  const keys = mkdtempSync(join(tmpdir(), 'once-test-keys-'));
  const { privateFile } = await initLocalKeys(join(keys, 'jwks.json'));
  project.provide('databaseUrl', url.toString());
  project.provide('jwksFile', join(keys, 'jwks.json'));
  project.provide('privateKeyFile', privateFile);
  ensureSigningKey(join(keys, 'audit-signing-key.pem'));
  project.provide('auditKeyFile', join(keys, 'audit-signing-key.pem'));
  return async () => {
    rmSync(keys, { recursive: true, force: true });
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  };
}
