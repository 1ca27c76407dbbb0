import type { Queryable } from '../common/database';
import type { RequestInfo } from '../common/http-server';
import type { SubgraphContext, SubgraphDeps } from '../common/subgraph';

export interface AuditContext extends SubgraphContext {
  db: Queryable;
  /** Who the gateway says is asking (`x-once-principal`, covered by the request signature). */
  principal: string | null;
  /** The officer the client named (`x-once-officer`, signed too): who wrote a complaint note. */
  officer: string | null;
}

export function createAuditContext({ db }: SubgraphDeps, request: RequestInfo): AuditContext {
  const { 'x-once-principal': principal, 'x-once-officer': officer } = request.headers;
  return { db, principal: typeof principal === 'string' ? principal : null, officer: typeof officer === 'string' ? officer : null, subjects: new Set() };
}
