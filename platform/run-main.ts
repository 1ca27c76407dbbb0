import cluster from 'node:cluster';
import type { PlatformConfig } from './config';
import { openDatabase, type Database } from './database';
import { createLogger, type Logger } from './logger';
import { migrate } from './migrate';
import { startTracing } from './tracing';

export type Stop = () => Promise<void>;

/** How long, past SHUTDOWN_DRAIN_MS, closing stores and committing audit records may take before the process gives up. */
const CLOSE_GRACE_MS = 5_000;

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Runs a process's main: reads the configuration once with its kind's schema (a bad key stops the process with a message naming it),
 * then stops cleanly on SIGINT/SIGTERM: `stop` turns /ready to 503, drains requests in flight (SHUTDOWN_DRAIN_MS)
 * and commits what is pending, then the process exits 0. A failure to start is printed and exits non-zero.
 */
export async function runMain<C extends PlatformConfig>(
  name: string,
  schema: { load(): C },
  main: (config: C, log: Logger) => Promise<Stop>,
  options: { logFd?: 1 | 2 } = {},
): Promise<void> {
  let config: C;
  try {
    config = schema.load();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
  const log = createLogger(name, config.LOG_LEVEL, options.logFd);
  const tracing = await startTracing({ service: name, endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  // A cluster worker is handed connections by its primary as soon as it listens, whatever /ready says: a signal while it
  // starts must not reset them, so it is kept and the worker stops (draining) once started. Anywhere else a signal while
  // starting ends the process at once (nothing is admitted before /ready, and a CLI at work stops on Ctrl-C).
  let signalWhileStarting: NodeJS.Signals | null = null;
  const keepSignal = (signal: NodeJS.Signals) => {
    signalWhileStarting ??= signal;
    log.info({ signal }, 'signal while starting: stopping once started');
  };
  if (cluster.isWorker) for (const signal of SIGNALS) process.on(signal, keepSignal);
  let stop: Stop;
  try {
    const stopMain = await main(config, log);
    stop = async () => {
      await stopMain();
      await tracing?.stop();
    };
  } catch (error) {
    log.fatal({ err: error }, `${name} failed to start`);
    process.stderr.write(`\n${name} failed to start: ${(error as Error).message}\n`);
    process.exit(1);
  }
  // Once serving, a promise nobody awaited is a bug to log and fix, not a reason to drop every request in flight.
  process.on('unhandledRejection', (reason: unknown) => log.error({ err: reason }, 'unhandled promise rejection'));
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    // A worker can get the same signal twice (from the terminal's process group and from its primary).
    if (stopping) return;
    stopping = true;
    log.info({ signal, drainMs: config.SHUTDOWN_DRAIN_MS }, 'stopping: not ready, draining requests in flight');
    const deadline = setTimeout(
      () => {
        log.error('stop did not finish in time (SHUTDOWN_READY_DELAY_MS + SHUTDOWN_DRAIN_MS and a grace to close stores)');
        process.exit(1);
      },
      config.SHUTDOWN_READY_DELAY_MS + config.SHUTDOWN_DRAIN_MS + CLOSE_GRACE_MS,
    );
    deadline.unref();
    stop().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  for (const signal of SIGNALS) {
    process.off(signal, keepSignal);
    process.on(signal, onSignal);
  }
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- keepSignal sets it while starting; TypeScript does not see assignments in callbacks (microsoft/TypeScript#9998)
  if (signalWhileStarting) onSignal(signalWhileStarting);
}

/** Something that owns a PostgreSQL schema: a subgraph, or the gateway (access control). */
export interface MigrationSet {
  name: string;
  /** Folder of `NNN_name.sql` files. */
  migrations: string;
}

/** Opens the database and applies every given set of migrations. */
export async function openMigratedDatabase(config: PlatformConfig, log: Logger, modules: readonly MigrationSet[]): Promise<Database> {
  const db = await openDatabase(config, log);
  for (const module of modules) {
    const applied = await migrate(db, module.name, module.migrations);
    if (applied.length > 0) log.info({ subgraph: module.name, applied }, 'migrations applied');
  }
  return db;
}
