import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const script = new URL('./run-differential.ts', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { encoding: 'utf8' });

describe('npm run test:differential', () => {
  it('refuses a count or seed that is not a positive integer, naming the flag, before running anything', () => {
    for (const [flag, value] of [
      ['--runs', 'abc'],
      ['--runs', '0'],
      ['--seed', '3.5'],
      ['--runs', '1e9'],
    ] as const) {
      const result = run(flag, value);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(`${flag} must be a positive integer; got "${value}"`);
      expect(result.stdout).toBe('');
    }
  });

  it('refuses an unknown flag with its usage', () => {
    const result = run('--bogus');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("Unknown option '--bogus'");
    expect(result.stderr).toContain('usage: npm run test:differential -- [--runs N] [--seed S]');
  });
});
