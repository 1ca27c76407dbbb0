import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import { CircuitBreaker, ErrorCode, type Logger, signRequest, type ForwardedHeader, injectTraceContext } from '../platform';
import { SUBJECTS_EXTENSION } from '../subgraphs/kit';
import { principalLabel } from './access/principal';
import { isGatewayContext, type GatewayContext } from './context';
import { SubgraphExchangeError, type SubgraphPools } from './subgraph-pools';
import { subgraphFetchDuration, subgraphFetchErrors } from './telemetry/gateway-metrics';

export interface SubgraphDataSourceOptions {
  name: string;
  url: string;
  /** Deadline of one whole exchange with the subgraph (connect, send, read the answer). */
  timeoutMs: number;
  /**
   * The subgraph's HMAC secret; without one, requests go unsigned (foreign subgraphs that do not check). A function is
   * asked at every request, so that a rotated secret is used without rebuilding the data source.
   */
  secret?: string | (() => string | undefined) | undefined;
  /** Keep-alive connections shared by the gateway's data sources. */
  pools: SubgraphPools;
  /** The subgraph's circuit breaker, kept across supergraph versions (`subgraphBreaker`). */
  breaker: CircuitBreaker;
  log: Logger;
}

type SubgraphResponse = Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['didReceiveResponse']>>[0]['response'];

/** Failures in a row after which a subgraph is skipped, and how long before it is tried again. */
const BREAKER = { failureThreshold: 5, cooldownMs: 2_000 };

/** The circuit breaker of one subgraph: while open, requests that need it are answered SUBGRAPH_UNAVAILABLE at once. */
export function subgraphBreaker(name: string, log: Logger): CircuitBreaker {
  return new CircuitBreaker({ name: `subgraph ${name}`, ...BREAKER, log });
}

/**
 * The codes of a subgraph's own GraphQL errors that tell the portal something about its request (bad argument,
 * not allowed, check failed). Anything else, its UNAUTHENTICATED above all (which is about the gateway's signature,
 * not the portal's key), becomes SUBGRAPH_ERROR.
 */
const REQUEST_CODES: ReadonlySet<string> = new Set([
  ErrorCode.BadUserInput,
  ErrorCode.Forbidden,
  ErrorCode.ServiceUnavailable,
  // The registry's refusals: what the agency must change in its request.
  ErrorCode.SchemaCheckFailed,
  ErrorCode.SchemaCheckTimeout,
  ErrorCode.DataFlowNotApproved,
  ErrorCode.RoutingUrlNotAllowed,
  ErrorCode.SdlTooLarge,
]);

/** Thrown by the fetcher while the subgraph's circuit is open. */
class CircuitOpenError extends Error {}

