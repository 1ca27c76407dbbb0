import type { Queryable } from '../common/database';
import { GENESIS_HASH, type AuditOutcome, type AuditRecord } from './chain';

const COLUMNS = `seq, request_id AS "requestId", to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at,
  principal, client_id AS "clientId", officer, purpose, case_number AS "caseNumber", operation_name AS "operationName",
  operation_hash AS "operationHash", coordinates, subjects, outcome, error_codes AS "errorCodes", subgraphs,
  duration_ms AS "durationMs", previous_hash AS "previousHash", hash,
  client_request_id AS "clientRequestId", key_id AS "keyId", details, sent_to_subgraphs AS "sentToSubgraphs"`;

const RECORDSET = `seq bigint, "requestId" text, at timestamptz, principal text, "clientId" text, officer text, purpose text,
  "caseNumber" text, "operationName" text, "operationHash" text, coordinates text[], subjects text[], outcome text,
  "errorCodes" text[], subgraphs text[], "durationMs" integer, "previousHash" text, hash text,
  "clientRequestId" text, "keyId" text, details text, "sentToSubgraphs" text[]`;

export interface AuditFilter {
  subject?: string | null;
  clientId?: string | null;
  officer?: string | null;
  purpose?: string | null;
  outcome?: AuditOutcome | null;
  from?: string | null;
  to?: string | null;
}

/** A read of a citizen's data by someone else, with the names a citizen understands. */
export interface AccessEventRow {
  seq: number;
  at: string;
  clientId: string | null;
  agency: string | null;
  /** The reading client's role (AUDITOR for an auditor's search). */
  role: string | null;
  officer: string | null;
  purpose: string | null;
  purposeName: string | null;
  caseNumber: string | null;
  coordinates: string[];
  /** The person's latest complaint about this read. */
  complaintId: string | null;
}

export async function lastRecord(db: Queryable): Promise<{ seq: number; hash: string } | undefined> {
  const [row] = await db.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit.records ORDER BY seq DESC LIMIT 1');
  return row;
}

/**
 * Appends records, already chained, in one statement, provided the newest record in the log is still the one they
 * chain onto (`previousHash`; the genesis hash for an empty log). False, and nothing written, when it is not.
 */
export async function appendRecords(db: Queryable, records: readonly AuditRecord[], previousHash: string): Promise<boolean> {
  const inserted = await db.query(
    `INSERT INTO audit.records (seq, request_id, at, principal, client_id, officer, purpose, case_number, operation_name,
       operation_hash, coordinates, subjects, outcome, error_codes, subgraphs, duration_ms, previous_hash, hash,
       client_request_id, key_id, details, sent_to_subgraphs)
     SELECT * FROM json_to_recordset($1::json) AS r(${RECORDSET})
      WHERE coalesce((SELECT hash FROM audit.records ORDER BY seq DESC LIMIT 1), $3) = $2
     RETURNING seq`,
    [JSON.stringify(records), previousHash, GENESIS_HASH],
  );
  return inserted.length > 0;
}

/** Records from `fromSeq` on, in chain order. */
export function readChain(db: Queryable, fromSeq: number, toSeq: number, limit: number): Promise<AuditRecord[]> {
  return db.query<AuditRecord>(`SELECT ${COLUMNS} FROM audit.records WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3`, [fromSeq, toSeq, limit]);
}

export async function hashOf(db: Queryable, seq: number): Promise<string | undefined> {
  const [row] = await db.query<{ hash: string }>('SELECT hash FROM audit.records WHERE seq = $1', [seq]);
  return row?.hash;
}

/** Newest first, `first` records older than `beforeSeq`. */
export function findRecords(db: Queryable, filter: AuditFilter, first: number, beforeSeq: number | null): Promise<AuditRecord[]> {
  return db.query<AuditRecord>(
    `SELECT ${COLUMNS} FROM audit.records
      WHERE ($1::text IS NULL OR subjects @> ARRAY[$1::text]) AND ($2::text IS NULL OR client_id = $2)
        AND ($3::text IS NULL OR officer = $3) AND ($4::text IS NULL OR purpose = $4) AND ($5::text IS NULL OR outcome = $5)
        AND ($6::timestamptz IS NULL OR at >= $6) AND ($7::timestamptz IS NULL OR at < $7) AND ($8::bigint IS NULL OR seq < $8)
      ORDER BY seq DESC LIMIT $9`,
    [filter.subject ?? null, filter.clientId ?? null, filter.officer ?? null, filter.purpose ?? null, filter.outcome ?? null, filter.from ?? null, filter.to ?? null, beforeSeq, first],
  );
}

