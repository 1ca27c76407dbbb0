import { Redis } from 'ioredis';
import type { Logger } from './logger';
import { entityCacheLookups } from './metrics';
import type { Notifier } from './notifier';

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
  set<Row>(namespace: string, entries: ReadonlyArray<readonly [string, Row]>): Promise<void>;
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
  if (loaded.length > 0) await cache.set(namespace, loaded.map((row) => [keyOf(row), row] as const));
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

  async set<Row>(namespace: string, entries: ReadonlyArray<readonly [string, Row]>): Promise<void> {
    if (this.entries.size > 100_000) this.entries.clear();
    const expires = Date.now() + this.ttlSeconds * 1000;
    for (const [key, value] of entries) this.entries.set(`${namespace}:${key}`, { value, expires });
  }

  async invalidate(): Promise<void> {
    this.entries.clear();
  }

  close(): void {}
}

class RedisEntityCache implements EntityCache {
  private readonly redis: Redis;
  private generation: Promise<string> | null = null;

  constructor(
    url: string,
    private readonly ttlSeconds: number,
    private readonly notifier: Notifier,
    private readonly log: Logger,
  ) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    this.redis.on('error', (error: Error) => log.warn({ err: error }, 'Redis unavailable: entity cache bypassed'));
    void notifier.subscribe(INVALIDATE_CHANNEL, () => {
      this.generation = null;
    });
  }

  /** Waits up to a second for the connection; without one the cache is bypassed (or, to invalidate, an error). */
  private async ready(): Promise<void> {
    if (this.redis.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Redis is ${this.redis.status}`)), 1_000);
      this.redis.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The key prefix of the current generation; re-read after an invalidation notice. */
  private async prefix(): Promise<string> {
    await this.ready();
    this.generation ??= this.redis.get(GENERATION_KEY).then((value) => `once:entity:${value ?? '0'}:`);
    return this.generation;
  }

  async get<Row>(namespace: string, keys: readonly string[]): Promise<Array<Row | undefined>> {
    try {
      const prefix = await this.prefix();
      const values = await this.redis.mget(keys.map((key) => `${prefix}${namespace}:${key}`));
      return values.map((value) => (value === null ? undefined : (JSON.parse(value) as Row)));
    } catch {
      this.generation = null;
      return keys.map(() => undefined);
    }
  }

  async set<Row>(namespace: string, entries: ReadonlyArray<readonly [string, Row]>): Promise<void> {
    try {
      const prefix = await this.prefix();
      const pipeline = this.redis.pipeline();
      for (const [key, value] of entries) pipeline.set(`${prefix}${namespace}:${key}`, JSON.stringify(value), 'EX', this.ttlSeconds);
      await pipeline.exec();
    } catch (error) {
      this.log.debug({ err: error }, 'entity cache write skipped');
    }
  }

  async invalidate(): Promise<void> {
    await this.ready();
    await this.redis.incr(GENERATION_KEY);
    this.generation = null;
    await this.notifier.publish(INVALIDATE_CHANNEL, 'all');
  }

  close(): void {
    this.redis.disconnect();
  }
}
