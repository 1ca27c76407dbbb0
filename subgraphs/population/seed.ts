import { copyRows, type Database, type Queryable, type Session } from '../../platform';

/** One row of population.citizens as the seed generator makes it, keyed by column name. */
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

const CITIZEN_COLUMNS = [
  'personal_id',
  'full_name',
  'other_names',
  'date_of_birth',
  'sex',
  'place_of_birth',
  'place_of_birth_registration',
  'hometown',
  'ethnicity',
  'religion',
  'nationality',
  'blood_type',
  'marital_status',
  'old_id_number',
  'id_card_issued_on',
  'id_card_issued_by',
  'id_card_expires_on',
  'phone',
  'email',
  'occupation',
  'life_status',
  'date_of_death',
  'missing_since',
  'father_id',
  'mother_id',
  'spouse_id',
] as const satisfies ReadonlyArray<keyof CitizenRow>;

/**
 * The population agency's seeding: with its migrations, the only writer of its tables. The seed tool generates rows
 * and hands each agency its share (see subgraphs/seed/load.ts); it names no agency's table itself.
 */
export const populationSeeding = {
  /** Appends a batch's citizens; returns how many rows it wrote. */
  write: (db: Database, batch: { citizens: readonly CitizenRow[] }): Promise<number> => copyRows(db, 'population.citizens', CITIZEN_COLUMNS, batch.citizens),
  /** Empties what seeding wrote. */
  clear: (db: Session): Promise<void> => db.exec('TRUNCATE population.citizens'),
};

/** Number of citizens in the database: zero means not seeded yet. */
export async function countCitizens(db: Queryable): Promise<number> {
  const [row] = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM population.citizens');
  return row?.count ?? 0;
}

/** A few citizens to sign in as in a demo: `first` (when it is one) and then the lowest personal IDs. */
export function firstCitizens(db: Queryable, first: string, limit: number): Promise<Array<{ personalId: string; fullName: string }>> {
  return db.query(`SELECT personal_id AS "personalId", full_name AS "fullName" FROM population.citizens ORDER BY personal_id = $1 DESC, personal_id LIMIT $2`, [
    first,
    limit,
  ]);
}

/** Personal IDs spread over the whole data set (not the lowest ones), for load that touches every part of it. */
export async function spreadPersonalIds(db: Queryable, limit: number): Promise<string[]> {
  return (await db.query<{ id: string }>('SELECT personal_id AS id FROM population.citizens ORDER BY md5(personal_id) LIMIT $1', [limit])).map((row) => row.id);
}
