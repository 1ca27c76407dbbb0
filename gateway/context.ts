import type { Principal, Purpose } from './access/principal';

/** What the audit record of a request is built from, filled in as the request goes through the gateway. */
export interface AccessTrail {
  startedAt: number;
  /** Coordinates the operation can read, once it is parsed. */
  coordinates: readonly string[];
  /** Personal IDs from the arguments and from what the subgraphs returned. */
  subjects: Set<string>;
  /** Subgraphs the query plan called. */
  subgraphs: Set<string>;
}

/** What the gateway knows about one incoming request; handed to every subgraph fetch. */
export interface GatewayContext {
  requestId: string;
  /** The `x-request-id` the client sent; kept in its audit record beside the gateway's own `requestId`. */
  clientRequestId: string | null;
  principal: Principal;
  purpose: Purpose | null;
  trail: AccessTrail;
}

export function newTrail(): AccessTrail {
  return { startedAt: performance.now(), coordinates: [], subjects: new Set(), subgraphs: new Set() };
}
