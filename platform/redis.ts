import { Redis } from 'ioredis';
import { CircuitBreaker } from './circuit-breaker';
import type { Logger } from './logger';

/** A Redis command slower than this counts as a failure: Redis on the network answers in about a millisecond. */
const COMMAND_TIMEOUT_MS = 500;
/** How often Redis is tried again in the background while it is down. */
const RETRY_MS = 1_000;

/**
 * The options of every Redis client that has a fallback: commands fail at once instead of queueing while it is down,
 * and a command cut off by a disconnect is not sent again later (its caller has moved on, e.g. counted it locally).
 */
export const FAIL_FAST = { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, commandTimeout: COMMAND_TIMEOUT_MS } as const;

/**
 * Redis as an accelerator, never a dependency: every use goes through `use`, which gives the caller's fallback at once
 * while Redis is known to be down (a circuit breaker, opened by the first failed or slow command), and Redis is pinged
 * in the background until it answers again.
 */
export interface GuardedRedis {
  /** `work` on Redis, or `fallback` when Redis is down (without waiting) or `work` fails. */
  use<T>(work: (redis: Redis) => Promise<T>, fallback: T): Promise<T>;
  /** Called each time Redis is back after an outage (what was cached may have missed changes meanwhile). */
  onRecovered(listener: () => void): void;
  disconnect(): void;
}

export function openRedis(url: string, log: Logger, purpose: string): GuardedRedis {
  const redis = new Redis(url, FAIL_FAST);
  // ioredis reconnects by itself; its errors are the breaker's business, logged once per outage there.
  redis.on('error', (error: Error) => log.debug({ err: error, purpose }, 'Redis connection error'));
  let connecting: Promise<void> | null = null;
  // Concurrent first uses share one connection attempt (a command sent while connecting would fail).
  const connect = async () => {
    if (redis.status === 'wait') connecting = redis.connect().finally(() => (connecting = null));
    await connecting;
  };
  const breaker = new CircuitBreaker({
    name: `Redis (${purpose})`,
    failureThreshold: 1,
    cooldownMs: RETRY_MS,
    probe: async () => {
      await connect();
      await redis.ping();
    },
    log,
  });
  return {
    async use(work, fallback) {
      if (!breaker.allow()) return fallback;
      try {
        await connect();
        const result = await work(redis);
        breaker.succeeded();
        return result;
      } catch (error) {
        breaker.failed(error);
        return fallback;
      }
    },
    onRecovered: (listener) => breaker.onRecovered(listener),
    disconnect() {
      breaker.stop();
      redis.disconnect();
    },
  };
}
