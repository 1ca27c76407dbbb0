import { startMetricsFor } from './metrics';
import { openPlatform } from './platform';
import { openMigratedDatabase, runMain, startSubgraphs } from './run';
import type { SubgraphModule } from './subgraph';

/** Runs one subgraph as its own process on its configured port. */
export function runSubgraph(module: SubgraphModule): Promise<void> {
  return runMain(module.name, async (config, log) => {
    const db = await openMigratedDatabase(config, log, [module]);
    const platform = openPlatform(config, db, log);
    const [started] = await startSubgraphs([module], { config, platform });
    const metrics = await startMetricsFor(config, log, module.name);
    log.info({ url: started?.server.url }, `${module.name} subgraph ready`);
    return async () => {
      await started?.server.stop(config.SHUTDOWN_DRAIN_MS, config.SHUTDOWN_READY_DELAY_MS);
      await metrics?.stop();
      await platform.close();
      await db.close();
    };
  });
}
