/** Rows of the seeded tables, keyed by column name, and the order COPY writes them in. */
export interface CitizenRow {
  personal_id: string;
  full_name: string;
  other_names: string[];
  date_of_birth: string;
  sex: 'MALE' | 'FEMALE';
  place_of_birth: string;
  place_of_birth_registration: string;
  hometown: string;
  ethnicity: string;
  religion: string;
  nationality: string;
  blood_type: string | null;
  marital_status: 'SINGLE' | 'MARRIED' | 'DIVORCED' | 'WIDOWED';
  old_id_number: string | null;
  id_card_issued_on: string | null;
  id_card_issued_by: string | null;
  id_card_expires_on: string | null;
  phone: string | null;
  email: string | null;
  occupation: string | null;
  life_status: 'ALIVE' | 'DECEASED' | 'MISSING';
  date_of_death: string | null;
  missing_since: string | null;
  father_id: string | null;
  mother_id: string | null;
  spouse_id: string | null;
}

export interface AddressColumns {
  address_detail: string;
  address_commune: string;
  address_district: string | null;
  address_province: string;
  address_scheme: 'THREE_LEVEL' | 'TWO_LEVEL';
}

export interface HouseholdRow extends AddressColumns {
  household_id: string;
  residence_file_number: string;
  head_id: string;
}

export interface MemberRow {
  household_id: string;
  personal_id: string;
  relationship: string;
  joined_on: string;
  left_on: string | null;
}

export interface ResidenceRow extends AddressColumns {
  record_id: string;
  personal_id: string;
  kind: 'PERMANENT' | 'TEMPORARY' | 'TEMPORARY_ABSENCE';
  household_id: string | null;
  registered_on: string;
  valid_until: string | null;
  deregistered_on: string | null;
  deregistration_reason: string | null;
  registered_by: string;
}

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

export interface SeedBatch {
  citizens: CitizenRow[];
  households: HouseholdRow[];
  householdMembers: MemberRow[];
  residenceRecords: ResidenceRow[];
  dossiers: DossierRow[];
  documents: DocumentRow[];
}

type Columns<Row> = ReadonlyArray<keyof Row & string>;

const addressColumns = ['address_detail', 'address_commune', 'address_district', 'address_province', 'address_scheme'] as const;

/** Tables in load order (a row's foreign keys point at tables earlier in the list). */
export const seedTables = [
  {
    key: 'citizens',
    table: 'population.citizens',
    columns: ['personal_id', 'full_name', 'other_names', 'date_of_birth', 'sex', 'place_of_birth',
      'place_of_birth_registration', 'hometown', 'ethnicity', 'religion', 'nationality', 'blood_type', 'marital_status',
      'old_id_number', 'id_card_issued_on', 'id_card_issued_by', 'id_card_expires_on', 'phone', 'email', 'occupation',
      'life_status', 'date_of_death', 'missing_since', 'father_id', 'mother_id', 'spouse_id'] satisfies Columns<CitizenRow>,
  },
  {
    key: 'households',
    table: 'residence.households',
    columns: ['household_id', 'residence_file_number', 'head_id', ...addressColumns] satisfies Columns<HouseholdRow>,
  },
  {
    key: 'householdMembers',
    table: 'residence.household_members',
    columns: ['household_id', 'personal_id', 'relationship', 'joined_on', 'left_on'] satisfies Columns<MemberRow>,
  },
  {
    key: 'residenceRecords',
    table: 'residence.residence_records',
    columns: ['record_id', 'personal_id', 'kind', 'household_id', ...addressColumns, 'registered_on', 'valid_until',
      'deregistered_on', 'deregistration_reason', 'registered_by'] satisfies Columns<ResidenceRow>,
  },
  {
    key: 'dossiers',
    table: 'procedures.dossiers',
    columns: ['dossier_code', 'procedure_code', 'applicant_id', 'handling_agency', 'submitted_at', 'decided_at',
      'status'] satisfies Columns<DossierRow>,
  },
  {
    key: 'documents',
    table: 'procedures.issued_documents',
    columns: ['document_id', 'document_type', 'number', 'holder_id', 'issuing_agency', 'issued_on', 'valid_until',
      'revoked_on', 'dossier_code', 'copy_uri', 'copy_sha256', 'copy_signer', 'copy_signed_at',
      'copy_reusable'] satisfies Columns<DocumentRow>,
  },
] as const satisfies ReadonlyArray<{ key: keyof SeedBatch; table: string; columns: readonly string[] }>;
