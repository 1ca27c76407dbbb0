import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import pg from 'pg';
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

interface RunResources {
  provided: { databaseUrl: string; jwksFile: string; privateKeyFile: string; auditKeyFile: string };
  release(): Promise<void>;
}

async function createRunResources(): Promise<RunResources> {
  // Imported here, not at the top: each tier loads this file afresh, and a second evaluation of the gateway's modules
  // would register its metrics twice in prom-client's one registry. Only the first tier gets this far.
  const [
    { builtInSubgraphs },
    { openPostgres, createLogger, migrate },
    { seedDatabase },
    { initLocalKeys, gatewayMigrations },
    { ensureSigningKey },
    { TEST_SEED },
  ] = await Promise.all([
    import('../subgraphs'),
    import('../platform'),
    import('../subgraphs/seed'),
    import('../gateway'),
    import('../subgraphs/audit'),
    import('./helpers/fixtures'),
  ]);
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
  ensureSigningKey(join(keys, 'audit-signing-key.pem'));
  return {
    provided: {
      databaseUrl: url.toString(),
      jwksFile: join(keys, 'jwks.json'),
      privateKeyFile: privateFile,
      auditKeyFile: join(keys, 'audit-signing-key.pem'),
    },
    async release() {
      rmSync(keys, { recursive: true, force: true });
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/**
 * Vitest runs a global setup once per project (tier) that lists it, each loading this module afresh; the run's
 * database is made once and shared through the main process's global object, and dropped by the last tier to finish.
 */
const SHARED = Symbol.for('once.test.run-resources');
type Shared = { resources: Promise<RunResources>; users: number };
const holder = globalThis as { [SHARED]?: Shared };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const shared = (holder[SHARED] ??= { resources: createRunResources(), users: 0 });
  shared.users += 1;
  const resources = await shared.resources;
  const { provided } = resources;
  project.provide('databaseUrl', provided.databaseUrl);
  project.provide('jwksFile', provided.jwksFile);
  project.provide('privateKeyFile', provided.privateKeyFile);
  project.provide('auditKeyFile', provided.auditKeyFile);
  return async () => {
    shared.users -= 1;
    if (shared.users > 0) return;
    Reflect.deleteProperty(holder, SHARED);
    await resources.release();
  };
}
