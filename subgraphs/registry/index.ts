import { defineSubgraph } from '../kit/subgraph';
import { createRegistryContext, type RegistryContext } from './context';
import { resolvers } from './resolvers';

/** The schema registry subgraph, run by the gateway's operator. */
export const registry = defineSubgraph<RegistryContext>(import.meta.url, { name: 'registry', resolvers, createContext: createRegistryContext });
