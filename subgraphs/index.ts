import { audit } from './audit';
import type { SubgraphModule } from './common/subgraph';
import { population } from './population';
import { procedures } from './procedures';
import { residence } from './residence';

/** The subgraphs that ship with Once, in composition order: three agencies' data, and the access log. */
export const builtInSubgraphs: readonly SubgraphModule[] = [population, residence, procedures, audit];
