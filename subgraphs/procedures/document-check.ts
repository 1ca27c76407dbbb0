import type { DocumentType, RequirementStatus } from './generated/resolvers-types';
import type { DocumentRecord } from './repository';

export interface RequirementResult {
  type: DocumentType;
  status: RequirementStatus;
  document: DocumentRecord | null;
}

/** Not revoked, and not past its validity, on `today` (YYYY-MM-DD). */
export function isValidOn(document: DocumentRecord, today: string): boolean {
  return (document.revokedOn === null || document.revokedOn > today) && (document.validUntil === null || document.validUntil >= today);
}

/**
 * The once-only question. For each required type (duplicates once, in the order given): a valid document with a
 * legally reusable electronic copy means the portal must not ask the citizen; anything less means it must.
 * `documents` are the holder's, newest first, so the first match is the newest.
 */
export function checkRequiredDocuments(required: readonly DocumentType[], documents: readonly DocumentRecord[], today: string): RequirementResult[] {
  return [...new Set(required)].map((type) => {
    const ofType = documents.filter((document) => document.type === type);
    const valid = ofType.filter((document) => isValidOn(document, today));
    const reusable = valid.find((document) => document.electronicCopy?.reusable === true);
    if (reusable) return { type, status: 'HELD_REUSABLE', document: reusable };
    if (valid[0]) return { type, status: 'HELD_PAPER_ONLY', document: valid[0] };
    if (ofType[0]) return { type, status: 'EXPIRED', document: ofType[0] };
    return { type, status: 'NOT_HELD', document: null };
  });
}
