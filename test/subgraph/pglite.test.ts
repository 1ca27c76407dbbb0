import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInSubgraphs } from '../../subgraphs';
import { openPglite, type Database, migrate } from '../../platform';
import { residence } from '../../subgraphs/residence';
import { countCitizens, seedDatabase } from '../../subgraphs/seed';
import { subgraphHarness } from '../helpers/subgraph';

/** The embedded default (`npm start` without DATABASE_URL) runs the same migrations, seed and SQL. */
describe('embedded PGlite', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openPglite();
    for (const module of builtInSubgraphs) await migrate(db, module.name, module.migrations);
  });
  afterAll(() => db.close());

  it('applies each migration once, however often it is asked', async () => {
    for (const module of builtInSubgraphs) expect(await migrate(db, module.name, module.migrations)).toEqual([]);
  });

  it('takes the seed through COPY and answers subgraph queries with the same SQL', async () => {
    await seedDatabase(db, { citizens: 200, seed: 3 });
    expect(await countCitizens(db)).toBe(200);
    const [member] = await db.query<{ id: string }>('SELECT personal_id AS id FROM residence.household_members WHERE left_on IS NULL ORDER BY 1 LIMIT 1');
    const result = await subgraphHarness(residence, db).execute(`query ($id: ID!) { residenceConfirmation(personalId: $id) { household { members { relationshipToHead } } } }`, { id: member?.id });
    expect(result.errors).toBeUndefined();
    expect(result.data?.residenceConfirmation.household.members[0].relationshipToHead).toBe('HEAD');
  });
});
