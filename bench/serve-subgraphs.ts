import { builtInSubgraphs } from '../subgraphs';
import { openSubgraphServices, startSubgraphs, subgraphConfig } from '../subgraphs/kit';
import { openMigratedDatabase, runMain } from '../platform';

/** Benchmark helper: the built-in subgraphs on free ports over DATABASE_URL; prints their URLs. */
await runMain('bench-subgraphs', subgraphConfig, async (config, log) => {
  const db = await openMigratedDatabase(config, log, builtInSubgraphs);
  const platform = openSubgraphServices(config, db, log);
  const started = await startSubgraphs(builtInSubgraphs, { config, platform, anyPort: true });
  process.stdout.write(`${JSON.stringify({ ready: Object.fromEntries(started.map(({ module, server }) => [module.name, server.url])) })}\n`);
  return async () => {
    await Promise.all(started.map(({ server }) => server.stop()));
    await platform.close();
    await db.close();
  };
});
