/**
 * How many random operations each differential test draws, and from which seed: CI runs the fixed seed and the
 * default count; `npm run test:differential -- --runs N [--seed S]` draws more (or others).
 */
function positiveInteger(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1) throw new Error(`${name} must be a positive integer; got "${value}"`);
  return parsed;
}

export const DIFFERENTIAL_RUNS = positiveInteger('DIFFERENTIAL_RUNS', 150);
export const DIFFERENTIAL_SEED = positiveInteger('DIFFERENTIAL_SEED', 13);
