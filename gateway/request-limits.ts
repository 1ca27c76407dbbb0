import type { IncomingMessage } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  OperationTypeNode,
  type DocumentNode,
  type FieldNode,
  type GraphQLField,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  valueFromASTUntyped,
} from 'graphql';
import { ErrorCode, Holdings, RETRY_AFTER_S } from '../platform';
import { principalLabel } from './access/principal';
import type { GatewayContext } from './context';

/** Arguments that give the number of items a list field returns (the GraphQL cost specification's `slicingArguments`). */
const SLICING_ARGUMENTS = new Set(['first', 'last', 'limit']);

function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer; got ${value}`);
}

/**
 * How many items a field's list holds, from its arguments: the length of a list argument (`personalIds`, `required`),
 * or a slicing argument (`first`, `last`, `limit`, given or by its default); null when none says.
 */
function listSize(field: FieldNode, definition: GraphQLField<unknown, unknown>, variables: Record<string, unknown>): number | null {
  let size: number | null = null;
  const grow = (value: number) => (size = Math.max(size ?? 0, value));
  for (const argument of definition.args) {
    const node = field.arguments?.find((given) => given.name.value === argument.name);
    const value = node
      ? node.value.kind === Kind.VARIABLE
        ? variables[node.value.name.value]
        : valueFromASTUntyped(node.value, variables)
      : argument.defaultValue;
    if (Array.isArray(value)) grow(value.length);
    else if (SLICING_ARGUMENTS.has(argument.name) && typeof value === 'number') grow(value);
  }
  return size;
}

/**
 * The cost of an operation, counting lists: every field resolved costs 1 each time it is resolved, that is times the
 * sizes of the lists above it. 29 aliases of `citizens(personalIds: [100 IDs])` with households and members cost
 * 29 x 100 x (their fields), not 29 x (their fields).
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  assumedListSize: number,
): number {
  const fragments = new Map(
    document.definitions
      .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
  const root =
    operation.operation === OperationTypeNode.QUERY
      ? schema.getQueryType()
      : operation.operation === OperationTypeNode.MUTATION
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  /** `sliced`: the size a paging field above (`auditRecords(first: 50)`) gives the lists of its page. */
  const costOf = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType, times: number, sliced: number | null): number => {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        // Validation has checked every field; a union has only __typename, and meta fields are free.
        const definition = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[selection.name.value] : undefined;
        if (!definition) continue;
        cost += times;
        const type = getNamedType(definition.type);
        if (!selection.selectionSet || !isCompositeType(type)) continue;
        const size = listSize(selection, definition, variables);
        cost += isListType(getNullableType(definition.type))
          ? costOf(selection.selectionSet, type, times * (size ?? sliced ?? assumedListSize), null)
          : costOf(selection.selectionSet, type, times, size);
        continue;
      }
      const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
      if (!fragment) continue;
      const condition = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : parent;
      cost += costOf(fragment.selectionSet, isCompositeType(condition) ? condition : parent, times, sliced);
    }
    return cost;
  };
  return root ? costOf(operation.selectionSet, root, 1, null) : 0;
}

/**
 * Refuses, before any subgraph is called, an operation whose cost with its list sizes (`operationCost`) is over
 * `maxCost`: 400 COST_LIMIT_EXCEEDED, with the cost in `extensions.cost`.
 */
export function createCostPlugin(options: { maxCost: number; assumedListSize: number }): ApolloServerPlugin<GatewayContext> {
  requirePositiveInteger('maxCost', options.maxCost);
  requirePositiveInteger('assumedListSize', options.assumedListSize);
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return;
          const cost = operationCost(schema, document, operation, request.variables ?? {}, options.assumedListSize);
          if (cost <= options.maxCost) return;
          throw new GraphQLError(
            `Operation costs ${cost}, more than the limit of ${options.maxCost} (MAX_COST): each field counts once per item of every list above it (list sizes from arguments such as personalIds or first, else ${options.assumedListSize})`,
            {
              extensions: { code: ErrorCode.CostLimitExceeded, cost, maxCost: options.maxCost, http: { status: 400 } },
            },
          );
        },
      };
    },
  };
}

/**
 * Whose slots a request takes (MAX_IN_FLIGHT_PER_CREDENTIAL), before it is authenticated: the credential it presents
 * (held only while its requests are in flight, as the request itself holds it), or its remote address without one.
 */
export function admissionKey(request: IncomingMessage): string {
  const credential = request.headers['x-api-key'] ?? request.headers.authorization;
  if (typeof credential === 'string' && credential !== '') return `credential:${credential}`;
  return `address:${request.socket.remoteAddress ?? 'unknown'}`;
}

/**
 * At most `perPrincipal` operations of one client or citizen execute at once in this process: one caller's flood
 * cannot take every slot of MAX_IN_FLIGHT. Past it, 429 CONCURRENCY_LIMITED with Retry-After, before execution.
 */
export function createConcurrencyPlugin(options: { perPrincipal: number }): ApolloServerPlugin<GatewayContext> {
  requirePositiveInteger('perPrincipal', options.perPrincipal);
  const running = new Holdings();
  return {
    async requestDidStart() {
      let holder: string | null = null;
      return {
        async didResolveOperation({ contextValue }) {
          if (contextValue.principal.kind === 'anonymous') return;
          const who = principalLabel(contextValue.principal);
          const count = running.of(who);
          if (count >= options.perPrincipal) {
            const extensions: Record<string, unknown> = {
              code: ErrorCode.ConcurrencyLimited,
              http: { status: 429, headers: new Map([['retry-after', String(RETRY_AFTER_S)]]) },
            };
            throw new GraphQLError(`${who} already has ${count} requests running, its limit (MAX_CONCURRENT_PER_PRINCIPAL); retry when one has finished`, {
              extensions,
            });
          }
          running.take(who);
          holder = who;
        },
        async willSendResponse() {
          if (holder === null) return;
          running.release(holder);
          holder = null;
        },
      };
    },
  };
}

/**
 * Replaces an answer larger than `maxBytes` (as JSON) by 413 RESPONSE_TOO_LARGE, before it is audited or sent: a
 * caller that needs more asks for less per request. Must come before the audit plugin, which then records the refusal.
 */
export function createResponseSizePlugin(options: { maxBytes: number }): ApolloServerPlugin<GatewayContext> {
  requirePositiveInteger('maxBytes', options.maxBytes);
  return {
    async requestDidStart() {
      return {
        // No await before the replacement: hooks start in plugin order, so the audit plugin after this one sees it.
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single' || !response.body.singleResult.data) return;
          const bytes = Buffer.byteLength(JSON.stringify(response.body.singleResult.data));
          if (bytes <= options.maxBytes) return;
          response.http.status = 413;
          response.body = {
            kind: 'single',
            singleResult: {
              errors: [
                {
                  message: `The answer is ${bytes} bytes, more than the limit of ${options.maxBytes} (MAX_RESPONSE_BYTES); ask for fewer people or fields per request`,
                  extensions: { code: ErrorCode.ResponseTooLarge, bytes },
                },
              ],
            },
          };
        },
      };
    },
  };
}
