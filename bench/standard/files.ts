import { fileURLToPath } from 'node:url';

/**
 * The public gateways benchmark's files (supergraph, query, the subgraphs' data), copied into the repository with its
 * licence: `npm run bench:standard` and `bench:planner` read them (or GATEWAYS_BENCHMARK_DIR), and the differential
 * tests run its query over its supergraph.
 */
export const GATEWAYS_BENCHMARK_FILES = fileURLToPath(new URL('./gateways-benchmark/', import.meta.url));
