import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * No module reads or writes another owner's tables. A schema's owner is the folder whose `migrations/` create it
 * (`gateway/` owns `access`, `subgraphs/audit/` owns `audit`, ...); SQL anywhere else may name only what an owner
 * publishes for others, listed here by name. The seed tool owns no schema: it hands generated rows to each agency's
 * own seeding (`subgraphs/<agency>/seed.ts`). Tests and benchmarks are not modules: they check rows of every owner.
 */
const PUBLISHED = new Map([
  ['access.client_directory', 'the agency and role of a client, for the audit subgraph and the registry'],
  ['access.purpose_directory', 'the name of a purpose, for the audit subgraph'],
  ['audit.coordinate_uses', 'how often fields were read lately, for the registry'],
]);

/** Folders that hold no module's code. */
const NOT_MODULES = new Set(['node_modules', 'dist', 'test', 'bench', 'coverage']);

interface SourceFile {
  file: string;
  /** The SQL the file can send: a .sql file without comments, or the strings and templates of a .ts file. */
  sql: string;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return entry.name.startsWith('.') || NOT_MODULES.has(entry.name) ? [] : sourceFiles(path);
    return /\.(ts|sql)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [relative('.', path)] : [];
  });
}

function stringsOf(file: string, text: string): string {
  const pieces: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) pieces.push(node.text);
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true));
  return pieces.join('\n');
}

function sqlOf(file: string): SourceFile {
  const text = readFileSync(file, 'utf8');
  return { file, sql: file.endsWith('.sql') ? text.replace(/--.*$/gm, '') : stringsOf(file, text) };
}

/** Each schema's owner folder and the objects (tables, views, functions, ...) its migrations create. */
interface Owners {
  ownerOf: Map<string, string>;
  objects: string[];
}

function ownersOf(files: readonly SourceFile[]): Owners {
  const migrations = files.filter(({ file }) => file.endsWith('.sql') && basename(dirname(file)) === 'migrations');
  const ownerOf = new Map<string, string>();
  for (const { file, sql } of migrations) {
    for (const [, schema] of sql.matchAll(/CREATE\s+SCHEMA\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)/gi)) ownerOf.set(schema ?? '', dirname(dirname(file)));
  }
  const created =
    /CREATE\s+(?:OR\s+REPLACE\s+)?(?:UNLOGGED\s+)?(?:TABLE|VIEW|MATERIALIZED\s+VIEW|FUNCTION|PROCEDURE|SEQUENCE|TYPE)\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\.(\w+)/gi;
  const objects = migrations.flatMap(({ sql }) => [...sql.matchAll(created)].map(([, schema, name]) => `${String(schema)}.${String(name)}`));
  return { ownerOf, objects: [...new Set(objects)] };
}

/** `file: schema.object` for each object of another owner that a file names, published ones aside. */
function foreignReferences(files: readonly SourceFile[], { ownerOf, objects }: Owners): string[] {
  return files.flatMap(({ file, sql }) =>
    objects
      .filter((object) => {
        const owner = ownerOf.get(object.split('.')[0] ?? '');
        const ownFile = owner !== undefined && file.startsWith(`${owner}/`);
        return !ownFile && !PUBLISHED.has(object) && new RegExp(`(?<![\\w.$])${object.replace('.', '\\.')}\\b`).test(sql);
      })
      .map((object) => `${file}: ${object}`),
  );
}

describe('table ownership', () => {
  const files = sourceFiles('.').map(sqlOf);
  const owners = ownersOf(files);

  it('finds the owner of every schema in the migrations', () => {
    expect(Object.fromEntries(owners.ownerOf)).toMatchObject({
      access: 'gateway',
      audit: 'subgraphs/audit',
      registry: 'subgraphs/registry',
      population: 'subgraphs/population',
    });
  });

  it('has no module name another owner’s tables, views or functions beyond what that owner publishes', () => {
    expect(foreignReferences(files, owners)).toEqual([]);
  });

  it('publishes only what the owners’ migrations create', () => {
    expect([...PUBLISHED.keys()].filter((object) => !owners.objects.includes(object))).toEqual([]);
  });

  it('catches a module that reads another agency’s table, names the file and the table, and ignores its own', () => {
    const planted = [
      { file: 'subgraphs/social-insurance/repository.ts', sql: 'SELECT personal_id FROM population.citizens JOIN social_insurance.books USING (personal_id)' },
      { file: 'subgraphs/registry/context.ts', sql: 'SELECT role FROM access.client_directory' },
      { file: 'subgraphs/audit/repository.ts', sql: 'SELECT name FROM access.clients' },
    ];
    expect(foreignReferences(planted, owners)).toEqual([
      'subgraphs/social-insurance/repository.ts: population.citizens',
      'subgraphs/audit/repository.ts: access.clients',
    ]);
  });
});
