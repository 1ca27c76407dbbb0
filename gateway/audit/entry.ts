import type { AuditEntry, AuditOutcome } from '../../subgraphs/audit/chain';
import { principalLabel, type Principal, type Purpose } from '../access/principal';
import type { AccessTrail } from '../context';

/** The audit record of one request, from what the gateway learnt about it. */
export function auditEntry(
  request: { requestId: string; principal: Principal; purpose: Purpose | null; trail: AccessTrail },
  outcome: AuditOutcome,
  details: { operationName?: string | null; operationHash?: string | null; errorCodes?: readonly string[] } = {},
): AuditEntry {
  const { principal, purpose, trail } = request;
  return {
    requestId: request.requestId,
    at: new Date().toISOString(),
    principal: principalLabel(principal),
    clientId: principal.kind === 'client' ? principal.client.clientId : null,
    officer: purpose?.officer ?? null,
    purpose: purpose?.code ?? (principal.kind === 'citizen' ? 'SELF' : null),
    caseNumber: purpose?.caseNumber ?? null,
    operationName: details.operationName ?? null,
    operationHash: details.operationHash ?? null,
    coordinates: [...trail.coordinates].sort(),
    subjects: [...trail.subjects].sort(),
    outcome,
    errorCodes: [...new Set(details.errorCodes ?? [])].sort(),
    subgraphs: [...trail.subgraphs].sort(),
    sentToSubgraphs: [...trail.sent],
    durationMs: Math.round(performance.now() - trail.startedAt),
  };
}
