import type { GuardedRedis } from '../../platform';

const WINDOW_MS = 60_000;
const PREFIX = 'once:rate:';

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the current window ends, when refused. */
  retryAfterS: number;
}

/**
 * Requests per principal per minute (fixed one-minute windows), counted in Redis so that every gateway replica
 * shares one count; in process without REDIS_URL, and in process per replica while Redis cannot be reached (the
 * limit still holds per replica rather than not at all).
 */
export class RateLimiter {
  private readonly local = new Map<string, number>();
  private localWindow = -1;

  /** `redis` comes from `openRedis` (null: in process only), which logs an outage; its owner closes it. */
  constructor(private readonly redis: GuardedRedis | null) {}

  /** Counts one request of `principal` against `perMinute`. */
  async take(principal: string, perMinute: number, now = Date.now()): Promise<RateDecision> {
    const window = Math.floor(now / WINDOW_MS);
    const count = (await this.countInRedis(`${PREFIX}${principal}:${window}`)) ?? this.countLocally(principal, window);
    return { allowed: count <= perMinute, retryAfterS: Math.ceil(((window + 1) * WINDOW_MS - now) / 1000) };
  }

  private async countInRedis(key: string): Promise<number | null> {
    if (!this.redis) return null;
    return this.redis.use(async (redis) => {
      const results = await redis.pipeline().incr(key).pexpire(key, WINDOW_MS * 2).exec();
      const count = results?.[0]?.[1];
      return typeof count === 'number' ? count : null;
    }, null);
  }

  private countLocally(principal: string, window: number): number {
    if (window !== this.localWindow) {
      this.local.clear();
      this.localWindow = window;
    }
    const count = (this.local.get(principal) ?? 0) + 1;
    this.local.set(principal, count);
    return count;
  }
}
