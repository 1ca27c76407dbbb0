import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLRequest, type HTTPGraphQLResponse } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { noteRequest, withRequestFacts, type RequestFacts } from './access-log';
import { ErrorCode, errorCodeOf, RETRY_AFTER_S } from './errors';
import { Holdings } from './holdings';
import type { Logger } from './logger';
import { operationLabel, refusals, requestDuration } from './metrics';
import { SpanStatusCode, startRequestSpan, untracedRequest } from './tracing';

export interface RequestInfo {
  /** The server's id of the request (see `ownRequestIds`); echoed in the response and in every log line. */
  requestId: string;
  /** The `x-request-id` the caller sent, as sent (any length or content); null when it sent none. */
  clientRequestId: string | null;
  headers: IncomingMessage['headers'];
}

export interface GraphQLHttpServerOptions<TContext extends BaseContext> {
  /** Not yet started: the server starts it after it listens, so /health can say 503 until it is ready. */
  apollo: ApolloServer<TContext>;
  /** Runs before Apollo; an HttpError thrown here is answered with its status and code (authentication). */
  context: (request: RequestInfo) => Promise<TContext>;
  /** Checks the raw body before it is parsed (request signatures); throws HttpError to refuse. */
  verifyBody?: (body: string, request: RequestInfo) => void;
  host: string;
  /** 0 picks a free port; the chosen one is in the returned url. */
  port: number;
  maxBodyBytes: number;
  /** Most GraphQL requests handled at once; beyond it a request is refused at once (503 OVERLOADED), not queued. */
  maxInFlight: number;
  /**
   * Whose requests share a quota of those slots, counted before anything else is done with them (`keyOf`: e.g. the
   * credential a request presents), and how many one key may hold: one caller's flood, even of requests that will be
   * refused, cannot take every slot from the others. Beyond it, 429 CONCURRENCY_LIMITED, named after `limitName`.
   */
  admission?: { keyOf: (request: IncomingMessage) => string; maxPerKey: number; limitName: string };
  log: Logger;
  /** Extra fields for GET /health, read when it is asked for. */
  health?: () => Record<string, unknown>;
  /** Headers for every GraphQL response. */
  responseHeaders?: () => Record<string, string>;
  /**
   * True: every request gets a fresh UUID as its id, whatever `x-request-id` says (the gateway: a caller must not
   * choose the id its audit record is known by). Default false: a well-formed `x-request-id` is taken (a subgraph,
   * called by the gateway).
   */
  ownRequestIds?: boolean;
  /**
   * Told of every request answered without GraphQL execution (unknown path, body too large or not JSON, overload,
   * a refusal by the context function, a request Apollo refuses before any plugin sees it: batches, non-GraphQL
   * bodies, CSRF), with the context when it was made. Awaited before the refusal is sent; its failures are logged.
   */
  onRefused?: (request: RequestInfo, refusal: HttpError, context: TContext | null) => Promise<void>;
  /** Extra GET routes by exact path, answered with the JSON the function returns (e.g. a well-known public key). */
  routes?: Record<string, () => unknown>;
  /**
   * Routes by exact path that write their own (streamed) answer, e.g. the auditors' export. They count against
   * MAX_IN_FLIGHT like /graphql; an HttpError they throw before answering is refused and recorded (`onRefused`).
   */
  streamRoutes?: Record<string, (request: IncomingMessage, response: ServerResponse, info: RequestInfo, url: URL) => Promise<void>>;
  /** The service named in metrics, spans and access log lines (gateway, population, ...). Default `graphql`. */
  service?: string;
  /**
   * The outcome an executed request is logged and counted with, from its data and error codes (the gateway: its
   * audit outcome). Default: OK without errors, ERROR with.
   */
  outcomeOf?: (data: unknown, errorCodes: readonly string[]) => string;
  /**
   * Answers paths other than /health and /graphql (the gateway's pages): true when it answered the request, false
   * when the path is not its own (then 404 as before). Throw HttpError to refuse.
   */
  pages?: (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<boolean>;
}

export interface RunningServer {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  url: string;
  /**
   * Says not ready (/ready 503) while still serving for `readyDelayMs`, so that a load balancer moves traffic away
   * first; then stops accepting connections, lets requests in flight finish (up to `drainMs`), then stops Apollo.
   */
  stop(drainMs?: number, readyDelayMs?: number): Promise<void>;
}

/** `leaving`: told to stop, still serving while /ready says 503; `stopping`: no new connections, draining. */
type Lifecycle = { phase: 'starting' } | { phase: 'ready' } | { phase: 'leaving' } | { phase: 'stopping' };

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** A request refused before GraphQL runs, answered as `{ errors: [{ message, extensions: { code } }] }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    /** Extra response headers (Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export async function startGraphQLHttpServer<TContext extends BaseContext>(options: GraphQLHttpServerOptions<TContext>): Promise<RunningServer> {
  const { apollo, log } = options;
  let lifecycle: Lifecycle = { phase: 'starting' };
  let inFlight = 0;
  /** Slots held per admission key (options.admission). */
  const holdings = new Holdings();
  // Requests that reached Apollo's request pipeline, where the plugins see (and audit) them. Keyed by the HTTP request
  // object, which Apollo passes on as it is (the context it copies).
  const reachedPipeline = new WeakSet<HTTPGraphQLRequest>();
  if (options.onRefused) {
    apollo.addPlugin({
      requestDidStart: async ({ request }) => {
        if (request.http) reachedPipeline.add(request.http);
      },
    });
  }
  const service = options.service ?? 'graphql';
  const outcomeOf = options.outcomeOf ?? ((_data: unknown, errorCodes: readonly string[]) => (errorCodes.length === 0 ? 'OK' : 'ERROR'));
  // Added last, so that it sees the response as sent (the audit plugin may have withheld the data).
  apollo.addPlugin({
    async requestDidStart() {
      return {
        async willSendResponse({ operationName, queryHash, response }) {
          const result = response.body.kind === 'single' ? response.body.singleResult : null;
          const errorCodes = (result?.errors ?? []).map(errorCodeOf);
          noteRequest({ operationName: operationName ?? undefined, operationHash: queryHash, outcome: outcomeOf(result?.data, errorCodes) });
        },
      };
    },
  });

  async function refused(info: RequestInfo, refusal: HttpError, context: TContext | null): Promise<void> {
    try {
      await options.onRefused?.(info, refusal, context);
    } catch (error) {
      log.error({ err: error, requestId: info.requestId }, 'refused request could not be recorded');
    }
  }

  const server = createServer((request, response) => {
    const clientRequestId = firstHeader(request.headers['x-request-id']);
    const requestId = options.ownRequestIds ? randomUUID() : requestIdOf(clientRequestId);
    const info: RequestInfo = { requestId, clientRequestId, headers: request.headers };
    response.setHeader('x-request-id', requestId);
    const started = performance.now();
    const facts: RequestFacts = {};
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    // Probes are neither traced nor logged above debug: they would drown the requests that matter.
    const probe = path === '/health' || path === '/live' || path === '/ready';
    const { span, run } = probe ? untracedRequest() : startRequestSpan(`${service} ${request.method ?? 'GET'}`, request.headers, !options.ownRequestIds);
    const traceId = span.isRecording() ? span.spanContext().traceId : undefined;
    response.on('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      const status = response.statusCode;
      const outcome = facts.outcome ?? (status < 400 ? 'OK' : 'REFUSED');
      const client = facts.client ?? 'anonymous';
      if (path === '/graphql') requestDuration.observe({ service, operation: operationLabel.of(facts.operationName), outcome, client }, seconds);
      span.setAttributes({
        'http.request.method': request.method ?? '',
        'url.path': path === '/graphql' ? path : 'other',
        'http.response.status_code': status,
        'once.outcome': outcome,
      });
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: facts.code ?? String(status) });
      span.end();
      // The access log: who asked, what, and how it ended; never response data. Probes only at debug.
      log[probe ? 'debug' : 'info'](
        {
          requestId,
          traceId,
          client,
          purpose: facts.purpose,
          operationName: facts.operationName,
          operationHash: facts.operationHash,
          outcome,
          code: facts.code,
          status,
          ms: Math.round(seconds * 1000),
          bytes: Number(response.getHeader('content-length') ?? 0),
          remoteAddress: request.socket.remoteAddress,
          method: request.method,
          path,
        },
        'access',
      );
    });
    // Nothing to await: the catch below answers every failure, and refused() logs rather than rejects.
    void run(() =>
      withRequestFacts(facts, () =>
        handle(request, response, info).catch(async (error: unknown) => {
          const unavailable = error instanceof HttpError ? null : statusErrorOf(error);
          if (unavailable) log.warn({ err: unavailable.cause, requestId, code: unavailable.code }, 'request refused: a store it needs is unavailable');
          else if (!(error instanceof HttpError)) log.error({ err: error, requestId }, 'request failed');
          const refusal =
            error instanceof HttpError
              ? error
              : unavailable
                ? new HttpError(unavailable.status, unavailable.code, unavailable.message, Object.fromEntries(unavailable.headers))
                : new HttpError(500, ErrorCode.InternalServerError, `Internal server error (request id ${requestId})`);
          noteRefusal(refusal);
          await refused(info, refusal, null);
          for (const [name, value] of Object.entries(refusal.headers)) response.setHeader(name, value);
          sendError(response, refusal.status, refusal.code, refusal.message);
        }),
      ),
    );
  });

  /** Counts a request refused before GraphQL ran, and says so in its access log line. */
  function noteRefusal(refusal: HttpError): void {
    refusals.inc({ service, code: refusal.code });
    noteRequest({ outcome: 'REFUSED', code: refusal.code });
  }

  async function handle(request: IncomingMessage, response: ServerResponse, info: RequestInfo): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    // Once stopping, every response asks the client to close its connection, so that keep-alive clients move on.
    if (lifecycle.phase === 'leaving' || lifecycle.phase === 'stopping') response.setHeader('connection', 'close');
    // Kubernetes probes: /live says the process is up (restart it if not), /ready whether to send it traffic.
    if (url.pathname === '/live') {
      sendJson(response, 200, { status: 'live' });
      return;
    }
    if (url.pathname === '/ready') {
      sendJson(response, lifecycle.phase === 'ready' ? 200 : 503, { status: lifecycle.phase });
      return;
    }
    if (url.pathname === '/health') {
      const ok = lifecycle.phase === 'ready';
      sendJson(response, ok ? 200 : 503, { status: lifecycle.phase, ...options.health?.() });
      return;
    }
    const route = options.routes && Object.hasOwn(options.routes, url.pathname) ? options.routes[url.pathname] : undefined;
    if (route) {
      if (request.method !== 'GET') throw new HttpError(405, ErrorCode.BadRequest, `${url.pathname} answers GET only`, { allow: 'GET' });
      sendJson(response, 200, route());
      return;
    }
    const stream = options.streamRoutes && Object.hasOwn(options.streamRoutes, url.pathname) ? options.streamRoutes[url.pathname] : undefined;
    if (!stream && url.pathname !== '/graphql') {
      if (await options.pages?.(request, response, url)) return;
      throw new HttpError(404, ErrorCode.BadRequest, `No route ${url.pathname}; GraphQL is served at /graphql`);
    }
    if (lifecycle.phase === 'starting' || lifecycle.phase === 'stopping') {
      throw new HttpError(503, ErrorCode.ServiceUnavailable, `Server is ${lifecycle.phase}; retry shortly`, { 'retry-after': String(RETRY_AFTER_S) });
    }
    const key = options.admission?.keyOf(request);
    const held = key === undefined ? 0 : holdings.of(key);
    if (options.admission && held >= options.admission.maxPerKey) {
      throw new HttpError(
        429,
        ErrorCode.ConcurrencyLimited,
        `This credential already has ${held} requests in flight, its limit (${options.admission.limitName}); retry when one has finished`,
        { 'retry-after': String(RETRY_AFTER_S) },
      );
    }
    // Shedding load keeps the requests already admitted fast and the heap bounded, where queueing them all would not.
    if (inFlight >= options.maxInFlight) {
      throw new HttpError(503, ErrorCode.Overloaded, `Server is at its limit of ${options.maxInFlight} requests in flight (MAX_IN_FLIGHT); retry shortly`, {
        'retry-after': '1',
      });
    }
    inFlight += 1;
    if (key !== undefined) holdings.take(key);
    try {
      await (stream ? stream(request, response, info, url) : serveGraphQL(request, response, info, url));
    } finally {
      inFlight -= 1;
      if (key !== undefined) holdings.release(key);
    }
  }

  async function serveGraphQL(request: IncomingMessage, response: ServerResponse, info: RequestInfo, url: URL): Promise<void> {
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const raw = request.method === 'POST' ? await readBody(request, options.maxBodyBytes) : '';
    options.verifyBody?.(raw, info);
    const body = request.method === 'POST' ? parseBody(raw, request) : undefined;
    const context = await options.context(info);
    const httpGraphQLRequest: HTTPGraphQLRequest = { method: request.method ?? 'GET', headers, search: url.search, body };
    const result = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest, context: async () => context });
    if ((result.status ?? 200) >= 400 && options.onRefused && !reachedPipeline.has(httpGraphQLRequest)) {
      const refusal = refusalOf(result);
      noteRefusal(refusal);
      await refused(info, refusal, context);
    }
    for (const [name, value] of result.headers) response.setHeader(name, value);
    for (const [name, value] of Object.entries(options.responseHeaders?.() ?? {})) response.setHeader(name, value);
    // A request admitted before the signal and answered after it: its keep-alive connection must not hold the drain up.
    if (lifecycle.phase !== 'ready') response.setHeader('connection', 'close');
    response.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') {
      response.setHeader('content-length', Buffer.byteLength(result.body.string));
      response.end(result.body.string);
      return;
    }
    for await (const chunk of result.body.asyncIterator) response.write(chunk);
    response.end();
  }

  const listening = new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  await listening;
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}/graphql`;

  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });

  try {
    await apollo.start();
  } catch (error) {
    await close();
    throw error;
  }
  lifecycle = { phase: 'ready' };

  return {
    url,
    async stop(drainMs = 10_000, readyDelayMs = 0) {
      if (lifecycle.phase === 'leaving' || lifecycle.phase === 'stopping') return;
      lifecycle = { phase: 'leaving' };
      if (readyDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, readyDelayMs));
      lifecycle = { phase: 'stopping' };
      const forced = setTimeout(() => server.closeAllConnections(), drainMs);
      await close();
      clearTimeout(forced);
      await apollo.stop();
    },
  };
}

