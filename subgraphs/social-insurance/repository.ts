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
