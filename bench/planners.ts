import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { QueryPlanner } from '@apollo/query-planner';
import { QueryPlanner as RustQueryPlanner } from '@graphql-hive/router-query-planner';
import { parse } from 'graphql';

/** A query planner built for one supergraph, planning operations given as text. */
export interface Planner {
  plan(operation: string): unknown;
}

const NO_OVERRIDE_LABELS = new Set<string>();

/**
 * The planners compared by `npm run bench:planner` and `npm run bench:planner-compare`, by name: Apollo's (what the
 * gateway runs) and Hive Router's (Rust via N-API). Each plans from the text, parsing included, as Hive's must.
 */
export const PLANNERS: Record<string, (supergraphSdl: string) => Planner> = {
  '@apollo/query-planner': (supergraphSdl) => {
    const planner = new QueryPlanner(Supergraph.build(supergraphSdl));
    const schema = planner.supergraph.apiSchema();
    return { plan: (operation) => planner.buildQueryPlan(operationFromDocument(schema, parse(operation))) };
  },
  'Hive Router (Rust)': (supergraphSdl) => {
    const planner = new RustQueryPlanner(supergraphSdl);
    return { plan: (operation) => planner.plan(operation, null, NO_OVERRIDE_LABELS, 0) };
  },
};

/** What `work` returned, and how long it took in milliseconds. */
export function timed<T>(work: () => T): [T, number] {
  const started = performance.now();
  const result = work();
  return [result, performance.now() - started];
}

export const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
