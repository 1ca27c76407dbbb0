import type DataLoader from 'dataloader';
import { keyedLoader } from '../common/loader';
import { noteSubjects, type SubgraphContext, type SubgraphDeps } from '../common/subgraph';
import { createResidenceRepository, type CitizenResidence, type HouseholdRecord } from './repository';

export interface ResidenceContext extends SubgraphContext {
  residenceOf: DataLoader<string, CitizenResidence | null>;
  households: DataLoader<string, HouseholdRecord | null>;
  /** The day "current" is judged on, fixed for the whole request. */
  today: string;
}

export function createResidenceContext({ db }: SubgraphDeps): ResidenceContext {
  const repository = createResidenceRepository(db);
  const subjects = new Set<string>();
  const membersOf = (household: HouseholdRecord | null) => household?.members.map((member) => member.personalId) ?? [];
  return {
    subjects,
    residenceOf: keyedLoader(
      async (ids) =>
        noteSubjects(subjects, await repository.findByCitizens(ids), (row) => (row.household || row.records.length > 0 ? [row.personalId, ...membersOf(row.household)] : [])),
      (row) => row.personalId,
    ),
    households: keyedLoader(async (ids) => noteSubjects(subjects, await repository.findHouseholds(ids), membersOf), (row) => row.householdId),
    today: new Date().toISOString().slice(0, 10),
  };
}
