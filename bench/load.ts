import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  headers?: Record<string, string>;
  /** The body of the n-th request. */
  body: (n: number) => string;
  /** Whether a response counts: HTTP 200 with the expected data and no errors. */
  accept: (status: number, body: string) => boolean;
}

export interface LoadResult {
  /** Accepted responses per second. */
  rps: number;
  p50: number;
  p99: number;
  valid: number;
  invalid: number;
}

/** autocannon with a fixed number of connections for a fixed time; only accepted responses count. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let valid = 0;
  let invalid = 0;
  let next = 0;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
        setupRequest: (request) => ({ ...request, body: options.body(next++) }),
        onResponse: (status, body) => {
          if (options.accept(status, body)) valid += 1;
          else invalid += 1;
        },
      },
    ],
  });
  return { rps: valid / options.seconds, p50: result.latency.p50, p99: result.latency.p99, valid, invalid };
}
