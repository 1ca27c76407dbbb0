import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { procedures } from '../../subgraphs/procedures';
import { one, openTestDatabase } from '../helpers/database';
import { subgraphHarness } from '../helpers/subgraph';

const db = openTestDatabase();
const subgraph = subgraphHarness(procedures, db);
afterAll(() => db.close());

let holder: string;
let holderDocument: string;
let nobody: string;
let dossier: string;
let ids: string[];

beforeAll(async () => {
  [holder, holderDocument] = await db
    .query<{ holder: string; doc: string }>(
      `SELECT holder_id AS holder, document_id AS doc FROM procedures.issued_documents
      WHERE document_type = 'BIRTH_CERTIFICATE' AND copy_reusable AND revoked_on IS NULL ORDER BY holder_id LIMIT 1`,
    )
    .then(([row]) => [row?.holder ?? '', row?.doc ?? '']);
  nobody = await one(
    db,
    `SELECT personal_id AS value FROM population.citizens c
    WHERE NOT EXISTS (SELECT 1 FROM procedures.issued_documents d WHERE d.holder_id = c.personal_id) ORDER BY 1 LIMIT 1`,
  );
  dossier = await one(
    db,
    `SELECT dossier_code AS value FROM procedures.dossiers s WHERE status = 'APPROVED'
    AND EXISTS (SELECT 1 FROM procedures.issued_documents d WHERE d.dossier_code = s.dossier_code) ORDER BY 1 LIMIT 1`,
  );
  ids = (await db.query<{ id: string }>('SELECT DISTINCT holder_id AS id FROM procedures.issued_documents ORDER BY 1 LIMIT 100')).map((row) => row.id);
});

const entities = `query ($r: [_Any!]!, $required: [DocumentType!]!) { _entities(representations: $r) { ... on Citizen {
  personalId documents { documentId type valid electronicCopy { reusable } }
  procedureRecords { dossierCode status procedure { code } }
  documentCheck(required: $required) { complete missing requirements { type status mustAskCitizen document { documentId } } } } } }`;

describe('procedures subgraph', () => {
  it('does not ask for a document the state holds as a reusable electronic copy, and asks for the rest', async () => {
    const result = await subgraph.execute(entities, {
      r: [{ __typename: 'Citizen', personalId: holder }],
      required: ['BIRTH_CERTIFICATE', 'LAND_USE_RIGHT_CERTIFICATE'],
    });
    expect(result.errors).toBeUndefined();
    const check = result.data?._entities[0].documentCheck;
    expect(check.requirements[0]).toEqual({
      type: 'BIRTH_CERTIFICATE',
      status: 'HELD_REUSABLE',
      mustAskCitizen: false,
      document: { documentId: holderDocument },
    });
    expect(check.missing).not.toContain('BIRTH_CERTIFICATE');
    expect(check.missing).toContain('LAND_USE_RIGHT_CERTIFICATE');
    expect(check.complete).toBe(false);
  });

  it('asks a person the state holds nothing for for every required document', async () => {
    const result = await subgraph.execute(entities, {
      r: [{ __typename: 'Citizen', personalId: nobody }],
      required: ['BIRTH_CERTIFICATE', 'RESIDENCE_CONFIRMATION'],
    });
    expect(result.data?._entities[0]).toMatchObject({
      documents: [],
      documentCheck: {
        complete: false,
        missing: ['BIRTH_CERTIFICATE', 'RESIDENCE_CONFIRMATION'],
        requirements: [
          { status: 'NOT_HELD', document: null },
          { status: 'NOT_HELD', document: null },
        ],
      },
    });
  });

  it('filters documents by type', async () => {
    const result = await subgraph.execute(
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Citizen { documents(types: [BIRTH_CERTIFICATE]) { type } } } }`,
      {
        r: [{ __typename: 'Citizen', personalId: holder }],
      },
    );
    expect(result.data?._entities[0].documents).toEqual([{ type: 'BIRTH_CERTIFICATE' }]);
  });

  it('finds a dossier with its procedure and the document it produced', async () => {
    const result = await subgraph.execute(
      `query ($code: ID!) { procedureRecord(dossierCode: $code) { status decidedAt procedure { code name resultType } result { type dossier: procedureRecord { dossierCode } } } }`,
      { code: dossier },
    );
    expect(result.errors).toBeUndefined();
    const record = result.data?.procedureRecord;
    expect(record.status).toBe('APPROVED');
    expect(record.result.type).toBe(record.procedure.resultType);
    expect(record.result.dossier.dossierCode).toBe(dossier);
  });

  it('lists the procedure catalogue with each procedure’s required documents', async () => {
    const result = await subgraph.execute(`{ procedures { code name requiredDocuments } }`);
    expect(result.data?.procedures).toContainEqual({
      code: '1.900011',
      name: 'Tuyển sinh vào lớp 1',
      requiredDocuments: ['BIRTH_CERTIFICATE', 'RESIDENCE_CONFIRMATION'],
    });
  });

  it('answers documents, dossiers and the document check of 100 citizens with one statement', async () => {
    subgraph.queries.reset();
    const result = await subgraph.execute(entities, { r: ids.map((personalId) => ({ __typename: 'Citizen', personalId })), required: ['BIRTH_CERTIFICATE'] });
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities).toHaveLength(100);
    expect(subgraph.queries.count).toBe(1);
  });
});
