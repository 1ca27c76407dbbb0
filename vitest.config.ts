import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // Node loads graphql 16 through its CommonJS entry, and so do Apollo's CommonJS packages; Vite would pick the
    // .mjs build for our own files, and two graphql realms cannot share a schema. Use Node's choice in tests too.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Creates one PostgreSQL database for the run (migrated and seeded) and drops it afterwards.
    globalSetup: ['test/global-setup.ts'],
    // Belt and braces for any ApolloGateway a test builds itself: gateway/apollo-gateway.ts sets it for Once's own.
    env: { APOLLO_TELEMETRY_DISABLED: '1' },
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
