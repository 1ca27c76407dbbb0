import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { parse, Source, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Config, SubgraphName } from './config';
import type { Queryable } from './database';
import { createErrorFormatter } from './errors';
import { startGraphQLHttpServer, type RequestInfo, type RunningServer } from './http-server';
import type { Logger } from './logger';

/** What a subgraph needs from its process: its database and the configuration. */
export interface SubgraphDeps {
  db: Queryable;
  config: Config;
}

/**
 * One agency subgraph. Tests compose these in-process; `startSubgraph` serves one over HTTP.
 * `createContext` runs per request, so every DataLoader lives for one request only.
 */
export interface SubgraphModule<TContext extends BaseContext = BaseContext> {
  name: SubgraphName;
  typeDefs: DocumentNode;
  /** Typed per subgraph by its generated Resolvers type; erased here so that modules can be listed together. */
  resolvers: GraphQLResolverMap<unknown>;
  /** Folder of this subgraph's `NNN_name.sql` migrations (its own PostgreSQL schema). */
  migrations: string;
  createContext(deps: SubgraphDeps, request: RequestInfo): TContext;
}

/** Reads the `schema.graphql` beside the module at `moduleUrl`, named `<folder>/schema.graphql` in error locations. */
export function loadTypeDefs(moduleUrl: string): DocumentNode {
  const file = new URL('./schema.graphql', moduleUrl);
  return parse(new Source(readFileSync(file, 'utf8'), `${basename(dirname(fileURLToPath(file)))}/schema.graphql`));
}

export function subgraphSchema<TContext extends BaseContext>(module: SubgraphModule<TContext>): GraphQLSchema {
  return buildSubgraphSchema([{ typeDefs: module.typeDefs, resolvers: module.resolvers }]);
}

/** The Apollo Server of one subgraph, as it runs in production: error masking, no Studio tracing. */
export function createSubgraphServer<TContext extends BaseContext>(module: SubgraphModule<TContext>, config: Config, log: Logger): ApolloServer<TContext> {
  return new ApolloServer<TContext>({
    schema: subgraphSchema(module),
    formatError: createErrorFormatter({ mask: config.NODE_ENV === 'production', log }),
    includeStacktraceInErrorResponses: config.NODE_ENV === 'development',
    // Federated traces are for Apollo Studio, which Once does not report to.
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
}

export async function startSubgraph<TContext extends BaseContext>(
  module: SubgraphModule<TContext>,
  options: { deps: SubgraphDeps; port: number; log: Logger },
): Promise<RunningServer> {
  const { config } = options.deps;
  return startGraphQLHttpServer({
    apollo: createSubgraphServer(module, config, options.log),
    context: async (request) => module.createContext(options.deps, request),
    host: config.HOST,
    port: options.port,
    maxBodyBytes: config.MAX_BODY_BYTES,
    log: options.log,
    describe: () => ({ health: { subgraph: module.name } }),
  });
}

export type { GraphQLResolverMap };
