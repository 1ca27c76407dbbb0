import { builtInSubgraphs } from '../subgraphs';
import { openMigratedDatabase, platformConfig, runMain } from '../platform';
import { gatewayMigrations } from '../gateway';

/**
 * Applies every migration of the built-in subgraphs and the gateway to DATABASE_URL, then exits: the Kubernetes
 * migrations Job (`npm run migrate` after `npm run build`). Servers still migrate their own schema at start (a no-op
 * once this has run), so the Job only takes the work, and the lock waits, off the replicas' start.
 */
await runMain('migrate', platformConfig, async (config, log) => {
  const db = await openMigratedDatabase(config, log, [...builtInSubgraphs, ...gatewayMigrations]);
  await db.close();
  log.info('migrations done');
  return async () => undefined;
});