/** A GraphQLError that carries its own HTTP status (`extensions.http`, as Apollo Server reads it), e.g. a 503 with Retry-After. */
function statusErrorOf(error: unknown): { status: number; code: ErrorCode; message: string; headers: Iterable<[string, string]>; cause: unknown } | null {
  if (!(error instanceof GraphQLError)) return null;
  const { code, http } = error.extensions as { code?: unknown; http?: { status?: unknown; headers?: Map<string, string> } };
  if (typeof http?.status !== 'number' || !Object.values(ErrorCode).includes(code as ErrorCode)) return null;
  return { status: http.status, code: code as ErrorCode, message: error.message, headers: http.headers ?? [], cause: error.originalError };
}

function firstHeader(value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

function requestIdOf(given: string | null): string {
  return given !== null && REQUEST_ID.test(given) ? given : randomUUID();
}

/** What Apollo answered when it refused a request before its pipeline: the status and its first error. */
function refusalOf(result: HTTPGraphQLResponse): HttpError {
  const status = result.status ?? 400;
  if (result.body.kind !== 'complete') return new HttpError(status, ErrorCode.BadRequest, 'refused by Apollo');
  let first: { message?: unknown; extensions?: { code?: unknown } } | undefined;
  try {
    [first] = (JSON.parse(result.body.string) as { errors?: Array<typeof first> }).errors ?? [];
  } catch {
    first = undefined;
  }
  const code = Object.values(ErrorCode).find((known) => known === first?.extensions?.code) ?? ErrorCode.BadRequest;
  return new HttpError(status, code, typeof first?.message === 'string' ? first.message : 'refused by Apollo');
}

async function readBody(request: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(text: string, request: IncomingMessage): unknown {
  if (text.length === 0) return undefined;
  if (!/json/i.test(request.headers['content-type'] ?? '')) return text;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, ErrorCode.BadRequest, `Request body is not valid JSON: ${(error as Error).message}`);
  }
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, ErrorCode.PayloadTooLarge, `Request body is larger than the limit of ${limit} bytes (MAX_BODY_BYTES)`);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) return void response.end();
  response.statusCode = status;
  response.setHeader('content-type', 'application/json; charset=utf-8');
  const text = JSON.stringify(body);
  response.setHeader('content-length', Buffer.byteLength(text));
  response.end(text);
}

/** A refusal as the GraphQL endpoint words one: `{ errors: [{ message, extensions: { code, ... } }] }`. */
export function sendError(response: ServerResponse, status: number, code: ErrorCode, message: string, extensions: Record<string, string> = {}): void {
  sendJson(response, status, { errors: [{ message, extensions: { code, ...extensions } }] });
}
