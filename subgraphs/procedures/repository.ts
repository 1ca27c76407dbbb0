import type { Queryable } from '../../platform';
import type { DocumentType, DossierStatus } from './generated/resolvers-types';

export interface CitizenKey {
  personalId: string;
}

export interface ProcedureRow {
  code: string;
  name: string;
  domain: string;
  resultType: DocumentType | null;
  requiredDocuments: DocumentType[];
}

export interface ElectronicCopyRecord {
  uri: string;
  sha256: string;
  signer: string;
  signedAt: string;
  reusable: boolean;
}

export interface DocumentRecord {
  documentId: string;
  type: DocumentType;
  number: string;
  holderId: string;
  issuingAgency: string;
  issuedOn: string;
  validUntil: string | null;
  revokedOn: string | null;
  dossierCode: string | null;
  electronicCopy: ElectronicCopyRecord | null;
}

export interface DossierRecord {
  dossierCode: string;
  applicantId: string;
  handlingAgency: string;
  submittedAt: string | Date;
  decidedAt: string | Date | null;
  status: DossierStatus;
  procedure: ProcedureRow;
  resultDocumentId: string | null;
}

/** Everything this subgraph holds about one person, newest first. */
export interface CitizenProcedures {
  personalId: string;
  documents: DocumentRecord[];
  dossiers: DossierRecord[];
}

const SELECT_CITIZEN_PROCEDURES = `
  SELECT p.id AS "personalId",
         (SELECT coalesce(json_agg(dv ORDER BY dv."issuedOn" DESC, dv."documentId"), '[]'::json)
            FROM procedures.document_view dv WHERE dv."holderId" = p.id) AS documents,
         (SELECT coalesce(json_agg(sv ORDER BY sv."submittedAt" DESC, sv."dossierCode"), '[]'::json)
            FROM procedures.dossier_view sv WHERE sv."applicantId" = p.id) AS dossiers
    FROM unnest($1::text[]) AS p(id)`;

export interface ProceduresRepository {
  /** One row per asked ID: one statement whatever the count. */
  findByCitizens: (personalIds: readonly string[]) => Promise<CitizenProcedures[]>;
  findDocuments: (documentIds: readonly string[]) => Promise<DocumentRecord[]>;
  findDossiers: (dossierCodes: readonly string[]) => Promise<DossierRecord[]>;
  listProcedures: () => Promise<ProcedureRow[]>;
}

export function createProceduresRepository(db: Queryable): ProceduresRepository {
  return {
    findByCitizens: (ids) => db.query<CitizenProcedures>(SELECT_CITIZEN_PROCEDURES, [ids]),
    findDocuments: (ids) => db.query<DocumentRecord>(`SELECT * FROM procedures.document_view WHERE "documentId" = ANY($1::text[])`, [ids]),
    findDossiers: (codes) => db.query<DossierRecord>(`SELECT * FROM procedures.dossier_view WHERE "dossierCode" = ANY($1::text[])`, [codes]),
    listProcedures: () => db.query<ProcedureRow>('SELECT * FROM procedures.procedure_view ORDER BY code'),
  };
}
