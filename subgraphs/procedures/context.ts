import type DataLoader from 'dataloader';
import { keyedLoader } from '../common/loader';
import type { SubgraphDeps } from '../common/subgraph';
import { createProceduresRepository, type CitizenProcedures, type DocumentRecord, type DossierRecord, type ProceduresRepository } from './repository';

export interface ProceduresContext {
  proceduresOf: DataLoader<string, CitizenProcedures | null>;
  documents: DataLoader<string, DocumentRecord | null>;
  dossiers: DataLoader<string, DossierRecord | null>;
  repository: ProceduresRepository;
  /** The day validity is judged on, fixed for the whole request. */
  today: string;
}

export function createProceduresContext({ db }: SubgraphDeps): ProceduresContext {
  const repository = createProceduresRepository(db);
  return {
    proceduresOf: keyedLoader(repository.findByCitizens, (row) => row.personalId),
    documents: keyedLoader(repository.findDocuments, (row) => row.documentId),
    dossiers: keyedLoader(repository.findDossiers, (row) => row.dossierCode),
    repository,
    today: new Date().toISOString().slice(0, 10),
  };
}
