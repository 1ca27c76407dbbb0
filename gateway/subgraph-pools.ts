import { STATUS_CODES } from 'node:http';
import { Pool } from 'undici';

/** What RemoteGraphQLDataSource reads of a fetch response. */
interface FetcherResponse {
  ok: boolean;
  status: number;
  statusText: string;
  url: string;
  headers: { get(name: string): string | null };
  json(): Promise<unknown>;
  text(): Promise<string>;
}

/** Why a subgraph exchange did not give an answer: the data source names it to the client, without the subgraph's address. */
export class SubgraphExchangeError extends Error {
  constructor(
    readonly reason: 'timeout' | 'unreachable',
    /** The socket-level code (ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET, ...) when there is one. */
    readonly code: string,
    options: { cause: unknown },
  ) {
    super(`subgraph exchange failed: ${reason} (${code})`, options);
  }
}

/** Errors after which a request may not have reached the subgraph's resolvers, or was cut before its answer. */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** A gateway-built subgraph request that only reads: its body starts `{"query":"query` or `{"query":"{` (never a mutation). */
const READ_ONLY = /^\{"query":"(?:query\b|\{)/;

/**
 * Keep-alive connection pools to the subgraphs (undici), one per origin, instead of a new WHATWG fetch per
 * subgraph call: connections reused across requests. Each exchange has one deadline, `timeoutMs`, for connecting,
 * sending and reading the whole answer (a subgraph that trickles its body cannot run past it), and a read that
 * met a reset connection (a keep-alive socket the subgraph had just closed, a restart) is tried once more.
 */
export class SubgraphPools {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly options: { connections: number; timeoutMs: number }) {}

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections: this.options.connections,
        keepAliveTimeout: 30_000,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  /** A fetch-shaped POST for RemoteGraphQLDataSource's `fetcher`; fails with a SubgraphExchangeError. */
  async post(url: string, headers: Record<string, string>, body: string): Promise<FetcherResponse> {
    const deadline = AbortSignal.timeout(this.options.timeoutMs);
    try {
      return await this.exchange(url, headers, body, deadline);
    } catch (error) {
      const failure = exchangeError(error, deadline);
      if (failure.reason !== 'unreachable' || !RESET_CODES.has(failure.code) || !READ_ONLY.test(body)) throw failure;
      try {
        return await this.exchange(url, headers, body, deadline);
      } catch (again) {
        throw exchangeError(again, deadline);
      }
    }
  }

  private async exchange(url: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<FetcherResponse> {
    const target = new URL(url);
    const response = await this.pool(target.origin).request({ path: `${target.pathname}${target.search}`, method: 'POST', headers, body, signal });
    const text = await response.body.text();
    const header = (name: string) => {
      const value = response.headers[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    };
    return {
      ok: response.statusCode >= 200 && response.statusCode < 300,
      status: response.statusCode,
      // RemoteGraphQLDataSource words a failed response as `<status>: <statusText>`, health checks included.
      statusText: STATUS_CODES[response.statusCode] ?? '',
      url,
      headers: { get: header },
      json: async () => JSON.parse(text) as unknown,
      text: async () => text,
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
    this.pools.clear();
  }
}

function exchangeError(error: unknown, deadline: AbortSignal): SubgraphExchangeError {
  const code = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.name : 'unknown');
  const timedOut = deadline.aborted || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
  return new SubgraphExchangeError(timedOut ? 'timeout' : 'unreachable', code, { cause: error });
}
