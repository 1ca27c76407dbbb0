import { audit } from './audit';
import type { SubgraphModule } from './kit';
import { population } from './population';
import { procedures } from './procedures';
import { registry } from './registry';
import { residence } from './residence';

/** The subgraphs that ship with Once, in composition order: three agencies' data, the access log, the registry. */
export const builtInSubgraphs = [population, residence, procedures, audit, registry] as const satisfies readonly SubgraphModule[];