/** Successful reads of `personalId`'s data by anyone but the person, newest first. */
export function findAccessesTo(db: Queryable, personalId: string, first: number, beforeSeq: number | null): Promise<AccessEventRow[]> {
  return db.query<AccessEventRow>(
    `SELECT r.seq, to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, r.client_id AS "clientId",
            c.name AS agency, c.role, r.officer, r.purpose, p.name AS "purposeName", r.case_number AS "caseNumber", r.coordinates,
            (SELECT k.id::text FROM audit.complaints k WHERE k.record_seq = r.seq AND k.personal_id = $1 ORDER BY k.id DESC LIMIT 1) AS "complaintId"
       FROM audit.records r
       LEFT JOIN access.clients c ON c.client_id = r.client_id
       LEFT JOIN access.purposes p ON p.code = r.purpose
      WHERE r.subjects @> ARRAY[$1::text] AND r.outcome IN ('OK', 'PARTIAL') AND r.principal <> 'citizen:' || $1
        AND ($2::bigint IS NULL OR r.seq < $2)
      ORDER BY r.seq DESC LIMIT $3`,
    [personalId, beforeSeq, first],
  );
}

export type ComplaintStatus = 'OPEN' | 'CLOSED';

/** A complaint with its notes, oldest note first. */
export interface ComplaintRow {
  id: string;
  recordSeq: number;
  personalId: string;
  reason: string;
  status: ComplaintStatus;
  openedAt: string;
  closedAt: string | null;
  closedBy: string | null;
  resolution: string | null;
  notes: Array<{ at: string; author: string; note: string }>;
}

const UTC = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const COMPLAINT = `SELECT c.id::text AS id, c.record_seq::int AS "recordSeq", c.personal_id AS "personalId", c.reason, c.status,
    ${UTC('c.opened_at')} AS "openedAt", ${UTC('c.closed_at')} AS "closedAt", c.closed_by AS "closedBy", c.resolution,
    coalesce((SELECT json_agg(json_build_object('at', ${UTC('n.at')}, 'author', n.author, 'note', n.note) ORDER BY n.at)
                FROM audit.complaint_notes n WHERE n.complaint_id = c.id), '[]'::json) AS notes
  FROM audit.complaints c`;

/** True when record `seq` is a successful read of `personalId`'s data by someone else: one they may object to. */
export async function isAccessTo(db: Queryable, personalId: string, seq: number): Promise<boolean> {
  const rows = await db.query(
    `SELECT 1 FROM audit.records WHERE seq = $2 AND subjects @> ARRAY[$1::text] AND outcome IN ('OK', 'PARTIAL') AND principal <> 'citizen:' || $1`,
    [personalId, seq],
  );
  return rows.length > 0;
}

/** Opens a complaint, or returns the one already open for this read and citizen. */
export async function openComplaint(db: Queryable, complaint: { recordSeq: number; personalId: string; reason: string }): Promise<ComplaintRow> {
  await db.query(
    `INSERT INTO audit.complaints (record_seq, personal_id, reason) VALUES ($1, $2, $3)
     ON CONFLICT (record_seq, personal_id) WHERE status = 'OPEN' DO NOTHING`,
    [complaint.recordSeq, complaint.personalId, complaint.reason],
  );
  const [row] = await db.query<ComplaintRow>(`${COMPLAINT} WHERE c.record_seq = $1 AND c.personal_id = $2 AND c.status = 'OPEN'`, [complaint.recordSeq, complaint.personalId]);
  if (!row) throw new Error(`complaint about record ${complaint.recordSeq} was not stored`);
  return row;
}

/** Newest first, `first` complaints older than `beforeId`, of `status` (any when null). */
export function findComplaints(db: Queryable, status: ComplaintStatus | null, first: number, beforeId: number | null): Promise<ComplaintRow[]> {
  return db.query<ComplaintRow>(`${COMPLAINT} WHERE ($1::text IS NULL OR c.status = $1) AND ($2::bigint IS NULL OR c.id < $2) ORDER BY c.id DESC LIMIT $3`, [status, beforeId, first]);
}

export async function complaintById(db: Queryable, id: number): Promise<ComplaintRow | undefined> {
  const [row] = await db.query<ComplaintRow>(`${COMPLAINT} WHERE c.id = $1`, [id]);
  return row;
}

/** Adds a note to complaint `id` if it is open; false when it is not. */
export async function addComplaintNote(db: Queryable, id: number, author: string, note: string): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO audit.complaint_notes (complaint_id, author, note) SELECT id, $2, $3 FROM audit.complaints WHERE id = $1 AND status = 'OPEN' RETURNING complaint_id`,
    [id, author, note],
  );
  return rows.length > 0;
}

/** Closes complaint `id` if it is open; false when it is not. */
export async function closeComplaint(db: Queryable, id: number, closedBy: string, resolution: string): Promise<boolean> {
  const rows = await db.query(
    `UPDATE audit.complaints SET status = 'CLOSED', closed_at = now(), closed_by = $2, resolution = $3 WHERE id = $1 AND status = 'OPEN' RETURNING id`,
    [id, closedBy, resolution],
  );
  return rows.length > 0;
}
