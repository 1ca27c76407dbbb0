import { describe, expect, it } from 'vitest';
import { AccessStore } from '../../gateway';
import type { Queryable } from '../../platform';

/** A database that answers every purpose lookup with one row (or fails), and counts the queries it was sent. */
function countingDatabase(answer: () => Promise<unknown[]> = async () => [{}]): Queryable & { queries: number } {
  const db = {
    queries: 0,
    async query<Row>(): Promise<Row[]> {
      db.queries += 1;
      return (await answer()) as Row[];
    },
  };
  return db;
}

describe('the access store cache', () => {
  it('reads each lookup once per TTL, shares one read among concurrent misses, and reads again after invalidate', async () => {
    const db = countingDatabase();
    const store = new AccessStore(db, 60_000);
    expect(await Promise.all([store.purposeExists('SOCIAL_INSURANCE'), store.purposeExists('SOCIAL_INSURANCE')])).toEqual([true, true]);
    expect(await store.purposeExists('SOCIAL_INSURANCE')).toBe(true);
    expect(db.queries).toBe(1);
    store.invalidate();
    expect(await store.purposeExists('SOCIAL_INSURANCE')).toBe(true);
    expect(db.queries).toBe(2);
  });

  it('caches a negative answer (no such client) like any other', async () => {
    const db = countingDatabase(async () => []);
    const store = new AccessStore(db, 60_000);
    expect([await store.client('nobody'), await store.client('nobody')]).toEqual([null, null]);
    expect(db.queries).toBe(1);
  });

  it('reads the database for every lookup with a TTL of 0', async () => {
    const db = countingDatabase();
    const store = new AccessStore(db, 0);
    for (let index = 0; index < 3; index += 1) await store.purposeExists('SOCIAL_INSURANCE');
    expect(db.queries).toBe(3);
  });

  it('answers a failed read as SERVICE_UNAVAILABLE (503, Retry-After) and does not cache the failure', async () => {
    let down = true;
    const db = countingDatabase(async () => {
      if (down) throw new Error('connection refused');
      return [{}];
    });
    const store = new AccessStore(db, 60_000);
    await expect(store.purposeExists('SOCIAL_INSURANCE')).rejects.toMatchObject({
      message: 'Access policies cannot be read right now; retry shortly',
      extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503 } },
    });
    down = false;
    expect(await store.purposeExists('SOCIAL_INSURANCE')).toBe(true);
  });

  it('stays bounded when strangers send endless unknown key ids', async () => {
    const db = countingDatabase(async () => []);
    const store = new AccessStore(db, 60_000);
    for (let index = 0; index < 10_001; index += 1) await store.apiKey(`unknown-${index}`);
    await store.apiKey('unknown-0');
    expect(db.queries).toBe(10_002);
  });
});
