import { HEALTH_CHECK_QUERY } from '@apollo/gateway';
// Not re-exported from the package root; the gateway's own health check passes it the same way.
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types.js';
import type { GatewayHealthCheck } from '../subgraphs/kit';
import { SubgraphDataSource, subgraphBreaker } from './subgraph-data-source';
import { SubgraphPools } from './subgraph-pools';

/**
 * The health check every gateway replica runs before it serves a supergraph version (@apollo/gateway's, through
 * the same signed data source), given to the registry's process so that it runs it before recording one. Failures
 * are in the words the gateway uses, which name the subgraph but not its address.
 */
export const failingHealthChecks: GatewayHealthCheck = async (subgraphs, timeoutMs, log) => {
  const pools = new SubgraphPools({ connections: 1, timeoutMs });
  try {
    const results = await Promise.all(
      subgraphs.map(async ({ name, url, secret }) => {
        try {
          await new SubgraphDataSource({ name, url, timeoutMs, secret, pools, breaker: subgraphBreaker(name, log), log }).process({
            kind: GraphQLDataSourceRequestKind.HEALTH_CHECK,
            request: { query: HEALTH_CHECK_QUERY },
            context: {},
          });
          return null;
        } catch (error) {
          return `[${name}]: ${error instanceof Error ? error.message : String(error)}`;
        }
      }),
    );
    return results.filter((problem): problem is string => problem !== null);
  } finally {
    await pools.close();
  }
};
