import { countQueries, type Database, createNotifier } from '../../platform';
import { type EntityCache, createSubgraphServer, type SubgraphModule } from '../../subgraphs/kit';
import { silentLog, testConfig } from './database';

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
