import cluster from 'node:cluster';
import type { Logger } from '../subgraphs/common/logger';
import { reportMetricsToPrimary, startMetricsServer } from '../subgraphs/common/metrics';

/**
 * Runs `start` in `count` worker processes that share the listening port (node:cluster), or in this process when
 * `count` is 1. The primary restarts a worker that dies (at most once a second) and stops them all on SIGTERM/SIGINT.
 * With `metrics`, the process serves its metrics there; with workers, the primary serves the sum of theirs.
 */
export async function runWorkers(count: number, log: Logger, start: () => Promise<void>, metrics?: { host: string; port: number | null }): Promise<void> {
  if (metrics && metrics.port !== null) {
    if (cluster.isWorker) reportMetricsToPrimary();
    else await startMetricsServer({ host: metrics.host, port: metrics.port, log, aggregateWorkers: count > 1 });
  }
  if (count <= 1 || !cluster.isPrimary) return start();
  let stopping = false;
  let lastRestart = 0;
  const fork = () => cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    log.error({ pid: worker.process.pid, code, signal }, 'gateway worker died: starting another');
    const wait = Math.max(0, lastRestart + 1_000 - Date.now());
    lastRestart = Date.now() + wait;
    setTimeout(fork, wait);
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      stopping = true;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
    });
  }
  for (let index = 0; index < count; index += 1) fork();
  log.info({ workers: count }, 'gateway workers started');
}
