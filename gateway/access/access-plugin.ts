import type { Experimental_DidResolveQueryPlanCallback } from '@apollo/gateway';
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { ErrorCode } from '../../platform';
import { isGatewayContext, type GatewayContext } from '../context';
import { OperationShapes, withVariables } from './operation-fields';
import { PlanFieldsCache } from './plan-fields';
import { deniedCoordinates, deniedPlanCoordinates, subjectsInArguments } from './policy';
import type { Principal, Purpose } from './principal';
import type { AccessStore } from './store';

const NO_GRANTS: ReadonlySet<string> = new Set();

function forbidden(principal: Principal, purpose: Purpose | null, denied: readonly string[], why = ''): GraphQLError {
  const who =
    principal.kind === 'client'
      ? `Client "${principal.client.clientId}" may not read, for purpose ${String(purpose?.code)}`
      : 'A citizen may read only their own record (and the ID and name of people it names), not';
  // A citizen is refused a Citizen field only of someone else (a parent, a household member): say so, lest it read as their own.
  const named =
    principal.kind === 'citizen'
      ? denied.map((coordinate) => (coordinate.startsWith('Citizen.') ? `${coordinate} of another person (a relative or household member)` : coordinate))
      : denied;
  return new GraphQLError(`${who}: ${named.join(', ')}${why}`, { extensions: { code: ErrorCode.Forbidden, denied, http: { status: 403 } } });
}

/**
 * Checks every field coordinate an operation can touch against the caller's grants for the request's purpose,
 * before any subgraph is called. One coordinate denied rejects the whole operation with FORBIDDEN and the list.
 */
export function createAccessPlugin(options: { store: AccessStore }): ApolloServerPlugin<GatewayContext> {
  const shapes = new OperationShapes();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request, contextValue, queryHash }) {
          if (!operation) {
            const named = request.operationName
              ? `no operation named "${request.operationName.slice(0, 64)}"`
              : 'several operations and no operationName to choose one';
            throw new GraphQLError(`The document has ${named}`, { extensions: { code: ErrorCode.OperationResolutionFailure, http: { status: 400 } } });
          }
          const fields = withVariables(shapes.of(schema, document, operation, queryHash), request.variables ?? {});
          const { principal, purpose, trail } = contextValue;
          if (
            principal.kind === 'client' &&
            principal.client.trustedDocumentsOnly &&
            !(await options.store.isTrustedDocument(principal.client.clientId, queryHash))
          ) {
            throw new GraphQLError(`Client "${principal.client.clientId}" runs only its trusted documents, and operation ${queryHash} is not one of them`, {
              extensions: { code: ErrorCode.Forbidden, http: { status: 403 } },
            });
          }
          trail.coordinates = fields.coordinates;
          for (const subject of subjectsInArguments(fields)) trail.subjects.add(subject);
          const grants = principal.kind === 'client' && purpose ? await options.store.grantsFor(principal.client.clientId, purpose.code) : NO_GRANTS;
          contextValue.grants = grants;
          const denied = deniedCoordinates(principal, fields, grants);
          if (denied.length > 0) throw forbidden(principal, purpose, denied);
        },
      };
    },
  };
}

/**
 * The same check on what the query plan sends to subgraphs: fields a subgraph `@requires` travel to it in entity
 * representations, so they count as read by the client. Runs when the plan is resolved (from the plan cache or
 * freshly made), before any subgraph is called; also notes for the audit record every coordinate sent and to which
 * subgraph. `learn` must see every supergraph the gateway loads.
 */
export function createPlanCheck(): {
  learn(apiSchema: GraphQLSchema, supergraphSdl: string): void;
  didResolveQueryPlan: Experimental_DidResolveQueryPlanCallback;
} {
  const plans = new PlanFieldsCache();
  return {
    learn: (apiSchema, supergraphSdl) => plans.learn(apiSchema, supergraphSdl),
    didResolveQueryPlan({ queryPlan, requestContext }) {
      const context = requestContext.context;
      if (!isGatewayContext(context)) return;
      const fields = plans.of(requestContext.schema, queryPlan);
      const { principal, purpose, trail } = context;
      if (fields.required.length > 0) {
        trail.coordinates = [...new Set([...trail.coordinates, ...fields.required.map((field) => field.coordinate)])].sort();
        const denied = deniedPlanCoordinates(principal, fields, context.grants ?? NO_GRANTS);
        if (denied.length > 0)
          throw forbidden(principal, purpose, denied, ' (the query plan would send them to a subgraph that requires them to resolve the fields asked for)');
      }
      trail.sent = fields.sent;
    },
  };
}
