import type DataLoader from 'dataloader';
import type { SubgraphDeps } from '../common/subgraph';
import { keyedLoader } from '../common/loader';
import { createCitizenRepository, type CitizenRecord } from './repository';

export interface PopulationContext {
  citizens: DataLoader<string, CitizenRecord | null>;
  maxCitizensPerQuery: number;
}

export function createPopulationContext({ db, config }: SubgraphDeps): PopulationContext {
  const repository = createCitizenRepository(db);
  return {
    citizens: keyedLoader(repository.findByIds, (row) => row.personalId),
    maxCitizensPerQuery: config.MAX_CITIZENS_PER_QUERY,
  };
}
