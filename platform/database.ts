import { createHash } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { PlatformConfig } from './config';
import type { Logger } from './logger';

/** The part of a database a repository needs: parameterised queries, rows back. */
export interface Queryable {
  query<Row>(text: string, params?: readonly unknown[]): Promise<Row[]>;
}

export interface Session extends Queryable {
  /** Runs a script of several statements (migrations); no parameters. */
  exec(sql: string): Promise<void>;
}

/**
 * PostgreSQL, either a server (DATABASE_URL) or PGlite, PostgreSQL compiled to WebAssembly, in-process.
 * Both speak the same SQL; dates come back as 'YYYY-MM-DD' strings and bigints as numbers on both.
 */
export interface Database extends Session {
  readonly kind: 'postgres' | 'pglite';
  transaction<T>(work: (tx: Session) => Promise<T>): Promise<T>;
  /** Bulk load with COPY ... FROM in CSV format. */
  copyCsv(table: string, columns: readonly string[], csv: string): Promise<void>;
  /**
   * LISTENs on `channel` (a lowercase identifier) for as long as the returned stop is not called. On a server, on a
   * connection of its own that is opened again whenever it is lost; `resync` runs after each such loss, since the
   * notices sent meanwhile are gone.
   */
  listen(channel: string, handlers: { notice: (payload: string) => void; resync: () => void }): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

function checkChannel(channel: string): void {
  if (!CHANNEL.test(channel)) throw new Error(`LISTEN channel "${channel}" must be a lowercase identifier`);
}

const DATE_OID = 1082;
const INT8_OID = 20;
const parsers = { [DATE_OID]: (value: string) => value, [INT8_OID]: (value: string) => Number(value) };

function copyStatement(table: string, columns: readonly string[], source: string): string {
  return `COPY ${table} (${columns.join(', ')}) FROM ${source} WITH (FORMAT csv)`;
}

export async function openDatabase(config: Pick<PlatformConfig, 'DATABASE_URL' | 'DATA_DIR' | 'DATABASE_POOL_SIZE'>, log: Logger): Promise<Database> {
  if (config.DATABASE_URL) return openPostgres(config.DATABASE_URL, config.DATABASE_POOL_SIZE, log);
  const dataDir = `${config.DATA_DIR}/pglite`;
  mkdirSync(dataDir, { recursive: true });
  log.info({ dataDir }, 'no DATABASE_URL: using embedded PGlite');
  const release = lockDataDir(`${config.DATA_DIR}/pglite.lock`, dataDir);
  try {
    const db = await openPglite(dataDir);
    return { ...db, close: () => db.close().finally(release) };
  } catch (error) {
    release();
    throw error;
  }
}

/** Another process holds the embedded database: PGlite is one process only, and a second copy would fork the data. */
export class DatabaseLockedError extends Error {
  override readonly name = 'DatabaseLockedError';
}

/** Whether a process with this pid runs (EPERM: it does, as another user). */
function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock file of the embedded database (it holds the owner's pid), or throws DatabaseLockedError naming the
 * owner and the way out. A lock whose process is gone (killed, crashed) is stale and taken over. Returns the release.
 */
export function lockDataDir(lockFile: string, dataDir: string): () => void {
  // Written whole under a private name, then linked into place: the lock never exists without its pid.
  const claim = `${lockFile}.${process.pid}`;
  writeFileSync(claim, String(process.pid), { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        linkSync(claim, lockFile);
        const release = () => {
          process.off('exit', release);
          if (ownerOf(lockFile) === process.pid) rmSync(lockFile, { force: true });
        };
        // A process that exits without closing the database (an uncaught error) must not leave the lock behind.
        process.on('exit', release);
        return release;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = ownerOf(lockFile);
      if (owner !== null && processRuns(owner)) {
        throw new DatabaseLockedError(
          `the embedded database ${dataDir} is in use by process ${owner}${owner === process.pid ? ' (this one)' : ' (npm start?)'}, and PGlite ` +
            'can be opened by one process only. Stop that process first, or give both processes one PostgreSQL server with ' +
            `DATABASE_URL (if process ${owner} is not Once, delete ${lockFile})`,
        );
      }
      // Stale (its process is gone, or the file holds no pid): take it over.
      rmSync(lockFile, { force: true });
    }
    throw new DatabaseLockedError(`could not take the lock ${lockFile} of the embedded database ${dataDir}: other processes keep taking it`);
  } finally {
    rmSync(claim, { force: true });
  }
}

/** The pid in a lock file, or null when it is missing or not a pid. */
function ownerOf(lockFile: string): number | null {
  try {
    const text = readFileSync(lockFile, 'utf8').trim();
    return /^\d{1,10}$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}

export async function openPglite(dataDir?: string): Promise<Database> {
  const lite = await PGlite.create({ ...(dataDir ? { dataDir } : {}), parsers });
  const session = (target: Pick<PGlite, 'query' | 'exec'>): Session => ({
    async query<Row>(text: string, params?: readonly unknown[]) {
      return (await target.query<Row>(text, params as unknown[] | undefined)).rows;
    },
    async exec(sql: string) {
      await target.exec(sql);
    },
  });
  return {
    kind: 'pglite',
    ...session(lite),
    transaction: (work) => lite.transaction((tx) => work(session(tx))),
    async copyCsv(table, columns, csv) {
      await lite.query(copyStatement(table, columns, "'/dev/blob'"), [], { blob: new Blob([csv]) });
    },
    async listen(channel, handlers) {
      checkChannel(channel);
      // In-process: no connection to lose, so nothing to resync.
      return lite.listen(channel, handlers.notice);
    },
    close: () => lite.close(),
  };
}

const CONNECT_TIMEOUT_MS = 5_000;

/** Errors after which a connection must not be reused: it is gone, or in an unknown state. */
function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  // Class 08: connection exception; 57P01-57P03: the server is shutting down or cannot connect now.
  return (
    /^(08|57P0)/.test(code ?? '') || ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'].includes(code ?? '') || /Connection terminated/i.test(error.message)
  );
}

/**
 * Every distinct statement text gets a name, so each pooled connection parses and plans it once and then only
 * binds parameters (the repositories' statements are fixed texts). Not for PgBouncer in transaction mode.
 */
const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `once_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    statementNames.set(text, name);
  }
  return name;
}

export function openPostgres(connectionString: string, max: number, log: Logger): Database {
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      // eslint-disable-next-line @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-enum-assignment -- pg-types declares getTypeParser as (TypeId) => any; this wraps it for two OIDs
      oid === DATE_OID || oid === INT8_OID ? parsers[oid] : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
  };
  // A connection attempt that hangs (a blackholed server) fails like a refused one, so callers answer 503 quickly.
  const pool = new pg.Pool({ connectionString, max, types, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true });
  // The pool drops a failed connection and opens a new one on next use: this is how the process recovers by itself.
  pool.on('error', (error) => log.warn({ err: error }, 'idle PostgreSQL connection failed'));
  const session = (target: pg.Pool | pg.PoolClient): Session => ({
    async query<Row>(text: string, params?: readonly unknown[]) {
      return (await target.query({ name: statementName(text), text, values: params as unknown[] | undefined })).rows as Row[];
    },
    async exec(sql: string) {
      await target.query(sql);
    },
  });
  /**
   * A checked-out client has no listener of the pool's: without one, a server that goes away mid-transaction
   * (57P01, "Connection terminated unexpectedly") is an unhandled 'error' event that kills the process. The failed
   * client is destroyed on release, not returned to the pool.
   */
  const withClient = async <T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken = error;
      log.warn({ err: error }, 'PostgreSQL connection failed while in use');
    };
    client.on('error', onError);
    try {
      return await work(client);
    } catch (error) {
      broken ??= isConnectionError(error) ? (error as Error) : undefined;
      throw error;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  };
  return {
    kind: 'postgres',
    ...session(pool),
    transaction: (work) =>
      withClient(async (client) => {
        await client.query('BEGIN');
        try {
          const result = await work(session(client));
          await client.query('COMMIT');
          return result;
        } catch (error) {
          // On a lost connection the rollback fails too (the server rolled back already): report the first error.
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }),
    copyCsv: (table, columns, csv) =>
      withClient(async (client) => {
        await pipeline(Readable.from([csv]), client.query(copyFrom(copyStatement(table, columns, 'STDIN'))));
      }),
    listen: (channel, handlers) => listenOnServer(connectionString, channel, handlers, log),
    close: () => pool.end(),
  };
}

/** How long to wait before opening a lost LISTEN connection again. */
const RELISTEN_MS = 1_000;

async function listenOnServer(
  connectionString: string,
  channel: string,
  handlers: { notice(payload: string): void; resync(): void },
  log: Logger,
): Promise<() => Promise<void>> {
  checkChannel(channel);
  let stopped = false;
  let current: pg.Client | null = null;
  let wake: (() => void) | null = null;
  const open = async (): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true });
    // Without a listener, a lost connection is an unhandled 'error' event; the loop below opens another.
    client.on('error', (error) => log.warn({ err: error, channel }, 'LISTEN connection lost'));
    client.on('notification', (message) => {
      if (message.channel === channel && message.payload !== undefined) handlers.notice(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${channel}`);
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
  };
  const loop = async (first: pg.Client | null) => {
    current = first;
    while (!stopped) {
      const client = current;
      if (client) await new Promise<void>((resolve) => client.once('end', resolve));
      current = null;
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() sets stopped and open() sets current while this loop awaits; TypeScript does not see assignments across awaits (microsoft/TypeScript#9998)
      while (!stopped && !current) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, RELISTEN_MS).unref();
        });
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by stop() during the wait above
        if (stopped) break;
        current = await open().catch(() => null);
        if (current) {
          log.info({ channel }, 'LISTEN connection back: dropping what may have changed meanwhile');
          handlers.resync();
        }
      }
    }
  };
  // A database that is down at start is waited for like one lost later: the loop opens the connection when it can.
  void loop(await open().catch(() => null));
  return async () => {
    stopped = true;
    wake?.();
    await current?.end().catch(() => undefined);
  };
}

/** Wraps a Queryable to count the statements that go through it (batching tests, per-request metrics). */
export function countQueries(inner: Queryable): Queryable & { readonly count: number; reset(): void } {
  let count = 0;
  return {
    query<Row>(text: string, params?: readonly unknown[]) {
      count += 1;
      return inner.query<Row>(text, params);
    },
    get count() {
      return count;
    },
    reset() {
      count = 0;
    },
  };
}
