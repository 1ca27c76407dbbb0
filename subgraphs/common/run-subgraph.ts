import { openMigratedDatabase, runMain, startSubgraphs } from './run';
import type { SubgraphModule } from './subgraph';

/** Runs one subgraph as its own process on its configured port. */
export function runSubgraph(module: SubgraphModule): Promise<void> {
  return runMain(module.name, async (config, log) => {
    const db = await openMigratedDatabase(config, log, [module]);
    const [started] = await startSubgraphs([module], { db, config, log });
    log.info({ url: started?.server.url }, `${module.name} subgraph ready`);
    return async () => {
      await started?.server.stop();
      await db.close();
    };
  });
}
