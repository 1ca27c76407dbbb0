import { createHash } from 'node:crypto';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { type CircuitBreaker, apolloErrorOptions, startGraphQLHttpServer, type RunningServer, type Logger } from '../platform';
import { GraphQLError, type ValidationContext } from 'graphql';
import type { AccessControl } from './access/access-control';
import { createAccessPlugin, createPlanCheck } from './access/access-plugin';
import { authorise } from './access/policy';
import { createApolloGateway } from './apollo-gateway';
import { createAuditPlugin, responseOutcome } from './audit/audit-plugin';
import { AUDIT_EXPORT_PATH, createAuditExportRoute } from './audit/export-route';
import { OnceExecutor } from './executor';
import { QueryPlans } from './query-plans';
import { createRefusalRecorder } from './audit/refusals';
import { admissionKey, createConcurrencyPlugin, createCostPlugin, createResponseSizePlugin } from './request-limits';
import { newTrail, type GatewayContext } from './context';
import type { RegistryFollower } from './registry-follower';
import { SubgraphDataSource, subgraphBreaker } from './subgraph-data-source';
import { SubgraphPools } from './subgraph-pools';
import { serveSupergraph } from './telemetry/gateway-metrics';
import { createPagesRoutes, WEB_DIR } from './pages/serve-pages';
import type { GatewayConfig } from './config';

export interface GatewayOptions {
  /** A fixed supergraph SDL, or the registry to follow (new versions are loaded live). */
  supergraph: string | RegistryFollower;
  config: GatewayConfig;
  log: Logger;
  /** Null only to measure the bare gateway (benchmarks): every request is then anonymous and unaudited. */
  access: AccessControl | null;
  /** Overrides config.PORT (tests use 0). */
  port?: number;
}

/**
 * Hostile or oversized operations are refused before planning (graphql-armor): too deep, too many aliases,
 * directives or tokens, too costly. Field suggestions in errors are blocked, so that a probe learns nothing of
 * fields it may not read.
 */
function operationLimits(config: GatewayConfig) {
  return new ApolloArmor({
    maxDepth: { n: config.MAX_DEPTH, flattenFragments: true, ...overLimit('MAX_DEPTH') },
    maxAliases: { n: config.MAX_ALIASES, ...overLimit('MAX_ALIASES') },
    maxDirectives: { n: config.MAX_DIRECTIVES, ...overLimit('MAX_DIRECTIVES') },
    // graphql-js enforces the token limit itself while parsing (parseOptions below), as a clean parse failure.
    maxTokens: { enabled: false },
    // Cost is counted with list sizes by createCostPlugin; graphql-armor's count ignores them.
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: true },
  }).protect();
}

/**
 * graphql-armor throws "Syntax Error: Query depth limit of 12 exceeded, found 14.", which reads like a typo in the
 * query and ends up as GRAPHQL_PARSE_FAILED. Reported instead as a validation error (GRAPHQL_VALIDATION_FAILED) that
 * keeps armor's numbers and names the setting in the message and in `extensions.limit`.
 */
function overLimit(limit: 'MAX_DEPTH' | 'MAX_ALIASES' | 'MAX_DIRECTIVES') {
  return {
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) => {
        const reason = error.message.replace(/^Syntax Error: /, '').replace(/\.$/, '');
        context?.reportError(new GraphQLError(`The operation is over a limit of the gateway: ${reason} (${limit})`, { extensions: { limit } }));
      },
    ],
  };
}

/** A short, stable fingerprint of a supergraph, shown on /health and in the `x-once-supergraph` header. */
export function supergraphVersion(sdl: string): string {
  return createHash('sha256').update(sdl).digest('hex').slice(0, 12);
}

