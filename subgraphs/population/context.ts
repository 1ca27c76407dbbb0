import type DataLoader from 'dataloader';
import { noteSubjects, type SubgraphContext, type SubgraphDeps, throughCache, keyedLoader } from '../kit';
import { createCitizenRepository, type CitizenRecord } from './repository';

export interface PopulationContext extends SubgraphContext {
  citizens: DataLoader<string, CitizenRecord | null>;
  maxCitizensPerQuery: number;
}

export function createPopulationContext({ db, config, platform }: SubgraphDeps): PopulationContext {
  const repository = createCitizenRepository(db);
  const subjects = new Set<string>();
  const keyOf = (row: CitizenRecord) => row.personalId;
  return {
    subjects,
    citizens: keyedLoader(
      async (ids) =>
        noteSubjects(subjects, await throughCache(platform.cache, 'population:citizen', ids, repository.findByIds, keyOf), (row) => [row.personalId]),
      keyOf,
    ),
    maxCitizensPerQuery: config.MAX_CITIZENS_PER_QUERY,
  };
}
