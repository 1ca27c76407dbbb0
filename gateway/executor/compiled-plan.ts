import type { Operation } from '@apollo/federation-internals';
import type { FetchNode, PlanNode, QueryPlan, SubscriptionNode } from '@apollo/query-planner';
import { compileRewrites, type DataRewriter } from './data-rewrites';
import { Projection, UnsupportedOperation } from './projection';
import { compileRepresentation, type RepresentationBuilder } from './representations';
import type { TypeConditions } from './type-conditions';

/** What a fetch needs at run time, worked out once per plan. */
export interface CompiledFetch {
  representation: RepresentationBuilder | null;
  inputRewrites: DataRewriter | null;
  outputRewrites: DataRewriter | null;
}

/** A plan made ready to run: its fetches compiled, and the projection of the operation it was planned for. */
export interface CompiledPlan {
  kind: 'compiled';
  root: PlanNode | null;
  fetches: Map<FetchNode, CompiledFetch>;
  projection: Projection;
  operation: Operation;
}

/** A plan this executor leaves to `@apollo/gateway`'s, and why. */
export interface ForeignPlan {
  kind: 'foreign';
  reason: string;
}

function compileNode(node: PlanNode | SubscriptionNode, supergraph: TypeConditions, fetches: Map<FetchNode, CompiledFetch>): void {
  switch (node.kind) {
    case 'Sequence':
    case 'Parallel':
      for (const child of node.nodes) compileNode(child, supergraph, fetches);
      return;
    case 'Flatten':
      compileNode(node.node, supergraph, fetches);
      return;
    case 'Condition':
      if (node.ifClause) compileNode(node.ifClause, supergraph, fetches);
      if (node.elseClause) compileNode(node.elseClause, supergraph, fetches);
      return;
    case 'Fetch':
      // `@fromContext` arguments: Apollo's executor does not apply them either, so the plan is left to it whole.
      if (node.contextRewrites?.length) throw new UnsupportedOperation('@fromContext');
      fetches.set(node, {
        representation: node.requires ? compileRepresentation(node.requires, supergraph) : null,
        inputRewrites: compileRewrites(node.inputRewrites, supergraph),
        outputRewrites: compileRewrites(node.outputRewrites, supergraph),
      });
      return;
    case 'Defer':
      throw new UnsupportedOperation('@defer');
    case 'Subscription':
      throw new UnsupportedOperation('subscription');
  }
}

/**
 * Compiles `plan` for `operation`. `supergraph` answers type conditions of the plan's fetches (they name
 * subgraph-only types), `api` those of the client's operation.
 */
export function compilePlan(plan: QueryPlan, operation: Operation, supergraph: TypeConditions, api: TypeConditions): CompiledPlan | ForeignPlan {
  try {
    const fetches = new Map<FetchNode, CompiledFetch>();
    if (plan.node) compileNode(plan.node, supergraph, fetches);
    // compileNode refused subscription plans above: what is left is a plan node.
    return { kind: 'compiled', root: (plan.node as PlanNode | undefined) ?? null, fetches, projection: Projection.compile(operation, api), operation };
  } catch (error) {
    if (error instanceof UnsupportedOperation) return { kind: 'foreign', reason: error.message };
    throw error;
  }
}
