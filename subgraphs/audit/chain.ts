import { createHash } from 'node:crypto';

/** What happened to an operation. */
export type AuditOutcome = 'OK' | 'PARTIAL' | 'DENIED' | 'UNAUTHENTICATED' | 'REJECTED' | 'INVALID' | 'FAILED';

/** One access, as the gateway saw it. */
export interface AuditEntry {
  requestId: string;
  /** ISO 8601, millisecond precision. */
  at: string;
  /** `client:<id>`, `citizen:<personal ID>` or `anonymous`. */
  principal: string;
  clientId: string | null;
  officer: string | null;
  purpose: string | null;
  caseNumber: string | null;
  operationName: string | null;
  operationHash: string | null;
  /** Schema coordinates (`Type.field`) the operation read or tried to read, sorted. */
  coordinates: string[];
  /** Personal IDs whose data was returned or asked for, sorted. */
  subjects: string[];
  outcome: AuditOutcome;
  errorCodes: string[];
  subgraphs: string[];
  durationMs: number;
}

export interface AuditRecord extends AuditEntry {
  seq: number;
  previousHash: string;
  hash: string;
  /**
   * Secret per record (hex): the Merkle leaf holds salted commitments of the subjects instead of the personal IDs,
   * so that a proof given to one citizen reveals no one else's ID. Null for records written before the tree.
   */
  subjectSalt: string | null;
}

export const GENESIS_HASH = '0'.repeat(64);

/** The record as hashed: a JSON array in a fixed field order, so the same record always gives the same bytes. */
export function canonicalRecord(seq: number, entry: AuditEntry): string {
  return JSON.stringify([
    seq, entry.requestId, entry.at, entry.principal, entry.clientId, entry.officer, entry.purpose, entry.caseNumber,
    entry.operationName, entry.operationHash, entry.coordinates, entry.subjects, entry.outcome, entry.errorCodes,
    entry.subgraphs, entry.durationMs,
  ]);
}

export function chainHash(previousHash: string, seq: number, entry: AuditEntry): string {
  return createHash('sha256').update(previousHash).update(canonicalRecord(seq, entry)).digest('hex');
}
