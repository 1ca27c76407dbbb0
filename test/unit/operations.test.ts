import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Kind, parse, validate, type OperationDefinitionNode } from 'graphql';
import { persistedDocuments, persistedHash, EnrolInPrimarySchoolDocument } from '../../operations';
import { supergraphApiSchema } from '../../operations/api-schema';

const FOLDER = new URL('../../operations/', import.meta.url);
const files = readdirSync(FOLDER)
  .filter((file) => file.endsWith('.graphql'))
  .sort();
const schema = supergraphApiSchema();

function operationsOf(text: string): OperationDefinitionNode[] {
  return parse(text).definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
}

/** `EnrolInPrimarySchool` -> `enrol-in-primary-school.graphql`: one operation per file, the file named after it. */
function fileOf(operationName: string): string {
  return `${operationName.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}.graphql`;
}

describe('operations/', () => {
  it('holds the operations portals, auditors and citizens send', () => {
    expect(files).toEqual([
      'audit-search.graphql',
      'citizen-profile.graphql',
      'enrol-in-primary-school.graphql',
      'my-access-history.graphql',
      'procedure-catalogue.graphql',
      'residence-confirmation.graphql',
      'verify-audit-log.graphql',
    ]);
  });

  it.each(files)('%s is one named operation, valid against the API schema of schema/supergraph.graphql', (file) => {
    const document = parse(readFileSync(new URL(file, FOLDER), 'utf8'));
    expect(validate(schema, document).map((error) => error.message)).toEqual([]);
    const operations = operationsOf(readFileSync(new URL(file, FOLDER), 'utf8'));
    expect(operations).toHaveLength(1);
    expect(document.definitions).toHaveLength(1);
    expect(fileOf(operations[0]?.name?.value ?? '(anonymous)')).toBe(file);
  });

  it('fails an operation that reads a field the supergraph does not have', () => {
    const errors = validate(schema, parse('query Gone($id: ID!) { citizen(personalId: $id) { householdBook } }'));
    expect(errors.map((error) => error.message)).toEqual(['Cannot query field "householdBook" on type "Citizen". Did you mean "household"?']);
  });
});

describe('the persisted-documents manifest', () => {
  it('holds every operation once, each under the bare hex SHA-256 of its text, as the gateway hashes a trusted document', () => {
    for (const [hash, text] of Object.entries(persistedDocuments)) expect(createHash('sha256').update(text).digest('hex')).toBe(hash);
    const names = Object.values(persistedDocuments).flatMap((text) => operationsOf(text).map((operation) => operation.name?.value));
    expect(names.map((name) => fileOf(name ?? '(anonymous)')).sort()).toEqual(files);
  });

  it('is what the typed documents send', () => {
    const hash = persistedHash(EnrolInPrimarySchoolDocument);
    expect(operationsOf(persistedDocuments[hash] ?? '')[0]?.name?.value).toBe('EnrolInPrimarySchool');
    expect(() => persistedHash(parse('{ procedures { code } }'))).toThrow(/carries no hash of persisted-documents.json: run `npm run codegen`/);
  });
});

describe('README.md', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const blocks = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');

  it('shows, in every graphql example, an operation of operations/ exactly as its file has it', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    for (const block of blocks) {
      const [operation, ...others] = operationsOf(block);
      expect(others).toEqual([]);
      const file = fileOf(operation?.name?.value ?? '(anonymous)');
      expect(files, `README shows ${operation?.name?.value ?? 'an anonymous operation'}, which has no file in operations/`).toContain(file);
      expect(block).toBe(readFileSync(new URL(file, FOLDER), 'utf8'));
    }
  });
});
