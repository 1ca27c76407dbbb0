import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What the access log line and the request metrics of one request say, filled in as the request goes through the
 * server: who (client label, purpose code), what (operation name and hash), how it ended. Never response data,
 * personal IDs or case numbers.
 */
export interface RequestFacts {
  /** A registered client's id, `citizen`, `anonymous` (or `gateway` tools' principals, by kind). */
  client?: string;
  purpose?: string;
  operationName?: string;
  operationHash?: string;
  outcome?: string;
  /** The error code a refused request was answered with. */
  code?: string;
}

const scope = new AsyncLocalStorage<RequestFacts>();

/** Runs a request's handling with its facts reachable from anywhere in it (plugins, authentication). */
export function withRequestFacts<T>(facts: RequestFacts, work: () => T): T {
  return scope.run(facts, work);
}

/** Adds to the facts of the request being handled; outside one, nothing. */
export function noteRequest(facts: RequestFacts): void {
  const current = scope.getStore();
  if (current) Object.assign(current, facts);
}

/**
 * The client label of a principal as the gateway names it (`client:<id>`, `citizen:<personal ID>`, `anonymous`,
 * `operator:<name>`): the client's id, or just the kind, so that no personal ID reaches a log field or a metric label.
 */
export function clientLabel(principal: string | undefined): string {
  if (!principal) return 'anonymous';
  const [kind = '', id = ''] = principal.split(':', 2);
  return kind === 'client' && /^[\w.-]{1,64}$/.test(id) ? id : /^[a-z]{1,16}$/.test(kind) ? kind : 'other';
}
