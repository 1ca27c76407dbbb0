import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { one } from '../helpers/database';
import { startTestStack, type TestStack } from '../helpers/stack';
import { testEnv } from '../helpers/test-env';

const REDIS_URL = testEnv.TEST_REDIS_URL;
const CHECK = `query ($id: ID!) { citizen(personalId: $id) { lifeStatus documentCheck(required: [BIRTH_CERTIFICATE]) { requirements { type status } } } }`;
type Check = { citizen: { lifeStatus: string; documentCheck: { requirements: Array<{ type: string; status: string }> } } };

/** Caches on for a minute, so that only the change notices can explain a fresh answer: in process, and in Redis. */
let local: TestStack;
let shared: TestStack;
const stacks = () => [local, shared];
let id: string;
beforeAll(async () => {
  process.env.APOLLO_TELEMETRY_DISABLED = '1';
  local = await startTestStack({ ENTITY_CACHE_TTL_S: '60' });
  shared = await startTestStack({ ENTITY_CACHE_TTL_S: '60', REDIS_URL });
  // A person of their own (no other test picks by this order), alive, with a reusable birth certificate.
  id = await one<string>(
    local.db,
    `SELECT d.holder_id AS value FROM procedures.issued_documents d JOIN population.citizens c ON c.personal_id = d.holder_id
      WHERE d.document_type = 'BIRTH_CERTIFICATE' AND d.copy_reusable AND d.revoked_on IS NULL AND d.valid_until IS NULL AND c.life_status = 'ALIVE'
      ORDER BY md5(d.holder_id || 'fresh-facts') LIMIT 1`,
  );
});
afterAll(async () => {
  await local?.db.query(`UPDATE procedures.issued_documents SET revoked_on = NULL WHERE holder_id = $1 AND document_type = 'BIRTH_CERTIFICATE'`, [id]);
  await local?.db.query(`UPDATE population.citizens SET life_status = 'ALIVE', date_of_death = NULL WHERE personal_id = $1`, [id]);
  await Promise.all(stacks().map((stack) => stack?.stop()));
});

/** Asks until the answer shows `expected` (a few times: the notice arrives after the commit, asynchronously). */
async function askUntil(stack: TestStack, expected: { lifeStatus: string; status: string }): Promise<{ lifeStatus: string; status: string }> {
  let seen = { lifeStatus: '', status: '' };
  for (let attempt = 0; attempt < 30; attempt += 1) {
    const response = await stack.graphql<Check>(CHECK, { id });
    seen = { lifeStatus: response.data?.citizen.lifeStatus ?? '', status: response.data?.citizen.documentCheck.requirements[0]?.status ?? '' };
    if (seen.lifeStatus === expected.lifeStatus && seen.status === expected.status) return seen;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return seen;
}

describe('the entity cache is dropped when agency data changes (triggers, LISTEN/NOTIFY)', () => {
  it('a revoked document is EXPIRED and a recorded death DECEASED in the next answers, not after the TTL, in process and through Redis', async () => {
    for (const stack of stacks())
      expect(await askUntil(stack, { lifeStatus: 'ALIVE', status: 'HELD_REUSABLE' })).toEqual({ lifeStatus: 'ALIVE', status: 'HELD_REUSABLE' });
    // Twice, so that the first answer above is surely cached.
    for (const stack of stacks()) expect((await stack.graphql<Check>(CHECK, { id })).data?.citizen.documentCheck.requirements[0]?.status).toBe('HELD_REUSABLE');

    await local.db.query(`UPDATE procedures.issued_documents SET revoked_on = '2026-01-02' WHERE holder_id = $1 AND document_type = 'BIRTH_CERTIFICATE'`, [id]);
    await local.db.query(`UPDATE population.citizens SET life_status = 'DECEASED', date_of_death = '2026-01-01' WHERE personal_id = $1`, [id]);
    for (const stack of stacks())
      expect(await askUntil(stack, { lifeStatus: 'DECEASED', status: 'EXPIRED' })).toEqual({ lifeStatus: 'DECEASED', status: 'EXPIRED' });
  });
});
