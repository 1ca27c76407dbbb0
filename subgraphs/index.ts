import type { SubgraphModule } from './common/subgraph';
import { population } from './population';
import { procedures } from './procedures';
import { residence } from './residence';

/** The agency subgraphs that ship with Once, in composition order. */
export const builtInSubgraphs: readonly SubgraphModule[] = [population, residence, procedures];
