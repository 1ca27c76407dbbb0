import { fileURLToPath } from 'node:url';
import { loadTypeDefs, type GraphQLResolverMap, type SubgraphModule } from '../common/subgraph';
import { createPopulationContext, type PopulationContext } from './context';
import { resolvers } from './resolvers';

/** The National Population Database subgraph: who a person is (Law on Identity 2023, Art. 9). */
export const population: SubgraphModule<PopulationContext> = {
  name: 'population',
  typeDefs: loadTypeDefs(import.meta.url),
  resolvers: resolvers as GraphQLResolverMap<unknown>,
  migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
  createContext: createPopulationContext,
};
