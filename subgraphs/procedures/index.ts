import { fileURLToPath } from 'node:url';
import { loadTypeDefs, type GraphQLResolverMap, type SubgraphModule } from '../common/subgraph';
import { createProceduresContext, type ProceduresContext } from './context';
import { resolvers } from './resolvers';

/** The procedure results subgraph: dossiers, issued documents and the once-only document check. */
export const procedures: SubgraphModule<ProceduresContext> = {
  name: 'procedures',
  typeDefs: loadTypeDefs(import.meta.url),
  resolvers: resolvers as GraphQLResolverMap<unknown>,
  migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
  createContext: createProceduresContext,
};
