import { Redis } from 'ioredis';
import type { Logger } from './logger';

/**
 * A Redis client for work that has a fallback (caches, counters): it connects on first use, and while Redis is
 * unreachable its commands fail at once instead of queueing, so callers fall back rather than wait. An outage is
 * logged once, and again only after Redis has been back.
 */
export function openRedis(url: string, log: Logger, purpose: string): Redis {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  let down = false;
  redis.on('ready', () => {
    down = false;
  });
  redis.on('error', (error: Error) => {
    if (!down) log.warn({ err: error }, `Redis unavailable for ${purpose}: falling back until it is back`);
    down = true;
  });
  return redis;
}

/** Connects a client opened by `openRedis` before its first command; a failure shows on that command. */
export async function connected(redis: Redis): Promise<void> {
  if (redis.status === 'wait') await redis.connect().catch(() => undefined);
}
