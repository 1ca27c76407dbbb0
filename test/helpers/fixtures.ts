import type { SeedOptions } from '../../subgraphs/seed';

/** The data every test run seeds into its own database. */
export const TEST_SEED = { citizens: 1_500, seed: 42, asOf: '2026-10-01' } satisfies SeedOptions;
