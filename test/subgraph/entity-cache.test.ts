import { afterAll, describe, expect, it } from 'vitest';
import { createEntityCache } from '../../subgraphs/kit';
import { createNotifier } from '../../platform';
import { startTcpProxy } from '../../bench';
import { population, spreadPersonalIds } from '../../subgraphs/population';
import { residence } from '../../subgraphs/residence';
import { openTestDatabase, silentLog } from '../helpers/database';
import { subgraphHarness } from '../helpers/subgraph';
import { testEnv } from '../helpers/test-env';

const REDIS_URL = testEnv.TEST_REDIS_URL;
const db = openTestDatabase();
const notifiers = [createNotifier(REDIS_URL, silentLog), createNotifier(REDIS_URL, silentLog)];
/** Two processes' caches over one Redis. */
const [cacheA, cacheB] = notifiers.map((notifier) => createEntityCache({ redisUrl: REDIS_URL, ttlSeconds: 60, notifier, log: silentLog }));
afterAll(async () => {
  cacheA?.close();
  cacheB?.close();
  await Promise.all(notifiers.map((notifier) => notifier.close()));
  await db.close();
});

const QUERY = `query ($ids: [ID!]!) { citizens(personalIds: $ids) { personalId fullName } }`;

describe('the entity cache in Redis', () => {
  it('serves rows another process loaded, without PostgreSQL, and the same data', async () => {
    await cacheA?.invalidate();
    const ids = await spreadPersonalIds(db, 20);
    const first = subgraphHarness(population, db, cacheA);
    const second = subgraphHarness(population, db, cacheB);
    const loaded = await first.execute(QUERY, { ids });
    expect(first.queries.count).toBe(1);
    const cached = await second.execute(QUERY, { ids });
    expect(second.queries.count).toBe(0);
    expect(cached.data).toEqual(loaded.data);
    // The audit still learns whom the data was about, from cached rows too.
    const subjectsOf = (result: typeof loaded) => [...((result as { extensions?: { onceSubjects?: string[] } }).extensions?.onceSubjects ?? [])].sort();
    expect(subjectsOf(cached)).toEqual(subjectsOf(loaded));
    expect(subjectsOf(cached)).toHaveLength(20);
  });

  it('loads only what it lacks, in one statement', async () => {
    await cacheA?.invalidate();
    const ids = (await db.query<{ id: string }>('SELECT personal_id AS id FROM residence.household_members ORDER BY md5(personal_id) LIMIT 10')).map(
      (row) => row.id,
    );
    const harness = subgraphHarness(residence, db, cacheA);
    const representations = (list: string[]) => ({ r: list.map((personalId) => ({ __typename: 'Citizen', personalId })) });
    const query = 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Citizen { household { householdId } } } }';
    await harness.execute(query, representations(ids.slice(0, 5)));
    harness.queries.reset();
    const result = await harness.execute(query, representations(ids));
    expect(harness.queries.count).toBe(1);
    expect(result.data?._entities.every((citizen: { household: unknown }) => citizen.household !== null)).toBe(true);
  });

  it('is emptied in every process by an invalidation (after a write)', async () => {
    const ids = (await db.query<{ id: string }>('SELECT personal_id AS id FROM population.citizens ORDER BY 1 LIMIT 5')).map((row) => row.id);
    const before = subgraphHarness(population, db, cacheB);
    await before.execute(QUERY, { ids });
    await cacheA?.invalidate();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = subgraphHarness(population, db, cacheB);
    await after.execute(QUERY, { ids });
    expect(after.queries.count).toBe(1);
  });
});

describe('the entity cache while Redis is down', () => {
  it("caches in the process's memory meanwhile, drops what changes, and goes back to Redis when it returns", async () => {
    const target = new URL(REDIS_URL);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    const notifier = createNotifier(undefined, silentLog);
    const cache = createEntityCache({ redisUrl: proxy.through(REDIS_URL), ttlSeconds: 60, notifier, log: silentLog });
    const run = async (ids: string[]) => {
      const harness = subgraphHarness(population, db, cache);
      const result = await harness.execute(QUERY, { ids });
      return { statements: harness.queries.count, names: (result.data?.citizens as Array<{ fullName: string }>).map((citizen) => citizen.fullName) };
    };
    try {
      const ids = (await db.query<{ id: string }>('SELECT personal_id AS id FROM population.citizens ORDER BY 1 DESC LIMIT 4')).map((row) => row.id);
      proxy.cut();
      const loaded = await run(ids);
      expect(loaded.statements).toBe(1);
      // Served from memory, not from PostgreSQL, though Redis is still cut.
      expect(await run(ids)).toEqual({ statements: 0, names: loaded.names });
      // A change notice drops the entity here too: it is read again.
      await cache?.forget('population:citizen', ids.slice(0, 1)).catch(() => undefined);
      expect((await run(ids)).statements).toBe(1);

      proxy.restore();
      // Once Redis is back (tried again in the background), what was kept in memory is dropped and loaded once more,
      // into Redis: shared with other processes again.
      await expect.poll(async () => (await run(ids)).statements, { timeout: 5_000, interval: 200 }).toBe(1);
      expect((await run(ids)).statements).toBe(0);
      const other = createEntityCache({ redisUrl: REDIS_URL, ttlSeconds: 60, notifier, log: silentLog });
      const harness = subgraphHarness(population, db, other);
      await harness.execute(QUERY, { ids });
      expect(harness.queries.count).toBe(0);
      other?.close();
    } finally {
      cache?.close();
      await notifier.close();
      await proxy.close();
    }
  });
});
