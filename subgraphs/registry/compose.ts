import { composeServices } from '@apollo/composition';
import type { DocumentNode, GraphQLError, GraphQLSchema } from 'graphql';

export interface SubgraphSource {
  name: string;
  /** Routing URL the gateway sends this subgraph's fetches to. */
  url: string;
  typeDefs: DocumentNode;
}

export class CompositionError extends Error {
  override readonly name = 'CompositionError';
  constructor(readonly errors: readonly GraphQLError[]) {
    super(`Composition failed with ${errors.length} error${errors.length === 1 ? '' : 's'}:\n${errors.map(describeError).join('\n')}`);
  }
}

/** Where an error points, as `file:line:column` of the subgraph SDL it comes from. */
export function describeLocations(error: GraphQLError): string[] {
  const fromNodes = (error.nodes ?? []).flatMap((node) =>
    node.loc ? [`${node.loc.source.name}:${node.loc.startToken.line}:${node.loc.startToken.column}`] : [],
  );
  if (fromNodes.length > 0) return fromNodes;
  return (error.locations ?? []).map((location) => `${error.source?.name ?? 'sdl'}:${location.line}:${location.column}`);
}

/** One line per error: its code, message and where in which subgraph's SDL. */
function describeError(error: GraphQLError): string {
  const code = typeof error.extensions.code === 'string' ? error.extensions.code : 'COMPOSITION_ERROR';
  const where = describeLocations(error);
  return `  [${code}] ${error.message}${where.length > 0 ? ` (at ${where.join(', ')})` : ''}`;
}

/** Composes subgraphs with @apollo/composition; throws CompositionError when they do not fit. */
export function compose(subgraphs: readonly SubgraphSource[]): { supergraphSdl: string; apiSchema: GraphQLSchema } {
  const result = composeServices(subgraphs.map(({ name, url, typeDefs }) => ({ name, url, typeDefs })));
  if (result.errors) throw new CompositionError(result.errors);
  return { supergraphSdl: result.supergraphSdl, apiSchema: result.schema.toAPISchema().toGraphQLJSSchema() };
}

/** The supergraph SDL of `subgraphs`; throws CompositionError when they do not fit. */
export function composeSupergraph(subgraphs: readonly SubgraphSource[]): string {
  return compose(subgraphs).supergraphSdl;
}
