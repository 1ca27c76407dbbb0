import cluster from 'node:cluster';
import { type Logger, reportMetricsToPrimary, startMetricsServer } from '../platform';

/**
 * Runs `start` in `count` worker processes that share the listening port (node:cluster), or in this process when
 * `count` is 1. The primary restarts a worker that dies (at most once a second). On SIGTERM/SIGINT it passes the
 * signal on and waits: each worker stops accepting, drains its requests in flight and commits its audit records
 * (runMain); the primary exits once they all have, 0 if every one stopped cleanly.
 * With `metrics`, the process serves its metrics there; with workers, the primary serves the sum of theirs.
 */
export async function runWorkers(count: number, log: Logger, start: () => Promise<void>, metrics?: { host: string; port: number | null }): Promise<void> {
  if (metrics && metrics.port !== null) {
    if (cluster.isWorker) reportMetricsToPrimary();
    else await startMetricsServer({ host: metrics.host, port: metrics.port, log, aggregateWorkers: count > 1 });
  }
  if (count <= 1 || !cluster.isPrimary) return start();
  let stopping: NodeJS.Signals | null = null;
  let unclean = 0;
  let lastRestart = 0;
  const fork = () => cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      // Killed by the very signal passed on: a worker still loading its modules (not listening yet), nothing admitted.
      if (code !== 0 && signal !== stopping) unclean += 1;
      log.info({ pid: worker.process.pid, code, signal }, 'gateway worker stopped');
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        log.info({ unclean }, 'all gateway workers stopped');
        process.exit(unclean === 0 ? 0 : 1);
      }
      return;
    }
    log.error({ pid: worker.process.pid, code, signal }, 'gateway worker died: starting another');
    const wait = Math.max(0, lastRestart + 1_000 - Date.now());
    lastRestart = Date.now() + wait;
    setTimeout(fork, wait);
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = signal;
    log.info({ signal }, 'stopping gateway workers: each drains its requests in flight');
    for (const worker of Object.values(cluster.workers ?? {})) if (worker && !worker.isDead()) worker.process.kill(signal);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, onSignal);
  for (let index = 0; index < count; index += 1) fork();
  log.info({ workers: count }, 'gateway workers started');
}
