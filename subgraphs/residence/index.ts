import { defineSubgraph } from '../kit';
import { createResidenceContext } from './context';
import { resolvers } from './resolvers';

/** The Residence Database subgraph: households, permanent and temporary residence, and their history. */
export const residence = defineSubgraph(import.meta.url, { name: 'residence', port: 4002, resolvers, createContext: createResidenceContext });

export { residenceSeeding } from './seed';
export type { AddressColumns, HouseholdRow, MemberRow, ResidenceRow } from './seed';
