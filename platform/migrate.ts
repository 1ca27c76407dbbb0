import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from './database';

const LOCK = 'once-migrate';

/**
 * Applies a subgraph's `migrations/NNN_name.sql` files in order, each once, each in its own transaction.
 * An advisory lock makes concurrent starts (several replicas) apply each file exactly once.
 */
export async function migrate(db: Database, subgraph: string, directory: string): Promise<string[]> {
  const files = readdirSync(directory)
    .filter((file) => /^\d+_[\w-]+\.sql$/.test(file))
    .sort();
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [LOCK]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS public.once_migrations (
      subgraph text NOT NULL, file text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (subgraph, file))`);
  });
  // A start on a migrated database (every start but the first) needs no lock and no transaction per file: files are
  // only ever added, so one that was applied stays applied.
  const done = new Set((await db.query<{ file: string }>('SELECT file FROM public.once_migrations WHERE subgraph = $1', [subgraph])).map((row) => row.file));
  const applied: string[] = [];
  for (const file of files.filter((name) => !done.has(name))) {
    const ran = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [LOCK]);
      const done = await tx.query('SELECT 1 FROM public.once_migrations WHERE subgraph = $1 AND file = $2', [subgraph, file]);
      if (done.length > 0) return false;
      await tx.exec(readFileSync(join(directory, file), 'utf8'));
      await tx.query('INSERT INTO public.once_migrations (subgraph, file) VALUES ($1, $2)', [subgraph, file]);
      return true;
    });
    if (ran) applied.push(file);
  }
  return applied;
}
