import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { parse, Source, type DocumentNode, type GraphQLSchema } from 'graphql';
import {
  type Queryable,
  apolloErrorOptions,
  ErrorCode,
  clientLabel,
  noteRequest,
  HttpError,
  startGraphQLHttpServer,
  type RequestInfo,
  type RunningServer,
  signatureProblem,
  type Logger,
} from '../../platform';
import type { SubgraphConfig } from './config';
import type { SubgraphServices } from './services';

/** What a subgraph needs from its process. */
export interface SubgraphDeps {
  /** Where this subgraph's repository sends its statements (counted in tests). */
  db: Queryable;
  config: SubgraphConfig;
  /** The process's database, change notices (the registry) and entity cache. */
  platform: SubgraphServices;
}

/** The extension a subgraph reports, to the gateway's audit, the personal IDs it returned data about in. */
export const SUBJECTS_EXTENSION = 'onceSubjects';

/** Every subgraph's per-request context collects the personal IDs whose data it returns. */
export interface SubgraphContext extends BaseContext {
  subjects: Set<string>;
}

/** Adds what `rows` are about to `subjects` and passes the rows on. */
export function noteSubjects<Row>(subjects: Set<string>, rows: Row[], about: (row: Row) => Iterable<string>): Row[] {
  for (const row of rows) for (const subject of about(row)) subjects.add(subject);
  return rows;
}

/**
 * One agency subgraph. Tests compose these in-process; `startSubgraph` serves one over HTTP.
 * `createContext` runs per request, so every DataLoader lives for one request only.
 */
export interface SubgraphModule<TContext extends SubgraphContext = SubgraphContext, Name extends string = string> {
  /** Its name, from which its configuration keys (`<NAME>_PORT`, `<NAME>_URL`) are derived. */
  name: Name;
  /** The port it listens on by default when it runs on this machine (`<NAME>_PORT` overrides it). */
  port: number;
  typeDefs: DocumentNode;
  /** Typed per subgraph by its generated Resolvers type; erased here so that modules can be listed together. */
  resolvers: GraphQLResolverMap<unknown>;
  /** Folder of this subgraph's `NNN_name.sql` migrations (its own PostgreSQL schema). */
  migrations: string;
  createContext(deps: SubgraphDeps, request: RequestInfo): TContext;
}

/** Reads the `schema.graphql` beside the module at `moduleUrl`, named `<folder>/schema.graphql` in error locations. */
function loadTypeDefs(moduleUrl: string): DocumentNode {
  const file = new URL('./schema.graphql', moduleUrl);
  return parse(new Source(readFileSync(file, 'utf8'), `${basename(dirname(fileURLToPath(file)))}/schema.graphql`));
}

/**
 * A subgraph module from its folder's parts: `schema.graphql` and `migrations/` beside `moduleUrl`, the resolvers
 * (typed by the subgraph's generated Resolvers) and the per-request context factory.
 */
export function defineSubgraph<TContext extends SubgraphContext, const Name extends string>(
  moduleUrl: string,
  parts: { name: Name; port: number; resolvers: object; createContext: SubgraphModule<TContext>['createContext'] },
): SubgraphModule<TContext, Name> {
  return {
    name: parts.name,
    port: parts.port,
    typeDefs: loadTypeDefs(moduleUrl),
    resolvers: parts.resolvers as GraphQLResolverMap<unknown>,
    migrations: fileURLToPath(new URL('./migrations', moduleUrl)),
    createContext: parts.createContext,
  };
}

export function subgraphSchema<TContext extends SubgraphContext>(module: SubgraphModule<TContext>): GraphQLSchema {
  return buildSubgraphSchema([{ typeDefs: module.typeDefs, resolvers: module.resolvers }]);
}

/** The Apollo Server of one subgraph, as it runs in production: error masking, no Studio tracing. */
export function createSubgraphServer<TContext extends SubgraphContext>(
  module: SubgraphModule<TContext>,
  config: SubgraphConfig,
  log: Logger,
): ApolloServer<TContext> {
  return new ApolloServer<TContext>({
    schema: subgraphSchema(module),
    ...apolloErrorOptions(config.NODE_ENV, log),
    // The process drains requests first on SIGTERM (runMain); Apollo's own handler would stop the server under them.
    stopOnTerminationSignals: false,
    // Federated traces are for Apollo Studio, which Once does not report to.
    plugins: [ApolloServerPluginInlineTraceDisabled(), reportSubjects<TContext>()],
  });
}

function reportSubjects<TContext extends SubgraphContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single' || contextValue.subjects.size === 0) return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, [SUBJECTS_EXTENSION]: [...contextValue.subjects] };
        },
      };
    },
  };
}

/**
 * Serves a subgraph over HTTP. It answers only requests the gateway signed with this subgraph's secret; it will not
 * start without one.
 */
export async function startSubgraph(module: SubgraphModule, options: { deps: SubgraphDeps; port: number; log: Logger }): Promise<RunningServer> {
  const { config } = options.deps;
  const secret = config.SUBGRAPH_SECRETS[module.name];
  if (!secret) throw new Error(`SUBGRAPH_SECRETS has no secret for subgraph ${module.name}: it serves only requests the gateway signs`);
  return startGraphQLHttpServer({
    verifyBody: (body, request) => {
      const header = (name: string) => {
        const value = request.headers[name];
        return typeof value === 'string' ? value : undefined;
      };
      const problem = signatureProblem({ secret, header, body, now: Date.now(), maxSkewMs: config.SIGNATURE_MAX_SKEW_MS });
      if (problem) {
        options.log.warn({ requestId: request.requestId, principal: header('x-once-principal'), problem }, 'unsigned request refused');
        throw new HttpError(401, ErrorCode.Unauthenticated, `Request refused: ${problem}`);
      }
      // Signed, so the gateway's word: whom it asks for and why, for the access log and metrics.
      noteRequest({ client: clientLabel(header('x-once-principal')), purpose: header('x-once-purpose') });
    },
    apollo: createSubgraphServer(module, config, options.log),
    context: async (request) => module.createContext(options.deps, request),
    host: config.HOST,
    port: options.port,
    maxBodyBytes: config.MAX_BODY_BYTES,
    maxInFlight: config.MAX_IN_FLIGHT,
    log: options.log,
    health: () => ({ subgraph: module.name }),
    service: module.name,
  });
}

export type { GraphQLResolverMap };
