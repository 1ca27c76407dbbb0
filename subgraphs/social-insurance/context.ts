import type DataLoader from 'dataloader';
import { keyedLoader, noteSubjects, type SubgraphContext, type SubgraphDeps } from '../kit';
import { findBooks, findBooksByHolders, type BookRecord } from './repository';

export interface SocialInsuranceContext extends SubgraphContext {
  bookOf: DataLoader<string, BookRecord | null>;
  books: DataLoader<string, BookRecord | null>;
}

export function createSocialInsuranceContext({ db }: SubgraphDeps): SocialInsuranceContext {
  const subjects = new Set<string>();
  return {
    subjects,
    bookOf: keyedLoader(
      async (ids) => noteSubjects(subjects, await findBooksByHolders(db, ids), (row) => [row.personalId]),
      (row) => row.personalId,
    ),
    books: keyedLoader(
      async (numbers) => noteSubjects(subjects, await findBooks(db, numbers), (row) => [row.personalId]),
      (row) => row.bookNumber,
    ),
  };
}
