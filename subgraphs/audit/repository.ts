import type { Queryable, Session } from '../../platform';
import { GENESIS_HASH, type AuditOutcome, type AuditRecord } from './chain';
import type { Checkpoint } from './checkpoints';
import { nodeKey, type StoredNode, type TreeNode } from './merkle';

const COLUMNS = `seq, request_id AS "requestId", to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at,
  principal, client_id AS "clientId", officer, purpose, case_number AS "caseNumber", operation_name AS "operationName",
  operation_hash AS "operationHash", coordinates, subjects, outcome, error_codes AS "errorCodes", subgraphs,
  duration_ms AS "durationMs", previous_hash AS "previousHash", hash,
  client_request_id AS "clientRequestId", key_id AS "keyId", details, sent_to_subgraphs AS "sentToSubgraphs",
  subject_salt AS "subjectSalt", trace_id AS "traceId"`;

const RECORDSET = `seq bigint, "requestId" text, at timestamptz, principal text, "clientId" text, officer text, purpose text,
  "caseNumber" text, "operationName" text, "operationHash" text, coordinates text[], subjects text[], outcome text,
  "errorCodes" text[], subgraphs text[], "durationMs" integer, "previousHash" text, hash text,
  "clientRequestId" text, "keyId" text, details text, "sentToSubgraphs" text[], "subjectSalt" text, "traceId" text`;

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

/** The newest record's seq and hash: in the table, or, when retention archived everything, at the newest archive's end. */
const NEWEST = `SELECT seq, hash FROM (
    (SELECT seq, hash FROM audit.records ORDER BY seq DESC LIMIT 1)
    UNION ALL
    (SELECT last_seq, manifest->>'lastHash' FROM audit.archives ORDER BY last_seq DESC LIMIT 1)
  ) newest ORDER BY seq DESC LIMIT 1`;

