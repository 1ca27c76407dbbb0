import { Counter, Gauge, Histogram } from 'prom-client';
import { LATENCY_BUCKETS, inSpan } from '../../platform';
import type { AuditTelemetry } from '../../subgraphs/audit';

/** The gateway's own metric families, beside the request metrics every server has (platform/metrics.ts). */

export const subgraphFetchDuration = new Histogram({
  name: 'once_subgraph_fetch_duration_seconds',
  help: 'Gateway fetches from subgraphs, by subgraph and result (ok, error)',
  labelNames: ['subgraph', 'result'] as const,
  buckets: LATENCY_BUCKETS,
});

export const subgraphFetchErrors = new Counter({
  name: 'once_subgraph_fetch_errors_total',
  help: 'Gateway fetches from subgraphs that failed, by subgraph and reason (timeout, unreachable, http_<status>)',
  labelNames: ['subgraph', 'reason'] as const,
});

const auditQueueDepth = new Gauge({ name: 'once_audit_queue_depth', help: 'Audit records waiting to be committed' });

const auditCommitDuration = new Histogram({
  name: 'once_audit_commit_duration_seconds',
  help: 'Audit group commits (one transaction each), by result (ok, error)',
  labelNames: ['result'] as const,
  buckets: LATENCY_BUCKETS,
});

const auditCheckpointLag = new Gauge({
  name: 'once_audit_checkpoint_lag_records',
  help: 'Audit records committed since the newest signed checkpoint (absent without an audit key)',
});

export const planCacheLookups = new Counter({
  name: 'once_query_plan_cache_lookups_total',
  help: 'Query plan cache look-ups by result (hit, miss)',
  labelNames: ['result'] as const,
});

/** 1 for the supergraph served; with workers, every version some worker serves (they agree but for a moment). */
export const supergraphServed = new Gauge({
  name: 'once_supergraph_info',
  help: 'The supergraph served: its SDL fingerprint and, when following the registry, its version',
  labelNames: ['supergraph', 'version'] as const,
  aggregator: 'max',
});

/** Says which supergraph the gateway now serves (the previous one is no longer listed). */
export function serveSupergraph(fingerprint: string, version: string | null): void {
  supergraphServed.reset();
  supergraphServed.set({ supergraph: fingerprint, version: version ?? 'fixed' }, 1);
}

/** What the audit writer reports: its queue after every change, each group commit (run through here) and its checkpoint lag. */
export const auditTelemetry: AuditTelemetry = {
  queued(depth: number): void {
    auditQueueDepth.set(depth);
  },
  /** After every commit with checkpoints on: records a deletion of the log's newest could still go unnoticed for. */
  checkpointLag(records: number): void {
    auditCheckpointLag.set(records);
  },
  /** Times and traces one group commit (`audit.commit`, its SQL inside). */
  async commit<T>(records: number, work: () => Promise<T>): Promise<T> {
    const end = auditCommitDuration.startTimer();
    try {
      const result = await inSpan('audit.commit', { 'once.audit.records': records }, work);
      end({ result: 'ok' });
      return result;
    } catch (error) {
      end({ result: 'error' });
      throw error;
    }
  },
};
