import { fileURLToPath } from 'node:url';
import { loadTypeDefs, type GraphQLResolverMap, type SubgraphModule } from '../common/subgraph';
import { createAuditContext, type AuditContext } from './context';
import { resolvers } from './resolvers';

/** The access log subgraph, run by the gateway's operator: auditors' queries and citizens' access history. */
export const audit: SubgraphModule<AuditContext> = {
  name: 'audit',
  typeDefs: loadTypeDefs(import.meta.url),
  resolvers: resolvers as GraphQLResolverMap<unknown>,
  migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
  createContext: createAuditContext,
};
