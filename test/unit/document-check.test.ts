import { describe, expect, it } from 'vitest';
import { checkRequiredDocuments, type DocumentRecord } from '../../subgraphs/procedures';

const TODAY = '2026-11-25';
const copy = (reusable: boolean) => ({
  uri: 'https://documents.once.example/x.pdf',
  sha256: 'a'.repeat(64),
  signer: 'UBND',
  signedAt: '2024-01-01T00:00:00Z',
  reusable,
});

function document(overrides: Partial<DocumentRecord>): DocumentRecord {
  return {
    documentId: 'DOC1',
    type: 'BIRTH_CERTIFICATE',
    number: '1/2024/KS',
    holderId: '001090123456',
    issuingAgency: 'UBND',
    issuedOn: '2024-01-01',
    validUntil: null,
    revokedOn: null,
    dossierCode: null,
    electronicCopy: null,
    ...overrides,
  };
}

describe('the once-only document check', () => {
  it('does not ask for a type the state holds as a valid reusable electronic copy', () => {
    const held = document({ documentId: 'E', electronicCopy: copy(true) });
    expect(checkRequiredDocuments(['BIRTH_CERTIFICATE'], [held], TODAY)).toEqual([{ type: 'BIRTH_CERTIFICATE', status: 'HELD_REUSABLE', document: held }]);
  });

  it('prefers a reusable copy over a newer paper-only document of the same type', () => {
    const paper = document({ documentId: 'P', issuedOn: '2025-01-01' });
    const electronic = document({ documentId: 'E', electronicCopy: copy(true) });
    expect(checkRequiredDocuments(['BIRTH_CERTIFICATE'], [paper, electronic], TODAY)[0]).toMatchObject({
      status: 'HELD_REUSABLE',
      document: { documentId: 'E' },
    });
  });

  it('asks for a paper-only document, and for one whose electronic copy is not legally valid', () => {
    expect(checkRequiredDocuments(['BIRTH_CERTIFICATE'], [document({})], TODAY)[0]?.status).toBe('HELD_PAPER_ONLY');
    expect(
      checkRequiredDocuments(['LAND_USE_RIGHT_CERTIFICATE'], [document({ type: 'LAND_USE_RIGHT_CERTIFICATE', electronicCopy: copy(false) })], TODAY)[0]?.status,
    ).toBe('HELD_PAPER_ONLY');
  });

  it('treats expired and revoked documents as expired, and valid on their last day', () => {
    const expired = document({ type: 'RESIDENCE_CONFIRMATION', validUntil: '2026-11-24', electronicCopy: copy(true) });
    const revoked = document({ type: 'DRIVING_LICENCE', revokedOn: '2026-01-01', electronicCopy: copy(true) });
    const lastDay = document({ type: 'CRIMINAL_RECORD_CERTIFICATE', validUntil: TODAY, electronicCopy: copy(true) });
    expect(
      checkRequiredDocuments(['RESIDENCE_CONFIRMATION', 'DRIVING_LICENCE', 'CRIMINAL_RECORD_CERTIFICATE'], [expired, revoked, lastDay], TODAY).map(
        (r) => r.status,
      ),
    ).toEqual(['EXPIRED', 'EXPIRED', 'HELD_REUSABLE']);
  });

  it('answers each required type once, in the order asked, NOT_HELD when absent', () => {
    const results = checkRequiredDocuments(['MARRIAGE_CERTIFICATE', 'BIRTH_CERTIFICATE', 'MARRIAGE_CERTIFICATE'], [], TODAY);
    expect(results).toEqual([
      { type: 'MARRIAGE_CERTIFICATE', status: 'NOT_HELD', document: null },
      { type: 'BIRTH_CERTIFICATE', status: 'NOT_HELD', document: null },
    ]);
  });
});
