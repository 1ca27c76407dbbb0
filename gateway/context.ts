import type { Principal, Purpose } from './access/principal';

/** What the audit record of a request is built from, filled in as the request goes through the gateway. */
export interface AccessTrail {
  startedAt: number;
  /** Coordinates the operation can read, once it is parsed, and those its query plan sends to subgraphs for it. */
  coordinates: readonly string[];
  /** Personal IDs from the arguments and from what the subgraphs returned. */
  subjects: Set<string>;
  /** Subgraphs the query plan called. */
  subgraphs: Set<string>;
  /** What the query plan sent to subgraphs in entity representations, as `subgraph:Type.field`, keys included. */
  sent: readonly string[];
}

/** What the gateway knows about one incoming request; handed to every subgraph fetch. */
export interface GatewayContext {
  requestId: string;
  /** The `x-request-id` the client sent; kept in its audit record beside the gateway's own `requestId`. */
  clientRequestId: string | null;
  principal: Principal;
  purpose: Purpose | null;
  trail: AccessTrail;
  /** The client's grants for the request's purpose, once the access plugin has read them. */
  grants?: ReadonlySet<string>;
}

export function newTrail(): AccessTrail {
  return { startedAt: performance.now(), coordinates: [], subjects: new Set(), subgraphs: new Set(), sent: [] };
}

/** Health checks and schema loads carry a bare context; only an incoming operation's is the gateway's, with its trail. */
export function isGatewayContext(context: object): context is GatewayContext {
  return 'trail' in context && 'principal' in context;
}
