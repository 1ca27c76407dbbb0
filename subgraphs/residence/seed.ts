import { copyRows, type Database, type Session } from '../../platform';

/** Rows of the residence tables as the seed generator makes them, keyed by column name. */
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

const ADDRESS_COLUMNS = ['address_detail', 'address_commune', 'address_district', 'address_province', 'address_scheme'] as const;
const HOUSEHOLD_COLUMNS = ['household_id', 'residence_file_number', 'head_id', ...ADDRESS_COLUMNS] as const satisfies ReadonlyArray<keyof HouseholdRow>;
const MEMBER_COLUMNS = ['household_id', 'personal_id', 'relationship', 'joined_on', 'left_on'] as const satisfies ReadonlyArray<keyof MemberRow>;
const RECORD_COLUMNS = [
  'record_id',
  'personal_id',
  'kind',
  'household_id',
  ...ADDRESS_COLUMNS,
  'registered_on',
  'valid_until',
  'deregistered_on',
  'deregistration_reason',
  'registered_by',
] as const satisfies ReadonlyArray<keyof ResidenceRow>;

/** The residence agency's seeding: with its migrations, the only writer of its tables (see population/seed.ts). */
export const residenceSeeding = {
  /** Appends a batch's households, members and residence records, in foreign-key order; returns the rows written. */
  async write(
    db: Database,
    batch: { households: readonly HouseholdRow[]; householdMembers: readonly MemberRow[]; residenceRecords: readonly ResidenceRow[] },
  ): Promise<number> {
    return (
      (await copyRows(db, 'residence.households', HOUSEHOLD_COLUMNS, batch.households)) +
      (await copyRows(db, 'residence.household_members', MEMBER_COLUMNS, batch.householdMembers)) +
      (await copyRows(db, 'residence.residence_records', RECORD_COLUMNS, batch.residenceRecords))
    );
  },
  /** Empties what seeding wrote. */
  clear: (db: Session): Promise<void> => db.exec('TRUNCATE residence.households, residence.household_members, residence.residence_records'),
};
