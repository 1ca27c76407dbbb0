import type { Redis } from 'ioredis';
import { type Database, type Logger, entityCacheLookups, type Notifier, openRedis, type GuardedRedis } from '../../platform';

/**
 * The PostgreSQL channel the agency tables' triggers announce changes on (migrations 002_entity_changes.sql):
 * `{"namespace": "procedures:citizen", "keys": ["001090000001"]}`, or `"keys": null` for "everything".
 */
export const ENTITY_CHANGE_CHANNEL = 'once_entity_change';

/**
 * Drops the cached entities the database announces as changed, as soon as the change is committed (a revoked
 * document is EXPIRED in the next documentCheck, not after the TTL). Every subgraph process listens; with Redis the
 * entries are shared, so the first process to hear of a change drops them for all. Returns the stop function.
 */
export function followEntityChanges(cache: EntityCache, database: Pick<Database, 'listen'>, log: Logger): Promise<() => Promise<void>> {
  const dropEverything = () =>
    cache.invalidate().catch((error: unknown) => log.warn({ err: error }, 'entity cache not invalidated; entries expire after ENTITY_CACHE_TTL_S'));
  return database.listen(ENTITY_CHANGE_CHANNEL, {
    notice(payload) {
      const change = parseChange(payload);
      if (!change) {
        log.warn({ payload: payload.slice(0, 200) }, 'unreadable entity change notice: dropping the whole cache');
        return void dropEverything();
      }
      if (change.keys === null) return void dropEverything();
      cache.forget(change.namespace, change.keys).catch(dropEverything);
    },
    resync: () => void dropEverything(),
  });
}

function parseChange(payload: string): { namespace: string; keys: string[] | null } | null {
  try {
    const { namespace, keys } = JSON.parse(payload) as { namespace?: unknown; keys?: unknown };
    if (typeof namespace !== 'string') return null;
    if (keys === null) return { namespace, keys: null };
    return Array.isArray(keys) && keys.every((key) => typeof key === 'string') ? { namespace, keys } : null;
  } catch {
    return null;
  }
}

/** Where `invalidate` announces that cached entities are stale (after a write, such as a reseed). */
export const INVALIDATE_CHANNEL = 'once:entity-cache:invalidate';
const GENERATION_KEY = 'once:entity-cache:generation';

/**
 * A cache of subgraph entity rows by key, shared by every subgraph process through Redis (in-process without
 * REDIS_URL). It sits below the gateway's access check: a subgraph only ever returns the fields the gateway asked
 * for, after it checked them, so one cached row serves every client without crossing a policy boundary. A write
 * invalidates everything by moving to a new generation of keys; entries also expire after `ttlSeconds`.
 */
export interface EntityCache {
  /** The cached rows for `keys` in `namespace`, undefined where absent. */
  get<Row>(namespace: string, keys: readonly string[]): Promise<Array<Row | undefined>>;
  set(namespace: string, entries: ReadonlyArray<readonly [string, unknown]>): Promise<void>;
  /** Drops the entries of `keys` in `namespace`, in every process (after those entities changed). */
  forget(namespace: string, keys: readonly string[]): Promise<void>;
  /** Drops every entry, in every process. */
  invalidate(): Promise<void>;
  close(): void;
}

/** Rows for keys, from the cache where it has them and from `load` (one batch) for the rest, which it then caches. */
export async function throughCache<Row>(
  cache: EntityCache | null,
  namespace: string,
  keys: readonly string[],
  load: (missing: readonly string[]) => Promise<Row[]>,
  keyOf: (row: Row) => string,
): Promise<Row[]> {
  if (!cache) return load(keys);
  const cached = await cache.get<Row>(namespace, keys);
  const missing = keys.filter((_, index) => cached[index] === undefined);
  entityCacheLookups.inc({ namespace, result: 'hit' }, keys.length - missing.length);
  entityCacheLookups.inc({ namespace, result: 'miss' }, missing.length);
  const loaded = missing.length > 0 ? await load(missing) : [];
  if (loaded.length > 0)
    await cache.set(
      namespace,
      loaded.map((row) => [keyOf(row), row] as const),
    );
  return [...cached.filter((row): row is Row => row !== undefined), ...loaded];
}

