import { HeaderMap } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from './logger';

/** Every error code a client of Once can see. Clients branch on these; never rename one. */
export enum ErrorCode {
  /** An argument is malformed or out of bounds; the message names the argument and the rule. */
  BadUserInput = 'BAD_USER_INPUT',
  /** No valid credentials: missing, malformed, expired or forged token or API key, or an unsigned subgraph call. */
  Unauthenticated = 'UNAUTHENTICATED',
  /** Authenticated, but the policy does not allow it; `extensions.denied` lists the coordinates. */
  Forbidden = 'FORBIDDEN',
  /** A client request without officer, purpose (procedure code) and case number. */
  PurposeRequired = 'PURPOSE_REQUIRED',
  /** The purpose names no procedure of the catalogue. */
  UnknownPurpose = 'UNKNOWN_PURPOSE',
  /** The audit log cannot record the request, so no data is returned (HTTP 503). */
  AuditUnavailable = 'AUDIT_UNAVAILABLE',
  /** A registry change refused by its checks (composition, breaking changes in use, URL); `extensions.report` has them. */
  SchemaCheckFailed = 'SCHEMA_CHECK_FAILED',
  /** The document has no operation by the given `operationName`, or several and no name to choose one. */
  OperationResolutionFailure = 'OPERATION_RESOLUTION_FAILURE',
  /** A subgraph reaches fields or entities another agency owns without an approved flow; `extensions.flows` lists them. */
  DataFlowNotApproved = 'DATA_FLOW_NOT_APPROVED',
  /** A subgraph's SDL is larger than REGISTRY_MAX_SDL_BYTES; refused before it is read. */
  SdlTooLarge = 'SDL_TOO_LARGE',
  /** A routing URL is not http(s), or its host is not on REGISTRY_ALLOWED_HOSTS. */
  RoutingUrlNotAllowed = 'ROUTING_URL_NOT_ALLOWED',
  /** Composing and checking a subgraph took longer than REGISTRY_CHECK_TIMEOUT_MS; it was stopped. */
  SchemaCheckTimeout = 'SCHEMA_CHECK_TIMEOUT',
  /** The request body is not JSON or not a GraphQL request. */
  BadRequest = 'BAD_REQUEST',
  /** The request body is larger than MAX_BODY_BYTES. */
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  /** The gateway has no supergraph loaded yet, or is shutting down. */
  ServiceUnavailable = 'SERVICE_UNAVAILABLE',
  /** The caller sent more requests this minute than its rate limit allows; retry after `Retry-After` seconds (HTTP 429). */
  RateLimited = 'RATE_LIMITED',
  /** More requests are in flight than MAX_IN_FLIGHT allows; retry after the `Retry-After` seconds (HTTP 503). */
  Overloaded = 'OVERLOADED',
  /** A subgraph could not be reached, did not answer in time, or gave a malformed answer; `extensions.serviceName` says which. */
  SubgraphUnavailable = 'SUBGRAPH_UNAVAILABLE',
  /** A subgraph answered with a GraphQL error of its own (its details stay in its log); `extensions.serviceName` says which. */
  SubgraphError = 'SUBGRAPH_ERROR',
  /** The operation costs more than MAX_COST, counting every field once per item of the lists above it; `extensions.cost` says how much (HTTP 400). */
  CostLimitExceeded = 'COST_LIMIT_EXCEEDED',
  /** The caller already has MAX_CONCURRENT_PER_PRINCIPAL requests running in this gateway process; retry after `Retry-After` (HTTP 429). */
  ConcurrencyLimited = 'CONCURRENCY_LIMITED',
  /** The answer would be larger than MAX_RESPONSE_BYTES; ask for less per request (HTTP 413). */
  ResponseTooLarge = 'RESPONSE_TOO_LARGE',
  /** Something unexpected; details are in the server log under the request id. */
  InternalServerError = 'INTERNAL_SERVER_ERROR',
}

export function badUserInput(message: string, argument?: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: ErrorCode.BadUserInput, ...(argument === undefined ? {} : { argument }) },
  });
}

/** What a 503 tells clients to wait: stores come back, or fail over, within seconds. */
export const RETRY_AFTER_S = 1;

/** The `extensions.code` of an answer's error, as the audit and access logs record it; none is an internal error. */
export function errorCodeOf(error: GraphQLFormattedError): string {
  const code = error.extensions?.code;
  return typeof code === 'string' ? code : ErrorCode.InternalServerError;
}

/**
 * A store the request needs (access policies, the audit log) cannot be reached: HTTP 503 with `Retry-After`, which
 * Apollo Server and the HTTP server both honour, so that clients retry instead of seeing a 500.
 */
export function unavailable(code: ErrorCode.ServiceUnavailable | ErrorCode.AuditUnavailable, message: string, cause?: unknown): GraphQLError {
  // Apollo Server reads `http.headers` as a map (its HeaderMap); graphql-yoga's typings, present for the benchmarks, say a record.
  const extensions: Record<string, unknown> = { code, http: { status: 503, headers: new HeaderMap([['retry-after', String(RETRY_AFTER_S)]]) } };
  return new GraphQLError(message, { ...(cause instanceof Error ? { originalError: cause } : {}), extensions });
}

/**
 * Apollo `formatError`: known codes pass as they are; an unexpected error is logged, and outside development its
 * message is replaced so that no internals (SQL, stack, file paths) reach a client.
 */
function createErrorFormatter(options: { mask: boolean; log: Logger }) {
  return (given: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const formatted = clientRequestRefusal(given, error);
    const code = formatted.extensions?.code;
    if (code !== undefined && code !== ErrorCode.InternalServerError) {
      // An expected error says what is wrong; a stack trace would only be noise (and a map of the code).
      const { stacktrace: _, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    options.log.error({ err: unwrapResolverError(error), path: formatted.path }, 'unexpected error');
    if (!options.mask) return { ...formatted, extensions: { ...formatted.extensions, code: ErrorCode.InternalServerError } };
    return {
      message: 'Internal server error',
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: ErrorCode.InternalServerError },
    };
  };
}

/**
 * How an Apollo server of Once reports errors under NODE_ENV: only `development`, asked for explicitly, shows
 * unexpected errors as raised, with stack traces; `production` and `test` mask them.
 */
export function apolloErrorOptions(nodeEnv: 'development' | 'production' | 'test', log: Logger) {
  const development = nodeEnv === 'development';
  return { formatError: createErrorFormatter({ mask: !development, log }), includeStacktraceInErrorResponses: development };
}

/**
 * Apollo refuses some malformed requests before its pipeline with an HTTP 4xx status and no code (a persisted query
 * whose sha256Hash is not the hash of the query sent, an unsupported persisted-query version); they are the client's
 * mistake, not an internal error.
 */
function clientRequestRefusal(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  // Apollo has already filled in INTERNAL_SERVER_ERROR for the missing code: look at the error as raised.
  const raised = error instanceof GraphQLError ? error.extensions : {};
  const status = (raised.http as { status?: unknown } | undefined)?.status;
  if (raised.code !== undefined || typeof status !== 'number' || status >= 500) return formatted;
  return { message: formatted.message, extensions: { code: ErrorCode.BadRequest } };
}
