import { Redis } from 'ioredis';
import { CircuitBreaker } from './circuit-breaker';
import type { Logger } from './logger';

/** A Redis command slower than this counts as a failure: Redis on the network answers in about a millisecond. */
const COMMAND_TIMEOUT_MS = 500;
/** How often Redis is tried again in the background while it is down. */
const RETRY_MS = 1_000;

/** What a client does with a command while Redis cannot be reached. */
export type WhileDown =
  /** Fail it at once, and never send a command cut off by a disconnect again later: the caller has a fallback and has moved on (e.g. counted locally). */
  | 'fail'
  /** Queue it until Redis is back: a subscriber (ioredis subscribes again after each reconnect), or a test reading Redis directly. */
  | 'wait';

/**
 * Every Redis connection Once opens, with one set of options: connected on first use, named for `purpose` in
 * `CLIENT LIST`, and failing fast or waiting while Redis is down as `whileDown` says.
 */
export function createRedisClient(url: string, options: { purpose: string; whileDown: WhileDown }): Redis {
  const whileDown =
    options.whileDown === 'fail'
      ? { maxRetriesPerRequest: 0, enableOfflineQueue: false, commandTimeout: COMMAND_TIMEOUT_MS }
      : { maxRetriesPerRequest: null, enableOfflineQueue: true };
  return new Redis(url, { lazyConnect: true, connectionName: `once:${options.purpose.replaceAll(/[^\w-]+/g, '-')}`, ...whileDown });
}

/**
 * Redis as an accelerator, never a dependency: every use goes through `use`, which gives the caller's fallback at once
 * while Redis is known to be down (a circuit breaker, opened by the first failed or slow command), and Redis is pinged
 * in the background until it answers again.
 */
export interface GuardedRedis {
  /** `work` on Redis, or `fallback` when Redis is down (without waiting) or `work` fails. */
  use<T>(work: (redis: Redis) => Promise<T>, fallback: T): Promise<T>;
  /** `work` on Redis; rejects at once while Redis is down, and with `work`'s error when it fails. */
  attempt<T>(work: (redis: Redis) => Promise<T>): Promise<T>;
  /** Called each time Redis is back after an outage (what was cached may have missed changes meanwhile). */
  onRecovered(listener: () => void): void;
  disconnect(): void;
}

export function openRedis(url: string, log: Logger, purpose: string): GuardedRedis {
  const redis = createRedisClient(url, { purpose, whileDown: 'fail' });
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
  const attempt = async <T>(work: (client: Redis) => Promise<T>): Promise<T> => {
    if (!breaker.allow()) throw new Error(`Redis (${purpose}) is down: not tried`);
    try {
      await connect();
      const result = await work(redis);
      breaker.succeeded();
      return result;
    } catch (error) {
      breaker.failed(error);
      throw error;
    }
  };
  return {
    use: (work, fallback) => attempt(work).catch(() => fallback),
    attempt,
    onRecovered: (listener) => breaker.onRecovered(listener),
    disconnect() {
      breaker.stop();
      redis.disconnect();
    },
  };
}
