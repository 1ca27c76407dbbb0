import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../../subgraphs/common/errors';
import type { GatewayContext } from '../context';
import { OperationShapes, withVariables } from './operation-fields';
import { deniedCoordinates, subjectsInArguments } from './policy';
import type { AccessStore } from './store';

const NO_GRANTS: ReadonlySet<string> = new Set();

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
            const named = request.operationName ? `no operation named "${request.operationName.slice(0, 64)}"` : 'several operations and no operationName to choose one';
            throw new GraphQLError(`The document has ${named}`, { extensions: { code: ErrorCode.OperationResolutionFailure, http: { status: 400 } } });
          }
          const fields = withVariables(shapes.of(schema, document, operation, queryHash), request.variables ?? {});
          const { principal, purpose, trail } = contextValue;
          if (principal.kind === 'client' && principal.client.trustedDocumentsOnly && !(await options.store.isTrustedDocument(principal.client.clientId, queryHash))) {
            throw new GraphQLError(`Client "${principal.client.clientId}" runs only its trusted documents, and operation ${queryHash} is not one of them`, {
              extensions: { code: ErrorCode.Forbidden, http: { status: 403 } },
            });
          }
          trail.coordinates = fields.coordinates;
          for (const subject of subjectsInArguments(fields)) trail.subjects.add(subject);
          const grants = principal.kind === 'client' && purpose ? await options.store.grantsFor(principal.client.clientId, purpose.code) : NO_GRANTS;
          const denied = deniedCoordinates(principal, fields, grants);
          if (denied.length === 0) return;
          const who = principal.kind === 'client' ? `Client "${principal.client.clientId}" may not read, for purpose ${purpose?.code}` : 'A citizen may read only their own record (and the ID and name of people it names), not';
          throw new GraphQLError(`${who}: ${denied.join(', ')}`, {
            extensions: { code: ErrorCode.Forbidden, denied, http: { status: 403 } },
          });
        },
      };
    },
  };
}
