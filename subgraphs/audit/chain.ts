import { createHash } from 'node:crypto';

/** What happened to an operation. */
export const AUDIT_OUTCOMES = ['OK', 'PARTIAL', 'DENIED', 'UNAUTHENTICATED', 'REJECTED', 'INVALID', 'FAILED'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

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
  /** The client's own `x-request-id`, normalised; `requestId` is always the gateway's. */
  clientRequestId?: string | null;
  /** The API key a client authenticated with, or presented with a valid secret and was refused. */
  keyId?: string | null;
  /** A JSON object: what an administrative change did, or what the record could not hold as it was sent. */
  details?: string | null;
  /** What the query plan sent to subgraphs in entity representations, `subgraph:Type.field`, sorted. */
  sentToSubgraphs?: string[];
  /** The OpenTelemetry trace id of the request (32 hex digits); null when tracing is off. */
  traceId?: string | null;
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
  // Appended only when one is set, so that records written before these fields existed keep their hashes.
  const sent = entry.sentToSubgraphs ?? [];
  const added = [entry.clientRequestId ?? null, entry.keyId ?? null, entry.details ?? null, sent, ...(entry.traceId ? [entry.traceId] : [])];
  const withAdded = added.slice(0, 3).some((value) => value !== null) || sent.length > 0 || Boolean(entry.traceId);
  return JSON.stringify([
    seq,
    entry.requestId,
    entry.at,
    entry.principal,
    entry.clientId,
    entry.officer,
    entry.purpose,
    entry.caseNumber,
    entry.operationName,
    entry.operationHash,
    entry.coordinates,
    entry.subjects,
    entry.outcome,
    entry.errorCodes,
    entry.subgraphs,
    entry.durationMs,
    ...(withAdded ? added : []),
  ]);
}

export function chainHash(previousHash: string, seq: number, entry: AuditEntry): string {
  return createHash('sha256').update(previousHash).update(canonicalRecord(seq, entry)).digest('hex');
}