export function createEntityCache(options: { redisUrl: string | undefined; ttlSeconds: number; notifier: Notifier; log: Logger }): EntityCache | null {
  if (options.ttlSeconds === 0) return null;
  if (!options.redisUrl) return new LocalEntityCache(options.ttlSeconds);
  return new RedisEntityCache(options.redisUrl, options.ttlSeconds, options.notifier, options.log);
}

class LocalEntityCache implements EntityCache {
  private readonly entries = new Map<string, { value: unknown; expires: number }>();
  constructor(private readonly ttlSeconds: number) {}

  async get<Row>(namespace: string, keys: readonly string[]): Promise<Array<Row | undefined>> {
    const now = Date.now();
    return keys.map((key) => {
      const entry = this.entries.get(`${namespace}:${key}`);
      return entry && entry.expires > now ? (entry.value as Row) : undefined;
    });
  }

  async set(namespace: string, entries: ReadonlyArray<readonly [string, unknown]>): Promise<void> {
    if (this.entries.size > 100_000) this.entries.clear();
    const expires = Date.now() + this.ttlSeconds * 1000;
    for (const [key, value] of entries) this.entries.set(`${namespace}:${key}`, { value, expires });
  }

  async forget(namespace: string, keys: readonly string[]): Promise<void> {
    for (const key of keys) this.entries.delete(`${namespace}:${key}`);
  }

  async invalidate(): Promise<void> {
    this.entries.clear();
  }

  close(): void {}
}

/**
 * The shared cache in Redis. While Redis is down, each process caches in its own memory instead (every process hears
 * the database's change notices itself, so those entries stay fresh), and drops them once Redis is back.
 */
class RedisEntityCache implements EntityCache {
  private readonly redis: GuardedRedis;
  private readonly whileDown: LocalEntityCache;
  private generation: Promise<string> | null = null;

  constructor(
    url: string,
    private readonly ttlSeconds: number,
    private readonly notifier: Notifier,
    log: Logger,
  ) {
    this.redis = openRedis(url, log, 'entity cache');
    this.whileDown = new LocalEntityCache(ttlSeconds);
    void notifier.subscribe(INVALIDATE_CHANNEL, () => {
      this.generation = null;
    });
    // Changes made while Redis was down could not drop their entries: start a new generation rather than serve them.
    this.redis.onRecovered(() => {
      void this.whileDown.invalidate();
      void this.invalidate().catch(() => undefined);
    });
  }

  /** The key prefix of the current generation; re-read after an invalidation notice. */
  private prefix(redis: Redis): Promise<string> {
    this.generation ??= redis.get(GENERATION_KEY).then(
      (value) => `once:entity:${value ?? '0'}:`,
      (error: unknown) => {
        this.generation = null;
        throw error;
      },
    );
    return this.generation;
  }

  get<Row>(namespace: string, keys: readonly string[]): Promise<Array<Row | undefined>> {
    return this.redis
      .attempt(async (redis) => {
        const prefix = await this.prefix(redis);
        const values = await redis.mget(keys.map((key) => `${prefix}${namespace}:${key}`));
        return values.map((value) => (value === null ? undefined : (JSON.parse(value) as Row)));
      })
      .catch(() => this.whileDown.get<Row>(namespace, keys));
  }

  async set(namespace: string, entries: ReadonlyArray<readonly [string, unknown]>): Promise<void> {
    await this.redis
      .attempt(async (redis) => {
        const prefix = await this.prefix(redis);
        const pipeline = redis.pipeline();
        for (const [key, value] of entries) pipeline.set(`${prefix}${namespace}:${key}`, JSON.stringify(value), 'EX', this.ttlSeconds);
        await pipeline.exec();
      })
      .catch(() => this.whileDown.set(namespace, entries));
  }

  async forget(namespace: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.whileDown.forget(namespace, keys);
    const dropped = await this.redis.use(async (redis) => {
      const prefix = await this.prefix(redis);
      await redis.del(...keys.map((key) => `${prefix}${namespace}:${key}`));
      return true;
    }, false);
    if (!dropped) throw new Error('Redis is unavailable: cached entities could not be dropped');
  }

  async invalidate(): Promise<void> {
    await this.whileDown.invalidate();
    const moved = await this.redis.use(async (redis) => {
      await redis.incr(GENERATION_KEY);
      return true;
    }, false);
    if (!moved) throw new Error('Redis is unavailable: the entity cache could not be invalidated');
    this.generation = null;
    await this.notifier.publish(INVALIDATE_CHANNEL, 'all');
  }

  close(): void {
    this.redis.disconnect();
  }
}
