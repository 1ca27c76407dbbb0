import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient, openRedis } from '../../platform';
import { silentLog } from '../helpers/database';
import { ok, REDIS_URL, startFaultStack, type FaultStack } from './fault-stack';
import { startTcpProxy } from '../../bench';

const PROFILE = 'query ($id: ID!) { citizen(personalId: $id) { fullName household { members { citizen { fullName } } } documents { number } } }';

let stack: FaultStack;
/** The real Redis, not through the proxy: what the test reads to see that the stack uses it again. */
const direct = createRedisClient(REDIS_URL, { purpose: 'fault test reader', whileDown: 'wait' });
beforeAll(async () => {
  stack = await startFaultStack({ redis: true });
});
afterAll(async () => {
  direct.disconnect();
  await stack?.stop();
});

const send = (index: number) => stack.send(PROFILE, { id: stack.personalIds[index % stack.personalIds.length] });

/** This minute's request count of the stack's portal in Redis (the gateway's rate limiter writes it). */
async function rateCount(): Promise<number> {
  return Number(await direct.get(`once:rate:client:${stack.clientId}:${Math.floor(Date.now() / 60_000)}`));
}

describe('Redis cut (through a proxy; the shared server keeps running)', () => {
  for (const mode of ['reset', 'blackhole'] as const) {
    it(`(${mode}) costs clients nothing: every request is answered from PostgreSQL, and Redis is used again once it is back`, async () => {
      expect(ok(await send(0))).toBe(true);
      stack.redis?.cut(mode);
      const during = await Promise.all(Array.from({ length: 30 }, (_, index) => send(index)));
      expect(during.filter((outcome) => !ok(outcome))).toEqual([]);
      const sequential = [];
      for (let index = 30; index < 40; index += 1) sequential.push(await send(index));
      expect(sequential.filter((outcome) => !ok(outcome))).toEqual([]);
      expect(stack.gateways[0]?.process.exitCode).toBeNull();

      const countWhileCut = await rateCount();
      stack.redis?.restore();
      // Recovery without a restart: the rate limiter counts in Redis again (the background probe closed its circuit).
      let counted = countWhileCut;
      for (let attempt = 0; attempt < 40 && counted <= countWhileCut; attempt += 1) {
        expect(ok(await send(attempt))).toBe(true);
        counted = await rateCount();
        if (counted <= countWhileCut) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(counted).toBeGreaterThan(countWhileCut);
      expect(await stack.unrecorded(during.flatMap((outcome) => (outcome.kind === 'response' ? [outcome.requestId] : [])))).toEqual([]);
    });
  }
});

describe('a guarded Redis client', () => {
  it('skips Redis without trying it once a command has failed, and uses it again after a background probe', async () => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(REDIS_URL).port || 6379) });
    const redis = openRedis(proxy.through(REDIS_URL), silentLog, 'fault test');
    const key = `once:fault-test:${process.pid}:${Date.now()}`;
    let tried = 0;
    const increment = () =>
      redis.use(async (client) => {
        tried += 1;
        return client.incr(key);
      }, null);
    try {
      expect(await increment()).toBe(1);
      proxy.cut('blackhole');
      expect(await increment()).toBeNull();
      const triedAtFailure = tried;
      const skipped = await Promise.all(Array.from({ length: 20 }, increment));
      expect(skipped).toEqual(Array.from({ length: 20 }, () => null));
      expect(tried).toBe(triedAtFailure);
      proxy.restore();
      let value: number | null = null;
      for (let attempt = 0; attempt < 40 && value === null; attempt += 1) {
        value = await increment();
        if (value === null) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(value).toBe(2);
    } finally {
      redis.disconnect();
      await direct.del(key);
      await proxy.close();
    }
  });
});
