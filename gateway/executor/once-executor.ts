import { operationFromDocument } from '@apollo/federation-internals';
import { buildOperationContext, type ApolloGateway, type Experimental_DidResolveQueryPlanCallback, type GraphQLDataSource } from '@apollo/gateway';
import type { QueryPlan, QueryPlanCache, QueryPlanner } from '@apollo/query-planner';
import type { GatewayExecutionResult, GatewayExecutor, GatewayGraphQLRequestContext, GatewayInterface } from '@apollo/server-gateway-interface';
import { getVariableValues, GraphQLError } from 'graphql';
import { type Logger, inSpan } from '../../platform';
import { planKey } from '../query-plan-protocol';
import { compilePlan, type CompiledPlan, type ForeignPlan } from './compiled-plan';
import { PlanRun } from './plan-run';
import { UnexpectedValue } from './projection';
import { TypeConditions } from './type-conditions';

/** Which executor runs query plans: Once's own (Apollo's only for what it does not run), or Apollo's for all. */
export type ExecutorMode = 'once' | 'apollo';

export interface OnceExecutorOptions {
  mode: ExecutorMode;
  /** The plan cache the gateway was given (`queryPlannerConfig.cache`): both executors take their plans from it. */
  plans: QueryPlanCache;
  /** The gateway's data source for each subgraph, by name, as `buildService` made them. */
  services: ReadonlyMap<string, GraphQLDataSource>;
  log: Logger;
}

/** What /health shows of the executor. */
export interface ExecutorStats {
  mode: ExecutorMode;
  /** Requests run by Once's executor. */
  served: number;
  /** Requests handed to Apollo's executor, by reason. */
  fallbacks: Record<string, number>;
}

/**
 * The hook `@apollo/gateway` calls with every resolved plan before executing it (`experimental_didResolveQueryPlan`
 * in its config). It is private to the gateway; Once's executor calls it at the same point, so that whatever is
 * checked there (the coordinates a plan sends to subgraphs) is checked for both executors.
 */
interface PlanHook {
  experimental_didResolveQueryPlan?: Experimental_DidResolveQueryPlanCallback;
}

/** Schema answers for one loaded supergraph; a new planner (a new supergraph) gets new ones. */
interface Schemas {
  supergraph: TypeConditions;
  api: TypeConditions;
}

/**
 * Runs `@apollo/gateway`'s query plans with Once's executor, in place of the executor `gateway.load()` returns: the
 * same plan cache and planner, the same data sources, the same request context, and answers identical to Apollo's
 * (test/differential). Plans it does not run (`@defer`, subscriptions, introspection, `@fromContext`) go to Apollo's
 * executor, counted, and logged once per reason.
 */
export class OnceExecutor {
  private readonly compiled = new WeakMap<QueryPlan, CompiledPlan | ForeignPlan>();
  private readonly schemas = new WeakMap<QueryPlanner, Schemas>();
  private readonly counts: ExecutorStats;

  constructor(
    private readonly gateway: ApolloGateway,
    private readonly options: OnceExecutorOptions,
  ) {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the mode comes from configuration: refuse an unknown one from an untyped caller (a test covers it)
    if (options.mode !== 'once' && options.mode !== 'apollo')
      throw new Error(`Unknown executor "${String(options.mode)}" (GATEWAY_EXECUTOR is once or apollo)`);
    this.counts = { mode: options.mode, served: 0, fallbacks: {} };
  }

  stats(): ExecutorStats {
    return { ...this.counts, fallbacks: { ...this.counts.fallbacks } };
  }

  /** The gateway as Apollo Server sees it, with this executor in place of Apollo's (unless the mode is `apollo`). */
  wrap(): GatewayInterface {
    const { gateway } = this;
    return {
      load: async (options) => {
        const loaded = await gateway.load(options);
        const apollo = loaded.executor;
        if (this.options.mode === 'apollo') return loaded;
        return { ...loaded, executor: (request) => this.execute(request, apollo) };
      },
      onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
      stop: () => gateway.stop(),
    };
  }

