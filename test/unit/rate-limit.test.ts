import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../gateway';

describe('the rate limiter without Redis (in process)', () => {
  it('allows perMinute requests of a principal per clock minute, refuses the next until the minute ends, and counts principals apart', async () => {
    const limiter = new RateLimiter(null);
    const minute = 60_000 * 1_000_000;
    const decisions = [];
    for (let index = 0; index < 4; index += 1) decisions.push(await limiter.take('client:a', 3, minute + 20_500));
    expect(decisions).toEqual([
      { allowed: true, retryAfterS: 40 },
      { allowed: true, retryAfterS: 40 },
      { allowed: true, retryAfterS: 40 },
      { allowed: false, retryAfterS: 40 },
    ]);
    expect((await limiter.take('client:b', 3, minute + 20_500)).allowed).toBe(true);
    expect((await limiter.take('client:a', 3, minute + 60_000)).allowed).toBe(true);
  });

  it('judges each request by the limit it names, so a client whose limit was raised is let through at once', async () => {
    const limiter = new RateLimiter(null);
    const minute = 60_000 * 2_000_000;
    for (let index = 0; index < 2; index += 1) await limiter.take('client:c', 1, minute);
    expect((await limiter.take('client:c', 1, minute)).allowed).toBe(false);
    expect((await limiter.take('client:c', 100, minute)).allowed).toBe(true);
  });
});
