import type { Queryable } from '../../platform';
import { flowKey, type DataFlow, type FlowDirective } from './flows';

/**
 * Where an approval stands: requested by the agency; approved by an administrator but waiting for the owning
 * agency's consent (`@override` only); in force; or revoked.
 */
export type FlowApprovalStatus = 'REQUESTED' | 'AWAITING_CONSENT' | 'ACTIVE' | 'REVOKED';

export interface FlowApproval {
  id: number;
  /** The agency (client id) the flow is approved for: the owner of `subgraph`. */
  agency: string;
  subgraph: string;
  directive: FlowDirective;
  coordinate: string;
  target: string;
  /** The agency that owns the target. */
  owner: string;
  status: FlowApprovalStatus;
  reason: string;
  requestedBy: string;
  requestedAt: string;
  legalBasis: string | null;
  approvedBy: string | null;
  approvedAt: string | null;
  consentedBy: string | null;
  consentedAt: string | null;
  revokedBy: string | null;
  revokedAt: string | null;
}

const at = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const COLUMNS = `id, agency, subgraph, directive, coordinate, target, owner, reason, legal_basis AS "legalBasis",
  requested_by AS "requestedBy", ${at('requested_at')} AS "requestedAt", approved_by AS "approvedBy", ${at('approved_at')} AS "approvedAt",
  consented_by AS "consentedBy", ${at('consented_at')} AS "consentedAt", revoked_by AS "revokedBy", ${at('revoked_at')} AS "revokedAt",
  CASE WHEN revoked_at IS NOT NULL THEN 'REVOKED'
       WHEN approved_at IS NOT NULL AND (directive <> 'OVERRIDE' OR consented_at IS NOT NULL) THEN 'ACTIVE'
       WHEN approved_at IS NOT NULL THEN 'AWAITING_CONSENT'
       ELSE 'REQUESTED' END AS status`;

/** Opens a request for each flow that has no open one yet; returns the open approvals of all of them. */
export async function insertRequests(
  db: Queryable,
  request: { agency: string; subgraph: string; flows: readonly DataFlow[]; reason: string; requestedBy: string },
): Promise<FlowApproval[]> {
  const column = (pick: (flow: DataFlow) => string) => request.flows.map(pick);
  const params = [
    request.agency,
    request.subgraph,
    column((flow) => flow.directive),
    column((flow) => flow.coordinate),
    column((flow) => flow.target),
    column((flow) => flow.owner),
    request.reason,
    request.requestedBy,
  ];
  await db.query(
    `INSERT INTO registry.flow_approvals (agency, subgraph, directive, coordinate, target, owner, reason, requested_by)
     SELECT $1, $2, f.directive, f.coordinate, f.target, f.owner, $7, $8
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS f(directive, coordinate, target, owner)
     ON CONFLICT (subgraph, directive, coordinate, target, owner) WHERE revoked_at IS NULL DO NOTHING`,
    params,
  );
  return db.query<FlowApproval>(
    `SELECT ${COLUMNS} FROM registry.flow_approvals
      WHERE revoked_at IS NULL AND subgraph = $2 AND (directive, coordinate, target, owner) IN (SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]))
        AND agency = $1
      ORDER BY id`,
    params.slice(0, 6),
  );
}

export async function approvalById(db: Queryable, id: number): Promise<FlowApproval | null> {
  const [row] = await db.query<FlowApproval>(`SELECT ${COLUMNS} FROM registry.flow_approvals WHERE id = $1`, [id]);
  return row ?? null;
}

/** Records a decision on an open approval; null when it was revoked meanwhile. */
export async function recordDecision(
  db: Queryable,
  id: number,
  decision: { kind: 'approve'; by: string; legalBasis: string } | { kind: 'consent'; by: string } | { kind: 'revoke'; by: string },
): Promise<FlowApproval | null> {
  const set = {
    approve: 'approved_by = $2, approved_at = now(), legal_basis = $3',
    consent: 'consented_by = $2, consented_at = now()',
    revoke: 'revoked_by = $2, revoked_at = now()',
  }[decision.kind];
  const params = decision.kind === 'approve' ? [id, decision.by, decision.legalBasis] : [id, decision.by];
  const [row] = await db.query<{ id: number }>(`UPDATE registry.flow_approvals SET ${set} WHERE id = $1 AND revoked_at IS NULL RETURNING id`, params);
  return row ? approvalById(db, row.id) : null;
}

/** Approvals, newest first: all of them, or those for or about `agency` (its subgraphs' flows, and flows to its data). */
export function listApprovals(db: Queryable, filter: { agency: string | null; subgraph: string | null; includeRevoked: boolean }): Promise<FlowApproval[]> {
  return db.query<FlowApproval>(
    `SELECT ${COLUMNS} FROM registry.flow_approvals
      WHERE ($1::text IS NULL OR agency = $1 OR owner = $1) AND ($2::text IS NULL OR subgraph = $2) AND ($3 OR revoked_at IS NULL)
      ORDER BY id DESC LIMIT 1000`,
    [filter.agency, filter.subgraph, filter.includeRevoked],
  );
}

/** The approvals in force for flows of `subgraphs`, by subgraph and flow. */
export async function activeApprovals(db: Queryable, subgraphs: readonly string[]): Promise<Map<string, number>> {
  if (subgraphs.length === 0) return new Map();
  const rows = await db.query<FlowApproval>(`SELECT ${COLUMNS} FROM registry.flow_approvals WHERE subgraph = ANY($1::text[]) AND revoked_at IS NULL`, [
    subgraphs,
  ]);
  return new Map(rows.filter((row) => row.status === 'ACTIVE').map((row) => [approvalKey(row.subgraph, row), row.id]));
}

export function approvalKey(subgraph: string, flow: Pick<DataFlow, 'directive' | 'coordinate' | 'target' | 'owner'>): string {
  return `${subgraph}: ${flowKey(flow)}`;
}
