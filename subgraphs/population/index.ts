import { defineSubgraph } from '../kit';
import { createPopulationContext } from './context';
import { resolvers } from './resolvers';

/** The National Population Database subgraph: who a person is (Law on Identity 2023, Art. 9). */
export const population = defineSubgraph(import.meta.url, { name: 'population', port: 4001, resolvers, createContext: createPopulationContext });

export { countCitizens, firstCitizens, populationSeeding, spreadPersonalIds } from './seed';
export type { CitizenRow } from './seed';
