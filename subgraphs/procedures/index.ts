import { defineSubgraph } from '../kit';
import { createProceduresContext } from './context';
import { resolvers } from './resolvers';

/** The procedure results subgraph: dossiers, issued documents and the once-only document check. */
export const procedures = defineSubgraph(import.meta.url, { name: 'procedures', port: 4003, resolvers, createContext: createProceduresContext });

export { checkRequiredDocuments } from './document-check';
export type { DocumentRecord } from './repository';

export { firstReusableHolder, proceduresSeeding } from './seed';
export type { DocumentRow, DossierRow } from './seed';
