import cluster from 'node:cluster';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AggregatorRegistry, collectDefaultMetrics, Counter, type CounterConfiguration, Histogram, type HistogramConfiguration, register } from 'prom-client';
import { metricsPort, type PlatformConfig, type SubgraphAddress } from './config';
import type { Logger } from './logger';

/**
 * Prometheus metrics of one process (the gateway, a gateway worker, a subgraph, or `npm start`'s all-in-one), in
 * prom-client's global registry, served by `startMetricsServer` on a listener of its own (METRICS_PORT). Labels
 * carry only bounded values: service and subgraph names, error codes, outcomes, registered client ids and capped
 * operation names; never personal IDs, case numbers or anything else a caller chooses freely.
 */

/*
 * This module's metrics are registered once per process, though the module may be evaluated more than once in it
 * (vitest evaluates its global setups afresh for every test tier): a second evaluation takes the registered ones.
 */
function histogram<Label extends string>(configuration: HistogramConfiguration<Label>): Histogram<Label> {
  const registered = register.getSingleMetric(configuration.name);
  return registered instanceof Histogram ? registered : new Histogram(configuration);
}

function counter<Label extends string>(configuration: CounterConfiguration<Label>): Counter<Label> {
  const registered = register.getSingleMetric(configuration.name);
  return registered instanceof Counter ? registered : new Counter(configuration);
}

/** Latency buckets from a cached entity read (about a millisecond) to a subgraph timeout (seconds). */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Every GraphQL request a server answered: its `_count` is the number of requests by operation, outcome and client. */
export const requestDuration = histogram({
  name: 'once_request_duration_seconds',
  help: 'GraphQL requests answered, by service, operation name (named operations only, capped; else "other"), outcome and client',
  labelNames: ['service', 'operation', 'outcome', 'client'] as const,
  buckets: LATENCY_BUCKETS,
});

/** Requests refused before GraphQL ran, by error code: RATE_LIMITED, OVERLOADED, UNAUTHENTICATED, PAYLOAD_TOO_LARGE, ... */
export const refusals = counter({
  name: 'once_refusals_total',
  help: 'Requests refused before GraphQL execution, by service and error code (rate limits, overload, authentication, ...)',
  labelNames: ['service', 'code'] as const,
});

/** Entity rows looked up in the subgraphs' entity cache, by namespace (a fixed name in code) and hit or miss. */
export const entityCacheLookups = counter({
  name: 'once_entity_cache_lookups_total',
  help: 'Entity cache look-ups by namespace and result (hit, miss)',
  labelNames: ['namespace', 'result'] as const,
});

/**
 * A label of values chosen by callers (operation names), kept to the first `limit` distinct well-formed ones seen by
 * the process; every other value is `other`, so that a caller cannot grow the series without bound.
 */
export class CappedLabel {
  private readonly seen = new Set<string>();

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 0) throw new Error(`CappedLabel limit must be a non-negative integer; got ${limit}`);
  }

  of(value: string | null | undefined): string {
    if (!value || !/^[_A-Za-z][_0-9A-Za-z]{0,63}$/.test(value)) return 'other';
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.limit) return 'other';
    this.seen.add(value);
    return value;
  }
}

/** Distinct operation names one process labels its request metrics with. */
export const operationLabel = new CappedLabel(200);

let defaultsCollected = false;

/** Process and event-loop metrics (prom-client's defaults), collected once per process. */
function collectProcessMetrics(): void {
  if (defaultsCollected) return;
  collectDefaultMetrics();
  defaultsCollected = true;
}

export interface MetricsServerOptions {
  host: string;
  /** 0 picks a free port (tests); the chosen one is in the returned url. */
  port: number;
  log: Logger;
  /**
   * True in the primary of gateway workers (node:cluster): a scrape asks every worker for its metrics and answers
   * their sum (histograms and counters added, the supergraph version by maximum), so one scrape shows the process tree.
   */
  aggregateWorkers?: boolean;
}

export interface RunningMetricsServer {
  /** e.g. http://127.0.0.1:9464/metrics */
  url: string;
  stop(): Promise<void>;
}

/** Serves GET /metrics (Prometheus text format) and nothing else, with process and event-loop metrics included. */
export async function startMetricsServer({ host, port, log, aggregateWorkers = false }: MetricsServerOptions): Promise<RunningMetricsServer> {
  // The primary of workers only sums theirs: its own process is not the one serving.
  if (!aggregateWorkers) collectProcessMetrics();
  const aggregator = aggregateWorkers ? new AggregatorRegistry() : null;
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method !== 'GET' || path !== '/metrics') {
      response.statusCode = 404;
      response.setHeader('content-type', 'text/plain; charset=utf-8');
      response.end('Only GET /metrics is served here\n');
      return;
    }
    (aggregator ? aggregator.clusterMetrics() : register.metrics()).then(
      (text) => {
        response.setHeader('content-type', register.contentType);
        response.end(text);
      },
      (error: unknown) => {
        log.warn({ err: error }, 'metrics could not be collected');
        response.statusCode = 500;
        response.end('metrics could not be collected\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}/metrics`;
  log.info({ url }, 'metrics served');
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The metrics listener of a process (a subgraph's at its offset, see `metricsPort`); null when METRICS_PORT is unset. */
export async function startMetricsFor(config: PlatformConfig, log: Logger, subgraph?: SubgraphAddress): Promise<RunningMetricsServer | null> {
  const port = metricsPort(config, subgraph);
  return port === null ? null : startMetricsServer({ host: config.HOST, port, log });
}

/**
 * In a gateway worker: answer the primary's requests for this worker's metrics, process metrics included.
 * prom-client installs that listener when an AggregatorRegistry is made, so one is made here for that alone.
 */
export function reportMetricsToPrimary(): void {
  if (!cluster.isWorker) return;
  collectProcessMetrics();
  new AggregatorRegistry();
}
