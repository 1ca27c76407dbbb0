import { ApolloGateway, type Experimental_DidResolveQueryPlanCallback, type GraphQLDataSource } from '@apollo/gateway';
import type { QueryPlan } from '@apollo/query-planner';
import { ApolloServer } from '@apollo/server';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import type { FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import { expect } from 'vitest';
import { OnceExecutor, type ExecutorStats } from '../../gateway';
import { silentLog } from '../helpers/database';

process.env.APOLLO_TELEMETRY_DISABLED = '1';

export interface DifferentialOptions<TContext extends object> {
  supergraphSdl: string;
  /** The data source of each subgraph; both gateways send through the same ones. */
  services: Record<string, GraphQLDataSource>;
  /** A fresh request context for each request (the same shape for both executors). */
  context: () => TContext;
  /** The gateways' plan hook (both get it), called with every plan before it is executed. */
  didResolveQueryPlan?: Experimental_DidResolveQueryPlanCallback;
}

export interface Answer<TContext> {
  result: FormattedExecutionResult;
  context: TContext;
}

export interface Differential<TContext> {
  /**
   * Runs one request through Once's executor, then through Apollo's, each behind its own Apollo Server; `context`, when
   * given, makes each executor's request context instead of the options' (another caller).
   */
  run(query: string, variables?: Record<string, unknown>, context?: () => TContext): Promise<{ once: Answer<TContext>; apollo: Answer<TContext> }>;
  stats(): ExecutorStats;
  stop(): Promise<void>;
}

/**
 * Two gateways over one supergraph and one set of subgraphs: one runs plans with Once's executor, the other with
 * `@apollo/gateway`'s. Each has its own Apollo Server, so that a response is compared as a client receives it.
 */
export async function startDifferential<TContext extends object>(options: DifferentialOptions<TContext>): Promise<Differential<TContext>> {
  const buildService = ({ name }: { name: string }) => {
    const service = options.services[name];
    if (!service) throw new Error(`no data source for subgraph ${name}`);
    return service;
  };
  const plans = new InMemoryLRUCache<QueryPlan>();
  const hook = options.didResolveQueryPlan ? { experimental_didResolveQueryPlan: options.didResolveQueryPlan } : {};
  const ours = new ApolloGateway({ supergraphSdl: options.supergraphSdl, queryPlannerConfig: { cache: plans }, buildService, logger: silentLog, ...hook });
  const executor = new OnceExecutor(ours, { mode: 'once', plans, services: new Map(Object.entries(options.services)), log: silentLog });
  const once = new ApolloServer<TContext>({ gateway: executor.wrap(), logger: silentLog });
  const apollo = new ApolloServer<TContext>({
    gateway: new ApolloGateway({ supergraphSdl: options.supergraphSdl, buildService, logger: silentLog, ...hook }),
    logger: silentLog,
  });
  await Promise.all([once.start(), apollo.start()]);

  const answer = async (
    server: ApolloServer<TContext>,
    query: string,
    variables: Record<string, unknown> | undefined,
    context: TContext,
  ): Promise<Answer<TContext>> => {
    const response = await server.executeOperation({ query, ...(variables ? { variables } : {}) }, { contextValue: context });
    if (response.body.kind !== 'single') throw new Error('expected a single result');
    return { result: response.body.singleResult, context };
  };
  return {
    async run(query, variables, context = options.context) {
      const oursAnswer = await answer(once, query, variables, context());
      return { once: oursAnswer, apollo: await answer(apollo, query, variables, context()) };
    },
    stats: () => executor.stats(),
    async stop() {
      await Promise.all([once.stop(), apollo.stop()]);
    },
  };
}

type Path = readonly (string | number)[];

/** An error as the comparison sees it: what a client can branch on. */
function comparable(error: GraphQLFormattedError, withPath = true) {
  const path = error.path?.map((element) => (withPath || typeof element === 'string' ? element : '@')) ?? null;
  return JSON.stringify({ message: error.message, path, code: error.extensions?.code ?? null, serviceName: error.extensions?.serviceName ?? null });
}

/** Whether `path` leads to a null in `data` (the value itself, or an object or list above it that was nulled). */
export function pointsAtNull(data: unknown, path: Path): boolean {
  let value = data;
  for (const element of path) {
    if (value === null) return true;
    if (typeof value !== 'object') return false;
    value = (value as Record<string | number, unknown>)[element];
  }
  return value === null;
}

/**
 * `@apollo/gateway` numbers the entities of a flattened fetch by representation, not by position: when some objects
 * at the path send no representation (a type condition they do not match), an error about entity i is placed at the
 * i-th object of the list, which is another object (one that may not even have the field). Once's executor places it
 * at the object the representation came from. Such an error is accepted when only its list indices differ and Once's
 * path leads to the null the error explains (shop.test.ts shows Apollo's pointing at the wrong object).
 */
function expectSameErrors(once: readonly GraphQLFormattedError[], apollo: readonly GraphQLFormattedError[], onceData: unknown, operation: string): void {
  const ours = once.map((error) => comparable(error)).sort();
  const theirs = apollo.map((error) => comparable(error)).sort();
  if (JSON.stringify(ours) === JSON.stringify(theirs)) return;
  expect(once.map((error) => comparable(error, false)).sort(), operation).toEqual(apollo.map((error) => comparable(error, false)).sort());
  for (const error of once)
    if (!theirs.includes(comparable(error)) && error.path) expect(pointsAtNull(onceData, error.path), `${operation}: ${error.path.join('.')}`).toBe(true);
}

/**
 * Both executors answered alike: the same data (key order included, as it is serialised) and the same errors
 * (message, path, code, subgraph), in any order: the order of errors from parallel fetches is the order the
 * subgraphs answered in, for Apollo's executor as for ours.
 */
export function expectSameAnswer(once: FormattedExecutionResult, apollo: FormattedExecutionResult, operation: string): void {
  expect(JSON.stringify(once.data), operation).toBe(JSON.stringify(apollo.data));
  expectSameErrors(once.errors ?? [], apollo.errors ?? [], once.data, operation);
  const completion = (result: FormattedExecutionResult) =>
    ((result.extensions?.valueCompletion ?? []) as GraphQLFormattedError[]).map((error) => comparable(error)).sort();
  expect(completion(once), operation).toEqual(completion(apollo));
}
