import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from '../../platform';

/** Rows of the README's configuration table that are not keys of the config module, and why. */
const NOT_CONFIG_KEYS = new Set([
  // A Node flag that the `npm run gateway` script reads, before any of Once's code runs.
  'GATEWAY_HEAP_MB',
]);

/** The variables named in the first cell of each row of the README's "Configuration" table. */
function documentedKeys(readme: string): string[] {
  const section = readme.split(/^## /m).find((part) => part.startsWith('Configuration\n'));
  if (!section) throw new Error('README.md has no "## Configuration" section');
  const rows = section.split('\n').filter((line) => line.startsWith('| `'));
  return rows.flatMap((row) => [...(row.split('|')[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((match) => match[1] ?? ''));
}

describe("the README's configuration table", () => {
  const documented = documentedKeys(readFileSync('README.md', 'utf8'));

  it('has a row for every key of the config module', () => {
    expect(CONFIG_KEYS.filter((key) => !documented.includes(key))).toEqual([]);
  });

  it('names no variable that the config module does not read', () => {
    expect(documented.filter((key) => !(CONFIG_KEYS as readonly string[]).includes(key) && !NOT_CONFIG_KEYS.has(key))).toEqual([]);
  });

  it('names each variable once', () => {
    expect(documented.filter((key, index) => documented.indexOf(key) !== index)).toEqual([]);
  });
});
