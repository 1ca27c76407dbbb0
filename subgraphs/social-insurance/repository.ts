import type { Queryable } from '../../platform';
import type { InsuranceStatus } from './generated/resolvers-types';

export interface CitizenKey {
  personalId: string;
}

export interface BookRecord {
  bookNumber: string;
  personalId: string;
  status: InsuranceStatus;
  contributionMonths: number;
  employer: string | null;
  lastContributionOn: string | null;
}

const COLUMNS = `book_number AS "bookNumber", personal_id AS "personalId", status, contribution_months AS "contributionMonths",
  employer, last_contribution_on AS "lastContributionOn"`;

export function findBooksByHolders(db: Queryable, personalIds: readonly string[]): Promise<BookRecord[]> {
  return db.query<BookRecord>(`SELECT ${COLUMNS} FROM social_insurance.books WHERE personal_id = ANY($1::text[])`, [personalIds]);
}

export function findBooks(db: Queryable, bookNumbers: readonly string[]): Promise<BookRecord[]> {
  return db.query<BookRecord>(`SELECT ${COLUMNS} FROM social_insurance.books WHERE book_number = ANY($1::text[])`, [bookNumbers]);
}

/**
 * Synthetic books for working-age people of the population data (the agency's own small data set): deterministic,
 * derived from each personal ID.
 */
export async function seedBooks(db: Queryable, limit: number): Promise<number> {
  const rows = await db.query(
    `INSERT INTO social_insurance.books (book_number, personal_id, status, contribution_months, employer, last_contribution_on)
     SELECT lpad((('x' || substr(md5(personal_id), 1, 8))::bit(32)::bigint % 10000000000)::text, 10, '0'),
            personal_id,
            (ARRAY['PARTICIPATING', 'PARTICIPATING', 'PAUSED', 'CLOSED'])[1 + ('x' || substr(md5(personal_id), 9, 2))::bit(8)::int % 4],
            ('x' || substr(md5(personal_id), 11, 2))::bit(8)::int,
            (ARRAY['Công ty TNHH Minh Phát', 'Công ty Cổ phần Sông Hồng', 'Hợp tác xã Tân Tiến', NULL])[1 + ('x' || substr(md5(personal_id), 13, 2))::bit(8)::int % 4],
            DATE '2026-09-30' - ('x' || substr(md5(personal_id), 15, 2))::bit(8)::int
       FROM population.citizens
      WHERE date_of_birth BETWEEN DATE '1961-01-01' AND DATE '2008-01-01' AND life_status = 'ALIVE'
      ORDER BY personal_id LIMIT $1
     ON CONFLICT DO NOTHING RETURNING 1`,
    [limit],
  );
  return rows.length;
}
