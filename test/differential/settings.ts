import { testEnv } from '../helpers/test-env';

/**
 * How many random operations each differential test draws, and from which seed: CI runs the fixed seed and the
 * default count; `npm run test:differential -- --runs N [--seed S]` draws more (or others).
 */
export const { DIFFERENTIAL_RUNS, DIFFERENTIAL_SEED } = testEnv;
