import { copyRows, type Database, type Queryable, type Session } from '../../platform';

/** Rows of the procedure tables as the seed generator makes them, keyed by column name. */
export interface DossierRow {
  dossier_code: string;
  procedure_code: string;
  applicant_id: string;
  handling_agency: string;
  submitted_at: string;
  decided_at: string | null;
  status: 'RECEIVED' | 'IN_PROGRESS' | 'SUPPLEMENT_REQUESTED' | 'APPROVED' | 'REJECTED' | 'WITHDRAWN';
}

export interface DocumentRow {
  document_id: string;
  document_type: string;
  number: string;
  holder_id: string;
  issuing_agency: string;
  issued_on: string;
  valid_until: string | null;
  revoked_on: string | null;
  dossier_code: string | null;
  copy_uri: string | null;
  copy_sha256: string | null;
  copy_signer: string | null;
  copy_signed_at: string | null;
  copy_reusable: boolean | null;
}

const DOSSIER_COLUMNS = [
  'dossier_code',
  'procedure_code',
  'applicant_id',
  'handling_agency',
  'submitted_at',
  'decided_at',
  'status',
] as const satisfies ReadonlyArray<keyof DossierRow>;
const DOCUMENT_COLUMNS = [
  'document_id',
  'document_type',
  'number',
  'holder_id',
  'issuing_agency',
  'issued_on',
  'valid_until',
  'revoked_on',
  'dossier_code',
  'copy_uri',
  'copy_sha256',
  'copy_signer',
  'copy_signed_at',
  'copy_reusable',
] as const satisfies ReadonlyArray<keyof DocumentRow>;

/** The procedures agency's seeding: with its migrations, the only writer of its tables (see population/seed.ts). */
export const proceduresSeeding = {
  /** Appends a batch's dossiers and the documents they produced, in foreign-key order; returns the rows written. */
  async write(db: Database, batch: { dossiers: readonly DossierRow[]; documents: readonly DocumentRow[] }): Promise<number> {
    return (
      (await copyRows(db, 'procedures.dossiers', DOSSIER_COLUMNS, batch.dossiers)) +
      (await copyRows(db, 'procedures.issued_documents', DOCUMENT_COLUMNS, batch.documents))
    );
  },
  /** Empties what seeding wrote (the procedure catalogue and document types of the migrations stay). */
  clear: (db: Session): Promise<void> => db.exec('TRUNCATE procedures.dossiers, procedures.issued_documents'),
};

/** The holder with the lowest personal ID of a reusable electronic document of `type`: the demo's sample citizen. */
export async function firstReusableHolder(db: Queryable, type: string): Promise<string | null> {
  const [row] = await db.query<{ id: string }>(
    'SELECT holder_id AS id FROM procedures.issued_documents WHERE document_type = $1 AND copy_reusable ORDER BY holder_id LIMIT 1',
    [type],
  );
  return row?.id ?? null;
}
