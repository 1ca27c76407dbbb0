import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import { printSchema, type GraphQLSchema } from 'graphql';

const SUPERGRAPH_FILE = new URL('../schema/supergraph.graphql', import.meta.url);

/**
 * The schema portals query: the API schema of the committed supergraph (schema/supergraph.graphql), without the
 * join__ and link__ machinery of composition. Operations are checked and typed against it (codegen.ts, tests), not
 * against any one subgraph, because a portal sees only the composed graph. operations/index.ts does not export it,
 * so that a portal importing its typed documents loads none of composition's code.
 */
export function supergraphApiSchema(): GraphQLSchema {
  return Supergraph.build(readFileSync(SUPERGRAPH_FILE, 'utf8')).apiSchema().toGraphQLJSSchema();
}

/** The same schema as SDL text, which GraphQL Code Generator accepts in place of a schema file. */
export function supergraphApiSdl(): string {
  return printSchema(supergraphApiSchema());
}
