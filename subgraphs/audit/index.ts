import { defineSubgraph } from '../kit/subgraph';
import { createAuditContext, type AuditContext } from './context';
import { resolvers } from './resolvers';

/** The access log subgraph, run by the gateway's operator: auditors' queries and citizens' access history. */
export const audit = defineSubgraph<AuditContext>(import.meta.url, { name: 'audit', resolvers, createContext: createAuditContext });