export async function lastRecord(db: Queryable): Promise<{ seq: number; hash: string } | undefined> {
  const [row] = await db.query<{ seq: number; hash: string }>(NEWEST);
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
       client_request_id, key_id, details, sent_to_subgraphs, subject_salt, trace_id)
     SELECT * FROM json_to_recordset($1::json) AS r(${RECORDSET})
      WHERE coalesce((SELECT hash FROM (${NEWEST}) tail), $3) = $2
     RETURNING seq`,
    // Records made before plans were checked carry no sentToSubgraphs; the column holds an empty list for them.
    [JSON.stringify(records.map((record) => ({ ...record, sentToSubgraphs: record.sentToSubgraphs ?? [] }))), previousHash, GENESIS_HASH],
  );
  return inserted.length > 0;
}

/** Records from `fromSeq` on, in chain order. */
export function readChain(db: Queryable, fromSeq: number, toSeq: number, limit: number): Promise<AuditRecord[]> {
  return db.query<AuditRecord>(`SELECT ${COLUMNS} FROM audit.records WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3`, [fromSeq, toSeq, limit]);
}

/** Records in the database (archived ones are not), for progress bars. */
export async function countRecords(db: Queryable): Promise<number> {
  const [row] = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM audit.records');
  return row?.count ?? 0;
}

/** The records with these seqs, in any order. */
export function recordsBySeq(db: Queryable, seqs: readonly number[]): Promise<AuditRecord[]> {
  return db.query<AuditRecord>(`SELECT ${COLUMNS} FROM audit.records WHERE seq = ANY($1::bigint[])`, [seqs]);
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
    [
      filter.subject ?? null,
      filter.clientId ?? null,
      filter.officer ?? null,
      filter.purpose ?? null,
      filter.outcome ?? null,
      filter.from ?? null,
      filter.to ?? null,
      beforeSeq,
      first,
    ],
  );
}

/** What a citizen narrows their history to: one agency (its client id) and a time window (from inclusive, to exclusive). */
export interface AccessFilter {
  agency?: string | null;
  from?: string | null;
  to?: string | null;
}

/** Reads of a person's data by anyone but the person: the rows a citizen's history is made of. */
const ACCESS_TO = `r.subjects @> ARRAY[$1::text] AND r.outcome IN ('OK', 'PARTIAL') AND r.principal <> 'citizen:' || $1`;

/** Successful reads of `personalId`'s data by anyone but the person, newest first, within `filter`. */
export function findAccessesTo(db: Queryable, personalId: string, filter: AccessFilter, first: number, beforeSeq: number | null): Promise<AccessEventRow[]> {
  return db.query<AccessEventRow>(
    `SELECT r.seq, to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, r.client_id AS "clientId",
            c.name AS agency, c.role, r.officer, r.purpose, p.name AS "purposeName", r.case_number AS "caseNumber", r.coordinates,
            (SELECT k.id::text FROM audit.complaints k WHERE k.record_seq = r.seq AND k.personal_id = $1 ORDER BY k.id DESC LIMIT 1) AS "complaintId"
       FROM audit.records r
       LEFT JOIN access.client_directory c ON c.client_id = r.client_id
       LEFT JOIN access.purpose_directory p ON p.code = r.purpose
      WHERE ${ACCESS_TO}
        AND ($2::bigint IS NULL OR r.seq < $2) AND ($3::text IS NULL OR r.client_id = $3)
        AND ($4::timestamptz IS NULL OR r.at >= $4) AND ($5::timestamptz IS NULL OR r.at < $5)
      ORDER BY r.seq DESC LIMIT $6`,
    [personalId, beforeSeq, filter.agency ?? null, filter.from ?? null, filter.to ?? null, first],
  );
}

/** The agencies (clients) that have read `personalId`'s data, by name. */
export function agenciesAccessing(db: Queryable, personalId: string): Promise<Array<{ id: string; name: string }>> {
  return db.query(
    `SELECT a.client_id AS id, coalesce(c.name, a.client_id) AS name
       FROM (SELECT DISTINCT r.client_id FROM audit.records r WHERE ${ACCESS_TO} AND r.client_id IS NOT NULL) a
       LEFT JOIN access.client_directory c ON c.client_id = a.client_id
      ORDER BY 2, 1`,
    [personalId],
  );
}

/** Whether `clientId` names a client (an agency) at all. */
export async function clientExists(db: Queryable, clientId: string): Promise<boolean> {
  return (await db.query('SELECT 1 FROM access.client_directory WHERE client_id = $1', [clientId])).length > 0;
}

/** The first and newest seq the database holds (archived records are not in it); null for an empty table. */
export async function recordExtent(db: Queryable): Promise<{ first: number; last: number } | null> {
  const [row] = await db.query<{ first: number | null; last: number | null }>('SELECT min(seq)::int AS first, max(seq)::int AS last FROM audit.records');
  return row?.first == null || row.last == null ? null : { first: row.first, last: row.last };
}

/** The leaf hashes and subtree hashes of the Merkle tree (see migration 002), as stored rows. */
export async function appendTreeNodes(db: Queryable, nodes: readonly StoredNode[]): Promise<void> {
  if (nodes.length === 0) return;
  await db.query('INSERT INTO audit.tree_nodes (level, idx, hash) SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::text[])', [
    nodes.map((node) => node.level),
    nodes.map((node) => node.index),
    nodes.map((node) => node.hash.toString('hex')),
  ]);
}

/**
 * Deletes the tree nodes only archived records need, once the first `archived` records are archived (migration 008
 * refuses any other): all inside those leaves but the roots of the perfect subtrees covering them and the newest
 * archived leaf. Reads each level's index range, so it costs what was added since the last prune. Returns the count.
 */
export async function pruneTreeNodes(db: Queryable, archived: number): Promise<number> {
  const [row] = await db.query<{ pruned: number }>(
    `WITH pruned AS (
       DELETE FROM audit.tree_nodes n USING generate_series(0, 62) AS l(level)
        WHERE n.level = l.level AND n.idx < ($1::bigint >> l.level) AND NOT audit.tree_node_needed(n.level, n.idx, $1)
       RETURNING 1)
     SELECT count(*)::int AS pruned FROM pruned`,
    [archived],
  );
  return row?.pruned ?? 0;
}

/** Leaves in the tree: one per record ever appended (archived ones included). */
export async function treeSize(db: Queryable): Promise<number> {
  const [row] = await db.query<{ size: number }>('SELECT coalesce(max(idx) + 1, 0)::bigint AS size FROM audit.tree_nodes WHERE level = 0');
  return row?.size ?? 0;
}

/** The stored hashes of the given perfect subtrees; a missing one is simply absent from the map. */
export async function readTreeNodes(db: Queryable, nodes: readonly TreeNode[]): Promise<Map<string, Buffer>> {
  if (nodes.length === 0) return new Map();
  const rows = await db.query<{ level: number; idx: number; hash: string }>(
    `SELECT n.level, n.idx, n.hash FROM audit.tree_nodes n
       JOIN unnest($1::smallint[], $2::bigint[]) AS wanted(level, idx) ON n.level = wanted.level AND n.idx = wanted.idx`,
    [nodes.map((node) => node.level), nodes.map((node) => node.index)],
  );
  return new Map(rows.map((row) => [nodeKey({ level: row.level, index: row.idx }), Buffer.from(row.hash, 'hex')]));
}

/** A record in chain order with the leaf hash the tree holds for it (null when the tree has none). */
export type RecordWithLeaf = AuditRecord & { storedLeaf: string | null };

/** Records from `fromSeq` to `toSeq` in chain order, each with its stored leaf hash, `limit` at a time. */
export function readChainWithLeaves(db: Queryable, fromSeq: number, toSeq: number, limit: number): Promise<RecordWithLeaf[]> {
  return db.query<RecordWithLeaf>(
    `SELECT r.*, n.hash AS "storedLeaf"
       FROM (SELECT ${COLUMNS} FROM audit.records WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3) r
       LEFT JOIN audit.tree_nodes n ON n.level = 0 AND n.idx = r.seq - 1
      ORDER BY r.seq`,
    [fromSeq, toSeq, limit],
  );
}

/** Creates the month partitions (`YYYY-MM-01`) the records about to be appended fall in, unless they exist. */
export async function ensureMonthPartitions(db: Queryable, months: readonly string[]): Promise<void> {
  for (const month of months) await db.query('SELECT audit.ensure_month_partition($1::date)', [month]);
}

const CHECKPOINT_COLUMNS = `tree_size AS "treeSize", root_hash AS "rootHash",
  to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, key_id AS "keyId", signature`;

/** Keeps a copy of a checkpoint; a second one of the same size (another replica's) is not kept. */
export async function insertCheckpoint(db: Queryable, checkpoint: Checkpoint): Promise<void> {
  await db.query('INSERT INTO audit.checkpoints (tree_size, root_hash, at, key_id, signature) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tree_size) DO NOTHING', [
    checkpoint.treeSize,
    checkpoint.rootHash,
    checkpoint.at,
    checkpoint.keyId,
    checkpoint.signature,
  ]);
}

/** The newest stored checkpoint, to prove inclusion against (its signature is what makes it trustworthy). */
export async function latestCheckpoint(db: Queryable): Promise<Checkpoint | undefined> {
  const [row] = await db.query<Checkpoint>(`SELECT ${CHECKPOINT_COLUMNS} FROM audit.checkpoints ORDER BY tree_size DESC LIMIT 1`);
  return row;
}

export interface ArchiveRow {
  firstSeq: number;
  lastSeq: number;
  manifest: unknown;
}

export async function insertArchive(db: Queryable, archive: ArchiveRow): Promise<void> {
  await db.query('INSERT INTO audit.archives (first_seq, last_seq, manifest) VALUES ($1, $2, $3::jsonb)', [
    archive.firstSeq,
    archive.lastSeq,
    JSON.stringify(archive.manifest),
  ]);
}

/** The newest archive: the remaining log continues after its last seq. */
export async function latestArchive(db: Queryable): Promise<ArchiveRow | undefined> {
  const [row] = await db.query<ArchiveRow>(
    'SELECT first_seq AS "firstSeq", last_seq AS "lastSeq", manifest FROM audit.archives ORDER BY last_seq DESC LIMIT 1',
  );
  return row;
}

export interface MonthPartition {
  /** e.g. records_2026_11 */
  name: string;
  /** First day of the month, YYYY-MM-01. */
  month: string;
  records: number;
  maxSeq: number | null;
}

/** The month partitions of audit.records, oldest first, with their record count and newest seq. */
export async function monthPartitions(db: Queryable): Promise<MonthPartition[]> {
  const partitions = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'audit.records'::regclass AND c.relname ~ '^records_[0-9]{4}_[0-9]{2}$' ORDER BY c.relname`,
  );
  const result: MonthPartition[] = [];
  for (const { name } of partitions) {
    const month = `${name.slice(8, 12)}-${name.slice(13, 15)}-01`;
    const [stats] = await db.query<{ records: number; maxSeq: number | null }>(
      `SELECT count(*)::int AS records, max(seq) AS "maxSeq" FROM audit.records WHERE at >= $1::timestamptz AND at < $1::timestamptz + interval '1 month'`,
      [`${month}T00:00:00Z`],
    );
    result.push({ name, month, records: stats?.records ?? 0, maxSeq: stats?.maxSeq ?? null });
  }
  return result;
}

