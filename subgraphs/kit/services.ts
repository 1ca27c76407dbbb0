import { type Database, type Logger, createNotifier, type Notifier } from '../../platform';
import type { SubgraphConfig } from './config';
import { createEntityCache, followEntityChanges, type EntityCache } from './entity-cache';

/** A subgraph of a supergraph version, as a gateway replica reaches it. */
export interface HealthCheckTarget {
  name: string;
  url: string;
  secret: string | undefined;
}

/**
 * The health check every gateway replica runs before it serves a supergraph version: `[name]: why` for each subgraph
 * that fails it, empty when all pass. The gateway implements it; the registry runs it before it records a version.
 */
export type GatewayHealthCheck = (subgraphs: readonly HealthCheckTarget[], timeoutMs: number, log: Logger) => Promise<string[]>;

/** What a process gives its subgraphs besides their statements: the database, change notices, the entity cache. */
export interface SubgraphServices {
  database: Database;
  notifier: Notifier;
  /** Null when ENTITY_CACHE_TTL_S is 0. */
  cache: EntityCache | null;
  log: Logger;
  /** The gateways' health check, in a process that runs the registry; null elsewhere (the registry then records no version). */
  gatewayHealthCheck: GatewayHealthCheck | null;
}

/**
 * Notices and cache as the configuration says (Redis, or in-process without REDIS_URL). A process that runs the
 * registry passes the gateways' health check.
 */
export function openSubgraphServices(
  config: SubgraphConfig,
  database: Database,
  log: Logger,
  gatewayHealthCheck: GatewayHealthCheck | null = null,
): SubgraphServices & { close(): Promise<void> } {
  const notifier = createNotifier(config.REDIS_URL, log);
  const cache = createEntityCache({ redisUrl: config.REDIS_URL, ttlSeconds: config.ENTITY_CACHE_TTL_S, notifier, log });
  const following = cache ? followEntityChanges(cache, database, log) : null;
  return {
    database,
    notifier,
    cache,
    log,
    gatewayHealthCheck,
    async close() {
      const stopFollowing = await following;
      await stopFollowing?.();
      cache?.close();
      await notifier.close();
    },
  };
}
