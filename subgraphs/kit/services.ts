import { type Database, type Logger, createNotifier, type Notifier } from '../../platform';
import type { SubgraphConfig } from './config';
import { createEntityCache, followEntityChanges, type EntityCache } from './entity-cache';

/** What a process gives its subgraphs besides their statements: the database, change notices, the entity cache. */
export interface SubgraphServices {
  database: Database;
  notifier: Notifier;
  /** Null when ENTITY_CACHE_TTL_S is 0. */
  cache: EntityCache | null;
  log: Logger;
}

/** Notices and cache as the configuration says (Redis, or in-process without REDIS_URL). */
export function openSubgraphServices(config: SubgraphConfig, database: Database, log: Logger): SubgraphServices & { close(): Promise<void> } {
  const notifier = createNotifier(config.REDIS_URL, log);
  const cache = createEntityCache({ redisUrl: config.REDIS_URL, ttlSeconds: config.ENTITY_CACHE_TTL_S, notifier, log });
  const following = cache ? followEntityChanges(cache, database, log) : null;
  return {
    database,
    notifier,
    cache,
    log,
    async close() {
      const stopFollowing = await following;
      await stopFollowing?.();
      cache?.close();
      await notifier.close();
    },
  };
}
