import type DataLoader from 'dataloader';
import { keyedLoader } from '../common/loader';
import type { SubgraphDeps } from '../common/subgraph';
import { createResidenceRepository, type CitizenResidence, type HouseholdRecord } from './repository';

export interface ResidenceContext {
  residenceOf: DataLoader<string, CitizenResidence | null>;
  households: DataLoader<string, HouseholdRecord | null>;
  /** The day "current" is judged on, fixed for the whole request. */
  today: string;
}

export function createResidenceContext({ db }: SubgraphDeps): ResidenceContext {
  const repository = createResidenceRepository(db);
  return {
    residenceOf: keyedLoader(repository.findByCitizens, (row) => row.personalId),
    households: keyedLoader(repository.findHouseholds, (row) => row.householdId),
    today: new Date().toISOString().slice(0, 10),
  };
}
