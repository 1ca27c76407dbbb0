import { createHash } from 'node:crypto';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import type { Config } from '../subgraphs/common/config';
import { createErrorFormatter } from '../subgraphs/common/errors';
import { startGraphQLHttpServer, type RunningServer } from '../subgraphs/common/http-server';
import type { Logger } from '../subgraphs/common/logger';
import type { GatewayContext } from './context';
import { SubgraphDataSource } from './subgraph-data-source';

export interface GatewayOptions {
  /** The composed supergraph SDL the gateway plans against. */
  supergraphSdl: string;
  config: Config;
  log: Logger;
  /** Overrides config.PORT (tests use 0). */
  port?: number;
}

/** A short, stable fingerprint of a supergraph, shown on /health and in the `x-once-supergraph` header. */
export function supergraphVersion(sdl: string): string {
  return createHash('sha256').update(sdl).digest('hex').slice(0, 12);
}

export async function startGateway({ supergraphSdl, config, log, port = config.PORT }: GatewayOptions): Promise<RunningServer> {
  let version = supergraphVersion(supergraphSdl);
  const gateway = new ApolloGateway({
    supergraphSdl,
    logger: log,
    buildService: ({ name, url }) => {
      if (!url) throw new Error(`Subgraph ${name} has no routing URL in the supergraph`);
      return new SubgraphDataSource({ name, url, timeoutMs: config.SUBGRAPH_TIMEOUT_MS });
    },
  });
  gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => {
    version = supergraphVersion(coreSupergraphSdl);
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    formatError: createErrorFormatter({ mask: config.NODE_ENV === 'production', log }),
    includeStacktraceInErrorResponses: config.NODE_ENV === 'development',
  });
  return startGraphQLHttpServer({
    apollo,
    context: async ({ requestId }) => ({ requestId }),
    host: config.HOST,
    port,
    maxBodyBytes: config.MAX_BODY_BYTES,
    log,
    describe: () => ({ health: { supergraph: version }, headers: { 'x-once-supergraph': version } }),
  });
}
