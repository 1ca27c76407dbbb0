import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLRequest, type HTTPGraphQLResponse } from '@apollo/server';
import { ErrorCode } from './errors';
import type { Logger } from './logger';

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
  /**
   * Answers paths other than /health and /graphql (the gateway's pages): true when it answered the request, false
   * when the path is not its own (then 404 as before). Throw HttpError to refuse.
   */
  routes?: (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<boolean>;
}

export interface RunningServer {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  url: string;
  /** Stops accepting connections, lets requests in flight finish (up to drainMs), then stops Apollo. */
  stop(drainMs?: number): Promise<void>;
}

type Lifecycle = { phase: 'starting' } | { phase: 'ready' } | { phase: 'stopping' };

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

export async function startGraphQLHttpServer<TContext extends BaseContext>(
  options: GraphQLHttpServerOptions<TContext>,
): Promise<RunningServer> {
  const { apollo, log } = options;
  let lifecycle: Lifecycle = { phase: 'starting' };
  let inFlight = 0;
  // Requests that reached Apollo's request pipeline, where the plugins see (and audit) them. Keyed by the HTTP request
  // object, which Apollo passes on as it is (the context it copies).
  const reachedPipeline = new WeakSet<HTTPGraphQLRequest>();
  if (options.onRefused) apollo.addPlugin({ requestDidStart: async ({ request }) => void (request.http && reachedPipeline.add(request.http)) });

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
    response.on('finish', () => {
      // Who asked and why, as the gateway forwarded it (a subgraph's own record of the access).
      const { 'x-once-principal': principal, 'x-once-officer': officer, 'x-once-purpose': purpose, 'x-once-case': caseNumber } = request.headers;
      log.debug(
        { requestId, method: request.method, url: request.url, status: response.statusCode, ms: Math.round(performance.now() - started), principal, officer, purpose, caseNumber },
        'request',
      );
    });
    handle(request, response, info).catch(async (error: unknown) => {
      if (!(error instanceof HttpError)) log.error({ err: error, requestId }, 'request failed');
      const refusal = error instanceof HttpError ? error : new HttpError(500, ErrorCode.InternalServerError, `Internal server error (request id ${requestId})`);
      await refused(info, refusal, null);
      for (const [name, value] of Object.entries(refusal.headers)) response.setHeader(name, value);
      sendError(response, refusal.status, refusal.code, refusal.message);
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse, info: RequestInfo): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === '/health') {
      const ok = lifecycle.phase === 'ready';
      return sendJson(response, ok ? 200 : 503, { status: lifecycle.phase, ...options.health?.() });
    }
    if (url.pathname !== '/graphql' && (await options.routes?.(request, response, url))) return;
    if (url.pathname !== '/graphql') throw new HttpError(404, ErrorCode.BadRequest, `No route ${url.pathname}; GraphQL is served at /graphql`);
    if (lifecycle.phase !== 'ready') {
      throw new HttpError(503, ErrorCode.ServiceUnavailable, `Server is ${lifecycle.phase}; retry shortly`);
    }
    // Shedding load keeps the requests already admitted fast and the heap bounded, where queueing them all would not.
    if (inFlight >= options.maxInFlight) {
      throw new HttpError(503, ErrorCode.Overloaded, `Server is at its limit of ${options.maxInFlight} requests in flight (MAX_IN_FLIGHT); retry shortly`, { 'retry-after': '1' });
    }
    inFlight += 1;
    try {
      await serveGraphQL(request, response, info, url);
    } finally {
      inFlight -= 1;
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
    if ((result.status ?? 200) >= 400 && options.onRefused && !reachedPipeline.has(httpGraphQLRequest)) await refused(info, refusalOf(result), context);
    for (const [name, value] of result.headers) response.setHeader(name, value);
    for (const [name, value] of Object.entries(options.responseHeaders?.() ?? {})) response.setHeader(name, value);
    response.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') {
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
    async stop(drainMs = 10_000) {
      if (lifecycle.phase === 'stopping') return;
      lifecycle = { phase: 'stopping' };
      const forced = setTimeout(() => server.closeAllConnections(), drainMs);
      await close();
      clearTimeout(forced);
      await apollo.stop();
    },
  };
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
  response.end(JSON.stringify(body));
}

function sendError(response: ServerResponse, status: number, code: ErrorCode, message: string): void {
  sendJson(response, status, { errors: [{ message, extensions: { code } }] });
}