  async execute(request: GatewayGraphQLRequestContext, apollo: GatewayExecutor): Promise<GatewayExecutionResult> {
    // The planner of the supergraph being served: its plans fill the shared cache, and a second one would double
    // the memory that planning takes.
    const planner = this.gateway.__testing().queryPlanner;
    if (!planner) return this.fallBack('no supergraph loaded', request, apollo);
    // Apollo's debugging header asks its executor to show the plan; only that executor does.
    if (request.request.http?.headers.get('apollo-query-plan-experimental')) return this.fallBack('query plan shown', request, apollo);
    // The spans Apollo's executor makes (gateway.request, .plan, .execute; .fetch in PlanRun), so a trace reads the same.
    return inSpan('gateway.request', {}, () => this.executeOwn(planner, request, apollo));
  }

  private async executeOwn(planner: QueryPlanner, request: GatewayGraphQLRequestContext, apollo: GatewayExecutor): Promise<GatewayExecutionResult> {
    const { document, queryHash } = request;
    const operationName = request.request.operationName ?? null;
    const context = buildOperationContext({ schema: request.schema, operationDocument: document, ...(operationName ? { operationName } : {}) });
    const definitions = context.operation.variableDefinitions;
    if (definitions && definitions.length > 0) {
      const { errors } = getVariableValues(request.schema, definitions, request.request.variables ?? {});
      if (errors) return { errors };
    }
    const plan = await inSpan('gateway.plan', {}, () => this.planFor(planner, request, planKey(queryHash, operationName)));
    const compiled = this.compiledFor(plan, planner, request);
    if (compiled.kind === 'foreign') return this.fallBack(compiled.reason, request, apollo);
    const hook = (this.gateway as unknown as PlanHook).experimental_didResolveQueryPlan;
    if (hook) hook({ queryPlan: plan, serviceMap: Object.fromEntries(this.options.services), requestContext: request, operationContext: context });
    this.counts.served += 1;
    return inSpan('gateway.execute', {}, () => this.run(compiled, request));
  }

  private async planFor(planner: QueryPlanner, request: GatewayGraphQLRequestContext, key: string): Promise<QueryPlan> {
    const cached = await this.options.plans.get(key);
    if (cached) return cached;
    const operationName = request.request.operationName;
    const plan = planner.buildQueryPlan(operationFromDocument(planner.supergraph.apiSchema(), request.document, operationName ? { operationName } : {}));
    try {
      await this.options.plans.set(key, plan);
    } catch (error) {
      this.options.log.warn({ err: error }, 'query plan not stored');
    }
    return plan;
  }

  private compiledFor(plan: QueryPlan, planner: QueryPlanner, request: GatewayGraphQLRequestContext): CompiledPlan | ForeignPlan {
    let compiled = this.compiled.get(plan);
    if (!compiled) {
      let schemas = this.schemas.get(planner);
      if (!schemas) {
        schemas = { supergraph: new TypeConditions(planner.supergraph.schema), api: new TypeConditions(planner.supergraph.apiSchema()) };
        this.schemas.set(planner, schemas);
      }
      const operationName = request.request.operationName;
      const operation = operationFromDocument(schemas.api.schema, request.document, { validate: false, ...(operationName ? { operationName } : {}) });
      compiled = compilePlan(plan, operation, schemas.supergraph, schemas.api);
      this.compiled.set(plan, compiled);
    }
    return compiled;
  }

  private fallBack(reason: string, request: GatewayGraphQLRequestContext, apollo: GatewayExecutor): Promise<GatewayExecutionResult> {
    const { fallbacks } = this.counts;
    const first = fallbacks[reason] === undefined;
    fallbacks[reason] = (fallbacks[reason] ?? 0) + 1;
    // The first of each reason names an operation to look at; every request would flood the log (/health counts).
    if (first)
      this.options.log.info(
        { reason, operationName: request.request.operationName ?? null, queryHash: request.queryHash },
        "query plan run by Apollo's executor",
      );
    return apollo(request);
  }

  private async run(plan: CompiledPlan, request: GatewayGraphQLRequestContext): Promise<GatewayExecutionResult> {
    const run = new PlanRun(plan, this.options.services, request);
    try {
      await run.execute();
      const { data, errors } = plan.projection.run(run.tree, request.request.variables);
      if (run.errors.length > 0) return { errors: run.errors, data };
      // As in Apollo's executor: values that break the schema without any subgraph error are reported aside.
      return errors.length > 0 ? { extensions: { valueCompletion: errors }, data } : { data };
    } catch (error) {
      if (error instanceof UnexpectedValue) return { errors: [new GraphQLError(error.message, { originalError: error })] };
      throw error;
    }
  }
}
