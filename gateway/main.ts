import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openMigratedDatabase, runMain } from '../subgraphs/common/run';
import { gatewayMigrations, openAccessControl } from './access-control';
import { builtInSources, composeSupergraph } from './compose';
import { startGateway } from './server';

/**
 * The gateway alone: `npm run gateway -- [--supergraph FILE]`. With a file (or SUPERGRAPH) it serves that
 * supergraph, whatever its subgraphs; without, it composes the built-in subgraphs at their configured URLs.
 * Clients, grants and the audit log are in DATABASE_URL (AUDIT_DATABASE_URL for the log).
 */
await runMain('gateway', async (config, log) => {
  const { values } = parseArgs({ options: { supergraph: { type: 'string' } } });
  const file = values.supergraph ?? config.SUPERGRAPH;
  const supergraphSdl = file ? readFileSync(file, 'utf8') : composeSupergraph(builtInSources(config));
  const db = await openMigratedDatabase(config, log, gatewayMigrations);
  const access = openAccessControl(config, log, db);
  try {
    const gateway = await startGateway({ supergraphSdl, config, log, access });
    log.info({ url: gateway.url, supergraph: file ?? 'composed at start' }, 'gateway ready');
    return async () => {
      await gateway.stop();
      await access.close();
      await db.close();
    };
  } catch (error) {
    await access.close();
    await db.close();
    throw error;
  }
});
