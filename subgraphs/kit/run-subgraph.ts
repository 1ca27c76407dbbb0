import { subgraphPort, type RunningServer, startMetricsFor, openMigratedDatabase, runMain } from '../../platform';
import { subgraphConfig, type SubgraphConfig } from './config';
import { openSubgraphServices, type GatewayHealthCheck, type SubgraphServices } from './services';
import { startSubgraph, type SubgraphModule } from './subgraph';

/** Runs one subgraph as its own process on its configured port (the registry's with the gateways' health check). */
export function runSubgraph(module: SubgraphModule, gatewayHealthCheck: GatewayHealthCheck | null = null): Promise<void> {
  return runMain(module.name, subgraphConfig, async (config, log) => {
    const db = await openMigratedDatabase(config, log, [module]);
    const platform = openSubgraphServices(config, db, log, gatewayHealthCheck);
    const [started] = await startSubgraphs([module], { config, platform });
    const metrics = await startMetricsFor(config, log, module);
    log.info({ url: started?.server.url }, `${module.name} subgraph ready`);
    return async () => {
      await started?.server.stop(config.SHUTDOWN_DRAIN_MS, config.SHUTDOWN_READY_DELAY_MS);
      await metrics?.stop();
      await platform.close();
      await db.close();
    };
  });
}

export interface RunningSubgraph {
  module: SubgraphModule;
  server: RunningServer;
}

/** Serves every given subgraph on its configured port (or port 0 when asked), sharing one database. */
export async function startSubgraphs(
  modules: readonly SubgraphModule[],
  options: { config: SubgraphConfig; platform: SubgraphServices; anyPort?: boolean },
): Promise<RunningSubgraph[]> {
  const started: RunningSubgraph[] = [];
  for (const module of modules) {
    const port = options.anyPort ? 0 : subgraphPort(options.config, module);
    const server = await startSubgraph(module, {
      deps: { db: options.platform.database, config: options.config, platform: options.platform },
      port,
      log: options.platform.log.child({ subgraph: module.name }),
    });
    started.push({ module, server });
  }
  return started;
}
