import { defineSubgraph } from '../kit';
import { createSocialInsuranceContext } from './context';
import { resolvers } from './resolvers';

/** The social insurance agency's subgraph: published through the registry at runtime, not built in. */
export const socialInsurance = defineSubgraph(import.meta.url, {
  name: 'social-insurance',
  port: 4010,
  resolvers,
  createContext: createSocialInsuranceContext,
});

export { seedBooks } from './seed';
