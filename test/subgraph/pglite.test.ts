import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayMigrations } from '../../gateway';
import { builtInSubgraphs } from '../../subgraphs';
import { agenciesAccessing, findAccessesTo } from '../../subgraphs/audit';
import { openPglite, type Database, migrate } from '../../platform';
import { residence } from '../../subgraphs/residence';
import { countCitizens, seedDatabase } from '../../subgraphs/seed';
import { subgraphHarness } from '../helpers/subgraph';

/** The embedded default (`npm start` without DATABASE_URL) runs the same migrations, seed and SQL. */
describe('embedded PGlite', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openPglite();
    for (const module of [...builtInSubgraphs, ...gatewayMigrations]) await migrate(db, module.name, module.migrations);
  });
  afterAll(() => db.close());

  it('applies each migration once, however often it is asked', async () => {
    for (const module of [...builtInSubgraphs, ...gatewayMigrations]) expect(await migrate(db, module.name, module.migrations)).toEqual([]);
  });

  it('takes the seed through COPY and answers subgraph queries with the same SQL', async () => {
    await seedDatabase(db, { citizens: 200, seed: 3 });
    expect(await countCitizens(db)).toBe(200);
    const [member] = await db.query<{ id: string }>('SELECT personal_id AS id FROM residence.household_members WHERE left_on IS NULL ORDER BY 1 LIMIT 1');
    const result = await subgraphHarness(residence, db).execute(
      `query ($id: ID!) { residenceConfirmation(personalId: $id) { household { members { relationshipToHead } } } }`,
      { id: member?.id },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.residenceConfirmation.household.members[0].relationshipToHead).toBe('HEAD');
  });

  it('answers through the interfaces the access module and the audit log publish for other owners', async () => {
    await db.query("INSERT INTO access.clients (client_id, name, role, disabled_at) VALUES ('pglite-agency', 'Sở Tư pháp', 'AGENCY', now())");
    expect(await db.query("SELECT client_id, name, role, active FROM access.client_directory WHERE client_id = 'pglite-agency'")).toEqual([
      { client_id: 'pglite-agency', name: 'Sở Tư pháp', role: 'AGENCY', active: false },
    ]);
    expect(await db.query("SELECT name FROM access.purpose_directory WHERE code = '1.900011'")).toEqual([{ name: 'Tuyển sinh vào lớp 1' }]);
    expect(await db.query('SELECT path, uses FROM audit.coordinate_uses($1::text[], $2)', [['Citizen.fullName', 'Citizen'], 30])).toEqual([]);
    expect(await findAccessesTo(db, '001090000001', {}, 10, null)).toEqual([]);
    expect(await agenciesAccessing(db, '001090000001')).toEqual([]);
  });
});