/**
 * All gateway-to-subgraph behaviour: forwarding who asks and why, signing, the deadline and circuit breaker,
 * collecting the subjects for the audit record, and errors that name the subgraph but never leak its address,
 * status line, body or its own authentication errors.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly name: string;
  private readonly timeoutMs: number;
  private readonly log: Logger;

  constructor({ name, url, timeoutMs, secret, pools, breaker, log }: SubgraphDataSourceOptions) {
    const signedFetch = async (input: string, init: { headers: Record<string, string>; body: string }) => {
      if (!breaker.allow()) {
        subgraphFetchErrors.inc({ subgraph: name, reason: 'circuit_open' });
        throw new CircuitOpenError();
      }
      // Outside the signature: trace context only labels spans, and nothing a subgraph decides depends on it.
      injectTraceContext(init.headers);
      const current = typeof secret === 'function' ? secret() : secret;
      if (current) signRequest(current, init.headers, init.body);
      const timer = subgraphFetchDuration.startTimer({ subgraph: name });
      try {
        const response = await pools.post(input, init.headers, init.body);
        timer({ result: response.ok ? 'ok' : 'error' });
        if (!response.ok) subgraphFetchErrors.inc({ subgraph: name, reason: `http_${response.status}` });
        // A subgraph that answers 5xx (starting, overloaded, broken) is as good as down; a 4xx is about the request.
        if (response.status >= 500) breaker.failed(new Error(`HTTP ${response.status}`));
        else breaker.succeeded();
        return response;
      } catch (error) {
        timer({ result: 'error' });
        subgraphFetchErrors.inc({ subgraph: name, reason: error instanceof SubgraphExchangeError ? error.reason : 'unreachable' });
        breaker.failed(error);
        throw error;
      }
    };
    super({ url, fetcher: signedFetch as unknown as RemoteGraphQLDataSource['fetcher'] });
    this.name = name;
    this.timeoutMs = timeoutMs;
    this.log = log;
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    if (!isGatewayContext(context) || !request.http) return;
    context.trail.subgraphs.add(this.name);
    const forwarded: Record<ForwardedHeader, string | undefined> = {
      'x-request-id': context.requestId,
      'x-once-principal': principalLabel(context.principal),
      'x-once-officer': context.purpose?.officer,
      'x-once-purpose': context.purpose?.code,
      'x-once-case': context.purpose?.caseNumber,
    };
    for (const [header, value] of Object.entries(forwarded)) if (value) request.http.headers.set(header, value);
  }

  override didReceiveResponse({ response, context }: { response: SubgraphResponse; context: GatewayContext }): SubgraphResponse {
    const subjects: unknown = response.extensions?.[SUBJECTS_EXTENSION];
    if (Array.isArray(subjects) && isGatewayContext(context)) {
      for (const subject of subjects) if (typeof subject === 'string') context.trail.subjects.add(subject);
    }
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- one constant key, removed in place from the response the gateway keeps
    if (response.extensions) delete response.extensions[SUBJECTS_EXTENSION];
    if (response.errors) response.errors = response.errors.map((error) => this.ownError(error, context));
    return response;
  }

  /** A subgraph's GraphQL error as the portal sees it: request errors as they are, the rest as SUBGRAPH_ERROR (details logged). */
  private ownError(error: NonNullable<SubgraphResponse['errors']>[number], context: GatewayContext): NonNullable<SubgraphResponse['errors']>[number] {
    const code = error.extensions?.code;
    if (typeof code === 'string' && REQUEST_CODES.has(code)) return error;
    this.log.warn({ serviceName: this.name, requestId: context.requestId, code, message: error.message, path: error.path }, 'subgraph answered with an error');
    return {
      message: `Subgraph ${this.name} failed to answer part of the request`,
      ...(error.path ? { path: error.path } : {}),
      extensions: { code: ErrorCode.SubgraphError },
    };
  }

  /** The exchange failed: say which subgraph and why, but not its address, its status line or its body. */
  override didEncounterError(error: Error): never {
    const refusal = inputRefusal(error);
    if (refusal) throw refusal;
    const reason = this.reasonOf(error);
    this.log.warn({ serviceName: this.name, err: error }, `subgraph ${this.name} ${reason}`);
    throw new GraphQLError(`Subgraph ${this.name} ${reason}`, { extensions: { code: ErrorCode.SubgraphUnavailable, serviceName: this.name } });
  }

  private reasonOf(error: Error): string {
    if (error instanceof CircuitOpenError) return 'is unavailable: it failed repeatedly and is tried again shortly';
    if (error instanceof SubgraphExchangeError) {
      return error.reason === 'timeout' ? `did not answer within ${this.timeoutMs} ms (SUBGRAPH_TIMEOUT_MS)` : `could not be reached (${error.code})`;
    }
    // RemoteGraphQLDataSource's error for a non-2xx answer carries the status in extensions.response (with the URL and body).
    const status = (error instanceof GraphQLError ? (error.extensions.response as { status?: unknown } | undefined)?.status : undefined) ?? null;
    if (typeof status === 'number') return `answered HTTP ${status}`;
    return 'gave a malformed answer';
  }
}

/**
 * A subgraph that refuses an argument the gateway passed on unchecked (a custom scalar such as `DateTime`, which only
 * the subgraph parses) answers HTTP 400 with input errors only. It is the caller's input that is wrong: BAD_USER_INPUT
 * with the subgraph's messages (they name the value and where it stands), and nothing of the subgraph's address.
 */
function inputRefusal(error: Error): GraphQLError | null {
  if (!(error instanceof GraphQLError)) return null;
  const response = error.extensions.response as
    { status?: unknown; body?: { errors?: Array<{ message?: unknown; extensions?: { code?: unknown } }> } } | undefined;
  const refusals = response?.status === 400 ? (response.body?.errors ?? []) : [];
  const inputErrors = refusals.filter(
    (refusal) =>
      typeof refusal.message === 'string' && (refusal.extensions?.code === ErrorCode.BadUserInput || refusal.extensions?.code === 'GRAPHQL_VALIDATION_FAILED'),
  );
  if (inputErrors.length === 0 || inputErrors.length !== refusals.length) return null;
  return new GraphQLError(`An argument was refused: ${inputErrors.map((refusal) => String(refusal.message)).join('; ')}`, {
    extensions: { code: ErrorCode.BadUserInput },
  });
}
