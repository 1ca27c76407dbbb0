import type DataLoader from 'dataloader';
import { noteSubjects, type SubgraphContext, type SubgraphDeps } from '../common/subgraph';
import { keyedLoader } from '../common/loader';
import { createCitizenRepository, type CitizenRecord } from './repository';

export interface PopulationContext extends SubgraphContext {
  citizens: DataLoader<string, CitizenRecord | null>;
  maxCitizensPerQuery: number;
}

export function createPopulationContext({ db, config }: SubgraphDeps): PopulationContext {
  const repository = createCitizenRepository(db);
  const subjects = new Set<string>();
  return {
    subjects,
    citizens: keyedLoader(async (ids) => noteSubjects(subjects, await repository.findByIds(ids), (row) => [row.personalId]), (row) => row.personalId),
    maxCitizensPerQuery: config.MAX_CITIZENS_PER_QUERY,
  };
}
