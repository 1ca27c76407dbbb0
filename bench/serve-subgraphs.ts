import { builtInSubgraphs } from '../subgraphs';
import { createNotifier } from '../subgraphs/common/notifier';
import { openMigratedDatabase, runMain, startSubgraphs } from '../subgraphs/common/run';

/** Benchmark helper: the built-in subgraphs on free ports over DATABASE_URL; prints their URLs. */
await runMain('bench-subgraphs', async (config, log) => {
  const db = await openMigratedDatabase(config, log, builtInSubgraphs);
  const notifier = createNotifier(config.REDIS_URL, log);
  const started = await startSubgraphs(builtInSubgraphs, { db, config, log, notifier, anyPort: true });
  process.stdout.write(`${JSON.stringify({ ready: Object.fromEntries(started.map(({ module, server }) => [module.name, server.url])) })}\n`);
  return async () => {
    await Promise.all(started.map(({ server }) => server.stop()));
    await notifier.close();
    await db.close();
  };
});
