import type DataLoader from 'dataloader';
import { throughCache, keyedLoader, noteSubjects, type SubgraphContext, type SubgraphDeps } from '../kit';
import { createProceduresRepository, type CitizenProcedures, type DocumentRecord, type DossierRecord, type ProceduresRepository } from './repository';

export interface ProceduresContext extends SubgraphContext {
  proceduresOf: DataLoader<string, CitizenProcedures | null>;
  documents: DataLoader<string, DocumentRecord | null>;
  dossiers: DataLoader<string, DossierRecord | null>;
  repository: ProceduresRepository;
  /** The day validity is judged on, fixed for the whole request. */
  today: string;
}

export function createProceduresContext({ db, platform }: SubgraphDeps): ProceduresContext {
  const repository = createProceduresRepository(db);
  const subjects = new Set<string>();
  return {
    subjects,
    proceduresOf: keyedLoader(
      async (ids) =>
        noteSubjects(subjects, await throughCache(platform.cache, 'procedures:citizen', ids, repository.findByCitizens, (row) => row.personalId), (row) =>
          row.documents.length + row.dossiers.length > 0 ? [row.personalId] : [],
        ),
      (row) => row.personalId,
    ),
    documents: keyedLoader(
      async (ids) => noteSubjects(subjects, await repository.findDocuments(ids), (row) => [row.holderId]),
      (row) => row.documentId,
    ),
    dossiers: keyedLoader(
      async (ids) => noteSubjects(subjects, await repository.findDossiers(ids), (row) => [row.applicantId]),
      (row) => row.dossierCode,
    ),
    repository,
    today: new Date().toISOString().slice(0, 10),
  };
}
