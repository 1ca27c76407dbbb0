import type { Queryable } from '../common/database';
import type { RequestInfo } from '../common/http-server';
import type { SubgraphContext, SubgraphDeps } from '../common/subgraph';

export interface AuditContext extends SubgraphContext {
  db: Queryable;
  /** Who the gateway says is asking (`x-once-principal`, covered by the request signature). */
  principal: string | null;
}

export function createAuditContext({ db }: SubgraphDeps, request: RequestInfo): AuditContext {
  const principal = request.headers['x-once-principal'];
  return { db, principal: typeof principal === 'string' ? principal : null, subjects: new Set() };
}
