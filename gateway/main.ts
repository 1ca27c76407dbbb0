import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { builtInSubgraphs } from '../subgraphs';
import { metricsPort, subgraphUrl, createLogger, createNotifier, openMigratedDatabase, runMain } from '../platform';
import { entryOf, latestVersion, registryDeps, syncBuiltIns } from '../subgraphs/registry';
import { gatewayMigrations, openAccessControl } from './access/access-control';
import { followRegistry, followerSettings } from './registry-follower';
import { startGateway } from './server';
import { failingHealthChecks } from './subgraph-health';
import { gatewayConfig } from './config';
import { runWorkers } from './workers';

/**
 * The gateway alone: `npm run gateway -- [--supergraph FILE] [--workers N]`. With a file (or SUPERGRAPH) it serves that fixed
 * supergraph, whatever its subgraphs. Without, it follows the registry in DATABASE_URL (bootstrapping it from the
 * built-in subgraphs at their configured URLs when it is empty) and loads every new version live.
 */
const { values } = parseArgs({ options: { supergraph: { type: 'string' }, workers: { type: 'string' } } });
const workers = (() => {
  try {
    return gatewayConfig.load(values.workers ? { ...process.env, GATEWAY_WORKERS: values.workers } : process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
})();

await runWorkers(
  workers.GATEWAY_WORKERS,
  createLogger('gateway', workers.LOG_LEVEL),
  () =>
    runMain('gateway', gatewayConfig, async (config, log) => {
      const file = values.supergraph ?? config.SUPERGRAPH;
      const db = await openMigratedDatabase(config, log, gatewayMigrations);
      const notifier = createNotifier(config.REDIS_URL, log);
      const access = openAccessControl(config, log, db);
      const close = async () => {
        await access.close();
        await notifier.close();
        await db.close();
      };
      try {
        let supergraph;
        if (file) {
          supergraph = readFileSync(file, 'utf8');
        } else {
          if (!(await latestVersion(db))) {
            const builtIns = builtInSubgraphs.map((module) => entryOf(module, subgraphUrl(config, module)));
            // Replicas starting together race to bootstrap; the losers find the winner's version and follow it.
            await syncBuiltIns(registryDeps(config, { database: db, notifier, log, gatewayHealthCheck: failingHealthChecks }), builtIns).catch(
              async (error: unknown) => {
                if (!(await latestVersion(db))) throw error;
              },
            );
          }
          supergraph = followRegistry({ db, notifier, log, ...followerSettings(config) });
        }
        const gateway = await startGateway({ supergraph, config, log, access });
        log.info({ url: gateway.url, supergraph: file ?? 'registry' }, 'gateway ready');
        return async () => {
          await gateway.stop(config.SHUTDOWN_DRAIN_MS, config.SHUTDOWN_READY_DELAY_MS);
          // Last: the audit writer commits the records of the requests that just finished.
          await close();
        };
      } catch (error) {
        await close();
        throw error;
      }
    }),
  { host: workers.HOST, port: metricsPort(workers) },
);
