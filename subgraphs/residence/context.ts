import type DataLoader from 'dataloader';
import { throughCache, keyedLoader, noteSubjects, type SubgraphContext, type SubgraphDeps } from '../kit';
import { createResidenceRepository, type CitizenResidence, type HouseholdRecord } from './repository';

export interface ResidenceContext extends SubgraphContext {
  residenceOf: DataLoader<string, CitizenResidence | null>;
  households: DataLoader<string, HouseholdRecord | null>;
  /** The day "current" is judged on, fixed for the whole request. */
  today: string;
}

export function createResidenceContext({ db, platform }: SubgraphDeps): ResidenceContext {
  const repository = createResidenceRepository(db);
  const subjects = new Set<string>();
  const membersOf = (household: HouseholdRecord | null) => household?.members.map((member) => member.personalId) ?? [];
  return {
    subjects,
    residenceOf: keyedLoader(
      async (ids) =>
        noteSubjects(subjects, await throughCache(platform.cache, 'residence:citizen', ids, repository.findByCitizens, (row) => row.personalId), (row) =>
          row.household || row.records.length > 0 ? [row.personalId, ...membersOf(row.household)] : [],
        ),
      (row) => row.personalId,
    ),
    households: keyedLoader(
      async (ids) =>
        noteSubjects(subjects, await throughCache(platform.cache, 'residence:household', ids, repository.findHouseholds, (row) => row.householdId), membersOf),
      (row) => row.householdId,
    ),
    today: new Date().toISOString().slice(0, 10),
  };
}