export async function startGateway({ supergraph, config, log, access, port = config.PORT }: GatewayOptions): Promise<RunningServer> {
  const follower = typeof supergraph === 'string' ? null : supergraph;
  const pools = new SubgraphPools({ connections: config.SUBGRAPH_CONNECTIONS, timeoutMs: config.SUBGRAPH_TIMEOUT_MS });
  // One breaker per subgraph for the gateway's life: a new supergraph version does not forget that a subgraph is down.
  const breakers = new Map<string, CircuitBreaker>();
  let hash = typeof supergraph === 'string' ? supergraphVersion(supergraph) : '';
  const plans = new QueryPlans({
    mib: config.QUERY_PLAN_CACHE_MIB,
    warmRecent: config.QUERY_PLAN_WARM_OPERATIONS,
    registered: async () => (access ? access.persisted.trustedDocuments() : []),
    log,
  });
  const planCheck = access ? createPlanCheck() : null;
  /** The data source of each subgraph the gateway serves, by name; the latest one built for a name is the one in use. */
  const services = new Map<string, SubgraphDataSource>();
  const gateway = createApolloGateway({
    supergraphSdl: follower ? follower.manager : (supergraph as string),
    ...(planCheck ? { experimental_didResolveQueryPlan: planCheck.didResolveQueryPlan } : {}),
    queryPlannerConfig: { cache: plans.cache },
    logger: log,
    buildService: ({ name, url }) => {
      if (!url) throw new Error(`Subgraph ${name} has no routing URL in the supergraph`);
      const secret = follower ? () => follower.secret(name) : config.SUBGRAPH_SECRETS[name];
      const breaker = breakers.get(name) ?? subgraphBreaker(name, log);
      breakers.set(name, breaker);
      const source = new SubgraphDataSource({ name, url, timeoutMs: config.SUBGRAPH_TIMEOUT_MS, secret, pools, breaker, log });
      services.set(name, source);
      return source;
    },
  });
  const executor = new OnceExecutor(gateway, { mode: config.GATEWAY_EXECUTOR, plans: plans.cache, services, log });
  gateway.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) => {
    planCheck?.learn(apiSchema, coreSupergraphSdl);
    hash = supergraphVersion(coreSupergraphSdl);
    serveSupergraph(hash, version());
    plans.warm(coreSupergraphSdl).catch((error: unknown) => log.warn({ err: error }, 'query plans not warmed; they are made on first use'));
  });
  /** The registry version a follower serves; null for a fixed supergraph (the SDL fingerprint says which then). */
  const version = () => (follower ? String(follower.servedVersion()) : null);
  const limitPlugins = [
    createCostPlugin({ maxCost: config.MAX_COST, assumedListSize: config.ASSUMED_LIST_SIZE }),
    createConcurrencyPlugin({ perPrincipal: config.MAX_CONCURRENT_PER_PRINCIPAL }),
    createResponseSizePlugin({ maxBytes: config.MAX_RESPONSE_BYTES }),
  ];
  // No landing page: a browser's GET is a request like any other, refused (CSRF prevention) and audited.
  const plugins: ApolloServerPlugin<GatewayContext>[] = [
    ApolloServerPluginLandingPageDisabled(),
    plans.plugin(),
    ...limitPlugins,
    ...(access ? [createAccessPlugin({ store: access.store }), createAuditPlugin({ writer: access.audit, log })] : []),
  ];
  const limits = operationLimits(config);
  const apollo = new ApolloServer<GatewayContext>({
    gateway: executor.wrap(),
    plugins: [...(limits.plugins as ApolloServerPlugin<GatewayContext>[]), ...plugins],
    validationRules: limits.validationRules,
    parseOptions: { maxTokens: config.MAX_TOKENS },
    ...(access ? { persistedQueries: { cache: access.persisted, ttl: 24 * 3600 } } : {}),
    allowBatchedHttpRequests: false,
    // runMain stops the process on SIGTERM (drain, then flush the audit); Apollo's own handler (on unless NODE_ENV=test) would
    // stop Apollo alone and re-raise the signal, killing the process mid-drain.
    stopOnTerminationSignals: false,
    // Introspection is a coordinate like any other: the access plugin allows it only to clients granted it.
    introspection: true,
    ...apolloErrorOptions(config.NODE_ENV, log),
  });
  const server = await startGraphQLHttpServer({
    apollo,
    context: access
      ? (request) => authorise(request, access, config)
      : async ({ requestId, clientRequestId }): Promise<GatewayContext> => ({
          requestId,
          clientRequestId,
          principal: { kind: 'anonymous' },
          purpose: null,
          trail: newTrail(),
        }),
    ownRequestIds: true,
    ...(access ? { onRefused: createRefusalRecorder({ authenticate: access.authenticate, store: access.store, writer: access.audit, log }) } : {}),
    // The citizens' and auditors' pages: static files; what they show comes through /graphql like any request.
    pages: createPagesRoutes({ webDir: WEB_DIR, oidc: config.OIDC_ISSUER ? { issuer: config.OIDC_ISSUER, clientId: config.OIDC_CLIENT_ID } : null }),
    host: config.HOST,
    port,
    maxBodyBytes: config.MAX_BODY_BYTES,
    maxInFlight: config.MAX_IN_FLIGHT,
    admission: { keyOf: admissionKey, maxPerKey: config.MAX_IN_FLIGHT_PER_CREDENTIAL, limitName: 'MAX_IN_FLIGHT_PER_CREDENTIAL' },
    log,
    ...(access?.routes ? { routes: access.routes } : {}),
    ...(access
      ? {
          streamRoutes: {
            [AUDIT_EXPORT_PATH]: createAuditExportRoute({
              authorise: (info) => authorise(info, access, config),
              store: access.store,
              writer: access.audit,
              db: access.auditDb,
              log,
            }),
          },
        }
      : {}),
    service: 'gateway',
    outcomeOf: responseOutcome,
    health: () => {
      const served = version();
      const openCircuits = [...breakers].filter(([, breaker]) => breaker.open).map(([name]) => name);
      return { supergraph: hash, ...(served ? { version: Number(served) } : {}), queryPlans: plans.stats(), openCircuits, executor: executor.stats() };
    },
    responseHeaders: () => {
      const served = version();
      return { 'x-once-supergraph': hash, ...(served ? { 'x-once-supergraph-version': served } : {}) };
    },
  });
  return {
    url: server.url,
    async stop(drainMs, readyDelayMs) {
      await server.stop(drainMs, readyDelayMs);
      await plans.stop();
      await pools.close();
    },
  };
}
