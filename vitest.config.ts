import { createRequire } from 'node:module';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

const require = createRequire(import.meta.url);

/**
 * A server a test tier needs, and the global setup that gets it ready (or says at once that it is missing). They run
 * in this order: the quick check first, so that a missing Redis leaves no database behind.
 */
const SETUP_FOR = {
  // Checks that Redis answers, so that a missing Redis is one clear failure instead of every test timing out.
  redis: 'test/redis-setup.ts',
  // Creates one PostgreSQL database for the run (migrated and seeded), shared by every tier that asks, and the run's keys.
  postgres: 'test/global-setup.ts',
} as const;
type Need = keyof typeof SETUP_FOR;

/**
 * The test tiers (test/<tier>/) and the servers each needs. Unit tests need none, so `npm run test:unit` runs
 * anywhere; `npm test` runs every tier in one `vitest run`, `--project <tier>` one of them.
 */
const TIERS: Record<string, readonly Need[]> = {
  unit: [],
  subgraph: ['postgres', 'redis'],
  supergraph: [],
  e2e: ['postgres', 'redis'],
  differential: ['postgres'],
  fault: ['postgres', 'redis'],
};

const projects: TestProjectInlineConfiguration[] = Object.entries(TIERS).map(([tier, needs]) => ({
  // The alias, env and timeouts below hold in every tier.
  extends: true,
  test: {
    name: tier,
    include: [`test/${tier}/**/*.test.ts`],
    globalSetup: (Object.keys(SETUP_FOR) as Need[]).filter((need) => needs.includes(need)).map((need) => SETUP_FOR[need]),
    // A tier that declares no server gets none: a test that tries to connect fails, saying where it belongs.
    setupFiles: needs.length === 0 ? ['test/no-servers.ts'] : [],
  },
}));

export default defineConfig({
  resolve: {
    // Node loads graphql 16 through its CommonJS entry, and so do Apollo's CommonJS packages; Vite would pick the
    // .mjs build for our own files, and two graphql realms cannot share a schema. Use Node's choice in tests too.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    projects,
    // Belt and braces for any ApolloGateway a test builds itself: gateway/apollo-gateway.ts sets it for Once's own.
    env: { APOLLO_TELEMETRY_DISABLED: '1' },
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
