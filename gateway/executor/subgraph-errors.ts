import { ERRORS, errorCodeDef } from '@apollo/federation-internals';
import type { ResponsePath } from '@apollo/query-planner';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/**
 * An error a subgraph returned, as the client sees it: at its path in the client's response, naming the subgraph
 * (`extensions.serviceName`), with the subgraph's code or DOWNSTREAM_SERVICE_ERROR. Worded as `@apollo/gateway`
 * words it, so that switching executors changes nothing a client can see.
 */
export function subgraphError(original: GraphQLFormattedError, serviceName: string, path: ResponsePath | undefined): GraphQLError {
  const message = original.message || `Error while fetching subquery from service "${serviceName}"`;
  const options = { originalError: original as Error, path, extensions: { ...original.extensions, serviceName } };
  const known = errorCodeDef(original);
  if (!known && original.extensions?.code) return new GraphQLError(message, options);
  return (known ?? ERRORS.DOWNSTREAM_SERVICE_ERROR).err(message, options);
}

/**
 * The response paths of the objects a flattened fetch was sent for, in the order their representations were
 * built: `path` is the plan's (with `@` for every list), walked through the response tree as it is now.
 */
export function entityPaths(tree: unknown, path: ResponsePath): ResponsePath[] {
  const found: ResponsePath[] = [];
  const walk = (value: unknown, depth: number, at: (string | number)[]): void => {
    if (value === null || value === undefined) return;
    const head = path[depth];
    if (head === undefined) {
      found.push([...at]);
    } else if (head === '@' || Array.isArray(value)) {
      if (!Array.isArray(value)) return;
      const next = head === '@' ? depth + 1 : depth;
      value.forEach((element: unknown, index) => walk(element, next, [...at, index]));
    } else if (typeof value === 'object' && Object.hasOwn(value, head)) {
      walk((value as Record<string, unknown>)[head], depth + 1, [...at, head]);
    }
  };
  walk(tree, 0, []);
  return found;
}
