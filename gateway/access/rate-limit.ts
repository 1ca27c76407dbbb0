import { Redis } from 'ioredis';
import type { Logger } from '../../subgraphs/common/logger';

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
  private warned = false;

  private constructor(
    private readonly redis: Redis | null,
    private readonly log: Logger,
  ) {}

  static open(redisUrl: string | undefined, log: Logger): RateLimiter {
    const redis = redisUrl ? new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false }) : null;
    redis?.on('error', () => undefined);
    return new RateLimiter(redis, log);
  }

  /** Counts one request of `principal` against `perMinute`. */
  async take(principal: string, perMinute: number, now = Date.now()): Promise<RateDecision> {
    const window = Math.floor(now / WINDOW_MS);
    const count = (await this.countInRedis(`${PREFIX}${principal}:${window}`)) ?? this.countLocally(principal, window);
    return { allowed: count <= perMinute, retryAfterS: Math.ceil(((window + 1) * WINDOW_MS - now) / 1000) };
  }

  close(): void {
    this.redis?.disconnect();
  }

  private async countInRedis(key: string): Promise<number | null> {
    if (!this.redis) return null;
    try {
      if (this.redis.status === 'wait') await this.redis.connect();
      const results = await this.redis.multi().incr(key).pexpire(key, WINDOW_MS * 2).exec();
      const count = results?.[0]?.[1];
      if (typeof count !== 'number') throw new Error('INCR returned no count');
      this.warned = false;
      return count;
    } catch (error) {
      if (!this.warned) this.log.warn({ err: error }, 'Redis unavailable for rate limits: counting in this process until it is back');
      this.warned = true;
      return null;
    }
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
