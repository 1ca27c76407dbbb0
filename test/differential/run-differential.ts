import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

/**
 * `npm run test:differential -- --runs N [--seed S]`: the differential tests with N random operations per supergraph
 * (CI runs the default count with the fixed seed), through vitest.
 */
function positive(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]{0,8}$/.test(value)) {
    process.stderr.write(`--${name} must be a positive integer; got "${value}"\n`);
    process.exit(2);
  }
  return value;
}

let values: { runs?: string | undefined; seed?: string | undefined };
try {
  ({ values } = parseArgs({ options: { runs: { type: 'string' }, seed: { type: 'string' } }, strict: true }));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\nusage: npm run test:differential -- [--runs N] [--seed S]\n`);
  process.exit(2);
}
const runs = positive('runs', values.runs);
const seed = positive('seed', values.seed);
const env = { ...process.env, ...(runs ? { DIFFERENTIAL_RUNS: runs } : {}), ...(seed ? { DIFFERENTIAL_SEED: seed } : {}) };
const result = spawnSync(process.execPath, [new URL('../../node_modules/vitest/vitest.mjs', import.meta.url).pathname, 'run', '--project', 'differential'], {
  env,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
