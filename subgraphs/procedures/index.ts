import { defineSubgraph } from '../kit';
import { createProceduresContext, type ProceduresContext } from './context';
import { resolvers } from './resolvers';

/** The procedure results subgraph: dossiers, issued documents and the once-only document check. */
export const procedures = defineSubgraph<ProceduresContext>(import.meta.url, { name: 'procedures', resolvers, createContext: createProceduresContext });

export { checkRequiredDocuments } from './document-check';
export type { DocumentRecord } from './repository';

export { firstReusableHolder, proceduresSeeding } from './seed';
export type { DocumentRow, DossierRow } from './seed';
