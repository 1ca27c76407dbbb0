import { countQueries, type Database, createNotifier, type RunningServer } from '../../platform';
import { type EntityCache, createSubgraphServer, startSubgraph, type SubgraphModule, type SubgraphServices } from '../../subgraphs/kit';
import { silentLog, TEST_SECRETS, testConfig } from './database';

/** What a test gives a subgraph it runs: the database, in-process notices, the given cache, no registry health check. */
function testServices(db: Database, cache: EntityCache | null): SubgraphServices {
  return { database: db, notifier: createNotifier(undefined, silentLog), cache, log: silentLog, gatewayHealthCheck: null };
}

/**
 * An agency's subgraph served over HTTP as its own process would be, over the database at `databaseUrl` (`db`), checking
 * the gateway's signature with `secret`; on `port`, or any free one.
 */
export function serveSubgraph(module: SubgraphModule, options: { db: Database; databaseUrl: string; secret: string; port?: number }): Promise<RunningServer> {
  const config = testConfig({ DATABASE_URL: options.databaseUrl, SUBGRAPH_SECRETS: `${TEST_SECRETS},${module.name}=${options.secret}` });
  return startSubgraph(module, { deps: { db: options.db, config, platform: testServices(options.db, null) }, port: options.port ?? 0, log: silentLog });
}

/**
 * One subgraph in-process over the run's database, executing operations without a socket; `queries` counts the
 * SQL statements it sends.
 */
export function subgraphHarness(module: SubgraphModule, db: Database, cache: EntityCache | null = null) {
  const config = testConfig();
  const apollo = createSubgraphServer(module, config, silentLog);
  const counted = countQueries(db);
  const deps = {
    db: counted,
    config,
    platform: { database: db, notifier: createNotifier(undefined, silentLog), cache, log: silentLog, gatewayHealthCheck: null },
  };
  return {
    queries: counted,
    async execute(query: string, variables?: Record<string, unknown>) {
      const response = await apollo.executeOperation(
        { query, variables },
        { contextValue: module.createContext(deps, { requestId: 'test', clientRequestId: null, headers: {} }) },
      );
      if (response.body.kind !== 'single') throw new Error('expected a single result');
      return response.body.singleResult as { data?: Record<string, any> | null; errors?: Array<{ message: string; extensions?: Record<string, any> }> };
    },
  };
}
