import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { GuardedRedis } from '../../platform';

const WINDOW_S = 60;
const WINDOW_MS = WINDOW_S * 1000;
const KEY_PREFIX = 'once:rate';

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the current window ends, when refused. */
  retryAfterS: number;
}

/**
 * The node-redis `eval` that RateLimiterRedis calls (`useRedisPackage`), run on the guarded connection: a failed or
 * slow command opens the circuit, and while it is open the call fails at once, so that the insurance limiter answers
 * without any request waiting on a Redis known to be down.
 */
function guardedStore(redis: GuardedRedis) {
  return {
    eval: (script: string, { keys, arguments: args }: { keys: string[]; arguments: string[] }) =>
      redis.attempt((client) => client.eval(script, keys.length, ...keys, ...args)),
  };
}

/**
 * Requests per principal per minute (fixed one-minute windows), by rate-limiter-flexible: counted in Redis so that
 * every gateway replica shares one count; in process without REDIS_URL, and in process per replica while Redis cannot
 * be reached (its insurance limiter: the limit still holds per replica rather than not at all).
 */
export class RateLimiter {
  /**
   * One limiter per limit in use (limits are per client: a handful of values). In Redis they count under the same keys;
   * in process each counts apart, so a client whose limit changes starts afresh in this replica for that minute.
   */
  private readonly limiters = new Map<number, RateLimiterAbstract>();

  /** `redis` comes from `openRedis` (null: in process only), which logs an outage; its owner closes it. */
  constructor(private readonly redis: GuardedRedis | null) {}

  /** Counts one request of `principal` against `perMinute`. */
  async take(principal: string, perMinute: number, now = Date.now()): Promise<RateDecision> {
    const window = Math.floor(now / WINDOW_MS);
    // Windows are clock minutes named in the key (not the library's "from the first request"), so that every replica
    // and the in-process insurance count the same minute, and Retry-After is the same for all of them.
    const result = await this.limiterFor(perMinute)
      .consume(`${principal}:${window}`)
      .catch((refusal: unknown) => {
        if (refusal instanceof RateLimiterRes) return refusal;
        throw refusal;
      });
    return { allowed: result.consumedPoints <= perMinute, retryAfterS: Math.ceil(((window + 1) * WINDOW_MS - now) / 1000) };
  }

  private limiterFor(points: number): RateLimiterAbstract {
    let limiter = this.limiters.get(points);
    if (!limiter) {
      const options = { keyPrefix: KEY_PREFIX, points, duration: WINDOW_S };
      const memory = new RateLimiterMemory(options);
      limiter = this.redis
        ? new RateLimiterRedis({ ...options, storeClient: guardedStore(this.redis), useRedisPackage: true, insuranceLimiter: memory })
        : memory;
      this.limiters.set(points, limiter);
    }
    return limiter;
  }
}