/** Detaches and drops one month partition: what retention does once the month is archived and checkpointed. */
export async function dropMonthPartition(db: Session, name: string): Promise<void> {
  if (!/^records_\d{4}_\d{2}$/.test(name)) throw new Error(`${name} is not an audit month partition`);
  await db.exec(`ALTER TABLE audit.records DETACH PARTITION audit.${name}; DROP TABLE audit.${name};`);
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
  const rows = await db.query(`SELECT 1 FROM audit.records r WHERE r.seq = $2 AND ${ACCESS_TO}`, [personalId, seq]);
  return rows.length > 0;
}

/** Opens a complaint, or returns the one already open for this read and citizen. */
export async function openComplaint(db: Queryable, complaint: { recordSeq: number; personalId: string; reason: string }): Promise<ComplaintRow> {
  await db.query(
    `INSERT INTO audit.complaints (record_seq, personal_id, reason) VALUES ($1, $2, $3)
     ON CONFLICT (record_seq, personal_id) WHERE status = 'OPEN' DO NOTHING`,
    [complaint.recordSeq, complaint.personalId, complaint.reason],
  );
  const [row] = await db.query<ComplaintRow>(`${COMPLAINT} WHERE c.record_seq = $1 AND c.personal_id = $2 AND c.status = 'OPEN'`, [
    complaint.recordSeq,
    complaint.personalId,
  ]);
  if (!row) throw new Error(`complaint about record ${complaint.recordSeq} was not stored`);
  return row;
}

/** Newest first, `first` complaints older than `beforeId`, of `status` (any when null). */
export function findComplaints(db: Queryable, status: ComplaintStatus | null, first: number, beforeId: number | null): Promise<ComplaintRow[]> {
  return db.query<ComplaintRow>(`${COMPLAINT} WHERE ($1::text IS NULL OR c.status = $1) AND ($2::bigint IS NULL OR c.id < $2) ORDER BY c.id DESC LIMIT $3`, [
    status,
    beforeId,
    first,
  ]);
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
