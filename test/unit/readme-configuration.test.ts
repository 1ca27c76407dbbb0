import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cliConfig, gatewayConfig } from '../../gateway';
import { AGENCY_SETTINGS, platformConfig } from '../../platform';
import { subgraphConfig } from '../../subgraphs/kit';

/** Rows of the README's configuration table that are not keys of a schema, and why. */
const NOT_CONFIG_KEYS = new Set([
  // A Node flag that the `npm run gateway` script reads, before any of Once's code runs.
  'GATEWAY_HEAP_MB',
]);

/** Each process kind's schema, by the name the table's "read by" column gives it. */
const KINDS = { all: platformConfig.keys, gateway: gatewayConfig.keys, subgraph: subgraphConfig.keys, CLI: cliConfig.keys } as const;
type Kind = keyof typeof KINDS;

/** The kinds that read `key` as the schemas say: `all` for the platform's keys, otherwise each schema that has it. */
function readersOf(key: string): Kind[] {
  if ((KINDS.all as readonly string[]).includes(key)) return ['all'];
  return (['gateway', 'subgraph', 'CLI'] as const).filter((kind) => (KINDS[kind] as readonly string[]).includes(key));
}

interface Row {
  keys: string[];
  readBy: string[];
}

/** The rows of the README's "Configuration" table: the variables in the first cell, the kinds in the second. */
function documentedRows(readme: string): Row[] {
  const section = readme.split(/^## /m).find((part) => part.startsWith('Configuration\n'));
  if (!section) throw new Error('README.md has no "## Configuration" section');
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [, first = '', second = ''] = line.split('|');
      return { keys: [...first.matchAll(/`([A-Z<][A-Za-z0-9_<>]*)`/g)].map((match) => match[1] ?? ''), readBy: second.split(',').map((kind) => kind.trim()) };
    });
}

describe("the README's configuration table", () => {
  const rows = documentedRows(readFileSync('README.md', 'utf8'));
  const documented = rows.flatMap((row) => row.keys);
  const schemaKeys: string[] = [...new Set(Object.values(KINDS).flat())];
  const agencyKeys = AGENCY_SETTINGS.map((setting) => `<NAME>_${setting}`);

  it('has a row for every key of every schema, and for each key derived from a subgraph name', () => {
    expect([...schemaKeys, ...agencyKeys].filter((key) => !documented.includes(key))).toEqual([]);
  });

  it('names no variable that no schema reads', () => {
    expect(documented.filter((key) => !schemaKeys.includes(key) && !agencyKeys.includes(key) && !NOT_CONFIG_KEYS.has(key))).toEqual([]);
  });

  it('says which process kinds read each key, as the schemas do', () => {
    const wrong = rows.flatMap(({ keys, readBy }) =>
      keys
        .filter((key) => schemaKeys.includes(key))
        .filter((key) => readersOf(key).join(', ') !== readBy.join(', '))
        .map((key) => `${key}: README says ${readBy.join(', ')}, the schemas ${readersOf(key).join(', ')}`),
    );
    expect(wrong).toEqual([]);
    expect(rows.filter(({ keys }) => keys.some((key) => agencyKeys.includes(key))).map(({ readBy }) => readBy)).toEqual(agencyKeys.map(() => ['all']));
  });

  it('names each variable once', () => {
    expect(documented.filter((key, index) => documented.indexOf(key) !== index)).toEqual([]);
  });
});
