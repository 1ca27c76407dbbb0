import { fileURLToPath } from 'node:url';
import { loadTypeDefs, type GraphQLResolverMap, type SubgraphModule } from '../common/subgraph';
import { createResidenceContext, type ResidenceContext } from './context';
import { resolvers } from './resolvers';

/** The Residence Database subgraph: households, permanent and temporary residence, and their history. */
export const residence: SubgraphModule<ResidenceContext> = {
  name: 'residence',
  typeDefs: loadTypeDefs(import.meta.url),
  resolvers: resolvers as GraphQLResolverMap<unknown>,
  migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
  createContext: createResidenceContext,
};
