import { createNotifier } from './notifier';
import { openMigratedDatabase, runMain, startSubgraphs } from './run';
import type { SubgraphModule } from './subgraph';

/** Runs one subgraph as its own process on its configured port. */
export function runSubgraph(module: SubgraphModule): Promise<void> {
  return runMain(module.name, async (config, log) => {
    const db = await openMigratedDatabase(config, log, [module]);
    const notifier = createNotifier(config.REDIS_URL, log);
    const [started] = await startSubgraphs([module], { db, config, log, notifier });
    log.info({ url: started?.server.url }, `${module.name} subgraph ready`);
    return async () => {
      await started?.server.stop();
      await notifier.close();
      await db.close();
    };
  });
}
