import { createHash, randomUUID } from 'node:crypto';
import type { AuditEntry, AuditOutcome } from '../../subgraphs/audit';
import { personalIdProblems, currentTraceId } from '../../platform';
import { principalLabel, type Principal, type Purpose } from '../access/principal';
import type { AccessTrail } from '../context';

/** Longest text a record keeps in one field; what a client chose (operation name, request id) is cut there. */
const MAX_TEXT = 256;
/** Longest client request id kept. */
const MAX_CLIENT_REQUEST_ID = 128;
/** Most entries a record keeps in a list of coordinates, error codes or subgraphs. */
const MAX_LIST = 1_000;
/** Most personal IDs one record names; far above what one operation can return within MAX_CITIZENS_PER_QUERY. */
const MAX_SUBJECTS = 10_000;
/** Most hashes of rejected subjects a record keeps; the count covers them all. */
const MAX_REJECTED_HASHES = 20;

/**
 * Control characters, and surrogates without their pair: PostgreSQL refuses the first in text and the JSON of a
 * group commit cannot carry the second, so either would fail the whole group.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text any record can hold: unsafe characters written out as `\uXXXX`, at most `max` characters (cut with `…`). */
export function recordText(value: string, max = MAX_TEXT): string {
  const escaped = value.replace(UNSAFE_CHARACTERS, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (escaped.length <= max) return escaped;
  const cut = escaped.slice(0, max - 1);
  // Cutting between the halves of a pair would leave a lone surrogate.
  return `${/[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
}

function optionalText(value: string | null | undefined, max = MAX_TEXT): string | null {
  return value === null || value === undefined ? null : recordText(value, max);
}

/** Sorted, each entry made safe, at most `max` of them; `dropped` says how many more there were. */
function boundedList(values: Iterable<string>, max: number): { kept: string[]; dropped: number } {
  const all = [...new Set([...values].map((value) => recordText(value)))].sort();
  return { kept: all.slice(0, max), dropped: Math.max(0, all.length - max) };
}

function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/**
 * The personal IDs a record names: only well-formed ones (Decree 137/2015), so that whatever a caller puts in an
 * argument cannot break the insert of the group its record is committed in. The others are kept as a count and the
 * SHA-256 of each (of the string as sent), enough to show later that a given input was tried.
 */
function recordSubjects(subjects: Iterable<string>): { subjects: string[]; details: Record<string, unknown> } {
  const valid = new Set<string>();
  const rejected = new Set<string>();
  for (const subject of subjects) (personalIdProblems(subject).length === 0 ? valid : rejected).add(subject);
  const { kept, dropped } = boundedList(valid, MAX_SUBJECTS);
  const details: Record<string, unknown> = {};
  if (rejected.size > 0) details.rejectedSubjects = { count: rejected.size, sha256: [...rejected].map(sha256).sort().slice(0, MAX_REJECTED_HASHES) };
  if (dropped > 0) details.subjectsNotListed = dropped;
  return { subjects: kept, details };
}

/** What a request record is built from: the gateway context of a request, or what is known of a refused one. */
export interface AuditedRequest {
  requestId: string;
  /** The `x-request-id` the client sent, as it sent it. */
  clientRequestId?: string | null;
  principal: Principal;
  purpose: Purpose | null;
  trail: AccessTrail;
}

/** The audit record of one request, from what the gateway learnt about it; every field fit for any record. */
export function auditEntry(
  request: AuditedRequest,
  outcome: AuditOutcome,
  details: { operationName?: string | null; operationHash?: string | null; errorCodes?: readonly string[] } = {},
): AuditEntry {
  const { principal, purpose, trail } = request;
  const subjects = recordSubjects(trail.subjects);
  const coordinates = boundedList(trail.coordinates, MAX_LIST);
  const extra: Record<string, unknown> = { ...subjects.details, ...(coordinates.dropped > 0 ? { coordinatesNotListed: coordinates.dropped } : {}) };
  return {
    requestId: request.requestId,
    at: new Date().toISOString(),
    principal: recordText(principalLabel(principal)),
    clientId: principal.kind === 'client' ? principal.client.clientId : null,
    officer: optionalText(purpose?.officer),
    purpose: optionalText(purpose?.code ?? (principal.kind === 'citizen' ? 'SELF' : null)),
    caseNumber: optionalText(purpose?.caseNumber),
    operationName: optionalText(details.operationName),
    operationHash: optionalText(details.operationHash),
    coordinates: coordinates.kept,
    subjects: subjects.subjects,
    outcome,
    errorCodes: boundedList(details.errorCodes ?? [], MAX_LIST).kept,
    subgraphs: boundedList(trail.subgraphs, MAX_LIST).kept,
    sentToSubgraphs: boundedList(trail.sent, MAX_LIST).kept,
    durationMs: Math.round(performance.now() - trail.startedAt),
    clientRequestId: optionalText(request.clientRequestId, MAX_CLIENT_REQUEST_ID),
    keyId: principal.kind === 'client' ? optionalText(principal.keyId) : null,
    details: Object.keys(extra).length > 0 ? JSON.stringify(extra) : null,
    traceId: currentTraceId(),
  };
}

/** What an administrative change did (gateway/access/admin.ts), for its audit record. */
export interface AdministrativeChange {
  /** The admin function that made it: createClient, disableClient, issueApiKey, revokeApiKey, grant, revokeGrants, ... */
  action: string;
  /** The client changed (in `details`: the record's `clientId` is the caller's, and here no client calls). */
  clientId: string;
  purpose?: string;
  coordinates?: readonly string[];
  keyId?: string;
  /** Settings the change made, e.g. a grant's legal basis. */
  details?: Record<string, unknown>;
}

/**
 * The audit record of an administrative change: principal `operator:<actor>`, the actor as officer, the action as
 * operation name, for grants the purpose and coordinates, and in `details` the client changed and the settings.
 */
export function administrationEntry(actor: string, change: AdministrativeChange): AuditEntry {
  return {
    requestId: randomUUID(),
    at: new Date().toISOString(),
    principal: recordText(`operator:${actor}`),
    clientId: null,
    officer: recordText(actor),
    purpose: optionalText(change.purpose),
    caseNumber: null,
    operationName: change.action,
    operationHash: null,
    // Every coordinate, however many: a grant must be readable from its record in full.
    coordinates: (change.coordinates ?? []).map((coordinate) => recordText(coordinate)),
    subjects: [],
    outcome: 'OK',
    errorCodes: [],
    subgraphs: [],
    sentToSubgraphs: [],
    durationMs: 0,
    clientRequestId: null,
    keyId: change.keyId ?? null,
    details: JSON.stringify({ clientId: change.clientId, ...change.details }),
  };
}
