import { createHash } from 'node:crypto';
import { parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { subjectsInDocument, administrationEntry, auditEntry, recordText, newTrail } from '../../gateway';
import { canonicalRecord, type AuditEntry } from '../../subgraphs/audit';

const VALID = '001090123456';

function entryWith(subjects: string[], extra: { operationName?: string; clientRequestId?: string } = {}): AuditEntry {
  const trail = newTrail();
  for (const subject of subjects) trail.subjects.add(subject);
  return auditEntry({ requestId: 'r', clientRequestId: extra.clientRequestId ?? null, principal: { kind: 'anonymous' }, purpose: null, trail }, 'OK', {
    operationName: extra.operationName ?? null,
  });
}

describe('record text', () => {
  it('writes control characters and lone surrogates out, and keeps whole surrogate pairs', () => {
    expect(recordText('a\u0000b\u001fc\u007f')).toBe('a\\u0000b\\u001fc\\u007f');
    expect(recordText('\ud800x\udc00')).toBe('\\ud800x\\udc00');
    expect(recordText('Hà Nội 😀')).toBe('Hà Nội 😀');
  });

  it('cuts long text at the limit, never between the halves of a pair', () => {
    expect(recordText('x'.repeat(300))).toBe(`${'x'.repeat(255)}…`);
    expect(recordText(`${'x'.repeat(8)}😀😀`, 10)).toBe(`${'x'.repeat(8)}…`);
  });
});

describe('audit entry', () => {
  it('keeps only well-formed personal IDs as subjects, and the others as a count and their hashes', () => {
    const long = 'z'.repeat(3_000);
    const entry = entryWith([VALID, '\u0000', '\ud800', long, '003090123456']);
    expect(entry.subjects).toEqual([VALID]);
    const hashes = ['\u0000', '\ud800', long, '003090123456'].map((value) => createHash('sha256').update(value, 'utf8').digest('hex')).sort();
    expect(JSON.parse(entry.details ?? '')).toEqual({ rejectedSubjects: { count: 4, sha256: hashes } });
  });

  it('has no details when nothing had to be left out', () => {
    expect(entryWith([VALID]).details).toBeNull();
  });

  it('caps the client request id and escapes a hostile operation name', () => {
    const entry = entryWith([], { operationName: 'a\u0000', clientRequestId: 'r'.repeat(500) });
    expect(entry.operationName).toBe('a\\u0000');
    expect(entry.clientRequestId).toBe(`${'r'.repeat(127)}…`);
  });

  it('hashes records without the new fields as before, and records with them including them', () => {
    const plain = entryWith([VALID]);
    expect(JSON.parse(canonicalRecord(1, plain))).toHaveLength(16);
    expect(JSON.parse(canonicalRecord(1, { ...plain, clientRequestId: 'c' })).slice(16)).toEqual(['c', null, null, []]);
    expect(JSON.parse(canonicalRecord(1, { ...plain, sentToSubgraphs: ['s:Citizen.personalId'] })).slice(16)).toEqual([
      null,
      null,
      null,
      ['s:Citizen.personalId'],
    ]);
  });

  it('records an administrative change as the operator, with the client changed in its details', () => {
    const entry = administrationEntry('admin\u0000', {
      action: 'grant',
      clientId: 'portal-hcm',
      purpose: '1.900011',
      coordinates: ['Query.citizen'],
      details: { legalBasis: 'b' },
    });
    expect(entry).toMatchObject({
      principal: 'operator:admin\\u0000',
      officer: 'admin\\u0000',
      clientId: null,
      operationName: 'grant',
      purpose: '1.900011',
      coordinates: ['Query.citizen'],
      outcome: 'OK',
    });
    expect(JSON.parse(entry.details ?? '')).toEqual({ clientId: 'portal-hcm', legalBasis: 'b' });
  });
});

describe('subjects in a document', () => {
  it('reads personal IDs from literals and variables of root fields, of the chosen operation only', () => {
    const document = parse('query A($ids: [ID!]!) { citizens(personalIds: $ids) { x } } query B { citizen(personalId: "b") { x } }');
    const [a] = document.definitions as OperationDefinitionNode[];
    expect(subjectsInDocument(document, a ?? null, { ids: ['1', '2', 3] })).toEqual(['1', '2']);
    expect(subjectsInDocument(document, null, { ids: ['1'] })).toEqual(['1', 'b']);
  });
});
