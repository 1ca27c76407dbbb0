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

/**
 * Keep-alive connection pools to the subgraphs (undici), one per origin, instead of a new WHATWG fetch per
 * subgraph call: no per-request AbortSignal or stream objects, connections reused across requests.
 */
export class SubgraphPools {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly options: { connections: number; timeoutMs: number }) {}

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, { connections: this.options.connections, keepAliveTimeout: 30_000, headersTimeout: this.options.timeoutMs, bodyTimeout: this.options.timeoutMs });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  /** A fetch-shaped POST for RemoteGraphQLDataSource's `fetcher`. */
  async post(url: string, headers: Record<string, string>, body: string): Promise<FetcherResponse> {
    const target = new URL(url);
    const response = await this.pool(target.origin).request({ path: `${target.pathname}${target.search}`, method: 'POST', headers, body });
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
