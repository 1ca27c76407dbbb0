import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** What `npm run deps` cruises: the arguments of its script after the options. */
function projectSources(): string[] {
  const scripts = (JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const args = (scripts.deps ?? '').split(/\s+/).slice(1);
  return args.filter((arg, index) => !arg.startsWith('-') && !args[index - 1]?.startsWith('--config'));
}

interface Violation {
  rule: string;
  from: string;
  to: string;
}

/** How many modules were cruised from `baseDir` with the project's own rules, and every violation: rule name, from, to. */
async function cruiseWithRules(baseDir: string, sources: string[]): Promise<{ cruised: number; violations: Violation[] }> {
  const options = await extractDepcruiseOptions(resolve(ROOT, '.dependency-cruiser.cjs'));
  const { summary } = (await cruise(sources, { ...options, baseDir, validate: true })).output as ICruiseResult;
  return {
    cruised: summary.totalCruised,
    violations: summary.violations.map((violation) => ({ rule: violation.rule.name, from: violation.from, to: violation.to })),
  };
}

describe('the layers (.dependency-cruiser.cjs)', () => {
  it('hold for the whole project, as `npm run deps` cruises it', async () => {
    const sources = projectSources();
    expect(sources).toEqual(expect.arrayContaining(['platform', 'gateway', 'subgraphs', 'test']));
    const { cruised, violations } = await cruiseWithRules(ROOT, sources);
    expect(cruised).toBeGreaterThan(200);
    expect(violations).toEqual([]);
  }, 120_000);

  it('catch a deliberate cross-import of each kind (test/fixtures/layers/)', async () => {
    const { violations: found } = await cruiseWithRules(resolve(ROOT, 'test/fixtures/layers'), ['platform', 'gateway', 'subgraphs']);
    expect(found).toEqual(
      expect.arrayContaining([
        { rule: 'platform-imports-nothing-of-ours', from: 'platform/logger.ts', to: 'gateway/index.ts' },
        { rule: 'only-faces-of-top-level-folders', from: 'gateway/server.ts', to: 'platform/config.ts' },
        { rule: 'agencies-do-not-import-each-other', from: 'subgraphs/population/index.ts', to: 'subgraphs/residence/index.ts' },
        { rule: 'subgraphs-do-not-import-the-gateway', from: 'subgraphs/audit/index.ts', to: 'gateway/index.ts' },
      ]),
    );
    expect(new Set(found.map((violation) => violation.rule))).toEqual(
      new Set([
        'platform-imports-nothing-of-ours',
        'only-faces-of-top-level-folders',
        'agencies-do-not-import-each-other',
        'subgraphs-do-not-import-the-gateway',
      ]),
    );
  }, 60_000);
});
