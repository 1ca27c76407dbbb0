import { z } from 'zod';
import { configSchema } from '../../platform';

/** What the test run itself reads from its environment: where its servers are. Once's own keys are set per test. */
export const testEnv = configSchema({
  /** PostgreSQL the run creates its databases in (as a superuser). */
  TEST_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgres://postgres@127.0.0.1:5432/postgres'),
  /** Redis the tests that need one use. */
  TEST_REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  /** How many random operations each differential test draws (`npm run test:differential -- --runs N`). */
  DIFFERENTIAL_RUNS: z.coerce.number().int().min(1).default(150),
  /** The seed they are drawn from; CI runs this fixed one. */
  DIFFERENTIAL_SEED: z.coerce.number().int().min(1).default(13),
  /** Set by `.ci/run`: there, what a test needs (Chromium) is installed, so a test never skips for want of it. */
  CI: z.stringbool().default(false),
}).load();
